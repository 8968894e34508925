"""mytorch.testing: the gradient check must pass correct code and catch wrong code."""

import math
import re

import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.testing import (
    GradcheckError,
    gradcheck,
    numerical_gradient,
    relative_error,
)
from _helpers import floats_in


class WrongInputGrad(nn.Linear):
    """Linear whose returned gradient is off by 10 at one entry."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output).copy()
        grad_input[1, 2] += 10.0
        return grad_input


class WrongWeightGrad(nn.Linear):
    """Linear whose dL/dW is off by 0.5 at one entry."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.weight.grad[0, 1] += 0.5
        return grad_input


class ForgetsBiasGrad(nn.Linear):
    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.bias.grad[...] = 0.0
        return grad_input


class WrongLossGrad(nn.MSELoss):
    def backward(self):
        return 2 * super().backward()


def test_passes_a_correct_module_and_reports_every_tensor(rng):
    layer = nn.Linear(4, 3)
    errors = gradcheck(layer, rng.standard_normal((3, 4)))
    assert set(errors) == {"input", "weight", "bias"}
    assert all(isinstance(e, float) and 0 <= e < 1e-7 for e in errors.values())


def test_keys_are_named_parameters_of_a_sequential(rng):
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2, bias=False))
    errors = gradcheck(model, rng.standard_normal((3, 4)))
    assert set(errors) == {"input", "0.weight", "0.bias", "2.weight"}


def test_loss_mode_reports_only_the_input(rng):
    errors = gradcheck(
        nn.CrossEntropyLoss(), rng.standard_normal((3, 4)), target=np.array([0, 3, 1])
    )
    assert set(errors) == {"input"} and errors["input"] < 1e-7


def test_catches_a_wrong_input_gradient(rng):
    with pytest.raises(GradcheckError):
        gradcheck(WrongInputGrad(4, 3), rng.standard_normal((3, 4)))


def test_is_an_assertion_error(rng):
    with pytest.raises(AssertionError):
        gradcheck(WrongInputGrad(4, 3), rng.standard_normal((3, 4)))


def test_message_names_tensor_index_and_both_values(rng):
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(WrongInputGrad(4, 3), rng.standard_normal((3, 4)))
    message = str(excinfo.value)
    assert "input" in message
    assert re.search(r"[(\[]1, 2[)\]]", message), message
    numbers = floats_in(message)
    # the analytical value is the numerical one plus the planted 10
    assert any(abs(a - n - 10.0) < 1e-4 for a in numbers for n in numbers), message


def test_catches_a_wrong_weight_gradient(rng):
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(WrongWeightGrad(4, 3), rng.standard_normal((3, 4)))
    message = str(excinfo.value)
    assert "weight" in message and re.search(r"[(\[]0, 1[)\]]", message), message
    numbers = floats_in(message)
    assert any(abs(a - n - 0.5) < 1e-4 for a in numbers for n in numbers), message


def test_catches_a_missing_bias_gradient(rng):
    with pytest.raises(GradcheckError, match="bias"):
        gradcheck(ForgetsBiasGrad(4, 3), rng.standard_normal((3, 4)))


def test_names_a_nested_parameter(rng):
    model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), WrongWeightGrad(4, 2))
    with pytest.raises(GradcheckError, match=r"2\.weight"):
        gradcheck(model, rng.standard_normal((3, 4)))


def test_catches_a_wrong_loss_gradient(rng):
    with pytest.raises(GradcheckError, match="input"):
        gradcheck(
            WrongLossGrad(),
            rng.standard_normal((3, 2)),
            target=rng.standard_normal((3, 2)),
        )


def test_tolerance_is_respected(rng):
    # the planted error is ~1e-3 relative: caught at the default tol, passed at 1e-1
    class SlightlyOff(nn.Tanh):
        def backward(self, grad_output):
            return super().backward(grad_output) * 1.002

    x = rng.standard_normal((3, 4))
    with pytest.raises(GradcheckError):
        gradcheck(SlightlyOff(), x)
    errors = gradcheck(SlightlyOff(), x, tol=1e-1)
    assert errors["input"] == pytest.approx(0.001, rel=0.01)


def test_leaves_parameters_and_input_unchanged(rng):
    layer = nn.Linear(4, 3)
    x = rng.standard_normal((3, 4))
    before, x_before = layer.state_dict(), x.copy()
    gradcheck(layer, x)
    np.testing.assert_array_equal(x, x_before)
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_restores_batchnorm_buffers(rng):
    bn = nn.BatchNorm1d(3)
    bn(rng.standard_normal((6, 3)) + 2)
    before = bn.state_dict()
    gradcheck(bn, rng.standard_normal((5, 3)))
    for name, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_sees_one_dropout_mask(rng):
    mytorch.manual_seed(0)
    errors = gradcheck(nn.Dropout(0.5), rng.standard_normal((8, 8)))
    assert errors["input"] < 1e-7


def test_ignores_stale_gradients(rng):
    layer = nn.Linear(4, 3)
    for p in layer.parameters():
        p.grad[...] = 5.0
    assert max(gradcheck(layer, rng.standard_normal((3, 4))).values()) < 1e-7


# --------------------------------------------------------------------------
# numerical_gradient and relative_error
# --------------------------------------------------------------------------


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 2))
    grad = numerical_gradient(lambda a: float((np.sin(a) * a).sum()), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-8, atol=1e-10)


def test_numerical_gradient_restores_x(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    numerical_gradient(lambda a: float((a**3).sum()), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_is_central_difference():
    # for a cubic, the central difference has error exactly eps^2 * f'''/6 = eps^2
    x = np.array([2.0])
    grad = numerical_gradient(lambda a: float(a[0] ** 3), x, eps=1e-2)
    assert grad[0] == pytest.approx(12.0 + 1e-4, rel=1e-9)


def test_relative_error_formula():
    a, b = np.array([3.0, 4.0]), np.array([3.0, 0.0])
    assert relative_error(a, b) == pytest.approx(4.0 / (5.0 + 3.0), rel=1e-15)


def test_relative_error_of_two_zero_tensors_is_zero():
    with np.errstate(all="raise"):
        assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_is_symmetric_and_bounded(rng):
    a, b = rng.standard_normal(6), rng.standard_normal(6)
    assert relative_error(a, b) == pytest.approx(relative_error(b, a), rel=1e-15)
    assert 0 <= relative_error(a, -a) <= 1.0
    assert relative_error(a, -a) == pytest.approx(1.0, rel=1e-15)


def test_relative_error_uses_whole_tensor_norms():
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    b = np.zeros((2, 2))
    assert relative_error(a, b) == pytest.approx(1.0)
    assert math.isfinite(relative_error(a, a))


def test_needs_float64_input(rng):
    with pytest.raises(TypeError, match="float64"):
        gradcheck(nn.Tanh(), rng.standard_normal((2, 3)).astype(np.float32))


def test_needs_float64_parameters(rng):
    with pytest.raises(TypeError, match="float64"):
        gradcheck(nn.Linear(3, 2, dtype=np.float32), rng.standard_normal((2, 3)))


def test_eps_is_the_finite_difference_step(rng):
    # a step of 0.5 makes the central difference of tanh visibly wrong
    x = rng.standard_normal((3, 4))
    assert gradcheck(nn.Tanh(), x)["input"] < 1e-7
    with pytest.raises(GradcheckError):
        gradcheck(nn.Tanh(), x, eps=0.5)


def test_message_names_every_failing_tensor(rng):
    class TwoBugs(WrongInputGrad):
        def backward(self, grad_output):
            grad_input = super().backward(grad_output)
            self.bias.grad[...] = 0.0
            return grad_input

    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(TwoBugs(4, 3), rng.standard_normal((3, 4)))
    assert "input" in str(excinfo.value) and "bias" in str(excinfo.value)


@pytest.mark.parametrize(
    "eps, error, message",
    [
        (0, ValueError, r"must be a finite number > 0, got 0"),
        (-1e-6, ValueError, r"must be a finite number > 0, got -1e-06"),
        (math.inf, ValueError, r"must be a finite number > 0, got inf"),
        (math.nan, ValueError, r"must be a finite number > 0, got nan"),
        ("a", TypeError, r"must be a number, got str 'a'"),
    ],
    ids=["zero", "negative", "inf", "nan", "str"],
)
def test_eps_and_tol_must_be_finite_numbers_above_zero(rng, eps, error, message):
    x = rng.standard_normal((2, 3))
    with pytest.raises(error, match=r"gradcheck\(eps\) " + message):
        gradcheck(nn.Tanh(), x, eps=eps)
    with pytest.raises(error, match=r"numerical_gradient\(eps\) " + message):
        numerical_gradient(lambda a: float(a.sum()), x, eps=eps)
    with pytest.raises(error, match=r"gradcheck\(tol\) " + message):
        gradcheck(nn.Tanh(), x, tol=eps)


def test_a_nan_in_the_analytical_gradient_fails_the_check():
    class NaNGradient(nn.Tanh):
        def backward(self, grad_output):
            grad = super().backward(grad_output)
            grad[0, 0] = np.nan
            return grad

    with pytest.raises(GradcheckError, match="input"):
        gradcheck(NaNGradient(), np.random.default_rng(0).standard_normal((3, 4)))


@pytest.mark.parametrize(
    "x, got",
    [
        (np.array([1, 2, 3]), "int64"),
        (np.array([1.0, 2.0], dtype=np.float32), "float32"),
        ([1.0, 2.0], "list"),
    ],
)
def test_numerical_gradient_refuses_what_it_cannot_perturb_in_float64(x, got):
    # in place, an integer x rounds the steps away (500000 per entry instead of 1)
    with pytest.raises(
        TypeError,
        match=rf"numerical_gradient\(x\) must be a float64 ndarray, got {got}",
    ):
        numerical_gradient(lambda a: a.sum(), x)


def test_numerical_gradient_refuses_a_read_only_array():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match=r"numerical_gradient\(x\) must be writeable"):
        numerical_gradient(lambda a: a.sum(), x)


def test_numerical_gradient_of_float32_on_request_only():
    x = np.array([0.5, -1.0], dtype=np.float32)
    grad = numerical_gradient(lambda a: np.sum(a * a), x, eps=1e-2, allow_float32=True)
    np.testing.assert_allclose(grad, [1.0, -2.0], rtol=1e-3)
    assert x.dtype == np.float32 and list(x) == [0.5, -1.0]
