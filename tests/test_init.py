"""nn.init and the seeded generator: bounds, standard deviations, reproducibility."""

import math
import re

import numpy as np
import pytest

import mytorch
import mytorch.random
from mytorch import nn
from mytorch.nn import init
from _helpers import assert_message

FAN_OUT, FAN_IN = 300, 400  # weight shape (out, in), as Linear stores it


def big():
    return np.empty((FAN_OUT, FAN_IN))


# --------------------------------------------------------------------------
# Distributions (1.2e5 draws: the sample std is within 0.5% of the true one)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fill, bound",
    [
        (lambda t: init.kaiming_uniform_(t), math.sqrt(2) * math.sqrt(3 / FAN_IN)),
        (
            lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
            math.sqrt(6 / FAN_IN),
        ),
        (lambda t: init.xavier_uniform_(t), math.sqrt(6 / (FAN_IN + FAN_OUT))),
        (
            lambda t: init.xavier_uniform_(t, gain=2.0),
            2 * math.sqrt(6 / (FAN_IN + FAN_OUT)),
        ),
    ],
    ids=["kaiming", "kaiming-relu", "xavier", "xavier-gain2"],
)
def test_uniform_bound(fill, bound):
    mytorch.manual_seed(0)
    w = fill(big())
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.02 * bound


@pytest.mark.parametrize(
    "fill, std",
    [
        (lambda t: init.kaiming_normal_(t), math.sqrt(2 / FAN_IN)),
        (lambda t: init.xavier_normal_(t), math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (
            lambda t: init.xavier_normal_(t, gain=3.0),
            3 * math.sqrt(2 / (FAN_IN + FAN_OUT)),
        ),
    ],
    ids=["kaiming", "xavier", "xavier-gain3"],
)
def test_normal_std(fill, std):
    mytorch.manual_seed(0)
    w = fill(big())
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.02 * std
    # a normal, not a uniform: values beyond 3 std exist (0.27% of them)
    assert (np.abs(w) > 3 * std).mean() == pytest.approx(0.0027, abs=0.001)


def test_zeros_and_ones():
    t = np.full((3, 4), 7.0)
    assert init.zeros_(t) is t
    np.testing.assert_array_equal(t, 0.0)
    assert init.ones_(t) is t
    np.testing.assert_array_equal(t, 1.0)


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.zeros_,
        init.ones_,
    ],
)
def test_fills_an_ndarray_in_place_and_returns_it(fill):
    t = np.full((5, 6), np.nan)
    assert fill(t) is t
    assert np.isfinite(t).all()


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.zeros_,
        init.ones_,
    ],
)
def test_fills_a_parameter_and_returns_it(fill):
    p = nn.Parameter(np.full((5, 6), np.nan))
    assert fill(p) is p
    assert np.isfinite(p.data).all()


@pytest.mark.parametrize("fill", [init.kaiming_uniform_, init.xavier_normal_])
def test_float32_stays_float32(fill):
    t = np.zeros((5, 6), dtype=np.float32)
    assert fill(t).dtype == np.float32


def test_unknown_nonlinearity_is_refused():
    with pytest.raises(ValueError) as excinfo:
        init.kaiming_uniform_(np.empty((3, 4)), nonlinearity="swish")
    assert_message(excinfo, "nonlinearity", "swish")


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------


def test_manual_seed_returns_the_global_generator():
    gen = mytorch.manual_seed(0)
    assert isinstance(gen, np.random.Generator)
    assert mytorch.random.get_generator() is gen


def test_manual_seed_makes_draws_repeat():
    mytorch.manual_seed(5)
    a = init.kaiming_uniform_(np.empty((4, 3)))
    mytorch.manual_seed(5)
    b = init.kaiming_uniform_(np.empty((4, 3)))
    np.testing.assert_array_equal(a, b)


def test_successive_draws_differ():
    mytorch.manual_seed(0)
    a = init.kaiming_uniform_(np.empty((4, 3)))
    b = init.kaiming_uniform_(np.empty((4, 3)))
    assert not np.array_equal(a, b)


def make_model():
    return nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def test_same_seed_gives_identical_models():
    mytorch.manual_seed(0)
    first = make_model().state_dict()
    mytorch.manual_seed(0)
    second = make_model().state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)


def test_different_seeds_give_different_models():
    mytorch.manual_seed(0)
    first = make_model().state_dict()
    mytorch.manual_seed(1)
    second = make_model().state_dict()
    assert not np.array_equal(first["0.weight"], second["0.weight"])


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
    ],
)
def test_explicit_rng_is_used_and_global_generator_untouched(fill):
    mytorch.manual_seed(0)
    state = mytorch.random.get_generator().bit_generator.state
    a = fill(np.empty((4, 3)), rng=np.random.default_rng(7))
    b = fill(np.empty((4, 3)), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert mytorch.random.get_generator().bit_generator.state == state


@pytest.mark.parametrize(
    "fill", [init.kaiming_uniform_, init.xavier_normal_, init.zeros_]
)
def test_integer_arrays_are_refused(fill):
    with pytest.raises(TypeError) as excinfo:
        fill(np.zeros((3, 4), dtype=np.int64))
    assert_message(excinfo, "dtype int64")


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
    ],
)
def test_fan_based_init_needs_a_matrix(fill):
    with pytest.raises(ValueError) as excinfo:
        fill(np.zeros(5))
    assert_message(excinfo, r"\(5,\)")


@pytest.mark.parametrize(
    "seed, error", [("0", TypeError), (1.5, TypeError), (-1, ValueError)]
)
def test_manual_seed_validates_its_argument(seed, error):
    with pytest.raises(error) as excinfo:
        mytorch.manual_seed(seed)
    assert_message(excinfo, "seed")


@pytest.mark.parametrize("fill", [init.xavier_uniform_, init.xavier_normal_])
@pytest.mark.parametrize(
    "gain, error, message",
    [
        ("a", TypeError, r"\(gain\) must be a number, got str 'a'"),
        (-1.0, ValueError, r"\(gain\) must be a finite number >= 0, got -1.0"),
        (math.nan, ValueError, r"\(gain\) must be a finite number >= 0, got nan"),
    ],
    ids=["str", "negative", "nan"],
)
def test_gain_must_be_a_finite_number_at_least_zero(fill, gain, error, message):
    with pytest.raises(error, match=fill.__name__ + message):
        fill(np.empty((3, 4)), gain=gain)


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
    ],
)
@pytest.mark.parametrize("shape", [(3, 0), (0, 3)])
def test_a_fan_of_zero_is_refused(fill, shape):
    with pytest.raises(
        ValueError, match=r"both >= 1, got shape " + re.escape(str(shape))
    ):
        fill(np.empty(shape))


@pytest.mark.parametrize(
    "fill",
    [
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
    ],
)
@pytest.mark.parametrize(
    "rng", [42, 0, np.random.RandomState(0)], ids=["42", "0", "RandomState"]
)
def test_rng_must_be_a_generator(fill, rng):
    with pytest.raises(
        TypeError, match=r"rng to be None or a numpy.random.Generator, got"
    ):
        fill(np.empty((3, 4)), rng=rng)


def test_gains_are_pytorchs():
    assert init.calculate_gain("linear") == init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))


def test_kaiming_normal_scale_with_a_small_fan_in():
    mytorch.manual_seed(0)
    w = init.kaiming_normal_(np.empty((60000, 2)))
    assert w.std() == pytest.approx(1.0, rel=0.02)  # sqrt(2) / sqrt(fan_in), fan_in = 2
