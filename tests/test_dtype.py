"""float32 end to end: no silent upcast anywhere, and the dtype= constructor argument."""

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim

F32 = np.float32

OPTIMIZERS = [
    pytest.param(
        optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}, id="sgd"
    ),
    pytest.param(optim.Adam, {"lr": 1e-2, "weight_decay": 1e-4}, id="adam"),
    pytest.param(
        optim.RMSprop, {"lr": 1e-2, "momentum": 0.5, "weight_decay": 1e-4}, id="rmsprop"
    ),
]


def make_model():
    mytorch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(2, 16),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(16, 16),
        nn.GELU(),
        nn.Linear(16, 8),
        nn.GELU(approximate="tanh"),
        nn.Linear(8, 8),
        nn.Tanh(),
        nn.Linear(8, 8),
        nn.Sigmoid(),
        nn.Linear(8, 3),
    )


def batch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 2)).astype(F32)
    y = rng.integers(0, 3, size=12)
    return X, y


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_float32_training_step_stays_float32(cls, kwargs):
    model = make_model().to(F32)
    X, y = batch()
    criterion = nn.CrossEntropyLoss()
    opt = cls(model.parameters(), **kwargs)
    for _ in range(2):
        logits = model(X)
        loss = criterion(logits, y)
        opt.zero_grad()
        grad = criterion.backward()
        grad_x = model.backward(grad)
        opt.step()
    assert logits.dtype == F32
    assert isinstance(loss, np.generic) and loss.dtype == F32
    assert grad.dtype == F32 and grad_x.dtype == F32
    for name, p in model.named_parameters():
        assert p.data.dtype == F32 and p.grad.dtype == F32, name
    for name, b in model.named_buffers():
        assert b.dtype == F32, name
    for index, state in opt.state_dict()["state"].items():
        for key, value in state.items():
            if isinstance(value, np.ndarray) and value.size > 1:
                assert value.dtype == F32, (index, key)


def test_float32_eval_forward():
    model = make_model().to(F32)
    X, _ = batch()
    model(X)
    assert model.eval()(X).dtype == F32


@pytest.mark.parametrize(
    "module",
    [
        nn.ReLU(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.GELU(),
        nn.GELU(approximate="tanh"),
        nn.Softmax(dim=0),
        nn.Softmax(dim=-1),
        nn.Dropout(0.5),
    ],
    ids=repr,
)
def test_activations_keep_float32(module):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(F32)
    assert module(x).dtype == F32
    assert module.backward(np.ones_like(x)).dtype == F32


def test_float32_values_agree_with_float64():
    model64 = make_model().eval()
    model32 = make_model().to(F32).eval()
    X, _ = batch()
    np.testing.assert_allclose(
        model32(X), model64(X.astype(np.float64)), rtol=1e-4, atol=1e-5
    )


def test_mse_keeps_float32():
    pred = np.ones((3, 2), dtype=F32)
    criterion = nn.MSELoss()
    loss = criterion(pred, np.zeros((3, 2), dtype=F32))
    assert loss.dtype == F32
    assert criterion.backward().dtype == F32


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_keeps_float32(reduction):
    X, y = batch()
    logits = np.tile(X, (1, 2))[:, :3]
    criterion = nn.CrossEntropyLoss(reduction=reduction)
    assert criterion(logits, y).dtype == F32
    assert criterion.backward().dtype == F32


def test_linear_dtype_argument():
    layer = nn.Linear(3, 2, dtype=F32)
    for p in layer.parameters():
        assert p.data.dtype == F32 and p.grad.dtype == F32
    out = layer(np.ones((4, 3), dtype=F32))
    assert out.dtype == F32
    assert layer.backward(np.ones((4, 2), dtype=F32)).dtype == F32


def test_batchnorm_dtype_argument():
    bn = nn.BatchNorm1d(3, dtype=F32)
    for p in bn.parameters():
        assert p.data.dtype == F32 and p.grad.dtype == F32
    assert bn.running_mean.dtype == F32 and bn.running_var.dtype == F32
    bn(np.random.default_rng(0).standard_normal((5, 3)).astype(F32))
    assert bn.running_mean.dtype == F32 and bn.running_var.dtype == F32


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_optimizer_keeps_float32_parameters(cls, kwargs):
    p = nn.Parameter(np.ones(4, dtype=F32))
    opt = cls([p], **kwargs)
    for _ in range(3):
        p.grad[...] = np.array([0.5, -1.0, 2.0, 0.0], dtype=F32)
        opt.step()
    assert p.data.dtype == F32
    for state in opt.state_dict()["state"].values():
        for key, value in state.items():
            if isinstance(value, np.ndarray) and value.shape == (4,):
                assert value.dtype == F32, key


# long double is float64 itself on some platforms (Windows, macOS on arm64): tested only
# where it is wider
OTHER_FLOATS = [np.float16] + (
    [np.longdouble] if np.dtype(np.longdouble).itemsize > 8 else []
)


@pytest.mark.parametrize("dtype", OTHER_FLOATS)
def test_only_float32_and_float64_are_accepted(dtype):
    name = np.dtype(dtype).name
    for make in (
        lambda: nn.Linear(2, 3, dtype=dtype),
        lambda: nn.BatchNorm1d(3, dtype=dtype),
        lambda: make_model().to(dtype),
        lambda: nn.Parameter(np.ones(2, dtype=dtype)),
    ):
        with pytest.raises(TypeError, match=f"float32 or float64.*{name}"):
            make()


@pytest.mark.parametrize("dtype", OTHER_FLOATS)
@pytest.mark.parametrize(
    "module",
    [nn.ReLU(), nn.Dropout(0.5), nn.GELU(), nn.Softmax(), nn.MSELoss()],
    ids=lambda m: type(m).__name__,
)
def test_modules_without_parameters_refuse_other_dtypes_clearly(module, dtype):
    x = np.ones((4, 3), dtype=dtype)
    with pytest.raises(
        TypeError,
        match=f"{type(module).__name__} expects .*float32 or float64, got {np.dtype(dtype).name}",
    ):
        module(x, x) if isinstance(module, nn.MSELoss) else module(x)


@pytest.mark.parametrize(
    "layer",
    [nn.Linear(3, 2, dtype=F32), nn.BatchNorm1d(3, dtype=F32)],
    ids=lambda m: type(m).__name__,
)
def test_a_layer_refuses_a_gradient_of_another_dtype(layer):
    out = layer(np.ones((4, 3), dtype=F32) * np.arange(4, dtype=F32)[:, None])
    with pytest.raises(
        TypeError,
        match=r"backward got grad_output of dtype float64 but its parameters are float32",
    ):
        layer.backward(np.ones(out.shape))
