"""Sphinx extension: MathJax served with the book, from a Python package.

The `sphinx-mathjax-offline` wheel (PyPI) ships MathJax 3.2.2 with its web
fonts, so building the book needs neither npm nor network. This copies what
the book uses into the built site's `_static/mathjax/`: the full TeX bundle
(every TeX extension built in, so nothing is loaded on demand and
`\\boldsymbol` works offline) and its woff-v2 fonts, about 1.7 MB.
`mathjax_path` in _config.yml points at the bundle. (The wheel's own
extension would load the smaller `tex-chtml.js`, which fetches extensions on
demand.) Loaded from _config.yml (sphinx.local_extensions).
"""

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

PACKAGE = "sphinx-mathjax-offline"
SCRIPT = "tex-chtml-full.js"
FONTS = Path("output", "chtml", "fonts", "woff-v2")


def mathjax_folder() -> Path:
    """The folder of the installed package that holds MathJax."""
    spec = importlib.util.find_spec(PACKAGE)
    folder = None
    if spec is not None and spec.submodule_search_locations:
        folder = (
            Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
        )
    if (
        folder is None
        or not (folder / SCRIPT).is_file()
        or not (folder / FONTS).is_dir()
    ):
        raise ExtensionError(
            f"the book serves MathJax from the Python package {PACKAGE!r}, which is "
            f"not installed or has no {SCRIPT} and fonts: "
            "pip install -r requirements.txt"
        )
    return folder


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_folder(), Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / SCRIPT, target / SCRIPT)
    shutil.copytree(source / FONTS, target / FONTS, dirs_exist_ok=True)


def setup(app):
    mathjax_folder()  # a missing package is an error before the build, not after it
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
