"""Plotting: figures of losses and gradient norms, in a colour-blind-safe palette.

Figures are built with :class:`matplotlib.figure.Figure`, never with
``pyplot``: nothing is registered globally, nothing leaks, and a figure
returned as the last expression of a Jupyter cell is shown exactly once (the
returned figures also know how to render themselves as PNG, so this works even
when ``pyplot`` was never imported).
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ._validation import check_bool, check_choice, check_optional_str, check_positive_finite
from .monitoring import GradNormMonitor
from .training import History

__all__ = ["PALETTE", "plot_history", "plot_layer_norms", "plot_norm_timelines", "plot_curves"]

#: The Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), name -> hex code.
PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Order used for successive lines: yellow last (low contrast on white).
_CYCLE = [
    PALETTE[k]
    for k in (
        "blue",
        "orange",
        "bluish_green",
        "vermillion",
        "reddish_purple",
        "sky_blue",
        "black",
        "yellow",
    )
]
_STYLES = ["-", "--", "-.", ":"]


class _CourseFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that can render itself as PNG for IPython."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()


def _new_figure(figsize: tuple[float, float]) -> Figure:
    return _CourseFigure(figsize=figsize, layout="constrained")


def _line_style(i: int) -> dict[str, Any]:
    color = _CYCLE[i % len(_CYCLE)]
    return {"color": color, "linestyle": _STYLES[(i // len(_CYCLE)) % len(_STYLES)]}


def _label(text: str) -> str:
    """Legend label; matplotlib hides labels starting with "_", so pad those."""
    return " " + text if text.startswith("_") else text


def _finite_or_nan(a: np.ndarray, *, positive: bool = False) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64).copy()
    bad = ~np.isfinite(a)
    if positive:
        bad |= ~(a > 0)
    a[bad] = np.nan
    return a


def _has_positive(*arrays: np.ndarray) -> bool:
    return any(bool(np.any(np.isfinite(a) & (a > 0))) for a in arrays)


def _mark_steps(ax: Axes, steps: np.ndarray, *, color: str, label: str | None) -> None:
    """Draw vertical lines at ``steps`` spanning the axes height, in one artist."""
    if len(steps) == 0:
        return
    xs = np.repeat(np.asarray(steps, dtype=np.float64), 3)
    ys = np.tile([0.0, 1.0, np.nan], len(steps))
    xs[2::3] = np.nan
    ax.plot(
        xs,
        ys,
        transform=ax.get_xaxis_transform(),
        color=color,
        linestyle=":",
        linewidth=1.2,
        label=label,
    )


def _as_history(obj: Any, name: str) -> History:
    if isinstance(obj, GradNormMonitor):
        return obj.history
    if isinstance(obj, History):
        return obj
    raise TypeError(f"{name} must be a History or a GradNormMonitor, got {type(obj).__name__}")


def _check_max_norm(max_norm: Any) -> float | None:
    if max_norm is None:
        return None
    return check_positive_finite("max_norm", max_norm)


def plot_history(
    history: History | GradNormMonitor,
    *,
    max_norm: float | None = None,
    title: str | None = None,
    log_norm: bool = True,
    log_loss: bool = False,
) -> Figure:
    r"""Plot the loss and the global gradient norm of a run, step by step.

    Two stacked panels sharing the x axis (optimizer step): the training loss;
    and the global gradient L2 norm before and after clipping (the latter only
    when it differs), with the threshold ``max_norm`` as a dashed horizontal
    line. Non-finite steps (inf/nan loss or norm) are marked by dotted
    vertical lines on both panels.

    Args:
        history (History or GradNormMonitor): the run; a monitor's own
            ``max_norm`` is used when ``max_norm`` is not given.
        max_norm (float, optional): the clipping threshold to draw. Default: ``None``
        title (str, optional): the figure title. Default: a generic title
        log_norm (bool): log scale for the norm axis. Default: ``True``
        log_loss (bool): log scale for the loss axis too, to compare loss and
            norm on the same footing (a loss that is zero or negative cannot be
            drawn on it and is left out). Default: ``False``

    Returns:
        A :class:`matplotlib.figure.Figure` with two axes.
    """
    h = _as_history(history, "history")
    max_norm = _check_max_norm(max_norm)
    if max_norm is None and isinstance(history, GradNormMonitor):
        max_norm = history.max_norm
    check_optional_str("title", title)
    check_bool("log_norm", log_norm)
    check_bool("log_loss", log_loss)
    if len(h) == 0:
        raise ValueError("history must hold at least one recorded step, got an empty history")

    steps = h.steps
    marker = "o" if len(h) == 1 else None
    losses = _finite_or_nan(h.losses, positive=log_loss)
    before = _finite_or_nan(h.norms_before, positive=log_norm)
    after = _finite_or_nan(h.norms_after, positive=log_norm)
    bad_steps = steps[h.nonfinite]

    fig = _new_figure((8.0, 6.0))
    ax_loss, ax_norm = fig.subplots(2, 1, sharex=True)

    ax_loss.plot(steps, losses, color=PALETTE["blue"], linewidth=1.2, marker=marker, label="loss")
    if not np.any(np.isfinite(losses)):
        ax_loss.text(
            0.5,
            0.5,
            "no finite loss recorded",
            transform=ax_loss.transAxes,
            ha="center",
            va="center",
        )
    ax_loss.set_title("Training loss per step")
    ax_loss.set_xlabel("optimizer step")
    loss_log = log_loss and bool(np.any(np.isfinite(losses)))
    if loss_log:
        ax_loss.set_yscale("log")
    ax_loss.set_ylabel("training loss" + (" (log scale)" if loss_log else ""))

    line = {"linewidth": 1.2, "marker": marker}
    ax_norm.plot(steps, before, color=PALETTE["orange"], label="before clipping", **line)
    if not np.array_equal(h.norms_before, h.norms_after, equal_nan=True):
        ax_norm.plot(steps, after, color=PALETTE["blue"], label="after clipping", **line)
    if max_norm is not None:
        ax_norm.axhline(
            max_norm,
            color=PALETTE["black"],
            linestyle="--",
            linewidth=1.0,
            label=f"threshold max_norm = {max_norm:g}",
        )
    _mark_steps(ax_loss, bad_steps, color=PALETTE["vermillion"], label="non-finite step")
    _mark_steps(ax_norm, bad_steps, color=PALETTE["vermillion"], label="non-finite step")
    use_log = log_norm and (_has_positive(before, after) or max_norm is not None)
    if use_log:
        ax_norm.set_yscale("log")
    ax_norm.set_title("Global gradient norm before and after clipping")
    ax_norm.set_xlabel("optimizer step")
    ax_norm.set_ylabel("global gradient L2 norm" + (" (log scale)" if use_log else ""))
    ax_norm.legend(loc="best", fontsize="small")
    if len(bad_steps):
        ax_loss.legend(loc="best", fontsize="small")
    fig.suptitle(title if title is not None else "Training loss and gradient norm")
    return fig


def _as_series(name: str, key: str, value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(
            f"{name}[{key!r}] must be a number or a sequence of numbers, got {type(value).__name__}"
        )
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}[{key!r}] must be a sequence of numbers, got {value!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name}[{key!r}] must be a non-empty 1-D sequence of numbers, got shape {arr.shape}"
        )
    return arr


def _is_number(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.numel() == 1 and value.dim() == 0
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def plot_layer_norms(
    layer_norms: Mapping[str, Any] | History,
    *,
    title: str | None = None,
    log: bool = True,
    over: str | None = None,
) -> Figure:
    r"""Plot gradient norms layer by layer.

    Three kinds of input:

    * a mapping ``name -> float`` (e.g. the per-parameter norms of one step):
      a bar chart, one bar per layer in the mapping's order (input to output);
    * a mapping ``name -> sequence over steps`` (e.g. ``History.layer_norms``,
      or a :class:`~course_utils.training.History` itself): one line per
      layer, x = optimizer step (``over="steps"``);
    * a mapping ``label -> sequence of per-layer norms`` (e.g. one entry per
      init scale): one line per label, x = layer index (``over="layers"``).

    A mapping of sequences needs ``over``: the two kinds look alike (both map a
    string to a sequence of numbers), so the function does not guess. A
    :class:`~course_utils.training.History` is always plotted over steps.

    Args:
        layer_norms (Mapping or History): the norms, as above.
        title (str, optional): the figure title. Default: a generic title
        log (bool): log scale for the norm axis (when there are positive
            values). Default: ``True``
        over (str, optional): ``"steps"`` or ``"layers"``, required for a
            mapping of sequences; ``None`` for a mapping of numbers or a
            History. Default: ``None``

    Returns:
        A :class:`matplotlib.figure.Figure` with one axes.
    """
    check_optional_str("title", title)
    check_bool("log", log)
    if over is not None:
        check_choice("over", over, ("steps", "layers"))
    if isinstance(layer_norms, History):
        if not layer_norms.layer_norms:
            raise ValueError(
                "layer_norms must hold per-layer norms, got a History without them "
                "(train with record_layer_norms=True)"
            )
        if over == "layers":
            raise ValueError("over must be 'steps' (or None) for a History, got 'layers'")
        layer_norms, over = layer_norms.layer_norms, "steps"
    if not isinstance(layer_norms, Mapping):
        raise TypeError(
            "layer_norms must be a mapping (name -> float or name -> sequence) or a History, "
            f"got {type(layer_norms).__name__}"
        )
    if len(layer_norms) == 0:
        raise ValueError("layer_norms must not be empty, got an empty mapping")
    keys = list(layer_norms.keys())
    for k in keys:
        if not isinstance(k, str):
            raise TypeError(f"layer_norms keys must be str, got {k!r} of type {type(k).__name__}")
    values = list(layer_norms.values())
    scalar = [_is_number(v) for v in values]

    if all(scalar):
        if over is not None:
            raise ValueError(f"over must be None for a mapping of single numbers (bar chart), got {over!r}")
        heights = np.asarray([float(v) for v in values], dtype=np.float64)
        use_log = log and _has_positive(heights)
        heights = _finite_or_nan(heights, positive=use_log)
        fig = _new_figure((max(6.0, 0.5 * len(keys) + 2.0), 4.5))
        ax = fig.subplots()
        x = np.arange(len(keys))
        ax.bar(x, heights if use_log else np.nan_to_num(heights, nan=0.0), color=PALETTE["blue"])
        tilt = len(keys) > 3
        ax.set_xticks(x, keys, rotation=45 if tilt else 0, ha="right" if tilt else "center")
        if use_log:
            ax.set_yscale("log")
        ax.set_xlabel("layer (input → output)")
        ax.set_ylabel("gradient L2 norm" + (" (log scale)" if use_log else ""))
        ax.set_title("Gradient norm of each layer")
        fig.suptitle(title if title is not None else "Gradient norm per layer")
        return fig
    if any(scalar):
        raise TypeError(
            "layer_norms must map every key to a number, or every key to a sequence; got a mix of both"
        )

    series = [_as_series("layer_norms", k, v) for k, v in zip(keys, values)]
    if over is None:
        raise ValueError(
            "layer_norms maps names to sequences, so say what the sequences run over: "
            "over='steps' (one line per layer, x = optimizer step, as in History.layer_norms) "
            "or over='layers' (one line per setting, x = layer index); got over=None"
        )
    use_log = log and _has_positive(*series)
    fig = _new_figure((8.0, 4.5))
    ax = fig.subplots()
    for i, (k, s) in enumerate(zip(keys, series)):
        y = _finite_or_nan(s, positive=use_log)
        x = np.arange(len(s))
        if over == "layers":
            ax.plot(x, y, marker="o", markersize=4, label=_label(k), **_line_style(i))
        else:
            marker = "o" if len(s) == 1 else None
            ax.plot(x, y, marker=marker, linewidth=1.2, label=_label(k), **_line_style(i))
    if use_log:
        ax.set_yscale("log")
    suffix = " (log scale)" if use_log else ""
    if over == "layers":
        # the default locator is an AutoLocator, a MaxNLocator: keep its bins, integers only
        cast(MaxNLocator, ax.xaxis.get_major_locator()).set_params(integer=True)
        ax.set_xlabel("layer index (0 = input side)")
        ax.set_ylabel("gradient L2 norm" + suffix)
        ax.set_title("Gradient norm of each layer, per setting")
        default_title = "Gradient norm per layer"
    else:
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("per-parameter gradient L2 norm" + suffix)
        ax.set_title("Gradient norm of each parameter over training")
        default_title = "Per-layer gradient norms over training"
    ax.legend(loc="best", fontsize="small", ncol=2 if len(keys) > 8 else 1)
    fig.suptitle(title if title is not None else default_title)
    return fig


def plot_norm_timelines(
    histories: Mapping[str, History | GradNormMonitor],
    *,
    max_norm: float | None = None,
    title: str | None = None,
) -> Figure:
    r"""Overlay the pre-clipping global gradient norm of several runs.

    One line per run, x = optimizer step, y = global gradient L2 norm before
    clipping (log scale when there are positive values); the threshold
    ``max_norm`` as a dashed line; non-finite steps as dotted vertical lines
    in the run's colour.

    Args:
        histories (Mapping[str, History or GradNormMonitor]): label -> run.
        max_norm (float, optional): the clipping threshold to draw. Default: ``None``
        title (str, optional): the figure title. Default: a generic title

    Returns:
        A :class:`matplotlib.figure.Figure` with one axes.
    """
    if not isinstance(histories, Mapping):
        raise TypeError(f"histories must be a mapping label -> History, got {type(histories).__name__}")
    if len(histories) == 0:
        raise ValueError("histories must not be empty, got an empty mapping")
    max_norm = _check_max_norm(max_norm)
    check_optional_str("title", title)
    runs: list[tuple[str, History]] = []
    for label, hist in histories.items():
        if not isinstance(label, str):
            raise TypeError(f"histories keys must be str, got {label!r}")
        h = _as_history(hist, f"histories[{label!r}]")
        if len(h) == 0:
            raise ValueError(
                f"histories[{label!r}] must hold at least one recorded step, got an empty history"
            )
        runs.append((label, h))

    use_log = _has_positive(*(h.norms_before for _, h in runs)) or max_norm is not None
    fig = _new_figure((8.0, 4.5))
    ax = fig.subplots()
    for i, (label, h) in enumerate(runs):
        style = _line_style(i)
        y = _finite_or_nan(h.norms_before, positive=use_log)
        marker = "o" if len(h) == 1 else None
        ax.plot(h.steps, y, linewidth=1.2, marker=marker, label=_label(label), **style)
        bad = h.steps[h.nonfinite]
        bad_label = f"{label}: non-finite step" if len(bad) else None
        _mark_steps(ax, bad, color=style["color"], label=bad_label)
    if max_norm is not None:
        ax.axhline(
            max_norm,
            color=PALETTE["black"],
            linestyle="--",
            linewidth=1.0,
            label=f"threshold max_norm = {max_norm:g}",
        )
    if use_log:
        ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("global gradient L2 norm before clipping" + (" (log scale)" if use_log else ""))
    ax.set_title("Gradient norm before clipping, per run")
    ax.legend(loc="best", fontsize="small")
    fig.suptitle(title if title is not None else "Gradient norm timelines")
    return fig


def plot_curves(
    curves: Mapping[str, tuple[Any, Any]],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    subtitle: str | None = None,
    log_y: bool = True,
) -> Figure:
    r"""Plot a few labelled curves ``y(x)`` on one axes (e.g. a gradient norm against length).

    One line with markers per entry, in the palette's order; on a log ``y`` axis
    (``log_y=True``) values that are not positive and finite are left out.

    Args:
        curves (Mapping[str, tuple]): label -> ``(x, y)``, two 1-D sequences of equal length.
        xlabel (str): the x-axis label (say the unit).
        ylabel (str): the y-axis label (say the unit).
        title (str): the figure title.
        subtitle (str, optional): the axes title. Default: ``None`` (none)
        log_y (bool): log scale for ``y``. Default: ``True``

    Returns:
        A :class:`matplotlib.figure.Figure` with one axes.
    """
    if not isinstance(curves, Mapping) or len(curves) == 0:
        raise TypeError(f"curves must be a non-empty mapping label -> (x, y), got {curves!r}")
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty str, got {value!r}")
    check_optional_str("subtitle", subtitle)
    check_bool("log_y", log_y)
    fig = _new_figure((8.0, 4.5))
    ax = fig.subplots()
    for i, (label, pair) in enumerate(curves.items()):
        if not isinstance(label, str):
            raise TypeError(f"curves keys must be str, got {label!r}")
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"curves[{label!r}] must be a pair (x, y), got {type(pair).__name__}")
        x = _as_series("curves", label, pair[0])
        y = _as_series("curves", label, pair[1])
        if x.shape != y.shape:
            raise ValueError(f"curves[{label!r}] needs x and y of equal length, got {x.size} and {y.size}")
        y = _finite_or_nan(y, positive=log_y)
        ax.plot(x, y, marker="o", markersize=3, linewidth=1.4, label=_label(label), **_line_style(i))
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log_y else ""))
    if subtitle:
        ax.set_title(subtitle)
    ax.legend(loc="best", fontsize="small")
    fig.suptitle(title)
    return fig
