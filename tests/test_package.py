"""The framework stands alone: `pip install .` brings NumPy and SciPy only, and
`import mytorch` loads none of the book's companions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
COMPANIONS = ("matplotlib", "pandas", "sklearn", "tqdm", "threadpoolctl", "IPython")
# The notebook machinery, which only the book's tests (tests/book/) need.
JUPYTER = ("nbformat", "nbclient", "jupyter_client", "ipykernel", "zmq")


def test_the_package_depends_on_numpy_and_scipy_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = sorted(
        d.split(">")[0].split("=")[0].split("<")[0].strip()
        for d in project["dependencies"]
    )
    assert names == ["numpy", "scipy"]
    assert {"plot", "atlas"} <= set(project["optional-dependencies"])


def printed_in_a_fresh_process(code: str, env=None) -> str:
    """What `python -c code` prints, run from the repository's root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout.strip()


def test_importing_the_framework_loads_no_companion():
    code = (
        "import sys, mytorch, mytorch.nn, mytorch.optim, mytorch.testing, "
        "mytorch.serialization, mytorch.autograd; "
        f"print([m for m in {COMPANIONS!r} if m in sys.modules])"
    )
    loaded = printed_in_a_fresh_process(code)
    assert loaded == "[]"


def test_the_book_requirements_hold_no_test_tools():
    book = (ROOT / "requirements-book.txt").read_text()
    assert not any(tool in book for tool in ("pytest", "hypothesis", "playwright"))
    assert "-r requirements-book.txt" in (ROOT / "requirements.txt").read_text()


# --- the layout: files of one job, layers that only look down -----------------------


PACKAGE = ROOT / "mytorch"
#: What the framework is: everything but the book's companion and the atlas.
COMPANIONS_IN_PACKAGE = ("mytorch.book", "mytorch.atlas")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """The mytorch modules that ``path`` imports when it is imported (not in functions)."""
    import ast

    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return {name for name in found if name in modules}


def test_every_file_of_the_package_has_at_most_300_lines():
    lengths = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in lengths.items() if n > 300} == {}


def test_the_package_imports_have_no_cycle():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        # Importing a submodule runs its parent packages first: not an edge.
        graph[name] = {
            m for m in top_level_imports(path) if not (name + ".").startswith(m + ".")
        }
    done, path = set(), []

    def visit(name):
        if name in path:
            cycle = path[path.index(name) :] + [name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        path.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_framework_imports_neither_the_atlas_nor_the_book():
    framework = [
        p
        for p in PACKAGE.rglob("*.py")
        if not module_name(p).startswith(COMPANIONS_IN_PACKAGE)
    ]
    assert len(framework) > 20
    offenders = {
        module_name(p): sorted(
            m for m in top_level_imports(p) if m.startswith(COMPANIONS_IN_PACKAGE)
        )
        for p in framework
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    code = (
        "import sys, mytorch, mytorch.nn, mytorch.optim, mytorch.testing, "
        "mytorch.serialization, mytorch.autograd, mytorch.datasets; "
        f"print(sorted(m for m in sys.modules if m.startswith({COMPANIONS_IN_PACKAGE!r})))"
    )
    loaded = printed_in_a_fresh_process(code)
    assert loaded == "[]"


def test_the_unit_tests_setup_imports_no_jupyter_package():
    # tests/conftest.py is loaded for every test: `pytest tests/test_linear.py`
    # must not start the notebook machinery (tests/book/conftest.py may).
    code = (
        "import importlib.util, sys; "
        "spec = importlib.util.spec_from_file_location("
        "'unit_conftest', 'tests/conftest.py'); "
        "module = importlib.util.module_from_spec(spec); "
        "spec.loader.exec_module(module); "
        "assert callable(module.rng); "
        f"print([m for m in {JUPYTER!r} if m in sys.modules])"
    )
    loaded = printed_in_a_fresh_process(
        code, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert loaded == "[]"


def test_running_a_unit_test_file_loads_no_jupyter_package(tmp_path):
    # What `pytest tests/test_linear.py` has imported when its session ends.
    (tmp_path / "modules_at_end.py").write_text(
        "import sys\n\n"
        "def pytest_sessionfinish(session):\n"
        f"    found = [m for m in {JUPYTER!r} if m in sys.modules]\n"
        "    print('jupyter modules:', found)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_linear.py", "-q"]
        + ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "modules_at_end"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "jupyter modules: []" in proc.stdout, proc.stdout
