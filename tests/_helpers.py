"""Shared helpers for the package tests: reference formulas, checks, strategies.

The reference functions below are written from the textbook formulas with
plain NumPy and :mod:`math`, independently of the package, so that a test
comparing the package against them compares two separate derivations.
"""

import contextlib
import math
import re
import warnings

import numpy as np
from hypothesis import strategies as st

from mytorch.testing import gradcheck

# --------------------------------------------------------------------------
# Reference formulas (plain NumPy / math, never the package)
# --------------------------------------------------------------------------

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_TANH_COEF = 0.044715


def ref_relu(x):
    return np.where(x > 0, x, 0.0)


def ref_sigmoid(x):
    return np.vectorize(
        lambda v: (
            1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
        )
    )(x)


def ref_tanh(x):
    return np.vectorize(math.tanh)(x)


def ref_gelu_exact(x):
    """GELU(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))."""
    return np.vectorize(lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))))(x)


def ref_gelu_tanh(x):
    """PyTorch's approximate='tanh': x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return np.vectorize(
        lambda v: (
            0.5 * v * (1.0 + math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_COEF * v**3)))
        )
    )(x)


def ref_softmax(x, dim=-1):
    shifted = x - x.max(axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=dim, keepdims=True)


def ref_cross_entropy(logits, target, reduction="mean"):
    """Per-row loss logsumexp(z_i) - z_{i, y_i}, computed row by row with math."""
    losses = []
    for row, label in zip(np.asarray(logits, dtype=np.float64), target):
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        losses.append(lse - row[int(label)])
    total = math.fsum(losses)
    return total / len(losses) if reduction == "mean" else total


def ref_cross_entropy_grad(logits, target, reduction="mean"):
    n, c = logits.shape
    onehot = np.zeros((n, c))
    onehot[np.arange(n), target] = 1.0
    grad = ref_softmax(np.asarray(logits, dtype=np.float64)) - onehot
    return grad / n if reduction == "mean" else grad


def ref_batchnorm_train(x, gamma, beta, eps):
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)  # biased: divides by N
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


@contextlib.contextmanager
def no_numpy_warnings():
    """Turn every warning and every floating-point overflow/invalid/divide into an
    error.

    Underflow (e.g. exp(-1000) == 0) is legitimate and stays silent.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def assert_gradcheck(module, x, *, target=None, tol=1e-6, expected_keys=None):
    """Run the package's gradient check and assert on the keys it reports."""
    errors = gradcheck(module, x, target=target, tol=tol)
    if expected_keys is None:
        expected_keys = (
            ["input"]
            if target is not None
            else (["input"] + [name for name, _ in module.named_parameters()])
        )
    assert set(errors) == set(expected_keys), errors
    for name, err in errors.items():
        assert err <= tol, f"{name}: {err}"
    return errors


def assert_message(excinfo, *patterns):
    """Every regex in ``patterns`` occurs in the exception message."""
    message = str(excinfo.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not found in {message!r}"


def shape_pattern(shape):
    """Regex for a shape tuple as Python prints it, e.g. ``(8, 3)`` or ``(3,)``."""
    return re.escape(str(tuple(shape)))


def floats_in(message):
    """All floating-point numbers written in a message."""
    return [
        float(m)
        for m in re.findall(
            r"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+", message
        )
    ]


def assert_tree_equal(a, b, path="root"):
    """Deep equality of nested dicts/lists/tuples of arrays and scalars.

    Containers must keep their type (dict keys included), arrays their
    dtype, shape and values (bitwise), scalars their value.
    """
    if isinstance(a, dict):
        assert isinstance(b, dict), f"{path}: {type(b).__name__} instead of dict"
        assert list(a) == list(b) or set(a) == set(b), (
            f"{path}: keys {list(a)} != {list(b)}"
        )
        for key in a:
            assert type(key) is type(_matching_key(b, key)), (
                f"{path}: key {key!r} changed type"
            )
            assert_tree_equal(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b), (
            f"{path}: {type(a).__name__} became {type(b).__name__}"
        )
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (ai, bi) in enumerate(zip(a, b)):
            assert_tree_equal(ai, bi, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), (
            f"{path}: {type(b).__name__} instead of ndarray"
        )
        assert a.dtype == b.dtype, f"{path}: dtype {a.dtype} became {b.dtype}"
        assert a.shape == b.shape, f"{path}: shape {a.shape} became {b.shape}"
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), (
            f"{path}: values differ"
        )
    elif a is None or isinstance(a, (bool, np.bool_)):
        assert a is b or a == b and isinstance(b, (bool, np.bool_)), (
            f"{path}: {a!r} != {b!r}"
        )
    else:
        assert not isinstance(b, (dict, list, tuple)), f"{path}: {a!r} != {b!r}"
        assert a == b, f"{path}: {a!r} != {b!r}"
        if isinstance(a, (int, np.integer)):
            assert isinstance(b, (int, np.integer)), f"{path}: int {a!r} became {b!r}"


def _matching_key(d, key):
    """The key of `d` equal to `key` (to compare key types: 0 vs np.int64(0))."""
    for k in d:
        if k == key:
            return k
    raise AssertionError(f"key {key!r} missing")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Random values with |x| in [low, high]: keeps ReLU's kink out of the finite
    differences."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# --------------------------------------------------------------------------
# Hypothesis strategies
# --------------------------------------------------------------------------

dims = st.integers(min_value=1, max_value=5)
batch_sizes = st.integers(min_value=2, max_value=6)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
