"""Losses: CrossEntropyLoss (log-sum-exp) and MSELoss, both reductions."""

import math

import numpy as np
import pytest

from mytorch import nn
from _helpers import (
    assert_gradcheck,
    assert_message,
    no_numpy_warnings,
    ref_cross_entropy,
    ref_cross_entropy_grad,
    shape_pattern,
)

REDUCTIONS = ["mean", "sum"]


@pytest.fixture
def batch(rng):
    logits = rng.standard_normal((6, 4)) * 2
    target = rng.integers(0, 4, size=6)
    return logits, target


# --------------------------------------------------------------------------
# CrossEntropyLoss
# --------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_value(batch, reduction):
    logits, target = batch
    loss = nn.CrossEntropyLoss(reduction=reduction)(logits, target)
    assert loss == pytest.approx(
        ref_cross_entropy(logits, target, reduction), rel=1e-12
    )


def test_cross_entropy_default_reduction_is_mean(batch):
    logits, target = batch
    assert nn.CrossEntropyLoss()(logits, target) == pytest.approx(
        ref_cross_entropy(logits, target, "mean"), rel=1e-12
    )


def test_cross_entropy_sum_is_n_times_mean(batch):
    logits, target = batch
    mean = nn.CrossEntropyLoss(reduction="mean")(logits, target)
    total = nn.CrossEntropyLoss(reduction="sum")(logits, target)
    assert total == pytest.approx(len(target) * mean, rel=1e-12)


def test_cross_entropy_of_uniform_logits_is_log_c():
    loss = nn.CrossEntropyLoss()(np.zeros((3, 5)), np.array([0, 2, 4]))
    assert loss == pytest.approx(math.log(5), rel=1e-14)


def test_cross_entropy_returns_numpy_scalar_of_logits_dtype(batch):
    logits, target = batch
    loss = nn.CrossEntropyLoss()(logits, target)
    assert isinstance(loss, np.generic) and not isinstance(loss, np.ndarray)
    assert loss.dtype == np.float64


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_backward_is_softmax_minus_onehot(batch, reduction):
    logits, target = batch
    criterion = nn.CrossEntropyLoss(reduction=reduction)
    criterion(logits, target)
    np.testing.assert_allclose(
        criterion.backward(),
        ref_cross_entropy_grad(logits, target, reduction),
        rtol=1e-12,
        atol=1e-15,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck(batch, reduction):
    logits, target = batch
    assert_gradcheck(nn.CrossEntropyLoss(reduction=reduction), logits, target=target)


@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_cross_entropy_accepts_integer_label_dtypes(batch, label_dtype):
    logits, target = batch
    loss = nn.CrossEntropyLoss()(logits, target.astype(label_dtype))
    assert loss == pytest.approx(ref_cross_entropy(logits, target), rel=1e-12)


def test_cross_entropy_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.CrossEntropyLoss().backward()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_of_huge_logits_is_exact_and_warning_free(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4]], dtype=dtype)
    target = np.array([1, 1])
    criterion = nn.CrossEntropyLoss(reduction="sum")
    with no_numpy_warnings():
        loss = criterion(logits, target)
        grad = criterion.backward()
    # row 0: logsumexp = 1e4, loss = 1e4 - (-1e4); row 1: the right class wins by 2e4.
    assert loss == pytest.approx(2e4, rel=1e-6)
    np.testing.assert_allclose(grad, [[1, -1, 0], [0, 0, 0]], atol=1e-6)


@pytest.mark.parametrize("dtype, margin", [(np.float32, 95.0), (np.float64, 720.0)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradient_has_no_subnormal_entries(dtype, margin, reduction):
    # Row 0 is classified so confidently that exp(-margin), the probability of
    # each other class, is subnormal; row 1 is an ordinary example.
    logits = np.array([[0.0, -margin, -margin], [0.3, -0.2, 0.1]], dtype=dtype)
    target = np.array([0, 2])
    criterion = nn.CrossEntropyLoss(reduction=reduction)
    criterion(logits, target)
    grad = criterion.backward()
    tiny = np.finfo(dtype).tiny
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    formula = (exp / exp.sum(axis=1, keepdims=True) - np.eye(3)[target]) / (
        2 if reduction == "mean" else 1
    )
    assert 0 < formula[0, 1] < tiny, (
        "the formula must produce a subnormal entry, or the test checks nothing"
    )
    assert not ((grad != 0) & (np.abs(grad) < tiny)).any()
    np.testing.assert_array_equal(grad[0], [0, 0, 0])
    np.testing.assert_allclose(grad[1], formula[1], rtol=1e-6)


# --------------------------------------------------------------------------
# MSELoss
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (4, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_value(rng, shape, reduction):
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    squares = [(p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel())]
    expected = math.fsum(squares) / (len(squares) if reduction == "mean" else 1)
    assert nn.MSELoss(reduction=reduction)(pred, target) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_backward(rng, reduction):
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    criterion = nn.MSELoss(reduction=reduction)
    criterion(pred, target)
    scale = 2 / pred.size if reduction == "mean" else 2
    np.testing.assert_allclose(
        criterion.backward(), scale * (pred - target), rtol=1e-12
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_gradcheck(rng, reduction):
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert_gradcheck(nn.MSELoss(reduction=reduction), pred, target=target)


def test_mse_default_reduction_is_mean(rng):
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert nn.MSELoss()(pred, target) == pytest.approx(
        ((pred - target) ** 2).mean(), rel=1e-12
    )


def test_mse_returns_numpy_scalar(rng):
    loss = nn.MSELoss()(rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert isinstance(loss, np.generic) and loss.dtype == np.float64


def test_mse_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        nn.MSELoss().backward()


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [nn.CrossEntropyLoss, nn.MSELoss])
def test_unknown_reduction_lists_the_choices(cls):
    with pytest.raises(ValueError) as excinfo:
        cls(reduction="avg")
    assert_message(excinfo, "reduction", "avg", "mean", "sum")


@pytest.mark.parametrize("bad", [-1, 4])
def test_cross_entropy_label_out_of_range(batch, bad):
    logits, target = batch
    target = target.copy()
    target[2] = bad
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(logits, target)
    assert_message(excinfo, "target", rf"(?<![\d.]){bad}(?![\d.])", r"0, [34]")


@pytest.mark.parametrize(
    "label_dtype, bad",
    [
        (dtype, getattr(np.iinfo(dtype), end))
        for dtype in (np.int8, np.int64)
        for end in ("min", "max")
    ]
    + [(np.uint8, 255), (np.uint64, np.iinfo(np.uint64).max)],
)
def test_cross_entropy_label_check_holds_at_the_ends_of_the_label_dtype(
    batch, label_dtype, bad
):
    logits, target = batch
    target = target.astype(label_dtype)
    target[2] = bad
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(logits, target)
    assert_message(excinfo, "target", rf"(?<![\d.]){bad}(?![\d.])")


@pytest.mark.parametrize("length", [5, 7])
def test_cross_entropy_label_count_must_match_batch(batch, length):
    logits, _ = batch
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(logits, np.zeros(length, dtype=np.int64))
    assert_message(excinfo, "target", shape_pattern((length,)), "6")


def test_cross_entropy_refuses_one_hot_targets(batch):
    logits, target = batch
    onehot = np.eye(4, dtype=np.int64)[target]
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(logits, onehot)
    assert_message(excinfo, "target", shape_pattern(onehot.shape))


@pytest.mark.parametrize("shape", [(6,), (6, 4, 1)])
def test_cross_entropy_logits_must_be_two_dimensional(shape):
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(np.zeros(shape), np.zeros(6, dtype=np.int64))
    assert_message(excinfo, "logits", shape_pattern(shape))


def test_cross_entropy_float_labels_are_a_type_error(batch):
    logits, target = batch
    with pytest.raises(TypeError) as excinfo:
        nn.CrossEntropyLoss()(logits, target.astype(np.float64))
    assert_message(excinfo, "target", "float64")


def test_mse_shapes_must_match(rng):
    with pytest.raises(ValueError) as excinfo:
        nn.MSELoss()(np.zeros((4, 3)), np.zeros((4, 1)))
    assert_message(excinfo, shape_pattern((4, 3)), shape_pattern((4, 1)))


@pytest.mark.parametrize("cls", [nn.CrossEntropyLoss, nn.MSELoss])
def test_repr_shows_a_non_default_reduction(cls):
    text = repr(cls(reduction="sum"))
    assert text.startswith(cls.__name__ + "(") and "sum" in text and "0x" not in text


def test_empty_batches_are_refused():
    with pytest.raises(ValueError) as excinfo:
        nn.CrossEntropyLoss()(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))
    assert_message(excinfo, r"CrossEntropyLoss", r"empty batch", r"\(0, 3\)")
    with pytest.raises(ValueError) as excinfo:
        nn.MSELoss()(np.zeros((0, 2)), np.zeros((0, 2)))
    assert_message(excinfo, r"MSELoss", r"empty", r"\(0, 2\)")


def test_cross_entropy_with_zero_classes_says_so():
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss got logits of shape \(3, 0\): "
        r"expected at least one class \(C >= 1\)",
    ):
        nn.CrossEntropyLoss()(np.zeros((3, 0)), np.zeros(3, dtype=np.int64))


def test_mse_refuses_a_target_wider_than_the_prediction():
    # cast to float32, a float64 target 1e-9 away would give a loss of exactly 0
    prediction = np.ones(4, dtype=np.float32)
    with pytest.raises(
        TypeError,
        match=r"MSELoss got target of dtype float64 but prediction of "
        r"dtype float32: the loss would be computed in float32",
    ):
        nn.MSELoss()(prediction, np.ones(4) + 1e-9)


def test_mse_widens_a_narrower_target_exactly():
    target = np.array([0.1, 0.2], dtype=np.float32)
    loss = nn.MSELoss(reduction="sum")(np.zeros(2), target)
    assert loss.dtype == np.float64 and loss == np.sum(target.astype(np.float64) ** 2)
