"""The atlas over several seeds, with the per-epoch histories, stored with the package.

Command line::

    python -m mytorch.atlas.seeds [--out PATH] [--jobs N]

(``--variants``, ``--datasets`` and ``--seeds`` select a part of it)

trains every configuration of the atlas (:func:`mytorch.atlas.run_atlas`)
at each of :data:`SEEDS`, a few variants beside it (:data:`VARIANTS`), and
scikit-learn's ``MLPClassifier`` on the configurations it has, and writes
one row per run to ``PATH`` (by default :data:`SEEDS_FILE`, which
:func:`load_seeds` reads). A row holds the configuration, the final
metrics and, for mytorch's runs, two histories: the training loss after
every epoch (``loss_curve``, four significant digits) and the number of
correct test points after every epoch (``test_curve``). A run of ``k``
epochs is the first ``k`` epochs of a longer one (the rate is constant and
the minibatch order is drawn epoch by epoch), so the histories also give
every shorter budget.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mytorch import datasets, nn
from mytorch._validation import check_choice, check_int, check_samples
from mytorch.atlas._tasks import _cached_dataset, _map, _names
from mytorch.atlas.baseline import SKLEARN_ACTIVATIONS, SKLEARN_SOLVERS, _baseline_task
from mytorch.atlas.experiment import ACTIVATIONS, EPOCHS, OPTIMIZERS, run_experiment

__all__ = [
    "SEEDS",
    "SEEDS_COLUMNS",
    "SEEDS_FILE",
    "VARIANTS",
    "curves",
    "load_seeds",
    "loss_area",
    "main",
    "mean_interval",
    "run_seeds",
    "scale_weights",
]

#: The seeds of every configuration (initialisation and minibatch order).
SEEDS = (0, 1, 2, 3, 4)
#: What is trained beside the atlas: name -> (optimizers, activations, keyword
#: arguments of :func:`~mytorch.experiment.run_experiment`, initial gain).
#: ``"atlas"`` is the atlas itself; ``"sigmoid x4"`` starts the sigmoid's
#: network from its Xavier weights times 4 (slope 1 at the origin, as tanh);
#: ``"nesterov"`` and ``"weight decay"`` change SGD's update; ``"sklearn"``
#: is scikit-learn's ``MLPClassifier`` (:func:`mytorch.atlas.sklearn_mlp`).
VARIANTS = {
    "atlas": (tuple(OPTIMIZERS), tuple(ACTIVATIONS), {}, 1.0),
    "sigmoid x4": (tuple(OPTIMIZERS), ("sigmoid",), {}, 4.0),
    "nesterov": (("sgd",), tuple(ACTIVATIONS), {"nesterov": True}, 1.0),
    "weight decay": (("sgd",), tuple(ACTIVATIONS), {"weight_decay": 5e-4}, 1.0),
    "sklearn": (tuple(SKLEARN_SOLVERS), tuple(SKLEARN_ACTIVATIONS), {}, 1.0),
}
#: The table of :func:`run_seeds`, stored with the package (the command above
#: recomputes it). Its value is the installed file's path.
#:
#: :meta hide-value:
SEEDS_FILE = Path(__file__).parent / "data" / "atlas_seeds.csv"
#: The columns of :func:`run_seeds`'s table.
SEEDS_COLUMNS = [
    "variant",
    "dataset",
    "optimizer",
    "activation",
    "seed",
    "epochs",
    "n_test",
    "train_loss",
    "test_accuracy",
    "loss_curve",
    "test_curve",
]


def scale_weights(gain, epoch, model):
    """``run_experiment`` callback: each ``Linear`` weight times ``gain`` at epoch 0."""
    if epoch == 0:
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.data *= gain


def _seed_task(variant, name, optimizer, activation, seed, epochs) -> dict:
    data = _cached_dataset(name, 0)
    row = {
        "variant": variant,
        "dataset": name,
        "optimizer": optimizer,
        "activation": activation,
        "seed": seed,
        "epochs": epochs,
        "n_test": len(data.y_test),
    }
    if variant == "sklearn":
        kwargs = {"seed": seed, "epochs": epochs}
        result = _baseline_task(name, 0, optimizer, activation, kwargs)
        return {
            **row,
            "train_loss": result["train_loss"],
            "test_accuracy": result["test_accuracy"],
            "loss_curve": "",
            "test_curve": "",
        }
    _, _, kwargs, gain = VARIANTS[variant]
    callback = None if gain == 1 else functools.partial(scale_weights, gain)
    # A rate at the edge of stability makes a few runs overflow on their way
    # to a collapse (the chapter takes one apart): expected, not an error.
    with np.errstate(over="ignore", invalid="ignore"):
        result = run_experiment(
            data,
            optimizer,
            activation,
            epochs=epochs,
            seed=seed,
            callback=callback,
            **kwargs,
        )
    correct = np.rint(np.array(result.history["test_accuracy"]) * row["n_test"])
    return {
        **row,
        "train_loss": result.train_loss,
        "test_accuracy": result.test_accuracy,
        "loss_curve": " ".join(f"{v:.4g}" for v in result.history["train_loss"]),
        "test_curve": " ".join(str(int(c)) for c in correct),
    }


def run_seeds(
    variants=tuple(VARIANTS),
    seeds=SEEDS,
    dataset_names=tuple(datasets.DATASETS),
    *,
    epochs: int = EPOCHS,
    progress: bool = True,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Train every configuration of each variant at each seed, on the atlas's draw.

    ``variants`` are names of :data:`VARIANTS`; ``n_jobs`` worker processes
    share the runs (the numbers do not depend on it).

    Returns
    -------
    DataFrame
        The :data:`SEEDS_COLUMNS`, one row per run, in the order variants,
        datasets, optimizers, activations, seeds.
    """
    variants = _names("variants", variants, VARIANTS)
    dataset_names = _names("dataset_names", dataset_names, datasets.DATASETS)
    check_int("run_seeds", "epochs", epochs)
    check_int("run_seeds", "n_jobs", n_jobs)
    seeds = [int(s) for s in seeds]
    tasks = [
        (v, d, o, a, s, epochs)
        for v in variants
        for d in dataset_names
        for o in VARIANTS[v][0]
        for a in VARIANTS[v][1]
        for s in seeds
    ]
    rows = _map(_seed_task, tasks, n_jobs=n_jobs, desc="seeds", progress=progress)
    return pd.DataFrame(rows, columns=SEEDS_COLUMNS)


def load_seeds(path=SEEDS_FILE) -> pd.DataFrame:
    """The stored table of :func:`run_seeds` (default arguments)."""
    return pd.read_csv(
        path, keep_default_na=False, dtype={"loss_curve": str, "test_curve": str}
    )


def curves(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The histories of ``column`` (``'loss_curve'`` or ``'test_curve'``) as an array.

    One row per row of ``frame``, one column per epoch; ``test_curve`` is
    returned as test accuracies (correct points over ``n_test``).
    """
    check_choice("curves", "column", column, ("loss_curve", "test_curve"))
    values = np.array([np.array(text.split(), dtype=float) for text in frame[column]])
    if column == "test_curve":
        values = values / frame["n_test"].to_numpy()[:, None]
    return values


def loss_area(loss_curves: np.ndarray, epochs: int) -> np.ndarray:
    """The area under the training-loss curve on a log scale, per epoch.

    The mean of ``log10`` of the losses after epochs 1 to ``epochs`` (the
    logarithm of their geometric mean): low when a run fits early and stays
    fitted, high when it sits on a plateau. On a log scale, as the book
    plots losses, a run whose loss explodes for a few epochs counts by the
    orders of magnitude it lost, not by its largest value alone.
    """
    check_int("loss_area", "epochs", epochs)
    return np.log10(loss_curves[:, :epochs]).mean(axis=1)


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """The mean of ``values`` and the half-width of its Student-t interval.

    ``mean +- t_{(1+confidence)/2, n-1} * s / sqrt(n)``, with ``s`` the
    sample standard deviation over the ``n`` values (seeds).
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    check_samples("mean_interval", "values", values, 2, "for a spread")
    n = len(values)
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return float(values.mean()), float(half)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mytorch.atlas.seeds",
        description="Train the atlas's configurations over several seeds and write "
        "one row per run to a CSV file.",
    )
    parser.add_argument(
        "--out",
        default=str(SEEDS_FILE),
        help="the CSV file to write (default: the stored table)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        help="what to train (default: everything)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(datasets.DATASETS),
        help="the tasks (default: all five)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=list(SEEDS),
        help=f"the seeds (default: {' '.join(map(str, SEEDS))})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None) -> int:
    """Command-line entry point: writes :func:`run_seeds`'s table, returns 0."""
    args = _parser().parse_args(argv)
    start = time.perf_counter()
    table = run_seeds(
        args.variants or tuple(VARIANTS),
        args.seeds,
        args.datasets or tuple(datasets.DATASETS),
        progress=not args.quiet,
        n_jobs=args.jobs,
    )
    out = Path(args.out)
    partial = out.with_name(f".{out.name}.partial")
    table.to_csv(partial, index=False)
    partial.replace(out)  # the file appears only once complete
    print(
        f"{len(table)} runs in {time.perf_counter() - start:.1f} s; wrote {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
