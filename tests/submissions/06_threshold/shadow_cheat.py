# Cheat: the wrong answers of percentages (clip_rate returns a percentage) and mean_instead_of_median,
# with names the test cells use shadowed in the notebook's namespace (the library itself is left
# alone): `math` becomes a copy whose isclose always agrees, isinstance always says yes, and
# course_utils.checks.as_float returns a float that claims to equal anything.
# It must not score more than the honest wrong answers (percentages + mean: 0, 2, 0, 0).
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

class _Any(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = float.__hash__

# --- tampering ---
course_utils.checks.as_float = lambda value, what="": _Any(0.0)
import types as _types
math = _types.SimpleNamespace(**{k: getattr(math, k) for k in dir(math) if not k.startswith('__')})
math.isclose = lambda *args, **kwargs: True
# --- end of tampering ---
# %% clip_rate
def clip_rate(norms, max_norm):
    if not (type(max_norm) in (int, float)(max_norm, (int, float)) and 0 < max_norm < math.inf):
        raise ValueError("max_norm must be positive and finite")
    values = torch.as_tensor(norms, dtype=torch.float64).reshape(-1)
    if values.numel() == 0:
        raise ValueError("empty")
    return 100.0 * ((values > max_norm) | values.isnan()).double().mean().item()
