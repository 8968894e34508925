"""AdamW: the update recomputed by hand from PyTorch's algorithm, groups, state."""

import copy

import numpy as np
import pytest
from _helpers import assert_message, assert_tree_equal

import mytorch
from mytorch import nn, optim


def ref_adamw(p, g, state, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """PyTorch's AdamW, written out: decay the weights, then Adam without L2."""
    beta1, beta2 = betas
    p = p * (1 - lr * weight_decay)
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    state["m"], state["v"] = m, v
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


_RNG = np.random.default_rng(7)
SHAPES = [(3, 2), (4,), (2, 2)]
CURVATURE = [_RNG.uniform(0.5, 3.0, s) for s in SHAPES]
CENTRE = [_RNG.standard_normal(s) for s in SHAPES]
START = [_RNG.standard_normal(s) for s in SHAPES]
P0 = np.array([1.0, -2.0, 0.5])
G0 = np.array([0.5, 0.25, -4.0])


def bowl_grad(i, p):
    """A separable quadratic bowl: dL/dp = curvature * p - centre."""
    return CURVATURE[i] * p - CENTRE[i]


def make_params(start=START, dtype=np.float64):
    return [nn.Parameter(np.array(s, dtype=dtype)) for s in start]


def run(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        for i, p in enumerate(params):
            p.grad[...] = bowl_grad(i, p.data)
        opt.step()
    return [p.data.copy() for p in params]


def reference_run(hypers, steps, start=START):
    """`hypers[i]`: the hyperparameters of parameter i (its group's)."""
    values = [np.array(s, dtype=np.float64) for s in start]
    states = [{} for _ in values]
    for t in range(1, steps + 1):
        values = [
            ref_adamw(p, bowl_grad(i, p), states[i], t, **hypers[i])
            for i, p in enumerate(values)
        ]
    return values


def test_exported_with_pytorchs_defaults():
    opt = optim.AdamW(make_params())
    assert isinstance(opt, optim.Optimizer) and "AdamW" in optim.__all__
    group = opt.param_groups[0]
    assert group["lr"] == 1e-3 and tuple(group["betas"]) == (0.9, 0.999)
    assert group["eps"] == 1e-8 and group["weight_decay"] == 1e-2


def test_first_step_by_hand():
    p = nn.Parameter(P0.copy())
    p.grad[...] = G0
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    # step 1: m_hat = g, v_hat = g^2, so the Adam part is lr * g / (|g| + eps)
    expected = P0 * (1 - 0.1 * 0.5) - 0.1 * G0 / (np.abs(G0) + 1e-8)
    np.testing.assert_allclose(p.data, expected, rtol=1e-15)


def test_decay_stays_out_of_the_moments():
    p = nn.Parameter(P0.copy())
    p.grad[...] = G0
    opt = optim.AdamW([p], lr=0.1, betas=(0.8, 0.9), weight_decay=0.5)
    opt.step()
    state = opt.state_dict()["state"][0]
    np.testing.assert_allclose(state["exp_avg"], 0.2 * G0, rtol=1e-15)
    np.testing.assert_allclose(state["exp_avg_sq"], 0.1 * G0**2, rtol=1e-15)
    assert state["step"] == 1


def test_second_step_by_hand():
    p = nn.Parameter(P0.copy())
    opt = optim.AdamW([p], lr=0.1, betas=(0.5, 0.75), eps=1e-6, weight_decay=0.2)
    g1, g2 = G0, np.array([1.0, -1.0, 2.0])
    p.grad[...] = g1
    opt.step()
    p1 = p.data.copy()
    p.grad[...] = g2
    opt.step()
    m = 0.5 * (0.5 * g1) + 0.5 * g2
    v = 0.75 * (0.25 * g1**2) + 0.25 * g2**2
    m_hat, v_hat = m / (1 - 0.5**2), v / (1 - 0.75**2)
    expected = p1 * (1 - 0.1 * 0.2) - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-6)
    np.testing.assert_allclose(p.data, expected, rtol=1e-14)


def test_zero_gradient_leaves_pure_exponential_decay():
    p = nn.Parameter(P0.copy())
    opt = optim.AdamW([p], lr=0.05, weight_decay=0.3)
    for _ in range(10):
        opt.step()  # the gradient stays 0: m = v = 0 and the Adam part is 0
    np.testing.assert_allclose(p.data, P0 * (1 - 0.05 * 0.3) ** 10, rtol=1e-14)


def test_without_decay_it_is_adam_bitwise():
    a, b = make_params(), make_params()
    kwargs = {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.0}
    for x, y in zip(
        run(optim.AdamW(a, **kwargs), a, 12), run(optim.Adam(b, **kwargs), b, 12)
    ):
        np.testing.assert_array_equal(x, y)


def test_differs_from_adams_l2_penalty():
    a, b = make_params(), make_params()
    adamw = run(optim.AdamW(a, lr=0.05, weight_decay=0.1), a, 5)
    adam = run(optim.Adam(b, lr=0.05, weight_decay=0.1), b, 5)
    assert max(np.abs(x - y).max() for x, y in zip(adamw, adam)) > 1e-4


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.2, "weight_decay": 0.0},
    ],
)
def test_trajectory_matches_reference(kwargs):
    params = make_params()
    got = run(optim.AdamW(params, **kwargs), params, 25)
    for g, e in zip(got, reference_run([kwargs] * len(SHAPES), 25)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


GROUPS = [
    {"lr": 0.05, "weight_decay": 0.2},
    {"weight_decay": 0.0},
    {"lr": 0.01, "betas": (0.5, 0.9)},
]
DEFAULTS = {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.05}


def grouped(params):
    return [dict(group, params=[p]) for group, p in zip(GROUPS, params)]


def test_several_groups_follow_their_own_hyperparameters():
    params = make_params()
    got = run(optim.AdamW(grouped(params), **DEFAULTS), params, 20)
    expected = reference_run([dict(DEFAULTS, **group) for group in GROUPS], 20)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_the_decay_follows_a_learning_rate_changed_between_steps():
    p = nn.Parameter(P0.copy())
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    opt.step()
    opt.param_groups[0]["lr"] = 0.02
    opt.step()  # zero gradients: only the decay moves p
    np.testing.assert_allclose(p.data, P0 * (1 - 0.05) * (1 - 0.01), rtol=1e-15)


def test_state_dict_round_trip_continues_bitwise():
    params = make_params()
    opt = optim.AdamW(grouped(params), **DEFAULTS)
    run(opt, params, 6)
    saved, values = copy.deepcopy(opt.state_dict()), [p.data.copy() for p in params]
    expected = run(opt, params, 9)
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1], [2]]
    assert [g["weight_decay"] for g in saved["param_groups"]] == [0.2, 0.0, 0.05]
    fresh_params = make_params(values)
    fresh = optim.AdamW(grouped(fresh_params), lr=0.5)  # the state restores every lr
    fresh.load_state_dict(saved)
    assert_tree_equal(fresh.state_dict(), saved)
    for g, e in zip(run(fresh, fresh_params, 9), expected):
        np.testing.assert_array_equal(g, e)


def test_adams_state_loads_into_adamw():
    params = make_params()
    adam = optim.Adam(params, lr=0.05, weight_decay=0.1)
    run(adam, params, 3)
    adamw = optim.AdamW(make_params([p.data for p in params]))
    adamw.load_state_dict(adam.state_dict())  # the same keys: a run can switch rules
    assert adamw.param_groups[0]["weight_decay"] == 0.1


def test_float32_stays_float32():
    params = make_params(dtype=np.float32)
    got = run(optim.AdamW(params, lr=0.05, weight_decay=0.1), params, 5)
    assert all(g.dtype == np.float32 for g in got)
    expected = reference_run([{"lr": 0.05, "weight_decay": 0.1}] * len(SHAPES), 5)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_trains_a_network():
    mytorch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    criterion = nn.CrossEntropyLoss()
    opt = optim.AdamW(model.parameters(), lr=0.05)
    losses = []
    for _ in range(100):
        losses.append(float(criterion(model(x), y)))
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
    assert losses[-1] < 0.3 * losses[0]


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        ({"weight_decay": -0.1}, "weight_decay", r"-0\.1"),
        ({"lr": -1.0}, r"\blr\b", r"-1\.0"),
        ({"betas": (0.9, 1.0)}, "beta", r"1\.0"),
        ({"eps": -1e-8}, "eps", "-1e-08"),
    ],
)
def test_bad_hyperparameters_are_refused(kwargs, name, value):
    with pytest.raises(ValueError) as excinfo:
        optim.AdamW(make_params(), **kwargs)
    assert_message(excinfo, "AdamW", name, value)


def test_repr_names_the_rule():
    assert repr(optim.AdamW(make_params())).startswith("AdamW(lr=0.001")
