"""Private argument-checking helpers shared by the ``course_utils`` modules.

Every helper raises :class:`TypeError` (wrong kind of value) or
:class:`ValueError` (right kind, wrong value) with a message that names the
argument, shows the value received and says what was expected, e.g.
``ValueError("max_norm must be a positive finite number, got -1.0")``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

__all__: list[str] = []


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    r"""Check that ``value`` is an integer (not a ``bool``) in ``[minimum, maximum]``.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check; Python and NumPy integers are accepted.
        minimum (int, optional): smallest allowed value (inclusive).
        maximum (int, optional): largest allowed value (inclusive).

    Returns:
        The value as a Python ``int``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        if maximum is None:
            raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
        raise ValueError(f"{name} must be an int in [{minimum}, {maximum}], got {value}")
    if maximum is not None and value > maximum:
        if minimum is None:
            raise ValueError(f"{name} must be an int <= {maximum}, got {value}")
        raise ValueError(f"{name} must be an int in [{minimum}, {maximum}], got {value}")
    return value


def check_real(name: str, value: Any) -> float:
    r"""Check that ``value`` is a real number (not a ``bool``) and return it as a float.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check (Python/NumPy ints and floats, one-element tensors).

    Returns:
        The value as a Python ``float`` (may be ``inf`` or ``nan``).
    """
    if hasattr(value, "numel") and hasattr(value, "item") and not isinstance(value, numbers.Real):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    return float(value)


def check_positive_finite(name: str, value: Any) -> float:
    r"""Check that ``value`` is a real number with :math:`0 < value < \infty`.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check.

    Returns:
        The value as a Python ``float``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive finite number, got {value!r} of type {type(value).__name__}"
        )
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def check_nonnegative_finite(name: str, value: Any) -> float:
    r"""Check that ``value`` is a real number with :math:`0 \le value < \infty`.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check.

    Returns:
        The value as a Python ``float``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a non-negative finite number, got {value!r} of type {type(value).__name__}"
        )
    v = float(value)
    if not (math.isfinite(v) and v >= 0.0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return v


def check_bool(name: str, value: Any) -> bool:
    r"""Check that ``value`` is a ``bool``.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check.

    Returns:
        The value.
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r} of type {type(value).__name__}")
    return value


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    r"""Check that ``value`` is one of the strings in ``choices``.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check.
        choices (Collection[str]): the allowed strings.

    Returns:
        The value.
    """
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}, got {value!r} of type {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_optional_str(name: str, value: Any) -> str | None:
    r"""Check that ``value`` is ``None`` or a ``str``.

    Args:
        name (str): the argument name used in error messages.
        value (Any): the value to check.

    Returns:
        The value.
    """
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, got {value!r} of type {type(value).__name__}")
    return value
