"""Edge inputs found in review: each once accepted silently or mis-recorded."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils import ClipByNorm, GradNormMonitor, History, clipped_norm
from course_utils.gradients import error_band, numerical_gradient, relative_error


def test_layer_norm_series_stay_aligned_when_a_step_reports_none():
    h = History()
    h.record(loss=1.0, norm_before=1.0, layer_norms={"a": 10.0})
    h.record(loss=1.0, norm_before=1.0)
    h.record(loss=1.0, norm_before=1.0, layer_norms={"a": 30.0, "b": 5.0})
    a, b = h.layer_norms["a"], h.layer_norms["b"]
    assert a[0] == 10.0 and math.isnan(a[1]) and a[2] == 30.0
    assert math.isnan(b[0]) and math.isnan(b[1]) and b[2] == 5.0


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(loss="x", norm_before=1.0), TypeError, "loss must be a real number"),
        (dict(loss=1.0, norm_before=None), TypeError, "norm_before must be a real number"),
        (dict(loss=1.0, norm_before=-1.0), ValueError, "norm_before must be a norm"),
        (dict(loss=1.0, norm_before=1.0, norm_after=-2.0), ValueError, "norm_after must be a norm"),
        (dict(loss=1.0, norm_before=1.0, epoch="a"), TypeError, "epoch"),
    ],
)
def test_history_record_names_the_bad_argument(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        History().record(**kwargs)


def test_history_record_accepts_scalar_tensors():
    h = History()
    h.record(loss=torch.tensor(0.5), norm_before=torch.tensor(2.0))
    assert h.losses.tolist() == [0.5] and h.norms_before.tolist() == [2.0]


@pytest.mark.parametrize(
    "args, exc, words",
    [
        ((-1.0, 2.0), ValueError, "norm_before must be a norm"),
        ((2.0, -1.0), ValueError, "max_norm must be a positive finite number"),
        (("a", 1.0), TypeError, "norm_before must be a real number"),
    ],
)
def test_clipped_norm_validates(args, exc, words):
    with pytest.raises(exc, match=words):
        clipped_norm(*args)


def test_clipped_norm_of_a_tensor_is_a_float():
    assert isinstance(clipped_norm(torch.tensor(3.0), 1.0), float)


def test_monitor_rejects_a_negative_norm():
    with pytest.raises(ValueError, match="total_norm must be a norm"):
        GradNormMonitor().record(-3.0)


def test_clip_by_norm_reports_a_nan_total_as_clipped():
    p = torch.nn.Parameter(torch.zeros(2))
    p.grad = torch.tensor([1.0, float("nan")])
    assert ClipByNorm(1.0)([p]) is True


def test_numerical_gradient_of_a_non_contiguous_tensor():
    w = torch.arange(6, dtype=torch.float64).reshape(2, 3).t()
    assert not w.is_contiguous()
    g = numerical_gradient(lambda t: (t**2).sum(), w)
    assert torch.allclose(g, 2 * w, atol=1e-6)


def test_error_band_accepts_numpy_and_tensor_scalars_and_checks_tiny():
    import numpy as np

    assert error_band(np.float32(1e-3)) == "suspicious"
    assert error_band(torch.tensor(0.5)) == "wrong"
    with pytest.raises(ValueError, match="tiny must be a positive finite number"):
        relative_error(torch.zeros(2), torch.zeros(2), tiny=0)
    with pytest.raises(TypeError, match="h must be a positive finite number"):
        numerical_gradient(lambda t: t.sum(), torch.ones(2), h="small")


def test_monitor_counts_a_nan_norm_as_clipped_like_clip_by_norm():
    monitor = GradNormMonitor(max_norm=1.0)
    for value in (0.5, float("nan"), 2.0):
        monitor.record(value, loss=1.0)
    assert monitor.history.clipped.tolist() == [False, True, True]
    assert "clip rate 66.7%" in monitor.summary()
