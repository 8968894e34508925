"""What each mode of the command line runs and writes into the staging folder.

Each returns the one-line summary that the command prints; the settings
are those ``python -m mytorch.atlas`` checked and records in the manifest.
"""

from __future__ import annotations

import os
import time

import matplotlib

from mytorch.atlas.baseline import SKLEARN_ACTIVATIONS, SKLEARN_SOLVERS, run_baseline
from mytorch.atlas.compare import compare_with_baseline
from mytorch.atlas.figures import write_figures
from mytorch.atlas.grid import atlas_table, run_atlas
from mytorch.atlas.sweep import choose_settings, sweep_learning_rates
from mytorch.book.plotting import book_style


def _run_sweep(settings, folder, out, *, progress, n_jobs) -> str:
    start = time.perf_counter()
    sweep = sweep_learning_rates(
        settings["lr_grid"],
        settings["schedules"],
        settings["draws"],
        settings["datasets"],
        settings["activations"],
        progress=progress,
        n_jobs=n_jobs,
    )
    sweep.to_csv(folder / "sweep.csv", index=False)
    chosen = choose_settings(sweep)
    return (
        f"{len(sweep)} sweep runs in {time.perf_counter() - start:.1f} s; wrote "
        f"{out / 'sweep.csv'}; chosen: "
        f"batch_size={chosen['batch_size']}, epochs={chosen['epochs']}, "
        + ", ".join(f"{o} lr={lr:g}" for o, lr in chosen["lr"].items())
    )


def _run_comparison(settings, folder, out, *, progress, n_jobs) -> str:
    start = time.perf_counter()
    comparison = compare_with_baseline(
        settings["draws"],
        settings["datasets"],
        optimizers=settings["optimizers"],
        activations=settings["activations"],
        progress=progress,
        n_jobs=n_jobs,
        epochs=settings["epochs"],
    )
    comparison.to_csv(folder / "comparison.csv", index=False)
    means = comparison.groupby("dataset", sort=False)[["mytorch", "sklearn"]].mean()
    return (
        f"{len(comparison)} configurations of each library in "
        f"{time.perf_counter() - start:.1f} s; wrote {out / 'comparison.csv'}; "
        "mean test accuracy, mytorch / scikit-learn: "
        + ", ".join(
            f"{name} {row.mytorch:.3f} / {row.sklearn:.3f}"
            for name, row in means.iterrows()
        )
    )


def _run_atlas(settings, folder, out, *, progress, n_jobs) -> str:
    # The command line draws into files only, here and in the worker
    # processes it starts (they inherit the environment).
    os.environ["MPLBACKEND"] = "Agg"
    matplotlib.use("Agg")
    book_style()

    start = time.perf_counter()
    results = run_atlas(
        settings["datasets"],
        settings["optimizers"],
        settings["activations"],
        progress=progress,
        n_jobs=n_jobs,
        epochs=settings["epochs"],
    )
    atlas_table(results).to_csv(folder / "atlas.csv", index=False)
    timings = [f"atlas {time.perf_counter() - start:.1f} s"]
    # The baseline runs the selected configurations that scikit-learn has.
    optimizers = [o for o in settings["optimizers"] if o in SKLEARN_SOLVERS]
    activations = [a for a in settings["activations"] if a in SKLEARN_ACTIVATIONS]
    if settings["baseline"] and optimizers and activations:
        lap = time.perf_counter()
        baseline = run_baseline(
            settings["datasets"],
            optimizers,
            activations,
            progress=progress,
            n_jobs=n_jobs,
            epochs=settings["epochs"],
        )
        baseline.to_csv(folder / "baseline.csv", index=False)
        timings.append(f"baseline {time.perf_counter() - lap:.1f} s")
    elif settings["baseline"]:
        timings.append("no baseline: scikit-learn has none of these configurations")
    if settings["figures"]:
        lap = time.perf_counter()
        write_figures(results, folder, n_jobs=n_jobs, progress=progress)
        timings.append(f"figures {time.perf_counter() - lap:.1f} s")
    return (
        f"{len(results)} experiments in {time.perf_counter() - start:.1f} s "
        f"({', '.join(timings)}); wrote {len(list(folder.iterdir()))} files to {out}"
    )
