"""The optimizer template: parameter groups in one flat buffer, state, and a step around
a rule."""

import copy

import numpy as np

from mytorch._numerics import flush_subnormals
from mytorch.optim import _state


class Optimizer:
    """Base class: the housekeeping of every optimizer, around one method that holds its
    rule.

    `params` is an iterable of Parameters, or a list of dicts
    `{"params": [...], "lr": ..., ...}` (parameter groups, as in PyTorch)
    whose missing hyperparameters come from the constructor's arguments, so
    that, say, the biases can go without weight decay. `param_groups[i]`
    holds group i's hyperparameters (change `lr` there between steps) and
    its `"params"`. All parameters live in one flat array, `self.data`, group
    after group (gradients in `self.grad`), and each Parameter's arrays are
    views into them, so a rule is a handful of NumPy operations per group.
    Create the optimizer after `model.to(dtype)`.

    `step` does, for each group: add the weight decay to the gradient,
    create the state arrays named in `state_keys` (zeros) on the first step,
    count the step, call `update` (the rule), and every `FLUSH_EVERY` steps
    flush the subnormal numbers out of the state. Engineering notes: the
    appendix "Engineering notes" of the book.
    """

    FLUSH_EVERY = 64
    #: Each hyperparameter's check, `check(who, name, value)`, run on every group.
    hyperparameters = {}
    #: The state arrays of the rule, each with the hyperparameter that must not be 0
    #: for it to exist (None: always).
    state_keys = {}
    #: How many scratch arrays (shaped like the group's parameters) `update` writes.
    scratch = 1

    def __init__(self, params, defaults: dict):
        _state.check_hyperparameters(self, defaults)
        self.defaults = dict(defaults)
        self.param_groups, self.state = [], []
        self.data = self.grad = None
        for group in _state.param_groups(type(self).__name__, params):
            self.add_param_group(group)

    def update(self, p, g, state: dict, group: dict, *scratch) -> None:
        """The rule: change `p` (a group's flat parameters) in place, given its gradient
        `g`."""
        raise NotImplementedError(f"{type(self).__name__} does not define update")

    def step(self) -> None:
        """One update of every parameter, group by group."""
        _state.check_views(self)
        for group, state, (p, grad, g_wd, *scratch) in zip(
            self.param_groups,
            self.state,
            self._views or self._make_views(),
            strict=False,
        ):
            g = self.apply_weight_decay(p, grad, group, out=g_wd)
            if "step" not in state:
                self._create_state(state, group, p)
            if state:
                state["step"] += 1
            self.update(p, g, state, group, *scratch)
            if state and state["step"] % self.FLUSH_EVERY == 0:
                for array in state.values():
                    if isinstance(array, np.ndarray):
                        flush_subnormals(array)

    def apply_weight_decay(self, p, grad, group: dict, out: np.ndarray) -> np.ndarray:
        r"""L2 weight decay: $g + \omega \theta$ into `out` (`grad` if $\omega = 0$)."""
        weight_decay = group.get("weight_decay")
        if not weight_decay:
            return grad
        return np.add(grad, np.multiply(weight_decay, p, out=out), out=out)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero, in place."""
        self.grad.fill(0)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters; hyperparameters it does not set are the
        constructor's."""
        group = _state.check_param_group(self, param_group)
        self.param_groups.append(group)
        self.state.append({})
        params = [p for g in self.param_groups for p in g["params"]]
        self.data = np.concatenate([p.data.ravel() for p in params])
        self.grad = np.concatenate([p.grad.ravel() for p in params])
        self._attach()

    def _attach(self) -> None:
        """Make every parameter's arrays views into the flat arrays; forget cached
        views."""
        self._params, self._slices, start = [], [], 0
        for group in self.param_groups:
            self._slices.append(
                slice(start, start + sum(p.data.size for p in group["params"]))
            )
            for p in group["params"]:
                part, start = slice(start, start + p.data.size), start + p.data.size
                p.data = self.data[part].reshape(p.data.shape)
                p.grad = self.grad[part].reshape(p.grad.shape)
                self._params.append(p)
        self._scratch_arrays, self._views = [], None

    def _make_views(self) -> list:
        """Per group: its parameters, gradients and scratch arrays, as views of flat
        arrays."""
        self._scratch_arrays = [
            np.empty_like(self.data) for _ in range(1 + self.scratch)
        ]
        arrays = [self.data, self.grad, *self._scratch_arrays]
        self._views = [[a[part] for a in arrays] for part in self._slices]
        return self._views

    def _create_state(self, state: dict, group: dict, p: np.ndarray) -> None:
        keys = _state.state_keys(self, group)
        if keys:
            state["step"] = 0
            state.update((key, np.zeros_like(p)) for key in keys)

    def state_dict(self) -> dict:
        """PyTorch's layout, copied: `{"state": {i: {key: value}}, "param_groups":
        [{...}]}`.

        Parameters are numbered across the groups, in order; each group lists
        its numbers under `"params"`; flat state is cut back per parameter.
        """
        state, groups, index = {}, [], 0
        for group, group_state in zip(self.param_groups, self.state):
            hyper = copy.deepcopy({k: v for k, v in group.items() if k != "params"})
            groups.append(
                dict(hyper, params=list(range(index, index + len(group["params"]))))
            )
            start = 0
            for p in group["params"]:
                part, start = slice(start, start + p.data.size), start + p.data.size
                if group_state:
                    state[index] = {
                        k: v[part].reshape(p.shape).copy()
                        if isinstance(v, np.ndarray)
                        else v
                        for k, v in group_state.items()
                    }
                index += 1
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict` saved; nothing changes unless all of it fits
        (`_state`)."""
        hypers, states = _state.check_state_dict(self, state_dict)
        for group, hyper in zip(self.param_groups, hypers):
            params = group.pop("params")
            group.clear()
            group.update(copy.deepcopy(hyper), params=params)
        self.state = states

    def __getstate__(self) -> dict:
        # a copy must not quietly re-attach parameters given new arrays
        _state.check_views(self)
        return dict(self.__dict__, _views=None)

    def __setstate__(self, state: dict) -> None:
        """After `copy.deepcopy` or unpickling: the copied parameters' arrays are plain
        copies, so
        make them views of the copied flat arrays again. Copied together with its model
        (`copy.deepcopy((model, optimizer))`), the copy steps the copied model."""
        self.__dict__.update(state)
        self._attach()

    def __repr__(self) -> str:
        groups = [
            "".join(f", {k}={v}" for k, v in g.items() if k != "params")[2:]
            for g in self.param_groups
        ]
        if len(groups) == 1:
            return f"{type(self).__name__}({groups[0]})"
        return (
            f"{type(self).__name__}("
            + "; ".join(f"group {i}: {text}" for i, text in enumerate(groups))
            + ")"
        )
