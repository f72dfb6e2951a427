"""Tests for course_utils.data.make_word_counts (the data set of lesson 08)."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils import make_word_counts


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_shapes_dtypes_lengths_and_balance(seed: int) -> None:
    X, y = make_word_counts(101, 12, doc_length=20, seed=seed)
    assert X.shape == (101, 12) and X.dtype == torch.float32
    assert y.shape == (101,) and y.dtype == torch.int64
    assert set(y.tolist()) <= {0, 1}
    counts = torch.bincount(y, minlength=2)
    assert int(counts.max() - counts.min()) <= 1
    lengths = X.sum(dim=1)
    assert lengths.min() >= 10 and lengths.max() <= 30
    assert torch.equal(X, X.round()) and (X >= 0).all()


def test_reproducible_and_seeds_separate_task_from_sample() -> None:
    a = make_word_counts(50, 10, task_seed=3, seed=4)
    b = make_word_counts(50, 10, task_seed=3, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    other_sample = make_word_counts(50, 10, task_seed=3, seed=5)
    assert not torch.equal(a[0], other_sample[0])
    # Same sample seed, another task: the labels and lengths are the same draws, the words differ.
    other_task = make_word_counts(50, 10, task_seed=4, seed=4)
    assert torch.equal(a[1], other_task[1])
    assert torch.equal(a[0].sum(dim=1), other_task[0].sum(dim=1))
    assert not torch.equal(a[0], other_task[0])


def test_does_not_touch_the_global_generator() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    make_word_counts(20, 5, junk_fraction=0.1, seed=1)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(("fraction", "n_junk"), [(0.0, 0), (0.01, 5), (0.001, 1), (1.0, 512)])
def test_junk_rows_count_and_length(fraction: float, n_junk: int) -> None:
    X, _ = make_word_counts(512, 50, junk_fraction=fraction, junk_length=3000, seed=2)
    lengths = X.sum(dim=1)
    assert int((lengths == 3000).sum()) == n_junk
    assert int((lengths <= 30).sum()) == 512 - n_junk


def test_words_carry_the_label_and_junk_is_uniform() -> None:
    # With a strong signal a simple count-based rule separates the classes well.
    X, y = make_word_counts(2000, 30, strength=1.0, task_seed=0, seed=1)
    Xv, yv = make_word_counts(2000, 30, strength=1.0, task_seed=0, seed=2)
    freq1 = X[y == 1].sum(0) / X[y == 1].sum()
    freq0 = X[y == 0].sum(0) / X[y == 0].sum()
    score = freq1.log() - freq0.log()
    accuracy = ((Xv @ score > 0).long() == yv).float().mean().item()
    assert accuracy > 0.9
    # Without signal the rule is near chance.
    X, y = make_word_counts(2000, 30, strength=0.0, task_seed=0, seed=1)
    assert abs(X[y == 1].sum(0) / X[y == 1].sum() - X[y == 0].sum(0) / X[y == 0].sum()).max() < 0.02
    # A junk document's words are close to uniform.
    J, _ = make_word_counts(1, 20, junk_fraction=1.0, junk_length=100000, seed=0)
    assert (J / 100000 - 1 / 20).abs().max() < 0.01


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_samples": 0}, "n_samples"),
        ({"vocab_size": 1}, "vocab_size"),
        ({"doc_length": 1}, "doc_length"),
        ({"strength": -1.0}, "strength"),
        ({"strength": math.inf}, "strength"),
        ({"junk_fraction": 1.5}, "junk_fraction"),
        ({"junk_fraction": -0.1}, "junk_fraction"),
        ({"junk_length": 0}, "junk_length"),
        ({"task_seed": -1}, "task_seed"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make_word_counts(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"n_samples": 2.5}, "n_samples"), ({"junk_fraction": "a"}, "junk_fraction")]
)
def test_wrong_types_raise(kwargs: dict, name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=name):
        make_word_counts(**kwargs)
