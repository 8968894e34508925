"""Both libraries on fresh draws of the tasks: mytorch against scikit-learn."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.atlas._tasks import _map, _names, _pairs
from mytorch.atlas.baseline import (
    SKLEARN_ACTIVATIONS,
    SKLEARN_SOLVERS,
    _baseline_task,
)
from mytorch.atlas.grid import _atlas_task

__all__ = [
    "COMPARISON_COLUMNS",
    "COMPARISON_DRAWS",
    "COMPARISON_FILE",
    "compare_with_baseline",
    "load_comparison",
]

#: The draws on which :func:`compare_with_baseline` compares the two libraries, as
#: ``(random_state, seed)``: neither the atlas's nor the sweep's, so fresh.
COMPARISON_DRAWS = tuple((r, r) for r in range(4, 12))
#: Its table, stored with the package (``python -m mytorch.atlas --compare --out DIR``
#: recomputes it). As for :data:`~mytorch.atlas.sweep.SWEEP_FILE`, its value is the
#: installed file's path.
#:
#: :meta hide-value:
COMPARISON_FILE = Path(__file__).parent / "data" / "atlas_comparison.csv"
#: The columns of :func:`compare_with_baseline`'s table.
COMPARISON_COLUMNS = [
    "dataset",
    "random_state",
    "seed",
    "optimizer",
    "activation",
    "mytorch",
    "sklearn",
]


def _comparison_task(name, random_state, seed, optimizer, activation, kwargs) -> dict:
    kwargs = dict(kwargs, seed=seed)
    ours = _atlas_task(name, random_state, optimizer, activation, kwargs)
    theirs = _baseline_task(name, random_state, optimizer, activation, kwargs)
    return {
        "dataset": name,
        "random_state": random_state,
        "seed": seed,
        "optimizer": optimizer,
        "activation": activation,
        "mytorch": ours.test_accuracy,
        "sklearn": theirs["test_accuracy"],
    }


def compare_with_baseline(
    draws=COMPARISON_DRAWS,
    dataset_names=tuple(datasets.DATASETS),
    *,
    optimizers=tuple(SKLEARN_SOLVERS),
    activations=tuple(SKLEARN_ACTIVATIONS),
    progress: bool = True,
    n_jobs: int = 1,
    **kwargs,
) -> pd.DataFrame:
    """Test accuracy of mytorch and of scikit-learn on the shared configurations, draw
    by draw.

    For every draw ``(random_state, seed)`` (as in
    :func:`~mytorch.atlas.sweep.sweep_learning_rates`)
    and dataset, the configurations both libraries have
    (``optimizers x activations``, by default all of ``SKLEARN_SOLVERS x
    SKLEARN_ACTIVATIONS``) are trained by
    :func:`~mytorch.atlas.experiment.run_experiment` and by
    :func:`~mytorch.atlas.baseline.sklearn_mlp`
    with the same settings and seed. The default draws, 4 to 11, are neither
    the atlas's nor the sweep's, so nothing was chosen on them. ``kwargs`` go
    to both; ``n_jobs`` and ``progress`` as in
    :func:`~mytorch.atlas.grid.run_atlas`. The full
    comparison is 240 configurations, each trained by both libraries (about
    a minute on two processes); its table is stored in
    :data:`COMPARISON_FILE` (:func:`load_comparison`).

    Returns
    -------
    DataFrame
        The :data:`COMPARISON_COLUMNS`, one row per (draw, dataset, optimizer,
        activation), the two test accuracies side by side.
    """
    draws = _pairs("draws", draws)
    if "seed" in kwargs:
        raise TypeError(
            "compare_with_baseline(seed) is not an argument: each draw is a "
            "(random_state, seed) pair, pass draws=[(random_state, seed), ...]"
        )
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    optimizers = _names("optimizers", optimizers, SKLEARN_SOLVERS)
    activations = _names("activations", activations, SKLEARN_ACTIVATIONS)
    check_int("compare_with_baseline", "n_jobs", n_jobs)
    tasks = [
        (d, random_state, seed, o, a, kwargs)
        for random_state, seed in draws
        for d in dataset_names
        for o in optimizers
        for a in activations
    ]
    rows = _map(
        _comparison_task, tasks, n_jobs=n_jobs, desc="comparison", progress=progress
    )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def load_comparison(path=COMPARISON_FILE) -> pd.DataFrame:
    """The stored table of :func:`compare_with_baseline` (default arguments)."""
    return pd.read_csv(path)
