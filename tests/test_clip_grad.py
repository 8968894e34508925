"""clip_grad_norm_: PyTorch's formula, the direction kept, norms of every order."""

import math

import numpy as np
import pytest
from _helpers import assert_message

import mytorch
from mytorch import nn
from mytorch.nn.utils import clip_grad_norm_


def make_params(grads):
    params = [nn.Parameter(np.zeros(np.shape(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad[...] = g
    return params


GRADS = [np.array([[3.0, -4.0], [1.0, 2.0]]), np.array([0.5, -12.0, 2.0])]
FLAT = np.concatenate([g.ravel() for g in GRADS])


def test_exported_as_in_pytorch():
    assert mytorch.nn.utils.clip_grad_norm_ is clip_grad_norm_


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
def test_clips_to_max_norm_with_pytorchs_factor(norm_type):
    params = make_params(GRADS)
    if norm_type == math.inf:
        norm = np.abs(FLAT).max()
    else:
        norm = (np.abs(FLAT) ** norm_type).sum() ** (1 / norm_type)
    total = clip_grad_norm_(params, max_norm=2.0, norm_type=norm_type)
    np.testing.assert_allclose(total, norm, rtol=1e-14)
    coef = 2.0 / (norm + 1e-6)
    for p, g in zip(params, GRADS):
        np.testing.assert_allclose(p.grad, g * coef, rtol=1e-14)


def test_the_direction_is_kept_and_the_norm_is_max_norm():
    params = make_params(GRADS)
    clip_grad_norm_(params, max_norm=1.5)
    clipped = np.concatenate([p.grad.ravel() for p in params])
    np.testing.assert_allclose(np.linalg.norm(clipped), 1.5, rtol=1e-6)
    cosine = clipped @ FLAT / (np.linalg.norm(clipped) * np.linalg.norm(FLAT))
    np.testing.assert_allclose(cosine, 1.0, rtol=1e-15)


def test_gradients_within_the_bound_are_left_alone():
    params = make_params(GRADS)
    total = clip_grad_norm_(params, max_norm=100.0)
    np.testing.assert_allclose(total, np.linalg.norm(FLAT), rtol=1e-14)
    for p, g in zip(params, GRADS):
        np.testing.assert_array_equal(p.grad, g)


def test_clipping_is_in_place_on_the_parameters_arrays():
    params = make_params(GRADS)
    arrays = [p.grad for p in params]
    clip_grad_norm_(iter(params), 1.0)  # any iterable, as model.parameters()
    assert all(p.grad is a for p, a in zip(params, arrays))
    assert np.linalg.norm(np.concatenate([a.ravel() for a in arrays])) < 1.0 + 1e-12


def test_a_single_parameter_and_no_parameters():
    (p,) = make_params([np.array([6.0, 8.0])])
    assert clip_grad_norm_(p, 5.0) == 10.0
    np.testing.assert_allclose(p.grad, np.array([6.0, 8.0]) * (5.0 / (10.0 + 1e-6)))
    assert clip_grad_norm_([], 1.0) == 0.0


def test_an_infinite_max_norm_only_measures():
    params = make_params(GRADS)
    total = clip_grad_norm_(params, math.inf)
    np.testing.assert_allclose(total, np.linalg.norm(FLAT), rtol=1e-14)
    for p, g in zip(params, GRADS):
        np.testing.assert_array_equal(p.grad, g)


def test_max_norm_zero_zeroes_the_gradients():
    params = make_params(GRADS)
    clip_grad_norm_(params, 0.0)
    assert all(not p.grad.any() for p in params)


def test_float32_stays_float32():
    params = make_params(GRADS)
    for p in params:
        p.data, p.grad = p.data.astype(np.float32), p.grad.astype(np.float32)
    total = clip_grad_norm_(params, 1.0)
    assert total.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in params)
    np.testing.assert_allclose(total, np.linalg.norm(FLAT), rtol=1e-6)


def test_huge_and_tiny_gradients_give_finite_norms_without_warnings():
    for scale in (1e300, 1e-300):
        params = make_params([g * scale for g in GRADS])
        with np.errstate(all="raise"):
            total = clip_grad_norm_(params, 1.0, norm_type=3.0)
            total2 = clip_grad_norm_(make_params([g * scale for g in GRADS]), 1.0)
        np.testing.assert_allclose(
            total, scale * (np.abs(FLAT) ** 3).sum() ** (1 / 3), rtol=1e-13
        )
        np.testing.assert_allclose(total2, scale * np.linalg.norm(FLAT), rtol=1e-13)


def test_zero_gradients_are_left_alone():
    params = make_params([np.zeros(3)])
    assert clip_grad_norm_(params, 1.0) == 0.0
    assert not params[0].grad.any()


def test_nan_is_returned_and_nothing_is_scaled():
    params = make_params([np.array([np.nan, 1.0])])
    assert np.isnan(clip_grad_norm_(params, 1.0))
    assert params[0].grad[1] == 1.0


@pytest.mark.parametrize(
    "args, error, patterns",
    [
        ((np.zeros(3), 1.0), TypeError, ["clip_grad_norm_", "parameters", "Parameter"]),
        ((5, 1.0), TypeError, ["parameters", "5"]),
        (("params", -1.0), ValueError, ["max_norm", r"-1\.0"]),
        (("params", math.nan), ValueError, ["max_norm", "nan"]),
        (("params", 1.0, 0), ValueError, ["norm_type", "> 0", "0"]),
        (("params", 1.0, -math.inf), ValueError, ["norm_type", "-inf"]),
        (("params", 1.0, "fro"), TypeError, ["norm_type", "fro"]),
    ],
)
def test_bad_arguments_are_refused(args, error, patterns):
    params = make_params(GRADS)
    args = tuple(params if isinstance(a, str) and a == "params" else a for a in args)
    with pytest.raises(error) as excinfo:
        clip_grad_norm_(*args)
    assert_message(excinfo, *patterns)
    for p, g in zip(params, GRADS):
        np.testing.assert_array_equal(p.grad, g)
