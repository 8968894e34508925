"""Grids of panels for the atlas's figures: decision boundaries, convergence curves.

The building blocks of ``mytorch.atlas.figures``, on top of the book's
:func:`~mytorch.book.plotting.decision_boundary`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from mytorch._validation import check_bool
from mytorch.book.plotting import decision_boundary

__all__ = ["convergence_curves", "decision_grid"]


def decision_grid(
    models,
    X,
    y,
    *,
    row_labels,
    col_labels,
    notes=None,
    n_classes=None,
    resolution: int = 100,
    panel_size: float = 1.6,
    suptitle=None,
):
    """A grid of decision-boundary panels, one model per panel.

    Parameters
    ----------
    models : list of lists of Module
        ``models[i][j]`` is drawn in row ``i``, column ``j``.
    X, y : the points shown in every panel (usually the test set).
    row_labels, col_labels : list of str
        Written left of each row and above each column.
    notes : list of lists of str, optional
        A short text in the corner of each panel (e.g. the test accuracy).
    panel_size : float
        Width and height of a panel in inches.

    Returns
    -------
    Figure
    """
    n_rows, n_cols = len(models), len(models[0])
    if len(row_labels) != n_rows or len(col_labels) != n_cols:
        raise ValueError(
            f"expected {n_rows} row_labels and {n_cols} col_labels, "
            f"got {len(row_labels)} and {len(col_labels)}"
        )
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        squeeze=False,
        figsize=(panel_size * n_cols + 0.4, panel_size * n_rows + 0.4),
    )
    for i in range(n_rows):
        for j in range(n_cols):
            ax = axes[i, j]
            decision_boundary(
                models[i][j], X, y, ax, n_classes=n_classes, resolution=resolution, s=7
            )
            if notes is not None:
                ax.text(
                    0.03,
                    0.03,
                    notes[i][j],
                    transform=ax.transAxes,
                    fontsize=8,
                    bbox={
                        "facecolor": "white",
                        "alpha": 0.8,
                        "linewidth": 0,
                        "pad": 1.5,
                    },
                )
            if i == 0:
                ax.set_title(col_labels[j])
            if j == 0:
                ax.set_ylabel(row_labels[i])
    if suptitle is not None:
        fig.suptitle(suptitle)
    fig.tight_layout(pad=0.4, h_pad=0.3, w_pad=0.3)
    return fig


def convergence_curves(
    histories,
    ax=None,
    *,
    metric: str = "train_loss",
    logy=None,
    title=None,
    legend: bool = True,
):
    """One line per run: ``metric`` against the epoch.

    Parameters
    ----------
    histories : dict of label -> history
        A history maps metric names to one value per epoch (as in
        ``ExperimentResult.history``).
    metric : str
        The key to plot, e.g. ``'train_loss'`` or ``'test_accuracy'``.
    logy : bool, optional
        Log scale on y; defaults to True for losses.

    Returns
    -------
    Axes
    """
    check_bool("convergence_curves", "legend", legend)
    if logy is not None:
        check_bool("convergence_curves", "logy", logy)
    ax = ax if ax is not None else plt.gca()
    for label, history in histories.items():
        if metric not in history:
            raise ValueError(f"metric must be one of {sorted(history)}, got {metric!r}")
        values = history[metric]
        ax.plot(np.arange(1, len(values) + 1), values, label=label, linewidth=1.2)
    if logy if logy is not None else "loss" in metric:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize=8)
    return ax
