"""The five toy tasks, and ``make_dataset(name)`` that draws one by name."""

from __future__ import annotations

import numpy as np

from mytorch._validation import (
    check_int,
    check_non_negative,
    check_open_fraction,
    check_positive,
)
from mytorch.datasets.split import N_SAMPLES, TEST_SIZE, Dataset, split_and_standardize


def make_spiral(
    n_samples: int = N_SAMPLES,
    n_arms: int = 3,
    noise: float = 0.05,
    turns: float = 0.75,
    random_state: int = 0,
):
    """Generate ``n_arms`` interleaved spiral arms in the plane, one class per arm.

    Point ``i`` of arm ``k`` sits at radius ``r = t`` and angle
    ``2 pi (k / n_arms + turns * t)`` with ``t`` uniform in ``[0.05, 1]``,
    plus isotropic Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int
        Total number of points, spread as evenly as possible over the arms.
    n_arms : int >= 2
    noise : float >= 0
        Standard deviation of the Gaussian noise (the outer radius is 1).
    turns : float > 0
        How many full turns each arm makes from the centre to the rim.
    random_state : int >= 0

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64, the arm index
    """
    caller = "make_spiral"
    check_int(caller, "n_arms", n_arms, 2)
    check_int(caller, "n_samples", n_samples, n_arms)
    check_non_negative(caller, "noise", noise)
    check_positive(caller, "turns", turns)
    check_int(caller, "random_state", random_state, 0)
    rng = np.random.default_rng(random_state)
    y = np.arange(n_samples) % n_arms
    t = rng.uniform(0.05, 1.0, size=n_samples)
    angle = 2 * np.pi * (y / n_arms + turns * t)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    X += noise * rng.standard_normal(X.shape)
    order = np.argsort(y, kind="stable")
    return X[order], y[order].astype(np.int64)


def moons(
    n_samples: int = N_SAMPLES,
    noise: float = 0.1,
    random_state: int = 0,
    test_size: float = TEST_SIZE,
) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``), 2 classes."""
    from sklearn.datasets import make_moons

    check_int("moons", "n_samples", n_samples, 4)
    check_non_negative("moons", "noise", noise)
    check_int("moons", "random_state", random_state, 0)
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return split_and_standardize(
        X, y, name="moons", test_size=test_size, random_state=random_state, n_classes=2
    )


def noisy_moons(
    n_samples: int = N_SAMPLES,
    noise: float = 0.3,
    random_state: int = 0,
    test_size: float = TEST_SIZE,
) -> Dataset:
    """The moons with heavy noise, so that the classes overlap; 2 classes."""
    data = moons(
        n_samples=n_samples, noise=noise, random_state=random_state, test_size=test_size
    )
    return Dataset(**{**data.__dict__, "name": "noisy_moons"})


def circles(
    n_samples: int = N_SAMPLES,
    noise: float = 0.08,
    factor: float = 0.5,
    random_state: int = 0,
    test_size: float = TEST_SIZE,
) -> Dataset:
    """A small circle inside a large one (``sklearn``'s ``make_circles``), 2 classes."""
    from sklearn.datasets import make_circles

    check_int("circles", "n_samples", n_samples, 4)
    check_non_negative("circles", "noise", noise)
    check_int("circles", "random_state", random_state, 0)
    check_open_fraction("circles", "factor", factor)
    X, y = make_circles(
        n_samples=n_samples, noise=noise, factor=factor, random_state=random_state
    )
    return split_and_standardize(
        X,
        y,
        name="circles",
        test_size=test_size,
        random_state=random_state,
        n_classes=2,
    )


#: The centres of the four blobs, at the corners of a square.
BLOB_CENTERS = ((-2.0, -2.0), (2.0, -2.0), (2.0, 2.0), (-2.0, 2.0))


def blobs(
    n_samples: int = N_SAMPLES,
    cluster_std: float = 1.0,
    random_state: int = 0,
    test_size: float = TEST_SIZE,
) -> Dataset:
    """Four Gaussian clusters at the corners of a square (scikit-learn's
    ``make_blobs``).

    The centres are fixed (:data:`BLOB_CENTERS`, 4 apart), so ``random_state``
    changes the points, not the task; with ``cluster_std=1`` the clusters
    overlap a little (the best possible accuracy is about 0.955).
    """
    from sklearn.datasets import make_blobs

    check_int("blobs", "n_samples", n_samples, 4)
    check_non_negative("blobs", "cluster_std", cluster_std)
    check_int("blobs", "random_state", random_state, 0)
    X, y = make_blobs(
        n_samples=n_samples,
        centers=np.array(BLOB_CENTERS),
        cluster_std=cluster_std,
        random_state=random_state,
    )
    return split_and_standardize(
        X,
        y,
        name="blobs",
        test_size=test_size,
        random_state=random_state,
        n_classes=len(BLOB_CENTERS),
    )


def spiral(
    n_samples: int = N_SAMPLES,
    n_arms: int = 3,
    noise: float = 0.05,
    turns: float = 0.75,
    random_state: int = 0,
    test_size: float = TEST_SIZE,
) -> Dataset:
    """Interleaved spiral arms (:func:`make_spiral`), one class per arm."""
    X, y = make_spiral(
        n_samples=n_samples,
        n_arms=n_arms,
        noise=noise,
        turns=turns,
        random_state=random_state,
    )
    return split_and_standardize(
        X,
        y,
        name="spiral",
        test_size=test_size,
        random_state=random_state,
        n_classes=n_arms,
    )


#: The atlas's datasets, by name, in the book's order (easy to hard-ish).
DATASETS = {
    "moons": moons,
    "circles": circles,
    "blobs": blobs,
    "noisy_moons": noisy_moons,
    "spiral": spiral,
}


def make_dataset(name: str, **kwargs) -> Dataset:
    """Make one of :data:`DATASETS` by name.

    Keyword arguments override the generator's defaults (e.g.
    ``make_dataset("spiral", n_arms=5)``); without them every call returns the same
    points, split and standardisation.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(
            f"make_dataset(name) must be one of {sorted(DATASETS)}, got {name!r}"
        )
    return DATASETS[name](**kwargs)
