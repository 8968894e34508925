"""The atlas command line: interrupts, atomic outputs, flags x modes, runs that never mix."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from sklearn.neural_network import MLPClassifier

from mytorch import atlas
from mytorch.atlas import _modes, _options, baseline, grid

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--datasets", "moons", "--epochs", "2", "--jobs", "1", "--quiet"]


def files_in(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, hidden ones included."""
    return (
        sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        if folder.exists()
        else []
    )


def main(argv) -> int:
    """``atlas.main(argv)``, failing the test (not stopping pytest) if Ctrl-C escapes it."""
    try:
        return atlas.main(argv)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped atlas.main instead of exit status 130")


def interrupt_fit_after(monkeypatch, calls: int):
    """Make scikit-learn's fit meet Ctrl-C at its ``calls``-th minibatch, as in a terminal."""
    backprop = MLPClassifier._backprop
    seen = []

    def interrupted(self, *args, **kwargs):
        seen.append(1)
        if len(seen) == calls:
            raise KeyboardInterrupt
        return backprop(self, *args, **kwargs)

    monkeypatch.setattr(MLPClassifier, "_backprop", interrupted)
    return seen


# --- Ctrl-C ---------------------------------------------------------------------------------


def test_an_interrupted_scikit_learn_fit_is_raised_not_swallowed(monkeypatch):
    interrupt_fit_after(monkeypatch, calls=10)  # in the second epoch of the first fit
    with pytest.raises(
        KeyboardInterrupt,
        match=r"MLPClassifier.fit was interrupted after 1 "
        r"of 3 epochs",
    ):
        atlas.run_baseline(["moons"], progress=False, epochs=3)


def test_a_fit_that_stops_early_for_another_reason_is_refused(monkeypatch):
    monkeypatch.setattr(
        baseline,
        "sklearn_mlp",
        lambda *args, **kwargs: MLPClassifier(
            hidden_layer_sizes=(4,),
            max_iter=50,
            tol=1.0,
            n_iter_no_change=1,
            random_state=0,
        ),
    )
    with pytest.raises(
        RuntimeError,
        match=r"MLPClassifier.fit stopped after \d+ epochs: "
        r"expected max_iter=50",
    ):
        atlas.run_baseline(["moons"], progress=False)


def test_other_warnings_of_a_fit_are_passed_on(monkeypatch):
    fit = MLPClassifier.fit

    def warning_fit(self, X, y):
        import warnings

        warnings.warn("something else", UserWarning, stacklevel=2)
        return fit(self, X, y)

    monkeypatch.setattr(MLPClassifier, "fit", warning_fit)
    with pytest.warns(UserWarning, match="something else"):
        atlas.run_baseline(["moons"], ["adam"], ["relu"], progress=False, epochs=2)


@pytest.mark.parametrize("mode", [[], ["--compare"]])
def test_ctrl_c_in_a_fit_exits_130_and_writes_nothing(
    tmp_path, capsys, monkeypatch, mode
):
    monkeypatch.setattr(_options, "COMPARISON_DRAWS", ((4, 4),))
    seen = interrupt_fit_after(monkeypatch, calls=20)
    out = tmp_path / "out"
    assert main(["--out", str(out), *mode, *SMALL]) == 130
    assert len(seen) == 20
    assert files_in(out) == []
    assert capsys.readouterr().err == (
        f"python -m mytorch.atlas: interrupted, nothing written to {out}\n"
    )


def test_ctrl_c_in_our_own_training_exits_130_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "notes.txt").write_text("mine")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grid, "run_experiment", interrupted)
    assert main(["--out", str(tmp_path), *SMALL]) == 130
    assert files_in(tmp_path) == ["notes.txt"]
    assert "interrupted, nothing written to" in capsys.readouterr().err


def test_ctrl_c_that_surfaces_as_another_error_still_exits_130(
    tmp_path, monkeypatch, capsys
):
    def import_cut_short(*args, **kwargs):
        # What a C extension's import does when Ctrl-C arrives during it.
        try:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(10))  # the handler runs between bytecodes
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    monkeypatch.setattr(grid, "run_experiment", import_cut_short)
    out = tmp_path / "out"
    assert main(["--out", str(out), *SMALL]) == 130
    assert files_in(out) == []
    assert capsys.readouterr().err == (
        f"python -m mytorch.atlas: interrupted, nothing written to {out}\n"
    )
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_ctrl_c_that_some_code_swallows_still_exits_130(tmp_path, monkeypatch, capsys):
    experiment = grid.run_experiment

    def swallowing(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass  # as scikit-learn's fit does
        return experiment(*args, **kwargs)

    monkeypatch.setattr(grid, "run_experiment", swallowing)
    out = tmp_path / "out"
    assert main(["--out", str(out), "--no-baseline", "--no-figures", *SMALL]) == 130
    assert files_in(out) == []
    assert capsys.readouterr().err.endswith(f"interrupted, nothing written to {out}\n")


def test_an_ignored_sigint_stays_ignored(tmp_path, monkeypatch):
    # A job started in the background by a script ignores Ctrl-C, as Python does there.
    experiment = grid.run_experiment

    def ctrl_c_then_train(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return experiment(*args, **kwargs)

    monkeypatch.setattr(grid, "run_experiment", ctrl_c_then_train)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert (
            main(
                [
                    "--out",
                    str(tmp_path),
                    "--optimizers",
                    "adam",
                    "--activations",
                    "relu",
                    "--no-figures",
                    *SMALL,
                ]
            )
            == 0
        )
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert files_in(tmp_path) == ["atlas.csv", "baseline.csv", "manifest.json"]


# Python runs a sitecustomize module found on its path at startup: this one
# reaches the command and every worker process that joblib starts for it.
SIGNAL_SITECUSTOMIZE = """
import os, signal
from sklearn.neural_network import MLPClassifier
from mytorch.atlas import _options

os.environ.setdefault("ATLAS_PID", str(os.getpid()))      # the parent's, in every worker
backprop, seen = MLPClassifier._backprop, []
def backprop_then_signal(self, *args, **kwargs):
    # At the 20th minibatch of this process, inside a fit: Ctrl-C as a
    # terminal sends it (SIGINT to every process of the group), or SIGTERM
    # to the command as `kill PID` sends it.
    seen.append(1)
    if len(seen) == 20 and os.environ["SIGNAL"] == "INT":
        os.killpg(os.getpgrp(), signal.SIGINT)
    if len(seen) == 20 and os.environ["SIGNAL"] == "TERM":
        os.kill(int(os.environ["ATLAS_PID"]), signal.SIGTERM)
    return backprop(self, *args, **kwargs)
MLPClassifier._backprop = backprop_then_signal
_options.COMPARISON_DRAWS = ((4, 4), (5, 5), (6, 6))
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    "name, status, what", [("INT", 130, "interrupted"), ("TERM", 143, "terminated")]
)
def test_a_signal_in_a_fit_exits_with_its_status_and_writes_nothing(
    tmp_path, jobs, name, status, what
):
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(SIGNAL_SITECUSTOMIZE))
    out = tmp_path / "out"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        OPENBLAS_NUM_THREADS="1",
        SIGNAL=name,
    )
    env.pop("ATLAS_PID", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mytorch.atlas",
            "--out",
            str(out),
            "--compare",
            "--datasets",
            "moons",
            "circles",
            "--epochs",
            "5",
            "--jobs",
            jobs,
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,
        timeout=300,
    )
    assert run.returncode == status, run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"python -m mytorch.atlas: {what}, nothing written to {out}"
    )
    assert "Traceback" not in run.stderr
    assert files_in(out) == []


# --- atomic outputs -------------------------------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError("figures failed"), KeyboardInterrupt()])
def test_a_run_that_fails_at_the_end_leaves_no_files(tmp_path, monkeypatch, error):
    written = []

    def failing_figures(results, out, **kwargs):
        (Path(out) / "overview.png").write_bytes(b"half a figure")
        written.append(Path(out))
        raise error

    monkeypatch.setattr(_modes, "write_figures", failing_figures)
    out = tmp_path / "out"
    if isinstance(error, KeyboardInterrupt):
        assert main(["--out", str(out), *SMALL]) == 130
    else:
        with pytest.raises(RuntimeError, match="figures failed"):
            atlas.main(["--out", str(out), *SMALL])
    # The tables were written, under a temporary name in the output folder, then removed.
    assert written[0].parent == out and written[0].name.startswith(".partial-")
    assert files_in(out) == []


def test_outputs_appear_together_with_the_manifest_only_at_the_end(
    tmp_path, monkeypatch
):
    out = tmp_path / "out"
    seen_during_run = []

    def figures(results, folder, **kwargs):
        seen_during_run.extend(
            p.name for p in out.iterdir() if not p.name.startswith(".")
        )
        (Path(folder) / "overview.png").write_bytes(b"png")

    monkeypatch.setattr(_modes, "write_figures", figures)
    assert atlas.main(["--out", str(out), *SMALL]) == 0
    assert seen_during_run == []
    assert files_in(out) == [
        "atlas.csv",
        "baseline.csv",
        "manifest.json",
        "overview.png",
    ]


# --- the manifest and --overwrite -----------------------------------------------------------


def test_the_manifest_records_the_run(tmp_path):
    argv = [
        "--out",
        str(tmp_path),
        "--optimizers",
        "adam",
        "--activations",
        "tanh",
        "--no-figures",
        *SMALL,
    ]
    assert atlas.main(argv) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["command"] == "python -m mytorch.atlas " + " ".join(argv)
    assert manifest["files"] == ["atlas.csv", "baseline.csv"]
    assert files_in(tmp_path) == ["atlas.csv", "baseline.csv", "manifest.json"]
    settings = manifest["settings"]
    assert settings["mode"] == "atlas" and settings["datasets"] == ["moons"]
    assert settings["optimizers"] == ["adam"] and settings["activations"] == ["tanh"]
    assert settings["epochs"] == 2 and settings["batch_size"] == 100
    assert settings["seed"] == 0 and settings["random_state"] == 0
    assert settings["baseline"] is True and settings["figures"] is False
    assert settings["optimizer_hyperparameters"]["adam"]["lr"] == 0.02
    assert set(manifest["packages"]) == {
        "mytorch",
        "numpy",
        "scipy",
        "scikit-learn",
        "pandas",
        "matplotlib",
        "threadpoolctl",
        "joblib",
    }
    assert settings["backend"] == "loky" and "scheduler" not in settings
    assert all(manifest["packages"].values())
    blas = [entry for entry in manifest["blas"] if entry["user_api"] == "blas"]
    assert blas and all(entry["internal_api"] and entry["version"] for entry in blas)
    assert all("architecture" in entry for entry in blas)
    assert manifest["python"] == ".".join(map(str, sys.version_info[:3]))
    assert manifest["platform"] and "processor" in manifest
    started = datetime.fromisoformat(manifest["started"])
    finished = datetime.fromisoformat(manifest["finished"])
    assert started.utcoffset().total_seconds() == 0 and started <= finished


def test_the_manifest_of_a_sweep_and_of_a_comparison_records_their_draws(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(_options, "SCHEDULES", ((50, 2),))
    monkeypatch.setattr(_options, "SWEEP_DRAWS", ((1, 1),))
    monkeypatch.setattr(_options, "COMPARISON_DRAWS", ((4, 4),))
    monkeypatch.setattr(
        _options, "LR_GRID", {"sgd": (0.1,), "rmsprop": (0.01,), "adam": (0.1,)}
    )
    assert (
        atlas.main(
            [
                "--out",
                str(tmp_path / "s"),
                "--sweep",
                "--datasets",
                "moons",
                "--optimizers",
                "adam",
                "--activations",
                "relu",
                "--quiet",
            ]
        )
        == 0
    )
    sweep = json.loads((tmp_path / "s" / "manifest.json").read_text())["settings"]
    assert sweep["mode"] == "sweep" and sweep["draws"] == [[1, 1]]
    assert sweep["schedules"] == [[50, 2]] and sweep["lr_grid"] == {"adam": [0.1]}
    assert "epochs" not in sweep
    assert atlas.main(["--out", str(tmp_path / "c"), "--compare", *SMALL]) == 0
    compare = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert compare["settings"]["draws"] == [[4, 4]] and compare["files"] == [
        "comparison.csv"
    ]


def test_a_second_run_into_the_same_folder_is_refused(tmp_path, capsys):
    assert atlas.main(["--out", str(tmp_path), "--no-figures", *SMALL]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    capsys.readouterr()
    for mode in ([], ["--sweep"], ["--compare"]):
        with pytest.raises(SystemExit) as exit_:
            atlas.main(
                ["--out", str(tmp_path), *mode, "--datasets", "moons", "--quiet"]
            )
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.splitlines()[-1] == (
            f"python -m mytorch.atlas: error: argument --out: expected a folder without "
            f"another run's results, got {tmp_path}, which holds atlas.csv, baseline.csv, "
            f"manifest.json (--overwrite replaces them)"
        )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_overwrite_removes_the_earlier_runs_files_and_nothing_else(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert atlas.main(["--out", str(tmp_path), *SMALL]) == 0
    assert files_in(tmp_path) == [
        "atlas.csv",
        "baseline.csv",
        "curves_moons.png",
        "grid_moons.png",
        "manifest.json",
        "notes.txt",
        "overview.png",
    ]
    assert (
        atlas.main(
            [
                "--out",
                str(tmp_path),
                "--overwrite",
                "--no-figures",
                "--no-baseline",
                *SMALL,
            ]
        )
        == 0
    )
    assert files_in(tmp_path) == ["atlas.csv", "manifest.json", "notes.txt"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["files"] == ["atlas.csv"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_interrupted_overwrite_keeps_the_earlier_run(tmp_path, monkeypatch):
    assert atlas.main(["--out", str(tmp_path), "--no-figures", *SMALL]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    interrupt_fit_after(monkeypatch, calls=5)
    assert main(["--out", str(tmp_path), "--overwrite", "--no-figures", *SMALL]) == 130
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize(
    "files, manifest, message",
    [
        (
            {"atlas.csv": "a"},
            None,
            (
                r"--overwrite removes only the files that manifest.json lists, and \S+ holds atlas.csv "
                r"without one; move them away or choose another folder"
            ),
        ),
        (
            {"atlas.csv": "a", "overview.png": "b"},
            {"files": ["atlas.csv"]},
            r"and \S+ also holds overview.png; move them away",
        ),
        (
            {"atlas.csv": "a"},
            {"files": ["atlas.csv", "../notes.txt"]},
            r"\S+manifest.json is not a manifest \(unexpected file names",
        ),
        ({"atlas.csv": "a"}, {"files": ["notes.txt"]}, r"is not a manifest"),
        ({}, "not json", r"is not a manifest"),
    ],
)
def test_overwrite_refuses_what_no_manifest_vouches_for(
    tmp_path, capsys, files, manifest, message
):
    (tmp_path / "notes.txt").write_text("mine")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    if manifest is not None:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        (tmp_path / "manifest.json").write_text(text)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(SystemExit) as exit_:
        atlas.main(["--out", str(tmp_path), "--overwrite", *SMALL])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("python -m mytorch.atlas: error: argument --out: ")
    assert re.search(message, err), err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# --- --out ----------------------------------------------------------------------------------


def out_cases(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    return {
        "empty": ("", "expected a folder, got ''"),
        "file": (
            str(tmp_path / "file.txt"),
            f"expected a folder, got {tmp_path / 'file.txt'}, which is a file",
        ),
        "under a file": (
            str(tmp_path / "file.txt" / "a" / "b"),
            (
                f"expected a folder, got {tmp_path / 'file.txt' / 'a' / 'b'}, which "
                f"lies under {tmp_path / 'file.txt'}, a file"
            ),
        ),
        # Nobody, not even root, may create a folder at the top of sysfs.
        "not writable": (
            "/sys/mytorch-atlas-out",
            "expected a folder we can write to, got /sys/mytorch-atlas-out (",
        ),
    }


@pytest.mark.parametrize("case", ["empty", "file", "under a file", "not writable"])
def test_bad_out_gives_one_line_from_the_parser(tmp_path, case):
    out, message = out_cases(tmp_path)[case]
    before = files_in(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "mytorch.atlas", "--out", out, *SMALL],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stdout == ""
    last = run.stderr.splitlines()[-1]
    assert last.startswith(
        "python -m mytorch.atlas: error: argument --out: " + message
    ), last
    assert files_in(tmp_path) == before


# --- every flag in every mode: honoured or refused ------------------------------------------


class Recorder:
    """Stands in for the functions the command line calls, and records their arguments."""

    def __init__(self, monkeypatch):
        self.calls = {}
        for name in (
            "run_atlas",
            "run_baseline",
            "write_figures",
            "sweep_learning_rates",
            "compare_with_baseline",
        ):
            monkeypatch.setattr(_modes, name, self.recording(name))
        monkeypatch.setattr(
            _modes, "atlas_table", lambda results: pd.DataFrame({"a": [1]})
        )
        monkeypatch.setattr(
            _modes,
            "choose_settings",
            lambda sweep: {"batch_size": 1, "epochs": 1, "lr": {}},
        )

    def recording(self, name):
        def record(*args, **kwargs):
            self.calls[name] = (args, kwargs)
            if name == "write_figures":
                (Path(args[1]) / "overview.png").write_bytes(b"png")
            if name == "compare_with_baseline":
                return pd.DataFrame(
                    {"dataset": ["moons"], "mytorch": [1.0], "sklearn": [1.0]}
                )
            return {} if name == "run_atlas" else pd.DataFrame({"a": [1]})

        return record


ALL_DATASETS = ["moons", "circles", "blobs", "noisy_moons", "spiral"]
NOT_WITH = "not allowed with argument"
#: (mode, extra arguments) -> {function: {argument: value}} it must be called with, the
#: functions it must not call (value None), or the parser's error (a string).
FLAGS_BY_MODE = (
    [
        (
            "atlas",
            [],
            {
                "run_atlas": {
                    0: ALL_DATASETS,
                    1: ["sgd", "rmsprop", "adam"],
                    2: ["relu", "gelu", "sigmoid", "tanh"],
                    "epochs": 80,
                    "n_jobs": 2,
                    "progress": True,
                },
                "run_baseline": {
                    0: ALL_DATASETS,
                    1: ["sgd", "adam"],
                    2: ["relu", "sigmoid", "tanh"],
                    "epochs": 80,
                },
                "write_figures": {"n_jobs": 2},
            },
        ),
        (
            "atlas",
            ["--datasets", "spiral", "moons"],
            {
                "run_atlas": {0: ["spiral", "moons"]},
                "run_baseline": {0: ["spiral", "moons"]},
            },
        ),
        (
            "atlas",
            ["--optimizers", "adam", "rmsprop"],
            {"run_atlas": {1: ["adam", "rmsprop"]}, "run_baseline": {1: ["adam"]}},
        ),
        (
            "atlas",
            ["--optimizers", "rmsprop"],
            {"run_atlas": {1: ["rmsprop"]}, "run_baseline": None},
        ),
        (
            "atlas",
            ["--activations", "gelu", "tanh"],
            {"run_atlas": {2: ["gelu", "tanh"]}, "run_baseline": {2: ["tanh"]}},
        ),
        (
            "atlas",
            ["--epochs", "3"],
            {"run_atlas": {"epochs": 3}, "run_baseline": {"epochs": 3}},
        ),
        (
            "atlas",
            ["--jobs", "3"],
            {
                "run_atlas": {"n_jobs": 3},
                "run_baseline": {"n_jobs": 3},
                "write_figures": {"n_jobs": 3},
            },
        ),
        (
            "atlas",
            ["--quiet"],
            {
                "run_atlas": {"progress": False},
                "run_baseline": {"progress": False},
                "write_figures": {"progress": False},
            },
        ),
        ("atlas", ["--no-baseline"], {"run_atlas": {}, "run_baseline": None}),
        ("atlas", ["--no-figures"], {"run_atlas": {}, "write_figures": None}),
        (
            "sweep",
            [],
            {
                "sweep_learning_rates": {
                    0: atlas.LR_GRID,
                    3: ALL_DATASETS,
                    4: ["relu", "gelu", "sigmoid", "tanh"],
                    "n_jobs": 2,
                    "progress": True,
                }
            },
        ),
        ("sweep", ["--datasets", "blobs"], {"sweep_learning_rates": {3: ["blobs"]}}),
        (
            "sweep",
            ["--optimizers", "adam", "sgd"],
            {
                "sweep_learning_rates": {
                    0: {"adam": atlas.LR_GRID["adam"], "sgd": atlas.LR_GRID["sgd"]}
                }
            },
        ),
        ("sweep", ["--activations", "gelu"], {"sweep_learning_rates": {4: ["gelu"]}}),
        ("sweep", ["--epochs", "3"], f"argument --epochs: {NOT_WITH} --sweep"),
        ("sweep", ["--jobs", "1"], {"sweep_learning_rates": {"n_jobs": 1}}),
        ("sweep", ["--quiet"], {"sweep_learning_rates": {"progress": False}}),
        ("sweep", ["--no-baseline"], f"argument --no-baseline: {NOT_WITH} --sweep"),
        ("sweep", ["--no-figures"], f"argument --no-figures: {NOT_WITH} --sweep"),
        (
            "compare",
            [],
            {
                "compare_with_baseline": {
                    0: atlas.COMPARISON_DRAWS,
                    1: ALL_DATASETS,
                    "optimizers": ["sgd", "adam"],
                    "activations": ["relu", "sigmoid", "tanh"],
                    "epochs": 80,
                    "n_jobs": 2,
                    "progress": True,
                }
            },
        ),
        (
            "compare",
            ["--datasets", "circles"],
            {"compare_with_baseline": {1: ["circles"]}},
        ),
        (
            "compare",
            ["--optimizers", "adam"],
            {"compare_with_baseline": {"optimizers": ["adam"]}},
        ),
        (
            "compare",
            ["--optimizers", "adam", "rmsprop"],
            (
                "argument --optimizers: with --compare, expected names scikit-learn has too, "
                "['sgd', 'adam'], got rmsprop"
            ),
        ),
        (
            "compare",
            ["--activations", "tanh", "relu"],
            {"compare_with_baseline": {"activations": ["tanh", "relu"]}},
        ),
        (
            "compare",
            ["--activations", "gelu"],
            (
                "argument --activations: with --compare, expected names scikit-learn has too, "
                "['relu', 'sigmoid', 'tanh'], got gelu"
            ),
        ),
        ("compare", ["--epochs", "3"], {"compare_with_baseline": {"epochs": 3}}),
        ("compare", ["--jobs", "1"], {"compare_with_baseline": {"n_jobs": 1}}),
        ("compare", ["--quiet"], {"compare_with_baseline": {"progress": False}}),
        ("compare", ["--no-baseline"], f"argument --no-baseline: {NOT_WITH} --compare"),
        ("compare", ["--no-figures"], f"argument --no-figures: {NOT_WITH} --compare"),
    ]
    + [
        (
            mode,
            [flag, name, name],
            f"argument {flag}: expected each name at most once, got {name} {name}",
        )
        for mode in ("atlas", "sweep", "compare")
        for flag, name in (
            ("--datasets", "moons"),
            ("--optimizers", "adam"),
            ("--activations", "relu"),
        )
    ]
    + [
        (mode, [flag, "0"], f"{flag} must be >= 1, got 0")
        for mode in ("atlas", "compare")
        for flag in ("--epochs", "--jobs")
    ]
    + [
        (mode, extra, message)
        for mode in ("atlas", "sweep", "compare")
        for extra, message in (
            (
                ["--scheduler", "tcp://127.0.0.1:8786"],
                (
                    "argument --scheduler: only with --backend dask (the loky backend runs local "
                    "processes), got tcp://127.0.0.1:8786"
                ),
            ),
            (
                ["--backend", "dask"],
                "argument --backend dask: expected --scheduler ADDRESS",
            ),
            (
                [
                    "--backend",
                    "dask",
                    "--scheduler",
                    "tcp://127.0.0.1:8786",
                    "--jobs",
                    "2",
                ],
                "argument --jobs: not allowed with --backend dask",
            ),
            (["--backend", "ray"], "argument --backend: invalid choice: 'ray'"),
        )
    ]
    + [
        ("sweep", ["--jobs", "0"], "--jobs must be >= 1, got 0"),
        ("sweep", ["--compare"], f"argument --compare: {NOT_WITH} --sweep"),
    ]
)


@pytest.mark.parametrize(
    "mode, extra, expected",
    FLAGS_BY_MODE,
    ids=[f"{m}{''.join(' ' + a for a in e)}" for m, e, _ in FLAGS_BY_MODE],
)
def test_every_flag_in_every_mode_is_honoured_or_refused(
    tmp_path, monkeypatch, capsys, mode, extra, expected
):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    recorder = Recorder(monkeypatch)
    flag = [] if mode == "atlas" else [f"--{mode}"]
    argv = ["--out", str(tmp_path / "out"), *flag, *extra]
    if isinstance(expected, str):
        with pytest.raises(SystemExit) as exit_:
            atlas.main(argv)
        assert exit_.value.code == 2
        assert (
            capsys.readouterr()
            .err.splitlines()[-1]
            .startswith("python -m mytorch.atlas: error: " + expected)
        )
        assert recorder.calls == {} and not (tmp_path / "out").exists()
        return
    assert atlas.main(argv) == 0
    for function, arguments in expected.items():
        if arguments is None:
            assert function not in recorder.calls
            continue
        args, kwargs = recorder.calls[function]
        for key, value in arguments.items():
            got = args[key] if isinstance(key, int) else kwargs[key]
            assert (dict(got) if isinstance(value, dict) else got) == value, (
                function,
                key,
            )
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["settings"]["mode"] == mode


def test_library_functions_refuse_repeated_names():
    with pytest.raises(
        ValueError,
        match=r"dataset_names must name each choice at most once, "
        r"got \['moons', 'moons'\]",
    ):
        atlas.run_baseline(["moons", "moons"], progress=False)
    with pytest.raises(
        ValueError,
        match=r"optimizers must be a subset of \['sgd', 'adam'\], "
        r"got 'rmsprop'",
    ):
        atlas.compare_with_baseline(optimizers=["rmsprop"], progress=False)
    with pytest.raises(
        ValueError, match=r"activations must name each choice at most once"
    ):
        atlas.run_atlas(["moons"], ["sgd"], ["relu", "relu"], progress=False)


def test_messages_go_to_stderr_and_results_to_files(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mytorch.atlas",
            "--out",
            str(tmp_path),
            "--compare",
            "--datasets",
            "moons",
            "--optimizers",
            "adam",
            "--activations",
            "relu",
            "--epochs",
            "1",
            "--jobs",
            "1",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "8 configurations of each library in" in run.stderr
    assert "comparison" in run.stderr  # the progress bar
    assert files_in(tmp_path) == ["comparison.csv", "manifest.json"]


@pytest.mark.parametrize(
    "mode, written",
    [
        ([], ["atlas.csv", "baseline.csv", "overview.png"]),
        (["--sweep"], ["sweep.csv"]),
        (["--compare"], ["comparison.csv"]),
    ],
)
def test_overwrite_in_every_mode_replaces_the_earlier_run(
    tmp_path, monkeypatch, mode, written
):
    Recorder(monkeypatch)
    for name in ("atlas.csv", "grid_spiral.png", "notes.txt"):
        (tmp_path / name).write_text("earlier")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"files": ["atlas.csv", "grid_spiral.png"]})
    )
    assert atlas.main(["--out", str(tmp_path), "--overwrite", *mode]) == 0
    assert files_in(tmp_path) == sorted(written + ["manifest.json", "notes.txt"])
    assert json.loads((tmp_path / "manifest.json").read_text())["files"] == written
    assert (tmp_path / "notes.txt").read_text() == "earlier"
