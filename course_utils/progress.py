"""Progress: an optional progress bar that stays silent in tests and quick runs."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TypeVar

from ._validation import check_int, check_optional_str

__all__ = ["progress_bar", "progress_enabled"]

T = TypeVar("T")

#: Environment variable that turns the bars off when set to ``"0"``.
ENV_VAR = "COURSE_UTILS_PROGRESS"


def progress_enabled(enabled: bool | None = None) -> bool:
    r"""Decide whether progress bars are shown.

    Args:
        enabled (bool, optional): an explicit choice, returned as is; ``None``
            means: shown unless the environment variable
            ``COURSE_UTILS_PROGRESS`` is ``"0"`` or the code runs under pytest
            (``PYTEST_CURRENT_TEST`` is set).

    Returns:
        Whether to show a bar.
    """
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise TypeError(
                f"enabled must be a bool or None, got {enabled!r} of type {type(enabled).__name__}"
            )
        return enabled
    if os.environ.get(ENV_VAR, "").strip() == "0":
        return False
    return "PYTEST_CURRENT_TEST" not in os.environ


def progress_bar(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str | None = None,
    enabled: bool | None = None,
) -> Iterable[T]:
    r"""Wrap ``iterable`` in a progress bar, or return it unchanged.

    The bar is a ``tqdm.auto.tqdm`` (a widget in Jupyter, text in a terminal)
    with ``delay=1.0``, so it only appears for loops that take more than a
    second, and ``leave=False``, so it disappears when done.

    Args:
        iterable (Iterable): what to iterate over.
        total (int, optional): number of items, if ``len(iterable)`` is not
            available or not the number of iterations. Default: ``None``
        desc (str, optional): a label shown before the bar. Default: ``None``
        enabled (bool, optional): ``True``/``False`` to force the choice;
            ``None`` decides with :func:`progress_enabled` (off under pytest
            or when ``COURSE_UTILS_PROGRESS=0``). Default: ``None``

    Returns:
        A tqdm bar iterating over ``iterable``, or ``iterable`` itself when
        disabled.
    """
    if not isinstance(iterable, Iterable):
        raise TypeError(f"iterable must be an iterable, got {type(iterable).__name__}")
    if total is not None:
        total = check_int("total", total, minimum=0)
    check_optional_str("desc", desc)
    if not progress_enabled(enabled):
        return iterable
    from tqdm.auto import tqdm  # imported lazily: picks the notebook bar in Jupyter

    bar: Any = tqdm(iterable, total=total, desc=desc, delay=1.0, leave=False)
    return bar
