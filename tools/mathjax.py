"""Fetch MathJax so that the built book renders math without any network.

Usage: python tools/mathjax.py

Fetches one pinned MathJax 3 release with `npm pack` (Node's package
manager, as configured on the machine), checks its sha512 against the
value below, and keeps only what the book needs: the
full TeX bundle (every extension built in, so nothing is loaded on demand)
and its woff-v2 fonts. They go to `_mathjax/mathjax/`, which Sphinx copies
into `_build/html/_static/mathjax/` (see `html_static_path` and
`mathjax_path` in `_config.yml`). Does nothing when the files are present.
"""
import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "3.2.2"
PACKAGE = f"mathjax@{VERSION}"
# `npm view mathjax@3.2.2 dist.integrity`
SHA512 = "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="

DEST = ROOT / "_mathjax" / "mathjax"
SCRIPT = "tex-chtml-full.js"
FONTS = "output/chtml/fonts/woff-v2"


class MathJaxError(RuntimeError):
    """MathJax could not be fetched."""


def is_installed(dest: Path = DEST) -> bool:
    stamp = dest / "VERSION"
    return (
        stamp.is_file()
        and stamp.read_text().strip() == VERSION
        and (dest / SCRIPT).is_file()
        and any((dest / FONTS).glob("MathJax_Zero.woff"))
    )


def download(package: str = PACKAGE) -> bytes:
    """The package's tarball, fetched with `npm pack` and checked against SHA512."""
    npm = shutil.which("npm")
    if npm is None:
        raise MathJaxError("the book needs MathJax, fetched with npm, which is not installed (apt-get install npm)")
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [npm, "pack", package, "--pack-destination", folder, "--silent"],
            capture_output=True, text=True, timeout=300,
        )
        tarballs = list(Path(folder).glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise MathJaxError(
                f"`npm pack {package}` failed ({result.stderr.strip() or result.returncode}); "
                "the book needs MathJax to render math offline: check npm's access to its registry "
                "and run `make mathjax` again."
            )
        data = tarballs[0].read_bytes()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != SHA512:
        raise MathJaxError(f"{package} has sha512 {digest}, expected {SHA512}; refusing to use it.")
    return data


def extract(data: bytes, dest: Path = DEST) -> None:
    """Unpack the bundle and its fonts from the npm tarball into `dest`."""
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    wanted = (f"package/es5/{SCRIPT}", f"package/es5/{FONTS}/")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(wanted):
                continue
            target = tmp / member.name.removeprefix("package/es5/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
    (tmp / "VERSION").write_text(VERSION + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def ensure(dest: Path = DEST, quiet: bool = False) -> Path:
    """Make sure MathJax is in `dest`, downloading it if needed."""
    if not is_installed(dest):
        if not quiet:
            print(f"fetching MathJax {VERSION} into {dest.relative_to(ROOT)}", flush=True)
        extract(download(), dest)
    return dest


def main() -> int:
    try:
        ensure()
    except MathJaxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in DEST.rglob("*") if p.is_file())
    print(f"MathJax {VERSION} in {DEST.relative_to(ROOT)} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
