"""The share of argument checks in the book's synced code cells.

Usage: python tools/guard_share.py [--per-cell] [book/*.ipynb ...]

Counts, over every code cell whose metadata names a package object
(`metadata.mytorch.source`), the code lines: lines that hold code, not
blank, not a comment alone, not part of a docstring. A guard line is a line
of a `check_*(...)` call statement, of a `raise` statement, or the
condition of an `if` whose body only raises.

With `--statements`, lines are logical lines instead: one per statement (an
`if`, `for`, `def` or `class` counts its header once), so that a call the
formatter wraps over three physical lines still counts as one.
"""

import argparse
import ast
import io
import json
import sys
import tokenize
from pathlib import Path


def code_lines(source: str) -> set:
    """Numbers of the lines that hold code (not docstrings, comments or blanks)."""
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    ignored = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in ignored:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines - docstrings


def guard_lines(source: str) -> set:
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise):
            lines.update(range(node.lineno, node.end_lineno + 1))
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and getattr(
                node.value.func, "id", getattr(node.value.func, "attr", "")
            ).startswith("check_")
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
        elif (
            isinstance(node, ast.If)
            and not node.orelse
            and all(isinstance(statement, ast.Raise) for statement in node.body)
        ):
            lines.update(range(node.lineno, node.test.end_lineno + 1))
    return lines


def statements(source: str) -> tuple:
    """`(code, guard)`: the first lines of the statements and of the guards."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0])
        for node in ast.walk(tree)
        if isinstance(getattr(node, "body", None), list)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    code = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and id(node) not in docstrings
    }
    return code, guard_lines(source) & code


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--per-cell", action="store_true")
    parser.add_argument("--statements", action="store_true")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(Path("book").glob("*.ipynb"))
    total = guards = 0
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            name = cell.get("metadata", {}).get("mytorch", {}).get("source")
            if cell["cell_type"] != "code" or not name:
                continue
            source = "".join(cell["source"])
            if args.statements:
                code, guard = statements(source)
            else:
                code = code_lines(source)
                guard = guard_lines(source) & code
            total, guards = total + len(code), guards + len(guard)
            if args.per_cell and guard:
                print(
                    f"{name:40} {len(guard):3d} / {len(code):3d} "
                    f"= {len(guard) / len(code):4.0%}"
                )
    unit = "statements" if args.statements else "code lines"
    print(f"guard {unit}: {guards} of {total} {unit} = {guards / total:.1%}")


if __name__ == "__main__":
    sys.exit(main())
