"""Re-run the book's chapters and compare every cell's outputs with the stored ones.

A pytest plugin: `pytest -p tools.nbcompare --notebooks book` collects each chapter,
runs it top to bottom in one fresh kernel (the environment of
`tools/execute.py`), and makes every code cell one test. What a cell's
outputs are compared by is written in its metadata, `metadata.mytorch.compare`,
because floating-point results differ in their last bits between processors
and BLAS kernels (CONTRIBUTING.md, "Stored outputs"):

- absent: **exact**. The text outputs (stdout, stderr, `text/plain`,
  `text/html`, errors) must be identical, and the cell must produce the same
  kinds of outputs in the same order (a figure must still be drawn; its
  pixels are not compared).
- `{"rtol": R, "atol": A, "why": "..."}`: **tolerance**. The text with every
  number masked must be identical (runs of spaces count as one); each number
  must satisfy |new - stored| <= A + R |stored|, plus one unit in the last
  printed digit for a number printed with a point or an exponent (rounding
  to the printed digits can move it by that much on its own). `why` says what
  the tolerance protects and where its size comes from.
- `{"claims": "..."}`: **asserted claims**, for training runs whose digits
  are chaotic across machines. The text with every number masked must still
  be identical, and the cell must contain `assert` statements: they check
  what the prose says about the numbers, with bounds measured across kernels.

No output is ever ignored: nbval's `nbval-ignore-output` and `nbval-skip` tags
are refused. A cell tagged `raises-exception` may end in an error.
"""

from __future__ import annotations

import ast
import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

# A number as Python and NumPy print them: 3, -0.97, 1.3e+10, 2e-10, .5, nan, inf.
# Digits inside a name (float64, x2) are not numbers.
NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])"
)
SPACES = re.compile(r"\s+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEXT_TYPES = ("text/plain", "text/html")
REFUSED_TAGS = ("nbval-ignore-output", "nbval-skip", "nbval-check-output")


# ---------------------------------------------------------------- comparison


def cell_outputs(cell) -> list[tuple[str, str]]:
    """A cell's outputs as (kind, text) pairs; consecutive streams of one name
    are joined, as `tools/execute.py` stores them, and images count by kind."""
    found: list[tuple[str, str]] = []
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind == "stream":
            text = "".join(out["text"])
            if found and found[-1][0] == out["name"]:
                found[-1] = (out["name"], found[-1][1] + text)
            else:
                found.append((out["name"], text))
        elif kind == "error":
            found.append(("error", f"{out['ename']}: {out['evalue']}"))
        else:  # execute_result, display_data
            data = out.get("data", {})
            for mime in TEXT_TYPES:
                if mime in data:
                    found.append((mime, "".join(data[mime])))
            for mime in sorted(data):
                if mime.startswith("image/"):
                    found.append((mime, ""))
    return found


def mask(text: str) -> str:
    """The text with every number replaced by '#', runs of whitespace by one space."""
    return SPACES.sub(" ", NUMBER.sub("#", text)).strip()


def last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a rounded number ('0.968' -> 0.001,
    '2e-10' -> 1e-10, '1.3e+10' -> 1e9); 0 for an integer, which is not rounded."""
    mantissa, _, exponent = token.lower().lstrip("+-").partition("e")
    if "." not in mantissa and not exponent:
        return 0.0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


@dataclass
class Mismatch:
    """Why a new output does not match the stored one."""

    message: str

    def __str__(self) -> str:
        return self.message


def compare_numbers(stored: str, new: str, rtol: float, atol: float) -> Mismatch | None:
    """Compare two texts that differ only in numbers within the tolerance."""
    if mask(stored) != mask(new):
        return Mismatch(
            f"the text around the numbers changed:\n"
            f"--- stored\n{stored}\n--- new\n{new}"
        )
    for old, now in zip(NUMBER.findall(stored), NUMBER.findall(new)):
        a, b = float(old), float(now)
        if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
            if old.lstrip("+") != now.lstrip("+"):
                return Mismatch(f"{now} where {old} was stored")
            continue
        bound = atol + rtol * abs(a) + max(last_digit_unit(old), last_digit_unit(now))
        if abs(b - a) > bound * (1 + 1e-9):  # 1e-9: the decimal tokens' own rounding
            return Mismatch(
                f"{now} where {old} was stored: differs by {abs(b - a):.3g}, "
                f"more than the tolerance {bound:.3g} "
                f"(atol {atol:g} + rtol {rtol:g} x |stored| + last digit)\n"
                f"--- stored\n{stored}\n--- new\n{new}"
            )
    return None


def compare_outputs(stored: list, new: list, rule: dict | None) -> Mismatch | None:
    """Compare a cell's outputs, as given by `cell_outputs`, under its rule."""
    kinds_stored, kinds_new = [k for k, _ in stored], [k for k, _ in new]
    if kinds_stored != kinds_new:
        return Mismatch(f"the cell produced outputs {kinds_new}, stored {kinds_stored}")
    for (kind, old), (_, now) in zip(stored, new):
        if old == now:
            continue
        if rule is None:
            return Mismatch(
                f"{kind} differs (compared exactly):\n--- stored\n{old}\n--- new\n{now}"
            )
        if "claims" in rule:
            if mask(old) != mask(now):
                return Mismatch(
                    f"{kind}: the text around the numbers changed:\n"
                    f"--- stored\n{old}\n--- new\n{now}"
                )
            continue
        problem = compare_numbers(old, now, rule["rtol"], rule["atol"])
        if problem:
            return Mismatch(f"{kind}: {problem}")
    return None


def check_rule(source: str, rule) -> None:
    """Raise ValueError unless `rule` (metadata.mytorch.compare) is well formed
    for a cell with this source."""
    if rule is None:
        return
    if not isinstance(rule, dict):
        raise ValueError(f"compare must be a mapping, got {rule!r}")
    if "claims" in rule:
        if set(rule) != {"claims"} or not str(rule["claims"]).strip():
            raise ValueError(
                f"a claims rule is {{'claims': 'what the asserts check'}}, got {rule!r}"
            )
        if not any(
            isinstance(node, ast.Assert) for node in ast.walk(ast.parse(source))
        ):
            raise ValueError(
                "a cell compared by its claims must assert them, "
                "but this cell has no assert statement"
            )
        return
    if set(rule) != {"rtol", "atol", "why"} or not str(rule["why"]).strip():
        raise ValueError(
            f"a tolerance rule is {{'rtol': R, 'atol': A, 'why': '...'}}, got {rule!r}"
        )
    for key in ("rtol", "atol"):
        value = rule[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value >= 0
        ):
            raise ValueError(f"{key} must be a number >= 0, got {value!r}")


# ---------------------------------------------------------------- pytest plugin


def pytest_addoption(parser):
    parser.addoption(
        "--notebooks",
        action="store_true",
        help="re-run the .ipynb chapters and compare their outputs "
        "(tools/nbcompare.py)",
    )


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".ipynb" and parent.config.getoption("notebooks"):
        return NotebookFile.from_parent(parent, path=file_path)
    return None


def pytest_report_header(config):
    if config.getoption("notebooks"):
        return f"floating point: {floating_point_setup()}"
    return None


def floating_point_setup() -> str:
    """The BLAS kernel and NumPy's SIMD targets in use, which decide the last bits."""
    import threadpoolctl
    from numpy._core import _multiarray_umath as simd

    blas = [
        f"{i['internal_api']} {i['version']} ({i['architecture']})"
        for i in threadpoolctl.threadpool_info()
        if i["user_api"] == "blas"
    ]
    targets = list(simd.__cpu_baseline__) + [
        name for name in simd.__cpu_dispatch__ if simd.__cpu_features__.get(name)
    ]
    return f"BLAS {', '.join(blas) or 'unknown'}; NumPy SIMD {' '.join(targets)}"


class NotebookFile(pytest.File):
    """One chapter: a kernel for its cells, started before the first."""

    def collect(self):
        import nbformat

        self.notebook = nbformat.read(self.path, as_version=4)
        number = 0
        for index, cell in enumerate(self.notebook.cells):
            if cell.cell_type == "code":
                number += 1
                yield CellItem.from_parent(
                    self, name=f"cell {number}", cell=cell, index=index
                )

    def setup(self):
        from tools import execute  # the kernel and its environment
        from nbclient import NotebookClient

        self.client = NotebookClient(
            copy.deepcopy(self.notebook),
            km=execute.kernel_manager(),
            timeout=execute.TIMEOUT,
            record_timing=False,
            allow_errors=True,
            resources={"metadata": {"path": str(self.path.parent)}},
        )
        self._kernel = self.client.setup_kernel(env=execute.kernel_environment())
        self._kernel.__enter__()

    def teardown(self):
        kernel = getattr(self, "_kernel", None)
        if kernel is not None:
            kernel.__exit__(None, None, None)


class CellFailed(Exception):
    pass


class CellItem(pytest.Item):
    def __init__(self, *, cell, index, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.index = index

    def runtest(self):
        tags = self.cell.metadata.get("tags", [])
        refused = [t for t in tags if t in REFUSED_TAGS]
        if refused:
            raise CellFailed(
                f"tag {refused[0]} is not used in this book: every output is "
                "compared, by the rule in metadata.mytorch.compare"
            )
        rule = self.cell.metadata.get("mytorch", {}).get("compare")
        try:
            check_rule(self.cell.source, rule)
        except ValueError as exc:
            raise CellFailed(f"metadata.mytorch.compare: {exc}") from None
        fresh = copy.deepcopy(self.cell)
        fresh.outputs = []
        self.parent.client.execute_cell(fresh, self.index, store_history=True)
        new = cell_outputs(fresh)
        if "raises-exception" not in tags and any(kind == "error" for kind, _ in new):
            error = next(out for out in fresh.outputs if out.output_type == "error")
            raise CellFailed(
                "the cell raised an error:\n" + ANSI.sub("", "\n".join(error.traceback))
            )
        problem = compare_outputs(cell_outputs(self.cell), new, rule)
        if problem:
            raise CellFailed(str(problem))

    def repr_failure(self, excinfo):
        if excinfo.errisinstance(CellFailed):
            return f"{self.path.name}, {self.name}:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"
