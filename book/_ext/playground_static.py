"""Sphinx extension: the playground page's scripts, served with the book.

Copies `book/_playground/` (the JavaScript port of the package, the page's
script and style, the tasks' points, and `embed.html`, the small copy that
the chapters on geometry and the atlas show in an iframe) into the built
site's `_static/playground/`, which `book/playground.md` loads. They are not put in
`html_static_path`: Jupyter Book adds every .js and .css file found there to
every page of the book, and these belong to one page only. Loaded from
_config.yml (sphinx.local_extensions).
"""

import shutil
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "_playground"
SUFFIXES = {".js", ".css", ".html"}


def copy_playground(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "playground"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(SOURCE.iterdir()):
        if path.suffix in SUFFIXES:
            shutil.copy2(path, target / path.name)


def setup(app):
    app.connect("build-finished", copy_playground)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
