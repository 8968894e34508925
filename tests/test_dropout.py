"""nn.Dropout: inverted dropout from the seeded generator, identity in eval."""

import numpy as np
import pytest

import mytorch
from mytorch import nn
from _helpers import assert_gradcheck, assert_message


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_drop_rate_is_p(p):
    mytorch.manual_seed(0)
    y = nn.Dropout(p)(np.ones((200, 500)))
    # 1e5 Bernoulli draws: the standard error of the rate is below 0.0016.
    assert abs((y == 0).mean() - p) < 0.01


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_kept_values_are_scaled_by_one_over_keep_probability(p):
    mytorch.manual_seed(0)
    x = np.random.default_rng(1).uniform(1, 2, (20, 30))
    y = nn.Dropout(p)(x)
    kept = y != 0
    assert kept.any()
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p), rtol=1e-12)


def test_expectation_is_preserved():
    mytorch.manual_seed(0)
    y = nn.Dropout(0.5)(np.full((400, 500), 3.0))
    assert y.mean() == pytest.approx(3.0, rel=0.01)


def test_default_p_is_one_half():
    assert nn.Dropout().p == 0.5


def test_eval_is_identity():
    x = np.random.default_rng(0).standard_normal((5, 4))
    dropout = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(dropout(x), x)
    np.testing.assert_array_equal(dropout.backward(np.ones_like(x)), np.ones_like(x))


def test_p_zero_is_identity_in_training():
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x), x)


def test_backward_uses_the_forward_mask():
    mytorch.manual_seed(3)
    dropout = nn.Dropout(0.3)
    y = dropout(np.ones((10, 10)))
    # with x = 1, y is exactly the scaled mask, which is also dL/dx for G = 1.
    np.testing.assert_array_equal(dropout.backward(np.ones((10, 10))), y)


def test_same_seed_same_mask():
    x = np.ones((6, 7))
    mytorch.manual_seed(42)
    first = nn.Dropout(0.5)(x)
    mytorch.manual_seed(42)
    second = nn.Dropout(0.5)(x)
    np.testing.assert_array_equal(first, second)


def test_successive_calls_draw_new_masks():
    mytorch.manual_seed(0)
    dropout = nn.Dropout(0.5)
    x = np.ones((10, 10))
    assert not np.array_equal(dropout(x), dropout(x))


def test_gradcheck_in_training():
    mytorch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((6, 5))
    assert_gradcheck(nn.Dropout(0.4), x)


def test_dtype_is_preserved():
    mytorch.manual_seed(0)
    dropout = nn.Dropout(0.5)
    x = np.ones((4, 4), dtype=np.float32)
    assert dropout(x).dtype == np.float32
    assert dropout.backward(x).dtype == np.float32


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.Dropout(0.5).backward(np.ones((2, 2)))


def test_repr():
    assert repr(nn.Dropout(0.25)).startswith("Dropout(p=0.25")


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_p_outside_half_open_unit_interval_is_refused(p):
    with pytest.raises(ValueError) as excinfo:
        nn.Dropout(p)
    assert_message(excinfo, r"\bp\b", str(p))


def test_p_must_be_a_number():
    with pytest.raises(TypeError) as excinfo:
        nn.Dropout("0.5")
    assert_message(excinfo, r"\bp\b", "str")
