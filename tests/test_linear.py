"""nn.Linear: y = x @ W.T + b, PyTorch's layout, its gradients and its errors."""

import math

import numpy as np
import pytest

import mytorch
from mytorch import nn
from _helpers import assert_gradcheck, assert_message, shape_pattern


def test_weight_and_bias_shapes_follow_pytorch():
    layer = nn.Linear(3, 5)
    assert layer.weight.data.shape == (5, 3)
    assert layer.bias.data.shape == (5,)
    assert layer.in_features == 3 and layer.out_features == 5


def test_default_dtype_is_float64():
    layer = nn.Linear(3, 5)
    assert layer.weight.data.dtype == np.float64
    assert layer.bias.data.dtype == np.float64


def test_grads_start_as_zeros_of_same_shape_and_dtype():
    layer = nn.Linear(3, 5)
    for p in layer.parameters():
        assert p.grad.shape == p.data.shape
        assert p.grad.dtype == p.data.dtype
        assert not p.grad.any()


def test_bias_starts_at_zero():
    mytorch.manual_seed(0)
    assert not nn.Linear(4, 6).bias.data.any()


def test_forward_is_x_times_weight_transposed_plus_bias(rng):
    layer = nn.Linear(3, 4)
    layer.bias.data[...] = rng.standard_normal(4)
    x = rng.standard_normal((5, 3))
    expected = np.array(
        [
            [
                sum(x[n, i] * layer.weight.data[o, i] for i in range(3))
                + layer.bias.data[o]
                for o in range(4)
            ]
            for n in range(5)
        ]
    )
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_call_equals_forward(rng):
    layer = nn.Linear(3, 4)
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(layer(x), layer.forward(x))


def test_without_bias_has_only_weight(rng):
    layer = nn.Linear(3, 4, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(layer(x), x @ layer.weight.data.T, rtol=1e-12)


def test_backward_values(rng):
    layer = nn.Linear(3, 4)
    x = rng.standard_normal((5, 3))
    g = rng.standard_normal((5, 4))
    layer(x)
    grad_input = layer.backward(g)
    np.testing.assert_allclose(grad_input, g @ layer.weight.data, rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 2), (7, 5, 6)])
def test_gradcheck(rng, bias, shape):
    n, fan_in, fan_out = shape
    layer = nn.Linear(fan_in, fan_out, bias=bias)
    if bias:
        layer.bias.data[...] = rng.standard_normal(fan_out)
    assert_gradcheck(layer, rng.standard_normal((n, fan_in)))


@pytest.mark.parametrize("init", ["he", "xavier"])
def test_init_choices_bound_the_weights(init):
    mytorch.manual_seed(0)
    layer = nn.Linear(200, 100, init=init)
    bound = math.sqrt(6 / 200) if init == "he" else math.sqrt(6 / 300)
    w = layer.weight.data
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound


def test_repr_is_pytorch_like():
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"
    assert (
        repr(nn.Linear(2, 3, bias=False))
        == "Linear(in_features=2, out_features=3, bias=False)"
    )


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.Linear(2, 3).backward(np.ones((4, 3)))


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_wrong_feature_count_names_layer_shape_and_expectation():
    layer = nn.Linear(2, 4)
    with pytest.raises(ValueError) as excinfo:
        layer(np.ones((8, 3)))
    assert_message(excinfo, r"in_features=2|\(N, 2\)", shape_pattern((8, 3)))


@pytest.mark.parametrize("shape", [(2,), (4, 2, 1)])
def test_input_that_is_not_two_dimensional_is_refused(shape):
    with pytest.raises(ValueError) as excinfo:
        nn.Linear(2, 4)(np.ones(shape))
    assert_message(excinfo, shape_pattern(shape), r"\(N, 2\)")


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        ({"in_features": 0, "out_features": 3}, "in_features", "0"),
        ({"in_features": -2, "out_features": 3}, "in_features", "-2"),
        ({"in_features": 2, "out_features": 0}, "out_features", "0"),
        ({"in_features": 2, "out_features": -1}, "out_features", "-1"),
    ],
)
def test_non_positive_sizes_are_refused(kwargs, name, value):
    with pytest.raises(ValueError) as excinfo:
        nn.Linear(**kwargs)
    assert_message(excinfo, name, rf"(?<![\d.]){value}(?![\d.])")


@pytest.mark.parametrize("value", [2.5, "2"])
def test_non_integer_size_is_a_type_error(value):
    with pytest.raises(TypeError) as excinfo:
        nn.Linear(value, 3)
    assert_message(excinfo, "in_features")


def test_unknown_init_lists_the_choices():
    with pytest.raises(ValueError) as excinfo:
        nn.Linear(2, 3, init="kaiming")
    assert_message(excinfo, "init", "kaiming", "he", "xavier")


@pytest.mark.parametrize(
    "x, pattern",
    [
        ([[1.0, 2.0]], "list"),
        (np.ones((4, 2), dtype=np.int64), "int64"),
    ],
    ids=["list", "int-array"],
)
def test_input_must_be_a_float_ndarray(x, pattern):
    with pytest.raises(TypeError) as excinfo:
        nn.Linear(2, 3)(x)
    assert_message(excinfo, pattern)


def test_input_dtype_must_match_the_weights():
    with pytest.raises(TypeError) as excinfo:
        nn.Linear(2, 3)(np.ones((4, 2), dtype=np.float32))
    assert_message(excinfo, "float32", "float64")


@pytest.mark.parametrize("dtype", [np.int32, "banana"])
def test_dtype_argument_must_be_floating_point(dtype):
    with pytest.raises(TypeError) as excinfo:
        nn.Linear(2, 3, dtype=dtype)
    assert_message(excinfo, "dtype", "int32" if dtype is np.int32 else "banana")


def test_backward_checks_the_gradient_shape():
    layer = nn.Linear(2, 3)
    layer(np.ones((4, 2)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((4, 2)))
    assert_message(excinfo, "grad_output", shape_pattern((4, 2)), shape_pattern((4, 3)))


@pytest.mark.parametrize("bias", ["False", 0, None])
def test_bias_must_be_a_bool(bias):
    # the string "False" is true: it would give the layer a bias without a word
    with pytest.raises(TypeError, match=r"Linear\(bias\) must be a bool, got"):
        nn.Linear(2, 3, bias=bias)
