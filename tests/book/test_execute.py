"""tools/execute.py stores figures as palette PNGs: smaller, and the same picture."""

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tools import execute  # noqa: E402


def figure_png() -> str:
    buffer = io.BytesIO()
    with plt.style.context("default"):  # whatever other tests set
        fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
        x = np.linspace(0, 6, 200)
        for k in range(4):
            ax.plot(x, np.sin(x + k), label=f"phase {k}")
            ax.fill_between(x, np.sin(x + k) - 0.2, np.sin(x + k) + 0.2, alpha=0.2)
        ax.legend()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode() + "\n"


def pixels(data: str) -> np.ndarray:
    return np.asarray(
        Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"), dtype=int
    )


def test_a_figure_is_stored_smaller_and_looks_the_same():
    original = figure_png()
    compact = execute.compact_png(original)
    assert len(compact) < 0.7 * len(original)
    before, after = pixels(original), pixels(compact)
    assert before.shape == after.shape
    assert np.abs(before - after).mean() < 0.5  # out of 255, on average
    assert np.percentile(np.abs(before - after), 99.9) <= 16
    # the white background stays white
    assert (after[0, 0] == 255).all()


def test_an_image_a_palette_would_change_is_kept():
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode() + "\n"
    assert execute.compact_png(data) == data  # 12k colours: not a plot


def test_a_transparent_image_is_kept():
    pixels = np.zeros((8, 8, 4), dtype=np.uint8)
    pixels[..., 3] = 128
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode() + "\n"
    assert execute.compact_png(data) == data
