"""The framework stands alone: `pip install .` brings NumPy and SciPy only, and
`import mytorch` loads none of the book's companions."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANIONS = ("matplotlib", "pandas", "sklearn", "tqdm", "threadpoolctl", "IPython")


def test_the_package_depends_on_numpy_and_scipy_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = sorted(d.split(">")[0].split("=")[0].split("<")[0].strip()
                   for d in project["dependencies"])
    assert names == ["numpy", "scipy"]
    assert {"plot", "atlas"} <= set(project["optional-dependencies"])


def test_importing_the_framework_loads_no_companion():
    code = ("import sys, mytorch, mytorch.nn, mytorch.optim, mytorch.testing, "
            "mytorch.serialization, mytorch.autograd; "
            f"print([m for m in {COMPANIONS!r} if m in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip()
    assert loaded == "[]"


def test_the_book_requirements_hold_no_test_tools():
    book = (ROOT / "requirements-book.txt").read_text()
    assert not any(tool in book for tool in ("pytest", "hypothesis", "playwright"))
    assert "-r requirements-book.txt" in (ROOT / "requirements.txt").read_text()
