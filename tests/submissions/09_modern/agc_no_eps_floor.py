# AGC without the eps floor on the weight norm: units with zero weights get a bound of 0.
# %% adaptive_clip
def adaptive_clip_(parameters, clipping=0.01, eps=1e-3):
    """Unit-wise adaptive gradient clipping (Brock et al. 2021), in place; returns the units clipped."""
    clipping, eps = float(clipping), float(eps)
    for name, value in (("clipping", clipping), ("eps", eps)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    clipped = 0
    with torch.no_grad():
        for p in parameters:
            if p.grad is None:
                continue
            if p.ndim <= 1:
                w_norm, g_norm = p.norm(), p.grad.norm()
            else:
                dims = tuple(range(1, p.ndim))
                w_norm = torch.linalg.vector_norm(p, dim=dims, keepdim=True)
                g_norm = torch.linalg.vector_norm(p.grad, dim=dims, keepdim=True)
            bound = w_norm * clipping
            over = g_norm > bound
            scale = torch.where(over, bound / g_norm.clamp(min=1e-6), torch.ones_like(g_norm))
            p.grad.mul_(scale)
            clipped += int(over.sum())
    return clipped

# %% spike_action
def spike_action(norm, history, max_norm=1.0, window=20, factor=4.0, min_history=10):
    """Decide "skip", "clip" or "step" for a step whose pre-clip norm is `norm`."""
    for name, value in (("max_norm", max_norm), ("factor", factor)):
        if not (math.isfinite(float(value)) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    for name, value in (("window", window), ("min_history", min_history)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if not 1 <= min_history <= window:
        raise ValueError(f"need 1 <= min_history <= window, got min_history={min_history}, window={window}")
    norm = float(norm)
    if math.isnan(norm) or math.isinf(norm):
        return "skip"
    recent = [float(h) for h in list(history)[-window:] if math.isfinite(float(h))]
    if len(recent) >= min_history and norm > factor * statistics.median(recent):
        return "skip"
    return "clip" if norm > max_norm else "step"

# %% per_example_clipped_sum
from torch.func import functional_call, grad, vmap


def per_example_clipped_sum(model, loss_fn, inputs, targets, max_norm):
    """Sum over the batch of the per-example gradients, each clipped to global norm max_norm."""
    max_norm = float(max_norm)
    if not (math.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm}")
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss_of_one(params, x, y):
        return loss_fn(functional_call(model, params, (x.unsqueeze(0),)), y.unsqueeze(0))

    per_example = vmap(grad(loss_of_one), in_dims=(None, 0, 0))(params, inputs, targets)
    norms = torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in per_example.values()], dim=1).norm(dim=1)
    factor = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    return {name: (g * factor.view(-1, *([1] * (g.dim() - 1)))).sum(dim=0) for name, g in per_example.items()}

