"""Tests for course_utils.data."""

from __future__ import annotations

import pytest
import torch

from course_utils import make_adding_problem, make_classification, make_loader, make_regression


SEEDS = [0, 1, 7]


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_shapes_dtypes_and_reproducibility(seed: int) -> None:
    X, y = make_regression(50, 4, seed=seed)
    assert X.shape == (50, 4) and y.shape == (50, 1)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
    X2, y2 = make_regression(50, 4, seed=seed)
    assert torch.equal(X, X2) and torch.equal(y, y2)
    X3, _ = make_regression(50, 4, seed=seed + 100)
    assert not torch.equal(X, X3)


def test_regression_without_noise_is_exactly_linear() -> None:
    X, y = make_regression(64, 5, noise=0.0, seed=3)
    w = torch.linalg.lstsq(X.double(), y.double()).solution
    assert torch.allclose(X.double() @ w, y.double(), atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_shapes_labels_balance(seed: int, n_classes: int) -> None:
    X, y = make_classification(90, 6, n_classes=n_classes, seed=seed)
    assert X.shape == (90, 6) and X.dtype == torch.float32
    assert y.shape == (90,) and y.dtype == torch.int64
    counts = torch.bincount(y, minlength=n_classes)
    assert counts.numel() == n_classes
    assert int(counts.max() - counts.min()) <= 1
    X2, y2 = make_classification(90, 6, n_classes=n_classes, seed=seed)
    assert torch.equal(X, X2) and torch.equal(y, y2)


@pytest.mark.parametrize("seed", SEEDS)
def test_classification_outliers(seed: int) -> None:
    X0, _ = make_classification(200, 10, seed=seed)
    X, _ = make_classification(200, 10, outlier_fraction=0.05, outlier_scale=50.0, seed=seed)
    norms = X.norm(dim=1)
    big = norms > 10 * norms.median()
    assert int(big.sum()) == 10
    # the other rows are untouched
    assert torch.equal(X[~big], X0[~big])


def test_classification_tiny_outlier_fraction_gives_at_least_one() -> None:
    X0, _ = make_classification(50, 3, seed=0)
    X, _ = make_classification(50, 3, outlier_fraction=0.001, seed=0)
    assert int((X != X0).any(dim=1).sum()) == 1


def test_class_sep_moves_the_class_means_apart() -> None:
    def mean_gap(sep: float) -> float:
        X, y = make_classification(2000, 5, class_sep=sep, seed=0)
        return float((X[y == 0].mean(0) - X[y == 1].mean(0)).norm())

    assert mean_gap(0.0) < 0.3 < mean_gap(2.0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("T", [2, 3, 20])
def test_adding_problem(seed: int, T: int) -> None:
    X, y = make_adding_problem(40, T, seed=seed)
    assert X.shape == (40, T, 2) and y.shape == (40, 1)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
    values, markers = X[..., 0], X[..., 1]
    assert bool(((values >= 0) & (values <= 1)).all())
    assert torch.equal(markers.sum(1), torch.full((40,), 2.0))
    assert bool(((markers == 0) | (markers == 1)).all())
    half = T // 2
    assert torch.equal(markers[:, :half].sum(1), torch.ones(40))
    assert torch.equal(markers[:, half:].sum(1), torch.ones(40))
    assert torch.allclose((values * markers).sum(1, keepdim=True), y)


def test_generators_do_not_touch_the_global_rng() -> None:
    state = torch.get_rng_state()
    make_regression(10, 2, seed=1)
    make_classification(10, 2, outlier_fraction=0.2, seed=1)
    make_adding_problem(10, 4, seed=1)
    loader = make_loader(*make_regression(10, 2), batch_size=3, seed=1)
    for _ in range(2):
        list(loader)
    loader = make_loader(*make_regression(10, 2), batch_size=3, shuffle=False)
    list(loader)
    assert torch.equal(state, torch.get_rng_state())


def _order(loader: torch.utils.data.DataLoader, epochs: int = 2) -> list[list[float]]:
    return [xb[:, 0].tolist() for _ in range(epochs) for xb, _ in loader]


@pytest.mark.parametrize("seed", SEEDS)
def test_loader_order_is_reproducible(seed: int) -> None:
    X, y = make_regression(20, 3)
    a = _order(make_loader(X, y, batch_size=6, seed=seed))
    b = _order(make_loader(X, y, batch_size=6, seed=seed))
    c = _order(make_loader(X, y, batch_size=6, seed=seed + 1))
    assert a == b
    assert a != c
    assert len(a) == 8  # 4 batches (6, 6, 6, 2) per epoch
    epoch0 = sorted(v for batch in a[:4] for v in batch)
    assert epoch0 == sorted(X[:, 0].tolist())
    assert a[:4] != a[4:]  # reshuffled between epochs


def test_loader_without_shuffle_keeps_order() -> None:
    X, y = make_regression(10, 2)
    batches = list(make_loader(X, y, batch_size=4, shuffle=False))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([xb for xb, _ in batches]), X)
    assert torch.equal(torch.cat([yb for _, yb in batches]), y)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: make_regression(0), ValueError, "n_samples"),
        (lambda: make_regression(True), TypeError, "n_samples"),
        (lambda: make_regression(10, 0), ValueError, "n_features"),
        (lambda: make_regression(10, 2, -0.1), ValueError, "noise"),
        (lambda: make_regression(10, 2, float("nan")), ValueError, "noise"),
        (lambda: make_regression(10, 2, seed=-1), ValueError, "seed"),
        (lambda: make_regression(10, 2, seed=1.0), TypeError, "seed"),
        (lambda: make_classification(10, 2, n_classes=1), ValueError, "n_classes"),
        (lambda: make_classification(10, 2, class_sep=-1.0), ValueError, "class_sep"),
        (lambda: make_classification(10, 2, outlier_fraction=1.5), ValueError, "outlier_fraction"),
        (lambda: make_classification(10, 2, outlier_fraction="a"), TypeError, "outlier_fraction"),
        (lambda: make_classification(10, 2, outlier_scale=0.0), ValueError, "outlier_scale"),
        (lambda: make_adding_problem(10, 1), ValueError, "seq_len"),
        (lambda: make_adding_problem(0, 5), ValueError, "n_samples"),
        (lambda: make_loader(torch.zeros(3, 2), torch.zeros(4)), ValueError, "y"),
        (lambda: make_loader([1, 2], torch.zeros(2)), TypeError, "X"),
        (lambda: make_loader(torch.zeros(3, 2), [1, 2, 3]), TypeError, "y"),
        (lambda: make_loader(torch.zeros(3, 2), torch.zeros(3), batch_size=0), ValueError, "batch_size"),
        (lambda: make_loader(torch.zeros(3, 2), torch.zeros(3), shuffle=1), TypeError, "shuffle"),
        (lambda: make_loader(torch.zeros(3, 2), torch.zeros(3), seed=-2), ValueError, "seed"),
    ],
)
def test_bad_arguments(call, exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name) as info:
        call()
    assert "got" in str(info.value)
