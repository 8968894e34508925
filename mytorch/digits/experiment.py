"""One network on the digits: build it, train it, evaluate it.

The network is ``Linear -> BatchNorm1d -> ReLU -> Dropout`` per hidden
layer, then ``Linear`` to the 10 logits, trained with AdamW on minibatches
of the standardised images (:func:`mytorch.digits.data.digits`). Every
function is seeded: the same arguments give the same numbers.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

import mytorch
from mytorch import nn, optim
from mytorch._validation import check_choice, check_int

__all__ = [
    "CONFIG",
    "build",
    "evaluate",
    "expected_calibration_error",
    "fit",
    "make_optimizer",
    "reliability",
    "t_interval",
    "train",
]

#: The chapter's network and training: the widths and the epochs chosen on the
#: validation sets (``mytorch.digits.runs.choose``), the rest fixed beforehand.
CONFIG = {
    "hidden": (256,),
    "epochs": 20,
    "batchnorm": True,
    "dropout": 0.2,
    "optimizer": "adamw",
    "lr": 3e-3,
    "weight_decay": 0.05,
    "batch_size": 64,
}
OPTIMIZERS = {"adamw": optim.AdamW, "adam": optim.Adam}


def build(in_features=64, hidden=(256,), n_classes=10, batchnorm=True, dropout=0.2):
    """``Linear -> [BatchNorm1d] -> ReLU -> [Dropout]`` per width, then ``Linear``.

    BatchNorm is left out with ``batchnorm=False``, Dropout with ``dropout=0``.
    """
    layers, width = [], in_features
    for out in hidden:
        layers.append(nn.Linear(width, out))
        if batchnorm:
            layers.append(nn.BatchNorm1d(out))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = out
    return nn.Sequential(*layers, nn.Linear(width, n_classes))


def make_optimizer(params, optimizer="adamw", lr=3e-3, weight_decay=0.05):
    """AdamW (decoupled decay) or Adam (decay as an L2 term in the gradient)."""
    check_choice("make_optimizer", "optimizer", optimizer, tuple(OPTIMIZERS))
    return OPTIMIZERS[optimizer](params, lr=lr, weight_decay=weight_decay)


def fit(model, opt, X, y, *, epochs, batch_size=64, seed=0, X_val=None, y_val=None):
    """Train ``model`` on ``(X, y)`` with cross-entropy, reshuffled minibatches.

    ``seed`` orders the minibatches. Returns the validation accuracy after
    each epoch (an empty list without ``X_val``).
    """
    check_int("fit", "epochs", epochs)
    criterion, rng, history = nn.CrossEntropyLoss(), np.random.default_rng(seed), []
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch_size):
            batch = order[i : i + batch_size]
            if len(batch) < 2:  # BatchNorm needs two samples in training
                continue
            criterion(model(X[batch]), y[batch])
            opt.zero_grad()
            model.backward(criterion.backward())
            opt.step()
        if X_val is not None:
            history.append(evaluate(model, X_val, y_val)["accuracy"])
    return history


def train(splits, seed=0, **config):
    """Build and train the network of ``CONFIG`` (updated by ``config``) on ``splits``.

    ``mytorch.manual_seed(seed)`` seeds the initialisation and the Dropout
    masks, ``seed`` the minibatch order. Returns ``(model, history)``, the
    history being the validation accuracy after each epoch.
    """
    c = {**CONFIG, **config}
    mytorch.manual_seed(seed)
    model = build(
        splits.X_train.shape[1],
        c["hidden"],
        splits.n_classes,
        c["batchnorm"],
        c["dropout"],
    )
    opt = make_optimizer(model.parameters(), c["optimizer"], c["lr"], c["weight_decay"])
    history = fit(
        model,
        opt,
        splits.X_train,
        splits.y_train,
        epochs=c["epochs"],
        batch_size=c["batch_size"],
        seed=seed,
        X_val=splits.X_val,
        y_val=splits.y_val,
    )
    return model.eval(), history


def softmax(logits):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def evaluate(model, X, y, n_bins=15):
    """Accuracy, mean negative log-likelihood and calibration error, in eval mode."""
    with mytorch.no_grad():
        probs = softmax(model.eval()(X))
    nll = -np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300)))
    return {
        "accuracy": float(np.mean(probs.argmax(axis=1) == y)),
        "nll": float(nll),
        "ece": expected_calibration_error(probs, y, n_bins),
        "probs": probs,
    }


def reliability(probs, y, n_bins=15):
    """Per bin of width ``1 / n_bins``: ``(count, mean confidence, accuracy)``.

    The confidence of a prediction is its largest probability; bin ``m``
    holds the confidences in ``((m - 1) / n_bins, m / n_bins]``.
    """
    check_int("reliability", "n_bins", n_bins)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == y
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore"):  # empty bins: NaN means
        conf = np.bincount(bins, confidence, n_bins) / count
        acc = np.bincount(bins, correct, n_bins) / count
    return count, conf, acc


def expected_calibration_error(probs, y, n_bins=15):
    """``sum_m |B_m| / n * |acc(B_m) - conf(B_m)|`` over the non-empty bins."""
    count, conf, acc = reliability(probs, y, n_bins)
    full = count > 0
    return float(np.sum(count[full] / len(y) * np.abs(acc[full] - conf[full])))


def t_interval(values, level=0.95):
    """``(mean, half-width)`` of Student's t interval for the mean of ``values``."""
    values = np.asarray(values, dtype=float)
    check_int("t_interval", "len(values)", len(values), 2)
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1)
    return float(values.mean()), float(half / np.sqrt(len(values)))
