"""Claims of lessons 07 (solutions/07_pitfalls) and 07b (solutions/07b_production, on lesson 07's test
bench; its distributed claims are in test_07b_distributed.py), each rerun over several seeds."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils import MLP, GradNormMonitor, make_regression, seed_everything

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
N_SAMPLES, N_FEATURES, HIDDEN, BATCH = lesson_settings(
    "07_pitfalls", "N_SAMPLES", "N_FEATURES", "HIDDEN", "BATCH"
)
STEPS, LR, MAX_NORM = lesson_settings("07_pitfalls", "STEPS", "LR", "MAX_NORM")
TIGHT_NORM = lesson_settings("07_pitfalls", "TIGHT_NORM")
VALUE_CLIP = lesson_settings("07_pitfalls", "VALUE_CLIP")
HIGH_LR = lesson_settings("07_pitfalls", "HIGH_LR")
ADAM_LR = lesson_settings("07_pitfalls", "ADAM_LR")
THRESHOLDS = lesson_settings("07b_production", "THRESHOLDS")
BAD_STEP = lesson_settings("07_pitfalls", "BAD_STEP")
AMP_DTYPE, INIT_SCALE = lesson_settings("07b_production", "AMP_DTYPE", "INIT_SCALE")
ACCUM, ACCUM_MAX_NORM = lesson_settings("07_pitfalls", "ACCUM", "ACCUM_MAX_NORM")
PROD_STEPS, WARMUP, PROD_LR, PROD_BAD_STEP, PROD_MAX_NORM, PROD_ACCUM = lesson_settings(
    "07b_production", "PROD_STEPS", "WARMUP", "PROD_LR", "PROD_BAD_STEP", "PROD_MAX_NORM", "PROD_ACCUM"
)
MOMENTUM = lesson_settings("07_pitfalls", "MOMENTUM")
SPIKE_STEP, SPIKE_FACTOR = lesson_settings("07b_production", "SPIKE_STEP", "SPIKE_FACTOR")
#: Lesson 07b runs on lesson 07's test bench: the settings both lessons hold (checked below).
BENCH = ("N_SAMPLES", "N_FEATURES", "HIDDEN", "BATCH", "STEPS", "LR", "MAX_NORM", "ADAM_LR")


def test_lesson_07b_runs_on_lesson_07s_bench():
    # The claims of 07b use the bench settings read from 07: they must be 07b's too.
    assert lesson_settings("07b_production", *BENCH) == lesson_settings("07_pitfalls", *BENCH)


def make_problem(seed=0, depth=2):
    X, y = make_regression(N_SAMPLES, N_FEATURES, seed=seed)
    seed_everything(seed)
    return X, y, MLP(N_FEATURES, 1, hidden=HIDDEN, depth=depth)


def batch_indices(seed, steps=STEPS):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, N_SAMPLES, (BATCH,), generator=g) for _ in range(steps)]


def full_loss(model, X, y):
    with torch.no_grad():
        return F.mse_loss(model(X), y).item()


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double()


def run(seed=0, lr=LR, max_norm=None, optimizer="sgd", steps=STEPS, depth=2):
    X, y, model = make_problem(seed, depth)
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    start, clipped = full_loss(model, X, y), 0
    for idx in batch_indices(seed, steps):
        opt.zero_grad()
        F.mse_loss(model(X[idx]), y[idx]).backward()
        if max_norm is not None:
            clipped += int(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm) > max_norm)
        opt.step()
    return {"start": start, "final": full_loss(model, X, y), "clip_rate": clipped / steps}


def _grad_norm_at_step(opt):
    grads = [p.grad for g in opt.param_groups for p in g["params"] if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads).item()


@pytest.mark.claim("07-wrong-place-no-effect")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_before_backward_or_after_step_changes_nothing(seed):
    def update(where):
        X, y, model = make_problem(seed)
        idx = batch_indices(seed, 1)[0]
        before = flat_params(model)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        opt.zero_grad()
        loss = F.mse_loss(model(X[idx]), y[idx])
        if where == "before backward":
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        loss.backward()
        if where == "correct":
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        opt.step()
        if where == "after step":
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        return flat_params(model) - before

    none = update("none")
    assert torch.equal(update("before backward"), none)
    assert torch.equal(update("after step"), none)
    correct = update("correct")
    assert none.norm().item() > LR * MAX_NORM * 1.5, "the lesson's step must actually need clipping"
    assert not torch.equal(correct, none)
    assert correct.norm().item() == pytest.approx(LR * MAX_NORM, rel=1e-4)


@pytest.mark.claim("07-too-tight-stalls")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_far_too_low_threshold_stalls_training(seed):
    tight, sane = run(seed, max_norm=TIGHT_NORM), run(seed, max_norm=MAX_NORM)
    assert tight["clip_rate"] == 1.0
    assert 1 - tight["final"] / tight["start"] < 0.05
    assert 1 - sane["final"] / sane["start"] > 0.90


def direction_run(seed, mode, clip_value=VALUE_CLIP):
    X, y, model = make_problem(seed)
    params = list(model.parameters())
    cosines = []
    for idx in batch_indices(seed):
        for p in params:
            p.grad = None
        F.mse_loss(model(X[idx]), y[idx]).backward()
        g = torch.cat([p.grad.reshape(-1) for p in params])
        v = g.clamp(-clip_value, clip_value)
        cosines.append(F.cosine_similarity(g, v, dim=0).item())
        used = v if mode == "value" else g * (v.norm() / g.norm())
        with torch.no_grad():
            offset = 0
            for p in params:
                p -= LR * used[offset : offset + p.numel()].view_as(p)
                offset += p.numel()
    return full_loss(model, X, y), sum(cosines) / len(cosines)


@pytest.mark.claim("07-value-direction-costs")
@pytest.mark.parametrize("seed", SEEDS)
def test_value_clipping_direction_costs_at_equal_step_length(seed):
    value_loss, mean_cos = direction_run(seed, "value")
    norm_loss, _ = direction_run(seed, "norm")
    assert mean_cos < 0.8
    assert value_loss > 1.5 * norm_loss


@pytest.mark.claim("07-clip-hides-lr")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_does_not_make_a_too_large_learning_rate_good(seed):
    high = run(seed, lr=HIGH_LR)
    assert not math.isfinite(high["final"]) or high["final"] > high["start"]
    clipped, sane = run(seed, lr=HIGH_LR, max_norm=MAX_NORM), run(seed)
    assert math.isfinite(clipped["final"])
    assert clipped["final"] >= 2 * sane["final"]


def nonfinite_run(seed, skip):
    X, y, model = make_problem(seed)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    skipped = 0
    for step, idx in enumerate(batch_indices(seed)):
        x = X[idx].clone()
        if step == BAD_STEP:
            x[0, 0] = math.nan
        opt.zero_grad()
        F.mse_loss(model(x), y[idx]).backward()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        if skip and not torch.isfinite(total):
            skipped += 1
            continue
        opt.step()
    finite = all(torch.isfinite(p).all().item() for p in model.parameters())
    return full_loss(model, X, y), skipped, finite


@pytest.mark.claim("07-skip-nonfinite")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_cannot_rescue_nan_but_skipping_can(seed):
    _, _, naive_finite = nonfinite_run(seed, skip=False)
    assert not naive_finite
    loss, skipped, finite = nonfinite_run(seed, skip=True)
    assert finite and skipped == 1
    clean = run(seed, max_norm=MAX_NORM)["final"]
    assert abs(loss - clean) <= 0.2 * clean


def amp_step_demo(seed, unscale_first, init_scale=INIT_SCALE):
    X, y, model = make_problem(seed)
    idx = batch_indices(seed, 1)[0]
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    seen_at_step = []
    original = opt.step
    opt.step = lambda *a, **k: (seen_at_step.append(_grad_norm_at_step(opt)), original(*a, **k))[1]
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)
    with torch.autocast("cpu", dtype=AMP_DTYPE):
        loss = F.mse_loss(model(X[idx]).float(), y[idx])
    scaler.scale(loss).backward()
    if unscale_first:
        scaler.unscale_(opt)
    seen = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM).item()
    scaler.step(opt)
    scaler.update()
    return seen, seen_at_step


@pytest.mark.claim("07-amp-default-overflows")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_default_scale_overflows_on_the_first_step(seed):
    _, applied = amp_step_demo(seed, True, init_scale=2.0**16)
    if seed == 0:
        assert applied == [], "the lesson's seed: the first step is skipped"
    else:  # other seeds may or may not overflow; a step that is taken uses the clipped true gradient
        assert applied == [] or applied[0] == pytest.approx(MAX_NORM, rel=1e-4)


@pytest.mark.claim("07-amp-unscale")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_scaled_gradients_clips_the_wrong_amount(seed):
    wrong_seen, wrong_applied = amp_step_demo(seed, False)
    right_seen, right_applied = amp_step_demo(seed, True)
    assert right_seen > MAX_NORM, "the lesson's step must need clipping"
    assert wrong_seen / right_seen == pytest.approx(INIT_SCALE, rel=1e-2)
    assert wrong_applied[0] == pytest.approx(MAX_NORM / INIT_SCALE, rel=1e-3)
    assert right_applied[0] == pytest.approx(MAX_NORM, rel=1e-4)


@pytest.mark.claim("07-accumulation-once")
@pytest.mark.parametrize("seed", SEEDS)
def test_per_micro_batch_clipping_gives_a_different_update(seed):
    def update(per_micro):
        X, y, model = make_problem(seed)
        before = flat_params(model)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        opt.zero_grad()
        for micro in batch_indices(seed, 1)[0].chunk(ACCUM):
            (F.mse_loss(model(X[micro]), y[micro]) / ACCUM).backward()
            if per_micro:
                torch.nn.utils.clip_grad_norm_(model.parameters(), ACCUM_MAX_NORM)
        if not per_micro:
            torch.nn.utils.clip_grad_norm_(model.parameters(), ACCUM_MAX_NORM)
        norm = _grad_norm_at_step(opt)
        opt.step()
        return flat_params(model) - before, norm

    once, once_norm = update(False)
    each, each_norm = update(True)
    assert once_norm == pytest.approx(ACCUM_MAX_NORM, rel=1e-4)
    assert each_norm == pytest.approx(ACCUM_MAX_NORM, rel=1e-4)
    assert F.cosine_similarity(once, each, dim=0).item() < 0.99
    assert ((once - each).norm() / once.norm()).item() > 0.05


@pytest.mark.claim("07-adam-insensitive")
@pytest.mark.parametrize("seed", SEEDS)
def test_adam_reacts_to_the_threshold_far_less_than_sgd(seed):
    def first_update(optimizer, max_norm):
        X, y, model = make_problem(seed)
        before = flat_params(model)
        opt = (
            torch.optim.SGD(model.parameters(), lr=LR)
            if optimizer == "sgd"
            else torch.optim.Adam(model.parameters(), lr=ADAM_LR)
        )
        idx = batch_indices(seed, 1)[0]
        F.mse_loss(model(X[idx]), y[idx]).backward()
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
        return (flat_params(model) - before).norm().item()

    adam_free = first_update("adam", None)
    sgd_free = first_update("sgd", None)
    for t in THRESHOLDS:
        assert first_update("adam", t) == pytest.approx(adam_free, rel=0.01)
        assert first_update("sgd", t) == pytest.approx(min(sgd_free, LR * t), rel=1e-3)
    adam_unclipped = run(seed, lr=ADAM_LR, optimizer="adam")["final"]
    for t in THRESHOLDS:
        final = run(seed, lr=ADAM_LR, max_norm=t, optimizer="adam")["final"]
        assert final <= 2 * adam_unclipped
        if seed == 0:  # "here every clipped run ends at or below the unclipped 0.164"
            assert final <= adam_unclipped
    sgd_tight = run(seed, max_norm=THRESHOLDS[-1])
    assert sgd_tight["final"] > 0.5 * sgd_tight["start"], "SGD at the tightest threshold has barely moved"


def production_run(seed, steps=PROD_STEPS, max_norm=PROD_MAX_NORM, bad_step=PROD_BAD_STEP):
    X, y, model = make_problem(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=PROD_LR)
    scaler = torch.amp.GradScaler("cpu", init_scale=INIT_SCALE)
    monitor = GradNormMonitor(max_norm)
    skipped = 0
    for step, idx in enumerate(batch_indices(seed, steps)):
        for group in opt.param_groups:
            group["lr"] = PROD_LR * min(1.0, (step + 1) / WARMUP)
        opt.zero_grad(set_to_none=True)
        batch_loss = 0.0
        for k, micro in enumerate(idx.chunk(PROD_ACCUM)):
            x = X[micro].clone()
            if step == bad_step and k == 0:
                x[0, 0] = math.inf
            with torch.autocast("cpu", dtype=AMP_DTYPE):
                loss = F.mse_loss(model(x).float(), y[micro]) / PROD_ACCUM
            scaler.scale(loss).backward()
            batch_loss += loss.detach()
        scaler.unscale_(opt)
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        monitor.record(total, loss=batch_loss)
        if torch.isfinite(total):
            scaler.step(opt)
        else:
            skipped += 1
        scaler.update()
    return monitor, skipped, full_loss(model, X, y)


@pytest.mark.claim("07-production-loop")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_production_loop_logs_skips_and_learns(seed):
    monitor, skipped, final = production_run(seed)
    X, y, model = make_problem(seed)
    start = full_loss(model, X, y)
    assert len(monitor) == PROD_STEPS
    assert skipped == 1 and monitor.nonfinite_steps() == [PROD_BAD_STEP]
    assert math.isfinite(final) and final < 0.1 * start


@pytest.mark.claim("07-myth-direction")
@pytest.mark.parametrize("seed", SEEDS)
def test_norm_clipping_keeps_the_direction(seed):
    X, y, model = make_problem(seed)
    F.mse_loss(model(X), y).backward()
    before = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).double()
    raw = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.01).item()
    after = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).double()
    assert raw > 100 * 0.01
    assert abs(F.cosine_similarity(before, after, dim=0).item() - 1) < 1e-6


@pytest.mark.claim("07-myth-not-always-needed")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_shallow_model_trains_fine_without_clipping(seed):
    free, clipped = run(seed, depth=1), run(seed, depth=1, max_norm=MAX_NORM)
    assert 1 - free["final"] / free["start"] > 0.95
    assert free["final"] <= clipped["final"] * 1.0001


@pytest.mark.claim("07-default-threshold-costs")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_default_threshold_clips_most_steps_and_ends_above_no_clipping(seed):
    # Measured on seeds 0-4 and ten fresh seeds (100-109): the clipped run ended above the unclipped
    # one on all 15; its clip rate was 29% to 100% (84% on the lesson's seed 0).
    clipped, free = run(seed, max_norm=MAX_NORM), run(seed)
    assert clipped["final"] > free["final"]
    assert clipped["clip_rate"] > 0.25
    if seed == 0:
        assert clipped["clip_rate"] == pytest.approx(0.84)
        assert (round(clipped["final"], 3), round(free["final"], 3)) == (0.208, 0.138)


def momentum_step_lengths(seed, steps=STEPS, max_norm=MAX_NORM, momentum=MOMENTUM):
    slope = 100 * torch.randn(N_FEATURES, generator=torch.Generator().manual_seed(seed))
    w = torch.nn.Parameter(torch.zeros(N_FEATURES))
    opt = torch.optim.SGD([w], lr=LR, momentum=momentum)
    lengths = []
    for _ in range(steps):
        opt.zero_grad()
        (slope @ w).backward()
        torch.nn.utils.clip_grad_norm_([w], max_norm)
        before = w.detach().clone()
        opt.step()
        lengths.append((w.detach() - before).norm().item())
    return lengths


@pytest.mark.claim("07-momentum-step-length")
@pytest.mark.parametrize("seed", SEEDS)
def test_with_momentum_a_clipped_step_grows_to_lr_max_norm_over_one_minus_beta(seed):
    lengths = momentum_step_lengths(seed)
    for k, length in enumerate(lengths, start=1):
        expected = LR * MAX_NORM * (1 - MOMENTUM**k) / (1 - MOMENTUM)
        assert length == pytest.approx(expected, rel=1e-4)
    assert lengths[0] == pytest.approx(LR * MAX_NORM, rel=1e-4)
    assert lengths[-1] == pytest.approx(LR * MAX_NORM / (1 - MOMENTUM), rel=1e-4)


def _scaled_backward(model, X, y, idx, scaler):
    with torch.autocast("cpu", dtype=AMP_DTYPE):
        loss = F.mse_loss(model(X[idx]).float(), y[idx])
    scaler.scale(loss).backward()


def _overflow_step(seed, init_scale, error_if_nonfinite=False):
    X, y, model = make_problem(seed)
    opt, idx = torch.optim.SGD(model.parameters(), lr=LR), batch_indices(seed, 1)[0]
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)
    _scaled_backward(model, X, y, idx, scaler)
    scaler.unscale_(opt)
    before = flat_params(model)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM, error_if_nonfinite=error_if_nonfinite)
    zero_or_nan = all(((p.grad == 0) | p.grad.isnan()).all().item() for p in model.parameters())
    scale = scaler.get_scale()
    scaler.step(opt)
    scaler.update()
    return norm.item(), zero_or_nan, torch.equal(before, flat_params(model)), scale, scaler.get_scale()


@pytest.mark.claim("07-amp-rules")
@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_precision_rules_unscale_once_overflow_skipped_no_error_if_nonfinite(seed):
    X, y, model = make_problem(seed)
    opt, idx = torch.optim.SGD(model.parameters(), lr=LR), batch_indices(seed, 1)[0]
    scaler = torch.amp.GradScaler("cpu", init_scale=INIT_SCALE)
    _scaled_backward(model, X, y, idx, scaler)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    # An overflow step: the lesson's seed overflows at the default scale 2**16 (claim
    # 07-amp-default-overflows); other seeds may need a larger scale to overflow.
    for init_scale in (2.0**16, 2.0**20, 2.0**24):
        norm, zero_or_nan, unchanged, scale, new_scale = _overflow_step(seed, init_scale)
        if not math.isfinite(norm):
            break
        assert seed != 0, "the lesson's seed overflows at 2**16"
    assert not math.isfinite(norm), "no scale up to 2**24 overflowed"
    assert zero_or_nan and unchanged and new_scale == scale / 2
    with pytest.raises(RuntimeError, match="non-finite"):
        _overflow_step(seed, init_scale, error_if_nonfinite=True)


def adam_spike_run(seed, spike=True, max_norm=None, steps=STEPS):
    X, y, model = make_problem(seed)
    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR)
    beta2, eps = opt.defaults["betas"][1], opt.defaults["eps"]
    rates, updates, losses = [], [], []
    for step, idx in enumerate(batch_indices(seed, steps)):
        opt.zero_grad()
        loss = F.mse_loss(model(X[idx]), y[idx])
        (loss * (SPIKE_FACTOR if spike and step == SPIKE_STEP else 1.0)).backward()
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        before = flat_params(model)
        opt.step()
        updates.append((flat_params(model) - before).norm().item())
        v = torch.cat([opt.state[p]["exp_avg_sq"].reshape(-1) for p in model.parameters()])
        v_hat = v / (1 - beta2 ** (step + 1))
        rates.append((ADAM_LR / (v_hat.sqrt() + eps)).median().item())
        losses.append(full_loss(model, X, y))
    adam_spike_run.updates, adam_spike_run.losses = updates, losses
    return rates, full_loss(model, X, y)


@pytest.mark.claim("07-adam-spike-damps")
@pytest.mark.parametrize("seed", SEEDS)
def test_one_spike_damps_adams_later_steps_unless_clipped(seed):
    # Measured on seeds 0-4 and 100-102: unclipped, the ratio was 0.13-0.29 right after the spike and
    # 0.15-0.31 at the last step, and the final loss rose 1.3-2.6 times; clipped at 1, the ratio
    # stayed within 3.4% of 1 and the final loss within 1.4%.
    (plain, plain_loss) = adam_spike_run(seed, False)
    plain_updates = adam_spike_run.updates
    plain_losses = adam_spike_run.losses
    (spiked, spiked_loss) = adam_spike_run(seed, True)
    spiked_updates, spiked_losses = adam_spike_run.updates, adam_spike_run.losses
    # the spike's own update is longer (m takes it in): 2.57 times on seed 0, 1.45 to 3.92 on seeds 100-109
    assert spiked_updates[SPIKE_STEP] > 1.3 * plain_updates[SPIKE_STEP]
    # and the next three, while m still holds it (2.22, 2.06, 1.94 on seed 0)
    assert all(spiked_updates[k] > plain_updates[k] for k in range(SPIKE_STEP + 1, SPIKE_STEP + 4))
    if seed == 0:
        update_ratios = [
            round(spiked_updates[k] / plain_updates[k], 2) for k in range(SPIKE_STEP, SPIKE_STEP + 4)
        ]
        assert update_ratios == [2.57, 2.22, 2.06, 1.94], update_ratios
        loss_ratios = [s / p for s, p in zip(spiked_losses, plain_losses)]
        peak = max(range(STEPS), key=loss_ratios.__getitem__)
        assert (peak, round(loss_ratios[peak], 2), round(loss_ratios[SPIKE_STEP + 10], 2)) == (45, 5.55, 3.55)
    (cplain, cplain_loss), (cspiked, cspiked_loss) = (
        adam_spike_run(seed, False, MAX_NORM),
        adam_spike_run(seed, True, MAX_NORM),
    )
    assert spiked[SPIKE_STEP - 1] == plain[SPIKE_STEP - 1]
    ratios = [a / b for a, b in zip(spiked[SPIKE_STEP:], plain[SPIKE_STEP:])]
    assert max(ratios) < 0.5, "the spike damps every later step"
    assert spiked_loss > 1.2 * plain_loss
    clipped_ratios = [a / b for a, b in zip(cspiked[SPIKE_STEP:], cplain[SPIKE_STEP:])]
    assert all(abs(r - 1) < 0.05 for r in clipped_ratios)
    assert cspiked_loss == pytest.approx(cplain_loss, rel=0.05)
    if seed == 0:
        adam_spike_run(seed, False, MAX_NORM)
        cplain_updates = adam_spike_run.updates
        adam_spike_run(seed, True, MAX_NORM)
        cspiked_updates = adam_spike_run.updates
        # the spike is that step's gradient times 100: clipped, it is the same step up to rounding
        assert max(abs(a / b - 1) for a, b in zip(cspiked_updates, cplain_updates)) < 1e-6
        assert [round(spiked[k] / plain[k], 3) for k in (SPIKE_STEP, STEPS - 1)] == [0.132, 0.150]
        assert (round(plain_loss, 3), round(spiked_loss, 3), round(cspiked_loss, 3)) == (0.164, 0.414, 0.113)
