"""Argument checks shared by the package, all here: arrays, dtypes and
module caches in `arrays`, hyperparameters and plain values in `values`.
Every check takes `(who, name, value, ...)` and raises an error that names
who complained, the argument, what was expected and what came."""

from mytorch._validation.arrays import (
    FLOAT_DTYPES,
    resolve_dtype,
    check_array,
    check_float_dtype,
    check_batch,
    check_same_dtype,
    check_samples,
    check_dim,
    check_regression_target,
    check_class_target,
    check_labels,
    check_grad_output,
    check_forward_done,
    backward_before_forward,
    check_float64,
    check_perturbable,
    check_weight,
)
from mytorch._validation.values import (
    check_choice,
    check_instances,
    check_int,
    check_fraction,
    check_open_fraction,
    check_non_negative,
    check_positive,
    check_bool,
    check_pair,
)

__all__ = [
    "FLOAT_DTYPES",
    "resolve_dtype",
    "check_array",
    "check_float_dtype",
    "check_batch",
    "check_same_dtype",
    "check_samples",
    "check_dim",
    "check_regression_target",
    "check_class_target",
    "check_labels",
    "check_grad_output",
    "check_forward_done",
    "backward_before_forward",
    "check_float64",
    "check_perturbable",
    "check_weight",
    "check_choice",
    "check_instances",
    "check_int",
    "check_fraction",
    "check_open_fraction",
    "check_non_negative",
    "check_positive",
    "check_bool",
    "check_pair",
]
