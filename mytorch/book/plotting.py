"""Figure helpers shared by the book's chapters.

Every helper draws into a matplotlib ``Axes`` (created if not given) and
returns it, or returns the ``Figure`` it made; nothing is shown or saved
here, so chapters end their plotting cells with ``plt.show()`` and the
atlas saves the figures it needs.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from mytorch._validation import check_bool
from mytorch.grad_mode import no_grad

__all__ = [
    "CLASS_COLORS",
    "book_style",
    "decision_boundary",
    "predict_grid",
    "scatter_classes",
]

#: One colour per class (colour-blind friendly, from matplotlib's tab10).
CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def book_style() -> None:
    """Set matplotlib defaults for figures at book width, sharp on any screen.

    A 6.4-inch figure is shown 640 px wide in the book's column (text at about
    14 px) and stored at twice that resolution ("retina" PNGs in Jupyter), so it
    stays sharp on high-resolution screens and when zoomed; no top/right spines.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 10,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
        }
    )
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is not None:  # in a Jupyter kernel: PNGs at twice the shown size
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")


def _class_cmap(n_classes: int) -> ListedColormap:
    if not 1 <= n_classes <= len(CLASS_COLORS):
        raise ValueError(
            f"n_classes must be in [1, {len(CLASS_COLORS)}], got {n_classes}"
        )
    return ListedColormap(CLASS_COLORS[:n_classes])


def _limits(X, margin: float):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"X must have shape (N, 2) for a plot in the plane, got shape {X.shape}"
        )
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (lo[0], hi[0]), (lo[1], hi[1])


def _logits_on_grid(model, xlim, ylim, resolution: int):
    if int(resolution) < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    return xx, yy, _logits(model, np.column_stack([xx.ravel(), yy.ravel()]))


def _logits(model, points):
    # A float32 model gets float32 points (no silent upcast).
    dtype = next((p.data.dtype for p in model.parameters()), np.float64)
    with no_grad():
        return model.eval()(np.asarray(points).astype(dtype))


def predict_grid(model, xlim, ylim, resolution: int = 150):
    """Class predicted by ``model`` at every point of a regular grid.

    The model is switched to eval mode and run once on all
    ``resolution**2`` points (in the dtype of its parameters), under
    ``no_grad()``: nothing is cached for backward.

    Returns
    -------
    xx, yy : ndarray of shape (resolution, resolution)
        The grid coordinates (``np.meshgrid``).
    classes : ndarray of shape (resolution, resolution), int
        ``argmax`` of the logits at each grid point.
    """
    xx, yy, logits = _logits_on_grid(model, xlim, ylim, resolution)
    return xx, yy, logits.argmax(axis=1).reshape(xx.shape)


def confidence(logits):
    """How sure a classifier is, from 0 (all classes equally likely) to 1.

    The largest softmax probability $p_{max}$, rescaled from $[1/C, 1]$ to
    $[0, 1]$; computed without overflow for any logits.
    """
    logits = np.asarray(logits, dtype=np.float64)
    n_classes = logits.shape[-1]
    shifted = logits - logits.max(axis=-1, keepdims=True)
    p_max = 1.0 / np.exp(shifted).sum(axis=-1)
    return (
        (p_max - 1 / n_classes) / (1 - 1 / n_classes)
        if n_classes > 1
        else np.ones_like(p_max)
    )


#: Confidence bands of the decision regions (see `decision_boundary`) and the
#: opacity of each: the surer the model, the deeper the class's colour.
CONFIDENCE_LEVELS = (0.0, 0.5, 0.8, 0.95, 1.0)
CONFIDENCE_ALPHAS = (0.08, 0.18, 0.3, 0.45)


def scatter_classes(X, y, ax=None, *, n_classes=None, s: float = 8, **kwargs):
    """Scatter 2-D points coloured by class; returns the axes."""
    ax = ax if ax is not None else plt.gca()
    y = np.asarray(y)
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=y,
        cmap=_class_cmap(n_classes),
        vmin=-0.5,
        vmax=n_classes - 0.5,
        s=s,
        edgecolors="white",
        linewidths=0.3,
        **kwargs,
    )
    return ax


def decision_boundary(
    model,
    X,
    y,
    ax=None,
    *,
    n_classes=None,
    resolution: int = 150,
    margin: float = 0.5,
    title=None,
    s: float = 8,
    ticks: bool = False,
):
    """Shade the plane by the class ``model`` predicts, and scatter ``(X, y)`` on top.

    Each class's region is shaded in bands of `confidence` (deeper where the
    model is surer), outlined in black, and the points the model gets wrong
    are ringed.

    Parameters
    ----------
    model : Module
        Maps ``(N, 2)`` inputs to ``(N, C)`` logits; run in eval mode.
    X : ndarray of shape (N, 2); y : ndarray of shape (N,)
        The points shown (usually the test set); they also set the limits.
    ax : Axes, optional
    n_classes : int, optional
        Number of colours (defaults to ``y.max() + 1``).
    resolution : int
        Grid points per axis.
    margin : float
        Space around the points, in input units.
    title : str, optional
    ticks : bool
        Keep the axis ticks (off by default: panels in grids stay clean).

    Returns
    -------
    Axes
    """
    check_bool("decision_boundary", "ticks", ticks)
    ax = ax if ax is not None else plt.gca()
    y = np.asarray(y)
    n_classes = int(y.max()) + 1 if n_classes is None else int(n_classes)
    xlim, ylim = _limits(X, margin)
    xx, yy, logits = _logits_on_grid(model, xlim, ylim, resolution)
    classes = logits.argmax(axis=1).reshape(xx.shape)
    sure = confidence(logits).reshape(xx.shape)
    for c in range(n_classes):  # each class's region, deeper where the model is surer
        if (classes == c).any():
            rgb = mpl.colors.to_rgb(CLASS_COLORS[c])
            ax.contourf(
                xx,
                yy,
                np.where(classes == c, sure, np.nan),
                levels=list(CONFIDENCE_LEVELS[:-1]) + [CONFIDENCE_LEVELS[-1] + 1e-9],
                colors=[(*rgb, alpha) for alpha in CONFIDENCE_ALPHAS],
            )
    for c in range(
        n_classes
        # each class's outline: every border gets the same line, however far apart its
        # labels
    ):
        ax.contour(
            xx,
            yy,
            (classes == c).astype(float),
            levels=[0.5],
            colors="k",
            linewidths=0.6,
        )
    wrong = _logits(model, X).argmax(axis=1) != y
    if wrong.any():  # misclassified points get a dark ring, drawn under the points
        ax.scatter(
            X[wrong, 0],
            X[wrong, 1],
            s=4 * s,
            facecolors="none",
            edgecolors="k",
            linewidths=0.9,
        )
    scatter_classes(X, y, ax, n_classes=n_classes, s=s)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_aspect("equal")
    ax.grid(False)
    if not ticks:
        ax.set_xticks([])
        ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax
