"""Stochastic gradient descent (optim.SGD): one update by hand, with momentum
and Nesterov's look-ahead, its state dict, its errors; and the tests every
optimizer passes (tests/_optimizer_contract.py), on SGD's configurations."""

import copy

import numpy as np
import pytest
from _helpers import (
    G0,
    P0,
    assert_message,
    fill_grads,
    make_params,
    one_step,
    run,
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

from mytorch import nn, optim


def pytest_generate_tests(metafunc):
    parametrize_for(optim.SGD, metafunc)


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


def test_accepts_a_generator_of_parameters():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.weight.grad[...] = 1.0
    before = model.weight.data.copy()
    opt.step()
    np.testing.assert_allclose(model.weight.data, before - 0.1)


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


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError) as excinfo:
        optim.SGD(make_params(), lr=0.1, nesterov=True)
    assert_message(excinfo, "nesterov", "momentum")


def test_a_single_parameter_must_be_wrapped_in_a_list():
    with pytest.raises(TypeError) as excinfo:
        optim.SGD(nn.Parameter(np.zeros(2)), lr=0.1)
    assert_message(excinfo, "params")


def test_loading_something_that_is_not_a_state_dict_is_refused():
    with pytest.raises(ValueError):
        optim.SGD(make_params(), lr=0.1).load_state_dict({"weights": 1})


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


def test_step_refuses_parameters_given_new_arrays_after_construction():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.to(np.float32)
    with pytest.raises(RuntimeError) as excinfo:
        opt.step()
    assert_message(excinfo, r"SGD", r"parameter 0", r"create the optimizer again")


@pytest.mark.parametrize("nesterov", ["False", 0, 1, None])
def test_nesterov_must_be_a_bool(nesterov):
    # the string "False" is true: it turned Nesterov momentum on
    with pytest.raises(TypeError, match=r"SGD\(nesterov\) must be a bool, got"):
        optim.SGD(make_params(), lr=0.1, momentum=0.9, nesterov=nesterov)


def test_copying_an_optimizer_whose_parameters_were_given_new_arrays_is_refused():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.to(np.float32)
    with pytest.raises(RuntimeError, match=r"SGD: parameter 0 was given new arrays"):
        copy.deepcopy(opt)
