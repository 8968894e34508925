"""mytorch.autograd: the tape's gradients against central differences and the explicit modules."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mytorch
from mytorch import nn
from mytorch.autograd import (
    Tensor,
    Value,
    as_tensor,
    batch_norm,
    cross_entropy,
    is_grad_enabled,
    linear,
    nll_loss,
    no_grad,
    saved_nbytes,
    topological_order,
)
from mytorch.testing import numerical_gradient, relative_error


def check_tape(f, *arrays, seed=0, tol=1e-7):
    """Gradients of L = sum(f(*tensors) * G) from the tape against central differences.

    Every array becomes a leaf with requires_grad=True; G is random. Returns
    the relative error per argument.
    """
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*leaves)
    G = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(G)

    def loss(_):
        with no_grad():
            return np.sum(f(*[Tensor(a) for a in arrays]).data * G)

    errors = []
    for i, (array, leaf) in enumerate(zip(arrays, leaves)):
        error = relative_error(leaf.grad, numerical_gradient(loss, array), floor=1.0)
        assert error < tol, f"argument {i}: relative error {error:.1e}"
        errors.append(error)
    return errors


# ---- each operation against central differences --------------------------

SHAPES_BROADCAST = [((4, 3), (4, 3)), ((4, 3), (3,)), ((4, 1), (1, 3)), ((4, 3), ())]


@pytest.mark.parametrize("shapes", SHAPES_BROADCAST)
@pytest.mark.parametrize(
    "op",
    [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b],
    ids=["add", "sub", "mul", "div"],
)
def test_binary_ops_with_broadcasting(op, shapes, rng):
    a = rng.standard_normal(shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])  # away from 0 for the division
    check_tape(op, a, b)


@pytest.mark.parametrize(
    "op",
    [lambda a: 2.0 + a, lambda a: 3.0 * a, lambda a: 1.0 - a, lambda a: -a],
    ids=["radd", "rmul", "rsub", "neg"],
)
def test_ops_with_a_number_on_the_left(op, rng):
    check_tape(op, rng.standard_normal((3, 2)))


@pytest.mark.parametrize("exponent", [2, 3, -0.5, 1.5])
def test_pow(exponent, rng):
    check_tape(lambda a: a**exponent, rng.uniform(0.5, 2.0, (3, 4)))


@settings(max_examples=25, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, max_side=3
    ),
    op=st.sampled_from(["add", "mul"]),
    seed=st.integers(0, 2**16),
)
def test_broadcasting_of_any_shapes(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(shape) for shape in shapes.input_shapes)
    leaves = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    out = leaves[0] + leaves[1] if op == "add" else leaves[0] * leaves[1]
    assert out.shape == shapes.result_shape
    check_tape(
        (lambda x, y: x + y) if op == "add" else (lambda x, y: x * y), a, b, seed=seed
    )


def test_matmul_and_transpose(rng):
    check_tape(
        lambda a, b: a @ b, rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    )
    check_tape(
        lambda a, b: a @ b.T, rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    )


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_sum_and_mean(reduce, axis, keepdims, rng):
    x = rng.standard_normal((4, 3))
    check_tape(lambda a: getattr(a, reduce)(axis=axis, keepdims=keepdims), x)


def test_relu_tanh_log_softmax(rng):
    x = rng.standard_normal((5, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep central differences off ReLU's kink
    check_tape(lambda a: a.relu(), x)
    check_tape(lambda a: a.tanh(), x)
    check_tape(lambda a: a.log_softmax(), 3 * x)


def test_log_softmax_is_stable_for_large_logits():
    z = Tensor(np.array([[1e4, 0.0, -1e4]]), requires_grad=True)
    out = z.log_softmax()
    assert np.all(np.isfinite(out.data)) and out.data[0, 0] == 0.0
    out.sum().backward()
    assert np.all(np.isfinite(z.grad))


def test_nll_loss_and_cross_entropy(rng):
    target = rng.integers(0, 4, 6)
    check_tape(lambda z: nll_loss(z.log_softmax(), target), rng.standard_normal((6, 4)))
    logits = rng.standard_normal((6, 4))
    loss = cross_entropy(Tensor(logits), target)
    assert loss.data == pytest.approx(nn.CrossEntropyLoss()(logits, target), rel=1e-14)


def test_linear_and_batch_norm(rng):
    x, w, b = (
        rng.standard_normal((6, 3)),
        rng.standard_normal((4, 3)),
        rng.standard_normal(4),
    )
    check_tape(linear, x, w, b)
    check_tape(lambda x, w: linear(x, w), x, w)
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    check_tape(batch_norm, rng.normal(3.0, 2.0, (6, 3)), gamma, beta)


def test_batch_norm_matches_the_module_forward(rng):
    x = rng.normal(3.0, 2.0, (8, 5))
    bn = nn.BatchNorm1d(5)
    bn.weight.data[...] = rng.normal(size=5)
    bn.bias.data[...] = rng.normal(size=5)
    out = batch_norm(
        Tensor(x), Tensor(bn.weight.data), Tensor(bn.bias.data), eps=bn.eps
    )
    np.testing.assert_allclose(out.data, bn(x), rtol=1e-12, atol=1e-13)


# ---- the graph: accumulation, order, freeing -----------------------------


def test_a_tensor_used_twice_receives_the_sum(rng):
    x = rng.standard_normal(3)
    t = Tensor(x, requires_grad=True)
    (t * t + t).sum().backward()  # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_allclose(t.grad, 2 * x + 1, rtol=1e-15)


def test_leaf_gradients_accumulate_over_backward_calls(rng):
    x = rng.standard_normal(3)
    t = Tensor(x, requires_grad=True)
    (t * 2.0).sum().backward()
    (t * 3.0).sum().backward()
    np.testing.assert_array_equal(t.grad, np.full(3, 5.0))


def test_topological_order_of_a_diamond():
    # a -> b, a -> c, (b, c) -> d: d after b and c, each after a, a listed once
    a = Tensor(np.array(2.0), requires_grad=True)
    b = a * 3.0
    c = a.tanh()
    d = b * c
    order = topological_order(d)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == len(position)  # no node twice
    assert position[id(a)] < position[id(b)] < position[id(d)]
    assert position[id(a)] < position[id(c)] < position[id(d)]
    assert order[-1] is d
    d.backward()
    # d = 3a tanh(a): dd/da = 3 tanh(a) + 3a (1 - tanh^2 a), both paths
    t = np.tanh(2.0)
    assert a.grad == pytest.approx(3 * t + 6 * (1 - t * t), rel=1e-15)


def test_a_long_chain_needs_no_recursion():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_constants_and_branches_without_gradient(rng):
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    c = Tensor(rng.standard_normal(3))  # a constant: no gradient is computed for it
    (w * c).sum().backward()
    assert c.grad is None and not c.requires_grad
    np.testing.assert_array_equal(w.grad, c.data)
    assert as_tensor(c) is c


def test_graph_is_freed_unless_retained(rng):
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss = (x.tanh() * x).sum()
    assert saved_nbytes(loss) > 0
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward()  # the graph was kept: a second pass works, gradients add
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-15)
    assert saved_nbytes(loss) == 0 and loss._parents == ()  # the links are dropped too
    with pytest.raises(
        RuntimeError, match=r"freed by an earlier backward\(\).*retain_graph=True"
    ):
        loss.backward()


def test_saved_nbytes_counts_each_array_once_and_excludes(rng):
    x = rng.standard_normal((10, 4))  # 320 bytes
    t = Tensor(x, requires_grad=True)
    y = t * t  # saves x twice: counted once
    assert saved_nbytes(y) == 320
    assert saved_nbytes(y, exclude=[x]) == 0
    z = y.tanh()  # saves its output: 320 more
    assert saved_nbytes(z, exclude=[x]) == 320
    assert saved_nbytes(Tensor(x.T) @ t, exclude=[]) == 320  # x.T is a view of x


def test_no_grad_records_nothing(rng):
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            pass
        assert not is_grad_enabled()  # the inner context restored the outer state
        y = (w * 2.0).tanh()
    assert is_grad_enabled()
    assert (
        not y.requires_grad and y.is_leaf and y._parents == () and saved_nbytes(y) == 0
    )
    with pytest.raises(RuntimeError, match="does not require grad.*no_grad"):
        y.sum().backward()
    with pytest.raises(ZeroDivisionError), no_grad():
        1 / 0
    assert is_grad_enabled()  # restored after an exception


def test_detach_shares_data_and_cuts_the_graph(rng):
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    y = w * 2.0
    d = y.detach()
    assert d.data is y.data and d.is_leaf and not d.requires_grad


# ---- errors --------------------------------------------------------------


def test_backward_errors(rng):
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = x * 2.0
    message = r"needs a tensor with one element \(a loss\), got shape \(2, 3\)"
    with pytest.raises(RuntimeError, match=message):
        y.backward()
    with pytest.raises(
        ValueError, match=r"got grad of shape \(3,\): expected \(2, 3\)"
    ):
        y.backward(np.ones(3))
    y.backward(np.ones((2, 3)))  # with an explicit G, a non-scalar is fine
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(1)).backward()


def test_argument_errors(rng):
    a = Tensor(rng.standard_normal((2, 3)))
    message = r"matmul needs shapes \(n, m\) and \(m, p\), got \(2, 3\) and \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        a @ a
    with pytest.raises(TypeError, match="needs an int or float exponent, got Tensor"):
        a**a
    with pytest.raises(TypeError, match="requires_grad\\) must be a bool, got int"):
        Tensor(np.ones(2), requires_grad=1)
    logp = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="integer ndarray of labels, got float64"):
        nll_loss(logp, np.zeros(2))
    with pytest.raises(TypeError, match="got list"):
        nll_loss(logp, [0, 1])
    with pytest.raises(ValueError, match=r"target of shape \(3,\): expected \(2,\)"):
        nll_loss(logp, np.zeros(3, dtype=int))
    with pytest.raises(
        ValueError, match=r"labels in \[0, 3\]: expected labels in \[0, 2\]"
    ):
        nll_loss(logp, np.array([0, 3]))


def test_repr():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    assert repr(x) == "Tensor(shape=(2, 3), dtype=float64, requires_grad=True)"
    assert repr(Tensor(np.zeros(2))) == "Tensor(shape=(2,), dtype=float64)"
    assert repr(x.tanh()) == "Tensor(shape=(2, 3), dtype=float64, op='tanh')"
    assert x.shape == (2, 3)


# ---- the scalar warm-up --------------------------------------------------


def test_value_gradients_against_central_differences():
    def f(a, b, c):
        return (
            (a * b + c).tanh() * a
            - b / c
            + (a - 1.5) ** 2
            + c.exp()
            + (b * -1).relu()
            + (1 + 2 * a)
            + (2 - b)
            + 1 / c
        )

    x = np.array([0.7, -1.3, 0.4])
    values = [Value(v) for v in x]
    f(*values).backward()
    numerical = numerical_gradient(lambda p: f(*[Value(v) for v in p]).data, x.copy())
    analytical = np.array([v.grad for v in values])
    assert relative_error(analytical, numerical) < 1e-9


def test_value_used_twice_and_diamond():
    a = Value(3.0)
    b = a + a  # used twice by one operation
    b.backward()
    assert a.grad == 2.0
    a = Value(2.0)
    b, c = a * 3, a.tanh()
    d = b * c
    order = topological_order(d)
    assert order.index(a) < order.index(b) < order.index(d)
    assert order.index(a) < order.index(c) < order.index(d)
    assert len(order) == 5  # a, the constant 3, b, c, d
    d.backward()
    t = np.tanh(2.0)
    assert a.grad == pytest.approx(3 * t + 6 * (1 - t * t), rel=1e-15)
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0)"


def test_value_errors():
    with pytest.raises(TypeError, match="Value needs a real number, got str"):
        Value("1")
    with pytest.raises(TypeError, match="Value needs a real number, got ndarray"):
        Value(np.ones(2))
    with pytest.raises(TypeError, match="needs an int or float exponent, got Value"):
        Value(2.0) ** Value(2.0)


# ---- the headline: the tape equals the explicit backward ------------------


def make_mlp(activation):
    mytorch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(5, 16, bias=False),
        nn.BatchNorm1d(16),
        activation(),
        nn.Linear(16, 16, bias=False),
        nn.BatchNorm1d(16),
        activation(),
        nn.Linear(16, 4),
    )


def tape_forward(model, params, x, target):
    """The same network as `model`, from the tape's operations."""
    h = x
    for i, module in enumerate(model):
        if isinstance(module, nn.Linear):
            h = linear(h, params[f"{i}.weight"], params.get(f"{i}.bias"))
        elif isinstance(module, nn.BatchNorm1d):
            h = batch_norm(
                h, params[f"{i}.weight"], params[f"{i}.bias"], eps=module.eps
            )
        elif isinstance(module, nn.ReLU):
            h = h.relu()
        else:
            h = h.tanh()
    return cross_entropy(h, target)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh])
def test_mlp_with_batchnorm_tape_equals_explicit_backward(activation, rng):
    model = make_mlp(activation)
    for _, p in model.named_parameters():  # no parameter at its special initial value
        p.data += 0.1 * rng.standard_normal(p.data.shape)
    X, y = rng.standard_normal((32, 5)), rng.integers(0, 4, 32)
    criterion = nn.CrossEntropyLoss()
    loss = criterion(model(X), y)
    model.zero_grad()
    grad_x = model.backward(criterion.backward())

    params = {
        name: Tensor(p.data, requires_grad=True) for name, p in model.named_parameters()
    }
    x = Tensor(X, requires_grad=True)
    tape_loss = tape_forward(model, params, x, y)
    tape_loss.backward()

    assert tape_loss.data == pytest.approx(loss, rel=1e-14)
    errors = {"input": relative_error(x.grad, grad_x)}
    for name, p in model.named_parameters():
        errors[name] = relative_error(params[name].grad, p.grad)
    assert len(errors) == 9
    assert max(errors.values()) <= 1e-12, errors


def test_a_second_forward_leaves_a_pending_backward_intact(rng):
    model = make_mlp(nn.ReLU)
    params = {
        name: Tensor(p.data, requires_grad=True) for name, p in model.named_parameters()
    }
    (Xa, ya), (Xb, yb) = [
        (rng.standard_normal((16, 5)), rng.integers(0, 4, 16)) for _ in range(2)
    ]
    loss_a = tape_forward(model, params, Tensor(Xa), ya)
    tape_forward(model, params, Tensor(Xb), yb)  # another graph, loss_a's is untouched
    loss_a.backward()

    criterion = nn.CrossEntropyLoss()
    criterion(model(Xa), ya)
    model.zero_grad()
    model.backward(criterion.backward())
    for name, p in model.named_parameters():
        assert relative_error(params[name].grad, p.grad) <= 1e-12, name


def test_the_module_imports_only_numpy_and_nothing_imports_it():
    code = (
        "import sys, mytorch, mytorch.nn, mytorch.optim\n"
        "assert 'mytorch.autograd' not in sys.modules\n"
        "import mytorch.autograd\n"
        "assert not {'matplotlib', 'pandas', 'sklearn'} & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
