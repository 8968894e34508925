"""Checks of hyperparameters and other plain values: each error names who
complained, the argument, what was expected and what came."""

import math
import numbers

import numpy as np


def check_choice(who: str, name: str, value, choices: tuple) -> None:
    """Raise ValueError unless `value` is one of `choices`, listing them."""
    if value not in choices:
        raise ValueError(
            f"{who}({name}) must be one of {', '.join(map(repr, choices))}, "
            f"got {value!r}"
        )


def check_instances(who: str, name: str, values, kind: type) -> None:
    """Raise TypeError unless every entry of `values` is a `kind`, naming the first that
    is not."""
    for index, value in enumerate(values):
        if not isinstance(value, kind):
            raise TypeError(
                f"{who}({name}) expects {kind.__name__}s, got "
                f"{type(value).__name__} at position {index}"
            )


def check_int(who: str, name: str, value, minimum: int = 1) -> None:
    """Raise unless `value` is an int >= `minimum` (positive, by default; None: any
    int)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{who}({name}) must be an int, got {type(value).__name__} {value!r}"
        )
    if minimum is not None and value < minimum:
        raise ValueError(f"{who}({name}) must be >= {minimum}, got {value}")


def _check_real(who: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{who}({name}) must be a number, got {type(value).__name__} {value!r}"
        )


def check_fraction(who: str, name: str, value) -> None:
    """Raise unless `value` is a real number in [0, 1)."""
    _check_real(who, name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{who}({name}) must be in [0, 1), got {value}")


def check_open_fraction(who: str, name: str, value) -> None:
    """Raise unless `value` is a real number in (0, 1)."""
    _check_real(who, name, value)
    if not 0 < value < 1:
        raise ValueError(f"{who}({name}) must be in (0, 1), got {value}")


def check_non_negative(who: str, name: str, value) -> None:
    """Raise unless `value` is a finite real number >= 0 (a NaN learning rate is refused
    too)."""
    _check_real(who, name, value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{who}({name}) must be a finite number >= 0, got {value}")


def check_positive(who: str, name: str, value) -> None:
    """Raise unless `value` is a finite real number > 0."""
    _check_real(who, name, value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{who}({name}) must be a finite number > 0, got {value}")


def check_bool(who: str, name: str, value) -> None:
    """Raise TypeError unless `value` is a bool (or NumPy bool): the string "False" is
    true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{who}({name}) must be a bool, got {type(value).__name__} {value!r}"
        )


def check_pair(who: str, name: str, value, check=check_fraction) -> None:
    """Raise unless `value` is a pair (tuple or list) whose entries pass `check`."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{who}({name}) must be a pair, got {value!r}")
    for index, entry in enumerate(value):
        check(who, f"{name}[{index}]", entry)
