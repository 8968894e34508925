"""mytorch.book.surfaces: the optimisation surfaces of the optimizer chapters and the path recorder."""

import numpy as np
import pytest

from mytorch import optim
from mytorch.book import surfaces
from mytorch.testing import numerical_gradient, relative_error


@pytest.mark.parametrize(
    "f, grad",
    [
        (surfaces.bowl, surfaces.bowl_grad),
        (surfaces.rosenbrock, surfaces.rosenbrock_grad),
    ],
)
@pytest.mark.parametrize("point", [(-1.2, 0.7), (0.3, -2.0), (1.0, 1.0)])
def test_gradients_match_central_differences(f, grad, point):
    theta = np.array(point)
    assert (
        relative_error(grad(theta), numerical_gradient(f, theta.copy()), floor=1.0)
        < 1e-8
    )


def test_minima_and_grids():
    assert surfaces.bowl(np.zeros(2)) == 0 and surfaces.rosenbrock(np.ones(2)) == 0
    assert np.array_equal(surfaces.rosenbrock_grad(np.ones(2)), np.zeros(2))
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)))
    np.testing.assert_allclose(
        surfaces.bowl(grid, curvature=(2.0, 3.0)), grid[0] ** 2 + 1.5 * grid[1] ** 2
    )
    assert surfaces.rosenbrock(grid).shape == (3, 4)


@pytest.mark.parametrize("grad", [surfaces.bowl_grad, surfaces.rosenbrock_grad])
@pytest.mark.parametrize("shape", [(3, 4), (3, 2), (2, 2)])
def test_gradients_of_a_grid_are_the_gradients_of_its_points(grad, shape):
    grid = np.random.default_rng(0).standard_normal((2, *shape))
    expected = np.stack(
        [grad(grid[:, i, j]) for i, j in np.ndindex(shape)], axis=1
    ).reshape(grid.shape)
    np.testing.assert_array_equal(grad(grid), expected)


def test_run_optimizer_records_every_step_of_the_training_loop():
    start, lr = [-4.0, 1.5], 0.04
    path = surfaces.run_optimizer(optim.SGD, surfaces.bowl_grad, start, 3, lr=lr)
    assert path.shape == (4, 2)
    expected = [np.array(start)]
    for _ in range(3):
        expected.append(expected[-1] - lr * surfaces.bowl_grad(expected[-1]))
    np.testing.assert_array_equal(path, np.array(expected))


def test_run_optimizer_passes_hyperparameters():
    plain = surfaces.run_optimizer(
        optim.SGD, surfaces.rosenbrock_grad, [-1.5, 2.0], 5, lr=1e-3
    )
    heavy = surfaces.run_optimizer(
        optim.SGD, surfaces.rosenbrock_grad, [-1.5, 2.0], 5, lr=1e-3, momentum=0.9
    )
    assert np.array_equal(plain[:2], heavy[:2]) and not np.array_equal(
        plain[2:], heavy[2:]
    )
