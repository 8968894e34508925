"""The benchmark atlas: 5 datasets x 3 optimizers x 4 activations = 60 experiments.

Command line (``make atlas`` runs it with ``--out _build/atlas --overwrite``)::

    python -m mytorch.atlas --out DIR

writes

- ``atlas.csv``: one row per experiment (``dataset, optimizer, activation,
  train_loss, train_accuracy, test_accuracy, epochs, seconds`` and the
  configuration: ``hidden, batch_size, lr, seed``);
- ``baseline.csv``: the same tasks through scikit-learn's ``MLPClassifier``
  wherever it has the configuration (optimizers SGD with momentum and Adam,
  activations ReLU, Sigmoid (``logistic``) and Tanh), with the same key
  columns;
- ``grid_<dataset>.png``: a 3 x 4 grid of decision boundaries over the test
  points (rows optimizers, columns activations), test accuracy per panel;
- ``curves_<dataset>.png``: training loss and test accuracy per epoch;
- ``overview.png``: the test accuracy of every experiment in one picture.

With ``--sweep`` it runs :func:`sweep_learning_rates` instead and writes
``sweep.csv`` (the table stored as :data:`SWEEP_FILE`), the procedure that
chose the batch size, the epochs and the learning rates. With ``--compare``
it runs :func:`compare_with_baseline` and writes ``comparison.csv`` (the
table stored as :data:`COMPARISON_FILE`): both libraries on eight other
draws of the tasks.

Beside the results, every run writes :data:`MANIFEST` (``manifest.json``):
the command, the settings and seeds, the versions of Python and of the
packages, the BLAS kernels (threadpoolctl), the machine, the start and end
time (UTC) and the files written. The files appear only once the whole run
has succeeded (written in a hidden folder inside ``--out``, then renamed
into place); an interrupted run (Ctrl-C, exit status 130; SIGTERM, 143)
or a failed one leaves none. A folder that holds another run's results is refused unless
``--overwrite`` is given, which replaces the files that run's manifest
lists, and no others. Every option either applies to the mode chosen or is
refused by the parser (exit status 2).

Every experiment is seeded: two runs write the same numbers, except the
``seconds`` column. The chapter calls the same functions
(:func:`run_atlas`, :func:`atlas_table`, :func:`run_baseline`,
:func:`plot_dataset_grid`, :func:`plot_convergence`).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.experiment import (ACTIVATIONS, BATCH_SIZE, EPOCHS, HIDDEN, OPTIMIZER_DEFAULTS,
                                OPTIMIZERS, ExperimentResult, run_experiment)

__all__ = [
    "COLUMNS",
    "COMPARISON_COLUMNS",
    "COMPARISON_DRAWS",
    "COMPARISON_FILE",
    "LR_GRID",
    "MANIFEST",
    "SCHEDULES",
    "SKLEARN_ACTIVATIONS",
    "SKLEARN_SOLVERS",
    "SWEEP_COLUMNS",
    "SWEEP_DRAWS",
    "SWEEP_FILE",
    "atlas_table",
    "choose_settings",
    "compare_with_baseline",
    "load_comparison",
    "load_sweep",
    "main",
    "plot_convergence",
    "plot_dataset_grid",
    "run_atlas",
    "run_baseline",
    "sklearn_mlp",
    "sweep_learning_rates",
    "sweep_scores",
    "write_figures",
]

#: The key columns shared by ``atlas.csv`` and ``baseline.csv``.
COLUMNS = ["dataset", "optimizer", "activation", "train_loss", "train_accuracy",
           "test_accuracy", "epochs", "seconds"]

#: Our names -> scikit-learn's, for the configurations MLPClassifier has.
SKLEARN_SOLVERS = {"sgd": "sgd", "adam": "adam"}
SKLEARN_ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}


def _names(argument: str, values, choices) -> list[str]:
    values = [values] if isinstance(values, str) else list(values)
    for value in values:
        if value not in choices:
            raise ValueError(f"{argument} must be a subset of {list(choices)}, got {value!r}")
    if not values:
        raise ValueError(f"{argument} must name at least one of {list(choices)}, got none")
    if len(set(values)) < len(values):
        raise ValueError(f"{argument} must name each choice at most once, got {values!r}")
    return values


@functools.lru_cache(maxsize=None)
def _load(name: str, random_state: int = 0) -> datasets.Dataset:
    # Each worker process loads a dataset once, not once per experiment.
    return datasets.load(name, random_state=random_state)


def _pairs(argument: str, values) -> list[tuple]:
    pairs = [tuple(value) for value in values]
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{argument} must be a non-empty list of pairs, got {pairs!r}")
    return pairs


def _worker_signals():
    # Ctrl-C in a terminal reaches every process of its group. The parent
    # alone answers it (it drops the queued tasks and re-raises), so a
    # worker neither prints a traceback of its own nor has the interrupt
    # swallowed inside a fit (scikit-learn's MLPClassifier catches it).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The command line's SIGTERM handler is the parent's alone, too.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _signals_held():
    """Drop further Ctrl-C and SIGTERM while the block cleans up after the first one.

    A second signal must not cut the cleanup short: a pool abandoned halfway
    leaves its workers waiting forever. Only the main thread sets handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(signum, lambda *_: None) for signum in held]
    try:
        yield
    finally:
        for signum, handler in zip(held, previous):
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _map(function, tasks, *, n_jobs: int, desc: str, progress: bool) -> list:
    """``[function(*task) for task in tasks]``, on ``n_jobs`` processes, with a progress bar.

    Every task seeds itself, so the results do not depend on ``n_jobs``
    or on the order in which the workers finish. The first failure, or
    Ctrl-C, cancels the tasks not yet started and is raised at once.
    """
    from tqdm import tqdm  # text bar on stderr, also inside a notebook

    with tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress,
              file=sys.stderr, leave=False) as bar:
        if n_jobs == 1:
            results = []
            for task in tasks:
                results.append(function(*task))
                bar.update()
            return results
        with ProcessPoolExecutor(max_workers=n_jobs, initializer=_worker_signals) as pool:
            futures = [pool.submit(function, *task) for task in tasks]
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.update()
            except BaseException:
                with _signals_held():
                    pool.shutdown(cancel_futures=True)
                raise
            return [future.result() for future in futures]


def _atlas_task(name, random_state, optimizer, activation, kwargs):
    return run_experiment(_load(name, random_state), optimizer, activation, **kwargs)


def run_atlas(dataset_names=tuple(datasets.DATASETS), optimizers=tuple(OPTIMIZERS),
              activations=tuple(ACTIVATIONS), *, random_state: int = 0, progress: bool = True,
              n_jobs: int = 1, **kwargs) -> dict[tuple[str, str, str], ExperimentResult]:
    """Run every (dataset, optimizer, activation) combination.

    ``kwargs`` (``epochs``, ``batch_size``, ``hidden``, ``seed``) go to
    :func:`~mytorch.experiment.run_experiment` unchanged, for every run.
    ``random_state`` draws the datasets (:func:`mytorch.datasets.load`; the
    atlas's is 0). ``n_jobs`` worker processes share the runs (the numbers
    do not depend on it). A progress bar goes to stderr when ``progress``
    is true.

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
    configs = [(d, o, a) for d in dataset_names for o in optimizers for a in activations]
    results = _map(_atlas_task, [(d, random_state, o, a, kwargs) for d, o, a in configs],
                   n_jobs=n_jobs, desc="atlas", progress=progress)
    return dict(zip(configs, results))


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
SWEEP_FILE = Path(__file__).with_name("atlas_sweep.csv")
#: The draws on which :func:`compare_with_baseline` compares the two libraries, as
#: ``(random_state, seed)``: neither the atlas's nor the sweep's, so fresh.
COMPARISON_DRAWS = tuple((r, r) for r in range(4, 12))
#: Its table, stored with the package (``python -m mytorch.atlas --compare --out DIR``
#: recomputes it). As for :data:`SWEEP_FILE`, its value is the installed file's path.
#:
#: :meta hide-value:
COMPARISON_FILE = Path(__file__).with_name("atlas_comparison.csv")
#: The columns of :func:`compare_with_baseline`'s table.
COMPARISON_COLUMNS = ["dataset", "random_state", "seed", "optimizer", "activation",
                      "mytorch", "sklearn"]
#: The columns of :func:`sweep_learning_rates`'s table.
SWEEP_COLUMNS = ["batch_size", "epochs", "optimizer", "lr", "dataset", "random_state", "seed",
                 "activation", "test_accuracy"]


def _sweep_task(name, random_state, optimizer, activation, lr, kwargs):
    # The largest rates diverge on purpose (that is what brackets the
    # choice): their overflows are expected, and end as chance accuracy.
    with np.errstate(over="ignore", invalid="ignore"):
        result = run_experiment(_load(name, random_state), optimizer, activation,
                                lr=lr, **kwargs)
    return {"batch_size": result.batch_size, "epochs": result.epochs, "optimizer": optimizer,
            "lr": lr, "dataset": name, "random_state": random_state, "seed": result.seed,
            "activation": activation, "test_accuracy": result.test_accuracy}


def sweep_learning_rates(grid=None, schedules=SCHEDULES, draws=SWEEP_DRAWS,
                         dataset_names=tuple(datasets.DATASETS),
                         activations=tuple(ACTIVATIONS), *, progress: bool = True,
                         n_jobs: int = 1, **kwargs) -> pd.DataFrame:
    """Train every configuration of the atlas at every rate of ``grid`` on validation draws.

    How the atlas's batch size, epochs and learning rates were chosen. Each
    run is one (schedule, optimizer, rate, dataset, draw, activation): a
    schedule is a ``(batch_size, epochs)`` pair, a draw a ``(random_state,
    seed)`` pair, where ``random_state`` draws the points and the split
    (:func:`mytorch.datasets.load`) and ``seed`` the initialisation and the
    minibatches. The default draws, 1, 2 and 3, are not the atlas's 0, so the
    atlas's test sets play no part in the choice; :func:`sweep_scores` and
    :func:`choose_settings` turn the table into the choice.

    ``kwargs`` (e.g. ``hidden``) go to :func:`~mytorch.experiment.run_experiment`.
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
    tasks = [(d, random_state, o, a, lr,
              {"batch_size": batch_size, "epochs": epochs, "seed": seed, **kwargs})
             for batch_size, epochs in schedules for o, lrs in grid.items() for lr in lrs
             for d in dataset_names for random_state, seed in draws for a in activations]
    check_int("sweep_learning_rates", "n_jobs", n_jobs)
    rows = _map(_sweep_task, tasks, n_jobs=n_jobs, desc="sweep",
                progress=progress)
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def load_sweep(path=SWEEP_FILE) -> pd.DataFrame:
    """The stored table of :func:`sweep_learning_rates` (default arguments)."""
    return pd.read_csv(path)


def sweep_scores(sweep: pd.DataFrame) -> pd.Series:
    """The sweep's score of each (schedule, optimizer, rate): worst activation, mean task.

    For every dataset and draw, the *worst* test accuracy over the
    activations, since one rate must serve all of them: a rate that is the
    best for three activations but makes the fourth collapse scores low.
    The score is the mean of those worst cases over the datasets and draws.

    Returns
    -------
    Series
        Indexed by ``(batch_size, epochs, optimizer, lr)``.
    """
    per_task = ["batch_size", "epochs", "optimizer", "lr", "dataset", "random_state", "seed"]
    worst = sweep.groupby(per_task, sort=False).test_accuracy.min()
    return worst.groupby(level=["batch_size", "epochs", "optimizer", "lr"], sort=False).mean()


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
    return {"batch_size": int(batch_size), "epochs": int(epochs),
            "lr": {o: float(lrs[o]) for o in OPTIMIZERS if o in lrs}}


def atlas_table(results) -> pd.DataFrame:
    """The results as a DataFrame, one row per experiment (``ExperimentResult.row``)."""
    return pd.DataFrame([r.row() for r in results.values()])


def sklearn_mlp(optimizer: str, activation: str, *, hidden=HIDDEN, epochs=EPOCHS,
                batch_size=BATCH_SIZE, seed=0):
    """scikit-learn's ``MLPClassifier`` configured like :func:`~mytorch.experiment.run_experiment`.

    Same architecture, epochs, batch size, learning rate and optimizer
    hyperparameters; no L2 penalty (``alpha=0``, scikit-learn's default is
    1e-4), heavy-ball momentum (``nesterovs_momentum=False``), a constant
    learning rate, reshuffled minibatches, and a stopping rule that never
    fires (``n_iter_no_change`` larger than ``epochs``), so every run lasts
    exactly ``epochs`` epochs. Raises ``ValueError`` for the configurations
    scikit-learn does not have (RMSprop, GELU).
    """
    from sklearn.neural_network import MLPClassifier

    if optimizer not in SKLEARN_SOLVERS:
        raise ValueError(f"optimizer must be one of {list(SKLEARN_SOLVERS)} for scikit-learn, "
                         f"got {optimizer!r}")
    if activation not in SKLEARN_ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(SKLEARN_ACTIVATIONS)} for "
                         f"scikit-learn, got {activation!r}")
    hp = OPTIMIZER_DEFAULTS[optimizer]
    if optimizer == "sgd":
        solver = {"momentum": hp["momentum"], "nesterovs_momentum": False}
    else:
        solver = {"beta_1": hp["betas"][0], "beta_2": hp["betas"][1], "epsilon": hp["eps"]}
    return MLPClassifier(
        hidden_layer_sizes=tuple(hidden), activation=SKLEARN_ACTIVATIONS[activation],
        solver=SKLEARN_SOLVERS[optimizer], alpha=0.0, batch_size=batch_size,
        learning_rate="constant", learning_rate_init=hp["lr"], max_iter=epochs,
        shuffle=True, random_state=seed, tol=0.0, n_iter_no_change=epochs + 1,
        early_stopping=False, **solver,
    )


#: What scikit-learn's ``MLPClassifier.fit`` warns when it has caught Ctrl-C
#: (``KeyboardInterrupt``) and returned early, with a model trained part of the way.
_SKLEARN_INTERRUPTED = "Training interrupted by user."


def _fit_sklearn(clf, X, y):
    """``clf.fit(X, y)``, raising the ``KeyboardInterrupt`` that scikit-learn swallows.

    Every run stops at ``max_iter`` on purpose (the same epochs as ours), so
    the ``ConvergenceWarning`` is expected and silenced; other warnings are
    passed on. A fit that ends before ``max_iter`` for any other reason
    raises ``RuntimeError``: its numbers would not be the baseline's.
    """
    from sklearn.exceptions import ConvergenceWarning

    # One BLAS thread, as in the atlas.
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    for warning in caught:
        if str(warning.message) == _SKLEARN_INTERRUPTED:
            raise KeyboardInterrupt(f"MLPClassifier.fit was interrupted after {clf.n_iter_} "
                                    f"of {clf.max_iter} epochs")
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    if clf.n_iter_ != clf.max_iter:
        raise RuntimeError(f"MLPClassifier.fit stopped after {clf.n_iter_} epochs: expected "
                           f"max_iter={clf.max_iter}, as its stopping rule never fires")
    return clf


def _baseline_task(name, random_state, optimizer, activation, kwargs) -> dict:
    from sklearn.metrics import log_loss

    data = _load(name, random_state)
    clf = sklearn_mlp(optimizer, activation, **kwargs)
    start = time.perf_counter()
    _fit_sklearn(clf, data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    return {
        "dataset": name, "optimizer": optimizer, "activation": activation,
        "train_loss": float(log_loss(data.y_train, clf.predict_proba(data.X_train),
                                     labels=np.arange(data.n_classes))),
        "train_accuracy": float(clf.score(data.X_train, data.y_train)),
        "test_accuracy": float(clf.score(data.X_test, data.y_test)),
        "epochs": int(clf.n_iter_), "seconds": seconds,
    }


def run_baseline(dataset_names=tuple(datasets.DATASETS), optimizers=tuple(SKLEARN_SOLVERS),
                 activations=tuple(SKLEARN_ACTIVATIONS), *, random_state: int = 0,
                 progress: bool = True, n_jobs: int = 1, **kwargs) -> pd.DataFrame:
    """Train scikit-learn's ``MLPClassifier`` on the configurations it supports.

    ``optimizers`` and ``activations`` are subsets of the ones scikit-learn
    has (``SKLEARN_SOLVERS`` and ``SKLEARN_ACTIVATIONS``, the defaults).
    ``kwargs`` (``epochs``, ``batch_size``, ``hidden``, ``seed``) go to
    :func:`sklearn_mlp`; ``random_state``, ``n_jobs`` and ``progress`` as in
    :func:`run_atlas`.

    Returns
    -------
    DataFrame
        The :data:`COLUMNS`, one row per (dataset, optimizer, activation);
        ``train_loss`` is the mean cross-entropy on the whole training set
        after training, as in the atlas.
    """
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    optimizers = _names("optimizers", optimizers, SKLEARN_SOLVERS)
    activations = _names("activations", activations, SKLEARN_ACTIVATIONS)
    check_int("run_baseline", "n_jobs", n_jobs)
    configs = [(d, o, a) for d in dataset_names for o in optimizers for a in activations]
    rows = _map(_baseline_task, [(d, random_state, o, a, kwargs) for d, o, a in configs],
                n_jobs=n_jobs, desc="baseline", progress=progress)
    return pd.DataFrame(rows, columns=COLUMNS)


def _comparison_task(name, random_state, seed, optimizer, activation, kwargs) -> dict:
    kwargs = dict(kwargs, seed=seed)
    ours = _atlas_task(name, random_state, optimizer, activation, kwargs)
    theirs = _baseline_task(name, random_state, optimizer, activation, kwargs)
    return {"dataset": name, "random_state": random_state, "seed": seed, "optimizer": optimizer,
            "activation": activation, "mytorch": ours.test_accuracy,
            "sklearn": theirs["test_accuracy"]}


def compare_with_baseline(draws=COMPARISON_DRAWS, dataset_names=tuple(datasets.DATASETS), *,
                          optimizers=tuple(SKLEARN_SOLVERS), activations=tuple(SKLEARN_ACTIVATIONS),
                          progress: bool = True, n_jobs: int = 1, **kwargs) -> pd.DataFrame:
    """Test accuracy of mytorch and of scikit-learn on the shared configurations, draw by draw.

    For every draw ``(random_state, seed)`` (as in :func:`sweep_learning_rates`)
    and dataset, the configurations both libraries have
    (``optimizers x activations``, by default all of ``SKLEARN_SOLVERS x
    SKLEARN_ACTIVATIONS``) are trained by
    :func:`~mytorch.experiment.run_experiment` and by :func:`sklearn_mlp`
    with the same settings and seed. The default draws, 4 to 11, are neither
    the atlas's nor the sweep's, so nothing was chosen on them. ``kwargs`` go
    to both; ``n_jobs`` and ``progress`` as in :func:`run_atlas`. The full
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
        raise TypeError("compare_with_baseline(seed) is not an argument: each draw is a "
                        "(random_state, seed) pair, pass draws=[(random_state, seed), ...]")
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    optimizers = _names("optimizers", optimizers, SKLEARN_SOLVERS)
    activations = _names("activations", activations, SKLEARN_ACTIVATIONS)
    check_int("compare_with_baseline", "n_jobs", n_jobs)
    tasks = [(d, random_state, seed, o, a, kwargs) for random_state, seed in draws
             for d in dataset_names for o in optimizers for a in activations]
    rows = _map(_comparison_task, tasks, n_jobs=n_jobs, desc="comparison", progress=progress)
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def load_comparison(path=COMPARISON_FILE) -> pd.DataFrame:
    """The stored table of :func:`compare_with_baseline` (default arguments)."""
    return pd.read_csv(path)


def _display(name: str) -> str:
    if name in OPTIMIZERS:
        return OPTIMIZERS[name][1]
    return ACTIVATIONS[name][2]


def _present(results, dataset: str):
    """The optimizers and activations run on ``dataset``, in run order."""
    keys = [k for k in results if k[0] == dataset]
    if not keys:
        raise ValueError(f"dataset must be one of {sorted({k[0] for k in results})}, "
                         f"got {dataset!r}")
    optimizers = list(dict.fromkeys(k[1] for k in keys))
    activations = list(dict.fromkeys(k[2] for k in keys))
    return optimizers, activations


def plot_dataset_grid(results, dataset: str, *, resolution: int = 150, panel_size: float = 2.2):
    """The decision boundaries of one dataset's runs: rows activations, columns optimizers.

    Each panel shows the regions shaded by the network's confidence, the test
    points (the misclassified ones ringed) and the test accuracy. Three panels
    a row keep them large enough to read at book width. Returns the Figure.
    """
    from mytorch.plotting import decision_grid

    optimizers, activations = _present(results, dataset)
    data = datasets.load(dataset)
    models = [[results[dataset, o, a].model for o in optimizers] for a in activations]
    notes = [[f"test {results[dataset, o, a].test_accuracy:.3f}" for o in optimizers]
             for a in activations]
    return decision_grid(models, data.X_test, data.y_test, n_classes=data.n_classes,
                         row_labels=[_display(a) for a in activations],
                         col_labels=[_display(o) for o in optimizers],
                         notes=notes, resolution=resolution, panel_size=panel_size)


def plot_convergence(results, dataset: str, *, panel_size: float = 2.2):
    """Training loss (top) and test accuracy (bottom) per epoch for one dataset.

    One column per optimizer, one line per activation. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from mytorch.plotting import convergence_curves

    optimizers, activations = _present(results, dataset)
    fig, axes = plt.subplots(2, len(optimizers), squeeze=False, sharex=True, sharey="row",
                             figsize=(panel_size * len(optimizers) + 0.6, 2 * panel_size * 0.8))
    for j, optimizer in enumerate(optimizers):
        histories = {_display(a): results[dataset, optimizer, a].history for a in activations}
        convergence_curves(histories, axes[0, j], metric="train_loss",
                           title=_display(optimizer), legend=False)
        convergence_curves(histories, axes[1, j], metric="test_accuracy", legend=False)
        axes[0, j].set_xlabel("")
        if j > 0:
            axes[0, j].set_ylabel("")
            axes[1, j].set_ylabel("")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=8)
    fig.suptitle(dataset.replace("_", " "), x=0.02, ha="left")
    fig.tight_layout(pad=0.4, rect=(0, 0, 1, 0.93))
    return fig


def plot_overview(results):
    """The whole atlas in one picture: test accuracy of every run.

    Rows are datasets, columns optimizer and activation pairs (grouped by
    optimizer); each cell is coloured and labelled with the test accuracy.
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(k[0] for k in results))
    pairs = list(dict.fromkeys((k[1], k[2]) for k in results))
    accuracy = np.array([[results[d, o, a].test_accuracy if (d, o, a) in results else np.nan
                          for o, a in pairs] for d in names])
    fig, ax = plt.subplots(figsize=(0.62 * len(pairs) + 1.6, 0.5 * len(names) + 1.3))
    image = ax.imshow(accuracy, cmap="viridis", vmin=np.nanmin(accuracy), vmax=1.0, aspect="auto")
    for (i, j), value in np.ndenumerate(accuracy):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="black" if value > 0.5 * (np.nanmin(accuracy) + 1) else "white")
    ax.set_xticks(range(len(pairs)), [_display(a) for _, a in pairs], rotation=60, fontsize=8)
    ax.set_yticks(range(len(names)), [_display_dataset(d) for d in names], fontsize=8)
    for j in range(len(pairs)):
        if j == 0 or pairs[j][0] != pairs[j - 1][0]:
            span = sum(o == pairs[j][0] for o, _ in pairs)
            ax.text(j + (span - 1) / 2, -0.75, _display(pairs[j][0]), ha="center",
                    va="bottom", fontsize=9)
            if j:
                ax.axvline(j - 0.5, color="white", linewidth=2)
    ax.grid(False)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="test accuracy")
    fig.tight_layout()
    return fig


def _display_dataset(name: str) -> str:
    return name.replace("_", " ")


def _figure_task(prefix, results, dataset, path, dpi):
    import matplotlib.pyplot as plt

    from mytorch.plotting import book_style

    book_style()
    if prefix == "overview":
        fig = plot_overview(results)
    else:
        plot = plot_dataset_grid if prefix == "grid" else plot_convergence
        fig = plot(results, dataset)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def write_figures(results, out, *, dpi: int = 80, n_jobs: int = 1,
                  progress: bool = False) -> list[Path]:
    """Save ``overview.png``, and ``grid_<dataset>.png`` and ``curves_<dataset>.png``
    for every dataset in ``results``, into the folder ``out``."""
    out = Path(out)
    tasks = [("overview", results, None, out / "overview.png", dpi)]
    for dataset in dict.fromkeys(k[0] for k in results):
        # Each task gets only its dataset's runs (less to send to a worker).
        subset = {k: r for k, r in results.items() if k[0] == dataset}
        for prefix in ("grid", "curves"):
            tasks.append((prefix, subset, dataset, out / f"{prefix}_{dataset}.png", dpi))
    check_int("write_figures", "n_jobs", n_jobs)
    return _map(_figure_task, tasks, n_jobs=n_jobs, desc="figures",
                progress=progress)


#: The file written beside the results of every command-line run. It says what
#: ran, on what, and which files the run wrote (those that ``--overwrite``
#: removes when a later run replaces it).
MANIFEST = "manifest.json"
# The names of the files a command-line run writes, besides the manifest.
_RESULT_FILES = re.compile(r"(atlas|baseline|sweep|comparison)\.csv|overview\.png"
                          r"|(grid|curves)_\w+\.png")
_PROG = "python -m mytorch.atlas"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Run the benchmark atlas (datasets x optimizers x activations), "
                    "the scikit-learn baseline, and write CSVs and figures; or, with "
                    "--sweep, the sweep that chose the atlas's settings; or, with --compare, "
                    "both libraries on other draws of the tasks. Every file appears only "
                    f"once the whole run has succeeded, beside {MANIFEST} (the command, "
                    "settings, seeds, package versions, BLAS, machine, start and end time "
                    "and the files written). Ctrl-C stops the run with exit status 130 "
                    "(SIGTERM: 143) and leaves nothing.")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder (created if needed); one that holds another "
                             "run's results is refused unless --overwrite is given")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run that --out holds: once the new run has "
                             f"succeeded, the files the earlier {MANIFEST} lists (and nothing "
                             "else) are removed before the new ones are moved in")
    parser.add_argument("--datasets", nargs="+", choices=list(datasets.DATASETS),
                        metavar="NAME", help=f"subset of {list(datasets.DATASETS)} "
                                             "(default: all)")
    parser.add_argument("--optimizers", nargs="+", choices=list(OPTIMIZERS), metavar="NAME",
                        help=f"subset of {list(OPTIMIZERS)} (default: all; with --compare "
                             f"and in the baseline, those of {list(SKLEARN_SOLVERS)})")
    parser.add_argument("--activations", nargs="+", choices=list(ACTIVATIONS), metavar="NAME",
                        help=f"subset of {list(ACTIVATIONS)} (default: all; with --compare "
                             f"and in the baseline, those of {list(SKLEARN_ACTIVATIONS)})")
    parser.add_argument("--epochs", type=int,
                        help=f"epochs per run (default: {EPOCHS}; not with --sweep, whose "
                             "schedules set their own)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: up to 2; the numbers do not "
                             "depend on it)")
    instead = parser.add_mutually_exclusive_group()
    instead.add_argument("--sweep", action="store_true",
                         help="instead of the atlas, run the learning-rate sweep on the "
                              "validation draws and write sweep.csv (2160 runs in full)")
    instead.add_argument("--compare", action="store_true",
                         help="instead of the atlas, compare mytorch with scikit-learn on the "
                              "fresh draws 4 to 11 and write comparison.csv (240 runs of each "
                              "library in full)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip scikit-learn (atlas only)")
    parser.add_argument("--no-figures", action="store_true",
                        help="skip the PNG figures (atlas only)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _settings(parser, args) -> dict:
    """What the run will do, every flag checked against the mode (``parser.error`` if not)."""
    mode = "sweep" if args.sweep else "compare" if args.compare else "atlas"
    # What each mode has no use for: refused rather than silently ignored.
    unused = {"sweep": {"epochs": "the sweep's schedules set the epochs",
                        "no_baseline": "the sweep runs no scikit-learn",
                        "no_figures": "the sweep draws no figures"},
              "compare": {"no_baseline": "the comparison is the baseline",
                          "no_figures": "the comparison draws no figures"}}
    for dest, reason in unused.get(mode, {}).items():
        if getattr(args, dest) not in (None, False):
            parser.error(f"argument --{dest.replace('_', '-')}: not allowed with argument "
                         f"--{mode} ({reason})")
    for dest in ("datasets", "optimizers", "activations"):
        values = getattr(args, dest)
        if values is not None and len(set(values)) < len(values):
            parser.error(f"argument --{dest}: expected each name at most once, "
                         f"got {' '.join(values)}")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")

    settings = {"mode": mode, "datasets": args.datasets or list(datasets.DATASETS)}
    if mode == "compare":
        for dest, sklearn_names in (("optimizers", SKLEARN_SOLVERS),
                                    ("activations", SKLEARN_ACTIVATIONS)):
            other = [name for name in getattr(args, dest) or () if name not in sklearn_names]
            if other:
                parser.error(f"argument --{dest}: with --compare, expected names scikit-learn "
                             f"has too, {list(sklearn_names)}, got {' '.join(other)}")
        settings["optimizers"] = args.optimizers or list(SKLEARN_SOLVERS)
        settings["activations"] = args.activations or list(SKLEARN_ACTIVATIONS)
    else:
        settings["optimizers"] = args.optimizers or list(OPTIMIZERS)
        settings["activations"] = args.activations or list(ACTIVATIONS)
    if mode == "sweep":
        settings.update(schedules=SCHEDULES, hidden=HIDDEN, draws=SWEEP_DRAWS,
                        lr_grid={o: LR_GRID[o] for o in settings["optimizers"]})
        return settings
    settings.update(epochs=args.epochs or EPOCHS, batch_size=BATCH_SIZE, hidden=HIDDEN,
                    optimizer_hyperparameters={o: OPTIMIZER_DEFAULTS[o]
                                               for o in settings["optimizers"]})
    if mode == "compare":
        settings["draws"] = COMPARISON_DRAWS
    else:
        settings.update(random_state=0, seed=0, baseline=not args.no_baseline,
                        figures=not args.no_figures)
    return settings


def _earlier_run(parser, out: Path, overwrite: bool) -> list[Path]:
    """The files of the run that ``out`` holds, if any (``parser.error`` unless ``overwrite``).

    A run's files are those its :data:`MANIFEST` lists, and the manifest.
    """
    if not out.is_dir():
        return []
    found = sorted(p.name for p in out.iterdir()
                   if p.name == MANIFEST or _RESULT_FILES.fullmatch(p.name))
    if not found:
        return []
    if not overwrite:
        parser.error(f"argument --out: expected a folder without another run's results, got "
                     f"{out}, which holds {', '.join(found)} (--overwrite replaces them)")
    if MANIFEST not in found:
        parser.error(f"argument --out: --overwrite removes only the files that {MANIFEST} "
                     f"lists, and {out} holds {', '.join(found)} without one; move them "
                     "away or choose another folder")
    try:
        listed = json.loads((out / MANIFEST).read_text())["files"]
        if not all(isinstance(name, str) and _RESULT_FILES.fullmatch(name) for name in listed):
            raise ValueError(f"unexpected file names {listed!r}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        parser.error(f"argument --out: --overwrite removes only the files that {MANIFEST} "
                     f"lists, and {out / MANIFEST} is not a manifest ({error}); move "
                     f"{', '.join(found)} away or choose another folder")
    unlisted = sorted(set(found) - set(listed) - {MANIFEST})
    if unlisted:
        parser.error(f"argument --out: --overwrite removes only the files that {MANIFEST} "
                     f"lists, and {out} also holds {', '.join(unlisted)}; move them away "
                     "or choose another folder")
    return [out / MANIFEST] + [out / name for name in listed]


def _output_folder(parser, text: str) -> Path:
    """``--out`` as a folder that exists or can be created (``parser.error`` if not)."""
    if not text:
        parser.error("argument --out: expected a folder, got ''")
    out = Path(text)
    try:
        # The nearest existing path: out itself, or the folder it will be created in.
        existing = next(p for p in (out, *out.parents) if p.exists())
        if not existing.is_dir():
            where = "which is" if existing == out else f"which lies under {existing},"
            parser.error(f"argument --out: expected a folder, got {out}, {where} a file")
    except OSError as error:
        parser.error(f"argument --out: expected a folder, got {out} ({error.strerror})")
    return out


class _Staging:
    """A run's files, written in a hidden folder inside ``out`` and moved into place at the end.

    :meth:`commit` removes the earlier run's files (``replaced``) and renames
    the new ones into ``out`` (``os.replace``, atomic on one file system),
    the manifest last; :meth:`discard` leaves ``out`` as it was before the
    run (without the earlier run's files, if commit had begun).
    """

    def __init__(self, out: Path, replaced: list[Path]):
        self.out, self.replaced = out, replaced
        self.created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
        self.committed = []

    def commit(self, manifest: dict) -> list[str]:
        names = sorted(p.name for p in self.folder.iterdir())
        manifest["files"] = names
        (self.folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for path in self.replaced:
            path.unlink(missing_ok=True)
        for name in names + [MANIFEST]:
            os.replace(self.folder / name, self.out / name)
            self.committed.append(self.out / name)
        self.folder.rmdir()
        return names

    def discard(self):
        for path in self.committed:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created and not any(self.out.iterdir()):
            self.out.rmdir()


def _environment() -> dict:
    """Package versions, BLAS kernels and machine, for the manifest."""
    import mytorch

    versions = {"mytorch": mytorch.__version__}
    for package in ("numpy", "scipy", "scikit-learn", "pandas", "matplotlib", "threadpoolctl"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    blas = [{key: info.get(key) for key in ("user_api", "internal_api", "version",
                                            "architecture", "filepath")}
            for info in threadpool_info()]
    processor = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            processor = next((line.split(":", 1)[1].strip() for line in cpuinfo
                              if line.startswith("model name")), processor)
    except OSError:
        pass
    return {"python": platform.python_version(), "platform": platform.platform(),
            "machine": platform.machine(), "processor": processor,
            "cpu_count": os.cpu_count(), "packages": versions, "blas": blas}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _run_sweep(settings, folder, out, *, progress, n_jobs) -> str:
    start = time.perf_counter()
    sweep = sweep_learning_rates(settings["lr_grid"], SCHEDULES, SWEEP_DRAWS,
                                 settings["datasets"], settings["activations"],
                                 progress=progress, n_jobs=n_jobs)
    sweep.to_csv(folder / "sweep.csv", index=False)
    chosen = choose_settings(sweep)
    return (f"{len(sweep)} sweep runs in {time.perf_counter() - start:.1f} s; wrote "
            f"{out / 'sweep.csv'}; chosen: "
            f"batch_size={chosen['batch_size']}, epochs={chosen['epochs']}, "
            + ", ".join(f"{o} lr={lr:g}" for o, lr in chosen["lr"].items()))


def _run_comparison(settings, folder, out, *, progress, n_jobs) -> str:
    start = time.perf_counter()
    comparison = compare_with_baseline(COMPARISON_DRAWS, settings["datasets"],
                                       optimizers=settings["optimizers"],
                                       activations=settings["activations"],
                                       progress=progress, n_jobs=n_jobs,
                                       epochs=settings["epochs"])
    comparison.to_csv(folder / "comparison.csv", index=False)
    means = comparison.groupby("dataset", sort=False)[["mytorch", "sklearn"]].mean()
    return (f"{len(comparison)} configurations of each library in "
            f"{time.perf_counter() - start:.1f} s; wrote {out / 'comparison.csv'}; "
            "mean test accuracy, mytorch / scikit-learn: "
            + ", ".join(f"{name} {row.mytorch:.3f} / {row.sklearn:.3f}"
                        for name, row in means.iterrows()))


def _run_atlas(settings, folder, out, *, progress, n_jobs) -> str:
    import matplotlib
    matplotlib.use("Agg")
    from mytorch.plotting import book_style
    book_style()

    start = time.perf_counter()
    results = run_atlas(settings["datasets"], settings["optimizers"], settings["activations"],
                        progress=progress, n_jobs=n_jobs, epochs=settings["epochs"])
    atlas_table(results).to_csv(folder / "atlas.csv", index=False)
    timings = [f"atlas {time.perf_counter() - start:.1f} s"]
    # The baseline runs the selected configurations that scikit-learn has.
    optimizers = [o for o in settings["optimizers"] if o in SKLEARN_SOLVERS]
    activations = [a for a in settings["activations"] if a in SKLEARN_ACTIVATIONS]
    if settings["baseline"] and optimizers and activations:
        lap = time.perf_counter()
        baseline = run_baseline(settings["datasets"], optimizers, activations,
                                progress=progress, n_jobs=n_jobs, epochs=settings["epochs"])
        baseline.to_csv(folder / "baseline.csv", index=False)
        timings.append(f"baseline {time.perf_counter() - lap:.1f} s")
    elif settings["baseline"]:
        timings.append("no baseline: scikit-learn has none of these configurations")
    if settings["figures"]:
        lap = time.perf_counter()
        write_figures(results, folder, n_jobs=n_jobs, progress=progress)
        timings.append(f"figures {time.perf_counter() - lap:.1f} s")
    return (f"{len(results)} experiments in {time.perf_counter() - start:.1f} s "
            f"({', '.join(timings)}); wrote {len(list(folder.iterdir()))} files to {out}")


class _Terminated(BaseException):
    """SIGTERM during a command-line run: stop, and clean up as on Ctrl-C."""


def main(argv=None) -> int:
    """Command-line entry point: ``python -m mytorch.atlas --out DIR [--sweep | --compare]``.

    Messages and progress bars go to stderr, results to files in ``--out``.
    Returns the exit status: 0, or 130 when interrupted (Ctrl-C), 143 when
    terminated (SIGTERM), as shells report them; the parser's errors exit
    with status 2.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    settings = _settings(parser, args)
    out = _output_folder(parser, args.out)
    replaced = _earlier_run(parser, out, args.overwrite)
    started = _now()
    try:
        staging = _Staging(out, replaced)
    except OSError as error:
        parser.error(f"argument --out: expected a folder we can write to, got {out} "
                     f"({error.strerror})")
    run = {"atlas": _run_atlas, "sweep": _run_sweep, "compare": _run_comparison}
    received = []

    def stop(signum, frame):
        # The first Ctrl-C or SIGTERM stops the run, which then cleans up: a
        # second must not cut that short (a pool abandoned halfway leaves its
        # workers waiting forever), so it is ignored.
        received.append(signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else _Terminated

    # Signal handlers can only be set from the main thread; a signal ignored
    # from the start (a background job's Ctrl-C) stays ignored.
    handled = [signum for signum in (signal.SIGINT, signal.SIGTERM)
               if threading.current_thread() is threading.main_thread()
               and signal.getsignal(signum) is not signal.SIG_IGN]
    previous = [signal.signal(signum, stop) for signum in handled]
    try:
        summary = run[settings["mode"]](settings, staging.folder, out, progress=not args.quiet,
                                        n_jobs=args.jobs)
        if received:
            # Some code caught the signal's exception and carried on, as
            # MLPClassifier.fit does: the run was stopped all the same.
            raise KeyboardInterrupt
        manifest = {"command": shlex.join([*_PROG.split(), *argv]), "settings": settings,
                    "started": started, "finished": _now(), **_environment()}
        staging.commit(manifest)
    except BaseException as error:
        with _signals_held():
            staging.discard()
        # A signal can surface as another error: an import it cuts short
        # raises ImportError, for one. Either way the run was stopped.
        if not received and not isinstance(error, KeyboardInterrupt):
            raise
        terminated = signal.SIGTERM in received
        print(f"{_PROG}: {'terminated' if terminated else 'interrupted'}, nothing written "
              f"to {out}", file=sys.stderr)
        return 143 if terminated else 130
    finally:
        for signum, handler in zip(handled, previous):
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
    print(f"{summary}, with {MANIFEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
