"""Tests for course_utils.plotting."""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils import (
    MLP,
    PALETTE,
    ClipByNorm,
    GradNormMonitor,
    History,
    make_loader,
    make_regression,
    plot_history,
    plot_layer_norms,
    plot_norm_timelines,
    train,
)


@pytest.fixture(scope="module")
def history() -> History:
    X, y = make_regression(64, 4, seed=0)
    torch.manual_seed(0)
    model = MLP(4, 1, hidden=8, depth=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    return train(
        model,
        make_loader(X, y, batch_size=16),
        torch.nn.functional.mse_loss,
        opt,
        epochs=3,
        clip=ClipByNorm(0.5),
        record_layer_norms=True,
    )


def _nonfinite_history() -> History:
    h = History()
    for i, (loss, norm) in enumerate([(1.0, 2.0), (0.5, 0.0), (math.inf, math.nan), (0.4, 3.0)]):
        h.record(loss=loss, norm_before=norm, norm_after=min(norm, 1.0), clipped=norm > 1.0, epoch=i // 2)
    return h


def _check_labelled(fig: Figure, n_axes: int) -> None:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    assert fig.get_suptitle()
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_palette_is_okabe_ito() -> None:
    assert len(PALETTE) == 8
    assert set(PALETTE.values()) == {
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    }
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in PALETTE.values())


def test_plot_history(history: History) -> None:
    fig = plot_history(history, max_norm=0.5, title="my run")
    _check_labelled(fig, 2)
    assert fig.get_suptitle() == "my run"
    ax_loss, ax_norm = fig.axes
    assert ax_norm.get_yscale() == "log" and "log" in ax_norm.get_ylabel()
    labels = _legend_texts(ax_norm)
    assert "before clipping" in labels and "after clipping" in labels
    assert any("0.5" in t for t in labels)
    dashed = [line for line in ax_norm.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_ydata()[0] == 0.5
    assert ax_loss.get_shared_x_axes().joined(ax_loss, ax_norm)
    assert plot_history(history, log_norm=False).axes[1].get_yscale() == "linear"
    assert ax_loss.get_yscale() == "linear" and "log" not in ax_loss.get_ylabel()
    log_loss = plot_history(history, log_loss=True).axes[0]
    assert log_loss.get_yscale() == "log" and "log scale" in log_loss.get_ylabel()


def test_plot_history_marks_nonfinite_steps() -> None:
    fig = plot_history(_nonfinite_history(), max_norm=1.0)
    _check_labelled(fig, 2)
    for ax in fig.axes:
        assert "non-finite step" in _legend_texts(ax)


def test_plot_history_accepts_a_monitor() -> None:
    monitor = GradNormMonitor(max_norm=1.0)
    for v in (0.5, 2.0, 0.7):
        monitor.record(torch.tensor(v), loss=torch.tensor(v))
    fig = plot_history(monitor)
    _check_labelled(fig, 2)
    assert any("max_norm = 1" in t for t in _legend_texts(fig.axes[1]))
    single = GradNormMonitor()
    single.record(1.0)
    _check_labelled(plot_history(single), 2)


def test_figures_render_and_do_not_touch_pyplot(history: History) -> None:
    before = None
    if "matplotlib.pyplot" in sys.modules:
        before = sys.modules["matplotlib.pyplot"].get_fignums()
    fig = plot_history(history, max_norm=0.5)
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    if before is not None:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == before


def test_plot_layer_norms_bar_chart(history: History) -> None:
    last = {k: v[-1] for k, v in history.layer_norms.items()}
    fig = plot_layer_norms(last, title="last step")
    _check_labelled(fig, 1)
    ax = fig.axes[0]
    assert len(ax.patches) == len(last)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(last)
    fig = plot_layer_norms({"a": 1.0, "b": 0.0, "c": np.float32(2.0), "d": torch.tensor(3.0)}, log=False)
    _check_labelled(fig, 1)


def test_plot_layer_norms_over_steps(history: History) -> None:
    for fig in (plot_layer_norms(history), plot_layer_norms(history.layer_norms, over="steps")):
        _check_labelled(fig, 1)
        ax = fig.axes[0]
        assert ax.get_xlabel() == "optimizer step"
        assert len(ax.get_lines()) == len(history.layer_norms)
        assert _legend_texts(ax) == list(history.layer_norms)


def test_plot_layer_norms_over_layers() -> None:
    data = {"init_scale=0.5": [1e-3, 1e-2, 1e-1], "init_scale=3": np.array([10.0, 1.0, 0.5, 0.1])}
    fig = plot_layer_norms(data, over="layers")
    _check_labelled(fig, 1)
    ax = fig.axes[0]
    assert "layer" in ax.get_xlabel()
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 2
    # nothing is guessed from the names: parameter-like names can be plotted over layers too
    fig = plot_layer_norms({"he": [1.0, 2.0], "normal": [3.0, 4.0]}, over="steps")
    assert fig.axes[0].get_xlabel() == "optimizer step"
    fig = plot_layer_norms({"linears.0.weight": [1.0, 2.0]}, over="layers")
    assert "layer" in fig.axes[0].get_xlabel()


def test_plot_norm_timelines(history: History) -> None:
    monitor = GradNormMonitor()
    for v in (0.1, 0.2, math.inf, 0.3):
        monitor.record(v)
    fig = plot_norm_timelines({"clipped": history, "monitor": monitor}, max_norm=0.5)
    _check_labelled(fig, 1)
    labels = _legend_texts(fig.axes[0])
    assert "clipped" in labels and "monitor" in labels
    assert "monitor: non-finite step" in labels
    assert any("0.5" in t for t in labels)
    assert fig.axes[0].get_yscale() == "log"


def test_many_lines_and_zero_values_raise_no_warnings() -> None:
    data = {f"layer{i}.weight": [0.0, float(i), math.nan] for i in range(12)}
    _check_labelled(plot_layer_norms(data, over="steps"), 1)
    _check_labelled(plot_layer_norms({"a": [0.0, 0.0]}, over="layers"), 1)
    h = History()
    h.record(loss=math.nan, norm_before=0.0)
    h.record(loss=math.nan, norm_before=0.0)
    _check_labelled(plot_history(h), 2)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: plot_history([1.0, 2.0]), TypeError, "history"),
        (lambda: plot_history(History()), ValueError, "history"),
        (lambda: plot_history(_nonfinite_history(), max_norm=-1.0), ValueError, "max_norm"),
        (lambda: plot_history(_nonfinite_history(), title=5), TypeError, "title"),
        (lambda: plot_history(_nonfinite_history(), log_norm="yes"), TypeError, "log_norm"),
        (lambda: plot_history(_nonfinite_history(), log_loss=1), TypeError, "log_loss"),
        (lambda: plot_layer_norms([1.0, 2.0]), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({}), ValueError, "layer_norms"),
        (lambda: plot_layer_norms(History()), ValueError, "layer_norms"),
        (lambda: plot_layer_norms({1: 1.0}), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({"a": 1.0, "b": [1.0]}), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({"a": "big"}), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({"a": ["x", "y"]}), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({"a": []}), ValueError, "layer_norms"),
        (lambda: plot_layer_norms({"a": [[1.0], [2.0]]}), ValueError, "layer_norms"),
        (lambda: plot_layer_norms({"a": True}), TypeError, "layer_norms"),
        (lambda: plot_layer_norms({"a": [1.0]}, over="epochs"), ValueError, "over"),
        (lambda: plot_layer_norms({"linears.0.weight": [1.0, 2.0]}), ValueError, "over='steps'"),
        (lambda: plot_layer_norms({"a": 1.0}, over="steps"), ValueError, "over"),
        (lambda: plot_layer_norms({"a": [1.0]}, log=1), TypeError, "log"),
        (lambda: plot_norm_timelines([History()]), TypeError, "histories"),
        (lambda: plot_norm_timelines({}), ValueError, "histories"),
        (lambda: plot_norm_timelines({"a": History()}), ValueError, "histories"),
        (lambda: plot_norm_timelines({"a": [1.0]}), TypeError, "histories"),
        (lambda: plot_norm_timelines({"a": _nonfinite_history()}, max_norm=0), ValueError, "max_norm"),
    ],
)
def test_bad_arguments(call, exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name) as info:
        call()
    assert "got" in str(info.value)
