"""The comparison of re-run chapter outputs with the stored ones (tools/nbcompare.py):
tolerant where a cell says so, and still failing on every real change."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tools import nbcompare
from tools.nbcompare import check_rule, compare_outputs, last_digit_unit, mask

ROOT = Path(nbcompare.__file__).resolve().parent.parent
ROUNDOFF = {"rtol": 0, "atol": 5e-9, "why": "round-off"}
CLAIMS = {"claims": "what the asserts check"}


def out(text, kind="stdout"):
    return [(kind, text)]


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("loss 0.968, slope -0.97", ["0.968", "-0.97"]),
        ("1.3e+10 entries, error 2e-10, step 1e-06", ["1.3e+10", "2e-10", "1e-06"]),
        # a hyphen, not a sign
        ("float64 x2 (32, 2) 2-32-32-C", ["32", "2", "2", "32", "32"]),
        ("[nan inf 1.]", ["nan", "inf", "1."]),
    ],
)
def test_numbers_are_found_but_not_inside_names(text, numbers):
    assert nbcompare.NUMBER.findall(text) == numbers


def test_mask_keeps_the_words_and_collapses_spaces():
    assert mask("acc  0.968\n  loss 1.2e-3 float64") == "acc # loss # float64"


@pytest.mark.parametrize(
    "token, unit",
    [
        ("0.968", 1e-3),
        ("2e-10", 1e-10),
        ("1.3e+10", 1e9),
        ("7.", 1.0),
        ("-0.97", 1e-2),
        ("12", 0.0),
    ],
)
def test_last_digit_unit(token, unit):
    assert last_digit_unit(token) == pytest.approx(unit)


def test_exact_cells_fail_on_any_change():
    assert compare_outputs(out("acc 0.968\n"), out("acc 0.968\n"), None) is None
    assert "compared exactly" in str(
        compare_outputs(out("acc 0.968\n"), out("acc 0.969\n"), None)
    )


@pytest.mark.parametrize(
    "new",
    [
        "max rel. error: 3e-10\n",  # round-off moved
        # at the bound: 1e-10 + 5e-9 - 1e-10 < 5e-9 + 1e-9 unit
        "max rel. error: 5e-09\n",
    ],
)
def test_tolerance_accepts_round_off(new):
    assert compare_outputs(out("max rel. error: 1e-10\n"), out(new), ROUNDOFF) is None


@pytest.mark.parametrize(
    "new, reason",
    [
        ("max rel. error: 7e-09\n", "tolerance"),  # a digit beyond the tolerance
        ("max rel. error: 2e-04\n", "tolerance"),  # a real bug
        ("max abs. error: 1e-10\n", "text around"),  # a changed word
        ("", "text around"),  # a missing line
    ],
)
def test_tolerance_fails_on_real_changes(new, reason):
    assert reason in str(
        compare_outputs(out("max rel. error: 1e-10\n"), out(new), ROUNDOFF)
    )


def test_a_flipped_sign_fails_beyond_the_tolerance():
    rule = {"rtol": 1e-9, "atol": 0, "why": "a closed form"}
    # last digit
    assert compare_outputs(out("slope 0.5000\n"), out("slope 0.5001\n"), rule) is None
    assert "tolerance" in str(
        compare_outputs(out("slope 0.5000\n"), out("slope -0.5000\n"), rule)
    )
    assert "tolerance" in str(
        compare_outputs(out("slope 0.5000\n"), out("slope 0.5002\n"), rule)
    )


def test_integers_are_not_rounded_so_they_get_no_last_digit_slack():
    rule = {"rtol": 0, "atol": 0, "why": "counts"}
    assert "tolerance" in str(compare_outputs(out("3 of 6\n"), out("4 of 6\n"), rule))


def test_nan_and_inf_must_stay_what_they_were():
    assert "nan where 0.5" in str(compare_outputs(out("0.5\n"), out("nan\n"), ROUNDOFF))
    assert compare_outputs(out("[nan inf]\n"), out("[nan inf]\n"), ROUNDOFF) is None
    assert "-inf where inf" in str(
        compare_outputs(out("inf\n"), out("-inf\n"), ROUNDOFF)
    )


def test_a_missing_or_extra_output_fails_under_every_rule():
    figure = [("stdout", "acc 0.968\n"), ("image/png", "")]
    for rule in (None, ROUNDOFF, CLAIMS):
        assert "produced outputs" in str(compare_outputs(figure, figure[:1], rule))
        assert "produced outputs" in str(compare_outputs(figure[:1], figure, rule))


def test_claims_ignore_the_digits_but_not_the_words():
    stored = out("spiral 0.975 0.981 reached False\n")
    assert (
        compare_outputs(stored, out("spiral 0.960 0.984 reached False\n"), CLAIMS)
        is None
    )
    assert "text around" in str(
        compare_outputs(stored, out("spiral 0.960 0.984 reached True\n"), CLAIMS)
    )


@pytest.mark.parametrize(
    "rule, source, message",
    [
        (CLAIMS, "print(acc)", "has no assert statement"),
        ({"claims": ""}, "assert acc > 0.9", "claims rule is"),
        ({"rtol": 1e-9, "atol": 0}, "", "tolerance rule is"),
        ({"rtol": -1, "atol": 0, "why": "x"}, "", "rtol must be a number >= 0, got -1"),
        (
            {"rtol": 0, "atol": "0", "why": "x"},
            "",
            "atol must be a number >= 0, got '0'",
        ),
        ("exact", "", "compare must be a mapping"),
    ],
)
def test_malformed_rules_are_refused(rule, source, message):
    with pytest.raises(ValueError, match=message):
        check_rule(source, rule)


def test_well_formed_rules_pass():
    check_rule("x = 1\nassert x == 1", CLAIMS)
    check_rule("", ROUNDOFF)
    check_rule("", None)


# ---------------------------------------------------------------- end to end


def chapter(tmp_path, cells) -> Path:
    nb = new_notebook(cells=cells)
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def run_pytest(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tools.nbcompare",
            "--notebooks",
            "-p",
            "no:nbval",
            "-p",
            "no:cacheprovider",
            str(path),
        ],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def stdout_cell(source, text, **metadata):
    cell = new_code_cell(source, metadata=metadata)
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


def test_a_chapter_passes_when_its_outputs_hold(tmp_path):
    path = chapter(
        tmp_path,
        [
            stdout_cell("x = 0.1 + 0.2\nprint(f'{x:.3f}')", "0.300\n"),
            stdout_cell(
                "print(f'{x * 1e-10:.0e}')", "1e-11\n", mytorch={"compare": ROUNDOFF}
            ),
            stdout_cell(
                "acc = 0.97 + 0.001\nprint(f'accuracy {acc:.3f}')\nassert acc > 0.9",
                "accuracy 0.812\n",
                mytorch={"compare": CLAIMS},
            ),
        ],
    )
    proc = run_pytest(path)
    assert "3 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "floating point: BLAS" in proc.stdout


def test_a_chapter_fails_on_a_changed_output_a_refused_tag_and_a_failed_claim(tmp_path):
    path = chapter(
        tmp_path,
        [
            stdout_cell("print('0.301')", "0.300\n"),
            stdout_cell("print(1)", "2\n", tags=["nbval-ignore-output"]),
            stdout_cell(
                "print('accuracy 0.5')\nassert 0.5 > 0.9",
                "accuracy 0.5\n",
                mytorch={"compare": CLAIMS},
            ),
            stdout_cell(
                "print('no assert')", "no assert\n", mytorch={"compare": CLAIMS}
            ),
        ],
    )
    proc = run_pytest(path)
    assert "4 failed" in proc.stdout, proc.stdout + proc.stderr
    assert "stdout differs (compared exactly)" in proc.stdout
    assert "tag nbval-ignore-output is not used in this book" in proc.stdout
    assert "AssertionError" in proc.stdout
    assert "has no assert statement" in proc.stdout
