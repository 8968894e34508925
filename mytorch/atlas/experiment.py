"""Train one configuration of the benchmark atlas, reproducibly.

:func:`run_experiment` is the book's training loop (``Sequential`` of
``Linear`` and an activation, ``CrossEntropyLoss``, an optimizer, seeded
minibatches) wrapped in a function that takes a configuration and returns
an :class:`ExperimentResult`. The same call gives the same numbers from the
command line (``python -m mytorch.atlas``) and from the chapter.

Hyperparameters per optimizer (:data:`OPTIMIZER_DEFAULTS`) are the same
for every activation and every dataset, and so are the minibatch size and
the number of epochs. They were chosen by
:func:`mytorch.atlas.sweep.sweep_learning_rates` on three draws of the five
datasets other than the atlas's, scoring each rate by its worst activation
on each task (:func:`mytorch.atlas.sweep.choose_settings`):

=========  ======  =========================================
optimizer  lr      other
=========  ======  =========================================
sgd        0.4     momentum 0.9 (heavy ball, not Nesterov)
rmsprop    0.04    alpha 0.99, eps 1e-8
adam       0.02    betas (0.9, 0.999), eps 1e-8
=========  ======  =========================================

with minibatches of 100 for 80 epochs (640 steps on 750 training points).
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from threadpoolctl import threadpool_limits

import mytorch
from mytorch import nn, optim
from mytorch._validation import check_int
from mytorch.datasets import Dataset, make_dataset

__all__ = [
    "ACTIVATIONS",
    "BATCH_SIZE",
    "EPOCHS",
    "HIDDEN",
    "OPTIMIZERS",
    "OPTIMIZER_DEFAULTS",
    "ExperimentResult",
    "build_mlp",
    "make_optimizer",
    "run_experiment",
]

#: Hidden layer widths of every atlas network (2 -> 32 -> 32 -> n_classes).
HIDDEN = (32, 32)
#: Passes over the training set, and the minibatch size.
EPOCHS = 80
BATCH_SIZE = 100

#: Optimizer name -> (class, display name).
OPTIMIZERS = {
    "sgd": (optim.SGD, "SGD"),
    "rmsprop": (optim.RMSprop, "RMSprop"),
    "adam": (optim.Adam, "Adam"),
}

#: The hyperparameters of each optimizer, one table for all activations and datasets.
OPTIMIZER_DEFAULTS = {
    "sgd": {"lr": 0.4, "momentum": 0.9},
    "rmsprop": {"lr": 0.04, "alpha": 0.99, "eps": 1e-8},
    "adam": {"lr": 0.02, "betas": (0.9, 0.999), "eps": 1e-8},
}

#: Activation name -> (class, weight initialisation, display name). He
#: initialisation keeps the variance of ReLU-like layers, Xavier that of
#: the saturating ones (chapter on linear layers).
ACTIVATIONS = {
    "relu": (nn.ReLU, "he", "ReLU"),
    "gelu": (nn.GELU, "he", "GELU"),
    "sigmoid": (nn.Sigmoid, "xavier", "Sigmoid"),
    "tanh": (nn.Tanh, "xavier", "Tanh"),
}


def _choice(argument: str, value, choices) -> str:
    key = value.lower() if isinstance(value, str) else value
    if key not in choices:
        raise ValueError(f"{argument} must be one of {list(choices)}, got {value!r}")
    return key


@dataclass(repr=False, eq=False)
class ExperimentResult:
    """What :func:`run_experiment` returns.

    ``history`` holds one value per epoch (after that epoch) of
    ``train_loss`` (mean cross-entropy on the whole training set),
    ``train_accuracy`` and ``test_accuracy``. ``seconds`` is the wall-clock
    training time (the only number that differs between two runs).
    """

    dataset: str
    optimizer: str
    activation: str
    hidden: tuple
    epochs: int
    batch_size: int
    seed: int
    hyperparameters: dict
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    model: nn.Module | None = None

    @property
    def train_loss(self) -> float:
        return self.history["train_loss"][-1]

    @property
    def train_accuracy(self) -> float:
        return self.history["train_accuracy"][-1]

    @property
    def test_accuracy(self) -> float:
        return self.history["test_accuracy"][-1]

    def row(self) -> dict:
        """One row of the atlas table: the configuration and its final metrics."""
        return {
            "dataset": self.dataset,
            "optimizer": self.optimizer,
            "activation": self.activation,
            "train_loss": self.train_loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "epochs": self.epochs,
            "seconds": self.seconds,
            "hidden": "-".join(map(str, self.hidden)),
            "batch_size": self.batch_size,
            "lr": self.hyperparameters["lr"],
            "seed": self.seed,
        }

    def __repr__(self) -> str:
        return (
            f"ExperimentResult({self.dataset}, {self.optimizer}, {self.activation}: "
            f"train_loss={self.train_loss:.4f}, "
            f"train_accuracy={self.train_accuracy:.3f}, "
            f"test_accuracy={self.test_accuracy:.3f}, epochs={self.epochs})"
        )


def build_mlp(
    in_features: int, hidden, n_classes: int, activation: str = "relu"
) -> nn.Sequential:
    """``Linear -> activation`` for each width in ``hidden``, then ``Linear`` to the
    logits.

    ``hidden=()`` gives a linear model (multinomial logistic regression).
    """
    activation = _choice("activation", activation, ACTIVATIONS)
    act_class, init, _ = ACTIVATIONS[activation]
    if isinstance(hidden, (str, bytes)) or not np.iterable(hidden):
        raise TypeError(
            "hidden widths must be a sequence of ints, "
            f"got {type(hidden).__name__} {hidden!r}"
        )
    hidden = tuple(hidden)
    for width in hidden:
        if (
            isinstance(width, bool)
            or not isinstance(width, (int, np.integer))
            or width < 1
        ):
            raise ValueError(f"hidden widths must be positive ints, got {hidden!r}")
    widths = [in_features, *hidden]
    layers = []
    for fan_in, fan_out in pairwise(widths):
        layers += [nn.Linear(fan_in, fan_out, init=init), act_class()]
    layers.append(nn.Linear(widths[-1], n_classes, init=init))
    return nn.Sequential(*layers)


def make_optimizer(name: str, params, **hyperparameters):
    """The optimizer ``name`` over ``params``, with :data:`OPTIMIZER_DEFAULTS` unless
    overridden.

    ``make_optimizer("sgd", model.parameters())`` is
    ``optim.SGD(model.parameters(), lr=0.4, momentum=0.9)``.
    """
    name = _choice("optimizer", name, OPTIMIZERS)
    opt_class = OPTIMIZERS[name][0]
    allowed = set(inspect.signature(opt_class).parameters) - {"params"}
    unknown = set(hyperparameters) - allowed
    if unknown:
        raise ValueError(
            f"unknown hyperparameters {sorted(unknown)} for optimizer "
            f"{name!r}: expected some of {sorted(allowed)}"
        )
    return opt_class(params, **{**OPTIMIZER_DEFAULTS[name], **hyperparameters})


def run_experiment(
    dataset="moons",
    optimizer="adam",
    activation="relu",
    *,
    hidden=HIDDEN,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    seed=0,
    callback=None,
    **hyperparameters,
) -> ExperimentResult:
    """Train one MLP on one dataset with one optimizer and one activation.

    Parameters
    ----------
    dataset : str or Dataset
        A name from :data:`mytorch.datasets.tasks.DATASETS`, or a dataset already made.
    optimizer : {'sgd', 'rmsprop', 'adam'}
    activation : {'relu', 'gelu', 'sigmoid', 'tanh'}
    hidden : iterable of int
        Hidden layer widths; ``()`` for a linear model. Read once (an
        iterator is fine).
    epochs, batch_size : int
    seed : int
        Seeds the initialisation (``mytorch.manual_seed``) and the order
        of the minibatches: the same seed gives the same numbers.
    callback : callable, optional
        Called as ``callback(epoch, model)`` after each epoch (``epoch=0``
        before training), with the model in eval mode, e.g. to take snapshots.
    **hyperparameters
        Override :data:`OPTIMIZER_DEFAULTS` (``lr``, ``momentum``, ``betas`` ...).
    """
    data = dataset if isinstance(dataset, Dataset) else make_dataset(dataset)
    if not isinstance(hidden, (str, bytes)) and np.iterable(hidden):
        hidden = tuple(
            hidden
        )  # read once: the model and the result get the same widths
    check_int("run_experiment", "epochs", epochs)
    check_int("run_experiment", "batch_size", batch_size)
    mytorch.manual_seed(seed)
    model = build_mlp(data.X_train.shape[1], hidden, data.n_classes, activation)
    criterion = nn.CrossEntropyLoss()
    opt = make_optimizer(optimizer, model.parameters(), **hyperparameters)
    rng = np.random.default_rng(seed)  # the order of the minibatches
    X_train, y_train, n_train = data.X_train, data.y_train, len(data.y_train)
    # One forward pass per epoch evaluates both sets.
    X_all = np.concatenate([data.X_train, data.X_test])
    history = {"train_loss": [], "train_accuracy": [], "test_accuracy": []}

    start = time.perf_counter()
    # One BLAS thread: faster for these small matrices, and the same bits on every run.
    with threadpool_limits(limits=1):
        if callback is not None:
            callback(0, model.eval())
        for epoch in range(1, epochs + 1):
            model.train()
            order = rng.permutation(n_train)
            X, y = X_train[order], y_train[order]
            for i in range(0, n_train, batch_size):
                logits = model(X[i : i + batch_size])
                criterion(logits, y[i : i + batch_size])
                opt.zero_grad()
                model.backward(criterion.backward())
                opt.step()
            model.eval()
            logits = model(X_all)
            predicted = logits.argmax(axis=1)
            history["train_loss"].append(float(criterion(logits[:n_train], y_train)))
            history["train_accuracy"].append(
                float(np.mean(predicted[:n_train] == y_train))
            )
            history["test_accuracy"].append(
                float(np.mean(predicted[n_train:] == data.y_test))
            )
            if callback is not None:
                callback(epoch, model)
    seconds = time.perf_counter() - start

    return ExperimentResult(
        dataset=data.name,
        optimizer=type(opt).__name__.lower(),
        activation=activation.lower(),
        hidden=hidden,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        hyperparameters=dict(opt.param_groups[0]),
        history=history,
        seconds=seconds,
        model=model,
    )
