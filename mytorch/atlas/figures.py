"""The atlas's pictures: decision boundaries, convergence curves, the overview."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mytorch import datasets
from mytorch._validation import check_int
from mytorch.atlas._tasks import _map
from mytorch.atlas.experiment import ACTIVATIONS, OPTIMIZERS
from mytorch.atlas.panels import convergence_curves, decision_grid
from mytorch.book.plotting import book_style

__all__ = [
    "plot_convergence",
    "plot_dataset_grid",
    "plot_overview",
    "write_figures",
]


def _display(name: str) -> str:
    if name in OPTIMIZERS:
        return OPTIMIZERS[name][1]
    return ACTIVATIONS[name][2]


def _present(results, dataset: str):
    """The optimizers and activations run on ``dataset``, in run order."""
    keys = [k for k in results if k[0] == dataset]
    if not keys:
        raise ValueError(
            f"dataset must be one of {sorted({k[0] for k in results})}, got {dataset!r}"
        )
    optimizers = list(dict.fromkeys(k[1] for k in keys))
    activations = list(dict.fromkeys(k[2] for k in keys))
    return optimizers, activations


def plot_dataset_grid(
    results, dataset: str, *, resolution: int = 150, panel_size: float = 2.2
):
    """The decision boundaries of one dataset's runs: rows activations, columns
    optimizers.

    Each panel shows the regions shaded by the network's confidence, the test
    points (the misclassified ones ringed) and the test accuracy. Three panels
    a row keep them large enough to read at book width. Returns the Figure.
    """
    optimizers, activations = _present(results, dataset)
    data = datasets.make_dataset(dataset)
    models = [[results[dataset, o, a].model for o in optimizers] for a in activations]
    notes = [
        [f"test {results[dataset, o, a].test_accuracy:.3f}" for o in optimizers]
        for a in activations
    ]
    return decision_grid(
        models,
        data.X_test,
        data.y_test,
        n_classes=data.n_classes,
        row_labels=[_display(a) for a in activations],
        col_labels=[_display(o) for o in optimizers],
        notes=notes,
        resolution=resolution,
        panel_size=panel_size,
    )


def plot_convergence(results, dataset: str, *, panel_size: float = 2.2):
    """Training loss (top) and test accuracy (bottom) per epoch for one dataset.

    One column per optimizer, one line per activation. Returns the Figure.
    """
    optimizers, activations = _present(results, dataset)
    fig, axes = plt.subplots(
        2,
        len(optimizers),
        squeeze=False,
        sharex=True,
        sharey="row",
        figsize=(panel_size * len(optimizers) + 0.6, 2 * panel_size * 0.8),
    )
    for j, optimizer in enumerate(optimizers):
        histories = {
            _display(a): results[dataset, optimizer, a].history for a in activations
        }
        convergence_curves(
            histories,
            axes[0, j],
            metric="train_loss",
            title=_display(optimizer),
            legend=False,
        )
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
    names = list(dict.fromkeys(k[0] for k in results))
    pairs = list(dict.fromkeys((k[1], k[2]) for k in results))
    accuracy = np.array(
        [
            [
                results[d, o, a].test_accuracy if (d, o, a) in results else np.nan
                for o, a in pairs
            ]
            for d in names
        ]
    )
    fig, ax = plt.subplots(figsize=(0.62 * len(pairs) + 1.6, 0.5 * len(names) + 1.3))
    image = ax.imshow(
        accuracy, cmap="viridis", vmin=np.nanmin(accuracy), vmax=1.0, aspect="auto"
    )
    for (i, j), value in np.ndenumerate(accuracy):
        if not np.isnan(value):
            ax.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if value > 0.5 * (np.nanmin(accuracy) + 1) else "white",
            )
    ax.set_xticks(
        range(len(pairs)), [_display(a) for _, a in pairs], rotation=60, fontsize=8
    )
    ax.set_yticks(range(len(names)), [_display_dataset(d) for d in names], fontsize=8)
    for j in range(len(pairs)):
        if j == 0 or pairs[j][0] != pairs[j - 1][0]:
            span = sum(o == pairs[j][0] for o, _ in pairs)
            ax.text(
                j + (span - 1) / 2,
                -0.75,
                _display(pairs[j][0]),
                ha="center",
                va="bottom",
                fontsize=9,
            )
            if j:
                ax.axvline(j - 0.5, color="white", linewidth=2)
    ax.grid(False)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="test accuracy")
    fig.tight_layout()
    return fig


def _display_dataset(name: str) -> str:
    return name.replace("_", " ")


def _figure_task(prefix, results, dataset, path, dpi):
    book_style()
    if prefix == "overview":
        fig = plot_overview(results)
    else:
        plot = plot_dataset_grid if prefix == "grid" else plot_convergence
        fig = plot(results, dataset)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def write_figures(
    results, out, *, dpi: int = 80, n_jobs: int = 1, progress: bool = False
) -> list[Path]:
    """Save ``overview.png``, and ``grid_<dataset>.png`` and ``curves_<dataset>.png``
    for every dataset in ``results``, into the folder ``out``."""
    out = Path(out)
    tasks = [("overview", results, None, out / "overview.png", dpi)]
    for dataset in dict.fromkeys(k[0] for k in results):
        # Each task gets only its dataset's runs (less to send to a worker).
        subset = {k: r for k, r in results.items() if k[0] == dataset}
        for prefix in ("grid", "curves"):
            tasks.append(
                (prefix, subset, dataset, out / f"{prefix}_{dataset}.png", dpi)
            )
    check_int("write_figures", "n_jobs", n_jobs)
    return _map(_figure_task, tasks, n_jobs=n_jobs, desc="figures", progress=progress)
