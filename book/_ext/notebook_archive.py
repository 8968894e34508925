"""Sphinx extension: every chapter as a notebook, in one zip file beside the book.

After an HTML build, writes `mytorch-notebooks.zip` at the root of the site:
the notebooks of the table of contents, in reading order, with the outputs
the book shows, and the package they import (`mytorch/`, with its
`pyproject.toml`), so that `pip install .` in the unpacked folder and then
Jupyter run every chapter. The introduction links to it. Loaded from
_config.yml (sphinx.local_extensions).
"""

import zipfile
from pathlib import Path

ARCHIVE = "mytorch-notebooks.zip"
README = """mytorch: backpropagation from scratch -- the chapters as notebooks

Every chapter of the book, with the outputs the book shows, and the package
they import. To run them:

    python3 -m venv .venv && . .venv/bin/activate
    pip install ".[atlas]" jupyterlab
    jupyter lab book

The notebooks are numbered in reading order.
"""


def archive_members(root: Path, docnames: list) -> list:
    """(path in the archive, file) for the chapters and the package."""
    notebooks = [
        root / f"{name}.ipynb"
        for name in docnames
        if (root / f"{name}.ipynb").is_file()
    ]
    package = [
        p
        for p in sorted((root / "mytorch").rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]
    files = notebooks + package + [root / "pyproject.toml", root / "README.md"]
    return [(f"mytorch-notebooks/{p.relative_to(root)}", p) for p in files]


def write_archive(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    docnames = [app.config.root_doc] + list(
        app.env.toctree_includes.get(app.config.root_doc, [])
    )
    ordered = []
    for name in docnames:  # reading order, as the table of contents lists them
        ordered += [name] + [n for n in app.env.toctree_includes.get(name, [])]
    with zipfile.ZipFile(Path(app.outdir) / ARCHIVE, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mytorch-notebooks/README.txt", README)
        for arcname, path in archive_members(root, list(dict.fromkeys(ordered))):
            zf.write(path, arcname)


def setup(app):
    app.connect("build-finished", write_archive)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
