"""nn.BatchNorm1d: biased variance to normalise, unbiased for running_var, eval mode."""

import re

import numpy as np
import pytest

from mytorch import nn
from _helpers import (
    assert_gradcheck,
    assert_message,
    no_numpy_warnings,
    ref_batchnorm_train,
    shape_pattern,
)


def randomise_affine(bn, rng):
    bn.weight.data[...] = rng.uniform(0.5, 2.0, bn.weight.data.shape)
    bn.bias.data[...] = rng.standard_normal(bn.bias.data.shape)
    return bn


def test_parameters_and_buffers_start_like_pytorch():
    bn = nn.BatchNorm1d(3)
    np.testing.assert_array_equal(bn.weight.data, np.ones(3))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(3))
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var, np.ones(3))
    assert bn.eps == 1e-5 and bn.momentum == 0.1


def test_running_stats_are_buffers_not_parameters():
    bn = nn.BatchNorm1d(3)
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    assert sorted(name for name, _ in bn.named_buffers()) == [
        "running_mean",
        "running_var",
    ]


def test_no_num_batches_tracked():
    bn = nn.BatchNorm1d(3)
    bn(np.random.default_rng(0).standard_normal((4, 3)))
    assert "num_batches_tracked" not in bn.state_dict()
    assert not hasattr(bn, "num_batches_tracked")


def test_training_forward_uses_biased_batch_variance(rng):
    bn = randomise_affine(nn.BatchNorm1d(3), rng)
    x = rng.standard_normal((5, 3)) * 4 + 1
    np.testing.assert_allclose(
        bn(x),
        ref_batchnorm_train(x, bn.weight.data, bn.bias.data, 1e-5),
        rtol=1e-12,
        atol=1e-12,
    )


def test_training_output_is_standardised(rng):
    x = rng.standard_normal((64, 4)) * 3 + 2
    y = nn.BatchNorm1d(4)(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-5)


def test_running_stats_update_with_unbiased_variance(rng):
    bn = nn.BatchNorm1d(3, momentum=0.2)
    x = rng.standard_normal((5, 3)) * 4 + 1
    bn(x)
    mean = x.sum(axis=0) / 5
    unbiased = ((x - mean) ** 2).sum(axis=0) / 4
    np.testing.assert_allclose(bn.running_mean, 0.8 * 0 + 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.8 * 1 + 0.2 * unbiased, rtol=1e-12)


def test_running_stats_are_an_exponential_moving_average(rng):
    bn = nn.BatchNorm1d(2)
    running_mean, running_var = np.zeros(2), np.ones(2)
    for _ in range(3):
        x = rng.standard_normal((6, 2)) * 2 - 1
        bn(x)
        running_mean = 0.9 * running_mean + 0.1 * x.mean(axis=0)
        running_var = 0.9 * running_var + 0.1 * x.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, running_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, running_var, rtol=1e-12)


def test_eval_uses_running_stats(rng):
    bn = randomise_affine(nn.BatchNorm1d(3), rng)
    bn(rng.standard_normal((8, 3)) * 3 + 5)
    bn.eval()
    x = rng.standard_normal((4, 3))
    expected = (
        bn.weight.data * (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
        + bn.bias.data
    )
    np.testing.assert_allclose(bn(x), expected, rtol=1e-12)


def test_eval_does_not_update_running_stats(rng):
    bn = nn.BatchNorm1d(3)
    bn(rng.standard_normal((8, 3)))
    before = bn.state_dict()
    bn.eval()
    bn(rng.standard_normal((8, 3)) + 10)
    for name, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_eval_accepts_a_single_sample(rng):
    bn = nn.BatchNorm1d(3).eval()
    assert bn(rng.standard_normal((1, 3))).shape == (1, 3)


def test_custom_eps(rng):
    x = rng.standard_normal((5, 2))
    y = nn.BatchNorm1d(2, eps=0.5)(x)
    np.testing.assert_allclose(y, ref_batchnorm_train(x, 1.0, 0.0, 0.5), rtol=1e-12)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.BatchNorm1d(3).backward(np.ones((4, 3)))


@pytest.mark.parametrize("n", [2, 3, 8])
def test_gradcheck_training(rng, n):
    bn = randomise_affine(nn.BatchNorm1d(3), rng)
    assert_gradcheck(bn, rng.standard_normal((n, 3)) * 2 + 1)


def test_gradcheck_eval(rng):
    bn = randomise_affine(nn.BatchNorm1d(3), rng)
    bn(rng.standard_normal((8, 3)) * 3 + 2)
    bn.eval()
    assert_gradcheck(bn, rng.standard_normal((5, 3)))


def test_training_input_gradient_sums_to_zero_per_feature(rng):
    # y is invariant to shifting a feature, so dL/dx sums to zero over the batch.
    bn = randomise_affine(nn.BatchNorm1d(3), rng)
    bn(rng.standard_normal((6, 3)))
    grad_input = bn.backward(rng.standard_normal((6, 3)))
    np.testing.assert_allclose(grad_input.sum(axis=0), 0, atol=1e-12)


def test_parameter_gradients(rng):
    bn = nn.BatchNorm1d(3)
    x = rng.standard_normal((6, 3))
    g = rng.standard_normal((6, 3))
    bn(x)
    bn.backward(g)
    x_hat = ref_batchnorm_train(x, 1.0, 0.0, 1e-5)
    np.testing.assert_allclose(bn.weight.grad, (g * x_hat).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.bias.grad, g.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_constant_feature_is_finite_without_warnings(dtype):
    x = np.column_stack([np.full(4, 3.0), np.arange(4.0)]).astype(dtype)
    bn = nn.BatchNorm1d(2, dtype=dtype)
    with no_numpy_warnings():
        y = bn(x)
        g = bn.backward(np.ones_like(x))
    assert np.isfinite(y).all() and np.isfinite(g).all()
    np.testing.assert_array_equal(y[:, 0], 0.0)
    np.testing.assert_allclose(bn.running_var[0], 0.9, rtol=1e-6)


def test_repr_names_the_feature_count():
    text = repr(nn.BatchNorm1d(4))
    assert text.startswith("BatchNorm1d(4")
    assert "eps=1e-05" in text and "momentum=0.1" in text


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, -3])
def test_non_positive_feature_count_is_refused(size):
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(size)
    assert_message(excinfo, "num_features", rf"(?<![\d.]){size}(?![\d.])")


@pytest.mark.parametrize("momentum", [-0.5, 1.5])
def test_momentum_outside_unit_interval_is_refused(momentum):
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(3, momentum=momentum)
    assert_message(excinfo, "momentum", str(momentum))


def test_feature_count_must_match():
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(3)(np.ones((8, 4)))
    assert_message(excinfo, r"num_features=3|\(N, 3\)", shape_pattern((8, 4)))


@pytest.mark.parametrize("shape", [(3,), (4, 3, 2)])
def test_input_must_be_two_dimensional(shape):
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(3)(np.ones(shape))
    assert_message(excinfo, shape_pattern(shape))


def test_training_needs_two_samples():
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(3)(np.ones((1, 3)))
    assert_message(excinfo, shape_pattern((1, 3)), "2")


@pytest.mark.parametrize("eps", [0.0, -1e-5, float("inf"), float("nan")])
def test_eps_must_be_finite_and_positive(eps):
    with pytest.raises(ValueError) as excinfo:
        nn.BatchNorm1d(3, eps=eps)
    assert_message(excinfo, "eps", re.escape(str(eps)))


@pytest.mark.parametrize(
    "layer_dtype, input_dtype", [(np.float64, np.float32), (np.float32, np.float64)]
)
def test_input_of_another_dtype_is_refused(layer_dtype, input_dtype):
    bn = nn.BatchNorm1d(3, dtype=layer_dtype)
    with pytest.raises(TypeError) as excinfo:
        bn(np.ones((4, 3), dtype=input_dtype))
    assert_message(
        excinfo,
        r"BatchNorm1d",
        np.dtype(input_dtype).name,
        np.dtype(layer_dtype).name,
        r"model\.to",
    )


@pytest.mark.parametrize("eps", ["0.1", None, np.ones(2)])
def test_eps_of_the_wrong_type_is_refused(eps):
    with pytest.raises(TypeError) as excinfo:
        nn.BatchNorm1d(3, eps=eps)
    assert_message(excinfo, "eps", type(eps).__name__)
