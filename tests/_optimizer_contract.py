"""The tests every optimizer passes, each run by test_sgd.py, test_adam.py and
test_rmsprop.py on the rows of its table that are about that optimizer.

`every_optimizer` marks a test with its table, in place of
`pytest.mark.parametrize`; each of those files imports the tests it shares
and calls `parametrize_for(its class, metafunc)` from `pytest_generate_tests`.
"""

import copy
import re
import tracemalloc

import numpy as np
import pytest
from _helpers import (
    CENTRE,
    CONFIGS,
    CURVATURE,
    START,
    assert_message,
    assert_tree_equal,
    fill_grads,
    make_params,
    reference_run,
    run,
    save_then_continue,
    training_losses,
)

from mytorch import nn, optim

OPTIMIZERS = [optim.SGD, optim.Adam, optim.RMSprop]
ParameterSet = type(pytest.param(None))  # what pytest.param makes


def every_optimizer(argnames, rows, key=0):
    """Parametrize a test by `rows`: each optimizer's test file runs the rows whose
    argument number `key` is its class."""

    def mark(test):
        test.optimizer_rows = argnames, list(rows), key
        return test

    return mark


def parametrize_for(cls, metafunc):
    """From `pytest_generate_tests`: the rows of the test's table that are about `cls`."""
    if not hasattr(metafunc.function, "optimizer_rows"):
        return
    argnames, rows, key = metafunc.function.optimizer_rows
    single = "," not in argnames

    def values(row):
        if isinstance(row, ParameterSet):
            return row.values
        return (row,) if single else row

    mine = [row for row in rows if values(row)[key] is cls]
    if not mine:
        raise ValueError(
            f"{metafunc.function.__name__} has no row about {cls.__name__}: "
            "do not import it into that optimizer's tests"
        )
    metafunc.parametrize(argnames, mine)


@every_optimizer("cls, kwargs", CONFIGS)
def test_zero_grad_sets_every_gradient_to_zero(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    fill_grads(params)
    opt.zero_grad()
    for p in params:
        assert p.grad.shape == p.data.shape and p.grad.dtype == p.data.dtype
        assert not p.grad.any()


@every_optimizer("cls, kwargs", CONFIGS)
def test_step_leaves_gradients_alone(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    fill_grads(params)
    before = [p.grad.copy() for p in params]
    opt.step()
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad, g)


@every_optimizer("cls, kwargs", CONFIGS)
def test_trajectory_matches_reference(cls, kwargs):
    params = make_params()
    got = run(cls(params, **kwargs), params, steps=25)
    expected = reference_run(cls, kwargs, steps=25)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-13)


@every_optimizer("cls, kwargs", CONFIGS)
def test_descends_the_bowl(cls, kwargs):
    def loss(values):
        return sum(
            0.5 * (c * v * v).sum() - (t * v).sum()
            for c, t, v in zip(CURVATURE, CENTRE, values)
        )

    params = make_params()
    assert loss(run(cls(params, **kwargs), params, steps=50)) < loss(START)


@every_optimizer("cls, kwargs", CONFIGS)
def test_fresh_optimizer_loading_state_continues_bitwise(cls, kwargs):
    _, saved_state, saved_values, expected = save_then_continue(cls, kwargs, 5, 7)
    fresh_params = make_params(saved_values)
    fresh = cls(fresh_params, **kwargs)
    fresh.load_state_dict(saved_state)
    got = run(fresh, fresh_params, steps=7)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


@every_optimizer("cls, kwargs", CONFIGS)
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


@every_optimizer("cls, kwargs", CONFIGS)
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


@every_optimizer("opt_cls", OPTIMIZERS)
def test_same_seed_same_training_run(opt_cls):
    assert training_losses(0, opt_cls) == training_losses(0, opt_cls)


@every_optimizer("cls", OPTIMIZERS)
def test_negative_learning_rate_is_refused(cls):
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), lr=-0.5)
    assert_message(excinfo, r"\blr\b", r"-0\.5")


@every_optimizer(
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


@every_optimizer("cls, kwargs", CONFIGS)
def test_state_dict_is_a_copy_that_later_steps_do_not_change(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=2)
    sd = opt.state_dict()
    saved = copy.deepcopy(sd)
    run(opt, params, steps=1)
    assert_tree_equal(sd, saved)


# Each optimizer refuses the state of the one before it in the list.
@every_optimizer(
    "source, source_kwargs, target, target_kwargs",
    [
        pytest.param(
            optim.Adam, {}, optim.SGD, {"lr": 0.1, "momentum": 0.9}, id="adam-into-sgd"
        ),
        pytest.param(
            optim.SGD,
            {"lr": 0.1, "momentum": 0.9},
            optim.RMSprop,
            {},
            id="sgd-into-rmsprop",
        ),
        pytest.param(optim.RMSprop, {}, optim.Adam, {}, id="rmsprop-into-adam"),
    ],
    key=2,
)
def test_another_optimizers_state_is_refused(
    source, source_kwargs, target, target_kwargs
):
    params = make_params()
    opt = source(params, **source_kwargs)
    run(opt, params, steps=1)
    fresh = target(make_params(), **target_kwargs)
    before = copy.deepcopy(fresh.state_dict())
    with pytest.raises(ValueError) as excinfo:
        fresh.load_state_dict(opt.state_dict())
    assert_message(excinfo, type(fresh).__name__, "hyperparameters")
    assert_tree_equal(fresh.state_dict(), before)


@every_optimizer("cls, kwargs", CONFIGS)
def test_a_hyperparameter_the_constructor_refuses_is_refused_on_load(cls, kwargs):
    sd = cls(make_params(), **kwargs).state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError) as excinfo:
        cls(make_params(), **kwargs).load_state_dict(sd)
    assert_message(excinfo, r"\(lr\)", "-1")


@every_optimizer(
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


@every_optimizer(
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


@every_optimizer(
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


@every_optimizer("cls, kwargs", CONFIGS)
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


@every_optimizer(
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


@every_optimizer(
    "cls, kwargs",
    [
        pytest.param(optim.SGD, {"lr": 0.1}, id="stateless-sgd"),
        pytest.param(optim.Adam, {}, id="adam"),
    ],
)
def test_loading_state_for_a_different_number_of_parameters_is_refused(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    run(opt, params, steps=1)
    sd = opt.state_dict()
    with pytest.raises(ValueError) as excinfo:
        cls(make_params()[:1], **kwargs).load_state_dict(sd)
    assert_message(excinfo, "1 group of 1 parameters", r"\[2\]")
