"""Argument checks shared by the package: each error names who complained,
the argument, what was expected and what came."""
import math
import numbers

import numpy as np

#: The dtypes mytorch computes in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def resolve_dtype(dtype) -> np.dtype:
    """`None` means float64; anything else must name float32 or float64.

    Half precision is refused: its smallest normal number (6e-5) and its
    11-bit fraction break the package's defaults (Adam's `eps` of 1e-8 is 0
    in float16) and its finite differences.
    """
    if dtype is None:
        return np.dtype(np.float64)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def check_array(who: str, x, name: str = "input") -> None:
    """Raise TypeError unless `x` is a float32 or float64 ndarray."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{who} expects {name} to be a NumPy ndarray, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{who} expects {name} of dtype float32 or float64, got {x.dtype}")


def check_batch(who: str, x, features_name: str, features: int, dtype: np.dtype) -> None:
    """Raise unless `x` is an (N, features) floating-point ndarray of the layer's dtype."""
    if isinstance(x, np.ndarray) and x.dtype == dtype and x.ndim == 2 and x.shape[1] == features:
        return  # the usual case, in one test; the checks below say what is wrong otherwise
    check_array(who, x)
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(f"{who}({features_name}={features}) got input of shape {x.shape}: expected (N, {features})")
    check_same_dtype(who, x, dtype)


def check_same_dtype(who: str, x: np.ndarray, dtype: np.dtype, name: str = "input") -> None:
    """Raise TypeError unless `x` has the layer's dtype: no silent casts either way."""
    if x.dtype != dtype:
        raise TypeError(
            f"{who} got {name} of dtype {x.dtype} but its parameters are {dtype}: "
            f"cast the {name} (.astype) or the model (model.to)"
        )


def check_int(who: str, name: str, value, minimum: int = 1) -> None:
    """Raise unless `value` is an int >= `minimum` (positive, by default)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}({name}) must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{who}({name}) must be >= {minimum}, got {value}")


def _check_real(who: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}({name}) must be a number, got {type(value).__name__} {value!r}")


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
    """Raise unless `value` is a finite real number >= 0 (a NaN learning rate is refused too)."""
    _check_real(who, name, value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{who}({name}) must be a finite number >= 0, got {value}")


def check_positive(who: str, name: str, value) -> None:
    """Raise unless `value` is a finite real number > 0."""
    _check_real(who, name, value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{who}({name}) must be a finite number > 0, got {value}")


def check_bool(who: str, name: str, value) -> None:
    """Raise TypeError unless `value` is a bool (or NumPy bool): the string "False" is true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}({name}) must be a bool, got {type(value).__name__} {value!r}")


def check_pair(who: str, name: str, value, check) -> None:
    """Raise unless `value` is a pair (tuple or list) whose entries pass `check`."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{who}({name}) must be a pair, got {value!r}")
    for index, entry in enumerate(value):
        check(who, f"{name}[{index}]", entry)
