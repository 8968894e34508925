"""Gradient checking: analytical gradients against central differences.

The chapter "Gradient checking" derives why the central difference
$(f(x + h) - f(x - h)) / 2h$ has error $O(h^2)$ and how to read the
relative error. The tests and the chapters' numerical checks use these functions.
"""

import numpy as np

from mytorch._validation import check_float64, check_perturbable, check_positive
from mytorch.random import get_generator


class GradcheckError(AssertionError):
    """An analytical gradient disagrees with central differences."""


def numerical_gradient(
    f, x: np.ndarray, eps: float = 1e-6, *, allow_float32: bool = False
) -> np.ndarray:
    """Central differences of the scalar function `f` with respect to `x`.

    `f(x)` is called twice per entry with `x[i]` moved by `+eps` and `-eps`
    in place; `x` is restored afterwards. Returns an array shaped like `x`.
    `x` must be a writeable float64 ndarray: in place, an integer array
    would round the steps away, and float32 keeps so few digits of
    `f(x + eps) - f(x - eps)` that the result is off by percents. Pass
    `allow_float32=True` to measure by how much (the chapter "Gradient
    checking" does).
    """
    check_perturbable("numerical_gradient", "x", x, allow_float32)
    check_positive("numerical_gradient", "eps", eps)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = float(f(x))
        x[index] = original - eps
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    r"""$\lVert a - b \rVert / \max(\lVert a \rVert + \lVert b \rVert, \text{floor})$, 0
    when a = b = 0.

    With `floor = 1` the error is relative for gradients of norm above 1
    and absolute below, so a gradient that is zero up to round-off (the
    bias of a Linear layer followed by BatchNorm) is not reported as 100%
    wrong.
    """
    denominator = max(np.linalg.norm(a) + np.linalg.norm(b), floor)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def gradcheck(module, x, *, target=None, eps=1e-6, tol=1e-6, seed=0) -> dict:
    r"""Compare a module's backward with central differences, in float64.

    Without `target`, the scalar checked is $L = \sum_{ij} \mathrm{module}(x)_{ij}\,
    G_{ij}$
    for a random upstream gradient $G$ (from `seed`), so every entry of the
    Jacobian contributes; `module.backward(G)` must match $\partial L/\partial x$,
    and each parameter's `.grad` must match $\partial L/\partial \theta$. With
    `target`, `module` is a loss, $L = \mathrm{module}(x, \mathrm{target})$ and
    `module.backward()` is compared with $\partial L/\partial x$.

    Before every forward the global generator is put back in the same state,
    so Dropout draws the same mask each time; buffers (BatchNorm's running
    statistics) are restored at the end. Parameter gradients are zeroed
    before the backward pass and hold the analytical gradients afterwards.

    Returns
    -------
    dict
        Error per tensor, `relative_error(analytical, numerical, floor=1)`:
        `"input"` and each parameter name from `named_parameters()`.

    Raises
    ------
    GradcheckError
        If any relative error exceeds `tol`; the message names each failing
        tensor, the index of its worst entry and both values there.
    TypeError
        If `x` or a parameter is not float64 (float32 is too coarse for
        finite differences).
    ValueError
        If `eps` or `tol` is not a finite number > 0 (TypeError if it is not a number).
    """
    check_float64("gradcheck", "x", x)
    check_positive("gradcheck", "eps", eps)
    check_positive("gradcheck", "tol", tol)
    params = dict(module.named_parameters())
    for name, param in params.items():
        check_float64("gradcheck", f"parameter {name}", param.data)
    x = x.copy()
    generator = get_generator()
    random_state = generator.bit_generator.state
    saved_buffers = [(buffer, buffer.copy()) for buffer in module.buffers()]

    def forward():
        generator.bit_generator.state = random_state
        return module(x) if target is None else module(x, target)

    module.zero_grad()
    output = forward()
    if target is None:
        grad_output = np.random.default_rng(seed).standard_normal(np.shape(output))
        analytical = {"input": module.backward(grad_output)}

        def loss(_):
            return np.sum(forward() * grad_output)
    else:
        analytical = {"input": module.backward()}

        def loss(_):
            return forward()

    analytical.update((name, param.grad.copy()) for name, param in params.items())

    numerical = {"input": numerical_gradient(loss, x, eps)}
    numerical.update(
        (name, numerical_gradient(loss, param.data, eps))
        for name, param in params.items()
    )
    for buffer, saved in saved_buffers:
        buffer[...] = saved

    errors = {
        name: relative_error(analytical[name], numerical[name], floor=1.0)
        for name in analytical
    }
    failures = []
    for name, error in errors.items():
        if not error <= tol:
            a, n = analytical[name], numerical[name]
            worst = np.unravel_index(np.argmax(np.abs(a - n)), np.shape(a))
            failures.append(
                f"{name}: relative error {error:.1e} > tol {tol:.0e}; worst entry "
                f"at index {tuple(int(i) for i in worst)}: "
                f"analytical {a[worst]:.6g}, numerical {n[worst]:.6g}"
            )
    if failures:
        raise GradcheckError(
            f"gradcheck of {type(module).__name__} failed:\n  " + "\n  ".join(failures)
        )
    return errors
