"""How the atlas's batch size, epochs and learning rates were chosen: the sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.atlas._tasks import _cached_dataset, _map, _names, _pairs
from mytorch.atlas.experiment import ACTIVATIONS, OPTIMIZERS, run_experiment

__all__ = [
    "LR_GRID",
    "SCHEDULES",
    "SWEEP_COLUMNS",
    "SWEEP_DRAWS",
    "SWEEP_FILE",
    "choose_settings",
    "load_sweep",
    "sweep_learning_rates",
    "sweep_scores",
]

#: The learning rates tried per optimizer by :func:`sweep_learning_rates`: a
#: factor of 2 apart, over a range wide enough that the chosen rate lies
#: inside it, not at an end (the largest rates make some runs collapse).
LR_GRID = {
    "sgd": (0.8, 0.4, 0.2, 0.1, 0.05, 0.025),
    "rmsprop": (0.16, 0.08, 0.04, 0.02, 0.01, 0.005),
    "adam": (0.16, 0.08, 0.04, 0.02, 0.01, 0.005),
}
#: The ``(batch_size, epochs)`` pairs tried by the sweep, about 600 optimizer
#: steps each on 750 training points (600 and 640), the atlas's time budget.
SCHEDULES = ((50, 40), (100, 80))
#: The draws the sweep validates on, as ``(random_state, seed)``: other points,
#: another split and another initialisation than the atlas's ``(0, 0)``.
SWEEP_DRAWS = ((1, 1), (2, 2), (3, 3))
#: The sweep's table as :func:`sweep_learning_rates` returns it, stored with
#: the package (``python -m mytorch.atlas --sweep --out DIR`` recomputes it).
#: The value is the installed file's path (hidden in the API reference: it
#: would show the path on the machine that built the book).
#:
#: :meta hide-value:
SWEEP_FILE = Path(__file__).parent / "data" / "atlas_sweep.csv"


#: The columns of :func:`sweep_learning_rates`'s table.
SWEEP_COLUMNS = [
    "batch_size",
    "epochs",
    "optimizer",
    "lr",
    "dataset",
    "random_state",
    "seed",
    "activation",
    "test_accuracy",
]


def _sweep_task(name, random_state, optimizer, activation, lr, kwargs):
    # The largest rates diverge on purpose (that is what brackets the
    # choice): their overflows are expected, and end as chance accuracy.
    with np.errstate(over="ignore", invalid="ignore"):
        result = run_experiment(
            _cached_dataset(name, random_state), optimizer, activation, lr=lr, **kwargs
        )
    return {
        "batch_size": result.batch_size,
        "epochs": result.epochs,
        "optimizer": optimizer,
        "lr": lr,
        "dataset": name,
        "random_state": random_state,
        "seed": result.seed,
        "activation": activation,
        "test_accuracy": result.test_accuracy,
    }


def sweep_learning_rates(
    grid=None,
    schedules=SCHEDULES,
    draws=SWEEP_DRAWS,
    dataset_names=tuple(datasets.DATASETS),
    activations=tuple(ACTIVATIONS),
    *,
    progress: bool = True,
    n_jobs: int = 1,
    **kwargs,
) -> pd.DataFrame:
    """Train every configuration of the atlas at every rate of ``grid`` on validation
    draws.

    How the atlas's batch size, epochs and learning rates were chosen. Each
    run is one (schedule, optimizer, rate, dataset, draw, activation): a
    schedule is a ``(batch_size, epochs)`` pair, a draw a ``(random_state,
    seed)`` pair, where ``random_state`` draws the points and the split
    (:func:`mytorch.datasets.tasks.make_dataset`) and ``seed`` the initialisation
    and the minibatches. The default draws, 1, 2 and 3, are not the atlas's 0, so the
    atlas's test sets play no part in the choice; :func:`sweep_scores` and
    :func:`choose_settings` turn the table into the choice.

    ``kwargs`` (e.g. ``hidden``) go to :func:`~mytorch.atlas.experiment.run_experiment`.
    The full sweep is 2160 runs (several minutes on two processes); its table
    is stored in :data:`SWEEP_FILE` (:func:`load_sweep`).

    Returns
    -------
    DataFrame
        The :data:`SWEEP_COLUMNS`, one row per run.
    """
    grid = LR_GRID if grid is None else grid
    _names("grid", list(grid), OPTIMIZERS)
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    activations = _names("activations", activations, ACTIVATIONS)
    schedules = _pairs("schedules", schedules)
    draws = _pairs("draws", draws)
    tasks = [
        (
            d,
            random_state,
            o,
            a,
            lr,
            {"batch_size": batch_size, "epochs": epochs, "seed": seed, **kwargs},
        )
        for batch_size, epochs in schedules
        for o, lrs in grid.items()
        for lr in lrs
        for d in dataset_names
        for random_state, seed in draws
        for a in activations
    ]
    check_int("sweep_learning_rates", "n_jobs", n_jobs)
    rows = _map(_sweep_task, tasks, n_jobs=n_jobs, desc="sweep", progress=progress)
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def load_sweep(path=SWEEP_FILE) -> pd.DataFrame:
    """The stored table of :func:`sweep_learning_rates` (default arguments)."""
    return pd.read_csv(path)


def sweep_scores(sweep: pd.DataFrame) -> pd.Series:
    """The sweep's score of each (schedule, optimizer, rate): worst activation, mean
    task.

    For every dataset and draw, the *worst* test accuracy over the
    activations, since one rate must serve all of them: a rate that is the
    best for three activations but makes the fourth collapse scores low.
    The score is the mean of those worst cases over the datasets and draws.

    Returns
    -------
    Series
        Indexed by ``(batch_size, epochs, optimizer, lr)``.
    """
    per_task = [
        "batch_size",
        "epochs",
        "optimizer",
        "lr",
        "dataset",
        "random_state",
        "seed",
    ]
    worst = sweep.groupby(per_task, sort=False).test_accuracy.min()
    return worst.groupby(
        level=["batch_size", "epochs", "optimizer", "lr"], sort=False
    ).mean()


def choose_settings(sweep: pd.DataFrame) -> dict:
    """The schedule and the learning rate per optimizer that the sweep picks.

    For each schedule and optimizer, the rate with the best
    :func:`sweep_scores` (the first of the grid on a tie); then the schedule
    whose three best scores have the best mean.

    Returns
    -------
    dict
        ``{"batch_size": int, "epochs": int, "lr": {optimizer: rate}}``.
    """
    scores = sweep_scores(sweep)
    best = scores.groupby(level=["batch_size", "epochs", "optimizer"], sort=False)
    best_score, best_lr = best.max(), best.idxmax().map(lambda key: key[-1])
    by_schedule = best_score.groupby(level=["batch_size", "epochs"], sort=False).mean()
    batch_size, epochs = by_schedule.idxmax()
    lrs = best_lr[batch_size, epochs]
    return {
        "batch_size": int(batch_size),
        "epochs": int(epochs),
        "lr": {o: float(lrs[o]) for o in OPTIMIZERS if o in lrs},
    }
