"""Numerical gradient checks: compare autograd with finite differences.

The central difference ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` approximates the partial
derivative ``df/dx_i`` with an error of order ``h**2``.  How close autograd and the numerical
estimate should be is judged by the relative error

    rel_err = |a - n| / max(|a|, |n|, tiny)

computed element-wise and reported as its maximum.  Rough bands in float64 (cs231n's rules of
thumb): about 1e-7 or smaller means the gradient is right; between 1e-7 and 1e-2 look closer
(kinks such as ReLU at 0 can cause it); above 1e-2 the gradient is almost certainly wrong.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ._validation import check_positive_finite

__all__ = ["numerical_gradient", "relative_error", "error_band", "RIGHT_BELOW", "WRONG_ABOVE"]

#: Relative errors at or below this are "right" (float64, smooth functions).
RIGHT_BELOW = 1e-7
#: Relative errors above this are "wrong".
WRONG_ABOVE = 1e-2


def numerical_gradient(f: Callable[[Tensor], Tensor], x: Tensor, h: float = 1e-6) -> Tensor:
    """Estimate the gradient of a scalar function by central differences.

    Args:
        f: function taking a tensor shaped like ``x`` and returning a scalar tensor (one element).
        x: the point at which to differentiate; left unchanged.  Use float64: in float32 the
            rounding error of ``f`` swamps the difference for small ``h``.
        h: the step, a positive finite number.

    Returns:
        A tensor shaped like ``x`` whose element ``i`` is ``(f(x + h e_i) - f(x - h e_i)) / 2h``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar tensor, got {type(f).__name__}")
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    h = check_positive_finite("h", h)
    x = x.detach().clone(memory_format=torch.contiguous_format)  # .view(-1) needs contiguity
    grad = torch.zeros_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    with torch.no_grad():
        for i in range(flat.numel()):
            old = flat[i].item()
            flat[i] = old + h
            up = _scalar(f(x))
            flat[i] = old - h
            down = _scalar(f(x))
            flat[i] = old
            gflat[i] = (up - down) / (2 * h)
    return grad


def _scalar(value: Tensor | float) -> float:
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"f must return a scalar (one element), got shape {tuple(value.shape)}")
        return value.item()
    return float(value)


def relative_error(a: Tensor, b: Tensor, tiny: float = 1e-12) -> float:
    """The largest element-wise relative error ``|a - b| / max(|a|, |b|, tiny)``.

    Args:
        a, b: tensors of the same shape, e.g. an autograd and a numerical gradient.
        tiny: floor of the denominator, so that two zeros count as equal.

    Returns:
        The maximum relative error as a Python float (0.0 for empty tensors).
    """
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    tiny = check_positive_finite("tiny", tiny)
    if a.numel() == 0:
        return 0.0
    a64, b64 = a.detach().double(), b.detach().double()
    denom = torch.maximum(torch.maximum(a64.abs(), b64.abs()), torch.tensor(tiny, dtype=torch.float64))
    return (a64 - b64).abs().div(denom).max().item()


def error_band(rel_err: float) -> str:
    """Name the band of a relative error: ``"right"``, ``"suspicious"`` or ``"wrong"``."""
    if hasattr(rel_err, "item") and getattr(rel_err, "ndim", 1) == 0:
        rel_err = rel_err.item()  # NumPy scalars and 0-dim tensors
    if (
        isinstance(rel_err, bool)
        or not isinstance(rel_err, (int, float))
        or math.isnan(rel_err)
        or rel_err < 0
    ):
        raise ValueError(f"rel_err must be a non-negative number, got {rel_err!r}")
    rel_err = float(rel_err)
    if rel_err <= RIGHT_BELOW:
        return "right"
    if rel_err <= WRONG_ABOVE:
        return "suspicious"
    return "wrong"
