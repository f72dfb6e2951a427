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

from ._validation import check_choice, check_int, check_positive_finite
from .plotting import PALETTE, _new_figure

__all__ = [
    "linear_rnn_gradient_norms",
    "gradient_norm_explorer",
    "outlier_training_run",
    "threshold_explorer",
]


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

    rho_slider = widgets.FloatSlider(
        value=rho,
        min=0.5,
        max=1.5,
        step=0.05,
        description="ρ(W)",
        continuous_update=False,
        readout_format=".2f",
    )
    length_slider = widgets.IntSlider(
        value=min(50, max_T), min=1, max=max_T, step=1, description="length T", continuous_update=False
    )
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
        ax.semilogy(
            ts,
            r ** ts.astype(np.float64),
            color=PALETTE["orange"],
            linestyle="--",
            linewidth=1.2,
            label="ρᵗ (spectral radius to the power t)",
        )
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


_CLIP_METHODS = ("none", "norm", "value")


def outlier_training_run(
    *,
    threshold: float = 1.0,
    lr: float = 0.1,
    method: str = "norm",
    epochs: int = 15,
    outlier_fraction: float = 0.02,
    outlier_scale: float = 2000.0,
    seed: int = 0,
) -> tuple[Any, float]:
    r"""Train a small ReLU MLP on data with rare huge outliers, with a chosen kind of clipping.

    The set-up of lesson 06: :func:`~course_utils.data.make_classification` (512 rows, 20
    features, 2 classes) with a fraction ``outlier_fraction`` of rows multiplied by
    ``outlier_scale``; an :class:`~course_utils.models.MLP` (2 hidden ReLU layers of 32 units);
    plain SGD with learning rate ``lr``; mini-batches of 32 for ``epochs`` epochs
    (:func:`~course_utils.training.train`, which stops at the first non-finite step).
    ``method`` picks the clipping: ``"none"``, ``"norm"`` (:class:`ClipByNorm` with
    ``max_norm = threshold``) or ``"value"`` (:class:`ClipByValue` with ``clip_value = threshold``).

    Args:
        threshold (float): the clipping threshold, positive and finite (ignored for ``"none"``). Default: 1.0
        lr (float): the learning rate, positive and finite. Default: 0.1
        method (str): ``"none"``, ``"norm"`` or ``"value"``. Default: ``"norm"``
        epochs (int): passes over the data (16 steps each), :math:`\ge 1`. Default: 15
        outlier_fraction (float): fraction of outlier rows, in :math:`[0, 1]`. Default: 0.02
        outlier_scale (float): factor on the outlier rows, positive and finite. Default: 2000.0
        seed (int): seed of the data, the model and the batch order, :math:`\ge 0`. Default: 0

    Returns:
        ``(history, clean_loss)``: the :class:`~course_utils.training.History` of the run and the
        cross-entropy of the final model on the same rows *without* the outlier scaling
        (``nan`` when the run went non-finite).
    """
    from .data import make_classification, make_loader
    from .models import MLP
    from .seeding import seed_everything
    from .training import ClipByNorm, ClipByValue, train

    threshold = check_positive_finite("threshold", threshold)
    lr = check_positive_finite("lr", lr)
    method = check_choice("method", method, _CLIP_METHODS)
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    X, y = make_classification(
        512, 20, outlier_fraction=outlier_fraction, outlier_scale=outlier_scale, seed=seed
    )
    X_clean, _ = make_classification(512, 20, seed=seed)
    clip: ClipByNorm | ClipByValue | None = None
    if method == "norm":
        clip = ClipByNorm(threshold)
    elif method == "value":
        clip = ClipByValue(threshold)
    seed_everything(seed)
    model = MLP(20, 2, hidden=32, depth=2, activation="relu")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = train(
        model,
        make_loader(X, y, batch_size=32, seed=seed),
        torch.nn.functional.cross_entropy,
        optimizer,
        epochs=epochs,
        clip=clip,
        progress=False,
    )
    clean_loss = math.nan
    if history.first_nonfinite_step is None:
        with torch.no_grad():
            clean_loss = float(torch.nn.functional.cross_entropy(model(X_clean), y))
    return history, clean_loss


def threshold_explorer(
    *,
    threshold: float = 1.0,
    lr: float = 0.1,
    method: str = "norm",
    epochs: int = 15,
    seed: int = 0,
) -> Any:
    r"""An explorer: clipping method, threshold and learning rate -> a short training run.

    Every change of a control reruns :func:`outlier_training_run` (about 0.1 to 0.3 s on one CPU
    thread) and redraws two panels: the training loss per step and the global gradient norm
    before clipping per step (both on log scales, the threshold as a dashed line for norm
    clipping), with a line of text giving the loss on the clean rows, the fraction of steps
    clipped and the first non-finite step.

    The returned :class:`ipywidgets.VBox` carries the pieces as attributes: ``threshold_slider``
    (log scale, 0.01 to 10000), ``lr_slider`` (log scale, 0.01 to about 3.2), ``method_buttons``
    (``"none"``, ``"norm"``, ``"value"``), ``image`` (an :class:`ipywidgets.Image` holding the
    PNG), ``label`` (an :class:`ipywidgets.HTML`), ``history`` and ``clean_loss`` (the current
    run), ``figure`` (the last :class:`~matplotlib.figure.Figure` drawn) and ``update()``.

    Args:
        threshold (float): the initial threshold, in ``[0.01, 10000]``. Default: 1.0
        lr (float): the initial learning rate, in ``[0.01, 3.2]``. Default: 0.1
        method (str): the initial method, ``"none"``, ``"norm"`` or ``"value"``. Default: ``"norm"``
        epochs (int): epochs per run (16 steps each), in ``[1, 50]``. Default: 15
        seed (int): seed of the runs, :math:`\ge 0`. Default: 0

    Returns:
        The :class:`ipywidgets.VBox`.
    """
    import ipywidgets as widgets  # imported here: the rest of course_utils does not need it

    threshold = check_positive_finite("threshold", threshold)
    if not 0.01 <= threshold <= 1e4:
        raise ValueError(f"threshold must be a number in [0.01, 10000], got {threshold!r}")
    lr = check_positive_finite("lr", lr)
    if not 0.01 <= lr <= 3.2:
        raise ValueError(f"lr must be a number in [0.01, 3.2], got {lr!r}")
    method = check_choice("method", method, _CLIP_METHODS)
    epochs = check_int("epochs", epochs, minimum=1, maximum=50)
    seed = check_int("seed", seed, minimum=0)

    threshold_slider = widgets.FloatLogSlider(
        value=threshold,
        base=10,
        min=-2,
        max=4,
        step=0.25,
        description="threshold",
        continuous_update=False,
        readout_format=".3g",
    )
    lr_slider = widgets.FloatLogSlider(
        value=lr,
        base=10,
        min=-2,
        max=0.5,
        step=0.1,
        description="learning rate",
        continuous_update=False,
        readout_format=".3g",
    )
    method_buttons = widgets.ToggleButtons(options=list(_CLIP_METHODS), value=method, description="clipping")
    image = widgets.Image(format="png")
    label = widgets.HTML()
    box = widgets.VBox([widgets.HBox([threshold_slider, lr_slider]), method_buttons, label, image])

    def update(change: object = None) -> None:
        t, r, m = float(threshold_slider.value), float(lr_slider.value), str(method_buttons.value)
        history, clean_loss = outlier_training_run(threshold=t, lr=r, method=m, epochs=epochs, seed=seed)
        fig = _new_figure((7.0, 5.0))
        ax_loss, ax_norm = fig.subplots(2, 1, sharex=True)
        steps = history.steps
        losses = np.where(np.isfinite(history.losses) & (history.losses > 0), history.losses, np.nan)
        norms = history.norms_before
        norms = np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)
        ax_loss.semilogy(
            steps, losses, color=PALETTE["blue"], linewidth=1.2, label="training loss of the batch"
        )
        ax_loss.set_ylabel("cross-entropy (nats, log)")
        ax_loss.legend(loc="upper right", fontsize="small")
        ax_norm.semilogy(
            steps, norms, color=PALETTE["orange"], linewidth=1.2, label="gradient norm before clipping"
        )
        if m == "norm":
            ax_norm.axhline(
                t, color=PALETTE["black"], linestyle="--", linewidth=1.0, label=f"max_norm = {t:.3g}"
            )
        ax_norm.set_ylabel("global L2 norm (log)")
        ax_norm.set_xlabel("optimizer step")
        ax_norm.legend(loc="upper right", fontsize="small")
        what = "no clipping" if m == "none" else f"clip by {m} at {t:.3g}"
        ax_loss.set_title(f"lr = {r:.3g}, {what}")
        fig.suptitle("One short training run on data with rare huge outliers")
        box.history, box.clean_loss, box.figure = history, clean_loss, fig
        image.value = _png(fig)
        shown = f"{clean_loss:.3g}" if math.isfinite(clean_loss) else "not finite"
        stop = history.first_nonfinite_step
        label.value = (
            f"loss on the clean rows: <b>{shown}</b> | steps clipped: "
            f"<b>{history.clip_rate:.0%}</b> of {len(history)} | first non-finite step: "
            f"<b>{'none' if stop is None else stop}</b>"
        )

    for control in (threshold_slider, lr_slider, method_buttons):
        control.observe(update, names="value")
    box.threshold_slider = threshold_slider
    box.lr_slider = lr_slider
    box.method_buttons = method_buttons
    box.image = image
    box.label = label
    box.update = update
    update()
    return box
