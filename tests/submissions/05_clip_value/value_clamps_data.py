# Wrong: clamps the parameters (p.data) instead of their gradients.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is not None:
            p.data = torch.clamp(p.data, -clip_value, clip_value)
