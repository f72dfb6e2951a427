"""Claims of lesson 06 (solutions/06_threshold), each rerun over several seeds."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils import (
    MLP,
    ClipByNorm,
    ClipByValue,
    make_classification,
    make_loader,
    seed_everything,
    train,
)

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
N_SAMPLES, N_FEATURES, OUTLIER_FRACTION, OUTLIER_SCALE = lesson_settings(
    "06_threshold", "N_SAMPLES", "N_FEATURES", "OUTLIER_FRACTION", "OUTLIER_SCALE"
)
HIDDEN, BATCH, EPOCHS, LR = lesson_settings("06_threshold", "HIDDEN", "BATCH", "EPOCHS", "LR")
MAX_NORM, CLIP_VALUE = lesson_settings("06_threshold", "MAX_NORM", "CLIP_VALUE")
THRESHOLDS = lesson_settings("06_threshold", "THRESHOLDS")
GRID_LRS, GRID_THRESHOLDS = lesson_settings("06_threshold", "GRID_LRS", "GRID_THRESHOLDS")
LN2 = math.log(2.0)  # the loss of guessing between two classes (not a setting)


@functools.lru_cache(maxsize=None)
def outlier_run(method, threshold, lr=LR, seed=0, outliers=True):
    """The lesson's run: (History, clean loss, clean accuracy); NaN scores when it went non-finite."""
    clip = {"none": None, "norm": lambda: ClipByNorm(threshold), "value": lambda: ClipByValue(threshold)}[
        method
    ]
    X, y = make_classification(
        N_SAMPLES,
        N_FEATURES,
        outlier_fraction=OUTLIER_FRACTION if outliers else 0.0,
        outlier_scale=OUTLIER_SCALE,
        seed=seed,
    )
    X_clean, _ = make_classification(N_SAMPLES, N_FEATURES, seed=seed)
    seed_everything(seed)
    model = MLP(N_FEATURES, 2, hidden=HIDDEN, depth=2, activation="relu")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = train(
        model,
        make_loader(X, y, batch_size=BATCH, seed=seed),
        F.cross_entropy,
        optimizer,
        epochs=EPOCHS,
        clip=None if clip is None else clip(),
        progress=False,
    )
    if history.first_nonfinite_step is not None:
        return history, math.nan, math.nan
    with torch.no_grad():
        logits = model(X_clean)
    return history, F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def rule_max_norm(norms):
    """The lesson's rule: 2 x the median of the finite norms, 2 significant digits."""
    finite = norms[np.isfinite(norms)]
    return float(f"{2.0 * float(np.median(finite)):.2g}")


@pytest.mark.claim("06-unclipped-unstable")
@pytest.mark.parametrize("seed", SEEDS)
def test_unclipped_run_is_unstable_and_clipping_stabilises_it(seed):
    # Ten fresh seeds (100-109): true on nine; on 106 (a harder data set: every clipped loss near 0.3)
    # the norm-clipped run reached 87.9% clean accuracy, below the 90% the lesson's run passes.
    plain, plain_loss, _ = outlier_run("none", None, seed=seed)
    by_norm, norm_loss, norm_acc = outlier_run("norm", MAX_NORM, seed=seed)
    by_value, value_loss, value_acc = outlier_run("value", CLIP_VALUE, seed=seed)
    finite = plain.norms_before[np.isfinite(plain.norms_before)]
    assert plain.first_nonfinite_step is not None or finite.max() > 1e3, "the unclipped run had no huge norm"
    for name, loss, acc in (("norm", norm_loss, norm_acc), ("value", value_loss, value_acc)):
        assert math.isfinite(loss) and acc > 0.9, f"{name}-clipped run: clean loss {loss}, accuracy {acc}"
        assert math.isnan(plain_loss) or plain_loss > 3 * loss, (
            f"unclipped {plain_loss:.3g} vs {name} {loss:.3g}"
        )
    for h in (by_norm, by_value):
        assert len(h) == EPOCHS * N_SAMPLES // BATCH and np.median(h.norms_before) < MAX_NORM
    assert by_norm.clip_rate < 0.1


@pytest.mark.claim("06-value-changes-direction")
@pytest.mark.parametrize("seed", SEEDS)
def test_value_clipping_turns_the_largest_gradient(seed):
    X, y = make_classification(
        N_SAMPLES, N_FEATURES, outlier_fraction=OUTLIER_FRACTION, outlier_scale=OUTLIER_SCALE, seed=seed
    )
    seed_everything(seed)
    model = MLP(N_FEATURES, 2, hidden=HIDDEN, depth=2, activation="relu")
    largest = None
    for xb, yb in make_loader(X, y, batch_size=BATCH, seed=seed):
        model.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        g = torch.cat([p.grad.flatten() for p in model.parameters()])
        if largest is None or g.norm() > largest.norm():
            largest = g
    g = largest
    by_norm = g * min(1.0, MAX_NORM / (g.norm().item() + 1e-6))
    by_value = g.clamp(-CLIP_VALUE, CLIP_VALUE)

    def cos(a, b):
        return (a @ b / (a.norm() * b.norm())).item()

    assert cos(g, by_norm) > 0.9999
    assert cos(g, by_value) < 0.8, f"cosine after value clipping {cos(g, by_value):.3f}"


@pytest.mark.claim("06-healthy-threshold")
@pytest.mark.parametrize("seed", SEEDS)
def test_twice_the_healthy_median_is_a_good_threshold(seed):
    healthy, _, _ = outlier_run("none", None, seed=seed, outliers=False)
    norms = healthy.norms_before
    assert np.all(np.isfinite(norms))
    chosen = rule_max_norm(norms)
    assert 0.5 <= chosen <= 2.0
    assert chosen > np.percentile(norms, 90)
    assert 0.5 * norms.mean() <= chosen <= 10 * norms.mean()
    assert np.mean(norms > chosen) < 0.1
    run, loss, _ = outlier_run("norm", chosen, seed=seed)
    _, ref_loss, _ = outlier_run("norm", MAX_NORM, seed=seed)
    assert run.clip_rate < 0.1
    assert math.isfinite(loss) and abs(loss - ref_loss) < 0.2 * ref_loss, f"{loss:.3g} vs {ref_loss:.3g}"


@pytest.mark.claim("06-too-tight")
@pytest.mark.parametrize("seed", SEEDS)
def test_too_tight_threshold_clips_every_step_and_crawls(seed):
    _, sensible, _ = outlier_run("norm", 1.0, seed=seed)
    for t in (0.01, 0.1):
        assert outlier_run("norm", t, seed=seed)[0].clip_rate == 1.0
    assert outlier_run("norm", 0.1, seed=seed)[1] > 1.3 * sensible
    assert outlier_run("norm", 0.01, seed=seed)[1] > 0.6 > sensible


@pytest.mark.claim("06-sensible-band")
@pytest.mark.parametrize("seed", SEEDS)
def test_thresholds_from_half_to_ten_end_alike(seed):
    losses = [outlier_run("norm", t, seed=seed)[1] for t in (0.5, 1.0, 2.0, 5.0, 10.0)]
    assert all(math.isfinite(x) for x in losses)
    assert max(losses) < 1.3 * min(losses), f"losses {losses}"


@pytest.mark.claim("06-too-high")
@pytest.mark.parametrize("seed", SEEDS)
def test_too_high_threshold_gives_no_protection(seed):
    _, sensible, _ = outlier_run("norm", 1.0, seed=seed)
    for t in (1000.0, 10000.0):
        _, loss, _ = outlier_run("norm", t, seed=seed)
        assert loss > 2 * sensible, f"threshold {t}: {loss:.3g} vs {sensible:.3g} at 1"
    loose, loose_loss, _ = outlier_run("norm", 10000.0, seed=seed)
    assert loose.clip_rate < 0.05 and loose_loss > 0.5


@pytest.mark.claim("06-lr-grid")
@pytest.mark.parametrize("seed", SEEDS)
def test_large_lr_with_loose_threshold_is_worse(seed):
    # Holds on seeds 0-4. On ten fresh seeds (100-109) big_loose > 3 * big_tight on nine (107: 2.0x)
    # and big_loose > small_loose on seven; the lesson's seed check (06-seed-check) says five seeds
    # are few.
    big_loose = outlier_run("norm", 5.0, lr=2.0, seed=seed)[1]
    big_tight = outlier_run("norm", 0.5, lr=2.0, seed=seed)[1]
    small_loose = outlier_run("norm", 5.0, lr=0.1, seed=seed)[1]
    assert big_loose > 3 * big_tight and big_loose > small_loose, (big_loose, big_tight, small_loose)
    assert all(big_tight < outlier_run("norm", t, lr=0.1, seed=seed)[1] for t in GRID_THRESHOLDS)


@pytest.mark.claim("06-fallback-order")
@pytest.mark.parametrize("seed", SEEDS)
def test_sensible_setting_ends_with_the_lowest_epoch_loss(seed):
    # Ten fresh seeds (100-109): true on six. On 102, 104, 105 and 107 another setting ended lower
    # (on 104 and 107 lr 2 with max_norm 5 reached 0.022 and 0.0014): the lesson says "on this seed".
    def last_epoch(h):
        return h.epoch_summary()[-1]["mean_loss"]

    sensible = last_epoch(outlier_run("norm", 1.0, seed=seed)[0])
    others = [
        outlier_run("norm", 0.01, seed=seed)[0],
        outlier_run("norm", 10000.0, seed=seed)[0],
        outlier_run("norm", 5.0, lr=2.0, seed=seed)[0],
    ]
    assert all(sensible < last_epoch(h) for h in others), [last_epoch(h) for h in others]


MORE_SEEDS, BAND = lesson_settings("06_threshold", "MORE_SEEDS", "BAND")


@pytest.mark.claim("06-seed-check")
def test_the_band_holds_on_every_lesson_seed_and_100_does_not():
    # The lesson's check: seed 0 and MORE_SEEDS. Measured there: 0.5 to 10 within 4-14% per seed;
    # 100 more than twice the loss of 5 on seeds 1 and 3; lr 2 with 5 worse than with 0.5 and than
    # lr 0.1 with 5 on all five. On ten fresh seeds (100-109): the band 0.5-10 within 30% on all ten,
    # 100 more than twice on five of them, and lr 2 with 5 lost both comparisons on seven (on 104, 105
    # and 107 it beat lr 0.1 with 5).
    seeds = (0, *MORE_SEEDS)
    far_worse, lost = [], []
    for seed in seeds:
        band = [outlier_run("norm", t, seed=seed)[1] for t in BAND]
        mid, high = outlier_run("norm", 5.0, seed=seed)[1], outlier_run("norm", 100.0, seed=seed)[1]
        assert max(band) < 1.2 * min(band), (seed, band)
        if high > 2 * mid:
            far_worse.append(seed)
        big_tight = outlier_run("norm", 0.5, lr=2.0, seed=seed)[1]
        big_loose = outlier_run("norm", 5.0, lr=2.0, seed=seed)[1]
        if big_loose > big_tight and big_loose > mid:
            lost.append(seed)
    assert far_worse, "threshold 100 ended alike on every seed: the lesson says it did not"
    assert len(lost) >= len(seeds) - 1, lost
