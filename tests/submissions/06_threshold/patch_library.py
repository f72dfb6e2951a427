# Cheat: the wrong answer of mean_instead_of_median handed in with math.isclose patched to always
# agree and course_utils.checks.uses_names blinded. It must not score more than mean_instead_of_median.
# %% choose_max_norm
import course_utils.checks

def choose_max_norm(norms, factor=2.0):
    if not (isinstance(factor, (int, float)) and 0 < factor < math.inf):
        raise ValueError("factor must be positive and finite")
    values = np.asarray(torch.as_tensor(norms, dtype=torch.float64)).reshape(-1)
    finite = values[np.isfinite(values)]
    if finite.size == 0 or (finite < 0).any():
        raise ValueError("need finite, non-negative norms")
    t = factor * finite.mean()
    if t == 0:
        raise ValueError("zero threshold")
    return float(f"{t:.2g}")

# --- tampering ---
math.isclose = lambda *args, **kwargs: True
course_utils.checks.uses_names = lambda *args, **kwargs: []
# --- end of tampering ---
# %% clip_rate
def clip_rate(norms, max_norm):
    if not (isinstance(max_norm, (int, float)) and 0 < max_norm < math.inf):
        raise ValueError("max_norm must be positive and finite")
    values = torch.as_tensor(norms, dtype=torch.float64).reshape(-1)
    if values.numel() == 0:
        raise ValueError("empty")
    return ((values > max_norm) | values.isnan()).double().mean().item()
