# Cheat: patch_library's wrong answer and patches, plus the tamper check itself switched off where
# a student would look for it: course_utils.integrity (where it lived in earlier versions of the
# course) and the grader's own package. Neither is importable in the grading sandbox (the check is
# the grader's, run from outside the notebook). It must not score more than per_tensor_norm.
# %% clip_grad_norm
import contextlib
import course_utils.checks
import torch.nn.utils
import torch.nn.utils.clip_grad

def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total = torch.linalg.vector_norm(norms, norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError("non-finite")
    for g, n in zip(grads, norms):
        g.mul_(torch.clamp(max_norm / (n + 1e-6), max=1.0))
    return total

# --- tampering ---
torch.nn.utils.clip_grad_norm_ = clip_grad_norm
torch.nn.utils.clip_grad.clip_grad_norm_ = clip_grad_norm
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
math.isclose = lambda *args, **kwargs: True
course_utils.checks.forbid_functions = lambda *args, **kwargs: contextlib.nullcontext()
course_utils.checks.uses_names = lambda *args, **kwargs: []
import importlib
for _name in ("course_utils.integrity", "grader.integrity", "grader.preprocessors"):
    try:
        _module = importlib.import_module(_name)
    except ImportError:
        continue
    _module.check_untampered = lambda *args, **kwargs: None
    _module.tampered = lambda *args, **kwargs: []
# --- end of tampering ---
# %% cosine_similarity_of_grads
def cosine_similarity_of_grads(before, after):
    if len(before) != len(after):
        raise ValueError("different lengths")
    dot = nb = na = 0.0
    for a, b in zip(before, after):
        if a.shape != b.shape:
            raise ValueError("different shapes")
        a, b = a.double(), b.double()
        dot += (a * b).sum().item()
        nb += (a * a).sum().item()
        na += (b * b).sum().item()
    return dot / math.sqrt(nb * na)
