"""Re-execute chapters in a fresh kernel and store their outputs.

Usage: python tools/execute.py [NOTEBOOK ...]   (default: every book/*.ipynb)

Each notebook runs top to bottom in a new kernel of the current Python (the
same kernel tools/nbcompare.py uses in `make test`), with the notebook's folder
as working directory. Outputs are stored without timing metadata, so a
re-run of unchanged code changes nothing in git. Figures are stored as
256-colour palette PNGs (`compact_png`): a plot has few colours, and the
page that shows it loads a third of the bytes.
"""

import base64
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
import numpy as np
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from PIL import Image

# The same kernel environment as `make test` (tools/kernel_env.py).
try:  # imported as tools.execute (the tests, the chapter comparison)
    from tools.kernel_env import KERNEL_ENV, UNSET_ENV
except ImportError:  # run as `python tools/execute.py`
    from kernel_env import KERNEL_ENV, UNSET_ENV

ROOT = Path(__file__).resolve().parent.parent

#: Seconds a cell may run.
TIMEOUT = 1200


class CurrentPythonKernelSpecs(KernelSpecManager):
    """Always start an IPython kernel of this very Python, whatever kernels
    are installed and whatever the notebook's metadata names."""

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(
            resource_dir=ipykernel.kernelspec.RESOURCES,
            **ipykernel.kernelspec.get_kernel_dict(),
        )


def kernel_environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(KERNEL_ENV)
    return env


def coalesce_streams(nb) -> None:
    """Join consecutive stdout (or stderr) outputs of a cell into one, so that
    how the kernel happened to flush its output never shows up in git."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                last is not None
                and out.output_type == "stream"
                and last.output_type == "stream"
                and last.name == out.name
            ):
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def kernel_manager() -> KernelManager:
    """A manager for an IPython kernel of this very Python."""
    return KernelManager(
        kernel_name="python3", kernel_spec_manager=CurrentPythonKernelSpecs()
    )


def compact_png(data: str) -> str:
    """A base64 PNG re-encoded with a palette of at most 256 colours (median cut,
    no dithering, so flat areas stay flat), if that is smaller and looks the same:
    an opaque image whose pixels move by less than 0.5 of 255 on average and by at
    most 16 in 99.9% of them. Anything else (transparency, a photograph) is kept."""
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    if (
        image.mode in ("RGBA", "LA", "P")
        and image.convert("RGBA").getextrema()[3][0] < 255
    ):
        return data
    rgb = image.convert("RGB")
    palette = rgb.quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    error = np.abs(
        np.asarray(rgb, dtype=int) - np.asarray(palette.convert("RGB"), dtype=int)
    )
    if error.mean() >= 0.5 or np.percentile(error, 99.9) > 16:
        return data
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", optimize=True)
    smaller = base64.b64encode(buffer.getvalue()).decode()
    return smaller + "\n" if len(smaller) < len(data.strip()) else data


def compact_figures(nb) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                out.data["image/png"] = compact_png(out.data["image/png"])


def execute(path: Path, timeout: int = TIMEOUT) -> None:
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    client = NotebookClient(
        nb,
        km=kernel_manager(),
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel's own log (e.g. transport warnings) is not the chapter's output.
    client.execute(env=kernel_environment(), stderr=subprocess.DEVNULL)
    coalesce_streams(nb)
    compact_figures(nb)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path, version=nb.nbformat)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "book").glob("*.ipynb"))
    if not paths:
        print("no chapters in book/ to execute")
    for path in paths:
        start = time.perf_counter()
        print(f"executing {path} ...", end=" ", flush=True)
        execute(path)
        print(f"done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
