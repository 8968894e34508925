"""Activations: ReLU, Sigmoid, Tanh, GELU (exact and tanh), Softmax."""

import decimal
import re

import numpy as np
import pytest

from mytorch import nn, no_grad
from _helpers import (
    assert_gradcheck,
    assert_message,
    away_from_zero,
    no_numpy_warnings,
    ref_gelu_exact,
    ref_gelu_tanh,
    ref_relu,
    ref_sigmoid,
    ref_softmax,
    ref_tanh,
)

ELEMENTWISE = [
    pytest.param(nn.ReLU, {}, ref_relu, id="relu"),
    pytest.param(nn.Sigmoid, {}, ref_sigmoid, id="sigmoid"),
    pytest.param(nn.Tanh, {}, ref_tanh, id="tanh"),
    pytest.param(nn.GELU, {}, ref_gelu_exact, id="gelu"),
    pytest.param(nn.GELU, {"approximate": "none"}, ref_gelu_exact, id="gelu-none"),
    pytest.param(nn.GELU, {"approximate": "tanh"}, ref_gelu_tanh, id="gelu-tanh"),
]


@pytest.mark.parametrize("cls, kwargs, ref", ELEMENTWISE)
def test_forward_matches_formula(rng, cls, kwargs, ref):
    x = rng.standard_normal((6, 5)) * 3
    np.testing.assert_allclose(cls(**kwargs)(x), ref(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cls, kwargs, ref", ELEMENTWISE)
def test_elementwise_on_any_shape(rng, cls, kwargs, ref):
    x = rng.standard_normal((2, 3, 4))
    y = cls(**kwargs)(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, ref(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cls, kwargs, ref", ELEMENTWISE)
def test_gradcheck(rng, cls, kwargs, ref):
    assert_gradcheck(cls(**kwargs), away_from_zero(rng, (4, 5)))


@pytest.mark.parametrize("cls, kwargs, ref", ELEMENTWISE)
def test_backward_before_forward_raises(cls, kwargs, ref):
    with pytest.raises(RuntimeError, match="(?i)forward"):
        cls(**kwargs).backward(np.ones((2, 3)))


def test_relu_gradient_is_the_step_function():
    relu = nn.ReLU()
    relu(np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]]))
    np.testing.assert_array_equal(
        relu.backward(np.full((1, 5), 7.0)), [[0, 0, 0, 7, 7]]
    )  # 0 at the kink, as PyTorch


def test_gelu_known_values():
    # GELU(1) = Phi(1) = 0.8413447460685429...; PyTorch prints 0.8413 for both.
    np.testing.assert_allclose(
        nn.GELU()(np.array([1.0])), [0.8413447460685429], rtol=1e-14
    )
    np.testing.assert_allclose(
        nn.GELU(approximate="tanh")(np.array([1.0])), [0.8411919906082768], rtol=1e-14
    )


def test_gelu_exact_and_tanh_differ():
    x = np.linspace(-3, 3, 13)
    assert not np.allclose(
        nn.GELU()(x), nn.GELU(approximate="tanh")(x), rtol=1e-6, atol=0
    )


# --------------------------------------------------------------------------
# Softmax
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_forward_matches_formula(rng, dim):
    x = rng.standard_normal((4, 5)) * 3
    np.testing.assert_allclose(nn.Softmax(dim=dim)(x), ref_softmax(x, dim), rtol=1e-12)


def test_softmax_default_dim_is_last(rng):
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(nn.Softmax()(x), ref_softmax(x, -1), rtol=1e-12)


def test_softmax_of_a_vector(rng):
    x = rng.standard_normal(5)
    np.testing.assert_allclose(nn.Softmax()(x), ref_softmax(x), rtol=1e-12)


def test_softmax_along_middle_axis_of_3d_input(rng):
    x = rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(nn.Softmax(dim=1)(x), ref_softmax(x, 1), rtol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_gradcheck(rng, dim):
    assert_gradcheck(nn.Softmax(dim=dim), rng.standard_normal((4, 5)))


def test_softmax_gradcheck_3d(rng):
    assert_gradcheck(nn.Softmax(dim=1), rng.standard_normal((2, 3, 4)))


def test_softmax_backward_is_the_jacobian_vector_product(rng):
    x = rng.standard_normal((1, 4))
    g = rng.standard_normal((1, 4))
    s = ref_softmax(x)[0]
    jacobian = np.diag(s) - np.outer(s, s)
    softmax = nn.Softmax()
    softmax(x)
    np.testing.assert_allclose(softmax.backward(g)[0], jacobian.T @ g[0], rtol=1e-12)


def test_softmax_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.Softmax().backward(np.ones((2, 3)))


def test_softmax_dim_out_of_range_is_refused():
    with pytest.raises(ValueError) as excinfo:
        nn.Softmax(dim=2)(np.ones((3, 4)))
    assert_message(excinfo, "dim", "2")


# --------------------------------------------------------------------------
# Bad input, extreme input, repr
# --------------------------------------------------------------------------


def test_unknown_gelu_approximation_lists_the_choices():
    with pytest.raises(ValueError) as excinfo:
        nn.GELU(approximate="fast")
    assert_message(excinfo, "approximate", "fast", "none", "tanh")


EXTREME = np.array([[-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls, kwargs, ref", ELEMENTWISE)
def test_extreme_inputs_are_finite_without_warnings(cls, kwargs, ref, dtype):
    x = EXTREME.astype(dtype)
    module = cls(**kwargs)
    with no_numpy_warnings():
        y = module(x)
        g = module.backward(np.ones_like(x))
    assert np.isfinite(y).all() and np.isfinite(g).all()


def test_sigmoid_saturates_exactly():
    with no_numpy_warnings():
        y = nn.Sigmoid()(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(y, [0.0, 1.0])


def test_tanh_and_gelu_limits_at_large_inputs():
    x = np.array([-1e4, 1e4])
    with no_numpy_warnings():
        np.testing.assert_array_equal(nn.Tanh()(x), [-1.0, 1.0])
        np.testing.assert_allclose(nn.GELU()(x), [0.0, 1e4], atol=1e-300)
        np.testing.assert_allclose(
            nn.GELU(approximate="tanh")(x), [0.0, 1e4], atol=1e-300
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_at_the_ends_of_the_float_range(approximate, dtype):
    big = np.finfo(dtype).max
    x = np.array([-big, -1e20, 1e20, big], dtype=dtype)
    gelu = nn.GELU(approximate=approximate)
    with no_numpy_warnings():
        y = gelu(x)
        g = gelu.backward(np.ones_like(x))
    np.testing.assert_array_equal(y, np.array([0, 0, 1e20, big], dtype=dtype))
    np.testing.assert_array_equal(g, [0, 0, 1, 1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_huge_values_is_finite_without_warnings(dtype, dim):
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    softmax = nn.Softmax(dim=dim)
    with no_numpy_warnings():
        y = softmax(x)
        g = softmax.backward(np.ones_like(x))
    assert np.isfinite(y).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y.sum(axis=dim), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    "module, text",
    [
        (nn.ReLU(), "ReLU()"),
        (nn.Sigmoid(), "Sigmoid()"),
        (nn.Tanh(), "Tanh()"),
        (nn.GELU(), "GELU(approximate='none')"),
        (nn.GELU(approximate="tanh"), "GELU(approximate='tanh')"),
        (nn.Softmax(dim=0), "Softmax(dim=0)"),
    ],
)
def test_repr_is_pytorch_like(module, text):
    assert repr(module) == text


def test_softmax_dim_must_be_an_int():
    with pytest.raises(TypeError) as excinfo:
        nn.Softmax(dim=1.5)
    assert_message(excinfo, "dim", "float")


@pytest.mark.parametrize("module", [nn.ReLU(), nn.GELU(), nn.Softmax(dim=0)], ids=repr)
def test_backward_checks_the_gradient_shape(module):
    module(np.ones((4, 3)))
    with pytest.raises(ValueError) as excinfo:
        module.backward(np.ones((3, 4)))
    assert_message(excinfo, "grad_output", r"\(3, 4\)", r"\(4, 3\)")


@pytest.mark.parametrize("module", [nn.ReLU(), nn.Sigmoid(), nn.Softmax()], ids=repr)
def test_integer_input_is_a_type_error(module):
    with pytest.raises(TypeError) as excinfo:
        module(np.ones((2, 3), dtype=np.int64))
    assert_message(excinfo, "int64")


@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_along_an_empty_axis_is_refused(dim):
    shape = (0, 3) if dim == 0 else (3, 0)
    with pytest.raises(ValueError) as excinfo:
        nn.Softmax(dim=dim)(np.ones(shape))
    assert_message(excinfo, rf"Softmax\(dim={dim}\)", re.escape(str(shape)))


# --------------------------------------------------------------------------
# Derivatives of the saturating functions: relative precision in the tails
# --------------------------------------------------------------------------


def _decimal_derivative(kind, x):
    """sigma'(x) or tanh'(x) at the float64 `x`, to 40 digits, rounded to float64."""
    with decimal.localcontext() as context:
        context.prec = 40
        if kind == "sigmoid":
            z = (-abs(decimal.Decimal(x))).exp()  # sigma'(x) = z / (1 + z)^2
            return float(z / (1 + z) ** 2)
        z = (-2 * abs(decimal.Decimal(x))).exp()  # tanh'(x) = 4z / (1 + z)^2
        return float(4 * z / (1 + z) ** 2)


TAIL_X = np.concatenate([np.linspace(-700, 700, 1401), [-1e-300, 1e-8, 0.3, -2.5]])


@pytest.mark.parametrize("cls, kind", [(nn.Sigmoid, "sigmoid"), (nn.Tanh, "tanh")])
def test_derivative_keeps_relative_precision_in_the_tails(cls, kind):
    module = cls()
    with no_numpy_warnings():
        module(TAIL_X)
        grad = module.backward(np.ones_like(TAIL_X))
    ref = np.array([_decimal_derivative(kind, x) for x in TAIL_X])
    normal = ref >= np.finfo(np.float64).tiny
    # at x = 40, y(1 - y) gives 0 for sigma' (4.2e-18): the old form had no digit left
    assert normal.sum() > 700
    np.testing.assert_allclose(grad[normal], ref[normal], rtol=1e-14, atol=0)
    # below the normal range the true value is subnormal or rounds to 0, and so does
    # the computed one
    np.testing.assert_allclose(grad[~normal], ref[~normal], rtol=0, atol=1e-307)


@pytest.mark.parametrize("cls", [nn.Sigmoid, nn.Tanh])
def test_derivative_at_40_is_not_zero(cls):
    module = cls()
    module(np.array([40.0, -40.0]))
    grad = module.backward(np.ones(2))
    assert (grad > 0).all() and grad[0] == grad[1]


@pytest.mark.parametrize("cls", [nn.Sigmoid, nn.Tanh])
def test_gradcheck_into_the_tails(cls):
    x = np.array([[-12.0, -6.0, -2.0, -0.5], [0.5, 2.0, 6.0, 12.0]])
    assert_gradcheck(cls(), x)


@pytest.mark.parametrize("cls", [nn.Sigmoid, nn.Tanh])
def test_forward_under_no_grad_keeps_the_training_cache(cls):
    module = cls()
    x = np.array([[-3.0, 0.5, 40.0]])
    module(x)
    expected = module.backward(np.ones_like(x))
    with no_grad():
        module(np.zeros_like(x))
    np.testing.assert_array_equal(module.backward(np.ones_like(x)), expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", [nn.Sigmoid, nn.Tanh])
def test_derivative_at_the_ends_of_the_float_range(cls, dtype):
    big = np.finfo(dtype).max
    x = np.array([-big, -1e30, -800.0, 800.0, 1e30, big, np.inf, -np.inf], dtype=dtype)
    module = cls()
    with no_numpy_warnings():
        module(x)
        grad = module.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad, np.zeros_like(x))
