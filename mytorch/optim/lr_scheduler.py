"""Learning-rate schedules: StepLR, CosineAnnealingLR, LinearLR, and their base."""

import math
import numbers
from typing import ClassVar

from mytorch._validation import check_int, check_non_negative
from mytorch._validation.values import _check_real
from mytorch.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: set every parameter group's `lr` from its base rate and the epoch.

    At construction the scheduler reads each group's `lr` as that group's
    base rate (`base_lrs`) and sets the rates of epoch 0; each `step()`,
    called after `optimizer.step()`, counts one epoch (`last_epoch`) and sets
    every group's rate to `lr_at(base_lr, last_epoch)`, so groups with
    different base rates keep their ratios. A subclass declares its
    `hyperparameters` (name: check) and writes `lr_at` in closed form.
    `state_dict()` holds everything but the optimizer, as PyTorch's; load it
    with the optimizer's, in either order, to resume a run.
    """

    #: Each hyperparameter's check, `check(who, name, value)`.
    hyperparameters: ClassVar[dict] = {}

    def __init__(self, optimizer: Optimizer):
        _check_scheduler(self, optimizer)
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The rate of a group whose base rate is `base_lr`, at `epoch`."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at")

    def step(self) -> None:
        """Count an epoch, set every group's `lr`; call it after `optimizer.step()`."""
        _check_groups(self)
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        for group, base_lr in zip(groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self) -> list:
        """The rates the last `step()` (or the constructor) set, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """The scheduler's attributes except the optimizer (PyTorch's layout)."""
        return {k: _copy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict` saved, and the rates it last set into the groups.

        Setting the rates makes the order of loading free: a scheduler built
        on an optimizer that already loaded its state (whose rates its
        constructor then changed) resumes the same sequence.
        """
        _check_state_dict(self, state_dict)
        self.__dict__.update({k: _copy(v) for k, v in state_dict.items()})
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def __repr__(self) -> str:
        hypers = ", ".join(f"{k}={getattr(self, k)}" for k in self.hyperparameters)
        return f"{type(self).__name__}({hypers}, last_epoch={self.last_epoch})"


class StepLR(LRScheduler):
    r"""Multiply the rate by `gamma` every `step_size` epochs: $\eta_t = \eta_0
    \gamma^{\lfloor t / s \rfloor}$."""

    hyperparameters: ClassVar[dict] = {
        "step_size": check_int,
        "gamma": check_non_negative,
    }

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    r"""Half a cosine from the base rate down to `eta_min` over `T_max` epochs.

    $\eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
    (1 + \cos(\pi t / T_{\max}))$, in closed form (PyTorch updates the rate
    recursively, which is the same sequence up to rounding). Past `T_max`
    the cosine goes on, back up towards the base rate, as PyTorch's does.
    """

    hyperparameters: ClassVar[dict] = {
        "T_max": check_int,
        "eta_min": check_non_negative,
    }

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + cosine) / 2


class LinearLR(LRScheduler):
    r"""Scale the rate by a factor that goes linearly from `start_factor` to
    `end_factor` over `total_iters` epochs, then stays: a warm-up when
    `start_factor < 1`.

    $\eta_t = \eta_0 \bigl(f_s + (f_e - f_s) \min(t, T_w) / T_w\bigr)$ with
    $f_s \in (0, 1]$, $f_e \in [0, 1]$ and $T_w$ = `total_iters`.
    """

    hyperparameters: ClassVar[dict] = {
        "start_factor": lambda *args: _check_factor(*args, low_open=True),
        "end_factor": lambda *args: _check_factor(*args, low_open=False),
        "total_iters": check_int,
    }

    def __init__(self, optimizer, start_factor=1 / 3, end_factor=1.0, total_iters=5):
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        done = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (
            self.start_factor + (self.end_factor - self.start_factor) * done
        )


def _copy(value):
    """Lists (the rates) copied: a state dict and its scheduler share nothing."""
    return list(value) if isinstance(value, list) else value


def _check_scheduler(scheduler, optimizer) -> None:
    """Raise unless `optimizer` is an Optimizer and every hyperparameter passes."""
    who = type(scheduler).__name__
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{who}(optimizer) expects an Optimizer, got {type(optimizer).__name__}"
        )
    for name, check in scheduler.hyperparameters.items():
        check(who, name, getattr(scheduler, name))


def _check_factor(who: str, name: str, value, low_open: bool) -> None:
    """Raise unless `value` is in (0, 1] (`low_open`) or [0, 1], as in PyTorch."""
    _check_real(who, name, value)
    if not (0 < value <= 1 if low_open else 0 <= value <= 1):
        raise ValueError(
            f"{who}({name}) must be in {'(' if low_open else '['}0, 1], got {value}"
        )


def _check_groups(scheduler) -> None:
    """Raise if the optimizer gained groups that the scheduler has no base rate for."""
    own, now = len(scheduler.base_lrs), len(scheduler.optimizer.param_groups)
    if own != now:
        raise RuntimeError(
            f"{type(scheduler).__name__} knows the base rates of {own} parameter "
            f"groups, the optimizer has {now}: create the scheduler after "
            f"add_param_group"
        )


def _check_state_dict(scheduler, state_dict) -> None:
    """Raise one ValueError naming what does not fit: keys, or the number of groups."""
    who = f"{type(scheduler).__name__}.load_state_dict"
    own = scheduler.state_dict()
    if not isinstance(state_dict, dict):
        raise TypeError(f"{who} expects a dict, got {type(state_dict).__name__}")
    problems = []
    if set(state_dict) != set(own):
        problems.append(f"expected the keys {sorted(own)}, got {sorted(state_dict)}")
    else:
        for key in ("base_lrs", "_last_lr"):
            value = state_dict[key]
            if not isinstance(value, list) or len(value) != len(own[key]):
                problems.append(
                    f"{key} must be a list of {len(own[key])} rates (one per "
                    f"parameter group), got {value!r}"
                )
        epoch = state_dict["last_epoch"]
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, numbers.Integral)
            or epoch < 0
        ):
            problems.append(f"last_epoch must be an int >= 0, got {epoch!r}")
        for name, check in scheduler.hyperparameters.items():
            try:
                check(type(scheduler).__name__, name, state_dict[name])
            except (TypeError, ValueError) as error:
                problems.append(str(error))
    if problems:
        raise ValueError(f"{who} failed: " + "; ".join(problems))
