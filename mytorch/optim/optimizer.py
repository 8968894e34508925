"""The optimizer base class: parameters, hyperparameters, state."""
import copy

import numpy as np

from mytorch.nn.module import Parameter


class Optimizer:
    """Base class: holds the parameters, one group of hyperparameters and per-parameter state.

    As in PyTorch, hyperparameters live in `param_groups[0]` (so
    `opt.param_groups[0]["lr"] = 0.01` changes the learning rate) and the
    state of parameter `i` in `state[i]`, under PyTorch's keys.
    Subclasses implement `step`.
    """

    def __init__(self, params, defaults: dict):
        name = type(self).__name__
        if isinstance(params, Parameter):
            raise TypeError(f"{name}(params) expects an iterable of Parameters, got a single Parameter: wrap it in a list")
        params = list(params)
        if not params:
            raise ValueError(f"{name}(params) got an empty parameter list")
        for index, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise TypeError(f"{name}(params) expects Parameters, got {type(param).__name__} at position {index}")
        self.params = params
        self.param_groups = [dict(defaults)]
        self.state = {index: {} for index in range(len(params))}

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero, in place."""
        for param in self.params:
            param.grad.fill(0)

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define step")

    def state_dict(self) -> dict:
        """`{"state": {index: {key: value}}, "param_groups": [{hyperparameters, "params": [indices]}]}`, copied."""
        group = dict(self.param_groups[0], params=list(range(len(self.params))))
        return {"state": copy.deepcopy(self.state), "param_groups": [group]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by `state_dict`.

        Every problem (a different number of parameters, a state array whose
        shape does not match its parameter) is collected and raised as one
        ValueError before anything changes.
        """
        name = type(self).__name__
        try:
            state, groups = state_dict["state"], state_dict["param_groups"]
        except (KeyError, TypeError):
            raise ValueError(f"{name}.load_state_dict expects a dict with 'state' and 'param_groups'") from None
        problems = []
        if len(groups) != 1 or len(groups[0].get("params", ())) != len(self.params):
            sizes = [len(g.get("params", ())) for g in groups]
            problems.append(f"expected 1 group of {len(self.params)} parameters, got groups of sizes {sizes}")
        else:
            for index, entries in state.items():
                index = int(index)
                if not 0 <= index < len(self.params):
                    problems.append(f"state for parameter {index}, which does not exist")
                    continue
                for key, value in entries.items():
                    if isinstance(value, np.ndarray) and value.ndim and value.shape != self.params[index].shape:
                        problems.append(f"state[{index}][{key!r}] has shape {value.shape}, parameter has {self.params[index].shape}")
        if problems:
            raise ValueError(f"{name}.load_state_dict failed: " + "; ".join(problems))
        group = {k: v for k, v in groups[0].items() if k != "params"}
        self.param_groups = [group]
        self.state = {index: {} for index in range(len(self.params))}
        for index, entries in state.items():
            dtype = self.params[int(index)].dtype
            self.state[int(index)] = {
                key: (value.astype(dtype) if isinstance(value, np.ndarray) and value.ndim else copy.deepcopy(value))
                for key, value in entries.items()
            }

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v}" for k, v in self.param_groups[0].items())
        return f"{type(self).__name__}({options})"
