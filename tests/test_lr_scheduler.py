"""Learning-rate schedulers: PyTorch's sequences in closed form, groups, state."""

import copy
import math

import numpy as np
import pytest
from _helpers import assert_message

from mytorch import nn, optim
from mytorch.optim.lr_scheduler import (
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    StepLR,
)


def make_optimizer(lrs=(0.1,)):
    """SGD over one parameter per group, group i with base rate lrs[i]."""
    groups = [{"params": [nn.Parameter(np.ones(2))], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=1.0)


def rates(scheduler, epochs):
    """Every group's rate at epochs 0 .. epochs-1, stepped as in a training loop."""
    seen = []
    for _ in range(epochs):
        seen.append([group["lr"] for group in scheduler.optimizer.param_groups])
        assert scheduler.get_last_lr() == seen[-1]
        scheduler.optimizer.step()
        scheduler.step()
    return np.array(seen)


BASES = (0.1, 0.025, 3.0)


def test_reachable_as_in_pytorch():
    import mytorch

    assert mytorch.optim.lr_scheduler.StepLR is StepLR


def test_step_lr_multiplies_by_gamma_every_step_size():
    scheduler = StepLR(make_optimizer(BASES), step_size=3, gamma=0.5)
    got = rates(scheduler, 10)
    expected = [[b * 0.5 ** (t // 3) for b in BASES] for t in range(10)]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert got[2, 0] == 0.1 and got[3, 0] == 0.05 and scheduler.last_epoch == 10


def test_step_lr_default_gamma_is_a_tenth():
    np.testing.assert_allclose(
        rates(StepLR(make_optimizer(), 2), 5)[:, 0],
        [0.1, 0.1, 0.01, 0.01, 0.001],
        rtol=1e-15,
    )


def test_cosine_annealing_is_the_closed_form():
    scheduler = CosineAnnealingLR(make_optimizer(BASES), T_max=20, eta_min=0.001)
    got = rates(scheduler, 41)
    expected = [
        [0.001 + (b - 0.001) * (1 + math.cos(math.pi * t / 20)) / 2 for b in BASES]
        for t in range(41)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got[0], BASES)  # starts at the base rates
    np.testing.assert_allclose(got[20], [0.001] * 3, rtol=1e-15)  # ends at eta_min
    np.testing.assert_allclose(got[40], BASES, rtol=1e-15)  # and goes on, back up


def pytorch_cosine_recursion(base, eta_min, T_max, epochs):
    """PyTorch's CosineAnnealingLR.get_lr, written out: each rate from the last."""
    lrs = [base]
    for t in range(1, epochs):
        lr = lrs[-1]
        if (t - 1 - T_max) % (2 * T_max) == 0:
            lr = lr + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            lr = (1 + math.cos(math.pi * t / T_max)) / (
                1 + math.cos(math.pi * (t - 1) / T_max)
            ) * (lr - eta_min) + eta_min
        lrs.append(lr)
    return lrs


def test_cosine_annealing_matches_pytorchs_recursion_within_a_period():
    got = rates(CosineAnnealingLR(make_optimizer(), T_max=50, eta_min=0.01), 50)
    np.testing.assert_allclose(
        got[:, 0], pytorch_cosine_recursion(0.1, 0.01, 50, 50), rtol=1e-12
    )


def test_linear_lr_warms_up_then_stays():
    scheduler = LinearLR(make_optimizer(BASES), start_factor=0.1, total_iters=4)
    got = rates(scheduler, 8)
    factors = [0.1 + 0.9 * min(t, 4) / 4 for t in range(8)]
    np.testing.assert_allclose(got, np.outer(factors, BASES), rtol=1e-15)
    np.testing.assert_allclose(got[4:], [BASES] * 4, rtol=1e-15)


def test_linear_lr_defaults_and_decay():
    got = rates(LinearLR(make_optimizer()), 7)[:, 0]
    third = 1 / 3
    expected = [0.1 * (third + (1 - third) * min(t, 5) / 5) for t in range(7)]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    down = rates(LinearLR(make_optimizer(), 1.0, 0.0, total_iters=2), 4)[:, 0]
    np.testing.assert_allclose(down, [0.1, 0.05, 0.0, 0.0], rtol=1e-15, atol=0)


def test_groups_keep_their_ratios():
    for scheduler in [
        StepLR(make_optimizer(BASES), 2),
        CosineAnnealingLR(make_optimizer(BASES), 7),
        LinearLR(make_optimizer(BASES)),
    ]:
        got = rates(scheduler, 6)
        np.testing.assert_allclose(
            got / got[:, :1], [np.array(BASES) / 0.1] * 6, rtol=1e-14
        )


def test_the_rate_is_the_one_the_optimizer_uses():
    p = nn.Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=1.0)
    scheduler = LinearLR(opt, start_factor=0.25, total_iters=3)
    for _ in range(4):
        p.grad[...] = -1.0  # SGD adds lr each step
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(p.data, [0.25 + 0.5 + 0.75 + 1.0], rtol=1e-15)


def test_warm_up_then_cosine_by_handing_over():
    opt = make_optimizer()
    warm = LinearLR(opt, start_factor=0.2, total_iters=3)
    got = rates(warm, 3)[:, 0].tolist()
    cosine = CosineAnnealingLR(opt, T_max=4)  # built at the end of the warm-up
    got += rates(cosine, 5)[:, 0].tolist()
    expected = [0.02, 0.02 + 0.08 / 3, 0.02 + 0.16 / 3]
    expected += [0.05 * (1 + math.cos(math.pi * t / 4)) for t in range(5)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, 3, gamma=0.5),
        lambda opt: CosineAnnealingLR(opt, 10, eta_min=0.001),
        lambda opt: LinearLR(opt, 0.1, 0.9, 6),
    ],
)
def test_state_dict_resumes_the_same_sequence(make):
    scheduler = make(make_optimizer(BASES))
    rates(scheduler, 4)
    saved_opt = copy.deepcopy(scheduler.optimizer.state_dict())
    saved = copy.deepcopy(scheduler.state_dict())
    assert saved["last_epoch"] == 4 and saved["base_lrs"] == list(BASES)
    assert "optimizer" not in saved
    expected = rates(scheduler, 8)
    for optimizer_first in (True, False):
        opt = make_optimizer((1.0, 1.0, 1.0))
        if optimizer_first:
            opt.load_state_dict(saved_opt)
        fresh = make(opt)
        if not optimizer_first:
            opt.load_state_dict(saved_opt)
        fresh.load_state_dict(saved)
        assert fresh.last_epoch == 4 and fresh.get_last_lr() == saved["_last_lr"]
        np.testing.assert_array_equal(rates(fresh, 8), expected)


def test_state_dict_is_a_copy():
    scheduler = StepLR(make_optimizer(), 2)
    state = scheduler.state_dict()
    state["base_lrs"][0] = 5.0
    assert scheduler.base_lrs == [0.1]


def test_load_state_dict_refuses_what_does_not_fit():
    step = StepLR(make_optimizer(), 2)
    with pytest.raises(ValueError) as excinfo:
        step.load_state_dict(CosineAnnealingLR(make_optimizer(), 5).state_dict())
    assert_message(excinfo, r"StepLR\.load_state_dict", "T_max", "step_size")
    wrong = StepLR(make_optimizer(BASES), 2).state_dict()
    wrong["last_epoch"], wrong["gamma"] = -3, -1.0
    with pytest.raises(ValueError) as excinfo:
        step.load_state_dict(wrong)
    assert_message(excinfo, "base_lrs", "1 rates", "last_epoch", "-3", "gamma", "-1.0")
    with pytest.raises(TypeError) as excinfo:
        step.load_state_dict([("last_epoch", 1)])
    assert_message(excinfo, "expects a dict", "list")
    assert step.last_epoch == 0 and step.base_lrs == [0.1]  # nothing changed


@pytest.mark.parametrize(
    "make, error, patterns",
    [
        (lambda o: StepLR(o, 0), ValueError, ["StepLR", "step_size", ">= 1", "0"]),
        (lambda o: StepLR(o, 2.5), TypeError, ["step_size", "int", "2.5"]),
        (lambda o: StepLR(o, 2, gamma=-0.1), ValueError, ["gamma", r"-0\.1"]),
        (lambda o: CosineAnnealingLR(o, 0), ValueError, ["T_max", "0"]),
        (lambda o: CosineAnnealingLR(o, 5, eta_min=-1.0), ValueError, ["eta_min"]),
        (
            lambda o: CosineAnnealingLR(o, 5, eta_min=float("nan")),
            ValueError,
            ["eta_min"],
        ),
        (
            lambda o: LinearLR(o, start_factor=0),
            ValueError,
            [r"start_factor", r"\(0, 1\]"],
        ),
        (lambda o: LinearLR(o, start_factor=1.5), ValueError, [r"\(0, 1\]", r"1\.5"]),
        (
            lambda o: LinearLR(o, end_factor=1.5),
            ValueError,
            ["end_factor", r"\[0, 1\]"],
        ),
        (lambda o: LinearLR(o, end_factor=-0.5), ValueError, ["end_factor", r"-0\.5"]),
        (lambda o: LinearLR(o, total_iters=0), ValueError, ["total_iters"]),
        (lambda o: LinearLR(o, total_iters="5"), TypeError, ["total_iters"]),
        (
            lambda o: StepLR(o.param_groups, 2),
            TypeError,
            ["StepLR", "Optimizer", "list"],
        ),
    ],
)
def test_bad_arguments_are_refused(make, error, patterns):
    opt = make_optimizer()
    with pytest.raises(error) as excinfo:
        make(opt)
    assert_message(excinfo, *patterns)
    assert opt.param_groups[0]["lr"] == 0.1  # the rates are left alone


def test_a_group_added_later_is_refused_at_the_next_step():
    opt = make_optimizer()
    scheduler = StepLR(opt, 2)
    opt.add_param_group({"params": [nn.Parameter(np.ones(1))]})
    with pytest.raises(RuntimeError) as excinfo:
        scheduler.step()
    assert_message(excinfo, "StepLR", "1 parameter groups", "has 2", "add_param_group")


def test_the_base_class_needs_a_rule():
    with pytest.raises(NotImplementedError, match="lr_at"):
        LRScheduler(make_optimizer())


def test_repr():
    scheduler = CosineAnnealingLR(make_optimizer(), T_max=5)
    assert repr(scheduler) == "CosineAnnealingLR(T_max=5, eta_min=0.0, last_epoch=0)"
