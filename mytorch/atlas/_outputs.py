"""Where a command-line run writes: the output folder, the staging, the manifest.

The files appear only once the whole run has succeeded (written in a hidden
folder inside ``--out``, then renamed into place, the manifest last); a
run that fails or is interrupted leaves none.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import tempfile
import threading
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from threadpoolctl import threadpool_info

__all__ = ["MANIFEST"]

#: The file written beside the results of every command-line run. It says what
#: ran, on what, and which files the run wrote (those that ``--overwrite``
#: removes when a later run replaces it).
MANIFEST = "manifest.json"
# The names of the files a command-line run writes, besides the manifest.
_RESULT_FILES = re.compile(
    r"(atlas|baseline|sweep|comparison)\.csv|overview\.png"
    r"|(grid|curves)_\w+\.png"
)


def _earlier_run(parser, out: Path, overwrite: bool) -> list[Path]:
    """The files of the run that ``out`` holds, if any (``parser.error`` unless
    ``overwrite``).

    A run's files are those its :data:`MANIFEST` lists, and the manifest.
    """
    if not out.is_dir():
        return []
    found = sorted(
        p.name
        for p in out.iterdir()
        if p.name == MANIFEST or _RESULT_FILES.fullmatch(p.name)
    )
    if not found:
        return []
    if not overwrite:
        parser.error(
            f"argument --out: expected a folder without another run's results, got "
            f"{out}, which holds {', '.join(found)} (--overwrite replaces them)"
        )
    if MANIFEST not in found:
        parser.error(
            f"argument --out: --overwrite removes only the files that {MANIFEST} "
            f"lists, and {out} holds {', '.join(found)} without one; move them "
            "away or choose another folder"
        )
    try:
        listed = json.loads((out / MANIFEST).read_text())["files"]
        if not all(
            isinstance(name, str) and _RESULT_FILES.fullmatch(name) for name in listed
        ):
            raise ValueError(f"unexpected file names {listed!r}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        parser.error(
            f"argument --out: --overwrite removes only the files that {MANIFEST} "
            f"lists, and {out / MANIFEST} is not a manifest ({error}); move "
            f"{', '.join(found)} away or choose another folder"
        )
    unlisted = sorted(set(found) - set(listed) - {MANIFEST})
    if unlisted:
        parser.error(
            f"argument --out: --overwrite removes only the files that {MANIFEST} "
            f"lists, and {out} also holds {', '.join(unlisted)}; move them away "
            "or choose another folder"
        )
    return [out / MANIFEST] + [out / name for name in listed]


def _output_folder(parser, text: str) -> Path:
    """``--out`` as a folder that exists or can be created (``parser.error`` if not)."""
    if not text:
        parser.error("argument --out: expected a folder, got ''")
    out = Path(text)
    try:
        # The nearest existing path: out itself, or the folder it will be created in.
        existing = next(p for p in (out, *out.parents) if p.exists())
        if not existing.is_dir():
            where = "which is" if existing == out else f"which lies under {existing},"
            parser.error(
                f"argument --out: expected a folder, got {out}, {where} a file"
            )
    except OSError as error:
        parser.error(f"argument --out: expected a folder, got {out} ({error.strerror})")
    return out


class _Staging:
    """A run's files, written in a hidden folder inside ``out`` and moved into place at
    the end.

    :meth:`commit` removes the earlier run's files (``replaced``) and renames
    the new ones into ``out`` (``os.replace``, atomic on one file system),
    the manifest last; :meth:`discard` leaves ``out`` as it was before the
    run (without the earlier run's files, if commit had begun).
    """

    def __init__(self, out: Path, replaced: list[Path]):
        self.out, self.replaced = out, replaced
        self.created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
        self.committed = []

    def commit(self, manifest: dict) -> list[str]:
        names = sorted(p.name for p in self.folder.iterdir())
        manifest["files"] = names
        (self.folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for path in self.replaced:
            path.unlink(missing_ok=True)
        for name in names + [MANIFEST]:
            os.replace(self.folder / name, self.out / name)
            self.committed.append(self.out / name)
        self.folder.rmdir()
        return names

    def discard(self):
        for path in self.committed:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created and not any(self.out.iterdir()):
            self.out.rmdir()


def _environment() -> dict:
    """Package versions, BLAS kernels and machine, for the manifest."""
    import mytorch

    versions = {"mytorch": mytorch.__version__}
    for package in (
        "numpy",
        "scipy",
        "scikit-learn",
        "pandas",
        "matplotlib",
        "threadpoolctl",
        "joblib",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    blas = [
        {
            key: info.get(key)
            for key in (
                "user_api",
                "internal_api",
                "version",
                "architecture",
                "filepath",
            )
        }
        for info in threadpool_info()
    ]
    processor = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            processor = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                processor,
            )
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": processor,
        "cpu_count": os.cpu_count(),
        "packages": versions,
        "blas": blas,
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def _signals_held():
    """Drop further Ctrl-C and SIGTERM while the block cleans up after the first one.

    A second signal must not cut the cleanup short. Only the main thread sets handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(signum, lambda *_: None) for signum in held]
    try:
        yield
    finally:
        for signum, handler in zip(held, previous):
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
