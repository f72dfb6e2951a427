# Partly correct: layer_grad_norms is right; find_spikes compares with the MEAN of the window,
# which the spike itself drags up.
# %% layer_grad_norms
def layer_grad_norms(model):
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model must be a Module")
    return {n: float(p.grad.norm()) for n, p in model.named_parameters() if p.grad is not None}

# %% find_spikes
def find_spikes(norms, factor=10.0, window=5):
    if not math.isfinite(factor) or factor <= 1:
        raise ValueError("factor must be > 1")
    if not isinstance(window, int) or window < 1:
        raise ValueError("window must be >= 1")
    seen = []
    spikes = []
    for t, x in enumerate(norms):
        x = float(x)
        if not math.isfinite(x):
            spikes.append(t)
            continue
        recent = seen[-window:]
        if recent and x > factor * (sum(recent) / len(recent)):
            spikes.append(t)
        seen.append(x)
    return spikes
