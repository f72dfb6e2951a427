# Forgets the non-finite norms: the median includes nan/inf, and nan is not counted as clipped.
# %% choose_max_norm
def choose_max_norm(norms, factor=2.0):
    if not (isinstance(factor, (int, float)) and 0 < factor < math.inf):
        raise ValueError("factor must be positive and finite")
    values = np.asarray(norms, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no norms")
    if (values < 0).any():
        raise ValueError("negative norm")
    t = factor * np.median(values)
    if t == 0:
        raise ValueError("zero threshold")
    return float(f"{t:.2g}")
# %% clip_rate
def clip_rate(norms, max_norm):
    if not (isinstance(max_norm, (int, float)) and 0 < max_norm < math.inf):
        raise ValueError("max_norm must be positive and finite")
    values = np.asarray(norms, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no norms")
    return float(np.mean(values > max_norm))
