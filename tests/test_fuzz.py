"""Fuzzing the public API: modules, losses and optimizers on random arguments.

Arguments are drawn from everything a caller might pass: valid and invalid
constructor arguments of every type, and arrays of random shapes (empty
ones included), dtypes and layouts (non-contiguous, read-only) holding
ordinary, huge, tiny or non-finite values. Every call must either return
the documented result or raise a ValueError or TypeError whose message
names the argument; any other exception fails. Where the math is finite
in the dtype (finite input, and for the layers that multiply or square,
values small enough not to overflow), the result must be finite and no
warning may be issued (warnings are errors here). Elsewhere NaN and
infinities propagate, as in PyTorch, and NumPy may say so ("invalid value
encountered"): the only warnings allowed.
"""

import re
import warnings

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import mytorch
from mytorch import nn, optim

FUZZ = settings(
    max_examples=700,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

REFUSED = object()

# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------

DTYPES = [
    np.float64,
    np.float32,
    np.float64,
    np.float32,
    np.float16,
    np.int64,
    np.bool_,
    np.complex128,
]
VALUES = ["normal", "normal", "large", "huge", "tiny", "nonfinite"]
LAYOUTS = ["contiguous", "contiguous", "strided", "transposed", "read-only"]


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES):
    """An array of a drawn (or given) shape, dtype, kind of values and memory layout."""
    if shape is None:
        ndim = draw(st.sampled_from([2, 2, 2, 1, 3]))
        shape = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    kind = draw(st.sampled_from(VALUES))
    layout = draw(st.sampled_from(LAYOUTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape)
    if dtype.kind == "f":
        info = np.finfo(dtype)
        if kind == "large":
            values *= 1e4
        elif kind == "huge":
            values = np.sign(values) * float(info.max) * rng.uniform(0.01, 1.0, shape)
        elif kind == "tiny":
            values *= float(info.smallest_subnormal) * 4
        elif kind == "nonfinite" and values.size:
            values.flat[rng.integers(values.size)] = rng.choice(
                [np.nan, np.inf, -np.inf]
            )
    if layout == "strided" and len(shape) >= 1:
        wide = np.zeros(shape[:-1] + (2 * shape[-1],), dtype=dtype)
        wide[..., ::2] = values
        return wide[..., ::2]
    array = values.astype(dtype)
    if layout == "transposed":
        return np.ascontiguousarray(array.T).T
    if layout == "read-only":
        array.flags.writeable = False
    return array


def is_float(x):
    return isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64)


def moderate(x):
    """Finite, and small enough that squares and sums of a few stay finite in x's dtype."""
    return (
        is_float(x)
        and bool(np.isfinite(x).all())
        and (
            x.size == 0 or float(np.abs(x).max()) < np.sqrt(np.finfo(x.dtype).max) / 1e3
        )
    )


def spread_fits(x):
    """max - min is finite in x's dtype: the shift by the maximum (softmax, log-sum-exp)
    cannot
    overflow. Beyond, the shifted entries are -inf, their exponentials rightly 0, and
    NumPy notes
    the overflow."""
    with np.errstate(over="ignore"):
        return x.size == 0 or bool(np.isfinite(np.max(x) - np.min(x)))


def call(function, *names, finite_math=True):
    """`function()`, or REFUSED if it raised a ValueError or TypeError naming one of
    `names`.

    Warnings are errors: a NumPy warning fails the test like any other exception, except
    NumPy's notes on overflowing or invalid arithmetic where the math is not finite.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if not finite_math:
            warnings.filterwarnings(
                "ignore", r"(overflow|invalid value) encountered", RuntimeWarning
            )
        try:
            return function()
        except (ValueError, TypeError) as error:
            message = str(error)
            assert any(re.search(name, message) for name in names), (
                f"{type(error).__name__} does not name any of {names}: {message}"
            )
            return REFUSED


class Arguments:
    """Draws constructor arguments: in a clean example only valid values, else any."""

    def __init__(self, data):
        self.data = data
        self.clean = data.draw(st.booleans())

    def __call__(self, valid, invalid):
        return self.data.draw(st.sampled_from(valid if self.clean else valid + invalid))


# Valid and invalid values of every constructor argument.
INTS = ([1, 2, 3, 4, np.int64(3)], [0, -1, 2.0, "3", None, True])
FRACTIONS = ([0.0, 0.1, 0.5, 0.9], [1.0, -0.1, 1.5, np.nan, "0.5", None, True])
POSITIVES = ([1e-5, 1e-3, 0.1], [0.0, -1.0, np.inf, np.nan, "1", None])
NON_NEGATIVE = ([0.0, 1e-8, 1e-3, 0.1], [-1.0, np.inf, np.nan, "1", None])
BOOLS = ([True, False, np.True_], ["False", 0, 1, None])
DTYPE_ARGS = ([None, np.float32, np.float64, "float32"], [np.float16, np.int64, "x", 3])

MODULES = {
    "Linear": (
        lambda a: nn.Linear(
            a(*INTS),
            a(*INTS),
            bias=a(*BOOLS),
            init=a(["he", "xavier"], ["lecun", 1]),
            dtype=a(*DTYPE_ARGS),
        ),
        "in_features|out_features|bias|init|dtype",
    ),
    "BatchNorm1d": (
        lambda a: nn.BatchNorm1d(
            a(*INTS), eps=a(*POSITIVES), momentum=a(*FRACTIONS), dtype=a(*DTYPE_ARGS)
        ),
        "num_features|eps|momentum|dtype",
    ),
    "Dropout": (lambda a: nn.Dropout(a(*FRACTIONS)), r"\(p\)"),
    "ReLU": (lambda a: nn.ReLU(), "-"),
    "Sigmoid": (lambda a: nn.Sigmoid(), "-"),
    "Tanh": (lambda a: nn.Tanh(), "-"),
    "GELU": (lambda a: nn.GELU(a(["none", "tanh"], ["exact", None])), "approximate"),
    "Softmax": (lambda a: nn.Softmax(a([-1, 0, 1, 2, -3], [1.0, None, "0"])), "dim"),
}
ELEMENTWISE = ("ReLU", "Sigmoid", "Tanh", "GELU", "Softmax")


# --------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(MODULES)), train=st.booleans())
def test_modules_on_random_arguments(data, name, train):
    make, arguments = MODULES[name]
    mytorch.manual_seed(0)
    module = call(lambda: make(Arguments(data)), arguments)
    if module is REFUSED:
        return
    module.train(train)
    params = list(module.parameters())
    features = params[0].shape[-1] if params else data.draw(st.integers(0, 5))
    param_dtype = params[0].dtype if params else None
    # often a fitting shape, so that forward gets past its checks
    if data.draw(st.booleans()):
        x = data.draw(arrays(shape=(data.draw(st.integers(0, 5)), features)))
    else:
        x = data.draw(arrays())
    finite_math = (
        is_float(x)
        and bool(np.isfinite(x).all())
        and (name in ELEMENTWISE or moderate(x))
        and (name != "Softmax" or spread_fits(x))
    )
    y = call(lambda: module(x), "input", finite_math=finite_math)
    event(f"module forward {'refused' if y is REFUSED else 'ran'}")
    if y is REFUSED:
        assert module._cache_names == () or all(
            getattr(module, n, None) is None for n in module._cache_names
        ), "a refused forward cached"
        return
    assert is_float(x), f"{name} accepted an input of dtype {x.dtype}"
    assert isinstance(y, np.ndarray) and y.dtype == x.dtype, (
        x.dtype,
        getattr(y, "dtype", y),
    )
    assert y.shape == (
        x.shape
        if not isinstance(module, nn.Linear)
        else (x.shape[0], module.out_features)
    )
    if param_dtype is not None:
        assert x.dtype == param_dtype
    if finite_math:
        assert np.isfinite(y).all(), (
            f"{name} gave a non-finite output from finite input"
        )
    # the cache must not see a change made after forward
    if x.flags.writeable and x.size:
        x[...] = 0
    grad_output = data.draw(
        arrays(shape=y.shape) if data.draw(st.booleans()) else arrays()
    )
    finite_math = (
        finite_math
        and is_float(grad_output)
        and moderate(grad_output)
        and (name in ("ReLU", "Sigmoid", "Tanh", "Softmax") or moderate(y))
    )
    grad_input = call(
        lambda: module.backward(grad_output), "grad_output", finite_math=finite_math
    )
    event(f"module backward {'refused' if grad_input is REFUSED else 'ran'}")
    if grad_input is REFUSED:
        return
    assert is_float(grad_output) and grad_output.shape == y.shape
    assert isinstance(grad_input, np.ndarray) and grad_input.shape == x.shape
    # never narrower than either dtype (ReLU's backward only masks: grad_output's dtype)
    assert grad_input.dtype == (
        grad_output.dtype
        if name == "ReLU"
        else np.result_type(x.dtype, grad_output.dtype)
    )
    if finite_math:
        assert np.isfinite(grad_input).all(), (
            f"{name}.backward gave a non-finite gradient"
        )


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------

REDUCTIONS = (["mean", "sum"], ["none", None, "MEAN"])


FLOATS = [np.float64, np.float32]


@FUZZ
@given(data=st.data())
def test_cross_entropy_on_random_arguments(data):
    a = Arguments(data)
    criterion = call(lambda: nn.CrossEntropyLoss(a(*REDUCTIONS)), "reduction")
    if criterion is REFUSED:
        return
    if a.clean:
        logits = data.draw(
            arrays(
                shape=(data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))),
                dtypes=FLOATS,
            )
        )
    else:
        logits = data.draw(arrays())
    n = logits.shape[0] if logits.ndim else 0
    c = logits.shape[1] if logits.ndim == 2 else 3
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    low, high = (0, c) if a.clean else (-2, c + 2)
    target = rng.integers(
        low,
        max(high, low + 1),
        n if a.clean else data.draw(st.sampled_from([n, n + 1])),
    )
    target = target.astype(a([np.int64, np.int32, np.uint8], [np.float64, np.bool_]))
    finite_math = is_float(logits) and moderate(logits)
    loss = call(
        lambda: criterion(logits, target), "logits", "target", finite_math=finite_math
    )
    event(f"cross-entropy {'refused' if loss is REFUSED else 'ran'}")
    if loss is REFUSED:
        return
    assert is_float(logits) and logits.shape == (n, c) and n >= 1 and c >= 1
    assert target.dtype.kind in "iu" and ((target >= 0) & (target < c)).all()
    assert isinstance(loss, logits.dtype.type)
    grad = call(criterion.backward, "-", finite_math=finite_math)
    assert grad.shape == logits.shape and grad.dtype == logits.dtype
    if finite_math:  # log-sum-exp is stable
        assert np.isfinite(loss) and np.isfinite(grad).all()


@FUZZ
@given(data=st.data())
def test_mse_on_random_arguments(data):
    a = Arguments(data)
    criterion = call(lambda: nn.MSELoss(a(*REDUCTIONS)), "reduction")
    if criterion is REFUSED:
        return
    prediction = data.draw(arrays(dtypes=FLOATS if a.clean else DTYPES))
    target = data.draw(
        arrays(shape=prediction.shape, dtypes=FLOATS if a.clean else DTYPES)
        if a.clean or data.draw(st.booleans())
        else arrays()
    )
    finite_math = (
        is_float(prediction)
        and is_float(target)
        and moderate(prediction)
        and moderate(target)
    )
    loss = call(
        lambda: criterion(prediction, target),
        "prediction",
        "target",
        finite_math=finite_math,
    )
    event(f"mse {'refused' if loss is REFUSED else 'ran'}")
    if loss is REFUSED:
        return
    assert (
        is_float(prediction) and is_float(target) and prediction.shape == target.shape
    )
    assert target.dtype.itemsize <= prediction.dtype.itemsize
    assert isinstance(loss, prediction.dtype.type)
    grad = call(criterion.backward, "-", finite_math=finite_math)
    assert grad.shape == prediction.shape and grad.dtype == prediction.dtype
    if finite_math:
        assert np.isfinite(loss) and np.isfinite(grad).all()


# --------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------

RATES = ([0.0, 1e-3, 0.1, 1.0], [-0.1, np.nan, np.inf, "0.1", None, True])
BETAS = ([(0.9, 0.999), (0.0, 0.5), [0.8, 0.99]], [(1.0, 0.9), (0.9,), "ab", None])
OPTIMIZERS = {
    "SGD": (
        lambda a, params: optim.SGD(
            params,
            lr=a(*RATES),
            momentum=a([0.9], []) if a.clean else a(*FRACTIONS),
            nesterov=a(*BOOLS),
            weight_decay=a(*NON_NEGATIVE),
        ),
        "params|lr|momentum|nesterov|weight_decay",
    ),
    "Adam": (
        lambda a, params: optim.Adam(
            params,
            lr=a(*RATES),
            betas=a(*BETAS),
            eps=a(*NON_NEGATIVE),
            weight_decay=a(*NON_NEGATIVE),
        ),
        "params|lr|betas|eps|weight_decay",
    ),
    "RMSprop": (
        lambda a, params: optim.RMSprop(
            params,
            lr=a(*RATES),
            alpha=a(*FRACTIONS),
            eps=a(*NON_NEGATIVE),
            momentum=a(*FRACTIONS),
            weight_decay=a(*NON_NEGATIVE),
        ),
        "params|lr|alpha|eps|momentum|weight_decay",
    ),
}


@FUZZ
@given(
    data=st.data(),
    name=st.sampled_from(sorted(OPTIMIZERS)),
    dtype=st.sampled_from([np.float64, np.float32]),
    steps=st.integers(1, 3),
)
def test_optimizers_on_random_arguments(data, name, dtype, steps):
    make, arguments = OPTIMIZERS[name]
    a = Arguments(data)
    shapes = data.draw(
        st.lists(
            st.sampled_from([(3,), (2, 2), (0,), (1, 4)]),
            min_size=int(a.clean),
            max_size=3,
        )
    )
    params = [nn.Parameter(np.ones(shape, dtype=dtype)) for shape in shapes]
    opt = call(lambda: make(a, params), arguments)
    event(f"optimizer {'refused' if opt is REFUSED else 'stepped'}")
    if opt is REFUSED:
        return
    assert params and all(p.data.base is opt.data for p in params)
    if opt.param_groups[0].get("eps") == 0:
        # documented: a coordinate whose gradients are all 0 then gets 0/0, with NumPy's
        # warning
        return
    # the math stays finite while the gradients and parameters stay moderate
    finite = True
    for _ in range(steps):
        for p in params:
            grad = data.draw(arrays(shape=p.shape, dtypes=[dtype]))
            finite &= bool(moderate(grad))
            p.grad[...] = grad
        finite &= bool(moderate(opt.data))
        assert call(opt.step, "-", finite_math=finite) is None
        if finite:
            assert np.isfinite(opt.data).all(), (
                f"{name} stepped to a non-finite value from finite state"
            )
    # a fresh optimizer over fresh parameters continues from it
    state = opt.state_dict()
    twin = type(opt)(
        [nn.Parameter(np.ones(s, dtype=dtype)) for s in shapes], **opt.defaults
    )
    assert call(lambda: twin.load_state_dict(state), "-") is None
    assert repr(twin.state_dict()) == repr(state)
