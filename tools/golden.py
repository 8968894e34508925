"""What the playground page's JavaScript port is held to, written by the package.

`python tools/golden.py` writes two files:

- `book/_playground/datasets.js`: the five tasks of `mytorch.datasets`
  (standardised train and test points, as `make_dataset(name)` returns them), each
  float64 array as base64 of its little-endian bytes, so the page trains on
  exactly the package's numbers;
- `tests/book/golden/playground.json`: golden trajectories. For every optimizer
  setting in `OPTIMIZERS` x every activation x {plain, BatchNorm, Dropout,
  both}, seed `SEED`, float64: the loss of each of the first `STEPS`
  minibatch steps, and after the last one checksums of every parameter and
  buffer and the evaluation-mode logits of the first test points.

`tests/book/test_playground.py` runs the port under Node on the same
configurations and compares (<= 1e-10 relative), and checks that this file
still matches what the package computes now. The training loop, `train`, is
the page's (and `run_experiment`'s): `manual_seed(seed)`, then the model, and
a second generator `default_rng(seed)` that shuffles the training set at the
start of each epoch; the last minibatch of an epoch is the remainder.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import mytorch
from mytorch import datasets, nn, optim
from mytorch.atlas.experiment import ACTIVATIONS

ROOT = Path(__file__).resolve().parent.parent
DATASETS_JS = ROOT / "book" / "_playground" / "datasets.js"
GOLDEN_JSON = ROOT / "tests" / "book" / "golden" / "playground.json"

SEED = 1
STEPS = 50
DATASET = "spiral"
HIDDEN = (32, 32)
BATCH_SIZE = 100
DROPOUT = 0.2
N_LOGITS = 4  # evaluation-mode logits of this many test points are stored

#: name -> (optimizer, hyperparameters): the atlas's three, the options they leave
#: out, and AdamW.
OPTIMIZERS = {
    "sgd": ("sgd", {"lr": 0.4, "momentum": 0.9}),
    "sgd-plain": ("sgd", {"lr": 0.5}),
    "sgd-nesterov-wd": (
        "sgd",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    ),
    "rmsprop": ("rmsprop", {"lr": 0.04, "alpha": 0.99, "eps": 1e-8}),
    "rmsprop-momentum-wd": (
        "rmsprop",
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "momentum": 0.9, "weight_decay": 1e-3},
    ),
    "adam": ("adam", {"lr": 0.02, "betas": [0.9, 0.999], "eps": 1e-8}),
    "adam-wd": (
        "adam",
        {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-8, "weight_decay": 1e-3},
    ),
    "adamw": (
        "adamw",
        {"lr": 0.02, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 1e-2},
    ),
    "adamw-strong": (
        "adamw",
        {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-8, "weight_decay": 0.5},
    ),
}
VARIANTS = {
    "plain": (False, 0.0),
    "batchnorm": (True, 0.0),
    "dropout": (False, DROPOUT),
    "batchnorm-dropout": (True, DROPOUT),
}
OPTIMIZER_CLASSES = {
    "sgd": optim.SGD,
    "rmsprop": optim.RMSprop,
    "adam": optim.Adam,
    "adamw": optim.AdamW,
}


def build_model(
    hidden, n_classes, activation, batchnorm=False, dropout=0.0
) -> nn.Sequential:
    """Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden width, then Linear.

    A Linear followed by BatchNorm1d has no bias: BatchNorm subtracts the
    batch mean, so the bias's gradient is 0 up to rounding, and an adaptive
    optimizer (RMSprop, Adam) would scale that rounding noise into steps.
    """
    act_class, init, _ = ACTIVATIONS[activation]
    layers, fan_in = [], 2
    for width in hidden:
        layers.append(nn.Linear(fan_in, width, bias=not batchnorm, init=init))
        if batchnorm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(act_class())
        if dropout:
            layers.append(nn.Dropout(dropout))
        fan_in = width
    layers.append(nn.Linear(fan_in, n_classes, init=init))
    return nn.Sequential(*layers)


def train(
    data,
    *,
    activation,
    optimizer,
    hyper,
    steps,
    hidden=HIDDEN,
    batch_size=BATCH_SIZE,
    batchnorm=False,
    dropout=0.0,
    seed=SEED,
):
    """Train `steps` minibatch steps as the page does; return (model, losses)."""
    mytorch.manual_seed(seed)
    model = build_model(hidden, data.n_classes, activation, batchnorm, dropout)
    criterion = nn.CrossEntropyLoss()
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()}
    opt = OPTIMIZER_CLASSES[optimizer](model.parameters(), **hyper)
    rng = np.random.default_rng(seed)
    n_train, losses, position, order = len(data.y_train), [], 0, None
    model.train()
    for _ in range(steps):
        if position == 0:
            order = rng.permutation(n_train)
        batch = order[position : position + batch_size]
        loss = criterion(model(data.X_train[batch]), data.y_train[batch])
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
        losses.append(float(loss))
        position = 0 if position + batch_size >= n_train else position + batch_size
    return model, losses


def short(value: float) -> float:
    """`value` to 14 significant digits: 1e4 times finer than the comparison's 1e-10."""
    return float(f"{value:.14g}")


def checksums(array: np.ndarray) -> list[float]:
    """sum of |x|, sum of x^2, and sum of x_i ((i mod 7) - 3): three views of an array.

    The last one, which mixes signs, is compared relative to 3 sum |x|.
    """
    flat = np.ravel(array)
    probe = (np.arange(flat.size) % 7) - 3.0
    return [short(np.abs(flat).sum()), short(flat @ flat), short(flat @ probe)]


def trajectories() -> dict:
    data = datasets.make_dataset(DATASET)
    runs = {}
    with threadpool_limits(limits=1):
        for opt_name, (optimizer, hyper) in OPTIMIZERS.items():
            for activation in ACTIVATIONS:
                for variant, (batchnorm, dropout) in VARIANTS.items():
                    model, losses = train(
                        data,
                        activation=activation,
                        optimizer=optimizer,
                        hyper=hyper,
                        steps=STEPS,
                        batchnorm=batchnorm,
                        dropout=dropout,
                    )
                    model.eval()
                    logits = model(data.X_test[:N_LOGITS])
                    runs[f"{opt_name}/{activation}/{variant}"] = {
                        "optimizer": optimizer,
                        "hyper": hyper,
                        "activation": activation,
                        "batchnorm": batchnorm,
                        "dropout": dropout,
                        "losses": [short(v) for v in losses],
                        "params": [checksums(p.data) for p in model.parameters()],
                        "buffers": [checksums(b) for b in model.buffers()],
                        "logits": [short(v) for v in logits.ravel()],
                    }
    return {
        "about": "Written by tools/golden.py from the mytorch package; compared with "
        "the playground's JavaScript port by tests/book/test_playground.py.",
        "dataset": DATASET,
        "seed": SEED,
        "steps": STEPS,
        "hidden": list(HIDDEN),
        "batch_size": BATCH_SIZE,
        "n_logits": N_LOGITS,
        "runs": runs,
    }


def _b64(array: np.ndarray, dtype) -> str:
    return base64.b64encode(
        np.ascontiguousarray(array, dtype=dtype)
        .astype(np.dtype(dtype).newbyteorder("<"))
        .tobytes()
    ).decode()


def datasets_js() -> str:
    lines = [
        "// Written by tools/golden.py from mytorch.datasets: do not edit by hand.",
        (
            "// Each task as make_dataset(name) returns it: standardised float64 "
            "points (base64 of"
        ),
        (
            "// little-endian bytes) and int32 labels, so the page trains on the "
            "package's data."
        ),
        "export const DATASETS = {",
    ]
    for name in datasets.DATASETS:
        d = datasets.make_dataset(name)
        lines.append(f"  {name}: {{")
        lines.append(f"    nClasses: {d.n_classes},")
        lines.append(f"    mean: {json.dumps([float(v) for v in d.mean])},")
        lines.append(f"    std: {json.dumps([float(v) for v in d.std])},")
        for key, array, dtype in (
            ("xTrain", d.X_train, "<f8"),
            ("yTrain", d.y_train, "<i4"),
            ("xTest", d.X_test, "<f8"),
            ("yTest", d.y_test, "<i4"),
        ):
            text = _b64(array, dtype)
            chunks = [text[i : i + 90] for i in range(0, len(text), 90)]
            lines.append(f"    {key}:")
            lines += [
                f'      "{chunk}"' + (" +" if i < len(chunks) - 1 else ",")
                for i, chunk in enumerate(chunks)
            ]
        lines.append("  },")
    lines.append("};")
    return "\n".join(lines) + "\n"


def golden_json() -> str:
    """The trajectories as JSON, one run a line."""
    golden = trajectories()
    runs = golden.pop("runs")
    head = json.dumps(golden, indent=1)[:-2]
    body = ",\n".join(
        f"  {json.dumps(name)}: {json.dumps(run)}" for name, run in runs.items()
    )
    return f'{head},\n "runs": {{\n{body}\n }}\n}}\n'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    DATASETS_JS.write_text(datasets_js())
    GOLDEN_JSON.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN_JSON.write_text(golden_json())
    for path in (DATASETS_JS, GOLDEN_JSON):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
