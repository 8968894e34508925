"""What `Module.load_state_dict` accepts, and what it returns."""

from collections import namedtuple
from collections.abc import Mapping

import numpy as np

from mytorch._validation import check_bool

#: The keys `load_state_dict` did not find, and those it did not expect (PyTorch's
#: fields).
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def check_state_dict(module, own: dict, state_dict, strict: bool) -> tuple:
    """`(values, missing_keys, unexpected_keys)` to load into the arrays `own`, or
    raise.

    Every problem is collected first and reported in one RuntimeError: a
    wrongly shaped or non-numeric entry always, a missing or an unexpected
    key with `strict=True`.
    """
    who = f"{type(module).__name__}.load_state_dict"
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"{who} expects a dict of arrays, got {type(state_dict).__name__}"
        )
    check_bool(who, "strict", strict)
    missing = [k for k in own if k not in state_dict]
    unexpected = [str(k) for k in state_dict if k not in own]
    values, wrong_shape, wrong_type = {}, [], []
    for key in (k for k in own if k in state_dict):
        value = np.asarray(state_dict[key])
        if value.shape != own[key].shape:
            wrong_shape.append(
                f"{key}: expected shape {own[key].shape}, got {value.shape}"
            )
        elif value.dtype.kind not in "biuf":
            wrong_type.append(f"{key}: expected real numbers, got dtype {value.dtype}")
        values[key] = value
    problems = []
    if missing and strict:
        problems.append("missing keys: " + ", ".join(missing))
    if unexpected and strict:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    if wrong_shape:
        problems.append("wrong shapes: " + "; ".join(wrong_shape))
    if wrong_type:
        problems.append("wrong types: " + "; ".join(wrong_type))
    if problems:
        raise RuntimeError(f"{who} failed: " + "; ".join(problems))
    return values, missing, unexpected
