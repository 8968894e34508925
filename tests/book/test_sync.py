"""The code shown in the chapters is the package's source (tools/sync.py).

`test_cell_matches_package` has one case per synced cell in book/*.ipynb;
the other tests check the sync machinery itself on a temporary notebook.
"""

import io
import sys
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import sync

CELLS = sync.cells()


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell_matches_package(cell):
    sync.check(cell)


# --- the machinery, on a module and a notebook made up for the test ---------

MODULE_V1 = '''\
def double(x):
    """Twice x."""
    return 2 * x


class Box:
    def __init__(self, value):
        self.value = value
'''


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A module `fakepkg.ops` importable for this test only; returns its path."""
    pkg = tmp_path / "pkg" / "fakepkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ops.py").write_text(MODULE_V1)
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    yield pkg / "ops.py"
    for name in [m for m in sys.modules if m.split(".")[0] == "fakepkg"]:
        del sys.modules[name]


@pytest.fixture
def chapter(tmp_path):
    """A notebook with two synced cells (one stale) and ordinary cells."""
    nb = new_notebook()
    output = new_output("stream", name="stdout", text="6\n")
    nb.cells = [
        new_markdown_cell("# A chapter"),
        new_code_cell(
            "def double(x):\n    return x + x",  # stale
            metadata={"mytorch": {"source": "fakepkg.ops.double"}},
            outputs=[output],
            execution_count=3,
        ),
        new_code_cell(
            MODULE_V1[MODULE_V1.index("class Box") :].rstrip("\n"),
            metadata={"mytorch": {"source": "fakepkg.ops.Box"}},
        ),
        new_code_cell("print(double(3))", outputs=[output], execution_count=4),
    ]
    path = tmp_path / "07_chapter.ipynb"
    nbformat.write(nb, path)
    return path


def test_cells_are_found_with_ids(fake_package, chapter):
    found = sync.cells([chapter])
    assert [c.id for c in found] == [
        "07_chapter::fakepkg.ops.double",
        "07_chapter::fakepkg.ops.Box",
    ]
    assert [c.index for c in found] == [1, 2]


def test_drift_is_reported_with_the_first_differing_line(fake_package, chapter):
    stale, current = sync.cells([chapter])
    sync.check(current)
    with pytest.raises(AssertionError) as info:
        sync.check(stale)
    message = str(info.value)
    assert "07_chapter.ipynb (cell 1)" in message
    assert "fakepkg.ops.double" in message
    assert "first difference at line 2" in message
    assert "cell:    '    return x + x'" in message
    assert 'package: \'    """Twice x."""\'' in message
    assert "make sync" in message


def test_sync_rewrites_stale_cells_and_keeps_outputs(fake_package, chapter):
    out = io.StringIO()
    assert sync.sync([chapter], out=out) == 1
    assert out.getvalue() == f"{chapter}: fakepkg.ops.double updated\n"

    nb = nbformat.read(chapter, as_version=4)
    cell = nb.cells[1]
    assert cell.source == MODULE_V1[: MODULE_V1.index("\n\n\nclass")]
    assert cell.outputs[0]["text"] == "6\n" and cell.execution_count == 3
    assert cell.metadata == {"mytorch": {"source": "fakepkg.ops.double"}}
    for c in sync.cells([chapter]):
        sync.check(c)

    out = io.StringIO()
    assert sync.sync([chapter], out=out) == 0
    assert out.getvalue() == "all 2 synced cells up to date\n"


def test_sync_follows_a_change_in_the_package(fake_package, chapter):
    sync.sync([chapter], out=io.StringIO())
    fake_package.write_text(
        MODULE_V1.replace("return 2 * x", "return 2 * x  # doubled")
    )
    del sys.modules["fakepkg.ops"]  # inspect.getsource reads the module's file again
    drifted = [c for c in sync.cells([chapter]) if c.name.endswith("double")]
    with pytest.raises(AssertionError, match="first difference at line 3"):
        sync.check(drifted[0])


def test_an_untouched_notebook_is_not_rewritten(fake_package, chapter):
    sync.sync([chapter], out=io.StringIO())
    before = chapter.read_bytes()
    mtime = chapter.stat().st_mtime_ns
    sync.sync([chapter], out=io.StringIO())
    assert chapter.read_bytes() == before and chapter.stat().st_mtime_ns == mtime


def test_a_notebook_round_trip_keeps_its_formatting(fake_package, chapter):
    """Only the stale cell's source changes in the file."""
    before = chapter.read_text().splitlines()
    sync.sync([chapter], out=io.StringIO())
    after = chapter.read_text().splitlines()
    changed = [line for line in after if line not in before]
    assert all(
        "Twice x" in line or "return 2 * x" in line or "def double" in line
        for line in changed
    ), changed


@pytest.mark.parametrize(
    "name, expected",
    [
        ("fakepkg.ops.nothing", "fakepkg.ops has no attribute 'nothing'"),
        ("fakepkg.ops.Box.nothing", "fakepkg.ops.Box has no attribute 'nothing'"),
        ("nosuchpackage.thing", "no importable module 'nosuchpackage'"),
        ("", "must be a dotted name"),
    ],
)
def test_unresolvable_names_fail_clearly(fake_package, name, expected):
    with pytest.raises(sync.SyncError, match=expected):
        sync.package_source(name)


def test_unresolvable_name_in_a_chapter_fails_the_check(fake_package, chapter):
    nb = nbformat.read(chapter, as_version=4)
    nb.cells[2].metadata["mytorch"]["source"] = "fakepkg.ops.Boks"
    nbformat.write(nb, chapter)
    with pytest.raises(
        AssertionError, match=r"cell 2\): cannot resolve 'fakepkg.ops.Boks'"
    ):
        sync.check(sync.cells([chapter])[1])
    with pytest.raises(sync.SyncError, match="07_chapter.ipynb: cannot resolve"):
        sync.sync([chapter], out=io.StringIO())


def test_methods_resolve_to_their_source(fake_package):
    assert sync.package_source("fakepkg.ops.Box.__init__") == textwrap.indent(
        "def __init__(self, value):\n    self.value = value", "    "
    )


def test_an_imports_cell_shows_the_modules_import_statements(fake_package, tmp_path):
    fake_package.write_text(
        "from __future__ import annotations\n\nimport math\nfrom os import path as p, sep\n\n"
        + MODULE_V1
    )
    (fake_package.parent / "more.py").write_text("import math\nimport json\n")
    nb = new_notebook()
    nb.cells = [
        new_code_cell(
            "import math",
            metadata={"mytorch": {"imports": ["fakepkg.ops", "fakepkg.more"]}},
        )
    ]
    path = tmp_path / "08_imports.ipynb"
    nbformat.write(nb, path)
    [cell] = sync.cells([path])
    assert cell.id == "08_imports::imports of fakepkg.ops, fakepkg.more"
    with pytest.raises(AssertionError, match="make sync"):
        sync.check(cell)
    sync.sync([path], out=io.StringIO())
    expected = "# What fakepkg/ops.py, fakepkg/more.py import\nimport math\nfrom os import path as p, sep\nimport json"
    assert nbformat.read(path, as_version=4).cells[0].source == expected
    sync.check(sync.cells([path])[0])
