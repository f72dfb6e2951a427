# Partly correct: the norms are right, but a parameter whose .grad is None crashes it.
# find_spikes is correct.
# %% layer_grad_norms
def layer_grad_norms(model):
    return {name: p.grad.norm().item() for name, p in model.named_parameters()}

# %% find_spikes
def find_spikes(norms, factor=10.0, window=5):
    if not math.isfinite(factor) or factor <= 1:
        raise ValueError(f"bad factor {factor}")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"bad window {window}")
    spikes, past = [], []
    for t, x in enumerate(norms):
        x = float(x)
        if not math.isfinite(x):
            spikes.append(t)
        else:
            if past and x > factor * statistics.median(past[-window:]):
                spikes.append(t)
            past.append(x)
    return spikes
