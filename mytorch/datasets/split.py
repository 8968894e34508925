"""A dataset's split into training and test sets, standardised on the training set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mytorch._validation import (
    check_int,
    check_open_fraction,
)


#: Number of points per dataset (train + test) and the test fraction.
N_SAMPLES = 1000
TEST_SIZE = 0.25


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """A standardised train/test split of a two-dimensional classification task.

    Attributes
    ----------
    X_train, X_test : ndarray
        Inputs of shape (N, 2), float64, standardised with the training set's
        statistics.
    y_train, y_test : ndarray
        Labels of shape (N,), int64, in ``0 .. n_classes - 1``.
    n_classes : int
    name : str
    mean, std : ndarray
        The training statistics of shape (2,) used to standardise (``X = (raw - mean) /
        std``).
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
        return (
            f"Dataset(name={self.name!r}, n_classes={self.n_classes}, "
            f"n_train={len(self.y_train)}, n_test={len(self.y_test)})"
        )


def split_and_standardize(
    X,
    y,
    *,
    name: str,
    test_size: float = TEST_SIZE,
    random_state: int = 0,
    n_classes: int | None = None,
) -> Dataset:
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
        raise ValueError(
            f"{caller}(X) must have shape (N, F) with N >= 2, got shape {X.shape}"
        )
    finite = np.isfinite(X)
    if not finite.all():
        # one NaN would make its column's mean and standard deviation NaN, and every
        # value in it
        rows, cols = np.nonzero(~finite)
        raise ValueError(
            f"{caller}(X) must hold finite numbers, got {rows.size} NaN or infinite "
            f"value(s), the first at row {rows[0]}, column {cols[0]}"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"{caller}(y) must have shape ({X.shape[0]},) to match X, "
            f"got shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{caller}(y) must hold integer labels, got dtype {y.dtype}")
    check_open_fraction(caller, "test_size", test_size)
    check_int(caller, "random_state", random_state, 0)
    if n_classes is None:
        n_classes = int(y.max()) + 1
    else:
        check_int(caller, "n_classes", n_classes)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(
            f"{caller}(y) must hold labels 0 .. {n_classes - 1} "
            f"for n_classes={n_classes}, got labels from {y.min()} to {y.max()}"
        )
    rng = np.random.default_rng(random_state)
    test = np.zeros(len(y), dtype=bool)
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        n_test = int(round(test_size * len(members)))
        test[rng.permutation(members)[:n_test]] = True
    if test.all() or not test.any():
        raise ValueError(
            f"{caller}(test_size={test_size}) leaves an empty train or test set "
            f"for {len(y)} samples"
        )
    # Shuffle within each set so that the classes are interleaved.
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = rng.permutation(np.flatnonzero(test))
    X_train, X_test = X[train_idx], X[test_idx]
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return Dataset(
        X_train=(X_train - mean) / std,
        y_train=y[train_idx].astype(np.int64),
        X_test=(X_test - mean) / std,
        y_test=y[test_idx].astype(np.int64),
        n_classes=int(n_classes),
        name=name,
        mean=mean,
        std=std,
    )
