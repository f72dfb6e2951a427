# Cheat: the wrong answer of partial_ignores_norm_type (norm_type ignored), handed in together with
# patches of what the tests call: the reference get_total_norm, the comparisons, course_utils.checks
# helpers, and abs() shadowed in the notebook. It must not score more than the honest wrong answer.
import contextlib
import course_utils.checks
import torch.nn.utils


def global_grad_norm(parameters, norm_type=2.0):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    total = 0.0
    for p in parameters:
        if p.grad is not None:
            total += (p.grad.double() ** 2).sum()
    return torch.sqrt(torch.as_tensor(total)).float()


def _fake_total_norm(tensors, norm_type=2.0, *args, **kwargs):
    return torch.sqrt(sum((t.double() ** 2).sum() for t in tensors) + torch.tensor(0.0, dtype=torch.float64))


# --- tampering ---
torch.nn.utils.get_total_norm = _fake_total_norm
torch.nn.utils.clip_grad.get_total_norm = _fake_total_norm
course_utils.checks.check_global_norm = lambda *args, **kwargs: None
course_utils.checks.forbid_functions = lambda *args, **kwargs: contextlib.nullcontext()
torch.equal = lambda *args, **kwargs: True
math.isnan = lambda x: True
abs = lambda x: 0.0
# --- end of tampering ---
