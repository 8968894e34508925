"""Property tests: gradient checks over random shapes, invariants over random values."""

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mytorch
from mytorch import nn
from _helpers import (
    assert_gradcheck,
    assert_tree_equal,
    away_from_zero,
    batch_sizes,
    dims,
    no_numpy_warnings,
    ref_cross_entropy,
    seeds,
)

FAST = settings(max_examples=25, deadline=None)

finite = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False)
huge = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
matrices = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite
)

ACTIVATIONS = st.sampled_from(
    [
        lambda: nn.ReLU(),
        lambda: nn.Sigmoid(),
        lambda: nn.Tanh(),
        lambda: nn.GELU(),
        lambda: nn.GELU(approximate="tanh"),
        lambda: nn.Softmax(dim=0),
        lambda: nn.Softmax(dim=-1),
    ]
)


# --------------------------------------------------------------------------
# Gradient checks over shapes
# --------------------------------------------------------------------------


@FAST
@given(n=dims, fan_in=dims, fan_out=dims, bias=st.booleans(), seed=seeds)
def test_linear_gradcheck(n, fan_in, fan_out, bias, seed):
    rng = np.random.default_rng(seed)
    mytorch.manual_seed(seed)
    layer = nn.Linear(fan_in, fan_out, bias=bias)
    if bias:
        layer.bias.data[...] = rng.standard_normal(fan_out)
    assert_gradcheck(layer, rng.standard_normal((n, fan_in)))


@FAST
@given(make=ACTIVATIONS, n=dims, f=dims, seed=seeds)
def test_activation_gradcheck(make, n, f, seed):
    rng = np.random.default_rng(seed)
    assert_gradcheck(make(), away_from_zero(rng, (n, f), high=3.0))


@FAST
@given(n=batch_sizes, c=dims, seed=seeds, training=st.booleans())
def test_batchnorm_gradcheck(n, c, seed, training):
    rng = np.random.default_rng(seed)
    bn = nn.BatchNorm1d(c)
    bn.weight.data[...] = rng.uniform(0.5, 2.0, c)
    bn.bias.data[...] = rng.standard_normal(c)
    bn(rng.standard_normal((8, c)) * 2 + 1)  # move the running statistics
    bn.train(training)
    assert_gradcheck(bn, rng.standard_normal((n, c)) * rng.uniform(0.5, 3.0, c))


@FAST
@given(
    n=dims, c=st.integers(2, 5), seed=seeds, reduction=st.sampled_from(["mean", "sum"])
)
def test_cross_entropy_gradcheck(n, c, seed, reduction):
    rng = np.random.default_rng(seed)
    assert_gradcheck(
        nn.CrossEntropyLoss(reduction=reduction),
        rng.standard_normal((n, c)) * 3,
        target=rng.integers(0, c, size=n),
    )


@FAST
@given(n=dims, f=dims, seed=seeds, reduction=st.sampled_from(["mean", "sum"]))
def test_mse_gradcheck(n, f, seed, reduction):
    rng = np.random.default_rng(seed)
    assert_gradcheck(
        nn.MSELoss(reduction=reduction),
        rng.standard_normal((n, f)),
        target=rng.standard_normal((n, f)),
    )


@FAST
@given(n=batch_sizes, widths=st.lists(dims, min_size=2, max_size=4), seed=seeds)
def test_stack_gradcheck(n, widths, seed):
    rng = np.random.default_rng(seed)
    mytorch.manual_seed(seed)
    layers = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.Tanh()]
    assert_gradcheck(nn.Sequential(*layers), rng.standard_normal((n, widths[0])))


# --------------------------------------------------------------------------
# Invariants
# --------------------------------------------------------------------------


@FAST
@given(x=matrices, dim=st.sampled_from([0, -1]))
def test_softmax_is_a_distribution(x, dim):
    y = nn.Softmax(dim=dim)(x)
    assert ((y >= 0) & (y <= 1)).all()
    np.testing.assert_allclose(y.sum(axis=dim), 1.0, rtol=1e-12)


@FAST
@given(x=matrices, shift=huge)
def test_softmax_is_invariant_to_a_constant_shift(x, shift):
    softmax = nn.Softmax(dim=-1)
    np.testing.assert_allclose(softmax(x + shift), softmax(x), atol=1e-10)


@FAST
@given(
    x=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=huge
    )
)
def test_softmax_of_large_values_is_finite(x):
    with no_numpy_warnings():
        y = nn.Softmax()(x)
    assert np.isfinite(y).all()


@FAST
@given(
    logits=hnp.arrays(np.float64, st.tuples(dims, st.integers(2, 5)), elements=huge),
    data=st.data(),
)
def test_cross_entropy_is_non_negative_finite_and_exact(logits, data):
    n, c = logits.shape
    target = np.array(
        data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    )
    criterion = nn.CrossEntropyLoss()
    with no_numpy_warnings():
        loss = criterion(logits, target)
        grad = criterion.backward()
    assert loss >= 0 and np.isfinite(loss) and np.isfinite(grad).all()
    assert abs(loss - ref_cross_entropy(logits, target)) <= 1e-9 * max(1.0, abs(loss))


@FAST
@given(logits=matrices, data=st.data())
def test_cross_entropy_gradient_rows_sum_to_zero(logits, data):
    n, c = logits.shape
    target = np.array(
        data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    )
    criterion = nn.CrossEntropyLoss(reduction="sum")
    criterion(logits, target)
    np.testing.assert_allclose(criterion.backward().sum(axis=1), 0.0, atol=1e-12)


@FAST
@given(pred=matrices, data=st.data())
def test_mse_is_non_negative_and_zero_on_equality(pred, data):
    target = data.draw(hnp.arrays(np.float64, pred.shape, elements=finite))
    assert nn.MSELoss()(pred, target) >= 0
    assert nn.MSELoss()(pred, pred) == 0


@FAST
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(max_dims=3, max_side=5),
        elements=st.floats(-1000, 1000),
    )
)
def test_sigmoid_and_tanh_symmetries(x):
    with no_numpy_warnings():
        s, s_neg = nn.Sigmoid()(x), nn.Sigmoid()(-x)
        t, t_neg = nn.Tanh()(x), nn.Tanh()(-x)
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s + s_neg, 1.0, atol=1e-14)
    np.testing.assert_allclose(t, -t_neg, atol=1e-15)


@FAST
@given(x=matrices)
def test_relu_and_gelu_relation(x):
    # GELU(x) - GELU(-x) = x, exactly as ReLU(x) - ReLU(-x) = x.
    np.testing.assert_allclose(nn.ReLU()(x) - nn.ReLU()(-x), x, atol=0)
    np.testing.assert_allclose(nn.GELU()(x) - nn.GELU()(-x), x, atol=1e-12)


@FAST
@given(n=st.integers(2, 10), c=dims, seed=seeds)
def test_batchnorm_training_output_is_standardised(n, c, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c)) * rng.uniform(1, 10, c) + rng.uniform(-5, 5, c)
    y = nn.BatchNorm1d(c)(x)
    var = x.var(axis=0)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(y.var(axis=0), var / (var + 1e-5), rtol=1e-10)


@FAST
@given(p=st.floats(0.0, 0.95), seed=seeds)
def test_dropout_outputs_zero_or_scaled_input(p, seed):
    mytorch.manual_seed(seed)
    x = np.random.default_rng(seed).uniform(1, 2, (6, 7))
    y = nn.Dropout(p)(x)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p), rtol=1e-12)


@FAST
@given(n=dims, fan_in=dims, fan_out=dims, seed=seeds)
def test_linear_is_affine(n, fan_in, fan_out, seed):
    rng = np.random.default_rng(seed)
    layer = nn.Linear(fan_in, fan_out)
    layer.bias.data[...] = rng.standard_normal(fan_out)
    a, b = rng.standard_normal((n, fan_in)), rng.standard_normal((n, fan_in))
    zero = layer(np.zeros((n, fan_in)))
    np.testing.assert_allclose(
        layer(a + b) - zero, (layer(a) - zero) + (layer(b) - zero), atol=1e-12
    )


# --------------------------------------------------------------------------
# Serialization
# --------------------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,2}", fullmatch=True)
arrays = hnp.arrays(
    st.sampled_from([np.float64, np.float32, np.int64]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)


@FAST
@given(sd=st.dictionaries(names, arrays, max_size=6))
def test_save_load_round_trips_any_flat_state_dict(sd):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sd.npz"
        mytorch.save(sd, path)
        assert_tree_equal(sd, mytorch.load(path))
