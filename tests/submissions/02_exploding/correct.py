# A correct submission, written differently from the instructor's solution.
# %% layer_grad_norms
def layer_grad_norms(model):
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model must be an nn.Module")
    out = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        out[name] = math.sqrt(float((p.grad.detach().double() ** 2).sum()))
    return out

# %% find_spikes
def find_spikes(norms, factor=10.0, window=5):
    if not (isinstance(factor, (int, float)) and factor > 1 and factor != math.inf):
        raise ValueError("factor must be a finite number > 1")
    if not isinstance(window, int) or window < 1:
        raise ValueError("window must be an int >= 1")
    norms = np.asarray(norms, dtype=np.float64)
    history = []
    result = []
    for i in range(len(norms)):
        x = float(norms[i])
        if math.isnan(x) or math.isinf(x):
            result.append(i)
            continue
        if len(history) > 0:
            ref = float(np.median(history[-window:]))
            if x > factor * ref:
                result.append(i)
        history.append(x)
    return result
