"""Shared helpers for the package tests: reference formulas, checks, strategies.

The reference functions below are written from the textbook formulas with
plain NumPy and :mod:`math`, independently of the package, so that a test
comparing the package against them compares two separate derivations.
"""

import contextlib
import copy
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import mytorch
from mytorch import nn, optim
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


# --------------------------------------------------------------------------
# Optimizers: reference updates, written from PyTorch's documented algorithms,
# the configurations every optimizer is tested in, a quadratic bowl to descend
# (tests/test_sgd.py, test_adam.py, test_rmsprop.py, _optimizer_contract.py)
# --------------------------------------------------------------------------


def ref_sgd(p, g, state, t, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    g = g + weight_decay * p
    if momentum:
        v = g.copy() if t == 1 else momentum * state["v"] + g
        state["v"] = v
        g = g + momentum * v if nesterov else v
    return p - lr * g


def ref_adam(p, g, state, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    g = g + weight_decay * p  # L2 penalty in the gradient (Adam, not AdamW)
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    state["m"], state["v"] = m, v
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_rmsprop(
    p, g, state, t, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0
):
    g = g + weight_decay * p
    square_avg = alpha * state.get("square_avg", 0.0) + (1 - alpha) * g * g
    state["square_avg"] = square_avg
    step = g / (np.sqrt(square_avg) + eps)
    if momentum:
        state["buf"] = momentum * state.get("buf", 0.0) + step
        step = state["buf"]
    return p - lr * step


REFERENCE = {optim.SGD: ref_sgd, optim.Adam: ref_adam, optim.RMSprop: ref_rmsprop}


CONFIGS = [
    pytest.param(optim.SGD, {"lr": 0.1}, id="sgd"),
    pytest.param(optim.SGD, {"lr": 0.1, "weight_decay": 0.05}, id="sgd-wd"),
    pytest.param(optim.SGD, {"lr": 0.05, "momentum": 0.9}, id="sgd-momentum"),
    pytest.param(
        optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        id="sgd-nesterov-wd",
    ),
    pytest.param(optim.Adam, {}, id="adam-defaults"),
    pytest.param(
        optim.Adam,
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        id="adam-wd",
    ),
    pytest.param(optim.RMSprop, {}, id="rmsprop-defaults"),
    pytest.param(
        optim.RMSprop,
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "weight_decay": 0.1},
        id="rmsprop-momentum-wd",
    ),
]


_RNG = np.random.default_rng(123)


SHAPES = [(3, 2), (2,)]


CURVATURE = [_RNG.uniform(0.5, 3.0, s) for s in SHAPES]


CENTRE = [_RNG.standard_normal(s) for s in SHAPES]


START = [_RNG.standard_normal(s) for s in SHAPES]


def bowl_grad(i, p):
    return CURVATURE[i] * p - CENTRE[i]


def make_params(start=START, dtype=np.float64):
    return [nn.Parameter(np.array(s, dtype=dtype)) for s in start]


def fill_grads(params):
    for i, p in enumerate(params):
        p.grad[...] = bowl_grad(i, p.data)


def run(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        fill_grads(params)
        opt.step()
    return [p.data.copy() for p in params]


def reference_run(cls, kwargs, steps, start=START):
    update = REFERENCE[cls]
    values = [np.array(s, dtype=np.float64) for s in start]
    states = [{} for _ in values]
    for t in range(1, steps + 1):
        values = [
            update(p, bowl_grad(i, p), states[i], t, **kwargs)
            for i, p in enumerate(values)
        ]
    return values


P0 = np.array([1.0, -2.0, 0.5])


G0 = np.array([0.5, 0.25, -4.0])


def one_step(cls, **kwargs):
    p = nn.Parameter(P0.copy())
    p.grad[...] = G0
    cls([p], **kwargs).step()
    return p.data


def save_then_continue(cls, kwargs, steps_before, steps_after):
    """Train, save the state, train on: the optimizer, its saved state, the parameters
    when saved, and after."""
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=steps_before)
    saved_state = copy.deepcopy(opt.state_dict())
    saved_values = [p.data.copy() for p in params]
    return opt, saved_state, saved_values, run(opt, params, steps=steps_after)


def training_losses(seed, opt_cls, steps=15):
    mytorch.manual_seed(seed)
    data = np.random.default_rng(0)
    X = data.standard_normal((32, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(
        nn.Linear(2, 16),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(16, 2),
    )
    criterion = nn.CrossEntropyLoss()
    opt = opt_cls(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(steps):
        loss = criterion(model(X), y)
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
        losses.append(float(loss))
    return losses
