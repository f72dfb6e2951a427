"""course_utils.gradients: finite differences against autograd, and the error bands."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.gradients import error_band, numerical_gradient, relative_error


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(st.lists(st.floats(-3, 3, allow_subnormal=False), min_size=1, max_size=6))
def test_central_differences_match_autograd_on_smooth_functions(values):
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)

    def f(t):
        return (torch.sin(t) * t**2).sum() + torch.tanh(t).prod()

    f(x).backward()
    numeric = numerical_gradient(f, x.detach())
    assert relative_error(x.grad, numeric) < 1e-6 or torch.allclose(x.grad, numeric, atol=1e-8)


def test_x_is_left_unchanged():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    numerical_gradient(lambda t: (t**2).sum(), x)
    assert x.tolist() == [1.0, 2.0]


def test_relative_error_and_bands():
    a = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert relative_error(a, a) == 0.0
    assert relative_error(torch.zeros(2), torch.zeros(2)) == 0.0
    assert math.isclose(relative_error(a, a * 2), 0.5)
    assert error_band(1e-9) == "right"
    assert error_band(1e-4) == "suspicious"
    assert error_band(0.5) == "wrong"


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: numerical_gradient(1, torch.ones(2)), TypeError, "f must be a callable"),
        (lambda: numerical_gradient(lambda t: t.sum(), [1.0]), TypeError, "x must be a torch.Tensor"),
        (
            lambda: numerical_gradient(lambda t: t.sum(), torch.ones(2, dtype=torch.int64)),
            TypeError,
            "dtype torch.int64",
        ),
        (
            lambda: numerical_gradient(lambda t: t.sum(), torch.ones(2), h=0),
            ValueError,
            "h must be a positive",
        ),
        (lambda: numerical_gradient(lambda t: t, torch.ones(2)), ValueError, "scalar"),
        (lambda: relative_error(torch.ones(2), torch.ones(3)), ValueError, "same shape"),
        (lambda: relative_error([1.0], torch.ones(1)), TypeError, "a must be a torch.Tensor"),
        (lambda: error_band(-1.0), ValueError, "rel_err must be"),
        (lambda: error_band(float("nan")), ValueError, "rel_err must be"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
