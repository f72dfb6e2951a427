"""Tests for course_utils.plotting.plot_curves."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plot_curves


def test_plot_curves_draws_each_curve_with_labels() -> None:
    x = np.arange(1, 6)
    fig = plot_curves(
        {"a": (x, 2.0**x), "b": (x, [1.0, 0.0, np.inf, 2.0, 3.0])},
        xlabel="length T (steps)",
        ylabel="norm",
        title="t",
        subtitle="s",
    )
    assert isinstance(fig, Figure) and fig.get_suptitle() == "t"
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "length T (steps)"
    assert "log" in ax.get_ylabel() and ax.get_title() == "s"
    assert np.allclose(ax.lines[0].get_ydata(), 2.0**x)
    assert np.isnan(ax.lines[1].get_ydata()[[1, 2]]).all()  # zero and inf left out on a log axis
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_curves_linear_axis() -> None:
    fig = plot_curves({"a": ([0, 1], [-1.0, 1.0])}, xlabel="x", ylabel="y", title="t", log_y=False)
    assert fig.axes[0].get_yscale() == "linear"
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), [-1.0, 1.0])


@pytest.mark.parametrize(
    ("curves", "kwargs", "exc", "match"),
    [
        ({}, {}, TypeError, "curves"),
        ({"a": ([1, 2], [1])}, {}, ValueError, "equal length"),
        ({"a": [1, 2, 3]}, {}, TypeError, "pair"),
        ({"a": ([1], [1])}, {"xlabel": ""}, TypeError, "xlabel"),
    ],
)
def test_plot_curves_bad_arguments(curves, kwargs, exc, match) -> None:
    args = {"xlabel": "x", "ylabel": "y", "title": "t"} | kwargs
    with pytest.raises(exc, match=match):
        plot_curves(curves, **args)
