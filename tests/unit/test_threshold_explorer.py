"""Tests for course_utils.widgets.threshold_explorer and outlier_training_run (lesson 06)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.widgets import outlier_training_run, threshold_explorer


def test_outlier_training_run_is_reproducible_and_clips_as_asked() -> None:
    h1, loss1 = outlier_training_run(threshold=1.0, lr=0.1, method="norm", epochs=2, seed=3)
    h2, loss2 = outlier_training_run(threshold=1.0, lr=0.1, method="norm", epochs=2, seed=3)
    assert len(h1) == 32 and np.array_equal(h1.norms_before, h2.norms_before) and loss1 == loss2
    tight, _ = outlier_training_run(threshold=0.01, method="norm", epochs=2, seed=3)
    assert tight.clip_rate == 1.0 and np.all(tight.norms_after <= 0.01 * (1 + 1e-4))
    none, _ = outlier_training_run(threshold=0.01, method="none", epochs=2, seed=3)
    assert none.clip_rate == 0.0
    value, _ = outlier_training_run(threshold=1e-4, method="value", epochs=1, seed=3)
    assert value.clip_rate == 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"threshold": 0.0}, "threshold"),
        ({"lr": -1.0}, "lr"),
        ({"method": "clip"}, "method"),
        ({"epochs": 0}, "epochs"),
        ({"seed": -1}, "seed"),
    ],
)
def test_outlier_training_run_bad_arguments(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        outlier_training_run(**kwargs)


def test_explorer_reruns_and_redraws_when_the_controls_change() -> None:
    box = threshold_explorer(epochs=3, seed=0)
    assert box.image.value[:4] == b"\x89PNG" and len(box.history) == 48
    png, label, norms = box.image.value, box.label.value, box.history.norms_before.copy()
    box.threshold_slider.value = 0.01  # as if dragged: every step is now clipped
    assert box.image.value != png and box.label.value != label
    assert box.history.clip_rate == 1.0 and "100%" in box.label.value
    dashed = box.figure.axes[1].lines[-1]
    assert np.allclose(dashed.get_ydata(), 0.01)  # the threshold line moved with the slider
    box.method_buttons.value = "none"
    assert box.history.clip_rate == 0.0
    assert len(box.figure.axes[1].lines) == 1  # no threshold line without clipping
    before = box.history.norms_before.copy()
    box.lr_slider.value = 1.0
    assert not np.array_equal(box.history.norms_before, before)
    assert not np.array_equal(box.history.norms_before, norms) or math.isnan(box.clean_loss)
    line = box.figure.axes[1].lines[0]
    finite = np.isfinite(box.history.norms_before)
    assert np.allclose(line.get_ydata()[finite], box.history.norms_before[finite])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"threshold": 1e5}, "threshold"),
        ({"lr": 5.0}, "lr"),
        ({"method": "both"}, "method"),
        ({"epochs": 51}, "epochs"),
        ({"seed": -2}, "seed"),
    ],
)
def test_explorer_bad_arguments(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        threshold_explorer(**kwargs)
