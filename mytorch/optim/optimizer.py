"""The optimizer base class: parameters in one flat array, hyperparameters, state."""
import copy

import numpy as np

from mytorch._numerics import flush_subnormals
from mytorch.nn.module import Parameter


class Optimizer:
    """Base class: one flat array for all parameters, one group of hyperparameters, state.

    At construction every parameter's `.data` and `.grad` are copied into two
    flat arrays, `self.data` and `self.grad`, and each Parameter is given
    views into them. An update rule is then a handful of NumPy operations on
    the whole model at once, instead of a handful per parameter array.
    Modules still see their own `weight.data` and `weight.grad`: they are
    the same memory. So create the optimizer after `model.to(dtype)`; if a
    parameter's arrays are replaced afterwards, `step` says so.

    As in PyTorch, hyperparameters live in `param_groups[0]` (so
    `opt.param_groups[0]["lr"] = 0.01` changes the learning rate), and
    `state_dict()` gives the state of parameter `i` under `state[i]`, with
    PyTorch's keys. Subclasses implement `step`, keeping their state as flat
    arrays in `self.state` and their intermediate results in `_scratch` arrays.
    """

    FLUSH_EVERY = 64

    def __init__(self, params, defaults: dict):
        name = type(self).__name__
        if isinstance(params, Parameter):
            raise TypeError(f"{name}(params) expects an iterable of Parameters, got a single Parameter: wrap it in a list")
        try:
            params = list(params)
        except TypeError:
            raise TypeError(f"{name}(params) expects an iterable of Parameters, got {type(params).__name__}") from None
        if not params:
            raise ValueError(f"{name}(params) got an empty parameter list")
        for index, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise TypeError(f"{name}(params) expects Parameters, got {type(param).__name__} at position {index}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}(params) got the same Parameter more than once")
        dtypes = sorted({p.data.dtype.name for p in params})
        if len(dtypes) > 1:
            raise TypeError(f"{name}(params) expects parameters of one dtype, got {', '.join(dtypes)}: cast the model with model.to(dtype)")
        self.params = params
        self.param_groups = [dict(defaults)]
        self.state = {}
        self._scratch_arrays = []
        self._slices = []
        start = 0
        for p in params:
            self._slices.append(slice(start, start + p.data.size))
            start += p.data.size
        self.data = np.concatenate([p.data.ravel() for p in params])
        self.grad = np.concatenate([p.grad.ravel() for p in params])
        for p, part in zip(params, self._slices):
            p.data = self.data[part].reshape(p.data.shape)
            p.grad = self.grad[part].reshape(p.grad.shape)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero, in place."""
        self.grad.fill(0)

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define step")

    def _scratch(self, count: int) -> list:
        """`count` arrays shaped like `self.data`, made at the first call and reused by every later one.

        Written as NumPy expressions, an update makes a new array the size of
        the model for every operation, at every step; beyond a few tens of
        thousands of parameters, getting that memory (fresh pages from the
        operating system) adds a large part of the time of the arithmetic done
        in it. So `step`
        writes its intermediate results into these arrays instead, with `out=`
        or in place. They carry nothing from one step to the next and are not
        part of the state.
        """
        while len(self._scratch_arrays) < count:
            self._scratch_arrays.append(np.empty_like(self.data))
        return self._scratch_arrays[:count]

    def _grad_with_weight_decay(self, weight_decay, out: np.ndarray) -> np.ndarray:
        """The gradient of the loss plus L2 weight decay, $g + \\lambda\\theta$.

        Written into `out` (a scratch array) when `weight_decay` is not 0; the
        gradients themselves are never changed. Without weight decay this is
        `self.grad` itself.
        """
        if not weight_decay:
            return self.grad
        return np.add(self.grad, np.multiply(weight_decay, self.data, out=out), out=out)

    def _check_views(self) -> None:
        """Raise if a parameter's arrays are no longer views of the flat arrays."""
        for index, p in enumerate(self.params):
            if p.data.base is not self.data or p.grad.base is not self.grad:
                raise RuntimeError(
                    f"{type(self).__name__}: parameter {index} was given new arrays after the optimizer was "
                    f"created (model.to(), or another optimizer over the same parameters): create the optimizer again"
                )

    def _flush_subnormals(self, step: int, *moving_averages: np.ndarray) -> None:
        """At every `FLUSH_EVERY`-th step, set entries below the smallest normal number to zero.

        Moving averages of a gradient that stays zero (a dead ReLU unit)
        decay geometrically into the subnormal range, where arithmetic is
        many times slower; they take hundreds of steps to pass through it.
        Such entries move a parameter by less than a rounding error of any
        normal-sized value, so flushing them changes nothing else. The
        schedule follows the saved step count, so a reloaded optimizer
        flushes exactly when the original would have.
        """
        if step % self.FLUSH_EVERY == 0:
            for array in moving_averages:
                flush_subnormals(array)

    def state_dict(self) -> dict:
        """`{"state": {i: {key: value}}, "param_groups": [{..., "params": [0, 1, ...]}]}`, copied.

        Flat state arrays are cut back into per-parameter arrays, as PyTorch stores them.
        """
        group = dict(self.param_groups[0], params=list(range(len(self.params))))
        state = {}
        if self.state:
            for index, (p, part) in enumerate(zip(self.params, self._slices)):
                state[index] = {
                    key: value[part].reshape(p.shape).copy() if isinstance(value, np.ndarray) else value
                    for key, value in self.state.items()
                }
        return {"state": state, "param_groups": [copy.deepcopy(group)]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by `state_dict`.

        Nothing changes unless everything fits. A different number of
        parameters, another optimizer's hyperparameters or one this
        optimizer's constructor refuses raise a ValueError at once; then every
        problem with the state (other keys than this optimizer keeps, arrays
        that are not real numbers or do not match their parameter's shape, a
        step count that is not a positive int) is collected and raised as one
        ValueError.
        """
        name = type(self).__name__
        try:
            state = {int(index): dict(entries) for index, entries in state_dict["state"].items()}
            groups = [dict(group) for group in state_dict["param_groups"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(f"{name}.load_state_dict expects a dict with 'state' ({{index: {{key: value}}}}) "
                             f"and 'param_groups' (a list of one dict)") from None
        n = len(self.params)
        if len(groups) != 1 or len(groups[0].get("params", ())) != n:
            raise ValueError(f"{name}.load_state_dict failed: expected 1 group of {n} parameters, "
                             f"got groups of sizes {[len(g.get('params', ())) for g in groups]}")
        hyper = {k: v for k, v in groups[0].items() if k != "params"}
        if set(hyper) != set(self.param_groups[0]):
            raise ValueError(f"{name}.load_state_dict failed: expected the hyperparameters "
                             f"{sorted(self.param_groups[0])}, got {sorted(hyper)}")
        # The constructor's checks, and the state one step creates, on a model of one number.
        try:
            reference = type(self)([Parameter(np.ones(1, self.data.dtype))], **hyper)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}.load_state_dict failed: {error}") from None
        reference.grad.fill(1)
        reference.step()
        problems = []
        if state and sorted(state) != list(range(n)):
            problems.append(f"expected state for parameters 0..{n - 1}, got {sorted(state)}")
        for key in (k for k, v in reference.state.items() if not isinstance(v, np.ndarray)):
            counts = {index: entries.get(key) for index, entries in sorted(state.items())}
            if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool)
                       for c in counts.values()):
                continue  # reported below
            counts = {index: int(count) for index, count in counts.items()}
            if len(set(counts.values())) > 1:  # the flat state keeps one count for all
                problems.append(f"the parameters' {key!r} counts differ ({counts}): {name} takes "
                                f"one step of all its parameters at once, so they must be equal")
        for index, entries in state.items():
            if sorted(entries) != sorted(reference.state):
                problems.append(f"state[{index}] has keys {sorted(entries)}, {name} keeps {sorted(reference.state)}")
                continue
            for key, value in entries.items():
                if not isinstance(reference.state[key], np.ndarray):  # the step count
                    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                        problems.append(f"state[{index}][{key!r}] must be an int >= 1, got {value!r}")
                    continue
                value = np.asarray(value)
                if value.dtype.kind not in "biuf":
                    problems.append(f"state[{index}][{key!r}] holds {value.dtype}, expected real numbers")
                elif 0 <= index < n and value.shape != self.params[index].shape:
                    problems.append(f"state[{index}][{key!r}] has shape {value.shape}, parameter has {self.params[index].shape}")
        if problems:
            raise ValueError(f"{name}.load_state_dict failed: " + "; ".join(problems))
        self.param_groups = [copy.deepcopy(hyper)]
        self.state = {}
        for key, first in (state[0].items() if state else ()):
            if isinstance(reference.state[key], np.ndarray):
                self.state[key] = np.concatenate([np.ravel(state[i][key]) for i in range(n)]).astype(self.data.dtype)
            else:
                self.state[key] = first

    def __getstate__(self) -> dict:
        self._check_views()  # a copy must not quietly re-attach parameters given new arrays
        return self.__dict__

    def __setstate__(self, state: dict) -> None:
        """After `copy.deepcopy` or unpickling: the copied parameters' arrays are plain copies, so
        make them views of the copied flat arrays again. Copied together with its model
        (`copy.deepcopy((model, optimizer))`), the copy steps the copied model."""
        self.__dict__.update(state)
        for p, part in zip(self.params, self._slices):
            p.data = self.data[part].reshape(p.data.shape)
            p.grad = self.grad[part].reshape(p.grad.shape)

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v}" for k, v in self.param_groups[0].items())
        return f"{type(self).__name__}({options})"
