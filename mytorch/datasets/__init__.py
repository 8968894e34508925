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
would be in deployment). ``make_dataset(name)`` returns a
:class:`~mytorch.datasets.split.Dataset`.

Examples
--------
>>> from mytorch import datasets
>>> data = datasets.make_dataset("spiral")
>>> data.X_train.shape, data.X_test.shape, data.n_classes
((750, 2), (250, 2), 3)
"""

from mytorch.datasets.split import N_SAMPLES, TEST_SIZE, Dataset, split_and_standardize
from mytorch.datasets.tasks import (
    BLOB_CENTERS,
    DATASETS,
    blobs,
    circles,
    make_dataset,
    make_spiral,
    moons,
    noisy_moons,
    spiral,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "BLOB_CENTERS",
    "N_SAMPLES",
    "TEST_SIZE",
    "blobs",
    "circles",
    "make_dataset",
    "make_spiral",
    "moons",
    "noisy_moons",
    "spiral",
    "split_and_standardize",
]
