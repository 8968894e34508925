"""Every run of the digits chapter, over seeds, into one table.

Command line (writes the table the chapter reads)::

    python -m mytorch.digits --out book/data/digits_runs.csv

One row per run: ``kind`` (``selection``, ``ablation``, ``reference`` or
``transfer``), ``config``, ``seed``, ``epochs`` and what was measured
(``val_accuracy``, ``test_accuracy``, ``test_nll``, ``test_ece``). Seed ``s``
draws the split (:func:`mytorch.digits.data.digits`), the initialisation,
the Dropout masks and the minibatch order. The selection rows hold
validation accuracies only: the test sets play no part in the choice.
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

import mytorch
from mytorch import nn
from mytorch._validation import check_choice
from mytorch.digits.data import digits
from mytorch.digits.experiment import (
    CONFIG,
    build,
    evaluate,
    fit,
    make_optimizer,
    train,
)

__all__ = [
    "ABLATIONS",
    "COLUMNS",
    "SEEDS",
    "SubsetSplits",
    "choose",
    "fine_tune",
    "run",
    "run_all",
    "subset",
]

SEEDS = (0, 1, 2, 3, 4)
COLUMNS = [
    "kind",
    "config",
    "seed",
    "epochs",
    "val_accuracy",
    "test_accuracy",
    "test_nll",
    "test_ece",
]
#: Hidden widths and epochs compared on the validation sets.
WIDTHS = ((64,), (128,), (256,), (128, 128), (256, 256))
CHECKPOINTS = (10, 20, 30, 40, 60, 80)
#: Each ablation changes CONFIG in one respect (the fourth in two).
ABLATIONS = {
    "AdamW, BatchNorm, Dropout": {},
    "without BatchNorm": {"batchnorm": False},
    "without Dropout": {"dropout": 0.0},
    "without BatchNorm and Dropout": {"batchnorm": False, "dropout": 0.0},
    "Adam, L2 term instead of decay": {"optimizer": "adam"},
    "no weight decay": {"weight_decay": 0.0},
}
REFERENCES = ("sklearn MLPClassifier", "sklearn LogisticRegression")
TRANSFER = ("pretrained body, new head", "from scratch")
SHOTS = {"10 per class": 10, "all": None}
#: Epochs of the small trainings on digits 5 to 9.
TRANSFER_EPOCHS = 100


def _row(kind, config, seed, epochs, splits, model):
    metrics = evaluate(model, splits.X_test, splits.y_test)
    val = evaluate(model, splits.X_val, splits.y_val)["accuracy"]
    return {
        "kind": kind,
        "config": config,
        "seed": seed,
        "epochs": epochs,
        "val_accuracy": val,
        "test_accuracy": metrics["accuracy"],
        "test_nll": metrics["nll"],
        "test_ece": metrics["ece"],
    }


class _Sklearn:
    """A fitted scikit-learn classifier called as a mytorch model: log-probabilities."""

    def __init__(self, estimator):
        self.estimator = estimator

    def eval(self):
        return self

    def __call__(self, X):
        return np.log(np.maximum(self.estimator.predict_proba(X), 1e-300))


def _reference(name, splits, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    if name == REFERENCES[0]:
        estimator = MLPClassifier(
            CONFIG["hidden"],
            learning_rate_init=CONFIG["lr"],
            batch_size=CONFIG["batch_size"],
            max_iter=CONFIG["epochs"],
            random_state=seed,
        )
    else:
        estimator = LogisticRegression(max_iter=5000)
    with warnings.catch_warnings():  # MLPClassifier: "max_iter reached", as intended
        warnings.simplefilter("ignore")
        estimator.fit(splits.X_train, splits.y_train)
    return _Sklearn(estimator)


def subset(X, y, classes, n_per_class=None, seed=0):
    """The samples of ``classes``, relabelled 0, 1, ...; the first ``n_per_class``
    of each (in a seeded order) if given."""
    keep = np.flatnonzero(np.isin(y, classes))
    if n_per_class is not None:
        order = np.random.default_rng(seed).permutation(keep)
        keep = np.sort(
            np.concatenate([order[y[order] == c][:n_per_class] for c in classes])
        )
    return X[keep], np.searchsorted(classes, y[keep])


def fine_tune(source, splits, seed=0, n_per_class=None, classes=(5, 6, 7, 8, 9)):
    """A fresh head for ``classes`` on the body of ``source``, trained on other digits.

    The body (every module but the last) is built anew and loaded from
    ``source.state_dict()`` with ``strict=False``; the old head's entries come
    back as unexpected keys. The body is frozen (eval mode): only the head
    trains, on the body's features. Returns ``(model, keys)``.
    """
    c, classes = CONFIG, np.asarray(classes)
    body = build(
        splits.X_train.shape[1], c["hidden"], len(classes), c["batchnorm"], c["dropout"]
    )[:-1]
    keys = body.load_state_dict(source.state_dict(), strict=False)
    X, y = subset(splits.X_train, splits.y_train, classes, n_per_class, seed)
    with mytorch.no_grad():
        features = body.eval()(X)
    mytorch.manual_seed(seed)
    head = nn.Linear(c["hidden"][-1], len(classes))
    fit(
        nn.Sequential(head),
        make_optimizer(head.parameters(), lr=c["lr"]),
        features,
        y,
        epochs=TRANSFER_EPOCHS,
        batch_size=c["batch_size"],
        seed=seed,
    )
    return nn.Sequential(*body, head).eval(), keys


def _transfer(config, shots, seed):
    splits = digits(seed)
    first, second = np.arange(5), np.arange(5, 10)
    n = SHOTS[shots]
    if config == TRANSFER[0]:
        X, y = subset(splits.X_train, splits.y_train, first)
        source, _ = train(
            SubsetSplits(splits, X, y, first), seed, hidden=CONFIG["hidden"]
        )
        model, _ = fine_tune(source, splits, seed, n)
    else:
        X, y = subset(splits.X_train, splits.y_train, second, n, seed)
        model, _ = train(
            SubsetSplits(splits, X, y, second), seed, epochs=TRANSFER_EPOCHS
        )
    return _row(
        "transfer",
        f"{config}, {shots}",
        seed,
        None,
        SubsetSplits(splits, X, y, second),
        model,
    )


class SubsetSplits:
    """The digits of ``classes`` only, relabelled 0, 1, ..., for :func:`train`.

    The training set is the given ``(X_train, y_train)`` (e.g. a few images
    per digit, from :func:`subset`); the validation and test sets are those
    of ``splits``, restricted to ``classes``.
    """

    def __init__(self, splits, X_train, y_train, classes):
        self.X_train, self.y_train, self.n_classes = X_train, y_train, len(classes)
        self.X_val, self.y_val = subset(splits.X_val, splits.y_val, classes)
        self.X_test, self.y_test = subset(splits.X_test, splits.y_test, classes)


def run(kind, config, seed):
    """The rows of one run, as dicts of :data:`COLUMNS` (a selection run gives one
    row per epoch of :data:`CHECKPOINTS`, the others one row).

    On one BLAS thread: faster for these small matrices, and the same bits on
    every run.
    """
    from threadpoolctl import threadpool_limits

    check_choice(
        "run", "kind", kind, ("selection", "ablation", "reference", "transfer")
    )
    with threadpool_limits(limits=1):
        return _run(kind, config, seed)


def _run(kind, config, seed):
    splits = digits(seed)
    if kind == "selection":
        hidden = tuple(int(w) for w in config.split("-"))
        _, history = train(splits, seed, hidden=hidden, epochs=max(CHECKPOINTS))
        return [
            dict(zip(COLUMNS, (kind, config, seed, e, history[e - 1])))
            for e in CHECKPOINTS
        ]
    if kind == "ablation":
        model, _ = train(splits, seed, **ABLATIONS[config])
        return [_row(kind, config, seed, CONFIG["epochs"], splits, model)]
    if kind == "reference":
        return [
            _row(kind, config, seed, None, splits, _reference(config, splits, seed))
        ]
    return [_transfer(*config.rsplit(", ", 1), seed)]


def tasks(seeds=SEEDS):
    """Every ``(kind, config, seed)`` of the chapter's table."""
    configs = {
        "selection": ["-".join(map(str, w)) for w in WIDTHS],
        "ablation": list(ABLATIONS),
        "reference": list(REFERENCES),
        "transfer": [f"{t}, {s}" for t in TRANSFER for s in SHOTS],
    }
    return [(k, c, s) for k, cs in configs.items() for c in cs for s in seeds]


def run_all(seeds=SEEDS):
    """The whole table (a few minutes on one core), as a DataFrame."""
    import pandas as pd

    rows = [row for task in tasks(seeds) for row in run(*task)]
    return pd.DataFrame(rows, columns=COLUMNS)


def choose(table):
    """The widths and epochs that the selection rows pick.

    The one-standard-error rule: of the (widths, epochs) whose mean validation
    accuracy is within one standard error of the best mean (the first in the
    table's order on a tie), the one with the fewest weights, then epochs.
    """
    runs = table[table.kind == "selection"]
    scores = runs.groupby(["config", "epochs"]).val_accuracy.agg(
        ["mean", "std", "count"]
    )
    best = scores["mean"].idxmax()
    se = scores.loc[best, "std"] / math.sqrt(scores.loc[best, "count"])
    good = scores[scores["mean"] >= scores.loc[best, "mean"] - se].reset_index()
    widths = good.config.map(lambda c: [64, *map(int, c.split("-")), 10])
    good["weights"] = widths.map(lambda w: int(np.dot(w[:-1], w[1:])))
    pick = good.sort_values(["weights", "epochs"]).iloc[0]
    return tuple(int(w) for w in pick.config.split("-")), int(pick.epochs)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m mytorch.digits",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", required=True, metavar="FILE", help="the CSV to write")
    args = parser.parse_args(argv)
    run_all().to_csv(args.out, index=False, float_format="%.17g")
    return 0
