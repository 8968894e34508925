"""Draw the book's logo: a small network whose gradients flow back.

Usage: python tools/make_logo.py   (writes book/logo.png)

Forward edges are grey; the backward pass is drawn on top in orange, the
wider the edge the larger its (made-up, seeded) gradient.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "book" / "logo.png"
FORWARD = "#9aa5b1"
BACKWARD = "#e8590c"
NODE = "#1c3d5a"


def layer_positions(sizes, width=1.0, gap=0.33):
    xs = np.linspace(0.0, width, len(sizes))
    return [[(x, gap * (i - (n - 1) / 2)) for i in range(n)] for x, n in zip(xs, sizes)]


def main() -> None:
    rng = np.random.default_rng(1986)
    layers = layer_positions([2, 4, 4, 2], width=1.6)

    fig = plt.figure(figsize=(4.0, 2.0), dpi=100)
    ax = fig.add_axes([0.0, 0.0, 0.5, 1.0])
    ax.set_xlim(-0.15, 1.75)
    ax.set_ylim(-0.75, 0.75)
    ax.axis("off")

    for left, right in zip(layers[:-1], layers[1:]):
        for a in left:
            for b in right:
                ax.plot(*zip(a, b), color=FORWARD, lw=0.8, zorder=1)
                grad = rng.uniform(0.0, 1.0) ** 2
                ax.plot(
                    *zip(a, b),
                    color=BACKWARD,
                    lw=0.4 + 2.6 * grad,
                    alpha=0.35 + 0.6 * grad,
                    solid_capstyle="round",
                    zorder=2,
                )
    for layer in layers:
        xs, ys = zip(*layer)
        ax.scatter(
            xs, ys, s=110, color=NODE, zorder=3, edgecolors="white", linewidths=1.2
        )

    text = fig.add_axes([0.5, 0.0, 0.5, 1.0])
    text.axis("off")
    text.text(
        0.02,
        0.56,
        "mytorch",
        fontsize=27,
        fontweight="bold",
        color=NODE,
        va="center",
        ha="left",
        family="DejaVu Sans",
    )
    text.text(
        0.04,
        0.28,
        r"$\partial L / \partial W = G^\top X$",
        fontsize=12,
        color=BACKWARD,
        va="center",
        ha="left",
    )

    fig.savefig(OUT, transparent=True, metadata={"Software": None})
    print(
        f"wrote {OUT.relative_to(OUT.parent.parent)} "
        f"({OUT.stat().st_size / 1e3:.0f} KB)"
    )


if __name__ == "__main__":
    main()
