"""Claims of lesson 02 (solutions/02_exploding), each rerun over several seeds."""

from __future__ import annotations

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
    GradNormMonitor,
    make_loader,
    make_regression,
    seed_everything,
    train,
)

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
LR_SANE, WARMUP_STEPS, RECOVERY_STEPS, OUTLIER = lesson_settings(
    "02_exploding", "LR_SANE", "WARMUP_STEPS", "RECOVERY_STEPS", "OUTLIER"
)
DEPTH, WIDTH, SCALES = lesson_settings("02_exploding", "DEPTH", "WIDTH", "SCALES")
LR_BIG, EPOCHS, BATCH = lesson_settings("02_exploding", "LR_BIG", "EPOCHS", "BATCH")
MAX_NORM = lesson_settings("02_exploding", "MAX_NORM")
SWEEP_LRS, SWEEP_SEEDS = lesson_settings("02_exploding", "SWEEP_LRS", "SWEEP_SEEDS")
INIT_SETTINGS = lesson_settings("02_exploding", "INIT_SETTINGS")


def _data(seed):
    return make_regression(n_samples=256, n_features=8, seed=seed)


@pytest.mark.claim("02-one-bad-step")
@pytest.mark.parametrize("seed", SEEDS)
def test_one_corrupted_batch_jumps_the_loss_and_it_does_not_recover(seed):
    X, y = _data(seed)
    seed_everything(seed)
    model = MLP(8, 1, hidden=32, depth=2)
    opt = torch.optim.SGD(model.parameters(), lr=LR_SANE)

    def grad_norm(xb, yb):
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        return torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item()

    def step(xb, yb):
        n = grad_norm(xb, yb)
        opt.step()
        return n

    def full_loss():
        with torch.no_grad():
            return F.mse_loss(model(X), y).item()

    for _ in range(WARMUP_STEPS):
        step(X, y)
    before = full_loss()
    clean = grad_norm(X[:32], y[:32])
    y_bad = y[:32].clone()
    y_bad[0] = OUTLIER
    bad = step(X[:32], y_bad)
    after = full_loss()
    for _ in range(RECOVERY_STEPS):
        step(X, y)
    recovered = full_loss()
    assert bad > 100 * clean, f"bad/clean norm ratio only {bad / clean:.3g}"
    assert after > 100 * before, f"loss jump only {after / before:.3g}x"
    assert recovered > 2 * before, f"recovered to {recovered / before:.3g}x the loss before"


def _backward_signal(model, xb, yb):
    hidden, h = [], xb
    for i, layer in enumerate(model.linears):
        h = layer(h)
        if i < len(model.linears) - 1:
            h = model.activation(h)
            h.retain_grad()
            hidden.append(h)
    F.mse_loss(h, yb).backward()
    return [t.grad.norm().item() for t in hidden]


def _linear_net(seed, scale):
    X, y = _data(seed)
    seed_everything(seed)
    net = MLP(8, 1, hidden=WIDTH, depth=DEPTH, activation="identity", init="normal", init_scale=scale)
    return net, _backward_signal(net, X, y)


@pytest.mark.claim("02-signal-exponential")
@pytest.mark.parametrize("seed", SEEDS)
def test_backward_signal_grows_or_shrinks_by_about_the_scale_per_layer(seed):
    for scale in SCALES:
        _, norms = _linear_net(seed, scale)
        ratio = norms[0] / norms[-1]
        per_layer = ratio ** (1 / (DEPTH - 1))
        if scale == 1.0:
            assert 1 / 20 < ratio < 20, f"scale 1: first/last {ratio:.3g}"
        else:
            assert 0.85 * scale < per_layer < 1.15 * scale, f"scale {scale}: per layer {per_layer:.3g}"
            # and the log-norm is close to a straight line (exponential in depth)
            logs = np.log(norms)
            slope, icpt = np.polyfit(np.arange(DEPTH), logs, 1)
            resid = logs - (slope * np.arange(DEPTH) + icpt)
            assert np.max(np.abs(resid)) < math.log(10), f"scale {scale}: not exponential"
    assert _linear_net(seed, 2.0)[1][0] / _linear_net(seed, 2.0)[1][-1] > 1e5
    assert _linear_net(seed, 0.5)[1][0] / _linear_net(seed, 0.5)[1][-1] < 1e-5


@pytest.mark.claim("02-global-norm-scale")
@pytest.mark.parametrize("seed", SEEDS)
def test_linear_net_weight_gradients_are_level_but_scale_with_init(seed):
    totals = {}
    for scale in SCALES:
        net, _ = _linear_net(seed, scale)
        w = [layer.weight.grad.norm().item() for layer in net.linears]
        assert max(w) / min(w) < 20, f"scale {scale}: layers spread {max(w) / min(w):.3g}"
        totals[scale] = math.sqrt(sum(v * v for v in w))
    # The lesson (seed 0): 2**45 times the scale-1 total at s = 2 (s**(2 depth + 1) = 2**49 for
    # depth 24), 2**-24 at s = 0.5 (s**depth); 2**45.1 to 2**49.0 and 2**-25.7 to 2**-23.5 on seeds 0-14.
    up, down = math.log2(totals[2.0] / totals[1.0]), math.log2(totals[0.5] / totals[1.0])
    assert 42 < up < 51, f"s = 2: the total grew 2**{up:.1f} times"
    assert -27 < down < -21, f"s = 0.5: the total shrank to 2**{down:.1f} times"


@pytest.mark.claim("02-init-flattens")
@pytest.mark.parametrize("seed", SEEDS)
def test_xavier_and_he_keep_layer_gradients_level(seed):
    X, y = _data(seed)
    out = {}
    by_init = {}
    for kwargs in INIT_SETTINGS.values():  # keyed by the lesson's labels; found here by init
        seed_everything(seed)
        net = MLP(8, 1, hidden=WIDTH, depth=DEPTH, **kwargs)
        F.mse_loss(net(X), y).backward()
        by_init[kwargs["init"]] = [layer.weight.grad.norm().item() for layer in net.linears[:-1]]
    assert set(by_init) == {"normal", "default", "xavier", "he"}, f"the lesson compares {sorted(by_init)}"
    out = by_init
    n3, d = out["normal"], out["default"]
    # The lesson's seed: 298, 1.49e-5, 3.47 and 8.3. On twenty seeds (0-4, 100-114): scale 3 first/last
    # 133 to 1370; default first/last 3.3e-6 to 1.7e-3; Xavier's spread at most 7.5, He's at most 17.9.
    assert n3[0] / n3[-1] > 100, f"scale 3 first/last {n3[0] / n3[-1]:.3g}"
    assert d[0] / d[-1] < 1e-2 and max(d) / min(d) > 100, f"default first/last {d[0] / d[-1]:.3g}"
    for key in ("xavier", "he"):
        spread = max(out[key]) / min(out[key])
        assert spread < 20, f"{key}: largest/smallest {spread:.3g}"


def _monitored_run(seed, lr, data_seed=None):
    """The lesson's monitored run: data of ``data_seed`` (default: ``seed``), initialisation and batch
    order of ``seed``."""
    X, y = _data(seed if data_seed is None else data_seed)
    seed_everything(seed)
    model = MLP(8, 1, hidden=32, depth=2)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    monitor = GradNormMonitor()
    for epoch in range(EPOCHS):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            total = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
            monitor.record(total, loss=loss, epoch=epoch)
            if not (math.isfinite(loss.item()) and math.isfinite(total.item())):
                return monitor
            opt.step()
    return monitor


@pytest.mark.claim("02-big-lr-blows-up")
@pytest.mark.parametrize("seed", SEEDS)
def test_big_lr_spikes_early_then_goes_nonfinite_and_sane_lr_learns(seed):
    big = _monitored_run(seed, LR_BIG)
    spikes, bad = big.spikes(), big.nonfinite_steps()
    assert bad, "the lr 0.5 run never became non-finite"
    # The lesson's run: first spike at step 3, non-finite at 26. On twenty seeds (0-4, 100-114): first
    # spike at step 3 to 9, the first non-finite step 9 to 23 steps after it.
    assert spikes and spikes[0] <= 10, f"first spike at {spikes[:1]}"
    assert bad[0] - spikes[0] >= 5, f"spike at {spikes[0]}, non-finite at {bad[0]}"
    # Once it fires, the rule keeps firing: the median lags the climb (the lesson's run: every step
    # from 3 to 25). On the twenty seeds every step from the first spike to the last finite one was a
    # spike on 19; on seed 111 one step (8) of 17 was not.
    climb = range(spikes[0], bad[0])
    missed = [t for t in climb if t not in spikes]
    assert len(missed) <= 1, f"steps {missed} of the climb {spikes[0]}..{bad[0] - 1} were not spikes"
    sane = _monitored_run(seed, LR_SANE)
    assert len(sane) == EPOCHS * 256 // BATCH
    assert not sane.spikes() and not sane.nonfinite_steps()
    losses = sane.history.losses
    assert losses[-10:].mean() < 0.5 * losses[:10].mean()


@pytest.mark.claim("02-norm-and-loss-spike-together")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_same_spike_rule_fires_on_the_loss_as_early_as_on_the_norm(seed):
    big = _monitored_run(seed, LR_BIG)
    norm, loss = big.spikes(), big.loss_spikes()
    assert norm and loss, f"norm spikes {norm[:3]}, loss spikes {loss[:3]}"
    # The lesson's run: both at step 3. On fifteen seeds of data and initialisation: the same step on
    # twelve, the loss one step after the norm on three; never more.
    assert 0 <= loss[0] - norm[0] <= 1, f"first norm spike {norm[0]}, first loss spike {loss[0]}"


def _top_curvature(model, X, y, tol=1e-3, max_iters=2000):
    """The lesson's power iteration on Hessian-vector products of the full-batch loss, stopped once v
    is an eigenvector to a thousandth."""
    params = list(model.parameters())
    grads = torch.autograd.grad(F.mse_loss(model(X), y), params, create_graph=True)
    v = [torch.randn_like(p) for p in params]
    for _ in range(max_iters):
        length = torch.sqrt(sum((u * u).sum() for u in v))
        v = [u / length for u in v]
        hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
        curvature = sum((h * u).sum() for h, u in zip(hv, v)).item()
        residual = torch.sqrt(sum(((h - curvature * u) ** 2).sum() for h, u in zip(hv, v))).item()
        if residual < tol * abs(curvature):
            return curvature
        v = [h.detach() for h in hv]
    raise AssertionError(f"power iteration did not converge in {max_iters} iterations")


def _blows_up(monitor):
    losses = monitor.history.losses
    return bool(monitor.nonfinite_steps()) or bool(losses.max() > 1000 * losses[0])


def _edge(seed, data_seed):
    X, y = _data(data_seed)
    seed_everything(seed)
    return 2 / _top_curvature(MLP(8, 1, hidden=32, depth=2), X, y)


@pytest.mark.claim("02-stability-edge")
@pytest.mark.parametrize("seed", SEEDS)
def test_runs_well_below_two_over_lambda_max_train_and_well_above_blow_up(seed):
    assert SWEEP_SEEDS == (0, 1, 2) and 0.15 in SWEEP_LRS and 0.3 in SWEEP_LRS
    # The lesson's data (seed 0), this seed's initialisation and batch order. Measured on twenty seeds
    # (0-4, 100-114): 2/lambda_max 0.217 to 0.266; every run above it blew up; every run at lr 0.15 or
    # below was stable; at 0.2 and 0.25 some runs below their edge blew up too (the lesson's seed 2).
    edge = _edge(seed, data_seed=0)
    assert 0.2 < edge < 0.3, f"2/lambda_max = {edge:.3f}"
    for lr in SWEEP_LRS:
        blew = _blows_up(_monitored_run(seed, lr, data_seed=0))
        if lr > edge:
            assert blew, f"lr {lr} > 2/lambda_max = {edge:.3f}, but the run was stable"
        if lr <= 0.15:
            assert not blew, f"lr {lr} blew up (2/lambda_max = {edge:.3f})"
    # Other data too (data seed = seed). Measured on the same twenty seeds: 2/lambda_max 0.178 to 0.437,
    # between the lesson's two learning rates; runs at half of it or less stable, at 1.5 times it or
    # more blown up (one run just above it, 1.1 times, was stable).
    edge = _edge(seed, data_seed=seed)
    assert LR_SANE < edge < LR_BIG, f"2/lambda_max = {edge:.3f}"
    for lr in SWEEP_LRS:
        if lr <= 0.5 * edge or lr >= 1.5 * edge:
            blew = _blows_up(_monitored_run(seed, lr))
            assert blew == (lr >= 1.5 * edge), (
                f"lr {lr}: {'blew up' if blew else 'stable'} (2/lambda_max {edge:.3f})"
            )


def _train_run(seed, lr, clip=None, record_layer_norms=False):
    X, y = _data(seed)
    seed_everything(seed)
    model = MLP(8, 1, hidden=32, depth=2)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    return train(
        model,
        loader,
        F.mse_loss,
        opt,
        epochs=EPOCHS,
        clip=clip,
        record_layer_norms=record_layer_norms,
        progress=False,
    )


@pytest.mark.claim("02-all-layers-grow")
@pytest.mark.parametrize("seed", SEEDS)
def test_every_parameter_gradient_grows_in_the_big_lr_run(seed):
    h = _train_run(seed, LR_BIG, record_layer_norms=True)
    assert h.first_nonfinite_step is not None
    for name, series in h.layer_norms.items():
        finite = [v for v in series if math.isfinite(v)]
        assert max(finite) / series[0] > 1000, f"{name} grew only {max(finite) / series[0]:.3g}x"


@pytest.mark.claim("02-clip-vs-cause")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_big_lr_finite_but_a_sane_lr_does_better(seed):
    clipped = _train_run(seed, LR_BIG, clip=ClipByNorm(MAX_NORM))
    sane = _train_run(seed, LR_SANE)
    assert len(clipped) == EPOCHS * 256 // BATCH and clipped.first_nonfinite_step is None
    # The lesson's run (seed 0) clips every step; on twenty seeds (0-4, 100-114) 70% to 100% of them,
    # and the clipped run's final loss is 2.0 to 5.8 times the sane run's.
    assert clipped.clip_rate >= 0.6, f"clip rate {clipped.clip_rate:.2f}"
    assert clipped.losses[-10:].mean() > sane.losses[-10:].mean()
