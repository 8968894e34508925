"""Keep the book's code cells identical to the package source.

Usage: python tools/sync.py [NOTEBOOK ...]   (default: every book/*.ipynb)

A code cell whose metadata is ``{"mytorch": {"source": "mytorch.nn.Linear"}}``
shows exactly ``inspect.getsource(mytorch.nn.Linear)``, without the trailing
newline. A cell marked ``{"mytorch": {"imports": ["mytorch.nn.linear"]}}``
shows the import statements of those modules (each once, in order), so the
synced classes below it run with exactly what the package gives them. This script
rewrites every such cell that differs from the package
(its outputs are kept) and says which ones it changed. `tests/book/test_sync.py`
uses `check` to fail when a cell has drifted.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


class SyncError(Exception):
    """A synced cell names an object that cannot be found or has no source."""


@dataclass
class SyncedCell:
    """One code cell that mirrors a package object."""

    path: Path
    index: int  # position of the cell in the notebook
    name: str  # dotted name, e.g. "mytorch.nn.Linear"
    source: str  # the cell's current text

    @property
    def chapter(self) -> str:
        return self.path.stem

    @property
    def id(self) -> str:
        return f"{self.chapter}::{self.name}"

    @property
    def where(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown} (cell {self.index})"


def notebooks(paths=None) -> list[Path]:
    """The given notebooks, or every chapter in book/."""
    return [Path(p) for p in paths] if paths else sorted(BOOK.glob("*.ipynb"))


def read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


IMPORTS = "imports of "


def marked_name(cell) -> str | None:
    """What a cell is synced with (a dotted name, or "imports of" module
    names), or None for an ordinary cell."""
    if cell.get("cell_type") != "code":
        return None
    meta = cell.get("metadata", {}).get("mytorch")
    if not isinstance(meta, dict):
        return None
    if "imports" in meta:
        modules = meta["imports"]
        return IMPORTS + ", ".join([modules] if isinstance(modules, str) else modules)
    return meta.get("source")


def cells(paths=None) -> list[SyncedCell]:
    """Every synced cell in the given notebooks, in book order."""
    found = []
    for path in notebooks(paths):
        for index, cell in enumerate(read(path).cells):
            name = marked_name(cell)
            if name is not None:
                found.append(SyncedCell(path, index, name, cell.source))
    return found


def resolve(name: str):
    """Import the object a dotted name refers to: the longest importable
    module prefix, then attributes (``mytorch.nn.Linear.backward``)."""
    if not isinstance(name, str) or not name.strip():
        raise SyncError(f"metadata mytorch.source must be a dotted name, got {name!r}")
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a missing *prefix* means "try a shorter one"; a module that
            # exists but fails to import is a real error.
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise
            continue
        break
    else:
        raise SyncError(f"cannot resolve {name!r}: no importable module {parts[0]!r}")
    for depth, attr in enumerate(parts[split:], start=split):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            owner = ".".join(parts[:depth])
            raise SyncError(
                f"cannot resolve {name!r}: {owner} has no attribute {attr!r}"
            ) from None
    return obj


def import_statements(modules: list[str]) -> str:
    """The top-level import statements of the named modules, each once."""
    lines = []
    for module_name in modules:
        module = resolve(module_name)
        if not inspect.ismodule(module):
            raise SyncError(f"cannot list the imports of {module_name!r}: not a module")
        text = inspect.getsource(module)
        for node in ast.parse(text).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                isinstance(node, ast.ImportFrom) and node.module == "__future__"
            ):
                statement = ast.get_source_segment(text, node)
                if statement not in lines:
                    lines.append(statement)
    files = ", ".join(m.replace(".", "/") + ".py" for m in modules)
    return f"# What {files} import{'s' if len(modules) == 1 else ''}\n" + "\n".join(
        lines
    )


def package_source(name: str) -> str:
    """The source of the named object, as a synced cell must show it."""
    if name.startswith(IMPORTS):
        return import_statements(name[len(IMPORTS) :].split(", "))
    obj = resolve(name)
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise SyncError(f"cannot get the source of {name!r}: {exc}") from None
    return source.rstrip("\n")


def first_difference(cell: str, package: str) -> str:
    """Describe the first line where the cell and the package differ."""
    ours, theirs = cell.splitlines(), package.splitlines()
    for number in range(1, max(len(ours), len(theirs)) + 1):
        a = ours[number - 1] if number <= len(ours) else "<end of cell>"
        b = theirs[number - 1] if number <= len(theirs) else "<end of source>"
        if a != b:
            return (
                f"first difference at line {number}:\n"
                f"  cell:    {a!r}\n  package: {b!r}"
            )
    return "the cell and the package differ only in trailing whitespace or newlines"


def check(cell: SyncedCell) -> None:
    """Raise AssertionError with a readable message if the cell has drifted."""
    try:
        expected = package_source(cell.name)
    except SyncError as exc:
        raise AssertionError(f"{cell.where}: {exc}") from None
    if cell.source != expected:
        raise AssertionError(
            f"{cell.where} shows {cell.name}, which no longer matches the package; "
            f"{first_difference(cell.source, expected)}\n"
            "Run `make sync` to rewrite the cell from the package, then "
            "`make execute` to refresh its outputs."
        )


def sync_notebook(path: Path) -> list[str]:
    """Rewrite the drifted cells of one notebook; return the names changed."""
    nb = read(path)
    changed = []
    for cell in nb.cells:
        name = marked_name(cell)
        if name is None:
            continue
        try:
            expected = package_source(name)
        except SyncError as exc:
            raise SyncError(f"{path.name}: {exc}") from None
        if cell.source != expected:
            cell.source = expected  # outputs and execution count stay as they are
            changed.append(name)
    if changed:
        nbformat.write(nb, path, version=nb.nbformat)
    return changed


def sync(paths=None, out=sys.stdout) -> int:
    """Sync every notebook; print one line per change. Returns the number changed."""
    total = changed = 0
    for path in notebooks(paths):
        names = sync_notebook(path)
        total += sum(marked_name(c) is not None for c in read(path).cells)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for name in names:
            print(f"{shown}: {name} updated", file=out)
        changed += len(names)
    if not changed:
        print(f"all {total} synced cells up to date", file=out)
    return changed


def main(argv: list[str]) -> int:
    try:
        sync(argv or None)
    except SyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
