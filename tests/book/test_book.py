"""The book builds with every warning treated as an error, and its table of
contents lists exactly the chapters in book/."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [str(Path(f).with_suffix("")) for f in files]


def test_every_chapter_is_in_the_toc():
    """Only files in _toc.yml are built: a chapter missing there would be
    tested but never shown."""
    chapters = {
        str(p.relative_to(ROOT).with_suffix(""))
        for p in (ROOT / "book").glob("*.ipynb")
    }
    missing = sorted(chapters - set(toc_files()))
    assert not missing, f"add these chapters to _toc.yml, in reading order: {missing}"


def test_every_toc_entry_exists():
    """Jupyter Book silently leaves out a _toc.yml entry whose file is missing."""
    absent = [
        f
        for f in toc_files()
        if not any((ROOT / f).with_suffix(s).is_file() for s in (".md", ".ipynb"))
    ]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"


def test_book_builds_without_warnings(built_book):
    if built_book.returncode != 0:
        warnings = "\n".join(built_book.warnings) or built_book.log[-5000:]
        raise AssertionError(
            f"`jupyter-book build . -W -n --keep-going` failed "
            f"(exit {built_book.returncode}):\n{warnings}"
        )
    assert (built_book.html / "index.html").is_file(), (
        f"no index.html in {built_book.html}"
    )
    print(f"book built in {built_book.seconds:.1f} s")


def test_no_page_shows_the_path_of_the_machine_that_built_it(built_book):
    """A default or a value printed as an absolute path (e.g. a data file's) is
    meaningless to a reader, and too wide for a phone."""
    leaks = [
        str(page.relative_to(built_book.html))
        for page in sorted(built_book.html.rglob("*.html"))
        if str(ROOT) in page.read_text(errors="replace")
    ]
    assert not leaks, f"pages that show {ROOT}: {leaks}"
