# Partly correct: layer_grad_norms is right; find_spikes is right on finite norms, but it puts
# nan/inf into the window and never flags a nan (nan > anything is False).
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
    norms = [float(x) for x in norms]
    spikes = []
    for t in range(1, len(norms)):
        recent = norms[max(0, t - window):t]
        if norms[t] > factor * statistics.median(recent):
            spikes.append(t)
    return spikes
