# Never returns when there is a parameter: the loop index is never advanced.
# %% clip_grad_value
def clip_grad_value(parameters, clip_value):
    if clip_value <= 0 or not math.isfinite(clip_value):
        raise ValueError("clip_value must be positive and finite")
    params = list(parameters) if not isinstance(parameters, torch.Tensor) else [parameters]
    i = 0
    while i < len(params):
        if params[i].grad is not None:
            params[i].grad.clamp_(-clip_value, clip_value)
