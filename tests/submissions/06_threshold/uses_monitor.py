# Lets course_utils.GradNormMonitor.median_norm do the work (forbidden by the task); clip_rate is right.
# %% choose_max_norm
from course_utils import GradNormMonitor


def choose_max_norm(norms, factor=2.0):
    if not (isinstance(factor, (int, float)) and 0 < factor < math.inf):
        raise ValueError("factor must be positive and finite")
    values = [float(x) for x in torch.as_tensor(norms, dtype=torch.float64).reshape(-1)]
    if any(math.isfinite(x) and x < 0 for x in values):
        raise ValueError("negative norm")
    monitor = GradNormMonitor()
    for x in values:
        if x != -math.inf:          # the monitor refuses -inf
            monitor.record(x)
    t = factor * monitor.median_norm()
    if t == 0:
        raise ValueError("zero threshold")
    return float(f"{t:.2g}")
# %% clip_rate
def clip_rate(norms, max_norm):
    if not (isinstance(max_norm, (int, float)) and 0 < max_norm < math.inf):
        raise ValueError("max_norm must be positive and finite")
    values = torch.as_tensor(norms, dtype=torch.float64).reshape(-1)
    if values.numel() == 0:
        raise ValueError("empty")
    return ((values > max_norm) | values.isnan()).double().mean().item()
