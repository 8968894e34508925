"""Utilities on parameters: clipping the gradients by their joint norm."""

import math
from collections.abc import Iterable

import numpy as np

from mytorch._validation import check_instances, check_non_negative, check_positive
from mytorch.nn.module import Parameter


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    r"""Scale the gradients in place so that their joint norm is at most `max_norm`.

    The joint norm treats every gradient as one long vector $g$:
    $\|g\|_p = (\sum_i |g_i|^p)^{1/p}$, or $\max_i |g_i|$ for
    ``norm_type=inf``. If it exceeds `max_norm`, every gradient is
    multiplied by $f_{\mathrm{clip}} = \nu / (\|g\|_p + 10^{-6})$, $\nu$ = `max_norm`
    (PyTorch's formula): one factor for all of them, so the direction of $g$ is kept
    and only its length changes. The norm is computed on gradients divided
    by their largest entry, so that huge gradients give a finite norm.

    Parameters
    ----------
    parameters : Parameter or iterable of Parameter
    max_norm : float >= 0 or inf
        `inf` never clips: the call then only measures the norm.
    norm_type : float > 0 or inf, default 2.0

    Returns
    -------
    The joint norm before clipping, a NumPy scalar of the gradients' dtype
    (0 for no parameters; NaN if a gradient holds NaN, then nothing is scaled).
    """
    grads = _check_clip(parameters, max_norm, norm_type)
    if not grads:
        return np.float64(0.0)
    total = grads[0].dtype.type(_joint_norm(grads, norm_type))
    coef = max_norm / (float(total) + 1e-6)
    if coef < 1:
        for grad in grads:
            grad *= coef
    return total


def _joint_norm(grads, norm_type) -> float:
    """$\\|g\\|_p$ of all the gradients as one vector, scaled by the largest entry."""
    largest = max(float(np.max(np.abs(grad), initial=0.0)) for grad in grads)
    if norm_type == math.inf or largest == 0 or not math.isfinite(largest):
        return largest
    if norm_type == 2:
        total = sum(float(np.vdot(g, g)) for g in (grad / largest for grad in grads))
        return largest * math.sqrt(total)
    total = sum(float(np.sum((np.abs(grad) / largest) ** norm_type)) for grad in grads)
    return largest * total ** (1 / norm_type)


def _check_clip(parameters, max_norm, norm_type) -> list:
    """The gradients of `parameters`, once every argument has been checked."""
    who = "clip_grad_norm_"
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    if not isinstance(parameters, Iterable):
        raise TypeError(f"{who}(parameters) expects Parameters, got {parameters!r}")
    params = list(parameters)
    check_instances(who, "parameters", params, Parameter)
    if max_norm != math.inf:  # inf: never clip, only measure the norm
        check_non_negative(who, "max_norm", max_norm)
    if norm_type != math.inf:
        check_positive(who, "norm_type", norm_type)
    return [p.grad for p in params]
