"""Toy two-dimensional classification datasets for the geometry and atlas chapters.

Five tasks, each with a fixed seed and a fixed train/test split, so that
every experiment in the book sees exactly the same points:

============  =======  ==================================================
name          classes  what
============  =======  ==================================================
moons         2        two interleaving half circles, little noise
circles       2        a small circle inside a large one
blobs         4        four Gaussian clusters on a square (nearly linear)
noisy_moons   2        the moons with heavy noise: the classes overlap
spiral        3        three interleaved spiral arms (our own generator)
============  =======  ==================================================

Inputs are standardised with the *training* set's mean and standard
deviation (the test set is transformed with the same statistics, as it
would be in deployment). ``make_dataset(name)`` returns a :class:`Dataset`.

Examples
--------
>>> from mytorch import datasets
>>> data = datasets.make_dataset("spiral")
>>> data.X_train.shape, data.X_test.shape, data.n_classes
((750, 2), (250, 2), 3)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mytorch._validation import check_int, check_non_negative, check_open_fraction, check_positive

__all__ = [
    "DATASETS",
    "Dataset",
    "BLOB_CENTERS",
    "blobs",
    "circles",
    "make_dataset",
    "make_spiral",
    "moons",
    "noisy_moons",
    "spiral",
    "split_and_standardize",
]

#: Number of points per dataset (train + test) and the test fraction.
N_SAMPLES = 1000
TEST_SIZE = 0.25


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """A standardised train/test split of a two-dimensional classification task.

    Attributes
    ----------
    X_train, X_test : ndarray
        Inputs of shape (N, 2), float64, standardised with the training set's statistics.
    y_train, y_test : ndarray
        Labels of shape (N,), int64, in ``0 .. n_classes - 1``.
    n_classes : int
    name : str
    mean, std : ndarray
        The training statistics of shape (2,) used to standardise (``X = (raw - mean) / std``).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str
    mean: np.ndarray
    std: np.ndarray

    def __iter__(self):
        # Unpacks like the tuple (X_train, y_train, X_test, y_test).
        return iter((self.X_train, self.y_train, self.X_test, self.y_test))

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, n_classes={self.n_classes}, "
                f"n_train={len(self.y_train)}, n_test={len(self.y_test)})")


def split_and_standardize(X, y, *, name: str, test_size: float = TEST_SIZE,
                          random_state: int = 0, n_classes: int | None = None) -> Dataset:
    """Split ``(X, y)`` into train and test sets per class and standardise.

    The split is stratified (each class keeps its share in both sets) and
    seeded by ``random_state``. The mean and standard deviation come from the
    training set only and are applied to both sets.

    Parameters
    ----------
    X : array_like of shape (N, F)
    y : array_like of shape (N,), integer labels ``0 .. n_classes - 1``
    name : str
        Stored in the returned :class:`Dataset`.
    test_size : float in (0, 1)
        Fraction of each class that goes to the test set.
    random_state : int >= 0
    n_classes : int, optional
        Defaults to ``y.max() + 1``.
    """
    caller = "split_and_standardize"
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"{caller}(X) must have shape (N, F) with N >= 2, got shape {X.shape}")
    finite = np.isfinite(X)
    if not finite.all():
        # one NaN would make its column's mean and standard deviation NaN, and every value in it
        rows, cols = np.nonzero(~finite)
        raise ValueError(f"{caller}(X) must hold finite numbers, got {rows.size} NaN or infinite "
                         f"value(s), the first at row {rows[0]}, column {cols[0]}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{caller}(y) must have shape ({X.shape[0]},) to match X, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{caller}(y) must hold integer labels, got dtype {y.dtype}")
    check_open_fraction(caller, "test_size", test_size)
    check_int(caller, "random_state", random_state, 0)
    if n_classes is None:
        n_classes = int(y.max()) + 1
    else:
        check_int(caller, "n_classes", n_classes)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"{caller}(y) must hold labels 0 .. {n_classes - 1} for n_classes={n_classes}, "
                         f"got labels from {y.min()} to {y.max()}")
    rng = np.random.default_rng(random_state)
    test = np.zeros(len(y), dtype=bool)
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        n_test = int(round(test_size * len(members)))
        test[rng.permutation(members)[:n_test]] = True
    if test.all() or not test.any():
        raise ValueError(f"{caller}(test_size={test_size}) leaves an empty train or test set "
                         f"for {len(y)} samples")
    # Shuffle within each set so that the classes are interleaved.
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = rng.permutation(np.flatnonzero(test))
    X_train, X_test = X[train_idx], X[test_idx]
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return Dataset(
        X_train=(X_train - mean) / std, y_train=y[train_idx].astype(np.int64),
        X_test=(X_test - mean) / std, y_test=y[test_idx].astype(np.int64),
        n_classes=int(n_classes), name=name, mean=mean, std=std,
    )


def make_spiral(n_samples: int = N_SAMPLES, n_arms: int = 3, noise: float = 0.05,
                turns: float = 0.75, random_state: int = 0):
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


def moons(n_samples: int = N_SAMPLES, noise: float = 0.1, random_state: int = 0,
          test_size: float = TEST_SIZE) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``), 2 classes."""
    from sklearn.datasets import make_moons

    check_int("moons", "n_samples", n_samples, 4)
    check_non_negative("moons", "noise", noise)
    check_int("moons", "random_state", random_state, 0)
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return split_and_standardize(X, y, name="moons", test_size=test_size,
                                 random_state=random_state, n_classes=2)


def noisy_moons(n_samples: int = N_SAMPLES, noise: float = 0.3, random_state: int = 0,
                test_size: float = TEST_SIZE) -> Dataset:
    """The moons with heavy noise, so that the classes overlap; 2 classes."""
    data = moons(n_samples=n_samples, noise=noise, random_state=random_state,
                 test_size=test_size)
    return Dataset(**{**data.__dict__, "name": "noisy_moons"})


def circles(n_samples: int = N_SAMPLES, noise: float = 0.08, factor: float = 0.5,
            random_state: int = 0, test_size: float = TEST_SIZE) -> Dataset:
    """A small circle inside a large one (scikit-learn's ``make_circles``), 2 classes."""
    from sklearn.datasets import make_circles

    check_int("circles", "n_samples", n_samples, 4)
    check_non_negative("circles", "noise", noise)
    check_int("circles", "random_state", random_state, 0)
    check_open_fraction("circles", "factor", factor)
    X, y = make_circles(n_samples=n_samples, noise=noise, factor=factor,
                        random_state=random_state)
    return split_and_standardize(X, y, name="circles", test_size=test_size,
                                 random_state=random_state, n_classes=2)


#: The centres of the four blobs, at the corners of a square.
BLOB_CENTERS = ((-2.0, -2.0), (2.0, -2.0), (2.0, 2.0), (-2.0, 2.0))


def blobs(n_samples: int = N_SAMPLES, cluster_std: float = 1.0, random_state: int = 0,
          test_size: float = TEST_SIZE) -> Dataset:
    """Four Gaussian clusters at the corners of a square (scikit-learn's ``make_blobs``).

    The centres are fixed (:data:`BLOB_CENTERS`, 4 apart), so ``random_state``
    changes the points, not the task; with ``cluster_std=1`` the clusters
    overlap a little (the best possible accuracy is about 0.955).
    """
    from sklearn.datasets import make_blobs

    check_int("blobs", "n_samples", n_samples, 4)
    check_non_negative("blobs", "cluster_std", cluster_std)
    check_int("blobs", "random_state", random_state, 0)
    X, y = make_blobs(n_samples=n_samples, centers=np.array(BLOB_CENTERS),
                      cluster_std=cluster_std, random_state=random_state)
    return split_and_standardize(X, y, name="blobs", test_size=test_size,
                                 random_state=random_state, n_classes=len(BLOB_CENTERS))


def spiral(n_samples: int = N_SAMPLES, n_arms: int = 3, noise: float = 0.05,
           turns: float = 0.75, random_state: int = 0, test_size: float = TEST_SIZE) -> Dataset:
    """Interleaved spiral arms (:func:`make_spiral`), one class per arm."""
    X, y = make_spiral(n_samples=n_samples, n_arms=n_arms, noise=noise, turns=turns,
                       random_state=random_state)
    return split_and_standardize(X, y, name="spiral", test_size=test_size,
                                 random_state=random_state, n_classes=n_arms)


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
        raise ValueError(f"make_dataset(name) must be one of {sorted(DATASETS)}, got {name!r}")
    return DATASETS[name](**kwargs)
