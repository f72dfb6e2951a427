"""Tests for course_utils.seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from course_utils import seed_everything


def _draw() -> tuple[float, float, list[float]]:
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 - 1])
def test_same_seed_same_numbers(seed: int) -> None:
    seed_everything(seed)
    a = _draw()
    seed_everything(seed)
    b = _draw()
    assert a == b


def test_different_seeds_differ() -> None:
    seed_everything(0)
    a = _draw()
    seed_everything(1)
    b = _draw()
    assert a[0] != b[0] and a[1] != b[1] and a[2] != b[2]


def test_threads_are_set_and_default_to_one() -> None:
    before = torch.get_num_threads()
    try:
        seed_everything(0, threads=2)
        assert torch.get_num_threads() == 2
        seed_everything(0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 2**32}, ValueError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": "0"}, TypeError, "seed"),
        ({"seed": 0, "threads": 0}, ValueError, "threads"),
        ({"seed": 0, "threads": True}, TypeError, "threads"),
        ({"seed": 0, "threads": 2.0}, TypeError, "threads"),
    ],
)
def test_bad_arguments(kwargs: dict, exc: type[Exception], name: str) -> None:
    threads = torch.get_num_threads()
    with pytest.raises(exc, match=name) as info:
        seed_everything(**kwargs)
    assert "got" in str(info.value)
    assert torch.get_num_threads() == threads
