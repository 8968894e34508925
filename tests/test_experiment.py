"""The experiment runner: determinism, learning, history, configuration, errors."""

import numpy as np
import pytest

from mytorch import nn, optim
from mytorch.atlas.experiment import (
    ACTIVATIONS,
    OPTIMIZER_DEFAULTS,
    OPTIMIZERS,
    ExperimentResult,
    build_mlp,
    make_optimizer,
    run_experiment,
)
from mytorch.datasets import make_dataset


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons")


def test_two_runs_give_the_same_numbers(moons):
    a = run_experiment(moons, "adam", "tanh", epochs=3)
    b = run_experiment("moons", "adam", "tanh", epochs=3)
    assert a.history == b.history
    for (name, p), (_, q) in zip(
        a.model.named_parameters(), b.model.named_parameters()
    ):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_another_seed_gives_other_numbers(moons):
    a = run_experiment(moons, "sgd", "relu", epochs=2, seed=0)
    b = run_experiment(moons, "sgd", "relu", epochs=2, seed=1)
    assert a.history["train_loss"] != b.history["train_loss"]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_learns_the_moons(moons, optimizer):
    result = run_experiment(moons, optimizer, "relu", epochs=15)
    assert result.test_accuracy >= 0.97
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_runs(moons, activation):
    result = run_experiment(moons, "adam", activation, epochs=2)
    assert isinstance(result.model[1], ACTIVATIONS[activation][0])
    assert np.isfinite(result.train_loss)


def test_result_fields_and_history_lengths(moons):
    result = run_experiment(
        moons, "rmsprop", "gelu", epochs=4, batch_size=64, hidden=(8,)
    )
    assert isinstance(result, ExperimentResult)
    assert set(result.history) == {"train_loss", "train_accuracy", "test_accuracy"}
    assert all(len(values) == 4 for values in result.history.values())
    assert result.train_loss == result.history["train_loss"][-1]
    assert result.test_accuracy == result.history["test_accuracy"][-1]
    assert 0 <= result.train_accuracy <= 1 and result.seconds > 0
    assert (result.dataset, result.optimizer, result.activation) == (
        "moons",
        "rmsprop",
        "gelu",
    )
    assert OPTIMIZER_DEFAULTS["rmsprop"].items() <= result.hyperparameters.items()
    row = result.row()
    assert list(row)[:8] == [
        "dataset",
        "optimizer",
        "activation",
        "train_loss",
        "train_accuracy",
        "test_accuracy",
        "epochs",
        "seconds",
    ]
    assert row["hidden"] == "8" and row["batch_size"] == 64 and row["epochs"] == 4
    assert repr(result).startswith("ExperimentResult(moons, rmsprop, gelu: train_loss=")


def test_history_matches_the_returned_model(moons):
    result = run_experiment(moons, "adam", "relu", epochs=2)
    logits = result.model.eval()(moons.X_test)
    assert np.mean(logits.argmax(axis=1) == moons.y_test) == result.test_accuracy
    loss = nn.CrossEntropyLoss()(result.model(moons.X_train), moons.y_train)
    assert float(loss) == pytest.approx(result.train_loss, rel=1e-12)


def test_names_are_case_insensitive(moons):
    a = run_experiment(moons, "Adam", "ReLU", epochs=1)
    b = run_experiment(moons, "adam", "relu", epochs=1)
    assert (a.optimizer, a.activation) == ("adam", "relu")
    assert a.history == b.history


def test_hyperparameters_override_the_table(moons):
    result = run_experiment(moons, "sgd", "relu", epochs=1, lr=0.01, nesterov=True)
    assert {
        "lr": 0.01,
        "momentum": 0.9,
        "nesterov": True,
    }.items() <= result.hyperparameters.items()
    assert OPTIMIZER_DEFAULTS["sgd"] == {"lr": 0.4, "momentum": 0.9}


def test_make_optimizer_applies_the_table():
    model = build_mlp(2, (4,), 2)
    opt = make_optimizer("Adam", model.parameters(), eps=1e-6)
    assert isinstance(opt, optim.Adam)
    assert opt.param_groups[0]["lr"] == 0.02 and opt.param_groups[0]["eps"] == 1e-6


def test_callback_sees_every_epoch_in_eval_mode(moons):
    seen = []
    run_experiment(
        moons,
        "adam",
        "relu",
        epochs=3,
        callback=lambda epoch, model: seen.append((epoch, model.training)),
    )
    assert seen == [(0, False), (1, False), (2, False), (3, False)]


def test_build_mlp_layers_and_initialisation():
    model = build_mlp(2, (16, 8), 3, "tanh")
    assert [type(m).__name__ for m in model] == [
        "Linear",
        "Tanh",
        "Linear",
        "Tanh",
        "Linear",
    ]
    assert [m.weight.shape for m in model if isinstance(m, nn.Linear)] == [
        (16, 2),
        (8, 16),
        (3, 8),
    ]
    linear = build_mlp(2, (), 4)
    assert len(linear) == 1 and linear[0].weight.shape == (4, 2)


def test_a_linear_model_cannot_learn_the_circles():
    result = run_experiment("circles", "adam", "relu", hidden=(), epochs=5)
    assert result.test_accuracy < 0.7


def test_a_batch_size_that_is_not_an_int_is_a_type_error():
    with pytest.raises(
        TypeError, match=r"run_experiment\(batch_size\) must be an int, got float 2.5"
    ):
        run_experiment("moons", "sgd", "relu", epochs=1, batch_size=2.5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"optimizer": "adagrad"},
            (
                r"optimizer must be one of \['sgd', 'rmsprop', 'adam'\], "
                r"got 'adagrad'"
            ),
        ),
        (
            {"activation": "softplus"},
            (
                r"activation must be one of \['relu', 'gelu', 'sigmoid', "
                r"'tanh'\], got 'softplus'"
            ),
        ),
        ({"dataset": "spirals"}, r"make_dataset\(name\) must be one of"),
        ({"epochs": 0}, r"run_experiment\(epochs\) must be >= 1, got 0"),
        ({"hidden": (8, 0)}, r"hidden widths must be positive ints, got \(8, 0\)"),
        (
            {"betas": (0.9, 0.99)},
            (
                r"unknown hyperparameters \['betas'\] for optimizer 'sgd': "
                r"expected some of \['lr', 'momentum', 'nesterov', 'weight_decay'\]"
            ),
        ),
    ],
)
def test_bad_configurations(kwargs, message):
    config = {
        "dataset": "moons",
        "optimizer": "sgd",
        "activation": "relu",
        "epochs": 1,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        run_experiment(
            config.pop("dataset"),
            config.pop("optimizer"),
            config.pop("activation"),
            **config,
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda hidden: run_experiment("moons", "sgd", "relu", hidden=hidden, epochs=1),
        lambda hidden: build_mlp(2, hidden, 3),
    ],
    ids=["run_experiment", "build_mlp"],
)
@pytest.mark.parametrize(
    "hidden, message",
    [
        (5, r"hidden widths must be a sequence of ints, got int 5"),
        (None, r"hidden widths must be a sequence of ints, got NoneType None"),
        ("32", r"hidden widths must be a sequence of ints, got str '32'"),
    ],
    ids=["int", "None", "str"],
)
def test_hidden_must_be_a_sequence(call, hidden, message):
    with pytest.raises(TypeError, match=message):
        call(hidden)


@pytest.mark.parametrize(
    "hidden", [[8, 8], np.array([8, 8]), range(8, 10)], ids=["list", "array", "range"]
)
def test_hidden_may_be_any_sequence_of_ints(hidden):
    model = build_mlp(2, hidden, 3)
    assert [m.out_features for m in model if isinstance(m, nn.Linear)] == [*hidden, 3]


def test_train_accuracy_is_measured_on_the_training_set():
    moons = make_dataset("moons")
    result = run_experiment(moons, "adam", "relu", epochs=2)
    predicted = result.model.eval()(moons.X_train).argmax(axis=1)
    assert np.mean(predicted == moons.y_train) == result.train_accuracy


def test_the_row_reports_the_learning_rate_used():
    assert run_experiment("moons", "sgd", "relu", epochs=1, lr=0.01).row()["lr"] == 0.01


@pytest.mark.parametrize(
    "hidden",
    [iter([8, 8]), (w for w in (8, 8)), [8, 8]],
    ids=["iterator", "generator", "list"],
)
def test_hidden_widths_are_read_once(moons, hidden):
    result = run_experiment(moons, "adam", "relu", hidden=hidden, epochs=1)
    assert result.hidden == (8, 8)
    assert [m.out_features for m in result.model if isinstance(m, nn.Linear)] == [
        8,
        8,
        2,
    ]
