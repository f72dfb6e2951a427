"""Geometry: 2-D pictures of where clipping sends a gradient vector.

Only drawing lives here: the clipped vectors are computed by the caller (the lesson), so that
the picture shows exactly the numbers printed next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from ._validation import check_optional_str, check_positive_finite
from .plotting import PALETTE, _new_figure

__all__ = ["plot_ball_and_box"]


def _as_points(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of 2-D points, got {type(value).__name__}") from exc
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, 2) with n >= 1, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def plot_ball_and_box(
    gradients: Sequence[Sequence[float]],
    norm_clipped: Sequence[Sequence[float]],
    value_clipped: Sequence[Sequence[float]],
    *,
    threshold: float = 1.0,
    title: str | None = None,
) -> Figure:
    r"""Draw 2-D gradients and where norm clipping and value clipping send them.

    The disc :math:`\|g\|_2 \le t` (norm clipping with ``max_norm = t``) and the square
    :math:`|g_i| \le t` (value clipping with ``clip_value = t``) are drawn together; each
    gradient is an arrow from the origin, with a circle at its norm-clipped point and a square
    at its value-clipped point, joined to the tip by thin lines.

    Args:
        gradients (sequence of (x, y)): the gradients, shape ``(n, 2)``.
        norm_clipped (sequence of (x, y)): the same after norm clipping, shape ``(n, 2)``.
        value_clipped (sequence of (x, y)): the same after value clipping, shape ``(n, 2)``.
        threshold (float): ``t``, positive and finite. Default: ``1.0``
        title (str, optional): the figure title. Default: a generic title

    Returns:
        A :class:`matplotlib.figure.Figure` with one axes of equal aspect.
    """
    g = _as_points("gradients", gradients)
    n = _as_points("norm_clipped", norm_clipped)
    v = _as_points("value_clipped", value_clipped)
    if not (g.shape == n.shape == v.shape):
        raise ValueError(
            "gradients, norm_clipped and value_clipped must have the same shape, got "
            f"{g.shape}, {n.shape} and {v.shape}"
        )
    t = check_positive_finite("threshold", threshold)
    check_optional_str("title", title)

    fig = _new_figure((6.5, 6.5))
    ax = fig.subplots()
    ax.add_patch(
        Circle(
            (0, 0),
            t,
            fill=False,
            color=PALETTE["blue"],
            linewidth=2,
            label=f"L2 ball, norm <= {t:g} (norm clipping)",
        )
    )
    ax.add_patch(
        Rectangle(
            (-t, -t),
            2 * t,
            2 * t,
            fill=False,
            color=PALETTE["vermillion"],
            linewidth=2,
            linestyle="--",
            label=f"box, |g_i| <= {t:g} (value clipping)",
        )
    )
    for i in range(len(g)):
        ax.annotate(
            "",
            xy=g[i],
            xytext=(0, 0),
            arrowprops=dict(arrowstyle="->", color=PALETTE["black"], linewidth=1.2),
        )
        for target, color in ((n[i], PALETTE["blue"]), (v[i], PALETTE["vermillion"])):
            ax.plot([g[i, 0], target[0]], [g[i, 1], target[1]], color=color, linewidth=0.8, alpha=0.7)
    ax.plot(
        g[:, 0],
        g[:, 1],
        linestyle="none",
        marker="o",
        markersize=4,
        color=PALETTE["black"],
        label="gradient (arrow tip)",
    )
    ax.plot(
        n[:, 0],
        n[:, 1],
        linestyle="none",
        marker="o",
        markersize=8,
        color=PALETTE["blue"],
        label="after norm clipping",
    )
    ax.plot(
        v[:, 0],
        v[:, 1],
        linestyle="none",
        marker="s",
        markersize=8,
        color=PALETTE["vermillion"],
        label="after value clipping",
        markerfacecolor="none",
        markeredgewidth=2,
    )
    lim = 1.1 * max(float(np.abs(g).max()), t)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axhline(0, color=PALETTE["black"], linewidth=0.5, alpha=0.4)
    ax.axvline(0, color=PALETTE["black"], linewidth=0.5, alpha=0.4)
    ax.set_xlabel("gradient element g_1 (loss units per parameter unit)")
    ax.set_ylabel("gradient element g_2 (loss units per parameter unit)")
    ax.legend(loc="lower left", fontsize="small")
    fig.suptitle(title if title is not None else "Norm clipping (L2 ball) against value clipping (box)")
    return fig
