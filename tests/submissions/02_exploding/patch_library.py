# Cheat: the wrong answers of layers_sum_abs (L1 instead of L2) and spikes_mean (mean instead of
# median), handed in with patches: math.isclose and torch.equal always true, numpy's median replaced
# by the mean, course_utils.checks.uses_names blinded. It must not score more than the honest answers.
# %% layer_grad_norms
import course_utils.checks
import numpy

def layer_grad_norms(model):
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model must be a Module")
    return {name: p.grad.abs().sum().item() for name, p in model.named_parameters() if p.grad is not None}

# --- tampering ---
math.isclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
numpy.median = lambda values, *args, **kwargs: float(sum(values)) / len(values)
course_utils.checks.uses_names = lambda *args, **kwargs: []
# --- end of tampering ---

# %% find_spikes
def find_spikes(norms, factor=10.0, window=5):
    if not (isinstance(factor, (int, float)) and 1 < factor < math.inf):
        raise ValueError("factor must be a finite number > 1")
    if type(window) is not int or window < 1:
        raise ValueError("window must be a positive int")
    found, kept = [], []
    for step, value in enumerate(float(v) for v in norms):
        if not math.isfinite(value):
            found.append(step)
            continue
        if kept and value > factor * (sum(kept) / len(kept)):
            found.append(step)
        kept.append(value)
        del kept[:-window]
    return found
