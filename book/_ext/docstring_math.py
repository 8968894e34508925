"""Sphinx extension: inline `$...$` math in the package's docstrings.

The docstrings write inline math as in the book, `$\\sigma(x)$`, which reads
well in `help()`. reStructuredText has no dollar math, so before autodoc
renders a docstring this turns every `$...$` into :math:`...` (display math
uses `.. math::` and is left alone, as is anything inside ``code``).
Loaded from _config.yml (sphinx.local_extensions).
"""

import re

CODE = re.compile(r"(``.+?``)")
# A formula may continue on the next line, but not across a blank line.
DOLLARS = re.compile(
    r"(?<![\\$\w])\$(?=\S)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<=\S)\$(?![$\w])"
)


def dollars_to_role(text: str) -> str:
    """`a $x^2$ b` -> `a :math:`x^2` b`, outside inline code.

    A formula that continues on the next line stays one formula; its line
    break stays too, so the docstring keeps its line numbers.
    """
    parts = CODE.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside ``code``
        parts[i] = DOLLARS.sub(lambda m: f":math:`{m.group(1)}`", parts[i])
    return "".join(parts)


def convert(app, what, name, obj, options, lines):
    converted = dollars_to_role("\n".join(lines)).split("\n")
    if len(converted) == len(lines):  # always, as only `$` are replaced
        lines[:] = converted


def setup(app):
    app.connect("autodoc-process-docstring", convert)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
