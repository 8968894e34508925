"""The geometry chapter's tools: what each layer makes of the points, and of the plane.

`layer_outputs` runs a batch through a ``Sequential`` and keeps what every
module produces; `warped_grid` draws the image of a square grid under a map
of the plane (the first layers of a network, say).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["layer_outputs", "warped_grid"]


def layer_outputs(model, X):
    """Run ``X`` through a ``Sequential`` in eval mode and keep every intermediate
    result.

    Returns
    -------
    list of ndarray
        ``[X, out_0, out_1, ...]``: the input, then the output of each module
        in order (so ``outputs[k + 1]`` is what module ``k`` produced).
    """
    dtype = next((p.data.dtype for p in model.parameters()), np.float64)
    outputs = [np.asarray(X, dtype=dtype)]
    for module in model.eval():
        outputs.append(module(outputs[-1]))
    return outputs


def warped_grid(
    transform,
    ax=None,
    *,
    xlim=(-2.5, 2.5),
    ylim=(-2.5, 2.5),
    n_lines: int = 17,
    resolution: int = 200,
    color="0.55",
    linewidth: float = 0.6,
):
    """Draw the image of a square grid of the input plane under ``transform``.

    ``transform`` maps an ``(N, 2)`` array of points to ``(N, 2)`` (e.g. the
    first layers of a network whose hidden width is 2, followed by a
    projection otherwise). Each grid line is sampled at ``resolution``
    points, so curved images stay smooth.

    Returns
    -------
    Axes
    """
    ax = ax if ax is not None else plt.gca()
    t = np.linspace(0.0, 1.0, resolution)
    lines = []
    for x in np.linspace(*xlim, n_lines):
        lines.append(
            np.column_stack([np.full_like(t, x), ylim[0] + t * (ylim[1] - ylim[0])])
        )
    for y in np.linspace(*ylim, n_lines):
        lines.append(
            np.column_stack([xlim[0] + t * (xlim[1] - xlim[0]), np.full_like(t, y)])
        )
    # One call through the transform for all lines.
    images = np.asarray(transform(np.concatenate(lines)))
    if images.ndim != 2 or images.shape[1] != 2:
        raise ValueError(
            f"transform must map (N, 2) to (N, 2), got output of shape {images.shape}"
        )
    for image in images.reshape(len(lines), resolution, 2):
        ax.plot(image[:, 0], image[:, 1], color=color, linewidth=linewidth, zorder=0)
    return ax
