"""Floating-point care shared by the package."""
import numpy as np


def flush_subnormals(array: np.ndarray) -> None:
    """Set the entries of `array` smaller in magnitude than the smallest normal number to 0, in place.

    Below `np.finfo(dtype).tiny` (about 1e-38 in float32, 2e-308 in float64)
    numbers are *subnormal*, and on many processors (x86 among them) an
    operation that reads one is many times slower. Such an entry is smaller
    than a rounding error of any normal-sized number it is added to, so
    setting it to 0 changes nothing else.
    """
    array[np.abs(array) < np.finfo(array.dtype).tiny] = 0
