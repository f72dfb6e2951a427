"""Landscape: two-parameter loss surfaces, gradient descent on them, and their figures.

The surface of lesson 03 is the "cliff" of Pascanu, Mikolov & Bengio (2013): a one-unit
recurrent network :math:`x_t = w\\,\\sigma(x_{t-1}) + b` run for ``T`` steps from ``x0``, with the
loss :math:`(\\sigma(x_T) - \\text{target})^2`. :func:`cliff_loss` computes it for whole grids of
``(w, b)`` at once; :func:`loss_surface` evaluates any such function on a grid;
:func:`gradient_descent_2d` runs plain gradient descent on it (optionally capping the length of
each gradient); :func:`plot_descent_paths` draws the surface with the paths on top.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from torch import Tensor

from ._validation import check_int, check_optional_str, check_positive_finite, check_real
from .plotting import PALETTE, _new_figure

__all__ = ["cliff_loss", "loss_surface", "DescentPath", "gradient_descent_2d", "plot_descent_paths"]

LossFn2D = Callable[[Tensor, Tensor], Tensor]
# Paths are drawn over a grey surface in strong palette colours.
_PATH_COLOURS = [PALETTE["vermillion"], PALETTE["blue"], PALETTE["bluish_green"], PALETTE["reddish_purple"]]
_PATH_STYLES = ["-", "--", "-.", ":"]


def _as_float64(name: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        if not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64)):
            raise TypeError(f"{name} must be a real tensor or number, got dtype {value.dtype}")
        return value.to(torch.float64)
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number, np.ndarray)):
        raise TypeError(f"{name} must be a number or a tensor, got {type(value).__name__}")
    return torch.as_tensor(value, dtype=torch.float64)


def cliff_loss(w: Any, b: Any, *, T: int = 50, x0: float = 0.5, target: float = 0.7) -> Tensor:
    r"""Loss of the one-unit recurrent network of Pascanu et al. (2013), for many ``(w, b)`` at once.

    .. math::
        x_0 = \text{x0}, \quad x_t = w\,\sigma(x_{t-1}) + b \;(t = 1..T), \quad
        L(w, b) = (\sigma(x_T) - \text{target})^2

    with :math:`\sigma` the logistic sigmoid. ``w`` and ``b`` are broadcast against each other
    (e.g. two grids from :func:`torch.meshgrid`), so a whole surface costs ``T`` vectorised
    steps. The computation is differentiable: pass tensors with ``requires_grad=True`` to get
    :math:`\partial L/\partial w` and :math:`\partial L/\partial b` by autograd.

    Args:
        w (Tensor or float): recurrent weight(s).
        b (Tensor or float): bias(es), broadcastable with ``w``.
        T (int): number of steps, :math:`\ge 0`. Default: 50
        x0 (float): the initial state, finite. Default: 0.5
        target (float): the target of :math:`\sigma(x_T)`, finite. Default: 0.7

    Returns:
        The losses, a ``float64`` tensor of the broadcast shape of ``w`` and ``b``.
    """
    T = check_int("T", T, minimum=0)
    x0 = check_real("x0", x0)
    target = check_real("target", target)
    for name, v in (("x0", x0), ("target", target)):
        if not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    w_t, b_t = _as_float64("w", w), _as_float64("b", b)
    try:
        shape = torch.broadcast_shapes(w_t.shape, b_t.shape)
    except RuntimeError:
        raise ValueError(
            f"w and b must have broadcastable shapes, got {tuple(w_t.shape)} and {tuple(b_t.shape)}"
        ) from None
    x = torch.full(shape, x0, dtype=torch.float64)
    for _ in range(T):
        x = w_t * torch.sigmoid(x) + b_t
    return (torch.sigmoid(x) - target) ** 2


def _check_limits(name: str, lim: Any) -> tuple[float, float]:
    if not isinstance(lim, Sequence) or isinstance(lim, str) or len(lim) != 2:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {lim!r}")
    lo, hi = check_real(f"{name}[0]", lim[0]), check_real(f"{name}[1]", lim[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be a pair (low, high) of finite numbers with low < high, got {lim!r}")
    return lo, hi


def loss_surface(
    loss_fn: LossFn2D,
    w_lim: tuple[float, float],
    b_lim: tuple[float, float],
    *,
    num: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Evaluate a vectorised two-parameter loss on a regular grid.

    The grid has ``num`` points along each axis, :math:`w_i` evenly spaced in ``w_lim`` and
    :math:`b_j` in ``b_lim``; ``loss_fn`` is called once, on the two ``(num, num)`` grids
    (``indexing="xy"``: rows follow ``b``, columns follow ``w``, ready for ``imshow``/``contour``).

    Args:
        loss_fn (Callable[[Tensor, Tensor], Tensor]): e.g. :func:`cliff_loss`, taking two
            ``float64`` tensors of the same shape and returning the losses in that shape.
        w_lim (tuple[float, float]): ``(low, high)`` of the first parameter.
        b_lim (tuple[float, float]): ``(low, high)`` of the second parameter.
        num (int): grid points per axis, :math:`\ge 2`. Default: 200

    Returns:
        ``(W, B, L)``: NumPy arrays of shape ``(num, num)``.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    w_lo, w_hi = _check_limits("w_lim", w_lim)
    b_lo, b_hi = _check_limits("b_lim", b_lim)
    num = check_int("num", num, minimum=2)
    ws = torch.linspace(w_lo, w_hi, num, dtype=torch.float64)
    bs = torch.linspace(b_lo, b_hi, num, dtype=torch.float64)
    W, B = torch.meshgrid(ws, bs, indexing="xy")
    with torch.no_grad():
        L = torch.as_tensor(loss_fn(W, B), dtype=torch.float64)
    if L.shape != W.shape:
        raise ValueError(f"loss_fn must return a tensor of shape {tuple(W.shape)}, got {tuple(L.shape)}")
    return W.numpy(), B.numpy(), L.numpy()


@dataclass
class DescentPath:
    r"""The record of a run of :func:`gradient_descent_2d`.

    Attributes:
        points (np.ndarray): shape ``(steps + 1, 2)``, the parameters before each step and at the end.
        losses (np.ndarray): shape ``(steps + 1,)``, the loss at each point.
        grad_norms (np.ndarray): shape ``(steps,)``, :math:`\|\nabla L\|_2` at each step, before any capping.
        max_norm (float or None): the cap used, or ``None``.
    """

    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    max_norm: float | None

    @property
    def step_lengths(self) -> np.ndarray:
        r"""Length :math:`\|\theta_{k+1} - \theta_k\|_2` of every step, shape ``(steps,)``."""
        return np.linalg.norm(np.diff(self.points, axis=0), axis=1)


def gradient_descent_2d(
    loss_fn: LossFn2D,
    start: tuple[float, float],
    *,
    lr: float,
    steps: int,
    max_norm: float | None = None,
) -> DescentPath:
    r"""Run gradient descent on a two-parameter loss, optionally capping the gradient's length.

    .. math::
        g_k = \nabla L(\theta_k), \quad
        c_k = \min\!\left(1, \frac{\text{max\_norm}}{\|g_k\|_2}\right) \text{ (or 1 without a cap)},
        \quad \theta_{k+1} = \theta_k - \text{lr}\; c_k\, g_k

    so with a cap every step is at most ``lr * max_norm`` long. Gradients come from autograd in
    ``float64``. A non-finite loss or gradient stops the run early (the record then ends there).

    Args:
        loss_fn (Callable[[Tensor, Tensor], Tensor]): ``loss_fn(w, b)`` returning a scalar
            tensor for scalar ``w`` and ``b`` (e.g. :func:`cliff_loss`).
        start (tuple[float, float]): the starting point ``(w, b)``.
        lr (float): learning rate, positive and finite.
        steps (int): number of steps, :math:`\ge 0`.
        max_norm (float, optional): the cap on :math:`\|g\|_2`, positive and finite. Default: ``None``

    Returns:
        A :class:`DescentPath`.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    w0, b0 = _check_limits_free("start", start)
    lr = check_positive_finite("lr", lr)
    steps = check_int("steps", steps, minimum=0)
    if max_norm is not None:
        max_norm = check_positive_finite("max_norm", max_norm)

    theta = torch.tensor([w0, b0], dtype=torch.float64)
    points, losses, norms = [theta.clone()], [], []
    for _ in range(steps + 1):
        p = theta.clone().requires_grad_(True)
        loss = loss_fn(p[0], p[1])
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise TypeError("loss_fn must return a scalar tensor for scalar w and b")
        losses.append(float(loss.detach()))
        if len(losses) == steps + 1 or not math.isfinite(losses[-1]):
            break
        (g,) = torch.autograd.grad(loss.reshape(()), p)
        norm = float(g.norm())
        if not math.isfinite(norm):
            break
        norms.append(norm)
        if max_norm is not None and norm > max_norm:
            g = g * (max_norm / norm)
        theta = theta - lr * g.detach()
        points.append(theta.clone())
    return DescentPath(
        points=torch.stack(points).numpy(),
        losses=np.asarray(losses, dtype=np.float64),
        grad_norms=np.asarray(norms, dtype=np.float64),
        max_norm=max_norm,
    )


def _check_limits_free(name: str, pair: Any) -> tuple[float, float]:
    if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair (w, b) of numbers, got {pair!r}")
    a, b = check_real(f"{name}[0]", pair[0]), check_real(f"{name}[1]", pair[1])
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"{name} must hold finite numbers, got {pair!r}")
    return a, b


def plot_descent_paths(
    loss_fn: LossFn2D,
    paths: Mapping[str, DescentPath],
    w_lim: tuple[float, float],
    b_lim: tuple[float, float],
    *,
    num: int = 200,
    title: str | None = None,
    param_names: tuple[str, str] = ("w", "b"),
) -> Figure:
    r"""Draw a loss surface (grey, log scale) with gradient-descent paths on top.

    The surface is :func:`loss_surface` over ``w_lim`` x ``b_lim``; each path is a line with a
    dot per point, a square at its start and a star at its end, in the course palette. Parts of
    a path outside the window are cut by the axes (the view is not widened).

    Args:
        loss_fn (Callable[[Tensor, Tensor], Tensor]): the vectorised loss.
        paths (Mapping[str, DescentPath]): label -> path.
        w_lim (tuple[float, float]): horizontal range.
        b_lim (tuple[float, float]): vertical range.
        num (int): grid points per axis. Default: 200
        title (str, optional): the figure title. Default: a generic title
        param_names (tuple[str, str]): the axis names. Default: ``("w", "b")``

    Returns:
        A :class:`matplotlib.figure.Figure` with one axes and a colour bar.
    """
    if not isinstance(paths, Mapping):
        raise TypeError(f"paths must be a mapping label -> DescentPath, got {type(paths).__name__}")
    for label, path in paths.items():
        if not isinstance(path, DescentPath):
            raise TypeError(f"paths[{label!r}] must be a DescentPath, got {type(path).__name__}")
    check_optional_str("title", title)
    W, B, L = loss_surface(loss_fn, w_lim, b_lim, num=num)
    floor = max(float(np.nanmin(L[L > 0])) if np.any(L > 0) else 1e-12, 1e-12)
    fig = _new_figure((7.5, 5.5))
    ax = fig.subplots()
    mesh = ax.pcolormesh(W, B, np.clip(L, floor, None), norm=LogNorm(), cmap="Greys", shading="auto")
    fig.colorbar(mesh, ax=ax, label="loss (log scale)")
    for i, (label, path) in enumerate(paths.items()):
        color = _PATH_COLOURS[i % len(_PATH_COLOURS)]
        pts = path.points
        ax.plot(
            pts[:, 0],
            pts[:, 1],
            marker=".",
            markersize=4,
            linewidth=1.4,
            label=label,
            color=color,
            linestyle=_PATH_STYLES[i % len(_PATH_STYLES)],
        )
        ax.plot(pts[0, 0], pts[0, 1], marker="s", color=color, markersize=7, linestyle="none")
        ax.plot(
            pts[-1, 0],
            pts[-1, 1],
            marker="*",
            color=color,
            markersize=12,
            markeredgecolor=PALETTE["black"],
            linestyle="none",
        )
    ax.set_xlim(*_check_limits("w_lim", w_lim))
    ax.set_ylim(*_check_limits("b_lim", b_lim))
    ax.set_xlabel(f"{param_names[0]} (parameter value)")
    ax.set_ylabel(f"{param_names[1]} (parameter value)")
    ax.set_title("Loss surface with gradient-descent paths (square: start, star: end)")
    if paths:
        ax.legend(loc="best", fontsize="small")
    fig.suptitle(title if title is not None else "Gradient descent on a loss surface")
    return fig
