"""The generator that initialisation and Dropout draw from."""

import numbers

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by `mytorch.nn.init` and `Dropout`.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        The new generator (also returned by `get_generator()`).
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed(seed) expects an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed(seed) expects seed >= 0, got {seed}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def get_generator() -> np.random.Generator:
    """Return the generator that initialisation and Dropout draw from.

    At import it is seeded with 0, so a fresh process is reproducible even
    without `manual_seed`.
    """
    return _generator
