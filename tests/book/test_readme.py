"""The README's example runs exactly as printed and prints what the README says."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_prints_what_the_readme_shows():
    section = README.read_text().split("## Example", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    # formatted as the package is: one statement per line
    assert len(code.strip().splitlines()) <= 15, "the example should stay short"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    assert out.getvalue() == expected
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", expected).group(1))
    assert accuracy > 0.95
