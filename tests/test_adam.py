"""Adam (optim.Adam): one update by hand with bias correction, its state dict,
the checks on the state it loads, one flat array for all parameters; and the
tests every optimizer passes (tests/_optimizer_contract.py), on Adam's
configurations."""

import copy
import re

import numpy as np
import pytest
from _helpers import (
    G0,
    P0,
    assert_message,
    assert_tree_equal,
    fill_grads,
    make_params,
    one_step,
    run,
    training_losses,
)
from _optimizer_contract import (  # the tests every optimizer passes
    parametrize_for,
    test_zero_grad_sets_every_gradient_to_zero,  # noqa: F401
    test_step_leaves_gradients_alone,  # noqa: F401
    test_trajectory_matches_reference,  # noqa: F401
    test_descends_the_bowl,  # noqa: F401
    test_fresh_optimizer_loading_state_continues_bitwise,  # noqa: F401
    test_loading_restores_hyperparameters,  # noqa: F401
    test_load_state_dict_does_not_alias_the_given_dict,  # noqa: F401
    test_same_seed_same_training_run,  # noqa: F401
    test_negative_learning_rate_is_refused,  # noqa: F401
    test_hyperparameter_outside_unit_interval_is_refused,  # noqa: F401
    test_state_dict_is_a_copy_that_later_steps_do_not_change,  # noqa: F401
    test_another_optimizers_state_is_refused,  # noqa: F401
    test_a_hyperparameter_the_constructor_refuses_is_refused_on_load,  # noqa: F401
    test_flushing_subnormals_leaves_the_parameters_bitwise_unchanged,  # noqa: F401
    test_step_allocates_no_model_sized_array,  # noqa: F401
    test_non_finite_hyperparameters_are_refused,  # noqa: F401
    test_a_deep_copy_steps_its_own_copy_of_the_parameters,  # noqa: F401
    test_hyperparameters_of_the_wrong_type,  # noqa: F401
    test_loading_state_for_a_different_number_of_parameters_is_refused,  # noqa: F401
)

import mytorch
from mytorch import nn, optim


def pytest_generate_tests(metafunc):
    parametrize_for(optim.Adam, metafunc)


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


def test_different_seed_different_training_run():
    assert training_losses(0, optim.Adam) != training_losses(1, optim.Adam)


def test_training_reduces_the_loss():
    losses = training_losses(0, optim.Adam, steps=60)
    assert losses[-1] < 0.5 * losses[0]


def test_empty_parameter_list_is_refused():
    with pytest.raises(ValueError) as excinfo:
        optim.Adam([])
    assert_message(excinfo, "params", "empty")


def test_non_parameters_are_refused():
    with pytest.raises(TypeError) as excinfo:
        optim.Adam([nn.Parameter(np.zeros(2)), np.zeros(2)])
    assert_message(excinfo, "params", "ndarray")


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


def test_the_same_parameter_twice_is_refused():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError) as excinfo:
        optim.Adam([layer.weight, layer.weight])
    assert_message(excinfo, r"Adam\(params\)", r"more than once")


@pytest.mark.parametrize("params", [None, 3], ids=["None", "int"])
def test_params_that_are_not_iterable_are_refused(params):
    with pytest.raises(TypeError) as excinfo:
        optim.Adam(params)
    assert_message(excinfo, r"Adam\(params\)", "iterable", type(params).__name__)


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
