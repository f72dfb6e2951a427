"""Tests for course_utils.landscape."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils.landscape import (
    DescentPath,
    cliff_loss,
    gradient_descent_2d,
    loss_surface,
    plot_descent_paths,
)


def _cliff_scalar(w: float, b: float, T: int = 50, x0: float = 0.5, target: float = 0.7) -> float:
    x = x0
    for _ in range(T):
        x = w / (1.0 + math.exp(-x)) + b
    return (1.0 / (1.0 + math.exp(-x)) - target) ** 2


def test_cliff_loss_matches_a_plain_python_loop() -> None:
    ws = torch.tensor([-1.0, 2.0, 4.5, 6.0], dtype=torch.float64)
    bs = torch.tensor([0.5, -1.0, -2.3, -3.2], dtype=torch.float64)
    got = cliff_loss(ws, bs)
    expected = [_cliff_scalar(w, b) for w, b in zip(ws.tolist(), bs.tolist())]
    assert got.dtype == torch.float64
    assert np.allclose(got.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_cliff_loss_broadcasts_and_handles_T0_and_floats() -> None:
    W, B = torch.meshgrid(torch.linspace(0, 1, 3), torch.linspace(0, 1, 4), indexing="ij")
    assert cliff_loss(W, B).shape == (3, 4)
    assert cliff_loss(torch.zeros(3, 1), torch.zeros(1, 5)).shape == (3, 5)
    # T = 0: the loss of the initial state only
    assert math.isclose(float(cliff_loss(3.0, 1.0, T=0)), (1 / (1 + math.exp(-0.5)) - 0.7) ** 2)
    assert math.isclose(float(cliff_loss(2.0, -1.0, T=7)), _cliff_scalar(2.0, -1.0, T=7))


def test_cliff_loss_is_differentiable() -> None:
    w = torch.tensor(4.8, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-2.5, dtype=torch.float64, requires_grad=True)
    cliff_loss(w, b).backward()
    h = 1e-6
    num_w = (_cliff_scalar(4.8 + h, -2.5) - _cliff_scalar(4.8 - h, -2.5)) / (2 * h)
    assert math.isclose(w.grad.item(), num_w, rel_tol=1e-4)


def test_the_cliff_has_a_wall() -> None:
    # across the wall near w = 5 the loss jumps between two plateaus
    b = torch.linspace(-3.5, -2.0, 301, dtype=torch.float64)
    L = cliff_loss(torch.full_like(b, 5.0), b)
    assert L[0] > 0.4 and L[-1] < 0.1


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"T": -1}, ValueError, "T"),
        ({"T": 2.5}, TypeError, "T"),
        ({"x0": math.nan}, ValueError, "x0"),
        ({"target": "a"}, TypeError, "target"),
    ],
)
def test_cliff_loss_bad_arguments(kwargs, exc, name) -> None:
    with pytest.raises(exc, match=name):
        cliff_loss(1.0, 0.0, **kwargs)


def test_cliff_loss_bad_w_and_b() -> None:
    with pytest.raises(TypeError, match="w"):
        cliff_loss("1", 0.0)
    with pytest.raises(ValueError, match="broadcastable"):
        cliff_loss(torch.zeros(3), torch.zeros(4))


def test_loss_surface_grid_orientation() -> None:
    W, B, L = loss_surface(lambda w, b: w + 10 * b, (0, 1), (-1, 1), num=5)
    assert W.shape == B.shape == L.shape == (5, 5)
    assert np.allclose(W[0], np.linspace(0, 1, 5)) and np.allclose(B[:, 0], np.linspace(-1, 1, 5))
    assert np.allclose(L, W + 10 * B)


def test_loss_surface_bad_arguments() -> None:
    with pytest.raises(ValueError, match="w_lim"):
        loss_surface(cliff_loss, (1, 0), (0, 1))
    with pytest.raises(TypeError, match="b_lim"):
        loss_surface(cliff_loss, (0, 1), 3)
    with pytest.raises(ValueError, match="num"):
        loss_surface(cliff_loss, (0, 1), (0, 1), num=1)
    with pytest.raises(ValueError, match="shape"):
        loss_surface(lambda w, b: w.sum(), (0, 1), (0, 1), num=3)


def _quadratic(w, b):
    return 0.5 * (w**2 + 4 * b**2)


def test_gradient_descent_on_a_quadratic() -> None:
    path = gradient_descent_2d(_quadratic, (2.0, 1.0), lr=0.1, steps=3)
    assert isinstance(path, DescentPath)
    assert path.points.shape == (4, 2) and path.losses.shape == (4,) and path.grad_norms.shape == (3,)
    expected = np.array([2.0, 1.0])
    for k in range(3):
        assert np.allclose(path.points[k], expected)
        expected = expected - 0.1 * np.array([expected[0], 4 * expected[1]])
    assert np.allclose(path.points[-1], expected)
    assert math.isclose(path.grad_norms[0], math.hypot(2.0, 4.0))
    assert path.losses[-1] < path.losses[0]
    assert gradient_descent_2d(_quadratic, (2.0, 1.0), lr=0.1, steps=0).points.shape == (1, 2)


def test_gradient_descent_caps_each_step_and_keeps_the_direction() -> None:
    path = gradient_descent_2d(_quadratic, (30.0, 40.0), lr=0.5, steps=5, max_norm=2.0)
    assert np.all(path.step_lengths <= 0.5 * 2.0 + 1e-12)
    step = path.points[1] - path.points[0]
    g = np.array([30.0, 160.0])
    assert np.allclose(step, -0.5 * 2.0 * g / np.linalg.norm(g))
    assert math.isclose(path.grad_norms[0], np.linalg.norm(g))  # recorded before capping
    # under the cap nothing changes
    small = gradient_descent_2d(_quadratic, (0.1, 0.1), lr=0.1, steps=4, max_norm=10.0)
    plain = gradient_descent_2d(_quadratic, (0.1, 0.1), lr=0.1, steps=4)
    assert np.array_equal(small.points, plain.points)


def test_gradient_descent_stops_on_nonfinite() -> None:
    path = gradient_descent_2d(lambda w, b: torch.exp(w * 1000) + b, (1.0, 0.0), lr=1.0, steps=5)
    assert len(path.points) == 1 and not math.isfinite(path.losses[-1])


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"steps": -1}, ValueError, "steps"),
        ({"max_norm": -1.0}, ValueError, "max_norm"),
        ({"start": (1.0,)}, TypeError, "start"),
        ({"start": (math.inf, 0.0)}, ValueError, "start"),
    ],
)
def test_gradient_descent_bad_arguments(kwargs, exc, name) -> None:
    args = {"start": (1.0, 1.0), "lr": 0.1, "steps": 2} | kwargs
    start = args.pop("start")
    with pytest.raises(exc, match=name):
        gradient_descent_2d(_quadratic, start, **args)


def test_plot_descent_paths() -> None:
    path = gradient_descent_2d(cliff_loss, (5.0, -3.0), lr=0.5, steps=3)
    fig = plot_descent_paths(cliff_loss, {"plain": path}, (3, 7), (-4, 0), num=20, title="t")
    assert isinstance(fig, Figure) and fig.get_suptitle() == "t"
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert np.allclose(ax.lines[0].get_xydata(), path.points)
    with pytest.raises(TypeError, match="paths"):
        plot_descent_paths(cliff_loss, {"plain": path.points}, (3, 7), (-4, 0))
