"""Optimizers: one update by hand, multi-step trajectories, state dicts, errors."""

import copy
import re
import tracemalloc

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim
from _helpers import assert_message, assert_tree_equal

# --------------------------------------------------------------------------
# Reference updates, written from PyTorch's documented algorithms
# --------------------------------------------------------------------------


def ref_sgd(p, g, state, t, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    g = g + weight_decay * p
    if momentum:
        v = g.copy() if t == 1 else momentum * state["v"] + g
        state["v"] = v
        g = g + momentum * v if nesterov else v
    return p - lr * g


def ref_adam(p, g, state, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    g = g + weight_decay * p  # L2 penalty in the gradient (Adam, not AdamW)
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    state["m"], state["v"] = m, v
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_rmsprop(
    p, g, state, t, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0
):
    g = g + weight_decay * p
    square_avg = alpha * state.get("square_avg", 0.0) + (1 - alpha) * g * g
    state["square_avg"] = square_avg
    step = g / (np.sqrt(square_avg) + eps)
    if momentum:
        state["buf"] = momentum * state.get("buf", 0.0) + step
        step = state["buf"]
    return p - lr * step


REFERENCE = {optim.SGD: ref_sgd, optim.Adam: ref_adam, optim.RMSprop: ref_rmsprop}

CONFIGS = [
    pytest.param(optim.SGD, {"lr": 0.1}, id="sgd"),
    pytest.param(optim.SGD, {"lr": 0.1, "weight_decay": 0.05}, id="sgd-wd"),
    pytest.param(optim.SGD, {"lr": 0.05, "momentum": 0.9}, id="sgd-momentum"),
    pytest.param(
        optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        id="sgd-nesterov-wd",
    ),
    pytest.param(optim.Adam, {}, id="adam-defaults"),
    pytest.param(
        optim.Adam,
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        id="adam-wd",
    ),
    pytest.param(optim.RMSprop, {}, id="rmsprop-defaults"),
    pytest.param(
        optim.RMSprop,
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "weight_decay": 0.1},
        id="rmsprop-momentum-wd",
    ),
]

# A separable quadratic bowl: dL/dp_i = curvature_i * p_i - centre_i.
_RNG = np.random.default_rng(123)
SHAPES = [(3, 2), (2,)]
CURVATURE = [_RNG.uniform(0.5, 3.0, s) for s in SHAPES]
CENTRE = [_RNG.standard_normal(s) for s in SHAPES]
START = [_RNG.standard_normal(s) for s in SHAPES]


def bowl_grad(i, p):
    return CURVATURE[i] * p - CENTRE[i]


def make_params(start=START, dtype=np.float64):
    return [nn.Parameter(np.array(s, dtype=dtype)) for s in start]


def fill_grads(params):
    for i, p in enumerate(params):
        p.grad[...] = bowl_grad(i, p.data)


def run(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        fill_grads(params)
        opt.step()
    return [p.data.copy() for p in params]


def reference_run(cls, kwargs, steps, start=START):
    update = REFERENCE[cls]
    values = [np.array(s, dtype=np.float64) for s in start]
    states = [{} for _ in values]
    for t in range(1, steps + 1):
        values = [
            update(p, bowl_grad(i, p), states[i], t, **kwargs)
            for i, p in enumerate(values)
        ]
    return values


# --------------------------------------------------------------------------
# One update, by hand
# --------------------------------------------------------------------------

P0 = np.array([1.0, -2.0, 0.5])
G0 = np.array([0.5, 0.25, -4.0])


def one_step(cls, **kwargs):
    p = nn.Parameter(P0.copy())
    p.grad[...] = G0
    cls([p], **kwargs).step()
    return p.data


def test_sgd_plain_step():
    np.testing.assert_allclose(one_step(optim.SGD, lr=0.1), P0 - 0.1 * G0, rtol=1e-15)


def test_sgd_weight_decay_step():
    np.testing.assert_allclose(
        one_step(optim.SGD, lr=0.1, weight_decay=0.01),
        P0 - 0.1 * (G0 + 0.01 * P0),
        rtol=1e-15,
    )


def test_sgd_momentum_first_step_sets_buffer_to_gradient():
    # v = g on the first step (no dampening), so the step equals plain SGD.
    np.testing.assert_allclose(
        one_step(optim.SGD, lr=0.1, momentum=0.9), P0 - 0.1 * G0, rtol=1e-15
    )


def test_sgd_nesterov_first_step_looks_ahead():
    # v = g, then the step uses g + momentum * v = 1.9 g.
    np.testing.assert_allclose(
        one_step(optim.SGD, lr=0.1, momentum=0.9, nesterov=True),
        P0 - 0.1 * 1.9 * G0,
        rtol=1e-15,
    )


def test_sgd_momentum_second_step():
    p = nn.Parameter(P0.copy())
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    g1, g2 = G0, np.array([-1.0, 2.0, 0.0])
    p.grad[...] = g1
    opt.step()
    p.grad[...] = g2
    opt.step()
    v2 = 0.9 * g1 + g2
    np.testing.assert_allclose(p.data, P0 - 0.1 * g1 - 0.1 * v2, rtol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes m_hat = g and v_hat = g^2 on step 1.
    np.testing.assert_allclose(
        one_step(optim.Adam, lr=0.01), P0 - 0.01 * G0 / (np.abs(G0) + 1e-8), rtol=1e-15
    )


def test_adam_weight_decay_is_added_to_the_gradient():
    g = G0 + 0.5 * P0
    m_hat = (1 - 0.9) * g / (1 - 0.9)
    v_hat = (1 - 0.999) * g * g / (1 - 0.999)
    np.testing.assert_allclose(
        one_step(optim.Adam, lr=0.01, weight_decay=0.5),
        P0 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8),
        rtol=1e-14,
    )


def test_adam_second_step_with_bias_correction():
    p = nn.Parameter(P0.copy())
    opt = optim.Adam([p], lr=0.1, betas=(0.5, 0.75))
    g1, g2 = G0, np.array([1.0, -1.0, 2.0])
    p.grad[...] = g1
    opt.step()
    p1 = p.data.copy()
    p.grad[...] = g2
    opt.step()
    m = 0.5 * (0.5 * g1) + 0.5 * g2
    v = 0.75 * (0.25 * g1**2) + 0.25 * g2**2
    m_hat, v_hat = m / (1 - 0.5**2), v / (1 - 0.75**2)
    np.testing.assert_allclose(
        p.data, p1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-14
    )


def test_rmsprop_first_step():
    expected = P0 - 0.01 * G0 / (np.sqrt(0.01 * G0**2) + 1e-8)
    np.testing.assert_allclose(one_step(optim.RMSprop, lr=0.01), expected, rtol=1e-14)


def test_rmsprop_weight_decay_and_momentum_first_step():
    g = G0 + 0.1 * P0
    step = g / (np.sqrt((1 - 0.9) * g**2) + 1e-8)
    np.testing.assert_allclose(
        one_step(optim.RMSprop, lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1),
        P0 - 0.01 * step,
        rtol=1e-14,
    )


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_zero_grad_sets_every_gradient_to_zero(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    fill_grads(params)
    opt.zero_grad()
    for p in params:
        assert p.grad.shape == p.data.shape and p.grad.dtype == p.data.dtype
        assert not p.grad.any()


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_step_leaves_gradients_alone(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    fill_grads(params)
    before = [p.grad.copy() for p in params]
    opt.step()
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad, g)


# --------------------------------------------------------------------------
# Trajectories against the reference loop
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_trajectory_matches_reference(cls, kwargs):
    params = make_params()
    got = run(cls(params, **kwargs), params, steps=25)
    expected = reference_run(cls, kwargs, steps=25)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_descends_the_bowl(cls, kwargs):
    def loss(values):
        return sum(
            0.5 * (c * v * v).sum() - (t * v).sum()
            for c, t, v in zip(CURVATURE, CENTRE, values)
        )

    params = make_params()
    assert loss(run(cls(params, **kwargs), params, steps=50)) < loss(START)


def test_accepts_a_generator_of_parameters():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.weight.grad[...] = 1.0
    before = model.weight.data.copy()
    opt.step()
    np.testing.assert_allclose(model.weight.data, before - 0.1)


# --------------------------------------------------------------------------
# State dict
# --------------------------------------------------------------------------


def test_state_dict_layout_sgd_momentum():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    fill_grads(params)
    grads = [p.grad.copy() for p in params]
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert set(sd["state"]) == {0, 1}
    for i in (0, 1):
        np.testing.assert_array_equal(sd["state"][i]["momentum_buffer"], grads[i])
    group = sd["param_groups"][0]
    assert (
        group["lr"] == 0.1 and group["momentum"] == 0.9 and group["nesterov"] is False
    )


def test_state_dict_layout_adam():
    params = make_params()
    opt = optim.Adam(params, lr=0.01, betas=(0.8, 0.9))
    fill_grads(params)
    grads = [p.grad.copy() for p in params]
    opt.step()
    sd = opt.state_dict()
    for i in (0, 1):
        state = sd["state"][i]
        np.testing.assert_allclose(state["exp_avg"], 0.2 * grads[i], rtol=1e-15)
        np.testing.assert_allclose(state["exp_avg_sq"], 0.1 * grads[i] ** 2, rtol=1e-15)
        assert state["step"] == 1
    group = sd["param_groups"][0]
    assert group["lr"] == 0.01 and tuple(group["betas"]) == (0.8, 0.9)
    assert group["eps"] == 1e-8 and group["weight_decay"] == 0.0


@pytest.mark.parametrize(
    "momentum, keys", [(0.0, {"square_avg"}), (0.5, {"square_avg", "momentum_buffer"})]
)
def test_state_dict_layout_rmsprop(momentum, keys):
    params = make_params()
    opt = optim.RMSprop(params, lr=0.01, alpha=0.9, momentum=momentum)
    fill_grads(params)
    grads = [p.grad.copy() for p in params]
    opt.step()
    state = opt.state_dict()["state"][0]
    assert set(state) == keys | {"step"}
    np.testing.assert_allclose(state["square_avg"], 0.1 * grads[0] ** 2, rtol=1e-15)
    # the buffer after one step, as PyTorch's: g / (sqrt(square_avg) + eps)
    if momentum:
        np.testing.assert_allclose(
            state["momentum_buffer"],
            grads[0] / (np.sqrt(0.1 * grads[0] ** 2) + 1e-8),
            rtol=1e-14,
        )
    group = opt.state_dict()["param_groups"][0]
    assert group["alpha"] == 0.9 and group["momentum"] == momentum


def save_then_continue(cls, kwargs, steps_before, steps_after):
    """Train, save the state, train on: the optimizer, its saved state, the parameters
    when saved, and after."""
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=steps_before)
    saved_state = copy.deepcopy(opt.state_dict())
    saved_values = [p.data.copy() for p in params]
    return opt, saved_state, saved_values, run(opt, params, steps=steps_after)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_fresh_optimizer_loading_state_continues_bitwise(cls, kwargs):
    _, saved_state, saved_values, expected = save_then_continue(cls, kwargs, 5, 7)
    fresh_params = make_params(saved_values)
    fresh = cls(fresh_params, **kwargs)
    fresh.load_state_dict(saved_state)
    got = run(fresh, fresh_params, steps=7)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_loading_restores_hyperparameters(cls, kwargs):
    opt, saved_state, saved_values, expected = save_then_continue(cls, kwargs, 2, 3)
    fresh_params = make_params(saved_values)
    fresh = cls(fresh_params, lr=0.123456)
    fresh.load_state_dict(saved_state)
    assert (
        fresh.state_dict()["param_groups"][0]["lr"]
        == opt.state_dict()["param_groups"][0]["lr"]
    )
    for g, e in zip(run(fresh, fresh_params, steps=3), expected):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_load_state_dict_does_not_alias_the_given_dict(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=2)
    sd = copy.deepcopy(opt.state_dict())
    untouched = copy.deepcopy(sd)
    fresh_params = make_params([p.data for p in params])
    fresh = cls(fresh_params, **kwargs)
    fresh.load_state_dict(sd)
    run(fresh, fresh_params, steps=2)
    assert_tree_equal(sd, untouched)


# --------------------------------------------------------------------------
# A whole training run is reproducible from the seed
# --------------------------------------------------------------------------


def training_losses(seed, opt_cls, steps=15):
    mytorch.manual_seed(seed)
    data = np.random.default_rng(0)
    X = data.standard_normal((32, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(
        nn.Linear(2, 16),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(16, 2),
    )
    criterion = nn.CrossEntropyLoss()
    opt = opt_cls(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(steps):
        loss = criterion(model(X), y)
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
        losses.append(float(loss))
    return losses


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_same_seed_same_training_run(opt_cls):
    assert training_losses(0, opt_cls) == training_losses(0, opt_cls)


def test_different_seed_different_training_run():
    assert training_losses(0, optim.Adam) != training_losses(1, optim.Adam)


def test_training_reduces_the_loss():
    losses = training_losses(0, optim.Adam, steps=60)
    assert losses[-1] < 0.5 * losses[0]


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_negative_learning_rate_is_refused(cls):
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), lr=-0.5)
    assert_message(excinfo, r"\blr\b", r"-0\.5")


@pytest.mark.parametrize(
    "cls, kwargs, name, value",
    [
        (optim.Adam, {"betas": (1.5, 0.999)}, "beta", "1.5"),
        (optim.Adam, {"betas": (0.9, -0.5)}, "beta", "-0.5"),
        (optim.Adam, {"betas": (0.9, 1.0)}, "beta", "1.0"),
        (optim.RMSprop, {"alpha": 1.5}, "alpha", "1.5"),
        (optim.RMSprop, {"alpha": -0.5}, "alpha", "-0.5"),
        (optim.RMSprop, {"momentum": 1.5}, "momentum", "1.5"),
        (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "momentum", "-0.5"),
        (optim.SGD, {"lr": 0.1, "momentum": 1.5}, "momentum", "1.5"),
    ],
)
def test_hyperparameter_outside_unit_interval_is_refused(cls, kwargs, name, value):
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), **kwargs)
    assert_message(excinfo, name, value.replace(".", r"\."))


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(make_params(), lr=0.1, nesterov=True)
    assert_message(excinfo, "nesterov", "momentum")


def test_a_single_parameter_must_be_wrapped_in_a_list():
    with pytest.raises(TypeError) as excinfo:
        optim.SGD(nn.Parameter(np.zeros(2)), lr=0.1)
    assert_message(excinfo, "params")


def test_empty_parameter_list_is_refused():
    with pytest.raises(ValueError) as excinfo:
        optim.Adam([])
    assert_message(excinfo, "params", "empty")


def test_non_parameters_are_refused():
    with pytest.raises(TypeError) as excinfo:
        optim.Adam([nn.Parameter(np.zeros(2)), np.zeros(2)])
    assert_message(excinfo, "params", "ndarray")


@pytest.mark.parametrize(
    "cls, kwargs, name",
    [
        (optim.SGD, {"lr": "0.1"}, "lr"),
        (optim.Adam, {"betas": 0.9}, "betas"),
        (optim.Adam, {"betas": (0.9, "0.999")}, "beta"),
    ],
)
def test_hyperparameters_of_the_wrong_type(cls, kwargs, name):
    with pytest.raises(TypeError) as excinfo:
        cls(make_params(), **kwargs)
    assert_message(excinfo, name)


def test_base_optimizer_has_no_step():
    class NoStep(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    with pytest.raises(NotImplementedError):
        NoStep(make_params()).step()


@pytest.mark.parametrize(
    "cls, kwargs",
    [(optim.SGD, {"lr": 0.1}), (optim.Adam, {})],
    ids=["stateless-sgd", "adam"],
)
def test_loading_state_for_a_different_number_of_parameters_is_refused(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=1)
    sd = opt.state_dict()
    with pytest.raises(ValueError) as excinfo:
        cls(make_params()[:1], **kwargs).load_state_dict(sd)
    assert_message(excinfo, "1 group of 1 parameters", r"\[2\]")


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_state_dict_is_a_copy_that_later_steps_do_not_change(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=2)
    sd = opt.state_dict()
    saved = copy.deepcopy(sd)
    run(opt, params, steps=1)
    assert_tree_equal(sd, saved)


def test_a_float32_optimizer_keeps_float32_state_when_it_loads_float64_state():
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, steps=1)
    fresh = optim.Adam(make_params(dtype=np.float32))
    fresh.load_state_dict(opt.state_dict())
    assert {
        key: value.dtype
        for key, value in fresh.state[0].items()
        if isinstance(value, np.ndarray)
    } == {"exp_avg": np.float32, "exp_avg_sq": np.float32}


def test_loading_state_of_the_wrong_shape_is_refused():
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, steps=1)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0]["exp_avg"] = np.zeros((7, 7))
    fresh = optim.Adam(make_params())
    before = copy.deepcopy(fresh.state_dict())
    with pytest.raises(ValueError) as excinfo:
        fresh.load_state_dict(sd)
    assert_message(excinfo, "exp_avg", r"\(7, 7\)")
    assert_tree_equal(fresh.state_dict(), before)


def test_loading_something_that_is_not_a_state_dict_is_refused():
    with pytest.raises(ValueError):
        optim.SGD(make_params(), lr=0.1).load_state_dict({"weights": 1})


@pytest.mark.parametrize(
    "source, target",
    [
        (
            lambda params: optim.Adam(params),
            lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
        ),
        (
            lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
            lambda params: optim.RMSprop(params),
        ),
        (lambda params: optim.RMSprop(params), lambda params: optim.Adam(params)),
    ],
    ids=["adam-into-sgd", "sgd-into-rmsprop", "rmsprop-into-adam"],
)
def test_another_optimizers_state_is_refused(source, target):
    params = make_params()
    opt = source(params)
    run(opt, params, steps=1)
    fresh = target(make_params())
    before = copy.deepcopy(fresh.state_dict())
    with pytest.raises(ValueError) as excinfo:
        fresh.load_state_dict(opt.state_dict())
    assert_message(excinfo, type(fresh).__name__, "hyperparameters")
    assert_tree_equal(fresh.state_dict(), before)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_a_hyperparameter_the_constructor_refuses_is_refused_on_load(cls, kwargs):
    sd = cls(make_params(), **kwargs).state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), **kwargs).load_state_dict(sd)
    assert_message(excinfo, r"\(lr\)", "-1")


def test_state_without_the_keys_a_step_needs_is_refused():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    run(opt, params, steps=1)
    sd = copy.deepcopy(opt.state_dict())
    for entries in sd["state"].values():
        del entries["step"]
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(make_params(), lr=0.1, momentum=0.9).load_state_dict(sd)
    assert_message(excinfo, "momentum_buffer", "step")


@pytest.mark.parametrize(
    "step", ["abc", 0, 1.5, True], ids=["str", "zero", "float", "bool"]
)
def test_a_step_count_that_is_not_a_positive_int_is_refused(step):
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, steps=1)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0]["step"] = step
    with pytest.raises(ValueError) as excinfo:
        optim.Adam(make_params()).load_state_dict(sd)
    assert_message(
        excinfo, r"state\[0\]\['step'\] must be an int >= 1", re.escape(repr(step))
    )


def test_state_that_is_not_numbers_is_refused():
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, steps=1)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][1]["exp_avg"] = np.full(sd["state"][1]["exp_avg"].shape, "x")
    with pytest.raises(ValueError) as excinfo:
        optim.Adam(make_params()).load_state_dict(sd)
    assert_message(excinfo, r"state\[1\]\['exp_avg'\]", "real numbers")


@pytest.mark.parametrize(
    "state_dict",
    [None, {"state": [], "param_groups": []}, {"state": {}, "param_groups": None}],
    ids=["None", "state-list", "groups-None"],
)
def test_malformed_state_dicts_are_refused_with_what_is_expected(state_dict):
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(make_params(), lr=0.1).load_state_dict(state_dict)
    assert_message(excinfo, "'state'", "'param_groups'")


def test_repr_shows_the_hyperparameters():
    text = repr(optim.SGD(make_params(), lr=0.25, momentum=0.5))
    assert text.startswith("SGD(") and "lr=0.25" in text and "momentum=0.5" in text


def test_loading_state_for_a_parameter_that_does_not_exist_is_refused():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    run(opt, params, steps=1)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][5] = sd["state"][0]
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(make_params(), lr=0.1, momentum=0.9).load_state_dict(sd)
    assert_message(excinfo, "5")


def test_learning_rate_can_be_changed_through_param_groups():
    p = nn.Parameter(P0.copy())
    opt = optim.SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    p.grad[...] = G0
    opt.step()
    np.testing.assert_allclose(p.data, P0 - 0.5 * G0, rtol=1e-15)


# -- one flat array for all parameters -----------------------------------------


def test_parameters_become_views_of_the_flat_arrays():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    before = [p.data.copy() for p in model.parameters()]
    opt = optim.Adam(model.parameters())
    assert opt.data.size == sum(p.data.size for p in model.parameters())
    for p, value in zip(model.parameters(), before):
        assert p.data.base is opt.data and p.grad.base is opt.grad
        np.testing.assert_array_equal(p.data, value)
    model[0].weight.grad[0, 0] = 7.0
    assert 7.0 in opt.grad


def test_step_refuses_parameters_given_new_arrays_after_construction():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.to(np.float32)
    with pytest.raises(RuntimeError) as excinfo:
        opt.step()
    assert_message(excinfo, r"SGD", r"parameter 0", r"create the optimizer again")


def test_the_same_parameter_twice_is_refused():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError) as excinfo:
        optim.Adam([layer.weight, layer.weight])
    assert_message(excinfo, r"Adam\(params\)", r"more than once")


def test_parameters_of_mixed_dtypes_are_refused():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2, dtype=np.float32)
    with pytest.raises(TypeError) as excinfo:
        optim.RMSprop([*a.parameters(), *b.parameters()])
    assert_message(excinfo, r"RMSprop\(params\)", r"float32", r"float64", r"model\.to")


# -- subnormal moving averages are flushed without changing the trajectory -----


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (optim.Adam, dict(lr=1e-3)),
        (optim.RMSprop, dict(lr=1e-3, momentum=0.9)),
        (optim.SGD, dict(lr=1e-3, momentum=0.9)),
    ],
)
def test_flushing_subnormals_leaves_the_parameters_bitwise_unchanged(cls, kwargs):
    # One gradient, then zeros (a unit that died): the moving averages decay
    # geometrically and, in float32, pass through the subnormal range.
    class Unflushed(cls):
        FLUSH_EVERY = 10**12

    tiny = np.finfo(np.float32).tiny
    params = {
        name: nn.Parameter(np.linspace(-1, 1, 6, dtype=np.float32))
        for name in ("flushed", "reference")
    }
    flushed, reference = (
        cls([params["flushed"]], **kwargs),
        Unflushed([params["reference"]], **kwargs),
    )
    seen_subnormal = False
    for step in range(1, 3 * 64 * 10 + 1):
        for opt in (flushed, reference):
            opt.grad[...] = 1e-3 if step == 1 else 0.0
            opt.step()
        np.testing.assert_array_equal(params["flushed"].data, params["reference"].data)
        averages = [v for v in reference.state[0].values() if isinstance(v, np.ndarray)]
        seen_subnormal |= any(((v != 0) & (np.abs(v) < tiny)).any() for v in averages)
        if step % cls.FLUSH_EVERY == 0:
            for v in flushed.state[0].values():
                if isinstance(v, np.ndarray):
                    assert not ((v != 0) & (np.abs(v) < tiny)).any()
    assert seen_subnormal, (
        "the reference never produced subnormal values: the test checks nothing"
    )


# -- a step writes into arrays made once, not into new model-sized ones --------


@pytest.mark.parametrize(
    "cls, kwargs",
    CONFIGS
    + [
        pytest.param(
            optim.SGD,
            {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01},
            id="sgd-momentum-wd",
        ),
        pytest.param(optim.RMSprop, {"momentum": 0.5}, id="rmsprop-momentum"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_allocates_no_model_sized_array(cls, kwargs, dtype):
    params = make_params(
        start=[np.linspace(-1, 1, 40_000), np.linspace(1, 2, 1_000)], dtype=dtype
    )
    opt = cls(params, **kwargs)
    opt.grad[...] = 0.5
    opt.step()  # the first step creates the state and the scratch arrays
    data, scratch = opt.data, list(opt._scratch_arrays)
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(3):  # steps 2 to 4: no flush of subnormals (every 64th step)
            opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    allocated = peak - before
    assert allocated < data.nbytes // 10, (
        f"{cls.__name__}.step allocated {allocated} bytes; the model has {data.nbytes}"
    )
    assert opt.data is data and all(
        a is b for a, b in zip(opt._scratch_arrays, scratch)
    )
    assert (
        all(a.dtype == dtype for a in opt._scratch_arrays) and opt.data.dtype == dtype
    )


@pytest.mark.parametrize(
    "cls, name",
    [
        (optim.SGD, "lr"),
        (optim.SGD, "weight_decay"),
        (optim.Adam, "lr"),
        (optim.Adam, "eps"),
        (optim.Adam, "weight_decay"),
        (optim.RMSprop, "lr"),
        (optim.RMSprop, "eps"),
        (optim.RMSprop, "weight_decay"),
    ],
)
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_hyperparameters_are_refused(cls, name, value):
    kwargs = {"lr": 0.1, name: value}
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), **kwargs)
    assert_message(
        excinfo, rf"{cls.__name__}\({name}\)", r"finite", re.escape(str(value))
    )


@pytest.mark.parametrize("params", [None, 3], ids=["None", "int"])
def test_params_that_are_not_iterable_are_refused(params):
    with pytest.raises(TypeError) as excinfo:
        optim.Adam(params)
    assert_message(excinfo, r"Adam\(params\)", "iterable", type(params).__name__)


@pytest.mark.parametrize("nesterov", ["False", 0, 1, None])
def test_nesterov_must_be_a_bool(nesterov):
    # the string "False" is true: it turned Nesterov momentum on
    with pytest.raises(TypeError, match=r"SGD\(nesterov\) must be a bool, got"):
        optim.SGD(make_params(), lr=0.1, momentum=0.9, nesterov=nesterov)


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_a_deep_copy_steps_its_own_copy_of_the_parameters(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=2)
    before = [p.data.copy() for p in params]
    twin = copy.deepcopy(opt)
    expected = run(opt, params, steps=3)
    for p, value in zip(params, before):
        p.data[...] = value
    assert_tree_equal(run(twin, twin.param_groups[0]["params"], steps=3), expected)
    assert all(p.data.base is twin.data for p in twin.param_groups[0]["params"])


def test_a_model_and_its_optimizer_copied_together_stay_together():
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    opt = optim.Adam(model.parameters(), lr=0.1)
    model_copy, opt_copy = copy.deepcopy((model, opt))
    original = model.state_dict()
    for p in model_copy.parameters():
        p.grad += 1.0
    opt_copy.step()
    assert all((model_copy.state_dict()[k] != original[k]).all() for k in original)
    assert_tree_equal(model.state_dict(), original)


def test_copying_an_optimizer_whose_parameters_were_given_new_arrays_is_refused():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.to(np.float32)
    with pytest.raises(RuntimeError, match=r"SGD: parameter 0 was given new arrays"):
        copy.deepcopy(opt)


def test_state_with_differing_step_counts_is_refused():
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, steps=3)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][1]["step"] = 5
    fresh = optim.Adam(make_params())
    with pytest.raises(
        ValueError,
        match=r"Adam\.load_state_dict failed: the parameters' 'step' counts "
        r"differ \(\{0: 3, 1: 5\}\): Adam takes one step of all the "
        r"parameters of a group at once, so they must be equal",
    ):
        fresh.load_state_dict(sd)
    assert fresh.state == [{}]
