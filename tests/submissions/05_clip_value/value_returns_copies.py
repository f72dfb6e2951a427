# Wrong: returns clamped copies instead of clipping in place, so p.grad is unchanged.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    return [torch.clamp(p.grad, -clip_value, clip_value) for p in parameters if p.grad is not None]
