"""Tests for course_utils.training: clipping strategies, History and train."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_utils import (
    MLP,
    ClipByNorm,
    ClipByValue,
    History,
    NoClip,
    as_clipper,
    clipped_norm,
    make_classification,
    make_loader,
    make_regression,
    train,
)


SEEDS = [0, 1, 2]
mse = nn.functional.mse_loss


def _setup(seed: int, *, n: int = 64, lr: float = 0.1, batch_size: int = 16, depth: int = 2):
    X, y = make_regression(n, 4, seed=seed)
    torch.manual_seed(seed)
    model = MLP(4, 1, hidden=8, depth=depth)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loader = make_loader(X, y, batch_size=batch_size, seed=seed)
    return model, loader, opt


# ---------------------------------------------------------------- strategies
def _params_with_grads(arrays: list[np.ndarray]) -> list[nn.Parameter]:
    params = []
    for a in arrays:
        p = nn.Parameter(torch.zeros(a.shape))
        p.grad = torch.tensor(a, dtype=torch.float32)
        params.append(p)
    return params


_grad_arrays = st.lists(
    st.lists(
        st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(arrays=_grad_arrays, max_norm=st.floats(1e-3, 1e3))
def test_analytic_norm_after_equals_recomputed(arrays: list[list[float]], max_norm: float) -> None:
    params = _params_with_grads([np.asarray(a, dtype=np.float32) for a in arrays])
    before = torch.nn.utils.get_total_norm([p.grad for p in params]).item()
    changed = ClipByNorm(max_norm)(params)
    after = torch.nn.utils.get_total_norm([p.grad for p in params]).item()
    assert changed == (before > max_norm)
    assert math.isclose(clipped_norm(before, max_norm), after, rel_tol=1e-5, abs_tol=1e-12)
    assert after <= max_norm * (1 + 1e-6)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(arrays=_grad_arrays, clip_value=st.floats(1e-3, 1e3))
def test_clip_by_value_bounds_every_element(arrays: list[list[float]], clip_value: float) -> None:
    params = _params_with_grads([np.asarray(a, dtype=np.float32) for a in arrays])
    max_abs = max(float(np.abs(np.asarray(a, dtype=np.float32)).max()) for a in arrays)
    changed = ClipByValue(clip_value)(params)
    assert changed == (max_abs > np.float32(clip_value))
    for p in params:
        assert float(p.grad.abs().max()) <= np.float32(clip_value)


def test_clipped_norm_edge_cases() -> None:
    assert clipped_norm(0.5, 1.0) == 0.5
    assert clipped_norm(0.0, 1.0) == 0.0
    assert clipped_norm(10.0, 1.0) == pytest.approx(1.0, rel=1e-6)
    assert math.isnan(clipped_norm(math.inf, 1.0))
    assert math.isnan(clipped_norm(math.nan, 1.0))


def test_strategies_ignore_parameters_without_grad() -> None:
    p = nn.Parameter(torch.ones(3))
    assert ClipByNorm(1.0)([p]) is False
    assert ClipByValue(1.0)([p]) is False
    assert NoClip()([p]) is False


def test_as_clipper() -> None:
    assert isinstance(as_clipper(None), NoClip)
    assert isinstance(as_clipper("none"), NoClip)
    c = ClipByNorm(2.0)
    assert as_clipper(c) is c
    v = ClipByValue(0.5)
    assert as_clipper(v) is v

    def f(params: list[nn.Parameter]) -> bool | None:
        return None

    assert as_clipper(f) is f
    for bad in (1.0, "norm", 3, ClipByNorm):
        with pytest.raises(TypeError, match="clip") as info:
            as_clipper(bad)
        assert repr(bad) in str(info.value)


def test_reprs_and_equality() -> None:
    assert repr(NoClip()) == "NoClip()"
    assert repr(ClipByNorm(1)) == "ClipByNorm(max_norm=1.0, norm_type=2.0)"
    assert repr(ClipByNorm(0.5, norm_type=math.inf)) == "ClipByNorm(max_norm=0.5, norm_type=inf)"
    assert repr(ClipByValue(0.25)) == "ClipByValue(clip_value=0.25)"
    assert ClipByNorm(1.0) == ClipByNorm(1) and ClipByNorm(1.0) != ClipByNorm(2.0)
    assert ClipByValue(1.0) == ClipByValue(1.0) and NoClip() == NoClip()
    assert len({ClipByNorm(1.0), ClipByNorm(1), ClipByValue(1.0), NoClip(), NoClip()}) == 3
    # Frozen: a strategy handed to train() or a widget cannot change under it.
    with pytest.raises(dataclasses.FrozenInstanceError):
        ClipByNorm(1.0).max_norm = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_norm"):
        ClipByNorm(-1.0)
    with pytest.raises(ValueError, match="norm_type"):
        ClipByNorm(1.0, norm_type=0.5)


# ---------------------------------------------------------------- train
@pytest.mark.parametrize("seed", SEEDS)
def test_train_records_one_entry_per_step(seed: int) -> None:
    model, loader, opt = _setup(seed, n=70, batch_size=16)  # 5 batches
    h = train(model, loader, mse, opt, epochs=3)
    assert len(h) == 15
    assert h.steps.tolist() == list(range(15))
    assert h.epochs.tolist() == [e for e in range(3) for _ in range(5)]
    assert np.all(np.isfinite(h.losses)) and not h.nonfinite.any()
    assert h.first_nonfinite_step is None


def test_train_max_steps_and_full_batch() -> None:
    model, loader, opt = _setup(0)
    assert len(train(model, loader, mse, opt, epochs=10, max_steps=7)) == 7
    X, y = make_regression(32, 4)
    h = train(model, (X, y), mse, opt, epochs=4)
    assert len(h) == 4 and h.epochs.tolist() == [0, 1, 2, 3]
    batches = [(X[:16], y[:16]), (X[16:], y[16:])]
    assert len(train(model, batches, mse, opt, epochs=2)) == 4
    assert len(train(model, iter(batches), mse, opt)) == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_train_is_reproducible(seed: int) -> None:
    runs = []
    for _ in range(2):
        model, loader, opt = _setup(seed)
        runs.append(train(model, loader, mse, opt, epochs=2, clip=ClipByNorm(0.5)).to_dict())
    assert runs[0] == runs[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_by_norm_caps_the_norm(seed: int) -> None:
    model, loader, opt = _setup(seed, lr=0.05)
    h = train(model, loader, mse, opt, epochs=3, clip=ClipByNorm(0.5))
    assert np.all(h.norms_after <= 0.5 * (1 + 1e-6))
    assert np.array_equal(h.clipped, h.norms_before > 0.5)
    assert h.clipped.any()
    expected = np.array([clipped_norm(b, 0.5) for b in h.norms_before])
    # measured from the float32 gradients, so equal to the analytic value up to float32 rounding
    assert np.allclose(h.norms_after, expected, rtol=1e-6, atol=0)
    unclipped = ~h.clipped
    assert np.allclose(h.norms_after[unclipped], h.norms_before[unclipped], rtol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_no_clip_leaves_norms_equal(seed: int) -> None:
    model, loader, opt = _setup(seed)
    for clip in (None, "none", NoClip()):
        h = train(model, loader, mse, opt, clip=clip)
        assert np.array_equal(h.norms_after, h.norms_before)
        assert not h.clipped.any() and h.clip_rate == 0.0


def _spy(strategy):
    """Wrap a strategy; check the gradients it leaves and their recomputed norm."""
    seen: list[tuple[float, float]] = []

    def wrapped(params: list[nn.Parameter]) -> bool | None:
        result = strategy(params)
        grads = [p.grad for p in params if p.grad is not None]
        seen.append(
            (
                max(float(g.abs().max()) for g in grads),
                float(torch.nn.utils.get_total_norm(grads)),
            )
        )
        return result

    return wrapped, seen


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_by_value_in_train(seed: int) -> None:
    model, loader, opt = _setup(seed)
    wrapped, seen = _spy(ClipByValue(0.05))
    h = train(model, loader, mse, opt, epochs=2, clip=wrapped)
    assert len(seen) == len(h)
    assert all(m <= np.float32(0.05) for m, _ in seen)
    assert np.allclose(h.norms_after, [n for _, n in seen], rtol=1e-6)
    assert h.clipped.any()
    # recomputed norm, not analytic, for ClipByValue used directly
    model, loader, opt = _setup(seed)
    h2 = train(model, loader, mse, opt, epochs=2, clip=ClipByValue(0.05))
    assert np.allclose(h2.norms_after, h.norms_after, rtol=1e-6)
    assert np.array_equal(h2.clipped, h.clipped)


def test_clip_by_norm_other_norm_types_recompute() -> None:
    model, loader, opt = _setup(0)
    wrapped, seen = _spy(ClipByNorm(0.1, norm_type=math.inf))
    h = train(model, loader, mse, opt, clip=wrapped)
    assert np.allclose(h.norms_after, [n for _, n in seen], rtol=1e-6)
    model, loader, opt = _setup(0)
    h2 = train(model, loader, mse, opt, clip=ClipByNorm(0.1, norm_type=math.inf))
    assert np.allclose(h2.norms_after, h.norms_after, rtol=1e-6)
    assert all(m <= 0.1 * (1 + 1e-5) for m, _ in seen)


def test_custom_callable_strategies() -> None:
    def halve(params: list[nn.Parameter]) -> None:
        for p in params:
            if p.grad is not None:
                p.grad.mul_(0.5)
        return None

    def noop(params: list[nn.Parameter]) -> None:
        return None

    def claims(params: list[nn.Parameter]) -> bool:
        return True

    model, loader, opt = _setup(0)
    h = train(model, loader, mse, opt, clip=halve)
    assert h.clipped.all()
    assert np.allclose(h.norms_after, h.norms_before / 2, rtol=1e-5)
    h = train(model, loader, mse, opt, clip=noop)
    assert not h.clipped.any()
    assert np.allclose(h.norms_after, h.norms_before, rtol=1e-6)
    h = train(model, loader, mse, opt, clip=claims)
    assert h.clipped.all()


def _inf_at(step_index: int, value: float = math.inf):
    calls = {"n": 0}

    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = mse(out, y)
        i = calls["n"]
        calls["n"] += 1
        if i == step_index:
            return loss * value
        return loss

    return loss_fn


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_nonfinite_loss_stops_training(bad: float) -> None:
    model, loader, opt = _setup(0)
    h = train(model, loader, _inf_at(3, bad), opt, epochs=3)
    assert len(h) == 4
    assert h.first_nonfinite_step == 3
    assert h.nonfinite.tolist() == [False, False, False, True]


def test_nonfinite_step_is_not_applied_when_stopping() -> None:
    model, loader, opt = _setup(0)
    state: dict[str, torch.Tensor] = {}

    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        state.update({k: v.clone() for k, v in model.state_dict().items()})
        return mse(out, y) * math.nan

    train(model, loader, loss_fn, opt)
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k])


def test_skip_nonfinite_keeps_parameters_and_continues() -> None:
    model, loader, opt = _setup(0)
    initial = [p.detach().clone() for p in model.parameters()]

    def always_nan(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return mse(out, y) * math.nan

    h = train(model, loader, always_nan, opt, epochs=2, stop_on_nonfinite=False, skip_nonfinite=True)
    assert len(h) == 8 and h.nonfinite.all() and h.first_nonfinite_step == 0
    for p, q in zip(model.parameters(), initial):
        assert torch.equal(p, q)
    # without skipping, the nan update is applied
    train(model, loader, always_nan, opt, stop_on_nonfinite=False, skip_nonfinite=False, max_steps=1)
    assert any(torch.isnan(p).any() for p in model.parameters())


def test_skip_only_skips_the_bad_steps() -> None:
    model, loader, opt = _setup(1)
    h = train(model, loader, _inf_at(2), opt, epochs=2, stop_on_nonfinite=False, skip_nonfinite=True)
    assert len(h) == 8
    assert h.nonfinite.tolist() == [i == 2 for i in range(8)]
    assert np.all(np.isfinite(h.losses[3:]))


@pytest.mark.parametrize("seed", SEEDS)
def test_huge_learning_rate_diverges_and_is_detected(seed: int) -> None:
    X, y = make_regression(64, 4, seed=seed)
    torch.manual_seed(seed)
    model = MLP(4, 1, hidden=16, depth=2, activation="relu")
    opt = torch.optim.SGD(model.parameters(), lr=50.0)
    h = train(model, (X, 100 * y), mse, opt, epochs=200)
    assert h.first_nonfinite_step is not None
    assert len(h) == h.first_nonfinite_step + 1 < 200
    assert h.nonfinite[-1] and not h.nonfinite[:-1].any()


@pytest.mark.parametrize("seed", SEEDS)
def test_layer_norms_recorded(seed: int) -> None:
    model, loader, opt = _setup(seed)
    h = train(model, loader, mse, opt, epochs=2, clip=ClipByNorm(0.1), record_layer_norms=True)
    names = [n for n, _ in model.named_parameters()]
    assert list(h.layer_norms) == names
    assert all(len(v) == len(h) for v in h.layer_norms.values())
    per_step = np.sqrt(sum(np.asarray(v) ** 2 for v in h.layer_norms.values()))
    assert np.allclose(per_step, h.norms_before, rtol=1e-5)
    model, loader, opt = _setup(seed)
    assert train(model, loader, mse, opt).layer_norms == {}


def test_parameters_without_grad_are_ignored() -> None:
    model, loader, opt = _setup(0)
    model.linears[0].weight.requires_grad_(False)
    h = train(model, loader, mse, opt, clip=ClipByNorm(0.5), record_layer_norms=True)
    assert "linears.0.weight" not in h.layer_norms
    assert np.all(h.norms_after <= 0.5 * (1 + 1e-6))


def test_train_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    model, loader, opt = _setup(0)
    train(model, loader, mse, opt, epochs=2)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("loss_fn", [mse, _inf_at(2)])
def test_train_with_progress_bar_enabled(loss_fn, capfd: pytest.CaptureFixture[str]) -> None:
    model, loader, opt = _setup(0)
    h = train(model, loader, loss_fn, opt, epochs=2, progress=True)
    assert len(h) in (3, 8)
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # the bar only appears after 1 s


def test_classification_with_outliers_needs_clipping() -> None:
    X, y = make_classification(256, 10, outlier_fraction=0.03, seed=0)
    torch.manual_seed(0)
    model = MLP(10, 2, hidden=16, activation="relu")
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    h = train(model, make_loader(X, y), nn.functional.cross_entropy, opt, epochs=2, clip=ClipByNorm(1.0))
    assert 0.0 < h.clip_rate < 1.0


# ---------------------------------------------------------------- History
def _toy_history() -> History:
    h = History()
    h.record(loss=1.0, norm_before=2.0, norm_after=1.0, clipped=True, epoch=0)
    h.record(loss=0.5, norm_before=0.5, norm_after=0.5, clipped=False, epoch=0)
    h.record(loss=0.25, norm_before=4.0, norm_after=1.0, clipped=True, epoch=1)
    h.record(loss=math.inf, norm_before=math.nan, norm_after=math.nan, clipped=False, epoch=1)
    return h


def test_history_arrays_and_properties() -> None:
    h = _toy_history()
    assert len(h) == 4
    assert h.steps.tolist() == [0, 1, 2, 3]
    assert h.losses.dtype == np.float64 and h.clipped.dtype == bool
    assert h.clipped.tolist() == [True, False, True, False]
    assert h.nonfinite.tolist() == [False, False, False, True]
    assert h.clip_rate == 0.5
    assert h.first_nonfinite_step == 3
    assert History().clip_rate == 0.0 and History().first_nonfinite_step is None


def test_epoch_summary() -> None:
    rows = _toy_history().epoch_summary()
    assert [r["epoch"] for r in rows] == [0, 1]
    r0 = rows[0]
    assert set(r0) == {
        "epoch",
        "steps",
        "mean_norm_before",
        "max_norm_before",
        "mean_norm_after",
        "max_norm_after",
        "clip_rate",
        "mean_loss",
        "nonfinite_steps",
    }
    assert r0["steps"] == 2 and r0["mean_norm_before"] == 1.25 and r0["max_norm_before"] == 2.0
    assert r0["mean_norm_after"] == 0.75 and r0["max_norm_after"] == 1.0
    assert r0["clip_rate"] == 0.5 and r0["mean_loss"] == 0.75 and r0["nonfinite_steps"] == 0
    assert rows[1]["nonfinite_steps"] == 1 and math.isnan(rows[1]["mean_norm_before"])


def test_format_epoch_table_exact_text() -> None:
    expected = "\n".join(
        [
            "epoch | norm before (mean) | norm before (max) | norm after (mean) | norm after (max) | clipped % | loss (mean)",
            "------+--------------------+-------------------+-------------------+------------------+-----------+------------",
            "    0 |               1.25 |              2.00 |              0.75 |             1.00 |      50.0 |        0.75",
            "    1 |                nan |               nan |               nan |              nan |      50.0 |         inf",
        ]
    )
    assert _toy_history().format_epoch_table(digits=2) == expected


def test_format_epoch_table_is_deterministic_and_has_the_columns(capsys) -> None:
    tables = []
    for _ in range(2):
        model, loader, opt = _setup(0)
        h = train(model, loader, mse, opt, epochs=3, clip=ClipByNorm(0.5))
        tables.append(h.format_epoch_table())
    assert tables[0] == tables[1]
    lines = tables[0].splitlines()
    assert len(lines) == 2 + 3
    header = [c.strip() for c in lines[0].split("|")]
    assert header == [
        "epoch",
        "norm before (mean)",
        "norm before (max)",
        "norm after (mean)",
        "norm after (max)",
        "clipped %",
        "loss (mean)",
    ]
    assert len({len(line) for line in lines}) == 1  # fixed width
    for line in lines[2:]:
        cells = [c.strip() for c in line.split("|")]
        decimals = [len(c.split(".")[1]) for c in cells[1:]]
        assert decimals == [3, 3, 3, 3, 1, 3]  # the clipped % has one decimal
    h.print_epoch_table()
    assert capsys.readouterr().out == tables[0] + "\n"
    assert History().format_epoch_table().count("\n") == 1


def test_history_dict_round_trip_and_layer_norm_padding() -> None:
    h = _toy_history()
    h2 = History.from_dict(h.to_dict())
    assert h2.format_epoch_table() == h.format_epoch_table()
    assert np.array_equal(h2.nonfinite, h.nonfinite)
    g = History()
    g.record(loss=None, norm_before=1.0)
    g.record(loss=1.0, norm_before=2.0, layer_norms={"a": 1.0})
    g.record(loss=1.0, norm_before=3.0, layer_norms={"b": 2.0})
    assert math.isnan(g.layer_norms["a"][0]) and g.layer_norms["a"][1] == 1.0
    assert math.isnan(g.layer_norms["a"][2])
    assert len(g.layer_norms["b"]) == 3 and g.layer_norms["b"][2] == 2.0
    assert g.to_dict()["loss"][0] is None and not g.nonfinite[0]


# ---------------------------------------------------------------- bad arguments
def _bad_train(**kwargs):
    model, loader, opt = _setup(0)
    args = {"model": model, "data": loader, "loss_fn": mse, "optimizer": opt}
    extra = {k: v for k, v in kwargs.items() if k not in args}
    args.update({k: v for k, v in kwargs.items() if k in args})
    return lambda: train(args["model"], args["data"], args["loss_fn"], args["optimizer"], **extra)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: ClipByNorm(0.0), ValueError, "max_norm"),
        (lambda: ClipByNorm(-1.0), ValueError, "max_norm"),
        (lambda: ClipByNorm(math.inf), ValueError, "max_norm"),
        (lambda: ClipByNorm("1"), TypeError, "max_norm"),
        (lambda: ClipByNorm(True), TypeError, "max_norm"),
        (lambda: ClipByNorm(1.0, norm_type=0.5), ValueError, "norm_type"),
        (lambda: ClipByNorm(1.0, norm_type=math.nan), ValueError, "norm_type"),
        (lambda: ClipByNorm(1.0, norm_type="fro"), TypeError, "norm_type"),
        (lambda: ClipByValue(0.0), ValueError, "clip_value"),
        (lambda: ClipByValue(math.nan), ValueError, "clip_value"),
        (_bad_train(epochs=0), ValueError, "epochs"),
        (_bad_train(epochs=True), TypeError, "epochs"),
        (_bad_train(max_steps=0), ValueError, "max_steps"),
        (_bad_train(clip=1.0), TypeError, "clip"),
        (_bad_train(skip_nonfinite=1), TypeError, "skip_nonfinite"),
        (_bad_train(stop_on_nonfinite=None), TypeError, "stop_on_nonfinite"),
        (_bad_train(record_layer_norms="yes"), TypeError, "record_layer_norms"),
        (_bad_train(progress="no"), TypeError, "progress"),
        (_bad_train(model="net"), TypeError, "model"),
        (_bad_train(loss_fn=3), TypeError, "loss_fn"),
        (_bad_train(optimizer=None), TypeError, "optimizer"),
        (_bad_train(data=5), TypeError, "data"),
        (_bad_train(data="abc"), TypeError, "data"),
        (_bad_train(data=(torch.zeros(3, 4), torch.zeros(2, 1))), ValueError, "data"),
        (_bad_train(data=(torch.zeros(3, 4), [1, 2, 3])), TypeError, "data"),
        (_bad_train(data=iter([(torch.zeros(2, 4), torch.zeros(2, 1))]), epochs=2), ValueError, "data"),
        (_bad_train(data=[torch.zeros(2, 4)]), ValueError, "data"),
        (_bad_train(loss_fn=lambda out, y: (out - y) ** 2), TypeError, "loss_fn"),
        (_bad_train(loss_fn=lambda out, y: 1.0), TypeError, "loss_fn"),
        (lambda: _toy_history().format_epoch_table(digits=-1), ValueError, "digits"),
        (lambda: _toy_history().format_epoch_table(digits=2.0), TypeError, "digits"),
        (lambda: History.from_dict([1]), TypeError, "data"),
        (lambda: History.from_dict({"step": []}), ValueError, "data"),
    ],
)
def test_bad_arguments(call, exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name) as info:
        call()
    assert "got" in str(info.value)
