"""Floating-point care shared by the package."""

import numpy as np

#: The smallest normal number of each dtype the package computes in.
_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float32, np.float64)}


def flush_subnormals(array: np.ndarray) -> None:
    """Set the entries of `array` smaller in magnitude than the smallest normal number
    to 0, in place.

    Below `np.finfo(dtype).tiny` (about 1e-38 in float32, 2e-308 in float64)
    nonzero numbers are *subnormal*, and on many processors (x86 among them)
    an operation that reads one is many times slower. Setting such an entry
    to 0 changes it by less than `tiny`: nothing, next to values of ordinary
    size.
    """
    array[np.abs(array) < _TINY[array.dtype]] = 0
