# Raises on every call: a list cannot be indexed with a boolean array. clip_rate is left as the stub.
# %% choose_max_norm
def choose_max_norm(norms, factor=2.0):
    finite = norms[np.isfinite(norms)]
    return float(f"{factor * np.median(finite):.2g}")
