# Wrong: assigns the clamped tensor to a local variable; p.grad is never changed.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    for p in parameters:
        g = p.grad
        if g is not None:
            g = g.clamp(-clip_value, clip_value)
