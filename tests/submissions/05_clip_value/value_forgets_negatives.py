# Wrong: clamps into [0, c], so every negative element becomes 0.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(0, clip_value)
