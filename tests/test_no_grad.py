"""A forward between the loss and `backward` (logging, validation) must not change the
gradients.

Each module's backward differentiates the last forward made in its current
mode with gradients enabled: forwards under `mytorch.no_grad()` cache
nothing, forwards in eval mode keep a cache of their own, and the caches
are copies, so changing the input or output arrays in place after forward
changes nothing either.
"""

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim
from _helpers import assert_gradcheck

N = 6


def mlp():
    return nn.Sequential(
        nn.Linear(3, 8),
        nn.BatchNorm1d(8),
        nn.GELU(),
        nn.Dropout(0.3),
        nn.Linear(8, 5),
        nn.Tanh(),
        nn.Linear(5, 4),
        nn.Softmax(),
    )


MODULES = {
    "Linear": lambda: nn.Linear(3, 4),
    "ReLU": nn.ReLU,
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "GELU": nn.GELU,
    "GELU-tanh": lambda: nn.GELU(approximate="tanh"),
    "Softmax": nn.Softmax,
    "BatchNorm1d": lambda: nn.BatchNorm1d(3),
    "Dropout": lambda: nn.Dropout(0.4),
    "Sequential": mlp,
}


def run(make, between=None, mutate=False):
    """Forward a batch in training mode, optionally do `between(module, other_batch)`,
    then backward.

    Returns the input gradient and every parameter gradient.
    """
    rng = np.random.default_rng(1)
    x, other = rng.standard_normal((N, 3)), rng.standard_normal((N, 3)) * 3 + 1
    mytorch.manual_seed(0)
    module = make()
    y = module(x)
    grad_output = np.random.default_rng(2).standard_normal(y.shape)
    if between is not None:
        between(module, other)
    if mutate:
        x[...] = other  # the input and the output changed in place after forward
        y *= 2
    grads = {"input": module.backward(grad_output)}
    grads.update((name, p.grad.copy()) for name, p in module.named_parameters())
    return grads


def eval_forward(module, other):
    module.eval()
    module(other)
    module.train()


def no_grad_forward(module, other):
    with mytorch.no_grad():
        module(other)


def no_grad_eval_forward(module, other):
    with mytorch.no_grad():
        eval_forward(module, other)


@pytest.mark.parametrize(
    "between",
    [eval_forward, no_grad_forward, no_grad_eval_forward, "mutate"],
    ids=["eval", "no_grad", "no_grad-eval", "in-place"],
)
@pytest.mark.parametrize("name", MODULES)
def test_a_forward_between_forward_and_backward_changes_no_gradient(name, between):
    clean = run(MODULES[name])
    if between == "mutate":
        other = run(MODULES[name], mutate=True)
    else:
        other = run(MODULES[name], between)
    assert clean.keys() == other.keys()
    for key in clean:
        np.testing.assert_array_equal(other[key], clean[key], err_msg=f"{name}: {key}")


@pytest.mark.parametrize(
    "make, target",
    [
        (nn.CrossEntropyLoss, np.array([0, 2, 1, 3, 3, 0])),
        (nn.MSELoss, np.linspace(-1, 1, 24).reshape(N, 4)),
    ],
)
@pytest.mark.parametrize("mode", ["eval", "no_grad"])
def test_a_loss_forward_between_loss_and_backward_changes_no_gradient(
    make, target, mode
):
    rng = np.random.default_rng(0)
    logits, other = rng.standard_normal((N, 4)), rng.standard_normal((N, 4)) * 5
    clean = make()
    clean(logits, target)
    criterion = make()
    criterion(logits, target)
    if mode == "eval":
        criterion.eval()
        criterion(other, target)
        criterion.train()
    else:
        with mytorch.no_grad():
            criterion(other, target)
    np.testing.assert_array_equal(criterion.backward(), clean.backward())


def train_step(logging):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 2)), rng.integers(0, 3, 16)
    X_val = rng.standard_normal((16, 2))
    mytorch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3)
    )
    criterion = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        criterion(model(X), y)
        logging(model, X_val)
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
    return model.state_dict()


@pytest.mark.parametrize("logging", [eval_forward, no_grad_eval_forward])
def test_a_validation_forward_in_the_training_loop_changes_no_step(logging):
    # (a no_grad forward in training mode would draw Dropout masks and move BatchNorm's
    # statistics, as in PyTorch, so later steps would differ for that reason alone)
    clean = train_step(lambda model, X_val: None)
    logged = train_step(logging)
    for key in clean:
        np.testing.assert_array_equal(logged[key], clean[key], err_msg=key)


def test_outputs_under_no_grad_are_the_same():
    x = np.random.default_rng(0).standard_normal((5, 3))
    mytorch.manual_seed(0)
    model = mlp()
    expected = model(x)
    mytorch.manual_seed(0)
    model = mlp()
    with mytorch.no_grad():
        np.testing.assert_array_equal(model(x), expected)


def test_no_grad_in_training_mode_still_updates_batchnorm_statistics_as_in_pytorch():
    bn = nn.BatchNorm1d(2)
    with mytorch.no_grad():
        bn(np.array([[1.0, 2.0], [3.0, 6.0]]))
    np.testing.assert_allclose(bn.running_mean, [0.2, 0.4])


def test_backward_after_only_a_no_grad_forward_raises():
    layer = nn.Linear(2, 2)
    with mytorch.no_grad():
        layer(np.ones((3, 2)))
    with pytest.raises(
        RuntimeError,
        match=r"Linear\.backward\(\) called before Linear\.forward\(\) "
        r"in training mode: .*no_grad\(\) caches nothing",
    ):
        layer.backward(np.ones((3, 2)))


@pytest.mark.parametrize("name", MODULES)
def test_backward_in_eval_mode_after_a_training_forward_raises(name):
    module = MODULES[name]()
    module(np.ones((N, 3)))
    module.eval()
    with pytest.raises(
        RuntimeError,
        match=r"called before .*forward\(\) in eval mode: "
        r"nothing is cached.*each mode keeps its own cache",
    ):
        module.backward(np.ones((N, 4 if name in ("Linear", "Sequential") else 3)))


@pytest.mark.parametrize("name", ["BatchNorm1d", "Dropout", "Sequential"])
def test_eval_mode_backward_differentiates_the_eval_forward(name):
    rng = np.random.default_rng(3)
    mytorch.manual_seed(0)
    module = MODULES[name]()
    # moves BatchNorm's running statistics away from 0 and 1
    module(rng.standard_normal((N, 3)))
    module.eval()
    assert_gradcheck(module, rng.standard_normal((N, 3)))


def test_returning_to_training_mode_drops_the_eval_cache():
    layer = nn.Linear(2, 1)
    layer.eval()
    layer(np.ones((3, 2)))
    layer.train()
    with pytest.raises(RuntimeError, match="in training mode"):
        layer.backward(np.ones((3, 1)))


def test_no_grad_restores_the_mode_on_error_and_nests():
    assert mytorch.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with mytorch.no_grad():
            assert not mytorch.is_grad_enabled()
            with mytorch.no_grad():
                pass
            assert not mytorch.is_grad_enabled()
            1 / 0
    assert mytorch.is_grad_enabled()


def test_no_grad_is_a_decorator_too():
    @mytorch.no_grad()
    def enabled_inside():
        return mytorch.is_grad_enabled()

    assert enabled_inside() is False and mytorch.is_grad_enabled()


def test_tanh_refuses_a_grad_output_of_another_dtype():
    tanh = nn.Tanh()
    tanh(np.ones((2, 2), dtype=np.float32))
    with pytest.raises(
        TypeError,
        match=r"Tanh\.backward got grad_output of dtype float64 but its "
        r"parameters are float32",
    ):
        tanh.backward(np.ones((2, 2)))


def test_a_validation_loss_under_no_grad_leaves_the_training_loss_cache():
    rng = np.random.default_rng(0)
    logits, val_logits = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    target = np.array([0, 1, 2, 1])
    criterion = nn.CrossEntropyLoss()
    criterion(logits, target)
    expected = criterion.backward()
    with mytorch.no_grad():
        criterion(val_logits, target)
    np.testing.assert_array_equal(criterion.backward(), expected)
