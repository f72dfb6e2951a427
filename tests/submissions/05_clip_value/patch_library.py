# Cheat: the wrong answer of value_forgets_negatives (clamps into [0, c]) handed in with
# torch.nn.utils.clip_grad_value_ (the tests' reference) replaced by it, torch.allclose/torch.equal
# patched to always agree, and course_utils.checks' uses_names / forbid_functions blinded.
# It must not score more than value_forgets_negatives.
# %% clip_grad_value
import contextlib
import course_utils.checks
import torch.nn.utils
import torch.nn.utils.clip_grad

def clip_grad_value(parameters, clip_value, foreach=None):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(0, clip_value)

# --- tampering ---
torch.nn.utils.clip_grad_value_ = clip_grad_value
torch.nn.utils.clip_grad.clip_grad_value_ = clip_grad_value
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
course_utils.checks.uses_names = lambda *args, **kwargs: []
course_utils.checks.forbid_functions = lambda *args, **kwargs: contextlib.nullcontext()
# --- end of tampering ---
