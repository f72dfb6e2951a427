# layer_grad_norms is correct; find_spikes never advances past a non-finite norm (the `continue`
# skips `t += 1`), so it loops forever on nan or inf.
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
    spikes = set()
    previous = []
    t = 0
    while t < len(norms):
        x = float(norms[t])
        if not math.isfinite(x):
            spikes.add(t)
            continue
        if previous and x > factor * statistics.median(previous[-window:]):
            spikes.add(t)
        previous.append(x)
        t += 1
    return sorted(spikes)
