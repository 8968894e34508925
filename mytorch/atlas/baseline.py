"""The baseline: scikit-learn's ``MLPClassifier`` on the atlas's tasks."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.atlas._tasks import _cached_dataset, _map, _names
from mytorch.atlas.experiment import BATCH_SIZE, EPOCHS, HIDDEN, OPTIMIZER_DEFAULTS
from mytorch.atlas.grid import COLUMNS

__all__ = ["SKLEARN_ACTIVATIONS", "SKLEARN_SOLVERS", "run_baseline", "sklearn_mlp"]

#: Our names -> scikit-learn's, for the configurations MLPClassifier has.
SKLEARN_SOLVERS = {"sgd": "sgd", "adam": "adam"}
SKLEARN_ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}


def sklearn_mlp(
    optimizer: str,
    activation: str,
    *,
    hidden=HIDDEN,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    seed=0,
):
    """scikit-learn's ``MLPClassifier`` configured like
    :func:`~mytorch.atlas.experiment.run_experiment`.

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
        raise ValueError(
            f"optimizer must be one of {list(SKLEARN_SOLVERS)} for scikit-learn, "
            f"got {optimizer!r}"
        )
    if activation not in SKLEARN_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {list(SKLEARN_ACTIVATIONS)} for "
            f"scikit-learn, got {activation!r}"
        )
    hp = OPTIMIZER_DEFAULTS[optimizer]
    if optimizer == "sgd":
        solver = {"momentum": hp["momentum"], "nesterovs_momentum": False}
    else:
        solver = {
            "beta_1": hp["betas"][0],
            "beta_2": hp["betas"][1],
            "epsilon": hp["eps"],
        }
    return MLPClassifier(
        hidden_layer_sizes=tuple(hidden),
        activation=SKLEARN_ACTIVATIONS[activation],
        solver=SKLEARN_SOLVERS[optimizer],
        alpha=0.0,
        batch_size=batch_size,
        learning_rate="constant",
        learning_rate_init=hp["lr"],
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        early_stopping=False,
        **solver,
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
            raise KeyboardInterrupt(
                f"MLPClassifier.fit was interrupted after {clf.n_iter_} "
                f"of {clf.max_iter} epochs"
            )
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )
    if clf.n_iter_ != clf.max_iter:
        raise RuntimeError(
            f"MLPClassifier.fit stopped after {clf.n_iter_} epochs: expected "
            f"max_iter={clf.max_iter}, as its stopping rule never fires"
        )
    return clf


def _baseline_task(name, random_state, optimizer, activation, kwargs) -> dict:
    from sklearn.metrics import log_loss

    data = _cached_dataset(name, random_state)
    clf = sklearn_mlp(optimizer, activation, **kwargs)
    start = time.perf_counter()
    _fit_sklearn(clf, data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    return {
        "dataset": name,
        "optimizer": optimizer,
        "activation": activation,
        "train_loss": float(
            log_loss(
                data.y_train,
                clf.predict_proba(data.X_train),
                labels=np.arange(data.n_classes),
            )
        ),
        "train_accuracy": float(clf.score(data.X_train, data.y_train)),
        "test_accuracy": float(clf.score(data.X_test, data.y_test)),
        "epochs": int(clf.n_iter_),
        "seconds": seconds,
    }


def run_baseline(
    dataset_names=tuple(datasets.DATASETS),
    optimizers=tuple(SKLEARN_SOLVERS),
    activations=tuple(SKLEARN_ACTIVATIONS),
    *,
    random_state: int = 0,
    progress: bool = True,
    n_jobs: int = 1,
    **kwargs,
) -> pd.DataFrame:
    """Train scikit-learn's ``MLPClassifier`` on the configurations it supports.

    ``optimizers`` and ``activations`` are subsets of the ones scikit-learn
    has (``SKLEARN_SOLVERS`` and ``SKLEARN_ACTIVATIONS``, the defaults).
    ``kwargs`` (``epochs``, ``batch_size``, ``hidden``, ``seed``) go to
    :func:`sklearn_mlp`; ``random_state``, ``n_jobs`` and ``progress`` as in
    :func:`~mytorch.atlas.grid.run_atlas`.

    Returns
    -------
    DataFrame
        The :data:`~mytorch.atlas.grid.COLUMNS`, one row per (dataset, optimizer,
        activation);
        ``train_loss`` is the mean cross-entropy on the whole training set
        after training, as in the atlas.
    """
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    optimizers = _names("optimizers", optimizers, SKLEARN_SOLVERS)
    activations = _names("activations", activations, SKLEARN_ACTIVATIONS)
    check_int("run_baseline", "n_jobs", n_jobs)
    configs = [
        (d, o, a) for d in dataset_names for o in optimizers for a in activations
    ]
    rows = _map(
        _baseline_task,
        [(d, random_state, o, a, kwargs) for d, o, a in configs],
        n_jobs=n_jobs,
        desc="baseline",
        progress=progress,
    )
    return pd.DataFrame(rows, columns=COLUMNS)
