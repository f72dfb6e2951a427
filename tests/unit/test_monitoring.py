"""Tests for course_utils.monitoring."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import MLP, ClipByNorm, GradNormMonitor, History, make_loader, make_regression, train


mse = nn.functional.mse_loss


def _setup(seed: int):
    X, y = make_regression(64, 4, seed=seed)
    torch.manual_seed(seed)
    model = MLP(4, 1, hidden=8, depth=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    return model, make_loader(X, y, batch_size=16, seed=seed), opt


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("max_norm", [0.3, 1.0])
def test_monitor_equals_train(seed: int, max_norm: float) -> None:
    model, loader, opt = _setup(seed)
    h_train = train(model, loader, mse, opt, epochs=3, clip=ClipByNorm(max_norm))

    model, loader, opt = _setup(seed)
    monitor = GradNormMonitor(max_norm=max_norm)
    for epoch in range(3):
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            loss = mse(model(x), y)
            loss.backward()
            total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            monitor.record(total, loss=loss, epoch=epoch)
            opt.step()
    h = monitor.history
    assert isinstance(h, History) and len(h) == len(h_train) == len(monitor) == 12
    assert np.array_equal(h.steps, h_train.steps)
    assert np.array_equal(h.epochs, h_train.epochs)
    assert np.array_equal(h.losses, h_train.losses)
    assert np.array_equal(h.norms_before, h_train.norms_before)
    # train measures the clipped gradients (float32); the monitor derives the same value analytically.
    assert np.allclose(h.norms_after, h_train.norms_after, rtol=1e-6, atol=0)
    assert np.array_equal(h.clipped, h_train.clipped)
    assert np.array_equal(h.nonfinite, h_train.nonfinite)
    assert h.format_epoch_table() == h_train.format_epoch_table()
    assert np.array_equal(monitor.norms, h_train.norms_before)


def test_record_stores_detached_values_lazily() -> None:
    monitor = GradNormMonitor(1.0)
    w = torch.tensor(2.0, requires_grad=True)
    loss = w * 3
    monitor.record(w * 1.5, loss=loss)
    monitor.record(0.5)
    monitor.record(np.float32(2.0), loss=0.1, epoch=1)
    raw = monitor._raw_norms[0]
    assert isinstance(raw, torch.Tensor) and not raw.requires_grad
    assert not monitor._raw_losses[0].requires_grad
    h = monitor.history
    assert h.norms_before.tolist() == [3.0, 0.5, 2.0]
    assert h.clipped.tolist() == [True, False, True]
    assert h.norms_after[1] == 0.5 and h.norms_after[0] == pytest.approx(1.0, rel=1e-6)
    assert h.losses[0] == 6.0 and math.isnan(h.losses[1])
    assert not h.nonfinite.any()
    assert h.epochs.tolist() == [0, 0, 1]
    # converted values replace the tensors
    assert isinstance(monitor._raw_norms[0], float)


def test_without_max_norm_nothing_is_clipped() -> None:
    monitor = GradNormMonitor()
    for x in (1.0, 5.0, 0.1):
        monitor.record(torch.tensor(x))
    h = monitor.history
    assert np.array_equal(h.norms_after, h.norms_before) and not h.clipped.any()
    assert "n/a" in monitor.summary()


def test_spikes() -> None:
    monitor = GradNormMonitor(spike_factor=10.0, window=5)
    values = [100.0, 1.0, 1.0, 50.0, 1.0, 1.0, 1.0, 1.0, 1.0, 11.0, 9.0, math.inf, math.nan, 20.0]
    for v in values:
        monitor.record(v)
    # step 0: no previous values; step 3: median(100, 1, 1) = 1 -> spike;
    # step 9: median of last 5 finite (1,1,1,1,1) = 1 -> spike; step 10: 9 is not > 10;
    # non-finite steps are not spikes; step 13: window (1,1,1,11,9) -> median 1 -> spike
    assert monitor.spikes() == [3, 9, 13]
    assert monitor.nonfinite_steps() == [11, 12]
    assert monitor.history.first_nonfinite_step == 11


def test_spikes_need_three_previous_values() -> None:
    monitor = GradNormMonitor()
    for v in (1.0, 1.0, 1000.0):
        monitor.record(v)
    assert monitor.spikes() == []
    monitor.record(1e6)
    assert monitor.spikes() == [3]


def test_loss_spikes_apply_the_norm_rule_to_the_losses() -> None:
    monitor = GradNormMonitor(spike_factor=10.0, window=5)
    norms = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 50.0, 1.0]
    losses = [2.0, 2.0, 2.0, 30.0, None, math.inf, 2.0, 2.0]
    for n, loss in zip(norms, losses):
        monitor.record(n, loss=loss)
    # step 3: 30 > 10 x median(2, 2, 2); steps 4 (no loss) and 5 (inf) are skipped and are not part
    # of the window; the norm's spike is at step 6, where the loss is ordinary
    assert monitor.loss_spikes() == [3]
    assert monitor.spikes() == [6]
    empty = GradNormMonitor()
    empty.record(1.0)
    assert empty.loss_spikes() == []


def test_nonfinite_loss_counts() -> None:
    monitor = GradNormMonitor(1.0)
    monitor.record(0.5, loss=torch.tensor(math.nan))
    monitor.record(0.5, loss=1.0)
    assert monitor.nonfinite_steps() == [0]
    assert monitor.history.nonfinite.tolist() == [True, False]


def test_summary_and_statistics() -> None:
    monitor = GradNormMonitor(max_norm=2.0)
    assert monitor.summary() == "GradNormMonitor: 0 steps recorded"
    for v in (1.0, 2.0, 3.0, 4.0, math.inf):
        monitor.record(torch.tensor(v))
    assert monitor.median_norm() == 2.5
    assert monitor.percentile(0) == 1.0 and monitor.percentile(100) == 4.0
    assert monitor.percentile(50) == 2.5
    s = monitor.summary()
    assert "\n" not in s
    for part in ("5 steps", "clip rate 60.0%", "median norm 2.5", "max norm 4", "0 spikes", "1 non-finite"):
        assert part in s
    monitor.reset()
    assert len(monitor) == 0


def test_statistics_need_finite_values() -> None:
    monitor = GradNormMonitor()
    with pytest.raises(ValueError, match="median_norm"):
        monitor.median_norm()
    monitor.record(math.nan)
    with pytest.raises(ValueError, match="percentile"):
        monitor.percentile(50)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: GradNormMonitor(0.0), ValueError, "max_norm"),
        (lambda: GradNormMonitor("1"), TypeError, "max_norm"),
        (lambda: GradNormMonitor(1.0, spike_factor=1.0), ValueError, "spike_factor"),
        (lambda: GradNormMonitor(1.0, spike_factor=None), TypeError, "spike_factor"),
        (lambda: GradNormMonitor(1.0, window=2), ValueError, "window"),
        (lambda: GradNormMonitor(1.0, window=True), TypeError, "window"),
        (lambda: GradNormMonitor().record(torch.ones(3)), ValueError, "total_norm"),
        (lambda: GradNormMonitor().record("1"), TypeError, "total_norm"),
        (lambda: GradNormMonitor().record(True), TypeError, "total_norm"),
        (lambda: GradNormMonitor().record(1.0, loss=torch.ones(2)), ValueError, "loss"),
        (lambda: GradNormMonitor().record(1.0, loss="x"), TypeError, "loss"),
        (lambda: GradNormMonitor().record(1.0, epoch=-1), ValueError, "epoch"),
        (lambda: GradNormMonitor().record(1.0, epoch=1.0), TypeError, "epoch"),
        (lambda: GradNormMonitor().percentile(101), ValueError, "q"),
        (lambda: GradNormMonitor().percentile("50"), TypeError, "q"),
    ],
)
def test_bad_arguments(call, exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name) as info:
        call()
    assert "got" in str(info.value)
