"""The notation page gives each symbol one meaning, and the chapters keep to it.

`book/notation.md` defines the symbols in one table per topic, each row
naming its symbols in the first column; the last table, "Letters that carry
one meaning", sums up the letters that are tempting for several things. A
symbol defined in two rows has two meanings (or one meaning written twice,
which drifts apart sooner or later), so every symbol has exactly one row.
The chapters are checked for the symbols the book has retired in favour of
other letters.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTATION = ROOT / "book" / "notation.md"
SUMMARY = "Letters that carry one meaning"
MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)

# Symbols replaced by other letters, each with the meaning it had and the
# reason; a pattern is searched in the math of every chapter's Markdown.
RETIRED = {
    r"\\iota\b": "the activation pattern is the set A(x)",
    r"(?<![\\\w])s_\{?t": "RMSprop's running mean is v_t; s is the softmax output",
    r"(?<![\\\w])u_\{?t": "SGD's velocity is the step Delta theta_t; u is a graph node",
    r"(?<![\\\w])a_o\b": "the seed index is l",
    r"\\varphi_": "autograd's operation is op_i, Nesterov's look-ahead theta'_t",
    r"\\hat p\b": "the confidence is s-hat, since p is dropout's probability",
    r"(?<![\\\w])c_\{?t\b": "a scaling factor is rho; c is a class index",
    r"(?<![\\\w])Q_\{?i|P - Q\b": "the one-hot targets are onehot(y); Q holds eigenvectors",
    r"\\delta(?![_\w])": "Kronecker's delta has indices; a logit gap is z_(1) - z_(2)",
    r"u\^\{\(K\)\}": "a graph's last node is u^(n_u); K counts a network's modules",
    r"(?<![\\\w])m(_i)?\s*=\s*\\max|z_\{?\w*\}?\s*-\s*m(_i)?(?![\w])": "the softmax's "
    "shift is z_max; m_t is Adam's",
    r"t_\{0\.975": "the t quantile is t_{S-1}, with its degrees of freedom",
    r"(?<![\\\w])[xn]_\{?q(?![\w])": "module q's output is X^(q), of width d_q",
    r"(?<![\\\w])g(_\{?\\tanh\}?)?\s*=\s*\\sqrt": "the gain of a nonlinearity f is rho_f",
}


def tables(text: str) -> dict[str, list[list[str]]]:
    """The rows of each table whose first column is headed "symbol", by section."""
    found, section, header = defaultdict(list), None, None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif header[0] == "symbol" and not set(line) <= set("|-: "):
            found[section].append(cells)
    return found


def symbols(cell: str) -> list[str]:
    """The symbols named in a first column: each `$...$`, split at top-level commas."""
    names = []
    for match in MATH.finditer(cell):
        math, depth, start = match.group(1) or match.group(2), 0, 0
        for i, char in enumerate(math + ","):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == "," and depth == 0:
                names.append(re.sub(r"[\s{}]", "", math[start:i]))
                start = i + 1
    return [name for name in names if name]


def test_the_tables_are_read():
    found = tables(NOTATION.read_text())
    assert SUMMARY in found and len(found) >= 8
    assert sum(len(rows) for rows in found.values()) >= 100
    assert symbols(r"$\beta_1, \beta_2$, $\hat{m}_t$") == [
        r"\beta_1",
        r"\beta_2",
        r"\hatm_t",
    ]


def test_every_symbol_has_one_row():
    rows = defaultdict(list)
    for section, table in tables(NOTATION.read_text()).items():
        if section == SUMMARY:
            continue
        for cells in table:
            for name in symbols(cells[0]):
                rows[name].append(f"{section}: {cells[1][:50]}")
    twice = {name: where for name, where in rows.items() if len(where) > 1}
    assert not twice, f"symbols defined in more than one row: {twice}"


def test_every_letter_of_the_summary_has_one_row():
    table = tables(NOTATION.read_text())[SUMMARY]
    names = [name for cells in table for name in symbols(cells[0])]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def markdown_math():
    """(file, math) for every formula in the chapters' Markdown and the pages."""
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                for match in MATH.finditer("".join(cell["source"])):
                    yield path.name, match.group(1) or match.group(2)
    for path in sorted((ROOT / "book").glob("*.md")):
        for match in MATH.finditer(path.read_text()):
            yield path.name, match.group(1) or match.group(2)


@pytest.mark.parametrize("pattern", RETIRED)
def test_retired_symbols_stay_out_of_the_book(pattern):
    found = [
        f"{name}: {math.strip()[:60]}"
        for name, math in markdown_math()
        if re.search(pattern, math)
    ]
    assert not found, f"{RETIRED[pattern]}, but: {found}"
