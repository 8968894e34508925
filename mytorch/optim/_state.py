"""What an optimizer accepts: parameter groups, and the state dicts it loads.

Each check raises with who complained, what was expected and what came;
`check_state_dict` collects every problem with the state and raises once.
"""

import numpy as np

from mytorch.nn.module import Parameter


def param_groups(name: str, params) -> list:
    """`params` (an iterable of Parameters, or of group dicts) as a list of groups."""
    if isinstance(params, Parameter):
        raise TypeError(
            f"{name}(params) expects an iterable of Parameters, got a single "
            f"Parameter: wrap it in a list"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{name}(params) expects an iterable of Parameters, "
            f"got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{name}(params) got an empty parameter list")
    if all(isinstance(group, dict) for group in params):
        return params
    return [{"params": params}]


def check_param_group(optimizer, param_group) -> dict:
    """A new group for `optimizer`: Parameters checked, missing hyperparameters filled
    in."""
    name = type(optimizer).__name__
    if not isinstance(param_group, dict) or "params" not in param_group:
        got = (
            f"a dict with keys {sorted(param_group)}"
            if isinstance(param_group, dict)
            else type(param_group).__name__
        )
        raise TypeError(
            f"{name}: a parameter group must be a dict with the key 'params', got {got}"
        )
    params = param_group["params"]
    params = [params] if isinstance(params, Parameter) else list(params)
    where = f" of group {len(optimizer.param_groups)}" if optimizer.param_groups else ""
    if not params:
        raise ValueError(f"{name}(params) got an empty parameter list{where}")
    for index, param in enumerate(params):
        if not isinstance(param, Parameter):
            raise TypeError(
                f"{name}(params) expects Parameters, got {type(param).__name__} "
                f"at position {index}{where}"
            )
    taken = {id(p) for g in optimizer.param_groups for p in g["params"]}
    if len({id(p) for p in params} | taken) != len(params) + len(taken):
        raise ValueError(f"{name}(params) got the same Parameter more than once")
    earlier = [g["params"][0] for g in optimizer.param_groups]
    dtypes = sorted({p.data.dtype.name for p in params + earlier})
    if len(dtypes) > 1:
        raise TypeError(
            f"{name}(params) expects parameters of one dtype, got {', '.join(dtypes)}: "
            f"cast the model with model.to(dtype)"
        )
    group = dict(optimizer.defaults, **param_group)
    check_hyperparameters(optimizer, group)
    return dict(group, params=params)


def check_hyperparameters(optimizer, group: dict) -> None:
    """Run the optimizer's check of each hyperparameter on `group`'s values."""
    name = type(optimizer).__name__
    for key, check in optimizer.hyperparameters.items():
        check(name, key, group[key])
    if group.get("nesterov") and not group.get("momentum"):
        raise ValueError(
            f"{name}(nesterov=True) requires momentum > 0, "
            f"got momentum={group.get('momentum')}"
        )


def check_views(optimizer) -> None:
    """Raise if a parameter's arrays are no longer views of the optimizer's arrays."""
    for index, p in enumerate(optimizer._params):
        if p.data.base is not optimizer.data or p.grad.base is not optimizer.grad:
            raise RuntimeError(
                f"{type(optimizer).__name__}: parameter {index} was given new arrays "
                "after the optimizer was created (model.to(), or another optimizer "
                "over the same parameters): create the optimizer again"
            )


def state_keys(optimizer, group: dict) -> list:
    """The state arrays `optimizer`'s rule keeps for `group`."""
    return [
        key
        for key, needs in optimizer.state_keys.items()
        if needs is None or group[needs]
    ]


def check_state_dict(optimizer, state_dict) -> tuple:
    """`(hyperparameters, state)` per group, from a state dict `optimizer` can load, or
    raise.

    A different number of groups or of parameters in them, another
    optimizer's hyperparameters or one this optimizer's constructor refuses
    raise a ValueError at once; then every problem with the state (other
    keys than the rule keeps, arrays that are not real numbers or do not
    match their parameter's shape, step counts that are not positive ints
    or differ within a group) is collected and raised as one ValueError.
    """
    name = type(optimizer).__name__
    fail = f"{name}.load_state_dict failed: "
    try:
        state = {
            int(index): dict(entries) for index, entries in state_dict["state"].items()
        }
        groups = [dict(group) for group in state_dict["param_groups"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError(
            f"{name}.load_state_dict expects a dict with 'state' "
            f"({{index: {{key: value}}}}) and 'param_groups' (a list of dicts, "
            f"one per group)"
        ) from None
    own = [len(g["params"]) for g in optimizer.param_groups]
    got = [len(g.get("params", ())) for g in groups]
    if got != own:
        expected = (
            f"1 group of {own[0]} parameters"
            if len(own) == 1
            else f"{len(own)} groups of {own} parameters"
        )
        raise ValueError(f"{fail}expected {expected}, got groups of sizes {got}")
    hypers = [{k: v for k, v in g.items() if k != "params"} for g in groups]
    for hyper, group in zip(hypers, optimizer.param_groups):
        if set(hyper) != set(group) - {"params"}:
            raise ValueError(
                f"{fail}expected the hyperparameters "
                f"{sorted(set(group) - {'params'})}, got {sorted(hyper)}"
            )
        try:
            check_hyperparameters(optimizer, hyper)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{fail}{error}") from None
    problems, states, index = [], [], 0
    unknown = sorted(set(state) - set(range(sum(own))))
    if unknown:
        problems.append(
            f"expected state for parameters 0..{sum(own) - 1}, got {sorted(state)}"
        )
    for g, (hyper, group) in enumerate(zip(hypers, optimizer.param_groups)):
        indices = range(index, index + len(group["params"]))
        index += len(group["params"])
        # in the order a first step creates them
        keys = ["step", *state_keys(optimizer, hyper)]
        keys = keys if len(keys) > 1 else []
        found = [i for i in indices if i in state]
        if found and len(found) != len(indices):
            problems.append(
                f"expected state for all or none of group {g}'s parameters "
                f"{list(indices)}, got it for {found}"
            )
            continue
        for i, p in zip(found, group["params"]):
            problems += _entry_problems(name, i, state[i], keys, p.shape)
        counts = {i: state[i].get("step") for i in found}
        valid = all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool)
            for c in counts.values()
        )
        if valid and len({int(c) for c in counts.values()}) > 1:  # one count per group
            counts = {i: int(c) for i, c in counts.items()}
            problems.append(
                f"the parameters' 'step' counts differ ({counts}): {name} takes one "
                f"step of all the parameters of a group at once, so they must be equal"
            )
        states.append(
            {
                key: np.concatenate([np.ravel(state[i][key]) for i in found]).astype(
                    optimizer.data.dtype
                )
                if key != "step"
                else int(state[found[0]][key])
                for key in keys
            }
            if found and not problems
            else {}
        )
    if problems:
        raise ValueError(fail + "; ".join(problems))
    return hypers, states


def _entry_problems(
    name: str, index: int, entries: dict, keys: list, shape: tuple
) -> list:
    """What is wrong with the saved state of parameter `index`."""
    if sorted(entries) != sorted(keys):
        return [
            f"state[{index}] has keys {sorted(entries)}, {name} keeps {sorted(keys)}"
        ]
    problems = []
    for key, value in entries.items():
        if key == "step":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, np.integer))
                or value < 1
            ):
                problems.append(
                    f"state[{index}][{key!r}] must be an int >= 1, got {value!r}"
                )
            continue
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            problems.append(
                f"state[{index}][{key!r}] holds {value.dtype}, expected real numbers"
            )
        elif value.shape != shape:
            problems.append(
                f"state[{index}][{key!r}] has shape {value.shape}, "
                f"parameter has {shape}"
            )
    return problems
