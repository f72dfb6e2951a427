"""Monitoring: record gradient norms inside your own training loop, cheaply."""

from __future__ import annotations

import math
import numbers
import statistics
from collections import deque

import numpy as np
import torch
from torch import Tensor

from ._validation import check_int, check_positive_finite, check_real
from .training import History, clipped_norm

__all__ = ["GradNormMonitor"]


def _to_float(x: Tensor | float) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


class GradNormMonitor:
    r"""Record the global gradient norm of each step of your own training loop.

    It reuses the total norm that :func:`torch.nn.utils.clip_grad_norm_`
    returns instead of computing it a second time::

        monitor = GradNormMonitor(max_norm=1.0)
        for x, y in loader:
            opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward()
            total = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            monitor.record(total, loss=loss)
            opt.step()
        print(monitor.summary())

    :meth:`record` only stores detached 0-dim tensors; they are turned into
    floats when a result is asked for (no device synchronisation per step).
    The norm after clipping is computed analytically, like PyTorch's clip
    coefficient:

    .. math::
        \|g\|_{\text{after}} = \|g\| \min\left(1, \frac{\text{max\_norm}}{\|g\| + 10^{-6}}\right),
        \qquad \text{clipped} = \|g\| > \text{max\_norm}.

    A step is a *spike* when its norm exceeds ``spike_factor`` times the
    median of the previous ``window`` finite norms (at least 3 of them).

    Args:
        max_norm (float, optional): the clipping threshold used in the loop,
            positive and finite; ``None`` if the loop does not clip. Default: ``None``
        spike_factor (float): spike threshold as a multiple of the running
            median, :math:`> 1` and finite. Default: 10.0
        window (int): how many previous finite norms the running median uses,
            :math:`\ge 3`. Default: 20
    """

    def __init__(
        self,
        max_norm: float | None = None,
        *,
        spike_factor: float = 10.0,
        window: int = 20,
    ) -> None:
        self.max_norm: float | None = (
            None if max_norm is None else check_positive_finite("max_norm", max_norm)
        )
        sf = check_real("spike_factor", spike_factor)
        if not (math.isfinite(sf) and sf > 1.0):
            raise ValueError(f"spike_factor must be a finite number > 1, got {spike_factor!r}")
        self.spike_factor = sf
        self.window = check_int("window", window, minimum=3)
        self.reset()

    def reset(self) -> None:
        r"""Forget all recorded steps.

        Returns:
            None
        """
        self._raw_norms: list[Tensor | float] = []
        self._raw_losses: list[Tensor | float | None] = []
        self._epochs: list[int] = []
        self._norms: list[float] = []
        self._losses: list[float | None] = []

    def record(
        self,
        total_norm: Tensor | float,
        loss: Tensor | float | None = None,
        *,
        epoch: int = 0,
    ) -> None:
        r"""Store the total gradient norm (and loss) of one step.

        Args:
            total_norm (Tensor or float): the global gradient norm before
                clipping, e.g. the value returned by ``clip_grad_norm_``.
            loss (Tensor or float, optional): the step's loss. Default: ``None``
            epoch (int): the epoch of the step, :math:`\ge 0`. Default: 0

        Returns:
            None
        """
        if isinstance(total_norm, Tensor):
            if total_norm.numel() != 1:
                raise ValueError(
                    "total_norm must be a single number (0-dim tensor), "
                    f"got a tensor of shape {tuple(total_norm.shape)}"
                )
            if total_norm.requires_grad:
                total_norm = total_norm.detach()
        elif isinstance(total_norm, bool) or not isinstance(total_norm, numbers.Real):
            raise TypeError(f"total_norm must be a tensor or a float, got {type(total_norm).__name__}")
        elif total_norm < 0:
            raise ValueError(f"total_norm must be a norm (>= 0, inf or nan), got {total_norm!r}")
        if isinstance(loss, Tensor):
            if loss.numel() != 1:
                raise ValueError(
                    f"loss must be a single number (0-dim tensor), got a tensor of shape {tuple(loss.shape)}"
                )
            loss = loss.detach()
        elif loss is not None and (isinstance(loss, bool) or not isinstance(loss, numbers.Real)):
            raise TypeError(f"loss must be a tensor, a float or None, got {type(loss).__name__}")
        if type(epoch) is not int:
            epoch = check_int("epoch", epoch, minimum=0)
        elif epoch < 0:
            raise ValueError(f"epoch must be an int >= 0, got {epoch}")
        self._raw_norms.append(total_norm)
        self._raw_losses.append(loss)
        self._epochs.append(epoch)

    def _sync(self) -> None:
        """Convert the values recorded since the last call into floats."""
        start = len(self._norms)
        if start == len(self._raw_norms):
            return
        new_norms = self._raw_norms[start:]
        new_losses = self._raw_losses[start:]
        with torch.no_grad():
            self._norms.extend(_to_float(x) for x in new_norms)
            self._losses.extend(None if x is None else _to_float(x) for x in new_losses)
        # the floats replace the tensors: drop the references
        self._raw_norms[start:] = self._norms[start:]
        self._raw_losses[start:] = self._losses[start:]

    def __len__(self) -> int:
        return len(self._raw_norms)

    @property
    def norms(self) -> np.ndarray:
        """The recorded norms (before clipping), ``float64`` array of shape ``(n_steps,)``."""
        self._sync()
        return np.asarray(self._norms, dtype=np.float64)

    @property
    def history(self) -> History:
        r"""A :class:`~course_utils.training.History` of what was recorded.

        Steps are numbered from 0; ``norm_after`` and ``clipped`` are computed
        from ``max_norm`` as described in the class docstring; ``nonfinite``
        marks an inf/nan norm or loss.
        """
        self._sync()
        h = History()
        m = self.max_norm
        for step, (before, loss, epoch) in enumerate(zip(self._norms, self._losses, self._epochs)):
            if m is None:
                after, clipped = before, False
            else:
                # A NaN norm counts as clipped, as in ClipByNorm: PyTorch scales by NaN.
                after, clipped = clipped_norm(before, m), math.isnan(before) or before > m
            h.record(
                loss=loss,
                norm_before=before,
                norm_after=after,
                clipped=clipped,
                epoch=epoch,
                step=step,
            )
        return h

    def _finite_norms(self) -> list[float]:
        self._sync()
        return [x for x in self._norms if math.isfinite(x)]

    def spikes(self) -> list[int]:
        r"""Steps whose norm is a spike.

        A finite norm :math:`n_t` is a spike when
        :math:`n_t > \text{spike\_factor} \cdot \operatorname{median}(\text{previous finite norms})`,
        the median taken over the last ``window`` finite norms before step
        :math:`t`, of which there must be at least 3. Non-finite norms are
        not spikes (see :meth:`nonfinite_steps`) and are not part of the window.

        Returns:
            The spike step numbers, increasing.
        """
        self._sync()
        return self._spike_steps(self._norms)

    def loss_spikes(self) -> list[int]:
        r"""Steps whose loss is a spike, by the same rule as :meth:`spikes`.

        The loss of step :math:`t` is a spike when it exceeds ``spike_factor``
        times the median of the last ``window`` finite losses before it (at
        least 3). Steps recorded without a loss are skipped. Use it to put the
        loss on the same footing as the norm: whichever spikes first warned first.

        Returns:
            The spike step numbers, increasing.
        """
        self._sync()
        return self._spike_steps(self._losses)

    def _spike_steps(self, values: list[float] | list[float | None]) -> list[int]:
        previous: deque[float] = deque(maxlen=self.window)
        out: list[int] = []
        for step, x in enumerate(values):
            if x is None or not math.isfinite(x):
                continue
            if len(previous) >= 3 and x > self.spike_factor * statistics.median(previous):
                out.append(step)
            previous.append(x)
        return out

    def nonfinite_steps(self) -> list[int]:
        r"""Steps whose norm or loss is ``inf`` or ``nan``.

        Returns:
            The step numbers, increasing.
        """
        self._sync()
        return [
            i
            for i, (x, loss) in enumerate(zip(self._norms, self._losses))
            if not math.isfinite(x) or (loss is not None and not math.isfinite(loss))
        ]

    def median_norm(self) -> float:
        r"""Median of the finite recorded norms.

        Returns:
            The median, a float.
        """
        finite = self._finite_norms()
        if not finite:
            raise ValueError("median_norm needs at least one finite recorded norm, got none")
        return float(statistics.median(finite))

    def percentile(self, q: float) -> float:
        r"""The ``q``-th percentile of the finite recorded norms (linear interpolation).

        A common rule for choosing ``max_norm`` is a high percentile (e.g. 90)
        of the norms seen without clipping.

        Args:
            q (float): the percentile, in :math:`[0, 100]`.

        Returns:
            The percentile, a float.
        """
        qf = check_real("q", q)
        if not (0.0 <= qf <= 100.0):
            raise ValueError(f"q must be a number in [0, 100], got {q!r}")
        finite = self._finite_norms()
        if not finite:
            raise ValueError("percentile needs at least one finite recorded norm, got none")
        return float(np.percentile(np.asarray(finite, dtype=np.float64), qf))

    def summary(self) -> str:
        r"""One line: steps, clip rate, median and max norm, spikes, non-finite steps.

        Returns:
            The summary line (no trailing newline).
        """
        n = len(self)
        if n == 0:
            return "GradNormMonitor: 0 steps recorded"
        finite = self._finite_norms()
        if self.max_norm is None:
            rate = "clip rate n/a (no max_norm)"
        else:
            n_clipped = sum(1 for x in self._norms if math.isnan(x) or x > self.max_norm)
            rate = f"clip rate {100.0 * n_clipped / n:.1f}% (max_norm={self.max_norm:g})"
        if finite:
            med = f"median norm {statistics.median(finite):.4g}"
            mx = f"max norm {max(finite):.4g}"
        else:
            med, mx = "median norm n/a", "max norm n/a"
        return (
            f"GradNormMonitor: {n} steps, {rate}, {med}, {mx}, "
            f"{len(self.spikes())} spikes, {len(self.nonfinite_steps())} non-finite steps"
        )

    def __repr__(self) -> str:
        return (
            f"GradNormMonitor(max_norm={self.max_norm!r}, spike_factor={self.spike_factor:g}, "
            f"window={self.window}, steps={len(self)})"
        )
