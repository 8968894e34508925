"""The command line's options, and the settings they make (checked, or refused).

Every option either applies to the mode chosen or is refused with the
parser's error (exit status 2); the settings are what the manifest records.
"""

from __future__ import annotations

import argparse

from mytorch import datasets
from mytorch.atlas._outputs import MANIFEST
from mytorch.atlas.baseline import SKLEARN_ACTIVATIONS, SKLEARN_SOLVERS
from mytorch.atlas.compare import COMPARISON_DRAWS
from mytorch.atlas.experiment import (
    ACTIVATIONS,
    BATCH_SIZE,
    EPOCHS,
    HIDDEN,
    OPTIMIZER_DEFAULTS,
    OPTIMIZERS,
)
from mytorch.atlas.sweep import LR_GRID, SCHEDULES, SWEEP_DRAWS

_PROG = "python -m mytorch.atlas"
#: Where joblib runs the tasks: local processes, or a Dask cluster.
BACKENDS = ("loky", "dask")


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
        "(SIGTERM: 143) and leaves nothing.",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder (created if needed); one that holds another "
        "run's results is refused unless --overwrite is given",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run that --out holds: once the new run has "
        f"succeeded, the files the earlier {MANIFEST} lists (and nothing "
        "else) are removed before the new ones are moved in",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(datasets.DATASETS),
        metavar="NAME",
        help=f"subset of {list(datasets.DATASETS)} (default: all)",
    )
    parser.add_argument(
        "--optimizers",
        nargs="+",
        choices=list(OPTIMIZERS),
        metavar="NAME",
        help=f"subset of {list(OPTIMIZERS)} (default: all; with --compare "
        f"and in the baseline, those of {list(SKLEARN_SOLVERS)})",
    )
    parser.add_argument(
        "--activations",
        nargs="+",
        choices=list(ACTIVATIONS),
        metavar="NAME",
        help=f"subset of {list(ACTIVATIONS)} (default: all; with --compare "
        f"and in the baseline, those of {list(SKLEARN_ACTIVATIONS)})",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        help=f"epochs per run (default: {EPOCHS}; not with --sweep, whose "
        "schedules set their own)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="local worker processes (default: up to 2; the numbers do not "
        "depend on it; not with --backend dask)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="loky",
        help="where joblib runs the tasks: local processes (loky, the "
        "default) or a Dask cluster (dask, with --scheduler)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler to send the runs to, as `dask scheduler` "
        "prints it (tcp://HOST:8786); only with --backend dask",
    )
    instead = parser.add_mutually_exclusive_group()
    instead.add_argument(
        "--sweep",
        action="store_true",
        help="instead of the atlas, run the learning-rate sweep on the "
        "validation draws and write sweep.csv (2160 runs in full)",
    )
    instead.add_argument(
        "--compare",
        action="store_true",
        help="instead of the atlas, compare mytorch with scikit-learn on the "
        "fresh draws 4 to 11 and write comparison.csv (240 runs of each "
        "library in full)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip scikit-learn (atlas only)"
    )
    parser.add_argument(
        "--no-figures", action="store_true", help="skip the PNG figures (atlas only)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _settings(parser, args) -> dict:
    """What the run will do, every flag checked against the mode (``parser.error`` if
    not)."""
    mode = "sweep" if args.sweep else "compare" if args.compare else "atlas"
    # What each mode has no use for: refused rather than silently ignored.
    unused = {
        "sweep": {
            "epochs": "the sweep's schedules set the epochs",
            "no_baseline": "the sweep runs no scikit-learn",
            "no_figures": "the sweep draws no figures",
        },
        "compare": {
            "no_baseline": "the comparison is the baseline",
            "no_figures": "the comparison draws no figures",
        },
    }
    for dest, reason in unused.get(mode, {}).items():
        if getattr(args, dest) not in (None, False):
            parser.error(
                f"argument --{dest.replace('_', '-')}: not allowed with argument "
                f"--{mode} ({reason})"
            )
    for dest in ("datasets", "optimizers", "activations"):
        values = getattr(args, dest)
        if values is not None and len(set(values)) < len(values):
            parser.error(
                f"argument --{dest}: expected each name at most once, "
                f"got {' '.join(values)}"
            )
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    _check_backend(parser, args)

    settings = {
        "mode": mode,
        "datasets": args.datasets or list(datasets.DATASETS),
        "backend": args.backend,
    }
    if args.backend == "dask":
        settings["scheduler"] = args.scheduler
    if mode == "compare":
        for dest, sklearn_names in (
            ("optimizers", SKLEARN_SOLVERS),
            ("activations", SKLEARN_ACTIVATIONS),
        ):
            other = [
                name for name in getattr(args, dest) or () if name not in sklearn_names
            ]
            if other:
                parser.error(
                    f"argument --{dest}: with --compare, expected names scikit-learn "
                    f"has too, {list(sklearn_names)}, got {' '.join(other)}"
                )
        settings["optimizers"] = args.optimizers or list(SKLEARN_SOLVERS)
        settings["activations"] = args.activations or list(SKLEARN_ACTIVATIONS)
    else:
        settings["optimizers"] = args.optimizers or list(OPTIMIZERS)
        settings["activations"] = args.activations or list(ACTIVATIONS)
    if mode == "sweep":
        settings.update(
            schedules=SCHEDULES,
            hidden=HIDDEN,
            draws=SWEEP_DRAWS,
            lr_grid={o: LR_GRID[o] for o in settings["optimizers"]},
        )
        return settings
    settings.update(
        epochs=args.epochs or EPOCHS,
        batch_size=BATCH_SIZE,
        hidden=HIDDEN,
        optimizer_hyperparameters={
            o: OPTIMIZER_DEFAULTS[o] for o in settings["optimizers"]
        },
    )
    if mode == "compare":
        settings["draws"] = COMPARISON_DRAWS
    else:
        settings.update(
            random_state=0,
            seed=0,
            baseline=not args.no_baseline,
            figures=not args.no_figures,
        )
    return settings


def _check_backend(parser, args) -> None:
    """``--backend``, ``--scheduler`` and ``--jobs`` agree (``parser.error`` if not)."""
    if args.backend == "loky":
        if args.scheduler is not None:
            parser.error(
                "argument --scheduler: only with --backend dask (the loky "
                f"backend runs local processes), got {args.scheduler}"
            )
        return
    if args.scheduler is None:
        parser.error(
            "argument --backend dask: expected --scheduler ADDRESS, the address "
            "that `dask scheduler` prints (tcp://HOST:8786)"
        )
    if args.jobs is not None:
        parser.error(
            "argument --jobs: not allowed with --backend dask (the cluster's "
            "workers run the tasks)"
        )
    try:
        import distributed  # noqa: F401
    except ImportError:
        parser.error(
            "argument --backend dask: needs the package distributed, which is "
            "not installed (pip install 'mytorch[dask]')"
        )
