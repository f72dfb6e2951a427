"""Tests for course_utils.widgets: the explorer's update logic runs without a browser."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.widgets import gradient_norm_explorer, linear_rnn_gradient_norms


def test_linear_rnn_gradient_norms_matches_matrix_powers() -> None:
    g = torch.Generator().manual_seed(0)
    W = torch.randn(5, 5, generator=g, dtype=torch.float64)
    v = torch.randn(5, generator=g, dtype=torch.float64)
    norms = linear_rnn_gradient_norms(W, v, 6)
    assert norms.shape == (7,)
    for t in range(7):
        expected = (torch.linalg.matrix_power(W.T, t) @ v).norm().item()
        assert np.isclose(norms[t], expected, rtol=1e-10)


def test_linear_rnn_gradient_norms_bad_arguments() -> None:
    with pytest.raises(ValueError, match="weight"):
        linear_rnn_gradient_norms(torch.zeros(2, 3), torch.zeros(2), 3)
    with pytest.raises(ValueError, match="direction"):
        linear_rnn_gradient_norms(torch.zeros(2, 2), torch.zeros(3), 3)
    with pytest.raises(ValueError, match="max_T"):
        linear_rnn_gradient_norms(torch.zeros(2, 2), torch.zeros(2), -1)


def test_explorer_updates_when_the_sliders_move() -> None:
    box = gradient_norm_explorer(hidden_size=8, max_T=40, seed=1)
    assert len(box.norms) == box.length_slider.value + 1
    png, label, norms = box.image.value, box.label.value, box.norms.copy()
    assert png[:4] == b"\x89PNG"
    box.rho_slider.value = 1.3  # as if dragged
    assert box.image.value != png and box.label.value != label
    assert box.norms[-1] > norms[-1]  # a larger spectral radius: a larger gradient far back
    line = box.figure.axes[0].lines[0]
    assert np.allclose(line.get_ydata(), box.norms)
    box.length_slider.value = 10
    assert len(box.norms) == 11 and len(box.figure.axes[0].lines[0].get_xdata()) == 11


def test_explorer_grows_above_one_and_shrinks_below() -> None:
    box = gradient_norm_explorer(hidden_size=16, max_T=80, seed=0)
    box.length_slider.value = 80
    box.rho_slider.value = 0.7
    assert box.norms[-1] < 1e-6
    box.rho_slider.value = 1.3
    assert box.norms[-1] > 1e6


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"rho": 2.0}, ValueError, "rho"),
        ({"max_T": 1}, ValueError, "max_T"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_explorer_bad_arguments(kwargs, exc, name) -> None:
    with pytest.raises(exc, match=name):
        gradient_norm_explorer(**kwargs)
