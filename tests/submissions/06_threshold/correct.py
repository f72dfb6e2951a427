# A correct submission, written differently from the instructor's solution.
# %% choose_max_norm
import statistics


def choose_max_norm(norms, factor=2.0):
    if not (isinstance(factor, (int, float)) and 0 < factor < math.inf):   # also False for nan
        raise ValueError(f"bad factor {factor!r}")
    values = [float(x) for x in torch.as_tensor(norms).flatten().tolist()]
    finite = [x for x in values if math.isfinite(x)]
    if not finite:
        raise ValueError("no finite norm")
    if min(finite) < 0:
        raise ValueError("negative norm")
    t = factor * statistics.median(finite)
    if t <= 0:
        raise ValueError("threshold would be 0")
    digits = 1 - math.floor(math.log10(t))
    return round(t, digits)
# %% clip_rate
def clip_rate(norms, max_norm):
    if not (isinstance(max_norm, (int, float)) and 0 < max_norm < math.inf):
        raise ValueError(f"bad max_norm {max_norm!r}")
    values = [float(x) for x in torch.as_tensor(norms).flatten().tolist()]
    if len(values) == 0:
        raise ValueError("no norms")
    count = sum(1 for x in values if math.isnan(x) or x > max_norm)
    return count / len(values)
