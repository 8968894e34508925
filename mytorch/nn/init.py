"""Initialisation: fill a Parameter or ndarray in place and return it.

The scales come from keeping the variance of activations (forward) or of
gradients (backward) constant from layer to layer; the chapter "Linear
layers and initialisation" derives them. Draws come from the generator that
`mytorch.manual_seed` seeds, unless `rng=` is given. The draws are made in
float64 and then stored in the tensor's dtype, so a float32 model starts as
the float64 one, rounded.
"""

import math

import numpy as np

from mytorch._validation import check_choice, check_non_negative, check_weight
from mytorch.nn.module import Parameter
from mytorch.random import get_generator

_GAINS = {
    "linear": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
}


def calculate_gain(nonlinearity: str) -> float:
    """The factor by which `nonlinearity` should scale the standard deviation.

    `'linear'` and `'sigmoid'`: 1, `'tanh'`: 5/3, `'relu'`: sqrt(2), as in PyTorch.
    """
    check_choice("calculate_gain", "nonlinearity", nonlinearity, tuple(sorted(_GAINS)))
    return _GAINS[nonlinearity]


def _array(tensor) -> np.ndarray:
    array = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        got = (
            f"an ndarray of dtype {array.dtype}"
            if isinstance(array, np.ndarray)
            else type(tensor).__name__
        )
        raise TypeError(
            f"init expects a Parameter or a floating-point ndarray, got {got}"
        )
    return array


def _fans(array: np.ndarray) -> tuple:
    """fan_in and fan_out of a weight of shape (out_features, in_features)."""
    check_weight("fan_in and fan_out", "the array", array)
    fan_out, fan_in = array.shape
    return fan_in, fan_out


def _generator(rng) -> np.random.Generator:
    """`rng`, or the generator that `mytorch.manual_seed` seeds if `rng` is None."""
    if rng is None:
        return get_generator()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "init expects rng to be None or a numpy.random.Generator, "
            f"got {type(rng).__name__}"
        )
    return rng


def _uniform_(tensor, bound: float, rng):
    array = _array(tensor)
    array[...] = _generator(rng).uniform(-bound, bound, size=array.shape)
    return tensor


def _normal_(tensor, std: float, rng):
    array = _array(tensor)
    array[...] = _generator(rng).normal(0.0, std, size=array.shape)
    return tensor


def xavier_uniform_(tensor, gain: float = 1.0, rng=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    check_non_negative("xavier_uniform_", "gain", gain)
    fan_in, fan_out = _fans(_array(tensor))
    return _uniform_(tensor, gain * math.sqrt(6.0 / (fan_in + fan_out)), rng)


def xavier_normal_(tensor, gain: float = 1.0, rng=None):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    check_non_negative("xavier_normal_", "gain", gain)
    fan_in, fan_out = _fans(_array(tensor))
    return _normal_(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform_(tensor, nonlinearity: str = "relu", rng=None):
    """He uniform (fan-in): U(-a, a) with a = gain * sqrt(3 / fan_in)."""
    gain = calculate_gain(nonlinearity)
    fan_in, _ = _fans(_array(tensor))
    return _uniform_(tensor, gain * math.sqrt(3.0 / fan_in), rng)


def kaiming_normal_(tensor, nonlinearity: str = "relu", rng=None):
    """He normal (fan-in): N(0, std^2) with std = gain / sqrt(fan_in)."""
    gain = calculate_gain(nonlinearity)
    fan_in, _ = _fans(_array(tensor))
    return _normal_(tensor, gain / math.sqrt(fan_in), rng)


def zeros_(tensor):
    """Fill with 0."""
    _array(tensor).fill(0)
    return tensor


def ones_(tensor):
    """Fill with 1."""
    _array(tensor).fill(1)
    return tensor
