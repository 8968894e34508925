"""The digits chapter's package code: the split, the network, the measures, the runs."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import mytorch
from mytorch import nn, optim
from mytorch.digits import runs
from mytorch.digits.data import DigitSplits, digits, stratified_split
from mytorch.digits.experiment import (
    CONFIG,
    build,
    evaluate,
    expected_calibration_error,
    fit,
    make_optimizer,
    reliability,
    t_interval,
    train,
)

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "book" / "data" / "digits_runs.csv"
# A recomputed run against the stored table. The whole table recomputed under two
# other floating-point setups (tools/fpsetup.py's OpenBLAS Sandybridge kernel with
# NumPy's AVX2 paths off; OpenBLAS's Nehalem kernel) kept every accuracy and moved
# the NLL and the ECE by at most 9e-12: accuracies exactly, the others within 1e-10.
TOLERANCE = {
    "val_accuracy": 0,
    "test_accuracy": 0,
    "test_nll": 1e-10,
    "test_ece": 1e-10,
}


@pytest.fixture(autouse=True)
def one_blas_thread():
    # As the command and the chapter train: one thread is faster for these
    # small matrices, above all when the other core is busy.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def splits():
    return digits(0)


def test_the_splits_are_disjoint_complete_and_stratified(splits):
    X, y = load_digits(return_X_y=True)
    assert isinstance(splits, DigitSplits) and splits.n_classes == 10
    raw = np.concatenate(
        [splits.raw(s) for s in (splits.X_train, splits.X_val, splits.X_test)]
    ).reshape(-1, 64)
    assert sorted(map(tuple, np.round(raw).astype(int))) == sorted(
        map(tuple, X.astype(int))
    )
    counts = np.bincount(y)
    for part, share in ((splits.y_val, 0.2), (splits.y_test, 0.2)):
        np.testing.assert_array_equal(np.bincount(part), np.round(share * counts))
    assert splits.X_train.dtype == np.float64 and splits.y_train.dtype == np.int64
    assert (
        repr(splits)
        == "DigitSplits(random_state=0, n_train=1079, n_val=359, n_test=359)"
    )


def test_standardised_with_the_training_statistics_only(splits):
    X, _ = load_digits(return_X_y=True)
    constant = splits.std == 1.0
    np.testing.assert_allclose(splits.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(splits.X_train.std(axis=0)[~constant], 1, rtol=1e-12)
    assert constant.sum() >= 1 and np.all(splits.X_train[:, constant] == 0)
    assert np.abs(splits.X_test.mean(axis=0)).max() > 1e-3  # not its own statistics
    assert not np.allclose(splits.mean, X.mean(axis=0))


def test_the_same_seed_gives_the_same_split_another_seed_another():
    a, b, c = digits(3), digits(3), digits(4)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.y_test, c.y_test)


def test_stratified_split_gives_each_set_its_share():
    y = np.repeat(np.arange(3), [10, 20, 30])
    a, b, rest = stratified_split(y, (0.1, 0.5), random_state=1)
    assert np.bincount(y[a]).tolist() == [1, 2, 3]
    assert np.bincount(y[b]).tolist() == [5, 10, 15]
    assert sorted(np.concatenate([a, b, rest]).tolist()) == list(range(60))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"val_size": 0}, ValueError, r"digits\(val_size\) must be in \(0, 1\), got 0"),
        ({"test_size": "a"}, TypeError, r"digits\(test_size\) must be a number"),
        (
            {"val_size": 0.5, "test_size": 0.5},
            ValueError,
            r"digits\(val_size \+ test_size\) must be in \(0, 1\), got 1.0",
        ),
        (
            {"random_state": -1},
            ValueError,
            r"stratified_split\(random_state\) must be >= 0",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        digits(**kwargs)


def test_build_leaves_out_what_is_switched_off():
    kinds = [type(m).__name__ for m in build(64, (32, 16), 10)]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Linear"]
    kinds = [type(m).__name__ for m in build(64, (32,), 10, batchnorm=False, dropout=0)]
    assert kinds == ["Linear", "ReLU", "Linear"]


def test_make_optimizer_gives_adamw_or_adam_and_names_a_wrong_choice():
    params = list(build(4, (3,), 2).parameters())
    opt = make_optimizer(params)
    assert type(opt) is optim.AdamW and opt.param_groups[0]["weight_decay"] == 0.05
    assert type(make_optimizer(params, "adam")) is optim.Adam
    with pytest.raises(ValueError, match="make_optimizer.*optimizer.*sgd"):
        make_optimizer(params, "sgd")


def test_one_adamw_step_is_the_decay_then_the_normalised_gradient():
    # At t = 1, m_hat = g and v_hat = g * g: p <- p (1 - lr wd) - lr g / (|g| + eps).
    rng = np.random.default_rng(0)
    p = nn.Parameter(rng.standard_normal(5))
    p.grad[...] = rng.standard_normal(5)
    before, g = p.data.copy(), p.grad.copy()
    make_optimizer([p], lr=0.1, weight_decay=0.5).step()
    expected = before * (1 - 0.1 * 0.5) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.data, expected, rtol=1e-14)


def test_fit_records_the_validation_accuracy_and_names_bad_epochs(splits):
    mytorch.manual_seed(0)
    model = build(64, (16,), 10)
    history = fit(
        model,
        make_optimizer(model.parameters()),
        splits.X_train,
        splits.y_train,
        epochs=2,
        X_val=splits.X_val,
        y_val=splits.y_val,
    )
    assert (
        len(history) == 2
        and history[-1] == evaluate(model, splits.X_val, splits.y_val)["accuracy"]
    )
    assert (
        fit(
            model,
            make_optimizer(model.parameters()),
            splits.X_train[:65],
            splits.y_train[:65],
            epochs=1,
        )
        == []
    )
    with pytest.raises(ValueError, match=r"fit\(epochs\) must be >= 1, got 0"):
        fit(model, None, splits.X_train, splits.y_train, epochs=0)


def test_train_is_seeded(splits):
    a, history = train(splits, 1, epochs=2)
    b, again = train(splits, 1, epochs=2)
    assert history == again
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    assert not a.training


def test_reliability_and_the_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 1])
    count, conf, acc = reliability(probs, y, n_bins=2)
    # Confidences 0.9, 0.8, 0.7 in (0.5, 1]; 0.55 too: one bin holds all four.
    assert count.tolist() == [0, 4] and np.isnan(conf[0]) and np.isnan(acc[0])
    assert conf[1] == pytest.approx(0.7375) and acc[1] == 0.75
    assert expected_calibration_error(probs, y, 2) == pytest.approx(0.0125)
    count, conf, acc = reliability(probs, y, n_bins=10)
    ece = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.55)) / 4
    assert expected_calibration_error(probs, y, 10) == pytest.approx(ece)
    with pytest.raises(ValueError, match=r"reliability\(n_bins\) must be >= 1"):
        reliability(probs, y, 0)


def test_a_perfect_sure_classifier_has_no_calibration_error():
    y = np.arange(10) % 3
    assert expected_calibration_error(np.eye(3)[y], y) == 0


def test_t_interval_is_scipys():
    values = [0.97, 0.98, 0.975, 0.99, 0.965]
    mean, half = t_interval(values)
    low, high = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert (mean - half, mean + half) == pytest.approx((low, high), rel=1e-12)
    with pytest.raises(ValueError, match=r"t_interval\(len\(values\)\) must be >= 2"):
        t_interval([1.0])


def test_fine_tune_loads_the_body_and_reports_the_old_head(splits):
    X, y = runs.subset(splits.X_train, splits.y_train, np.arange(5))
    assert set(y.tolist()) == set(range(5))
    source, _ = train(runs.SubsetSplits(splits, X, y, np.arange(5)), 0, epochs=1)
    model, keys = runs.fine_tune(source, splits, seed=0, n_per_class=3)
    assert keys.missing_keys == [] and keys.unexpected_keys == ["4.weight", "4.bias"]
    for name in ("0.weight", "1.running_mean"):
        np.testing.assert_array_equal(
            model.state_dict()[name], source.state_dict()[name]
        )
    _, few = runs.subset(splits.X_train, splits.y_train, np.arange(5, 10), 3, seed=0)
    assert np.bincount(few).tolist() == [3] * 5


@pytest.fixture(scope="module")
def table():
    return pd.read_csv(TABLE)


def test_the_stored_table_holds_every_run_and_the_chosen_network(table):
    assert list(table.columns) == runs.COLUMNS
    assert len(table) == sum(
        len(runs.CHECKPOINTS) if k == "selection" else 1 for k, _, _ in runs.tasks()
    )
    assert runs.choose(table) == (CONFIG["hidden"], CONFIG["epochs"])
    assert table[table.kind == "selection"].test_accuracy.isna().all()


@pytest.mark.parametrize(
    "kind, config, seed",
    [
        ("ablation", "without Dropout", 1),
        ("reference", "sklearn MLPClassifier", 2),
        ("transfer", "pretrained body, new head, 10 per class", 3),
        ("transfer", "from scratch, all", 4),
    ],
)
def test_the_command_reproduces_a_stored_row(table, kind, config, seed):
    (row,) = runs.run(kind, config, seed)
    stored = table[
        (table.kind == kind) & (table.config == config) & (table.seed == seed)
    ].iloc[0]
    for column, tolerance in TOLERANCE.items():
        assert abs(row[column] - stored[column]) <= tolerance, column


def test_a_selection_run_gives_one_row_per_checkpoint(monkeypatch):
    monkeypatch.setattr(runs, "CHECKPOINTS", (1, 2))
    rows = runs.run("selection", "8", 0)
    assert [r["epochs"] for r in rows] == [1, 2] and rows[0]["config"] == "8"
    with pytest.raises(ValueError, match=r"run\(kind\) must be one of"):
        runs.run("test", "8", 0)


def test_the_command_line_writes_a_stored_row_again(tmp_path, monkeypatch, table):
    # python -m mytorch.digits --out FILE, with its list of runs cut to one
    task = ("reference", "sklearn LogisticRegression", 0)
    monkeypatch.setattr(runs, "tasks", lambda seeds=runs.SEEDS: [task])
    monkeypatch.setattr(
        sys, "argv", ["mytorch.digits", "--out", str(tmp_path / "t.csv")]
    )
    with pytest.raises(SystemExit) as exit_status:
        runpy.run_module("mytorch.digits", run_name="__main__", alter_sys=True)
    assert exit_status.value.code == 0
    written = pd.read_csv(tmp_path / "t.csv")
    assert written.columns.tolist() == runs.COLUMNS and len(written) == 1
    stored = table[(table.kind == task[0]) & (table.config == task[1])]
    stored = stored[stored.seed == task[2]].iloc[0]
    for column, tolerance in TOLERANCE.items():
        assert abs(written[column][0] - stored[column]) <= tolerance, column


def test_the_command_line_explains_itself(capsys):
    with pytest.raises(SystemExit) as exit_status:
        runs.main(["--help"])
    assert exit_status.value.code == 0 and "--out FILE" in capsys.readouterr().out
