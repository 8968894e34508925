"""What the book's tests share (the unit tests' setup is in tests/conftest.py).

- `built_book` builds the book once per test session, into a fresh folder,
  for the build test and the browser test.
- `require` fails a test whose tool is missing under CI, and skips it elsewhere.
"""

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx's progress lines, which end the explanation of a warning.
STATUS = re.compile(
    r"^(\[\w+\] |[a-z][\w ]+\.\.\. |[a-z][\w ]*: |build finished|Running |=+$)"
)


class BookBuild:
    """The result of one `jupyter-book build . -W -n --keep-going`."""

    def __init__(self, html: Path, returncode: int, log: str, seconds: float):
        self.html = html
        self.returncode = returncode
        self.log = log
        self.seconds = seconds

    @property
    def warnings(self) -> list[str]:
        """Each warning or error of the build, with the lines that explain it."""
        found, current = [], None
        for line in ANSI.sub("", self.log).splitlines():
            if "WARNING:" in line or "ERROR:" in line:
                current = [line]
                found.append(current)
            elif (
                current is not None
                and line.strip()
                and not STATUS.match(line)
                and len(current) < 20
            ):
                current.append(line)
            else:
                current = None
        return ["\n".join(block) for block in found]


def require(tool, message: str) -> None:
    """A test that needs a tool which is missing: fail under CI (where
    .ci/run installs it), skip elsewhere, with `message` saying how to install it."""
    if tool is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(message)
        pytest.skip(message)


def jupyter_book() -> str:
    script = Path(sys.executable).with_name("jupyter-book")
    if script.exists():
        return str(script)
    raise RuntimeError(
        f"jupyter-book not found next to {sys.executable}: run `make test`, "
        "which installs requirements.txt into the virtual environment"
    )


def build_book(out: Path) -> BookBuild:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            jupyter_book(),
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return BookBuild(
        html=out / "_build" / "html",
        returncode=proc.returncode,
        log=proc.stdout + proc.stderr,
        seconds=time.perf_counter() - start,
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BookBuild:
    """Build the whole book from scratch (no stale environment can hide a
    warning) into a temporary folder, once per test run: the workers of
    pytest-xdist share the first one's build (a lock in the run's own
    temporary folder)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build_book(tmp_path_factory.mktemp("book"))
    shared = tmp_path_factory.getbasetemp().parent  # this run's, common to its workers
    out, record = shared / "book", shared / "book.json"
    with open(shared / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            build = build_book(out)
            record.write_text(json.dumps({**vars(build), "html": str(build.html)}))
        saved = json.loads(record.read_text())
    return BookBuild(**{**saved, "html": Path(saved["html"])})
