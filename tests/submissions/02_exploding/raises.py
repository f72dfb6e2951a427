# Raises: find_spikes takes the median of an empty window at the first step (StatisticsError);
# layer_grad_norms is left as the stub.
# %% find_spikes
def find_spikes(norms, factor=10.0, window=5):
    previous = []
    spikes = []
    for t, x in enumerate(norms):
        x = float(x)
        if not math.isfinite(x) or x > factor * statistics.median(previous[-window:]):
            spikes.append(t)
        if math.isfinite(x):
            previous.append(x)
    return spikes
