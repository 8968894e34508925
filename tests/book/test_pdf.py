"""The whole book as one PDF (`make pdf`): built offline with XeLaTeX, every
chapter in it, a sane number of pages. Run by `make test-pdf`, not `make test`."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, jupyter_book

pytestmark = pytest.mark.pdf
TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfinfo")


def chapter_titles() -> list[str]:
    """The first heading of every page in _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [
        c["file"] for part in toc["parts"] for c in part["chapters"]
    ]
    titles = []
    for name in files:
        path = next(
            p for p in (ROOT / f"{name}.md", ROOT / f"{name}.ipynb") if p.exists()
        )
        if path.suffix == ".ipynb":
            import nbformat

            text = "\n".join(
                c.source
                for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "markdown"
            )
        else:
            text = path.read_text()
        titles.append(
            next(
                line[2:].strip() for line in text.splitlines() if line.startswith("# ")
            )
        )
    return titles


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"make pdf needs {', '.join(missing)} (see the Makefile's pdf target)"
        )
    out = tmp_path_factory.mktemp("pdf")
    proc = subprocess.run(
        [
            jupyter_book(),
            "build",
            str(ROOT),
            "--builder",
            "pdflatex",
            "--path-output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    path = out / "_build" / "latex" / "mytorch.pdf"
    assert proc.returncode == 0 and path.is_file(), (
        proc.stdout[-3000:] + proc.stderr[-3000:]
    )
    return path


def test_every_chapter_is_in_the_pdf(pdf):
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    missing = [
        title for title in chapter_titles() if " ".join(title.split()) not in flat
    ]
    assert not missing, f"titles not found in the PDF: {missing}"


def test_page_count_is_sane(pdf):
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(
        next(
            line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")
        )
    )
    chapters = len(chapter_titles())
    assert 5 * chapters <= pages <= 60 * chapters, (
        f"{pages} pages for {chapters} chapters"
    )
