# Never returns: the index of the bubble sort is never advanced. clip_rate is left as the stub.
# %% choose_max_norm
def choose_max_norm(norms, factor=2.0):
    values = [float(x) for x in norms if math.isfinite(float(x))]
    i = 0
    while i < len(values) - 1:
        if values[i] > values[i + 1]:
            values[i], values[i + 1] = values[i + 1], values[i]
    m = values[len(values) // 2]
    return float(f"{factor * m:.2g}")
