"""The optimizer template: parameter groups, add_param_group, state dicts of several
groups,
a new rule in a small subclass, and trajectories bit for bit those of the earlier update
rules."""

import copy
import math

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim
from mytorch._numerics import flush_subnormals
from _helpers import assert_message, assert_tree_equal, make_params


def model_and_data(dtype=np.float64, act=nn.ReLU):
    mytorch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 3)
    )
    rng = np.random.default_rng(1)
    x = rng.standard_normal((48, 2)).astype(dtype)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    return model.to(dtype), x, y


def train(model, opt, x, y, steps):
    criterion = nn.CrossEntropyLoss()
    for _ in range(steps):
        criterion(model(x), y)
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
    return np.concatenate([p.data.ravel() for p in model.parameters()])


def weights_and_biases(model):
    named = list(model.named_parameters())
    return (
        [p for name, p in named if name.endswith("weight")],
        [p for name, p in named if name.endswith("bias")],
    )


# -- the earlier update rules, operation for operation, on one flat array ---------


def old_sgd(p, g, state, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    tmp = np.empty_like(p)
    if weight_decay:
        g = np.add(g, np.multiply(weight_decay, p, out=np.empty_like(p)))
    if momentum:
        if state:
            v = state["momentum_buffer"]
            v *= momentum
            v += g
            state["step"] += 1
        else:
            v = state["momentum_buffer"] = g.copy()
            state["step"] = 1
        if state["step"] % 64 == 0:
            flush_subnormals(v)
        g = np.add(g, np.multiply(momentum, v, out=tmp), out=tmp) if nesterov else v
    p -= np.multiply(lr, g, out=tmp)


def old_adam(p, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    (beta1, beta2), tmp = betas, np.empty_like(p)
    if weight_decay:
        g = np.add(g, np.multiply(weight_decay, p, out=np.empty_like(p)))
    if not state:
        state.update(step=0, m=np.zeros_like(p), v=np.zeros_like(p))
    state["step"] += 1
    t, m, v = state["step"], state["m"], state["v"]
    m *= beta1
    m += np.multiply(1 - beta1, g, out=tmp)
    v *= beta2
    v += np.multiply(np.multiply(1 - beta2, g, out=tmp), g, out=tmp)
    if t % 64 == 0:
        flush_subnormals(m), flush_subnormals(v)
    root_bias2 = math.sqrt(1 - beta2**t)
    alpha_t, eps_t = lr * root_bias2 / (1 - beta1**t), eps * root_bias2
    denom = np.add(np.sqrt(v, out=tmp), eps_t, out=tmp)
    p -= np.multiply(alpha_t, np.divide(m, denom, out=tmp), out=tmp)


def old_rmsprop(
    p, g, state, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0
):
    tmp, u = np.empty_like(p), np.empty_like(p)
    if weight_decay:
        g = np.add(g, np.multiply(weight_decay, p, out=np.empty_like(p)))
    if not state:
        state.update(step=0, s=np.zeros_like(p), b=np.zeros_like(p))
    state["step"] += 1
    s = state["s"]
    s *= alpha
    s += np.multiply(np.multiply(1 - alpha, g, out=tmp), g, out=tmp)
    u = np.divide(g, np.add(np.sqrt(s, out=tmp), eps, out=tmp), out=u)
    if momentum:
        b = state["b"]
        b *= momentum
        b += u
        u = b
    if state["step"] % 64 == 0:
        flush_subnormals(s), flush_subnormals(state["b"])
    p -= np.multiply(lr, u, out=tmp)


OLD = {optim.SGD: old_sgd, optim.Adam: old_adam, optim.RMSprop: old_rmsprop}
RULES = [
    (optim.SGD, dict(lr=0.05, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.02, momentum=0.9)),
    (optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    (optim.Adam, dict(lr=1e-2)),
    (optim.Adam, dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (optim.RMSprop, dict(lr=1e-3)),
    (optim.RMSprop, dict(lr=1e-3, alpha=0.9, momentum=0.5, weight_decay=0.1)),
]


class OldRule:
    """The earlier rule as a stand-in optimizer over one flat copy of the parameters."""

    def __init__(self, params, rule, kwargs):
        self.params, self.rule, self.kwargs, self.state = list(params), rule, kwargs, {}

    def zero_grad(self):
        for p in self.params:
            p.grad.fill(0)

    def step(self):
        flat = np.concatenate([p.data.ravel() for p in self.params])
        self.rule(
            flat,
            np.concatenate([p.grad.ravel() for p in self.params]),
            self.state,
            **self.kwargs,
        )
        start = 0
        for p in self.params:
            p.data[...] = flat[start : start + p.data.size].reshape(p.shape)
            start += p.data.size


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", [nn.ReLU, nn.Tanh])
@pytest.mark.parametrize("cls, kwargs", RULES)
def test_trajectory_is_bit_for_bit_that_of_the_earlier_rule(cls, kwargs, act, dtype):
    model, x, y = model_and_data(dtype, act)
    old = train(model, OldRule(model.parameters(), OLD[cls], kwargs), x, y, 300)
    model, x, y = model_and_data(dtype, act)
    new = train(model, cls(model.parameters(), **kwargs), x, y, 300)
    assert old.tobytes() == new.tobytes()


# -- parameter groups ----------------------------------------------------------------


def test_no_weight_decay_on_the_biases():
    model, x, y = model_and_data()
    weights, biases = weights_and_biases(model)
    opt = optim.SGD(
        [{"params": weights}, {"params": biases, "weight_decay": 0.0}],
        lr=0.1,
        weight_decay=0.5,
    )
    assert [g["weight_decay"] for g in opt.param_groups] == [0.5, 0.0]
    assert opt.param_groups[1]["lr"] == 0.1  # from the constructor
    before = [p.data.copy() for p in weights + biases]
    for p in weights + biases:
        p.grad[...] = 0.0
    opt.step()  # a zero gradient: only the decay moves a parameter
    for p, value in zip(weights, before):
        np.testing.assert_array_equal(p.data, value - 0.1 * (0.5 * value))
    for p, value in zip(biases, before[len(weights) :]):
        np.testing.assert_array_equal(p.data, value)


def test_groups_equal_one_group_when_their_hyperparameters_agree():
    model, x, y = model_and_data()
    one = train(model, optim.Adam(model.parameters(), lr=1e-2), x, y, 50)
    model, x, y = model_and_data()
    weights, biases = weights_and_biases(model)
    two = train(
        model, optim.Adam([{"params": weights}, {"params": biases}], lr=1e-2), x, y, 50
    )
    np.testing.assert_array_equal(np.sort(one), np.sort(two))


def test_each_groups_learning_rate_can_be_changed_between_steps():
    a, b = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    opt.param_groups[0]["lr"] = 0.2
    a.grad[...], b.grad[...] = 1.0, 1.0
    opt.step()
    np.testing.assert_array_equal(a.data, 1 - 0.2)
    np.testing.assert_array_equal(b.data, 1 - 0.5)


def test_add_param_group_takes_the_constructors_defaults_and_a_fresh_state():
    model, x, y = model_and_data()
    head = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    train(model, opt, x, y, 3)
    opt.add_param_group({"params": head.parameters(), "lr": 0.5})
    assert opt.param_groups[1] == dict(
        opt.param_groups[0], lr=0.5, params=list(head.parameters())
    )
    assert all(p.data.base is opt.data for g in opt.param_groups for p in g["params"])
    head.weight.grad[...] = 1.0
    train(model, opt, x, y, 2)
    assert opt.state[0]["step"] == 5 and opt.state[1]["step"] == 2
    assert opt.state_dict()["param_groups"][1]["params"] == [6, 7]


@pytest.mark.parametrize(
    "group, error, words",
    [
        ({"lr": 0.1}, TypeError, [r"'params'"]),
        ({"params": []}, ValueError, ["empty", "group 1"]),
        ({"params": [np.zeros(2)]}, TypeError, ["ndarray", "position 0 of group 1"]),
        ({"params": "reuse"}, ValueError, ["more than once"]),
        (
            {"params": [nn.Parameter(np.zeros(2, np.float32))]},
            TypeError,
            ["float32", "float64"],
        ),
        (
            {"params": [nn.Parameter(np.zeros(2))], "momentum": 2.0},
            ValueError,
            [r"SGD\(momentum\)"],
        ),
        (
            {"params": [nn.Parameter(np.zeros(2))], "nesterov": True},
            ValueError,
            ["nesterov"],
        ),
    ],
    ids=[
        "no-params",
        "empty",
        "not-parameters",
        "twice",
        "dtype",
        "momentum",
        "nesterov",
    ],
)
def test_add_param_group_refuses(group, error, words):
    p = nn.Parameter(np.zeros(3))
    opt = optim.SGD([p], lr=0.1)
    if group.get("params") == "reuse":
        group = {"params": [p]}
    with pytest.raises(error) as excinfo:
        opt.add_param_group(group)
    assert_message(excinfo, *words)
    assert len(opt.param_groups) == 1 and opt.data.size == 3


def test_repr_of_several_groups():
    a, b = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2))
    text = repr(optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1))
    assert text.startswith("SGD(group 0: lr=0.1") and "group 1: lr=0.5" in text


# -- state dicts of several groups --------------------------------------------------


def two_groups(model, cls, kwargs):
    weights, biases = weights_and_biases(model)
    return cls(
        [{"params": weights}, {"params": biases, "weight_decay": 0.0, "lr": 0.003}],
        **kwargs,
    )


@pytest.mark.parametrize("cls, kwargs", RULES)
def test_a_fresh_optimizer_continues_bitwise_from_a_state_of_several_groups(
    cls, kwargs, tmp_path
):
    model, x, y = model_and_data()
    opt = two_groups(model, cls, kwargs)
    train(model, opt, x, y, 70)  # past a flush of subnormals (step 64)
    path = tmp_path / "opt.npz"
    mytorch.save(opt.state_dict(), path)
    saved = copy.deepcopy(model.state_dict())
    expected = train(model, opt, x, y, 30)
    twin, *_ = model_and_data()
    twin.load_state_dict(saved)
    fresh = two_groups(twin, cls, dict(kwargs, lr=0.5))
    fresh.load_state_dict(mytorch.load(path))
    assert_tree_equal(fresh.state_dict(), mytorch.load(path))
    assert train(twin, fresh, x, y, 30).tobytes() == expected.tobytes()


def test_a_state_saved_after_add_param_group_loads_into_the_same_layout():
    model, x, y = model_and_data()
    body, head = model[:4], model[4]
    opt = optim.Adam(body.parameters(), lr=1e-2)
    train(model, opt, x, y, 4)
    opt.add_param_group({"params": head.parameters(), "lr": 1e-3})
    train(model, opt, x, y, 3)
    state, saved = opt.state_dict(), copy.deepcopy(model.state_dict())
    expected = train(model, opt, x, y, 5)
    twin, *_ = model_and_data()
    twin.load_state_dict(saved)
    fresh = optim.Adam(twin[:4].parameters(), lr=1e-2)
    fresh.add_param_group({"params": twin[4].parameters()})
    fresh.load_state_dict(state)
    assert fresh.param_groups[1]["lr"] == 1e-3 and fresh.state[1]["step"] == 3
    assert train(twin, fresh, x, y, 5).tobytes() == expected.tobytes()


def test_a_group_that_has_not_stepped_has_no_state():
    model, x, y = model_and_data()
    opt = optim.Adam(model[:4].parameters())
    train(model, opt, x, y, 2)
    opt.add_param_group({"params": model[4].parameters()})
    state = opt.state_dict()
    assert sorted(state["state"]) == [0, 1, 2, 3]
    fresh = optim.Adam(model[:4].parameters())
    fresh.add_param_group({"params": model[4].parameters()})
    fresh.load_state_dict(state)
    assert fresh.state[1] == {}


def test_loading_a_state_of_other_groups_is_refused():
    model, x, y = model_and_data()
    opt = two_groups(model, optim.SGD, dict(lr=0.1, momentum=0.9))
    train(model, opt, x, y, 1)
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(model.parameters(), lr=0.1, momentum=0.9).load_state_dict(
            opt.state_dict()
        )
    assert_message(excinfo, "1 group of 6 parameters", r"\[3, 3\]")
    one = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, one, x, y, 1)
    with pytest.raises(ValueError) as excinfo:
        two_groups(model, optim.SGD, dict(lr=0.1, momentum=0.9)).load_state_dict(
            one.state_dict()
        )
    assert_message(excinfo, r"2 groups of \[3, 3\] parameters", r"\[6\]")


def test_state_for_part_of_a_group_is_refused():
    model, x, y = model_and_data()
    opt = two_groups(model, optim.Adam, {})
    train(model, opt, x, y, 1)
    state = copy.deepcopy(opt.state_dict())
    del state["state"][4]
    with pytest.raises(ValueError) as excinfo:
        two_groups(model, optim.Adam, {}).load_state_dict(state)
    assert_message(excinfo, "all or none of group 1", r"\[3, 5\]")


def test_a_hyperparameter_of_a_group_the_constructor_refuses_is_refused_on_load():
    model, x, y = model_and_data()
    state = two_groups(model, optim.RMSprop, {}).state_dict()
    state["param_groups"][1]["alpha"] = 1.5
    with pytest.raises(ValueError) as excinfo:
        two_groups(model, optim.RMSprop, {}).load_state_dict(state)
    assert_message(
        excinfo, r"RMSprop\.load_state_dict failed", r"RMSprop\(alpha\)", "1.5"
    )


# -- a new rule is a small subclass ---------------------------------------------------


class AdamW(optim.Adam):
    """Adam with decoupled weight decay: $p \\leftarrow (1 - \\eta\\lambda) p$, then Adam's step."""

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def apply_weight_decay(self, p, grad, group, out):
        p *= 1 - group["lr"] * group["weight_decay"]
        return grad


def test_adamw_in_a_few_lines_matches_its_formula():
    rng = np.random.default_rng(0)
    start, grads = rng.standard_normal(5), rng.standard_normal((20, 5))
    p = nn.Parameter(start.copy())
    opt = AdamW([p], lr=0.01, weight_decay=0.1)
    theta, m, v = start.copy(), np.zeros(5), np.zeros(5)
    for t, g in enumerate(grads, 1):
        p.grad[...] = g
        opt.step()
        theta = theta * (1 - 0.01 * 0.1)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        theta = theta - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(p.data, theta, rtol=1e-13)
    assert sorted(opt.state_dict()["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]


class Sign(optim.Optimizer):
    """signSGD: $p \\leftarrow p - \\eta\\, \\mathrm{sign}(g)$, a rule with no state."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr, weight_decay=0.0))

    def update(self, p, g, state, group, tmp):
        p -= np.multiply(group["lr"], np.sign(g, out=tmp), out=tmp)


def test_a_rule_without_state():
    p = nn.Parameter(np.array([1.0, -2.0, 0.0]))
    opt = Sign([p], lr=0.5)
    p.grad[...] = [3.0, -0.1, 0.0]
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, -1.5, 0.0])
    assert opt.state_dict()["state"] == {}


def test_base_optimizer_has_no_step():
    class NoStep(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    with pytest.raises(NotImplementedError):
        NoStep(make_params()).step()
