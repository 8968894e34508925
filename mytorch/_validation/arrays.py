"""Checks of arrays, dtypes and the caches of modules: each error names who
complained, the argument, what was expected and what came."""

import numpy as np

#: The dtypes mytorch computes in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def resolve_dtype(dtype) -> np.dtype:
    """`None` means float64; anything else must name float32 or float64.

    Half precision is refused: its smallest normal number (6e-5) and its
    11-bit fraction break the package's defaults (Adam's `eps` of 1e-8 is 0
    in float16) and its finite differences.
    """
    if dtype is None:
        return np.dtype(np.float64)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def check_array(who: str, name: str, x) -> None:
    """Raise TypeError unless `x` is a float32 or float64 ndarray."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{who} expects {name} to be a NumPy ndarray, got {type(x).__name__}"
        )
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{who} expects {name} of dtype float32 or float64, got {x.dtype}"
        )


def check_float_dtype(who: str, name: str, x: np.ndarray) -> None:
    """Raise TypeError unless the ndarray `x` holds float32 or float64 numbers."""
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{who}({name}) expects float32 or float64 {name}, got dtype {x.dtype}"
        )


def check_batch(
    who: str, name: str, x, features_name: str, features: int, dtype
) -> None:
    """Raise unless `x` is an (N, features) float ndarray of the layer's dtype."""
    if (
        isinstance(x, np.ndarray)
        and x.dtype == dtype
        and x.ndim == 2
        and x.shape[1] == features
    ):
        # the usual case, in one test; the checks below say what is wrong otherwise
        return
    check_array(who, name, x)
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(
            f"{who}({features_name}={features}) got {name} of shape {x.shape}: "
            f"expected (N, {features})"
        )
    check_same_dtype(who, name, x, dtype)


def check_same_dtype(who: str, name: str, x: np.ndarray, dtype: np.dtype) -> None:
    """Raise TypeError unless `x` has the layer's dtype: no silent casts either way."""
    if x.dtype != dtype:
        raise TypeError(
            f"{who} got {name} of dtype {x.dtype} but its parameters are {dtype}: "
            f"cast the {name} (.astype) or the model (model.to)"
        )


def check_samples(who: str, name: str, x: np.ndarray, minimum: int, why: str) -> None:
    """Raise unless `x` has at least `minimum` rows (`why` says what needs them)."""
    if x.shape[0] < minimum:
        raise ValueError(
            f"{who} needs at least {minimum} samples {why}, "
            f"got {name} of shape {x.shape}"
        )


def check_dim(who: str, name: str, x, dim: int) -> None:
    """Raise unless `x` is a float ndarray with entries along its axis `dim`."""
    check_array(who, name, x)
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(
            f"{who}(dim={dim}) got {name} of shape {x.shape}: dim out of range"
        )
    if x.shape[dim] == 0:
        raise ValueError(
            f"{who}(dim={dim}) got {name} of shape {x.shape}: "
            f"no entries to normalise along dim"
        )


def check_regression_target(who: str, prediction, target) -> None:
    """Raise unless prediction and target are non-empty float ndarrays of one shape, and
    the
    target is not wider than the prediction (the loss would be computed in the
    narrower)."""
    check_array(who, "prediction", prediction)
    check_array(who, "target", target)
    if prediction.shape != target.shape:
        raise ValueError(
            f"{who} got prediction of shape {prediction.shape} and target of shape "
            f"{target.shape}: expected equal shapes"
        )
    if prediction.size == 0:
        raise ValueError(f"{who} got an empty prediction of shape {prediction.shape}")
    if target.dtype.itemsize > prediction.dtype.itemsize:
        narrow = prediction.dtype
        raise TypeError(
            f"{who} got target of dtype {target.dtype} but prediction of dtype "
            f"{narrow}: the loss would be computed in {narrow}; "
            f"cast the target (.astype) or the model (model.to)"
        )


def check_class_target(who: str, logits, target) -> None:
    """Raise unless `logits` is a non-empty (N, C) float ndarray and `target` N
    integers."""
    check_array(who, "logits", logits)
    if logits.ndim != 2:
        raise ValueError(
            f"{who} expects logits of shape (N, C), got shape {logits.shape}"
        )
    n, c = logits.shape
    if n == 0:
        raise ValueError(f"{who} got an empty batch: logits of shape {logits.shape}")
    if c == 0:
        raise ValueError(
            f"{who} got logits of shape {logits.shape}: "
            f"expected at least one class (C >= 1)"
        )
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iu":
        got = target.dtype if isinstance(target, np.ndarray) else type(target).__name__
        raise TypeError(
            f"{who} expects target to be an integer ndarray of class indices, got {got}"
        )
    if target.shape != (n,):
        raise ValueError(
            f"{who} got target of shape {target.shape}: expected ({n},) to match "
            f"logits {logits.shape}"
        )


def check_labels(who: str, target: np.ndarray, onehot: np.ndarray) -> None:
    """Raise unless every label found its column of `onehot` (N, C), that is lies in [0,
    C)."""
    if np.count_nonzero(onehot) != len(target):
        raise ValueError(
            f"{who} got target labels in [{target.min()}, {target.max()}]: "
            f"expected labels in [0, {onehot.shape[1] - 1}]"
        )


def check_grad_output(
    module, grad_output, cache, shape=None, features=None, same_dtype=False
) -> None:
    """Raise unless `module.forward` cached something (`cache`) to differentiate, and
    `grad_output` is a float ndarray of the last output's shape: `shape`, or the cache's
    (with its last axis `features` long, if given), and of the cache's dtype if
    `same_dtype`."""
    if cache is None:
        raise backward_before_forward(module)
    expected = shape or (
        cache.shape if features is None else (*cache.shape[:-1], features)
    )
    if (
        isinstance(grad_output, np.ndarray)
        and grad_output.shape == expected
        and (
            grad_output.dtype == cache.dtype
            if same_dtype
            else grad_output.dtype in FLOAT_DTYPES
        )
    ):
        # the usual case, in one test; the checks below say what is wrong otherwise
        return
    who = f"{type(module).__name__}.backward"
    check_array(who, "grad_output", grad_output)
    if grad_output.shape != expected:
        raise ValueError(
            f"{who} got grad_output of shape {grad_output.shape}: "
            f"expected {expected}, the shape of the last output"
        )
    if same_dtype:
        check_same_dtype(who, "grad_output", grad_output, cache.dtype)


def check_forward_done(module, cache) -> None:
    """Raise unless `module.forward` cached something (`cache`) for backward."""
    if cache is None:
        raise backward_before_forward(module)


def backward_before_forward(module) -> RuntimeError:
    name, mode = type(module).__name__, "training" if module.training else "eval"
    return RuntimeError(
        f"{name}.backward() called before {name}.forward() in {mode} mode: nothing "
        "is cached to differentiate (each mode keeps its own cache, and a forward "
        "under no_grad() caches nothing)"
    )


def check_float64(who: str, name: str, x, allow_float32: bool = False) -> None:
    """Raise TypeError unless `x` is a float64 ndarray (or float32, if allowed)."""
    allowed = FLOAT_DTYPES if allow_float32 else FLOAT_DTYPES[1:]
    if not isinstance(x, np.ndarray) or x.dtype not in allowed:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{who}({name}) must be a float64 ndarray, got {got}: "
            f"pass .astype(np.float64)"
        )


def check_perturbable(who: str, name: str, x, allow_float32: bool) -> None:
    """Raise unless `x` is a writeable float64 (or float32) ndarray, to be changed in
    place."""
    check_float64(who, name, x, allow_float32)
    if not x.flags.writeable:
        raise ValueError(
            f"{who}({name}) must be writeable: it is perturbed in place, "
            f"got a read-only array"
        )


def check_weight(who: str, name: str, array: np.ndarray) -> None:
    """Raise unless `array` is a 2-D weight (out_features, in_features), both >= 1."""
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"{who}: {name} must be a 2-D weight (out_features, in_features) "
            f"with both >= 1, got shape {array.shape}"
        )
