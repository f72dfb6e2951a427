"""Widgets: small interactive explorers (ipywidgets) whose logic runs without a browser.

Each builder returns an ``ipywidgets`` container. Its sliders are ordinary traitlets: setting
``slider.value`` in code runs the same update as dragging it, so tests (and notebooks that
cannot show widgets) can drive it. The figure is drawn into an ``ipywidgets.Image`` as PNG.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ._validation import check_int, check_positive_finite
from .plotting import PALETTE, _new_figure

__all__ = ["linear_rnn_gradient_norms", "gradient_norm_explorer"]


def linear_rnn_gradient_norms(weight: torch.Tensor, direction: torch.Tensor, max_T: int) -> np.ndarray:
    r"""Norm of a gradient sent back through ``t`` steps of a linear RNN, for ``t = 0..max_T``.

    For :math:`h_t = W h_{t-1} + U x_t` and a loss whose gradient at the last state is
    :math:`g` (= ``direction``), the gradient reaching the state ``t`` steps earlier is
    :math:`(W^\top)^t g`. This returns :math:`\|(W^\top)^t g\|_2` for every ``t``, computed by
    repeated matrix-vector products (``float64``).

    Args:
        weight (Tensor): the square recurrent matrix :math:`W`, shape ``(n, n)``.
        direction (Tensor): the gradient at the last state, shape ``(n,)``.
        max_T (int): the largest number of steps, :math:`\ge 0`.

    Returns:
        A ``float64`` array of shape ``(max_T + 1,)``; entry 0 is :math:`\|g\|_2`.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or weight.shape[0] != weight.shape[1]:
        shape = tuple(weight.shape) if isinstance(weight, torch.Tensor) else type(weight).__name__
        raise ValueError(f"weight must be a square 2-D tensor, got {shape}")
    if not isinstance(direction, torch.Tensor) or direction.shape != (weight.shape[0],):
        shape = tuple(direction.shape) if isinstance(direction, torch.Tensor) else type(direction).__name__
        raise ValueError(f"direction must be a tensor of shape ({weight.shape[0]},), got {shape}")
    max_T = check_int("max_T", max_T, minimum=0)
    wt = weight.detach().to(torch.float64).T
    g = direction.detach().to(torch.float64)
    norms = [float(g.norm())]
    for _ in range(max_T):
        g = wt @ g
        norms.append(float(g.norm()))
    return np.asarray(norms, dtype=np.float64)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def gradient_norm_explorer(
    *,
    hidden_size: int = 32,
    max_T: int = 100,
    rho: float = 1.0,
    seed: int = 0,
) -> Any:
    r"""An explorer: spectral radius and sequence length -> gradient norm through a linear RNN.

    A random Gaussian matrix :math:`W_0` (``hidden_size`` square, seeded) is rescaled to
    spectral radius :math:`\rho` (slider, 0.5 to 1.5); the figure shows
    :func:`linear_rnn_gradient_norms` for :math:`t = 0..T` (slider ``T``, 1 to ``max_T``) on a
    log scale, with the curve :math:`\rho^t` for comparison, and a line of text with the value
    at ``T``.

    The returned :class:`ipywidgets.VBox` carries the pieces as attributes: ``rho_slider``,
    ``length_slider``, ``image`` (an :class:`ipywidgets.Image` holding the PNG), ``label``
    (an :class:`ipywidgets.HTML`), ``norms`` (the current curve, a NumPy array of length
    ``T + 1``), ``figure`` (the last :class:`~matplotlib.figure.Figure` drawn) and ``update()``
    (redraw; sliders call it on every change).

    Args:
        hidden_size (int): size of :math:`W`, :math:`\ge 2`. Default: 32
        max_T (int): the largest length on the slider, :math:`\ge 2`. Default: 100
        rho (float): the initial spectral radius, in ``[0.5, 1.5]``. Default: 1.0
        seed (int): seed of :math:`W_0` and of the gradient direction, :math:`\ge 0`. Default: 0

    Returns:
        The :class:`ipywidgets.VBox`.
    """
    import ipywidgets as widgets  # imported here: the rest of course_utils does not need it

    hidden_size = check_int("hidden_size", hidden_size, minimum=2)
    max_T = check_int("max_T", max_T, minimum=2)
    rho = check_positive_finite("rho", rho)
    if not 0.5 <= rho <= 1.5:
        raise ValueError(f"rho must be a number in [0.5, 1.5], got {rho!r}")
    seed = check_int("seed", seed, minimum=0)

    g = torch.Generator().manual_seed(seed)
    w0 = torch.randn(hidden_size, hidden_size, generator=g, dtype=torch.float64)
    w0 = w0 / torch.linalg.eigvals(w0).abs().max()
    direction = torch.randn(hidden_size, generator=g, dtype=torch.float64)
    direction = direction / direction.norm()

    rho_slider = widgets.FloatSlider(value=rho, min=0.5, max=1.5, step=0.05, description="ρ(W)",
                                     continuous_update=False, readout_format=".2f")
    length_slider = widgets.IntSlider(value=min(50, max_T), min=1, max=max_T, step=1,
                                      description="length T", continuous_update=False)
    image = widgets.Image(format="png")
    label = widgets.HTML()
    box = widgets.VBox([widgets.HBox([rho_slider, length_slider]), label, image])

    def update(change: object = None) -> None:
        r = float(rho_slider.value)
        T = int(length_slider.value)
        norms = linear_rnn_gradient_norms(r * w0, direction, T)
        ts = np.arange(T + 1)
        fig = _new_figure((6.5, 3.8))
        ax = fig.subplots()
        ax.semilogy(ts, norms, color=PALETTE["blue"], linewidth=1.6, label="‖(Wᵀ)ᵗ g‖ (measured)")
        ax.semilogy(ts, r ** ts.astype(np.float64), color=PALETTE["orange"], linestyle="--",
                    linewidth=1.2, label="ρᵗ (spectral radius to the power t)")
        ax.set_xlabel("steps back through time t")
        ax.set_ylabel("gradient norm (log scale, ‖g‖ = 1 at t = 0)")
        ax.set_title(f"Linear RNN, hidden size {hidden_size}, ρ(W) = {r:.2f}")
        ax.legend(loc="best", fontsize="small")
        fig.suptitle("How the gradient grows or shrinks going back in time")
        box.norms = norms
        box.figure = fig
        image.value = _png(fig)
        value = norms[-1]
        shown = f"{value:.3g}" if math.isfinite(value) else str(value)
        label.value = f"gradient norm after T = {T} steps back: <b>{shown}</b>"

    rho_slider.observe(update, names="value")
    length_slider.observe(update, names="value")
    box.rho_slider = rho_slider
    box.length_slider = length_slider
    box.image = image
    box.label = label
    box.update = update
    update()
    return box
