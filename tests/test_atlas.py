"""The atlas end to end on a tiny configuration: tables, baseline, figures, CLI."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mytorch import atlas, datasets
from mytorch.atlas import _options
from mytorch.atlas.experiment import (
    ACTIVATIONS,
    BATCH_SIZE,
    EPOCHS,
    OPTIMIZER_DEFAULTS,
    run_experiment,
)
from mytorch.datasets import make_dataset

TINY = {"epochs": 2, "hidden": (8,)}


@pytest.fixture(scope="module")
def results():
    return atlas.run_atlas(
        ["moons", "spiral"], ["sgd", "adam"], ["relu", "tanh"], progress=False, **TINY
    )


def test_run_atlas_runs_every_combination_in_order(results):
    assert list(results) == [
        (d, o, a)
        for d in ("moons", "spiral")
        for o in ("sgd", "adam")
        for a in ("relu", "tanh")
    ]
    single = run_experiment("spiral", "adam", "tanh", **TINY)
    assert results["spiral", "adam", "tanh"].history == single.history


def test_parallel_runs_give_the_same_numbers(results):
    parallel = atlas.run_atlas(
        ["moons", "spiral"],
        ["sgd", "adam"],
        ["relu", "tanh"],
        progress=False,
        n_jobs=2,
        **TINY,
    )
    assert list(parallel) == list(results)
    for key in results:
        assert parallel[key].history == results[key].history, key


def test_atlas_table_columns(results):
    table = atlas.atlas_table(results)
    assert list(table.columns[:8]) == atlas.COLUMNS
    assert len(table) == 8
    assert table.epochs.eq(2).all() and table.hidden.eq("8").all()


def test_baseline_uses_sklearn_configurations():
    table = atlas.run_baseline(["moons"], progress=False, **TINY)
    assert list(table.columns) == atlas.COLUMNS
    assert list(zip(table.optimizer, table.activation)) == [
        (o, a) for o in ("sgd", "adam") for a in ("relu", "sigmoid", "tanh")
    ]
    assert table.epochs.eq(2).all()  # no early stop
    assert (
        table.test_accuracy.between(0, 1).all() and np.isfinite(table.train_loss).all()
    )


def test_sklearn_mlp_matches_our_configuration():
    clf = atlas.sklearn_mlp(
        "sgd", "sigmoid", hidden=(8, 4), epochs=7, batch_size=16, seed=3
    )
    params = clf.get_params()
    assert params["hidden_layer_sizes"] == (8, 4) and params["activation"] == "logistic"
    assert params["alpha"] == 0 and params["nesterovs_momentum"] is False
    assert params["momentum"] == 0.9 and params["learning_rate_init"] == 0.4
    assert params["max_iter"] == 7 and params["n_iter_no_change"] > 7
    assert params["batch_size"] == 16 and params["random_state"] == 3
    with pytest.raises(
        ValueError,
        match=r"optimizer must be one of \['sgd', 'adam'\] for "
        r"scikit-learn, got 'rmsprop'",
    ):
        atlas.sklearn_mlp("rmsprop", "relu")
    with pytest.raises(
        ValueError,
        match=r"activation must be one of \['relu', 'sigmoid', "
        r"'tanh'\] for scikit-learn, got 'gelu'",
    ):
        atlas.sklearn_mlp("adam", "gelu")


def test_dataset_grid_figure(results):
    fig = atlas.plot_dataset_grid(results, "spiral", resolution=20)
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes[:2]] == ["SGD", "Adam"]
    assert [fig.axes[i].get_ylabel() for i in (0, 2)] == ["ReLU", "Tanh"]
    accuracy = results["spiral", "adam", "tanh"].test_accuracy
    assert fig.axes[3].texts[0].get_text() == f"test {accuracy:.3f}"
    plt.close(fig)
    with pytest.raises(
        ValueError,
        match=r"dataset must be one of \['moons', 'spiral'\], "
        r"got 'circles'",
    ):
        atlas.plot_dataset_grid(results, "circles")


def test_overview_figure_shows_every_run(results):
    fig = atlas.plot_overview(results)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["moons", "spiral"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "ReLU",
        "Tanh",
        "ReLU",
        "Tanh",
    ]
    cells = [t.get_text() for t in ax.texts if t.get_text()[0].isdigit()]
    expected = [
        f"{results[d, o, a].test_accuracy:.2f}"
        for d in ("moons", "spiral")
        for o in ("sgd", "adam")
        for a in ("relu", "tanh")
    ]
    assert cells == expected
    assert {"SGD", "Adam"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)


def test_convergence_figure(results):
    fig = atlas.plot_convergence(results, "moons")
    assert len(fig.axes) == 4  # 2 rows x 2 optimizers
    assert [line.get_label() for line in fig.axes[0].lines] == ["ReLU", "Tanh"]
    assert len(fig.axes[0].lines[0].get_xdata()) == 2
    plt.close(fig)


def test_another_random_state_draws_other_datasets(results):
    other = atlas.run_atlas(
        ["spiral"], ["adam"], ["tanh"], random_state=1, progress=False, **TINY
    )
    single = run_experiment(
        make_dataset("spiral", random_state=1), "adam", "tanh", **TINY
    )
    assert other["spiral", "adam", "tanh"].history == single.history
    assert single.history != results["spiral", "adam", "tanh"].history
    baseline = atlas.run_baseline(["spiral"], random_state=1, progress=False, **TINY)
    assert len(baseline) == 6


def test_sweep_learning_rates_table():
    table = atlas.sweep_learning_rates(
        {"adam": (0.1, 0.01)},
        [(50, 2)],
        [(1, 1), (2, 3)],
        ["spiral"],
        ["relu"],
        progress=False,
        hidden=(8,),
    )
    assert list(table.columns) == atlas.SWEEP_COLUMNS
    assert table.lr.tolist() == [0.1, 0.1, 0.01, 0.01]
    assert table.random_state.tolist() == [1, 2, 1, 2] and table.seed.tolist() == [
        1,
        3,
        1,
        3,
    ]
    assert table.batch_size.eq(50).all() and table.epochs.eq(2).all()
    data = make_dataset("spiral", random_state=2)
    run = run_experiment(
        data, "adam", "relu", hidden=(8,), batch_size=50, epochs=2, seed=3, lr=0.01
    )
    assert table.test_accuracy.iloc[3] == run.test_accuracy


def sweep_of(rows):
    """A sweep table from (optimizer, lr, dataset, activation, accuracy) rows."""
    frame = pd.DataFrame(
        rows, columns=["optimizer", "lr", "dataset", "activation", "test_accuracy"]
    )
    return frame.assign(batch_size=50, epochs=40, random_state=1, seed=1)[
        atlas.SWEEP_COLUMNS
    ]


def test_sweep_scores_count_the_worst_activation_per_task():
    # At 0.1 three activations are perfect and one collapses; 0.01 is uniformly good.
    sweep = sweep_of(
        [
            ("adam", 0.1, "moons", "relu", 1.0),
            ("adam", 0.1, "moons", "tanh", 0.5),
            ("adam", 0.1, "spiral", "relu", 1.0),
            ("adam", 0.1, "spiral", "tanh", 1.0),
            ("adam", 0.01, "moons", "relu", 0.9),
            ("adam", 0.01, "moons", "tanh", 0.9),
            ("adam", 0.01, "spiral", "relu", 0.9),
            ("adam", 0.01, "spiral", "tanh", 0.8),
        ]
    )
    scores = atlas.sweep_scores(sweep)
    assert scores[50, 40, "adam", 0.1] == pytest.approx((0.5 + 1.0) / 2)
    assert scores[50, 40, "adam", 0.01] == pytest.approx((0.9 + 0.8) / 2)
    assert atlas.choose_settings(sweep) == {
        "batch_size": 50,
        "epochs": 40,
        "lr": {"adam": 0.01},
    }


def test_choose_settings_picks_the_schedule_with_the_best_optimizers():
    rows = [
        ("sgd", 0.1, "moons", "relu", 0.7),
        ("sgd", 0.2, "moons", "relu", 0.8),
        ("adam", 0.01, "moons", "relu", 0.9),
    ]
    short = sweep_of(rows)
    longer = sweep_of(
        [(o, lr, d, a, acc + 0.05 * (o == "sgd")) for o, lr, d, a, acc in rows]
    )
    longer = longer.assign(batch_size=100, epochs=80)
    choice = atlas.choose_settings(pd.concat([short, longer]))
    assert choice == {"batch_size": 100, "epochs": 80, "lr": {"sgd": 0.2, "adam": 0.01}}


def test_the_stored_sweep_chose_the_atlas_settings():
    sweep = atlas.load_sweep()
    assert list(sweep.columns) == atlas.SWEEP_COLUMNS
    n_rates = sum(len(rates) for rates in atlas.LR_GRID.values())
    assert len(sweep) == (
        len(atlas.SCHEDULES)
        * n_rates
        * len(atlas.SWEEP_DRAWS)
        * len(datasets.DATASETS)
        * len(ACTIVATIONS)
    )
    assert set(sweep.random_state) == {r for r, _ in atlas.SWEEP_DRAWS}
    assert 0 not in set(sweep.random_state)  # never the atlas's own draw
    choice = atlas.choose_settings(sweep)
    assert (choice["batch_size"], choice["epochs"]) == (BATCH_SIZE, EPOCHS)
    for optimizer, lr in choice["lr"].items():
        assert OPTIMIZER_DEFAULTS[optimizer]["lr"] == lr
        assert min(atlas.LR_GRID[optimizer]) < lr < max(atlas.LR_GRID[optimizer])


# Recomputed runs are compared within bounds, not bit for bit: processors and BLAS kernels
# round the last bits differently and training amplifies them. Measured against the stored
# tables (made with AVX-512 and OpenBLAS's SkylakeX kernels): the whole comparison table
# recomputed under OpenBLAS's Haswell and Sandybridge kernels moved in 2% of its runs (all
# on the spiral, at most 2 of a draw's 12, up to 17 test points of 250); 120 sweep runs of
# draw 1 recomputed under Haswell, Sandybridge, Nehalem and NumPy without its AVX2 paths
# moved by up to 6 test points at the chosen rates, up to 110 at the grid's largest; of
# the 16 runs below at most 1 moved, by 1 test point.
MOVED_POINTS = 20  # largest move of one run allowed (measured 17)


def moved_points(again, stored):
    """How many test points each recomputed accuracy moved from the stored one (250 of them;
    the blobs' 248 round to the same count)."""
    return (250 * (again - stored).abs()).round().to_numpy()


def test_the_stored_sweep_can_be_reproduced():
    sweep = atlas.load_sweep()
    # The spiral of draw 1 at the chosen rates, and SGD at a quarter of its rate, where the
    # sigmoid stays on its plateau: runs that a changed rate or training loop would move.
    rates = {o: (OPTIMIZER_DEFAULTS[o]["lr"],) for o in atlas.LR_GRID}
    rates["sgd"] += (OPTIMIZER_DEFAULTS["sgd"]["lr"] / 4,)
    again = atlas.sweep_learning_rates(
        rates, [(BATCH_SIZE, EPOCHS)], [(1, 1)], ["spiral"], progress=False, n_jobs=2
    )
    configuration = [c for c in atlas.SWEEP_COLUMNS if c != "test_accuracy"]
    stored = again[configuration].merge(sweep, on=configuration, how="left")
    assert len(again) == 16 and stored.test_accuracy.notna().all()
    moved = moved_points(again.test_accuracy, stored.test_accuracy)
    assert moved.max() <= MOVED_POINTS
    assert (moved > 0).sum() <= 3  # measured: at most 1 of these 16


def test_compare_with_baseline_pairs_both_libraries_run_by_run():
    table = atlas.compare_with_baseline([(4, 5)], ["circles"], progress=False, epochs=2)
    assert list(table.columns) == atlas.COMPARISON_COLUMNS and len(table) == 6
    assert set(zip(table.optimizer, table.activation)) == {
        (o, a) for o in atlas.SKLEARN_SOLVERS for a in atlas.SKLEARN_ACTIVATIONS
    }
    row = table[(table.optimizer == "adam") & (table.activation == "tanh")].iloc[0]
    assert (row.random_state, row.seed) == (4, 5)
    ours = run_experiment(
        make_dataset("circles", random_state=4), "adam", "tanh", seed=5, epochs=2
    )
    theirs = atlas.run_baseline(
        ["circles"], random_state=4, seed=5, epochs=2, progress=False
    )
    assert row.mytorch == ours.test_accuracy
    assert (
        row.sklearn
        == theirs[
            (theirs.optimizer == "adam") & (theirs.activation == "tanh")
        ].test_accuracy.iloc[0]
    )


def test_the_stored_comparison_covers_fresh_draws_and_can_be_reproduced():
    table = atlas.load_comparison()
    assert list(table.columns) == atlas.COMPARISON_COLUMNS
    assert len(table) == (
        len(atlas.COMPARISON_DRAWS)
        * len(datasets.DATASETS)
        * len(atlas.SKLEARN_SOLVERS)
        * len(atlas.SKLEARN_ACTIVATIONS)
    )
    used = {0} | {r for r, _ in atlas.SWEEP_DRAWS}  # the atlas's draw and the sweep's
    assert set(table.random_state) == {r for r, _ in atlas.COMPARISON_DRAWS}
    assert not set(table.random_state) & used
    # Draw 7 of the three tasks that are not solved: 36 accuracies. Across kernels at most 2
    # moved in any draw (all on the spiral); a learning rate 10% off moves 9 of them.
    names = ["blobs", "noisy_moons", "spiral"]
    draw = table[(table.random_state == 7) & table.dataset.isin(names)].reset_index(
        drop=True
    )
    again = atlas.compare_with_baseline([(7, 7)], names, progress=False, n_jobs=2)
    libraries = ["mytorch", "sklearn"]
    pd.testing.assert_frame_equal(
        again.drop(columns=libraries), draw.drop(columns=libraries)
    )
    moved = moved_points(again[libraries], draw[libraries])
    assert moved.max() <= MOVED_POINTS
    assert (moved > 0).sum() <= 4


def test_compare_with_baseline_takes_seeds_from_the_draws_only():
    with pytest.raises(
        TypeError, match=r"compare_with_baseline\(seed\) is not an argument"
    ):
        atlas.compare_with_baseline([(4, 4)], ["moons"], progress=False, seed=1)


def test_command_line_comparison_writes_the_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_options, "COMPARISON_DRAWS", ((4, 4),))
    code = atlas.main(
        [
            "--out",
            str(tmp_path),
            "--compare",
            "--datasets",
            "moons",
            "--epochs",
            "2",
            "--quiet",
        ]
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert list(table.columns) == atlas.COMPARISON_COLUMNS and len(table) == 6
    assert not list(tmp_path.glob("atlas.csv"))
    assert "6 configurations of each library in" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        atlas.main(["--out", str(tmp_path), "--compare", "--sweep"])
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: atlas.run_atlas(["spirals"], progress=False),
            (
                r"dataset_names must be a subset of \['moons', 'circles', 'blobs', 'noisy_moons', "
                r"'spiral'\], got 'spirals'"
            ),
        ),
        (
            lambda: atlas.run_atlas(optimizers=[], progress=False),
            r"optimizers must name at least one of",
        ),
        (
            lambda: atlas.run_atlas(["moons"], n_jobs=0, progress=False),
            r"run_atlas\(n_jobs\) must be >= 1, got 0",
        ),
        (
            lambda: atlas.sweep_learning_rates({"lbfgs": (1,)}, progress=False),
            r"grid must be a subset of \['sgd', 'rmsprop', 'adam'\], got 'lbfgs'",
        ),
        (
            lambda: atlas.sweep_learning_rates(schedules=[], progress=False),
            r"schedules must be a non-empty list of pairs, got \[\]",
        ),
        (
            lambda: atlas.sweep_learning_rates(draws=[(1, 1, 1)], progress=False),
            r"draws must be a non-empty list of pairs, got \[\(1, 1, 1\)\]",
        ),
        (
            lambda: atlas.compare_with_baseline([], progress=False),
            r"draws must be a non-empty list of pairs, got \[\]",
        ),
        (
            lambda: atlas.compare_with_baseline(
                dataset_names=["spirals"], progress=False
            ),
            r"dataset_names must be a subset of",
        ),
        (
            lambda: atlas.compare_with_baseline(n_jobs=0, progress=False),
            r"compare_with_baseline\(n_jobs\) must be >= 1, got 0",
        ),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_command_line_writes_both_tables_and_the_figures(tmp_path, capsys):
    out = tmp_path / "atlas"
    code = atlas.main(
        [
            "--out",
            str(out),
            "--datasets",
            "moons",
            "--optimizers",
            "sgd",
            "adam",
            "--activations",
            "relu",
            "gelu",
            "--epochs",
            "2",
            "--jobs",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    table = pd.read_csv(out / "atlas.csv")
    assert list(table.columns[:8]) == atlas.COLUMNS and len(table) == 4
    baseline = pd.read_csv(out / "baseline.csv")
    assert list(baseline.columns) == atlas.COLUMNS and len(baseline) == 2  # ReLU only
    assert sorted(p.name for p in out.glob("*.png")) == [
        "curves_moons.png",
        "grid_moons.png",
        "overview.png",
    ]
    assert "4 experiments in" in capsys.readouterr().err
    # A second run writes the same numbers; only the timings differ.
    atlas.main(
        [
            "--out",
            str(out),
            "--datasets",
            "moons",
            "--optimizers",
            "sgd",
            "adam",
            "--activations",
            "relu",
            "gelu",
            "--epochs",
            "2",
            "--quiet",
            "--no-figures",
            "--overwrite",
        ]
    )
    again = pd.read_csv(out / "atlas.csv")
    pd.testing.assert_frame_equal(
        table.drop(columns="seconds"), again.drop(columns="seconds")
    )
    assert (
        pd.read_csv(out / "baseline.csv")
        .drop(columns="seconds")
        .equals(baseline.drop(columns="seconds"))
    )


def test_command_line_sweep_writes_the_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_options, "SCHEDULES", ((50, 2),))
    monkeypatch.setattr(_options, "SWEEP_DRAWS", ((1, 1),))
    monkeypatch.setattr(
        _options, "LR_GRID", {"sgd": (0.1,), "rmsprop": (0.01,), "adam": (0.1, 0.01)}
    )
    code = atlas.main(
        [
            "--out",
            str(tmp_path),
            "--sweep",
            "--datasets",
            "moons",
            "--optimizers",
            "adam",
            "--activations",
            "relu",
            "tanh",
            "--quiet",
        ]
    )
    assert code == 0
    sweep = pd.read_csv(tmp_path / "sweep.csv")
    assert list(sweep.columns) == atlas.SWEEP_COLUMNS and len(sweep) == 4
    assert not list(tmp_path.glob("atlas.csv"))
    err = capsys.readouterr().err
    assert (
        "4 sweep runs in" in err and "chosen: batch_size=50, epochs=2, adam lr=" in err
    )


def test_command_line_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        atlas.main(["--out", str(tmp_path), "--datasets", "spirals"])
    assert "invalid choice: 'spirals'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        atlas.main(["--out", str(tmp_path), "--epochs", "0"])
    assert "--epochs must be >= 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        atlas.main([])
    assert "--out" in capsys.readouterr().err


def test_a_tie_goes_to_the_first_rate_of_the_grid():
    sweep = sweep_of(
        [("adam", 0.1, "moons", "relu", 0.9), ("adam", 0.01, "moons", "relu", 0.9)]
    )
    assert atlas.choose_settings(sweep)["lr"] == {"adam": 0.1}
