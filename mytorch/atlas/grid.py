"""The atlas itself: every dataset x optimizer x activation, 60 seeded runs."""

from __future__ import annotations

import pandas as pd

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.atlas._tasks import _cached_dataset, _map, _names
from mytorch.atlas.experiment import (
    ACTIVATIONS,
    OPTIMIZERS,
    ExperimentResult,
    run_experiment,
)

__all__ = ["COLUMNS", "atlas_table", "run_atlas"]

#: The key columns shared by ``atlas.csv`` and ``baseline.csv``.
COLUMNS = [
    "dataset",
    "optimizer",
    "activation",
    "train_loss",
    "train_accuracy",
    "test_accuracy",
    "epochs",
    "seconds",
]


def _atlas_task(name, random_state, optimizer, activation, kwargs):
    return run_experiment(
        _cached_dataset(name, random_state), optimizer, activation, **kwargs
    )


def run_atlas(
    dataset_names=tuple(datasets.DATASETS),
    optimizers=tuple(OPTIMIZERS),
    activations=tuple(ACTIVATIONS),
    *,
    random_state: int = 0,
    progress: bool = True,
    n_jobs: int = 1,
    **kwargs,
) -> dict[tuple[str, str, str], ExperimentResult]:
    """Run every (dataset, optimizer, activation) combination.

    ``kwargs`` (``epochs``, ``batch_size``, ``hidden``, ``seed``) go to
    :func:`~mytorch.atlas.experiment.run_experiment` unchanged, for every run.
    ``random_state`` draws the datasets
    (:func:`mytorch.datasets.tasks.make_dataset`; the atlas's is 0). ``n_jobs``
    worker processes share the runs through
    joblib, or the backend that ``joblib.parallel_config`` sets (a Dask
    cluster, say); the numbers depend on neither. A progress bar goes to
    stderr when ``progress`` is true.

    Returns
    -------
    dict
        ``(dataset, optimizer, activation) -> ExperimentResult``, in the
        order datasets, then optimizers, then activations.
    """
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    optimizers = _names("optimizers", optimizers, OPTIMIZERS)
    activations = _names("activations", activations, ACTIVATIONS)
    check_int("run_atlas", "n_jobs", n_jobs)
    configs = [
        (d, o, a) for d in dataset_names for o in optimizers for a in activations
    ]
    results = _map(
        _atlas_task,
        [(d, random_state, o, a, kwargs) for d, o, a in configs],
        n_jobs=n_jobs,
        desc="atlas",
        progress=progress,
    )
    return dict(zip(configs, results))


def atlas_table(results) -> pd.DataFrame:
    """The results as a DataFrame, one row per experiment (``ExperimentResult.row``)."""
    return pd.DataFrame([r.row() for r in results.values()])
