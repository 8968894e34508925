"""The handwritten digits of scikit-learn, split three ways and standardised.

scikit-learn ships 1797 images of 8 x 8 pixels, each pixel a count from 0
to 16 (the UCI optical recognition of handwritten digits data, test part),
so loading them needs no network. :func:`digits` splits them per class into
training, validation and test sets and standardises every pixel with the
mean and standard deviation of the *training* set only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mytorch._validation import check_int, check_open_fraction

__all__ = ["DigitSplits", "digits", "stratified_split"]


@dataclass(frozen=True, repr=False, eq=False)
class DigitSplits:
    """Standardised training, validation and test sets of the digits.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray of shape (N, 64), float64
        The images, flattened row by row, standardised as
        ``(raw - mean) / std`` with the training set's statistics.
    y_train, y_val, y_test : ndarray of shape (N,), int64
        The digits, 0 to 9.
    mean, std : ndarray of shape (64,)
        The training set's mean and standard deviation per pixel (a pixel
        that is constant in the training set gets ``std`` 1).
    random_state : int
        The seed of the split.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    random_state: int

    n_classes = 10

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Standardised images back to pixel counts, shaped (N, 8, 8)."""
        return (X * self.std + self.mean).reshape(-1, 8, 8)

    def __repr__(self) -> str:
        sizes = len(self.y_train), len(self.y_val), len(self.y_test)
        return (
            f"DigitSplits(random_state={self.random_state}, n_train={sizes[0]}, "
            f"n_val={sizes[1]}, n_test={sizes[2]})"
        )


def stratified_split(y, fractions, random_state: int = 0) -> list[np.ndarray]:
    """Indices of ``len(fractions) + 1`` disjoint sets, every class in proportion.

    Class ``c`` with ``n_c`` members gives ``round(f * n_c)`` of them to the
    set of fraction ``f`` and the rest to the last set. Each set comes back
    shuffled, so that its classes are interleaved.
    """
    check_int("stratified_split", "random_state", random_state, 0)
    rng = np.random.default_rng(random_state)
    y = np.asarray(y)
    parts = [[] for _ in range(len(fractions) + 1)]
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        ends = np.cumsum([round(f * len(members)) for f in fractions])
        for part, chunk in zip(parts, np.split(members, ends)):
            part.append(chunk)
    return [rng.permutation(np.concatenate(part)) for part in parts]


def digits(random_state: int = 0, val_size: float = 0.2, test_size: float = 0.2):
    """The digits split per class into training, validation and test sets.

    Parameters
    ----------
    random_state : int >= 0
        Seeds the split: the same seed gives the same three sets.
    val_size, test_size : float in (0, 1)
        The share of each class that goes to the validation and the test
        set; the rest is for training.

    Returns
    -------
    DigitSplits
        Standardised with the training set's mean and standard deviation.
    """
    from sklearn.datasets import load_digits

    for name, value in (("val_size", val_size), ("test_size", test_size)):
        check_open_fraction("digits", name, value)
    check_open_fraction("digits", "val_size + test_size", val_size + test_size)
    X, y = load_digits(return_X_y=True)
    val, test, train = stratified_split(y, (val_size, test_size), random_state)
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0  # a pixel that is always 0 stays 0
    y = y.astype(np.int64)
    return DigitSplits(
        (X[train] - mean) / std,
        y[train],
        (X[val] - mean) / std,
        y[val],
        (X[test] - mean) / std,
        y[test],
        mean,
        std,
        random_state,
    )
