"""Claims of lesson 03 (solutions/03_rnn), each rerun over several seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils import (
    ClipByNorm,
    VanillaRNN,
    make_adding_problem,
    make_loader,
    seed_everything,
    spectral_radius,
    train,
)
from course_utils.landscape import cliff_loss, gradient_descent_2d

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
HIDDEN, RHOS, LENGTHS = lesson_settings("03_rnn", "HIDDEN", "RHOS", "LENGTHS")
CLIFF_START, CLIFF_LR, CLIFF_STEPS, CLIFF_MAX_NORM = lesson_settings(
    "03_rnn", "CLIFF_START", "CLIFF_LR", "CLIFF_STEPS", "CLIFF_MAX_NORM"
)
SEQ_LEN, N_SAMPLES, BATCH = lesson_settings("03_rnn", "SEQ_LEN", "N_SAMPLES", "BATCH")
RNN_HIDDEN, INIT_RHO, LR, MOMENTUM, EPOCHS, RNN_MAX_NORM = lesson_settings(
    "03_rnn", "RNN_HIDDEN", "INIT_RHO", "LR", "MOMENTUM", "EPOCHS", "RNN_MAX_NORM"
)
GATE_T, GATE_HIDDEN, GATE_BIAS = lesson_settings("03_rnn", "GATE_T", "GATE_HIDDEN", "GATE_BIAS")


def random_recurrent_matrix(n, rho, seed):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(n, n, generator=g, dtype=torch.float64) / math.sqrt(n)
    return W * (rho / spectral_radius(W))


def first_hidden_grad_norm(W, U, T, seed):
    g = torch.Generator().manual_seed(seed + 1)
    readout = torch.randn(W.shape[0], generator=g, dtype=torch.float64)
    readout = readout / readout.norm()
    xs = torch.randn(T, U.shape[1], generator=g, dtype=torch.float64)
    h0 = torch.zeros(W.shape[0], dtype=torch.float64, requires_grad=True)
    h = h0
    for t in range(T):
        h = W @ h + U @ xs[t]
    (grad,) = torch.autograd.grad(readout @ h, h0)
    return grad.norm().item()


@pytest.mark.claim("03-rho-controls-growth")
@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_norm_grows_above_one_and_shrinks_below(seed):
    U = torch.randn(HIDDEN, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(100 + seed))
    norms = {}
    for rho in RHOS:
        W = random_recurrent_matrix(HIDDEN, rho, seed)
        norms[rho] = np.array([first_hidden_grad_norm(W, U, T, seed) for T in LENGTHS])
    grow, flat, shrink = norms[1.2], norms[1.0], norms[0.8]
    assert grow[-1] > 1e5 * grow[0], f"rho 1.2 grew only by {grow[-1] / grow[0]:.3g}"
    assert shrink[-1] < 1e-7 * shrink[0], f"rho 0.8 shrank only by {shrink[-1] / shrink[0]:.3g}"
    # "nearly straight lines on a log scale": every 5 more steps multiply by about the same factor
    assert np.all(np.diff(np.log(grow[4:])) > 0) and np.all(np.diff(np.log(shrink)) < 0)
    ratio = flat / flat[0]
    assert np.all((ratio > 1e-2) & (ratio < 1e2)), (
        f"rho 1.0 left the factor-100 band: {ratio.min():.3g}..{ratio.max():.3g}"
    )


def _cliff_runs():
    plain = gradient_descent_2d(cliff_loss, CLIFF_START, lr=CLIFF_LR, steps=CLIFF_STEPS)
    clipped = gradient_descent_2d(
        cliff_loss, CLIFF_START, lr=CLIFF_LR, steps=CLIFF_STEPS, max_norm=CLIFF_MAX_NORM
    )
    return plain, clipped


@pytest.mark.claim("03-cliff-jump")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_unclipped_step_at_the_wall_is_thrown_far_and_the_clipped_steps_are_bounded(seed):
    plain, clipped = _cliff_runs()  # the lesson's start: deterministic
    assert plain.step_lengths.max() > 10.0
    assert clipped.step_lengths.max() <= CLIFF_LR * CLIFF_MAX_NORM * (1 + 1e-9)
    assert clipped.losses[-1] < plain.losses[-1]
    assert len(plain.points) == len(clipped.points) == CLIFF_STEPS + 1
    assert plain.grad_norms[-10:].max() < 1e-6, "the unclipped run should be stuck on a plateau"
    # The bound holds from any start: seeded random starts around the wall.
    g = torch.Generator().manual_seed(seed)
    for _ in range(3):
        w0 = 4.5 + 2.0 * torch.rand((), generator=g, dtype=torch.float64).item()
        b0 = -w0 / 2 - 0.5 * torch.rand((), generator=g, dtype=torch.float64).item()
        path = gradient_descent_2d(cliff_loss, (w0, b0), lr=CLIFF_LR, steps=20, max_norm=CLIFF_MAX_NORM)
        assert path.step_lengths.max() <= CLIFF_LR * CLIFF_MAX_NORM * (1 + 1e-9)


def adding_run(clip, seed):
    X, y = make_adding_problem(N_SAMPLES, SEQ_LEN, seed=seed)
    seed_everything(seed)
    model = VanillaRNN(2, RNN_HIDDEN, 1, spectral_radius=INIT_RHO)
    loader = make_loader(X, y, batch_size=BATCH, seed=seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return train(
        model, loader, torch.nn.functional.mse_loss, optimizer, epochs=EPOCHS, clip=clip, progress=False
    )


@pytest.mark.claim("03-adding-clipping-learns")
@pytest.mark.parametrize("seed", SEEDS)
def test_unclipped_rnn_blows_up_and_clipped_rnn_learns(seed):
    # The lesson's run: non-finite at step 46; clipped, largest raw norm 6.44, 9% clipped, last-100 mean
    # loss 0.00587. On fifteen seeds (0-4, 100-109): the unclipped run went non-finite at steps 32-56 on
    # 14 of them (seed 102 stayed finite); clipped, the largest raw norm was 5.6-33.5, the clip rate
    # 9-29% and the last-100 mean loss 0.0032-0.0088.
    plain = adding_run(None, seed)
    assert plain.first_nonfinite_step is not None and plain.first_nonfinite_step < 100
    finite = plain.norms_before[np.isfinite(plain.norms_before)]
    assert finite.max() > 1e3 * finite[0], "the unclipped norm should climb by orders of magnitude"
    clipped = adding_run(ClipByNorm(RNN_MAX_NORM), seed)
    assert clipped.first_nonfinite_step is None and len(clipped) == EPOCHS * (N_SAMPLES // BATCH)
    assert np.mean(clipped.losses[-100:]) < 0.015, "the clipped run should end far below 1/6"
    assert clipped.norms_before.max() < 50.0
    assert 0.05 < clipped.clip_rate < 0.4


@pytest.mark.claim("03-clip-no-vanish")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_leaves_a_vanishing_gradient_unchanged(seed):
    W = random_recurrent_matrix(HIDDEN, 0.8, seed)
    h0 = torch.zeros(HIDDEN, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(100):
        h = W @ h
    (torch.ones(HIDDEN, dtype=torch.float64) / math.sqrt(HIDDEN) @ h).backward()
    tiny = h0.grad.clone()
    assert tiny.norm() < 1e-6
    torch.nn.utils.clip_grad_norm_([h0], max_norm=1.0)
    assert torch.equal(tiny, h0.grad)


def _ratio(kind, seed):
    torch.manual_seed(seed)
    if kind == "rnn":
        net = torch.nn.RNN(2, GATE_HIDDEN, batch_first=True)
    else:
        net = (torch.nn.LSTM if kind.startswith("lstm") else torch.nn.GRU)(2, GATE_HIDDEN, batch_first=True)
        if kind.endswith("_open"):  # the LSTM's forget gate, the GRU's update gate
            with torch.no_grad():
                net.bias_hh_l0[GATE_HIDDEN : 2 * GATE_HIDDEN] = GATE_BIAS
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(16, GATE_T, 2, generator=g).requires_grad_()
    out, _ = net(x)
    out[:, -1].sum().backward()
    per_step = x.grad.norm(dim=(0, 2))
    return (per_step[0] / per_step[-1]).item()


@pytest.mark.claim("03-gated-keeps-gradient")
@pytest.mark.parametrize("seed", SEEDS)
def test_an_lstm_with_open_forget_gates_keeps_the_long_range_gradient(seed):
    assert _ratio("rnn", seed) < 1e-10
    assert _ratio("lstm", seed) < 1e-10
    assert _ratio("lstm_open", seed) > 1e-3
    # Measured on seeds 0-4 and 100-102: the default GRU 8e-21 to 2e-19, with update bias 3
    # 2.7e-3 to 1.8e-2.
    assert _ratio("gru", seed) < 1e-10
    assert _ratio("gru_open", seed) > 1e-3


@pytest.mark.claim("03-gated-keeps-gradient")
@pytest.mark.parametrize("seed", SEEDS)
def test_nn_rnn_default_init_has_spectral_radius_below_one_and_norm_above(seed):
    # The lesson's W_hh: spectral radius 0.660, largest singular value 1.093; seeds 0-4: 0.57-0.68
    # and 1.06-1.12 (about 1/sqrt(3) = 0.58 for large hidden sizes).
    torch.manual_seed(seed)
    W = torch.nn.RNN(2, GATE_HIDDEN, batch_first=True).weight_hh_l0.detach()
    assert 0.45 < spectral_radius(W) < 0.8
    assert torch.linalg.matrix_norm(W, 2).item() > 1.0


SWEEP_LENGTHS, SWEEP_SEEDS = lesson_settings("03_rnn", "SWEEP_LENGTHS", "SWEEP_SEEDS")
SWEEP_RHO, SWEEP_LR, SWEEP_SAMPLES, SWEEP_BATCH, SWEEP_EPOCHS = lesson_settings(
    "03_rnn", "SWEEP_RHO", "SWEEP_LR", "SWEEP_SAMPLES", "SWEEP_BATCH", "SWEEP_EPOCHS"
)


def _sweep_peak(seq_len, clipped, seed):
    """The lesson's length sweep: the largest loss over the first (inf once non-finite)."""
    X, y = make_adding_problem(SWEEP_SAMPLES, seq_len, seed=0)
    seed_everything(seed)
    model = VanillaRNN(2, RNN_HIDDEN, 1, spectral_radius=SWEEP_RHO)
    loader = make_loader(X, y, batch_size=SWEEP_BATCH, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=SWEEP_LR, momentum=MOMENTUM)
    h = train(
        model,
        loader,
        torch.nn.functional.mse_loss,
        opt,
        epochs=SWEEP_EPOCHS,
        clip=ClipByNorm(RNN_MAX_NORM) if clipped else None,
    )
    return math.inf if h.first_nonfinite_step is not None else float(h.losses.max() / h.losses[0])


@pytest.mark.claim("03-length-sweep")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_every_length_in_check(seed):
    # On twelve seeds (0-5, 100-105) no clipped run rose above 1.3 times its first loss at any length,
    # and no unclipped run blew up at T = 10.
    for seq_len in SWEEP_LENGTHS:
        assert _sweep_peak(seq_len, True, seed) < 2.0, f"T = {seq_len}: the clipped run blew up"
    assert _sweep_peak(min(SWEEP_LENGTHS), False, seed) < 10, (
        "the unclipped run blew up at the shortest length"
    )


@pytest.mark.claim("03-length-sweep")
def test_the_longest_sequences_blow_up_more_often_than_the_shortest():
    # Unclipped runs that blew up, on twelve seeds (0-5, 100-105): 0, 3, 1 and 5 of 12 at T = 10, 20,
    # 40, 80 -- more at 80 than at 10, not steadily in between (the lesson says a count of 1 or 2 of 3
    # can change with the seed). On SEEDS: 0 at T = 10, 3 of 5 at T = 80.
    counts = {
        seq_len: sum(_sweep_peak(seq_len, False, seed) > 10 for seed in SEEDS)
        for seq_len in (min(SWEEP_LENGTHS), max(SWEEP_LENGTHS))
    }
    assert counts[max(SWEEP_LENGTHS)] >= counts[min(SWEEP_LENGTHS)] + 2, counts
