"""Training: pluggable clipping strategies, a per-step history, and a training loop.

A *clipping strategy* is any callable ``f(params) -> bool | None`` that takes
the list of parameters and modifies their ``.grad`` in place. It returns
``True`` if it changed the gradients, ``False`` if it did not, or ``None`` if
it does not know (then :func:`train` compares the norms before and after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from ._validation import (
    check_bool,
    check_int,
    check_positive_finite,
    check_real,
)
from .progress import progress_bar

__all__ = [
    "ClipStrategy",
    "NoClip",
    "ClipByNorm",
    "ClipByValue",
    "as_clipper",
    "clipped_norm",
    "History",
    "train",
]

ClipStrategy = Callable[[list[nn.Parameter]], bool | None]
"""Type of a clipping strategy: ``f(params) -> bool | None``, modifying grads in place."""

#: The epsilon PyTorch adds to the total norm in the clip coefficient.
_EPS = 1e-6


def _grads(params: Iterable[nn.Parameter]) -> list[Tensor]:
    return [p.grad for p in params if p.grad is not None]


def _total_norm(grads: list[Tensor], norm_type: float = 2.0) -> Tensor:
    if not grads:
        return torch.zeros(())
    return torch.nn.utils.get_total_norm(grads, norm_type)


def clipped_norm(norm_before: float, max_norm: float) -> float:
    r"""Compute the L2 norm that :func:`torch.nn.utils.clip_grad_norm_` leaves behind.

    PyTorch multiplies every gradient by the clip coefficient
    :math:`c = \min(1, \text{max\_norm} / (\|g\| + 10^{-6}))`, so the norm after
    clipping is

    .. math::
        \|g\|_{\text{after}} = \|g\|_{\text{before}} \cdot
        \min\left(1, \frac{\text{max\_norm}}{\|g\|_{\text{before}} + 10^{-6}}\right).

    A non-finite ``norm_before`` (``inf`` or ``nan``) gives ``nan``, as the
    gradients PyTorch leaves behind are then non-finite too.

    Args:
        norm_before (float): the total norm before clipping.
        max_norm (float): the clipping threshold.

    Returns:
        The total norm after clipping.
    """
    norm_before = check_real("norm_before", norm_before)
    if norm_before < 0:
        raise ValueError(f"norm_before must be a norm (>= 0, inf or nan), got {norm_before!r}")
    max_norm = check_positive_finite("max_norm", max_norm)
    coef = max_norm / (norm_before + _EPS)
    if math.isnan(coef):
        return math.nan
    return norm_before * min(1.0, coef)


@dataclass(frozen=True)
class NoClip:
    r"""The clipping strategy that leaves the gradients unchanged.

    Calling it returns ``False`` (gradients not changed).
    """

    def __call__(self, params: list[nn.Parameter]) -> bool:
        r"""Do nothing.

        Args:
            params (list[nn.Parameter]): the parameters (ignored).

        Returns:
            ``False``.
        """
        return False


def _check_norm_type(norm_type: Any) -> float:
    v = check_real("norm_type", norm_type)
    if math.isnan(v) or v < 1.0:
        raise ValueError(f"norm_type must be a number >= 1 or math.inf, got {norm_type!r}")
    return v


@dataclass(frozen=True)
class ClipByNorm:
    r"""Clip the global gradient norm with :func:`torch.nn.utils.clip_grad_norm_`.

    All gradients are multiplied by the same factor

    .. math::
        c = \min\left(1, \frac{\text{max\_norm}}{\|g\|_p + 10^{-6}}\right),

    where :math:`\|g\|_p` is the ``norm_type``-norm of all gradients seen as
    one vector; the direction of the update is kept, only its length is capped.

    Args:
        max_norm (float): the threshold, positive and finite.
        norm_type (float): the :math:`p` of the norm, a number :math:`\ge 1` or
            ``math.inf``. Default: 2.0

    Calling the strategy on a list of parameters clips their gradients in
    place and returns ``True`` if the total norm exceeded ``max_norm``.
    """

    max_norm: float
    norm_type: float = 2.0

    def __post_init__(self) -> None:
        # Frozen: the checked (and float-converted) values are stored through object.__setattr__.
        object.__setattr__(self, "max_norm", check_positive_finite("max_norm", self.max_norm))
        object.__setattr__(self, "norm_type", _check_norm_type(self.norm_type))

    def __call__(self, params: list[nn.Parameter]) -> bool:
        r"""Clip the gradients of ``params`` in place.

        Args:
            params (list[nn.Parameter]): the parameters whose ``.grad`` to clip.

        Returns:
            ``bool(total_norm > max_norm)``, the norm taken before clipping.
        """
        total = float(torch.nn.utils.clip_grad_norm_(params, self.max_norm, self.norm_type).item())
        # Compared in double precision, like GradNormMonitor and train's records.  A NaN total
        # counts as clipped: PyTorch has then multiplied every gradient by NaN.
        return math.isnan(total) or total > self.max_norm


@dataclass(frozen=True)
class ClipByValue:
    r"""Clip every gradient element to :math:`[-c, c]` (:func:`torch.nn.utils.clip_grad_value_`).

    .. math::
        g_i \leftarrow \max(-c, \min(c, g_i))

    Unlike :class:`ClipByNorm` this changes the direction of the update.

    Args:
        clip_value (float): the bound :math:`c`, positive and finite.

    Calling the strategy on a list of parameters clips their gradients in
    place and returns ``True`` if some :math:`|g_i| > c` (checked before
    clipping).
    """

    clip_value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "clip_value", check_positive_finite("clip_value", self.clip_value))

    def __call__(self, params: list[nn.Parameter]) -> bool:
        r"""Clamp the gradients of ``params`` in place.

        Args:
            params (list[nn.Parameter]): the parameters whose ``.grad`` to clamp.

        Returns:
            ``True`` if :math:`\max_i |g_i| > c` before clamping.
        """
        grads = _grads(params)
        if not grads:
            return False
        exceeded = bool(_total_norm(grads, math.inf) > self.clip_value)
        torch.nn.utils.clip_grad_value_(params, self.clip_value)
        return exceeded


def as_clipper(clip: Any) -> ClipStrategy:
    r"""Turn the ``clip`` argument of :func:`train` into a clipping strategy.

    Args:
        clip: ``None`` or ``"none"`` (no clipping), a :class:`ClipByNorm` /
            :class:`ClipByValue` / :class:`NoClip`, or any callable
            ``f(params) -> bool | None`` that modifies ``p.grad`` in place.

    Returns:
        A callable clipping strategy (``NoClip()`` for ``None``/``"none"``,
        otherwise ``clip`` itself).
    """
    if clip is None or (isinstance(clip, str) and clip.lower() == "none"):
        return NoClip()
    if callable(clip) and not isinstance(clip, (str, type)):
        return clip
    hint = ""
    if isinstance(clip, (int, float)) and not isinstance(clip, bool):
        hint = f" (for norm clipping write clip=ClipByNorm({clip!r}))"
    raise TypeError(
        "clip must be None, 'none', a ClipByNorm/ClipByValue or a callable "
        f"f(params) -> bool | None, got {clip!r}{hint}"
    )


def _fmt_float(x: float, digits: int) -> str:
    return f"{x:.{digits}f}"


class History:
    r"""Per-step record of a training run: loss, gradient norms and clipping.

    One record per optimizer step, with fields

    * ``step`` (int): global step number, from 0;
    * ``epoch`` (int): epoch of the step, from 0;
    * ``loss`` (float): the training loss of the batch (``nan`` if not recorded);
    * ``norm_before`` (float): global L2 norm :math:`\|g\|_2` of all gradients
      before clipping, computed with :func:`torch.nn.utils.get_total_norm`;
    * ``norm_after`` (float): the same after clipping;
    * ``clipped`` (bool): whether the clipping strategy changed the gradients;
    * ``nonfinite`` (bool): the loss or ``norm_before`` is ``inf`` or ``nan``.

    Optionally ``layer_norms``: for every named parameter, the list of the L2
    norms of its gradient before clipping, one per recorded step (``nan``
    when the parameter had no gradient).

    The fields are read as NumPy arrays through the properties :attr:`steps`,
    :attr:`epochs`, :attr:`losses`, :attr:`norms_before`, :attr:`norms_after`,
    :attr:`clipped` and :attr:`nonfinite`.
    """

    def __init__(self) -> None:
        self._steps: list[int] = []
        self._epochs: list[int] = []
        self._losses: list[float] = []
        self._has_loss: list[bool] = []
        self._before: list[float] = []
        self._after: list[float] = []
        self._clipped: list[bool] = []
        self._nonfinite: list[bool] = []
        self.layer_norms: dict[str, list[float]] = {}

    # ------------------------------------------------------------------ recording
    def record(
        self,
        *,
        loss: float | None,
        norm_before: float,
        norm_after: float | None = None,
        clipped: bool = False,
        epoch: int = 0,
        step: int | None = None,
        nonfinite: bool | None = None,
        layer_norms: Mapping[str, float] | None = None,
    ) -> None:
        r"""Append one step.

        Args:
            loss (float or None): the batch loss; ``None`` if not known (stored
                as ``nan``, not counted as non-finite).
            norm_before (float): global gradient norm before clipping.
            norm_after (float, optional): the norm after clipping; defaults to
                ``norm_before`` (no clipping).
            clipped (bool): whether clipping changed the gradients. Default: ``False``
            epoch (int): epoch of the step, :math:`\ge 0`. Default: 0
            step (int, optional): global step number; defaults to one more than
                the last recorded step (0 for the first).
            nonfinite (bool, optional): defaults to "``loss`` or ``norm_before``
                is ``inf``/``nan``".
            layer_norms (Mapping[str, float], optional): per-parameter gradient
                norms before clipping, appended to :attr:`layer_norms`.

        Returns:
            None
        """
        has_loss = loss is not None
        loss_f = check_real("loss", loss) if loss is not None else math.nan
        before = check_real("norm_before", norm_before)
        after = before if norm_after is None else check_real("norm_after", norm_after)
        for name, value in (("norm_before", before), ("norm_after", after)):
            if value < 0:
                raise ValueError(f"{name} must be a norm (>= 0, inf or nan), got {value!r}")
        epoch = check_int("epoch", epoch, minimum=0)
        if step is not None:
            step = check_int("step", step, minimum=0)
        if nonfinite is None:
            nonfinite = not math.isfinite(before) or (has_loss and not math.isfinite(loss_f))
        if step is None:
            step = self._steps[-1] + 1 if self._steps else 0
        self._steps.append(int(step))
        self._epochs.append(int(epoch))
        self._losses.append(loss_f)
        self._has_loss.append(has_loss)
        self._before.append(before)
        self._after.append(after)
        self._clipped.append(bool(clipped))
        self._nonfinite.append(bool(nonfinite))
        n_prev = len(self._steps) - 1
        if layer_norms is not None:
            for name, value in layer_norms.items():
                series = self.layer_norms.get(name)
                if series is None:
                    series = self.layer_norms[name] = [math.nan] * n_prev
                series.append(float(value))
        # Every series has one entry per recorded step, NaN where a step did not report it.
        for series in self.layer_norms.values():
            if len(series) < len(self._steps):
                series.append(math.nan)

    # ------------------------------------------------------------------ arrays
    def __len__(self) -> int:
        return len(self._steps)

    @property
    def steps(self) -> np.ndarray:
        """Global step numbers, ``int64`` array of shape ``(n_steps,)``."""
        return np.asarray(self._steps, dtype=np.int64)

    @property
    def epochs(self) -> np.ndarray:
        """Epoch of each step, ``int64`` array of shape ``(n_steps,)``."""
        return np.asarray(self._epochs, dtype=np.int64)

    @property
    def losses(self) -> np.ndarray:
        """Loss of each step (``nan`` where not recorded), ``float64`` array."""
        return np.asarray(self._losses, dtype=np.float64)

    @property
    def norms_before(self) -> np.ndarray:
        """Global gradient L2 norm before clipping at each step, ``float64`` array."""
        return np.asarray(self._before, dtype=np.float64)

    @property
    def norms_after(self) -> np.ndarray:
        """Global gradient L2 norm after clipping at each step, ``float64`` array."""
        return np.asarray(self._after, dtype=np.float64)

    @property
    def clipped(self) -> np.ndarray:
        """Whether the gradients were clipped at each step, ``bool`` array."""
        return np.asarray(self._clipped, dtype=bool)

    @property
    def nonfinite(self) -> np.ndarray:
        """Whether the loss or the norm before clipping was inf/nan, ``bool`` array."""
        return np.asarray(self._nonfinite, dtype=bool)

    @property
    def clip_rate(self) -> float:
        r"""Fraction of steps whose gradients were clipped (0.0 for an empty history)."""
        if not self._clipped:
            return 0.0
        return sum(self._clipped) / len(self._clipped)

    @property
    def first_nonfinite_step(self) -> int | None:
        """Step number of the first non-finite step, or ``None`` if there is none."""
        for s, bad in zip(self._steps, self._nonfinite):
            if bad:
                return s
        return None

    # ------------------------------------------------------------------ summaries
    def epoch_summary(self) -> list[dict[str, Any]]:
        r"""Summarise the history epoch by epoch.

        Returns:
            One dict per epoch (in order of first appearance) with keys
            ``epoch``, ``steps`` (number of steps), ``mean_norm_before``,
            ``max_norm_before``, ``mean_norm_after``, ``max_norm_after``,
            ``clip_rate`` (fraction of steps clipped), ``mean_loss`` (over the
            steps with a recorded loss; ``nan`` if none) and ``nonfinite_steps``.
            Means and maxima include non-finite values (so they show as
            ``inf``/``nan``).
        """
        rows: list[dict[str, Any]] = []
        if not self._steps:
            return rows
        epochs = self.epochs
        before, after = self.norms_before, self.norms_after
        losses, has_loss = self.losses, np.asarray(self._has_loss, dtype=bool)
        clipped, nonfinite = self.clipped, self.nonfinite
        _, first = np.unique(epochs, return_index=True)
        with np.errstate(all="ignore"):
            for e in epochs[np.sort(first)]:
                m = epochs == e
                lm = m & has_loss
                rows.append(
                    {
                        "epoch": int(e),
                        "steps": int(m.sum()),
                        "mean_norm_before": float(before[m].mean()),
                        "max_norm_before": float(before[m].max()),
                        "mean_norm_after": float(after[m].mean()),
                        "max_norm_after": float(after[m].max()),
                        "clip_rate": float(clipped[m].mean()),
                        "mean_loss": float(losses[lm].mean()) if lm.any() else math.nan,
                        "nonfinite_steps": int(nonfinite[m].sum()),
                    }
                )
        return rows

    _TABLE_HEADER = (
        "epoch",
        "norm before (mean)",
        "norm before (max)",
        "norm after (mean)",
        "norm after (max)",
        "clipped %",
        "loss (mean)",
    )

    def format_epoch_table(self, digits: int = 3) -> str:
        r"""Format :meth:`epoch_summary` as a fixed-width text table.

        Columns: ``epoch | norm before (mean) | norm before (max) |
        norm after (mean) | norm after (max) | clipped % | loss (mean)``,
        a header row, a rule, then one row per epoch. Numbers are
        right-aligned and written with ``digits`` decimals
        (``f"{x:.{digits}f}"``; ``clipped %`` is :math:`100 \times` the clip
        rate, with one decimal); the text depends only on the recorded values.

        Args:
            digits (int): decimals, an int in ``[0, 12]``. Default: 3

        Returns:
            The table as a string (lines separated by ``"\n"``, no trailing newline).
        """
        digits = check_int("digits", digits, minimum=0, maximum=12)
        body: list[tuple[str, ...]] = []
        for r in self.epoch_summary():
            body.append(
                (
                    str(r["epoch"]),
                    _fmt_float(r["mean_norm_before"], digits),
                    _fmt_float(r["max_norm_before"], digits),
                    _fmt_float(r["mean_norm_after"], digits),
                    _fmt_float(r["max_norm_after"], digits),
                    _fmt_float(100.0 * r["clip_rate"], 1),
                    _fmt_float(r["mean_loss"], digits),
                )
            )
        header = self._TABLE_HEADER
        widths = [max([len(h)] + [len(row[i]) for row in body]) for i, h in enumerate(header)]
        lines = [" | ".join(h.rjust(w) for h, w in zip(header, widths))]
        lines.append("-+-".join("-" * w for w in widths))
        for row in body:
            lines.append(" | ".join(c.rjust(w) for c, w in zip(row, widths)))
        return "\n".join(lines)

    def print_epoch_table(self, digits: int = 3) -> None:
        r"""Print :meth:`format_epoch_table` to standard output.

        Args:
            digits (int): decimals. Default: 3

        Returns:
            None
        """
        print(self.format_epoch_table(digits))

    def to_dict(self) -> dict[str, Any]:
        r"""Return the records as plain Python lists (JSON-serialisable except for nan/inf).

        Returns:
            A dict with keys ``step``, ``epoch``, ``loss``, ``norm_before``,
            ``norm_after``, ``clipped``, ``nonfinite`` (lists, one entry per
            step) and ``layer_norms`` (dict of lists).
        """
        return {
            "step": list(self._steps),
            "epoch": list(self._epochs),
            "loss": [loss if has else None for loss, has in zip(self._losses, self._has_loss)],
            "norm_before": list(self._before),
            "norm_after": list(self._after),
            "clipped": list(self._clipped),
            "nonfinite": list(self._nonfinite),
            "layer_norms": {k: list(v) for k, v in self.layer_norms.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        r"""Rebuild a History from the output of :meth:`to_dict`.

        Args:
            data (Mapping[str, Any]): a dict as returned by :meth:`to_dict`.

        Returns:
            A new History with the same records.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping from to_dict(), got {type(data).__name__}")
        keys = ("step", "epoch", "loss", "norm_before", "norm_after", "clipped", "nonfinite")
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValueError(f"data must have the keys {list(keys)}, got {sorted(data)}")
        lengths = {k: len(data[k]) for k in keys}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"data must hold lists of equal lengths, got lengths {lengths}")
        h = cls()
        for s, e, loss, b, a, c, nf in zip(*(data[k] for k in keys)):
            h.record(loss=loss, norm_before=b, norm_after=a, clipped=c, epoch=e, step=s, nonfinite=nf)
        layer_norms = data.get("layer_norms", {})
        h.layer_norms = {str(k): [float(x) for x in v] for k, v in layer_norms.items()}
        return h

    def __repr__(self) -> str:
        n_epochs = len(set(self._epochs))
        return (
            f"History(steps={len(self)}, epochs={n_epochs}, clip_rate={self.clip_rate:.3f}, "
            f"first_nonfinite_step={self.first_nonfinite_step})"
        )


# ---------------------------------------------------------------------- train
def _is_tensor_pair(data: Any) -> bool:
    return (
        isinstance(data, tuple)
        and len(data) == 2
        and isinstance(data[0], Tensor)
        and isinstance(data[1], Tensor)
    )


def _count_batches(data: Any) -> int | None:
    if _is_tensor_pair(data):
        return 1
    try:
        return len(data)
    except TypeError:
        return None


def _iter_batches(data: Any) -> Iterator[Any]:
    if _is_tensor_pair(data):
        return iter((data,))
    return iter(data)


def train(
    model: nn.Module,
    data: DataLoader | Iterable[tuple[Any, Any]] | tuple[Tensor, Tensor],
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int = 1,
    clip: Any = None,
    max_steps: int | None = None,
    skip_nonfinite: bool = False,
    stop_on_nonfinite: bool = True,
    record_layer_norms: bool = False,
    progress: bool | None = None,
) -> History:
    r"""Train ``model`` and record the loss and the gradient norm at every step.

    Each step, for a batch ``(x, y)``:

    1. ``optimizer.zero_grad(set_to_none=True)``, ``loss = loss_fn(model(x), y)``,
       ``loss.backward()``;
    2. ``norm_before`` :math:`= \|g\|_2`, the L2 norm of all gradients as one
       vector (:func:`torch.nn.utils.get_total_norm`);
    3. the clipping strategy ``clip`` modifies the gradients in place;
    4. ``norm_after``: equal to ``norm_before`` for :class:`NoClip` (nothing
       changed); otherwise measured again from the clipped gradients;
    5. the step is recorded; ``clipped`` is the strategy's answer, or, when it
       returns ``None``, ``norm_after < norm_before * (1 - 1e-6)``;
    6. ``optimizer.step()``, unless the step is non-finite (loss or
       ``norm_before`` is inf/nan) and ``skip_nonfinite`` is set.

    On a non-finite step with ``stop_on_nonfinite=True`` (the default) the step
    is recorded, the optimizer does not step, and training stops.

    The model is put in training mode (``model.train()``).

    Args:
        model (nn.Module): the model to train.
        data: a :class:`~torch.utils.data.DataLoader` or any re-iterable of
            ``(x, y)`` batches (iterated once per epoch), or a tuple
            ``(X, y)`` of tensors (one full-batch step per epoch).
        loss_fn (Callable): ``loss_fn(output, y)`` returning a scalar tensor.
        optimizer (torch.optim.Optimizer): optimizer over the model's parameters.
        epochs (int): number of passes over ``data``, :math:`\ge 1`. Default: 1
        clip: the clipping strategy, anything :func:`as_clipper` accepts.
            Default: ``None`` (no clipping)
        max_steps (int, optional): stop after this many steps (:math:`\ge 1`).
            Default: ``None``
        skip_nonfinite (bool): skip ``optimizer.step()`` on non-finite steps
            (when not stopping). Default: ``False``
        stop_on_nonfinite (bool): stop at the first non-finite step. Default: ``True``
        record_layer_norms (bool): also record, per named parameter, the L2
            norm of its gradient before clipping (``History.layer_norms``).
            Default: ``False``
        progress (bool, optional): show a progress bar; ``None`` decides as
            :func:`course_utils.progress.progress_bar` does. Default: ``None``

    Returns:
        The :class:`History` of the run.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    if not all(callable(getattr(optimizer, m, None)) for m in ("zero_grad", "step")):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer (with zero_grad and step), got {optimizer!r}"
        )
    epochs = check_int("epochs", epochs, minimum=1)
    if max_steps is not None:
        max_steps = check_int("max_steps", max_steps, minimum=1)
    skip_nonfinite = check_bool("skip_nonfinite", skip_nonfinite)
    stop_on_nonfinite = check_bool("stop_on_nonfinite", stop_on_nonfinite)
    record_layer_norms = check_bool("record_layer_norms", record_layer_norms)
    if progress is not None:
        check_bool("progress", progress)
    clipper = as_clipper(clip)
    if isinstance(data, (str, bytes)) or not (_is_tensor_pair(data) or isinstance(data, Iterable)):
        raise TypeError(
            "data must be a DataLoader, an iterable of (x, y) batches or a tuple (X, y) "
            f"of tensors, got {type(data).__name__}"
        )
    if isinstance(data, tuple) and len(data) == 2 and any(isinstance(t, Tensor) for t in data):
        if not _is_tensor_pair(data):
            raise TypeError(
                f"data as a tuple (X, y) must hold two tensors, got "
                f"({type(data[0]).__name__}, {type(data[1]).__name__})"
            )
        X, Y = cast(tuple[Tensor, Tensor], data)
        if X.shape[:1] != Y.shape[:1]:
            raise ValueError(
                "data as a tuple (X, y) needs X and y with the same first dimension, got "
                f"shapes {tuple(X.shape)} and {tuple(Y.shape)}"
            )
    # (isinstance, not iter(data) is data: iterating a DataLoader draws from its generator)
    if epochs > 1 and isinstance(data, Iterator):
        raise ValueError(
            f"data must be re-iterable to train for epochs={epochs} (a DataLoader or a list "
            f"of batches), got a one-shot iterator of type {type(data).__name__}"
        )

    params = [p for p in model.parameters() if p.requires_grad]
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("model must have trainable parameters (requires_grad=True), got none")
    no_clip = isinstance(clipper, NoClip)

    n_batches = _count_batches(data)
    total = n_batches * epochs if n_batches is not None else None
    if max_steps is not None:
        total = max_steps if total is None else min(total, max_steps)

    def steps_iter() -> Generator[tuple[int, Any], None, None]:
        for epoch in range(epochs):
            for batch in _iter_batches(data):
                yield epoch, batch

    history = History()
    model.train()
    stream = steps_iter()
    bar: Any = progress_bar(stream, total=total, desc="training", enabled=progress)
    step = 0
    try:
        for epoch, batch in bar:
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                raise ValueError(
                    "data must yield (x, y) pairs, got a batch of type "
                    f"{type(batch).__name__}"
                    + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
                )
            x, y = batch
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            if not isinstance(loss, Tensor) or loss.numel() != 1:
                raise TypeError(
                    f"loss_fn must return a scalar tensor, got {type(loss).__name__}"
                    + (f" of shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else "")
                )
            loss.backward()
            grads = _grads(params)
            before_t = _total_norm(grads)
            loss_val, before = torch.stack(
                [loss.detach().reshape(()).to(torch.float64), before_t.to(torch.float64)]
            ).tolist()
            layer: dict[str, float] | None = None
            if record_layer_norms:
                with torch.no_grad():
                    per = [
                        torch.linalg.vector_norm(p.grad).to(torch.float64)
                        if p.grad is not None
                        else torch.tensor(math.nan, dtype=torch.float64)
                        for p in params
                    ]
                    layer = dict(zip(names, torch.stack(per).tolist()))
            nonfinite = not (math.isfinite(loss_val) and math.isfinite(before))

            result = clipper(params)
            if no_clip:
                after = before
            else:
                # Measured from the clipped gradients, never derived from the threshold, so
                # that what a lesson shows about "after" is an observation, not an assumption.
                after = float(_total_norm(_grads(params)).item())
            if result is None:
                clipped = after < before * (1.0 - 1e-6)
            else:
                clipped = bool(result)

            history.record(
                loss=loss_val,
                norm_before=before,
                norm_after=after,
                clipped=clipped,
                epoch=epoch,
                step=step,
                nonfinite=nonfinite,
                layer_norms=layer,
            )
            step += 1
            if nonfinite and stop_on_nonfinite:
                break
            if not (nonfinite and skip_nonfinite):
                optimizer.step()
            if max_steps is not None and step >= max_steps:
                break
    finally:
        if bar is not stream:  # a tqdm bar
            # after an early stop, shrink the total so that the bar closes quietly
            # (leave=False) instead of staying on screen as an unfinished bar
            if getattr(bar, "total", None) and bar.n < bar.total:
                bar.total = bar.n
            bar.close()
        stream.close()
    return history
