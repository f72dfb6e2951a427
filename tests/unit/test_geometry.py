"""Tests for course_utils.geometry.plot_ball_and_box."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.geometry import plot_ball_and_box


G = [[3.0, 0.1], [0.5, 0.4]]
N = [[0.9994, 0.0333], [0.5, 0.4]]
V = [[1.0, 0.1], [0.5, 0.4]]


def test_draws_ball_box_and_points_with_labels() -> None:
    fig = plot_ball_and_box(G, N, V, threshold=1.0, title="t")
    assert isinstance(fig, Figure) and fig.get_suptitle() == "t"
    ax = fig.axes[0]
    assert ax.get_aspect() == 1.0
    assert "g_1" in ax.get_xlabel() and "g_2" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("ball" in s for s in labels) and any("box" in s for s in labels)
    assert any(s == "after value clipping" for s in labels)
    points = {line.get_label(): np.column_stack(line.get_data()) for line in ax.lines}
    assert np.allclose(points["after value clipping"], V)
    assert np.allclose(points["after norm clipping"], N)
    assert ax.get_xlim()[1] >= 3.0  # the longest gradient is in view
    fig.savefig(__import__("io").BytesIO(), format="png")  # renders without error


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((G, N, V[:1]), {}, ValueError, "same shape"),
        (([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]]), {}, ValueError, "gradients"),
        ((G, N, [[np.nan, 0.0], [0.0, 0.0]]), {}, ValueError, "value_clipped"),
        ((G, N, V), {"threshold": 0.0}, ValueError, "threshold"),
        ((G, N, V), {"title": 3}, TypeError, "title"),
        ((object(), N, V), {}, TypeError, "gradients"),
    ],
)
def test_bad_arguments_are_named(args, kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        plot_ball_and_box(*args, **kwargs)
