"""Data: small synthetic data sets made in code, and a reproducible loader.

Every generator takes a ``seed`` keyword and draws from its own
:class:`torch.Generator`, never from the global random number generator, so
calling it does not change what other code draws. All features and targets
are ``float32``; class labels are ``int64``.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

from ._validation import (
    check_bool,
    check_int,
    check_nonnegative_finite,
    check_positive_finite,
    check_real,
)

__all__ = [
    "make_regression",
    "make_classification",
    "make_word_counts",
    "make_adding_problem",
    "make_loader",
]

_MAX_SEED = 2**63 - 1


def _generator(seed: int) -> torch.Generator:
    seed = check_int("seed", seed, minimum=0, maximum=_MAX_SEED)
    return torch.Generator().manual_seed(seed)


def make_regression(
    n_samples: int = 256,
    n_features: int = 8,
    noise: float = 0.1,
    *,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    r"""Make a linear regression problem with Gaussian inputs.

    .. math::
        X_{ij} \sim \mathcal{N}(0, 1), \quad w_j \sim \mathcal{N}(0, 1), \quad
        y = X w + \text{noise} \cdot \varepsilon, \quad \varepsilon_i \sim \mathcal{N}(0, 1)

    Args:
        n_samples (int): number of rows :math:`n \ge 1`. Default: 256
        n_features (int): number of features :math:`d \ge 1`. Default: 8
        noise (float): standard deviation of the additive noise, :math:`\ge 0`.
            Default: 0.1
        seed (int): seed of the private generator, :math:`\ge 0`. Default: 0

    Returns:
        ``(X, y)``: ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n, 1)``,
        both ``float32``.
    """
    n = check_int("n_samples", n_samples, minimum=1)
    d = check_int("n_features", n_features, minimum=1)
    noise = check_nonnegative_finite("noise", noise)
    g = _generator(seed)
    X = torch.randn(n, d, generator=g)
    w = torch.randn(d, 1, generator=g)
    eps = torch.randn(n, 1, generator=g)
    y = X @ w + noise * eps
    return X, y


def make_classification(
    n_samples: int = 512,
    n_features: int = 20,
    *,
    n_classes: int = 2,
    class_sep: float = 1.0,
    outlier_fraction: float = 0.0,
    outlier_scale: float = 50.0,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    r"""Make a classification problem of Gaussian clusters, optionally with outliers.

    Each class :math:`k` has a mean :math:`\mu_k = 2\,\text{class\_sep}\; u_k`, where
    :math:`u_k` is a random unit vector, and its points are
    :math:`x = \mu_k + z`, :math:`z \sim \mathcal{N}(0, I_d)`. The classes are
    balanced (sizes differ by at most one) and the rows are in random order.

    Then ``round(outlier_fraction * n)`` rows (at least one when
    ``outlier_fraction > 0``), chosen at random, are multiplied by
    ``outlier_scale``: rare huge inputs, which give rare huge gradients.

    Args:
        n_samples (int): number of rows :math:`n \ge 1`. Default: 512
        n_features (int): number of features :math:`d \ge 1`. Default: 20
        n_classes (int): number of classes, :math:`\ge 2`. Default: 2
        class_sep (float): distance scale of the class means, :math:`\ge 0`.
            Default: 1.0
        outlier_fraction (float): fraction of rows to scale, in :math:`[0, 1]`.
            Default: 0.0
        outlier_scale (float): factor applied to the outlier rows, positive and
            finite. Default: 50.0
        seed (int): seed of the private generator, :math:`\ge 0`. Default: 0

    Returns:
        ``(X, y)``: ``X`` of shape ``(n, d)`` (``float32``) and labels ``y`` of
        shape ``(n,)`` (``int64``, values in ``0 .. n_classes - 1``).
    """
    n = check_int("n_samples", n_samples, minimum=1)
    d = check_int("n_features", n_features, minimum=1)
    c = check_int("n_classes", n_classes, minimum=2)
    class_sep = check_nonnegative_finite("class_sep", class_sep)
    frac = check_real("outlier_fraction", outlier_fraction)
    if not (0.0 <= frac <= 1.0):
        raise ValueError(f"outlier_fraction must be a number in [0, 1], got {outlier_fraction!r}")
    outlier_scale = check_positive_finite("outlier_scale", outlier_scale)
    g = _generator(seed)

    directions = torch.randn(c, d, generator=g)
    directions = directions / directions.norm(dim=1, keepdim=True).clamp_min(1e-12)
    means = 2.0 * class_sep * directions
    labels = (torch.arange(n) % c)[torch.randperm(n, generator=g)]
    X = means[labels] + torch.randn(n, d, generator=g)

    n_out = int(round(frac * n))
    if frac > 0.0:
        n_out = max(n_out, 1)
    if n_out > 0:
        rows = torch.randperm(n, generator=g)[:n_out]
        X[rows] *= outlier_scale
    return X, labels.to(torch.int64)


def make_word_counts(
    n_samples: int = 512,
    vocab_size: int = 50,
    *,
    doc_length: int = 20,
    strength: float = 0.5,
    junk_fraction: float = 0.0,
    junk_length: int = 20000,
    task_seed: int = 0,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    r"""Make a bag-of-words sentiment task: word counts of short reviews, plus rare long junk documents.

    The *task* (drawn from ``task_seed``) gives every word :math:`w` a sentiment
    score :math:`s_w \sim \mathcal{N}(0, 1)` and a base frequency
    :math:`b_w \sim \mathcal{N}(0, 0.5^2)`. A review of class :math:`k \in \{0, 1\}`
    draws its words independently from

    .. math::
        p_k(w) \propto \exp\big(b_w + (2k - 1)\,\text{strength}\; s_w\big),

    and has a length drawn uniformly from
    :math:`[\lfloor \text{doc\_length}/2 \rfloor, \lfloor 3\,\text{doc\_length}/2 \rfloor]`.
    The classes are balanced (sizes differ by at most one), rows in random order.

    Then ``round(junk_fraction * n)`` rows (at least one when ``junk_fraction > 0``),
    chosen at random, are replaced by *junk*: ``junk_length`` words drawn uniformly
    from the vocabulary (a pasted log file, say), keeping the row's label, which is
    therefore unrelated to the words. The features are the raw counts, so a junk row
    is about ``junk_length / doc_length`` times larger than a review: rare huge inputs.
    The *sample* (labels, lengths, words, junk rows) is drawn from ``seed``: two calls
    with the same ``task_seed`` and different ``seed`` give a training and a validation
    set of the same task.

    Args:
        n_samples (int): number of documents :math:`n \ge 1`. Default: 512
        vocab_size (int): number of distinct words :math:`V \ge 2`. Default: 50
        doc_length (int): typical review length, :math:`\ge 2`. Default: 20
        strength (float): how strongly words signal the class, :math:`\ge 0`. Default: 0.5
        junk_fraction (float): fraction of junk documents, in :math:`[0, 1]`. Default: 0.0
        junk_length (int): words per junk document, :math:`\ge 1`. Default: 20000
        task_seed (int): seed of the word scores, :math:`\ge 0`. Default: 0
        seed (int): seed of the sample, :math:`\ge 0`. Default: 0

    Returns:
        ``(X, y)``: counts ``X`` of shape ``(n, V)`` (``float32``, each row sums to
        the document's length) and labels ``y`` of shape ``(n,)`` (``int64``, 0 or 1).
    """
    n = check_int("n_samples", n_samples, minimum=1)
    V = check_int("vocab_size", vocab_size, minimum=2)
    doc_length = check_int("doc_length", doc_length, minimum=2)
    strength = check_nonnegative_finite("strength", strength)
    frac = check_real("junk_fraction", junk_fraction)
    if not (0.0 <= frac <= 1.0):
        raise ValueError(f"junk_fraction must be a number in [0, 1], got {junk_fraction!r}")
    junk_length = check_int("junk_length", junk_length, minimum=1)
    task_seed = check_int("task_seed", task_seed, minimum=0, maximum=_MAX_SEED)
    gt = _generator(task_seed)
    g = _generator(seed)

    scores = torch.randn(V, generator=gt)
    base = 0.5 * torch.randn(V, generator=gt)
    probs = torch.softmax(torch.stack([base - strength * scores, base + strength * scores]), dim=1)
    labels = (torch.arange(n) % 2)[torch.randperm(n, generator=g)]
    lengths = torch.randint(doc_length // 2, 3 * doc_length // 2 + 1, (n,), generator=g)
    n_junk = int(round(frac * n))
    if frac > 0.0:
        n_junk = max(n_junk, 1)
    junk = torch.zeros(n, dtype=torch.bool)
    junk[torch.randperm(n, generator=g)[:n_junk]] = True
    lengths[junk] = junk_length
    uniform = torch.full((V,), 1.0 / V)
    X = torch.zeros(n, V)
    for i in range(n):
        p = uniform if junk[i] else probs[labels[i]]
        words = torch.multinomial(p, int(lengths[i]), replacement=True, generator=g)
        X[i] = torch.bincount(words, minlength=V).to(torch.float32)
    return X, labels.to(torch.int64)


def make_adding_problem(
    n_samples: int = 256,
    seq_len: int = 50,
    *,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    r"""Make the adding problem (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013).

    Each sequence has :math:`T` = ``seq_len`` steps and two channels:
    channel 0 holds values :math:`v_t \sim U[0, 1]`, channel 1 is a marker that
    is 1 at exactly two positions, :math:`a` drawn uniformly from the first half
    :math:`[0, \lfloor T/2 \rfloor)` and :math:`b` from the second half
    :math:`[\lfloor T/2 \rfloor, T)`, and 0 elsewhere. The target is
    :math:`y = v_a + v_b`. Solving it needs information carried over up to
    :math:`T` steps, which is what makes gradients vanish or explode.

    Args:
        n_samples (int): number of sequences :math:`n \ge 1`. Default: 256
        seq_len (int): sequence length :math:`T \ge 2`. Default: 50
        seed (int): seed of the private generator, :math:`\ge 0`. Default: 0

    Returns:
        ``(X, y)``: ``X`` of shape ``(n, T, 2)`` and ``y`` of shape ``(n, 1)``,
        both ``float32``.
    """
    n = check_int("n_samples", n_samples, minimum=1)
    T = check_int("seq_len", seq_len, minimum=2)
    g = _generator(seed)
    half = T // 2
    values = torch.rand(n, T, generator=g)
    first = torch.randint(0, half, (n,), generator=g)
    second = torch.randint(half, T, (n,), generator=g)
    rows = torch.arange(n)
    markers = torch.zeros(n, T)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = torch.stack([values, markers], dim=2)
    y = (values[rows, first] + values[rows, second]).unsqueeze(1)
    return X, y


def make_loader(
    X: Tensor,
    y: Tensor,
    *,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
) -> DataLoader:
    r"""Wrap ``(X, y)`` in a :class:`~torch.utils.data.DataLoader` with a reproducible order.

    The loader iterates over a :class:`~torch.utils.data.TensorDataset` in
    batches of ``batch_size`` rows (the last batch may be smaller). It owns a
    :class:`torch.Generator` seeded with ``seed``: two loaders made with the
    same arguments give the same sequence of batches, epoch after epoch, and
    iterating never touches the global random number generator.

    Args:
        X (Tensor): inputs, first dimension :math:`n \ge 1`.
        y (Tensor): targets, first dimension :math:`n` too.
        batch_size (int): rows per batch, :math:`\ge 1`. Default: 32
        shuffle (bool): reshuffle the rows at every epoch. Default: ``True``
        seed (int): seed of the loader's generator, :math:`\ge 0`. Default: 0

    Returns:
        A DataLoader yielding ``(x_batch, y_batch)`` pairs.
    """
    if not isinstance(X, Tensor):
        raise TypeError(f"X must be a torch.Tensor, got {type(X).__name__}")
    if not isinstance(y, Tensor):
        raise TypeError(f"y must be a torch.Tensor, got {type(y).__name__}")
    if X.dim() == 0 or X.shape[0] == 0:
        raise ValueError(f"X must have at least one row, got shape {tuple(X.shape)}")
    if y.dim() == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must have the same first dimension as X ({X.shape[0]}), got shape {tuple(y.shape)}"
        )
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    # The generator is passed even without shuffling: the DataLoader draws a
    # base seed from it on every iteration, which would otherwise come from
    # (and advance) the global generator.
    g = _generator(seed)
    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle, generator=g)
