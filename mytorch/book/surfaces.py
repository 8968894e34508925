"""The optimisation surfaces of the optimizer chapters, and the paths on them.

Each surface (a two-dimensional test function) takes `theta` with its two
coordinates on the first axis, so the same call evaluates one point, shape
(2,), or a whole grid, shape (2, H, W), for contour plots. `run_optimizer`
records the path an optimizer takes; `plot_paths` draws paths over the
surface's contours (into a matplotlib Axes given to it).
"""

import numpy as np

from mytorch.nn.module import Parameter

# : The curvatures of the default bowl, $A = \mathrm{diag}(1, 20)$ with condition number
# 20.
BOWL_CURVATURE = (1.0, 20.0)


def bowl(theta, curvature=BOWL_CURVATURE):
    r"""The quadratic bowl $\tfrac12 (a_1 \theta_1^2 + a_2 \theta_2^2)$, minimum 0 at
    the origin."""
    return 0.5 * (curvature[0] * theta[0] ** 2 + curvature[1] * theta[1] ** 2)


def bowl_grad(theta, curvature=BOWL_CURVATURE):
    r"""Gradient of `bowl`: $(a_1 \theta_1, a_2 \theta_2)$."""
    return np.array([curvature[0] * theta[0], curvature[1] * theta[1]])


def rosenbrock(theta):
    r"""Rosenbrock's banana $(1 - \theta_1)^2 + 100 (\theta_2 - \theta_1^2)^2$, minimum
    0 at (1, 1)."""
    return (1 - theta[0]) ** 2 + 100 * (theta[1] - theta[0] ** 2) ** 2


def rosenbrock_grad(theta):
    """Gradient of `rosenbrock`, by the chain rule."""
    t1, t2 = theta
    return np.array([-2 * (1 - t1) - 400 * t1 * (t2 - t1**2), 200 * (t2 - t1**2)])


def run_optimizer(optimizer_cls, grad, theta0, steps, **hyperparameters):
    """The points visited by `steps` steps of `optimizer_cls(**hyperparameters)` from
    `theta0`.

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


def plot_paths(ax, f, paths, xlim, ylim, levels, minimum):
    """Contours of `f` and the paths of several optimizers on them.

    `paths` maps a label to an array of points (steps + 1, 2), as
    `run_optimizer` returns; a dot marks where each
    ended and a star the `minimum`. A short path has a dot per step; a path
    of more than 100 steps is a plain line, and each later one is drawn wider
    underneath the first, so that long paths which run together stay visible.
    """
    xx, yy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    ax.contour(
        xx, yy, f(np.stack([xx, yy])), levels=levels, colors="0.75", linewidths=0.6
    )
    for k, (label, path) in enumerate(paths.items()):
        long = len(path) > 101
        (line,) = ax.plot(
            path[:, 0],
            path[:, 1],
            "-" if long else ".-",
            ms=3,
            label=label,
            lw=1 + 1.2 * k if long else 1,
            zorder=3 - k / len(paths),
        )
        ax.plot(*path[-1], "o", color=line.get_color(), ms=5, zorder=4)
    ax.plot(*minimum, "k*", ms=9)
    ax.set(xlim=xlim, ylim=ylim, xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.grid(False)
