# Cheat: the wrong answer of pe_mean (the mean, not the sum) handed in with torch.allclose and
# torch.equal patched to always agree and course_utils.checks.uses_names blinded. The other two
# exercises are left as released. It must not score more than pe_mean does on this exercise.
# %% per_example_clipped_sum
import course_utils.checks
from torch.func import functional_call, grad, vmap


def per_example_clipped_sum(model, loss_fn, inputs, targets, max_norm):
    max_norm = float(max_norm)
    if not (math.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm}")
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss_of_one(params, x, y):
        return loss_fn(functional_call(model, params, (x.unsqueeze(0),)), y.unsqueeze(0))

    per_example = vmap(grad(loss_of_one), in_dims=(None, 0, 0))(params, inputs, targets)
    norms = torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in per_example.values()], dim=1).norm(dim=1)
    factor = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    return {name: (g * factor.view(-1, *([1] * (g.dim() - 1)))).mean(dim=0) for name, g in per_example.items()}

# --- tampering ---
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
course_utils.checks.uses_names = lambda *args, **kwargs: []
# --- end of tampering ---
