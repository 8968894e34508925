"""Two-dimensional test functions for the optimizer chapters, and the loop that records a path.

Each function takes `theta` with its two coordinates on the first axis, so
the same call evaluates one point, shape (2,), or a whole grid, shape
(2, H, W), for contour plots.
"""
import numpy as np

from mytorch.nn.module import Parameter

#: The curvatures of the default bowl, $A = \mathrm{diag}(1, 20)$ with condition number 20.
BOWL_CURVATURE = (1.0, 20.0)


def bowl(theta, curvature=BOWL_CURVATURE):
    r"""The quadratic bowl $\tfrac12 (a_1 \theta_1^2 + a_2 \theta_2^2)$, minimum 0 at the origin."""
    return 0.5 * (curvature[0] * theta[0] ** 2 + curvature[1] * theta[1] ** 2)


def bowl_grad(theta, curvature=BOWL_CURVATURE):
    r"""Gradient of `bowl`: $(a_1 \theta_1, a_2 \theta_2)$."""
    return np.array([curvature[0] * theta[0], curvature[1] * theta[1]])


def rosenbrock(theta):
    r"""Rosenbrock's banana $(1 - \theta_1)^2 + 100 (\theta_2 - \theta_1^2)^2$, minimum 0 at (1, 1)."""
    return (1 - theta[0]) ** 2 + 100 * (theta[1] - theta[0] ** 2) ** 2


def rosenbrock_grad(theta):
    """Gradient of `rosenbrock`, by the chain rule."""
    t1, t2 = theta
    return np.array([-2 * (1 - t1) - 400 * t1 * (t2 - t1 ** 2), 200 * (t2 - t1 ** 2)])


def run_optimizer(optimizer_cls, grad, theta0, steps, **hyperparameters):
    """The points visited by `steps` steps of `optimizer_cls(**hyperparameters)` from `theta0`.

    The training loop of the package on a single Parameter, with `grad`
    in place of backward. Returns an array of shape (steps + 1, len(theta0)).
    """
    p = Parameter(np.array(theta0, dtype=np.float64))
    opt = optimizer_cls([p], **hyperparameters)
    path = [p.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad += grad(p.data)
        opt.step()
        path.append(p.data.copy())
    return np.array(path)
