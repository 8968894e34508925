"""Re-execute chapters in a fresh kernel and store their outputs.

Usage: python tools/execute.py [NOTEBOOK ...]   (default: every book/*.ipynb)

Each notebook runs top to bottom in a new kernel of the current Python (the
same kernel tools/nbcompare.py uses in `make test`), with the notebook's folder
as working directory. Outputs are stored without timing metadata, so a
re-run of unchanged code changes nothing in git.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

# The same kernel environment as `make test` (see tests/conftest.py): figures
# through the inline backend whatever the shell sets, stable hashing, and one
# BLAS thread, so that matrix products sum in the same order on every run
# (and stay fast when the other core is busy).
KERNEL_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
UNSET_ENV = ("MPLBACKEND",)
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
            if (last is not None and out.output_type == "stream"
                    and last.output_type == "stream" and last.name == out.name):
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def kernel_manager() -> KernelManager:
    """A manager for an IPython kernel of this very Python."""
    return KernelManager(kernel_name="python3", kernel_spec_manager=CurrentPythonKernelSpecs())


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
