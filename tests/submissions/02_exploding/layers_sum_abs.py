# Wrong layer_grad_norms: the sum of absolute values (an L1 norm) instead of the L2 norm.
# find_spikes is correct, using a deque for the window.
# %% layer_grad_norms
def layer_grad_norms(model):
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model must be a Module")
    norms = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            norms[name] = p.grad.abs().sum().item()
    return norms

# %% find_spikes
from collections import deque

def find_spikes(norms, factor=10.0, window=5):
    try:
        ok = float(factor) > 1 and math.isfinite(float(factor))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"factor must be a finite number > 1, got {factor}")
    if type(window) is not int or window < 1:
        raise ValueError(f"window must be a positive int, got {window}")
    recent = deque(maxlen=window)
    found = []
    for step, value in enumerate(float(v) for v in norms):
        if not math.isfinite(value):
            found.append(step)
        elif len(recent) and value > factor * statistics.median(recent):
            found.append(step)
            recent.append(value)
        else:
            recent.append(value)
    return found
