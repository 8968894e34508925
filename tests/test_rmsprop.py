"""RMSprop (optim.RMSprop): one update by hand, its state dict; and the tests
every optimizer passes (tests/_optimizer_contract.py), on RMSprop's
configurations."""

import numpy as np
import pytest
from _helpers import (
    G0,
    P0,
    assert_message,
    fill_grads,
    make_params,
    one_step,
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
)

from mytorch import nn, optim


def pytest_generate_tests(metafunc):
    parametrize_for(optim.RMSprop, metafunc)


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


def test_parameters_of_mixed_dtypes_are_refused():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2, dtype=np.float32)
    with pytest.raises(TypeError) as excinfo:
        optim.RMSprop([*a.parameters(), *b.parameters()])
    assert_message(excinfo, r"RMSprop\(params\)", r"float32", r"float64", r"model\.to")
