"""Seeding: make a run reproducible by seeding every random number generator."""

from __future__ import annotations

import random

import numpy as np
import torch

from ._validation import check_int

__all__ = ["seed_everything"]


def seed_everything(seed: int, threads: int = 1) -> None:
    r"""Seed Python's, NumPy's and PyTorch's global random number generators.

    Calls ``random.seed(seed)``, ``numpy.random.seed(seed)`` and
    ``torch.manual_seed(seed)``, then ``torch.set_num_threads(threads)``.
    Running the same code after the same call gives the same numbers.
    One thread is the default: for the small CPU models of this course it is
    both faster (no thread start-up cost) and steadier (no run-to-run
    differences from parallel reductions) than many.

    This changes process-wide state: the three global generators and
    PyTorch's intra-op thread count.

    Args:
        seed (int): the seed, an int with :math:`0 \le seed < 2^{32}`.
        threads (int): number of threads PyTorch may use for intra-op
            parallelism, an int :math:`\ge 1`. Default: 1

    Returns:
        None
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    threads = check_int("threads", threads, minimum=1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
