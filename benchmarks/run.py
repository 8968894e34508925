"""Training-step speed: mytorch against the hand-written floor and scikit-learn.

Usage: python benchmarks/run.py [--quick] [--atlas] [--repeats R] [--overhead]
[--subnormals] [--keep-freed-memory]

For an MLP 2 -> H -> H -> C with cross-entropy and Adam, each
configuration is timed for mytorch (a Sequential of the package's modules
and its Adam, as a reader writes it), the floor (benchmarks/floor.py) and
scikit-learn's MLPClassifier (same architecture, batch size, learning rate,
number of steps and dtype), and, as a bound for any implementation, the
step's eight matrix products alone. Implementations are interleaved within each
repetition and the medians compared, so the printed ratios are measured
side by side in one run; absolute times on a shared machine are not
comparable across runs. BLAS runs on one thread (threadpoolctl), the
stable setting on a 2-core machine.

mytorch's modules return new arrays, as PyTorch's do, and the floor writes
into buffers it allocated once. With glibc's default settings, memory
freed from arrays of about half a megabyte or more goes back to the
operating system, so the next step's arrays come back as fresh pages, each
a page fault. `--keep-freed-memory` runs the same comparison with glibc
told to keep freed memory (its MALLOC_MMAP_THRESHOLD_ and
MALLOC_TRIM_THRESHOLD_), which separates that cost from the rest.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from statistics import geometric_mean, median

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mytorch  # noqa: E402
from floor import FloorMLP  # noqa: E402
from mytorch import nn, optim  # noqa: E402

N_SAMPLES, N_CLASSES, LR = 1000, 3, 1e-3

#: glibc settings under which freed memory stays with the process: blocks up to
#: 32 MiB (glibc's largest threshold) come from the heap, which is never trimmed.
KEEP_FREED_MEMORY = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(2**40),
}


def make_data(dtype, n=N_SAMPLES):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 2)).astype(dtype)
    y = (np.arctan2(x[:, 1], x[:, 0]) > 0).astype(np.int64) + (
        np.hypot(x[:, 0], x[:, 1]) > 1
    )
    return x, y


def batches(batch_size, steps, n=N_SAMPLES):
    """The same minibatch index sequence for every implementation (full batches only)."""
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} is larger than the {n} samples")
    rng = np.random.default_rng(1)
    out = []
    while len(out) < steps:
        order = rng.permutation(n)
        out += [
            order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)
        ]
    return out[:steps]


def build_mytorch(width, activation, dtype):
    mytorch.manual_seed(0)
    act = nn.ReLU if activation == "relu" else nn.Tanh
    model = nn.Sequential(
        nn.Linear(2, width),
        act(),
        nn.Linear(width, width),
        act(),
        nn.Linear(width, N_CLASSES),
    )
    return model.to(dtype)


class MytorchRunner:
    def __init__(self, width, activation, dtype):
        self.model = build_mytorch(width, activation, dtype)
        self.criterion = nn.CrossEntropyLoss()
        self.opt = optim.Adam(self.model.parameters(), lr=LR)

    def run(self, x, y, index_batches):
        model, criterion, opt = self.model, self.criterion, self.opt
        for idx in index_batches:
            loss = criterion(model(x[idx]), y[idx])
            opt.zero_grad()
            model.backward(criterion.backward())
            opt.step()
        return loss


class FloorRunner:
    def __init__(self, width, activation, dtype, batch_size, flush_loss_gradient=True):
        weights = [p.data for p in build_mytorch(width, activation, dtype).parameters()]
        self.mlp = FloorMLP(
            weights,
            activation,
            batch_size,
            lr=LR,
            flush_loss_gradient=flush_loss_gradient,
        )

    def run(self, x, y, index_batches):
        for idx in index_batches:
            loss = self.mlp.step(x[idx], y[idx])
        return loss


class ProductsRunner(FloorRunner):
    """The floor's matrix products alone: a lower bound for any implementation of the
    step."""

    def __init__(self, width, activation, dtype, batch_size, x, y, first_batch):
        super().__init__(width, activation, dtype, batch_size)
        self.mlp.step(x[first_batch], y[first_batch])

    def run(self, x, y, index_batches):
        for idx in index_batches:
            self.mlp.products(x[idx])


class ContractRunner:
    """What mytorch's API asks beyond the floor's arithmetic, alone, on arrays of the
    step's shapes: the copies of the three layers' inputs that forward keeps (so
    that changing an input in place cannot change backward), zeroing the gradients
    (`zero_grad`), adding each parameter's gradient to what is there instead of
    writing it (gradients accumulate), the first layer's input gradient (every
    `backward` returns one), and the check that every label is a class."""

    def __init__(self, width, dtype, batch_size):
        # the floor's parameters and gradients: one flat array, a view per layer
        mlp = FloorRunner(width, "relu", dtype, batch_size).mlp
        self.params, self.grads, self.flat_grad = mlp.params, mlp.grads, mlp.flat_grad
        self.new_grads = [np.zeros_like(p) for p in self.params]
        self.hidden = np.ones((batch_size, width), dtype)
        self.inputs = np.ones((batch_size, 2), dtype)
        labels = np.arange(batch_size) % N_CLASSES
        self.onehot = labels[:, None] == np.arange(N_CLASSES)

    def run(self, x, y, index_batches):
        hidden, grads, new_grads = self.hidden, self.grads, self.new_grads
        for _ in index_batches:
            for layer_input in (self.inputs, hidden, hidden):
                layer_input.copy()
            np.count_nonzero(self.onehot)
            self.flat_grad.fill(0)
            for grad, new in zip(grads, new_grads):
                grad += new
            hidden @ self.params[0]


class SklearnRunner:
    """MLPClassifier trained for whole epochs; timed per step like the others."""

    def __init__(self, width, activation, batch_size, steps):
        from sklearn.neural_network import MLPClassifier

        per_epoch = N_SAMPLES // batch_size + (N_SAMPLES % batch_size > 0)
        self.epochs = max(1, round(steps / per_epoch))
        self.steps = self.epochs * per_epoch
        self.clf = MLPClassifier(
            hidden_layer_sizes=(width, width),
            activation=activation,
            solver="adam",
            learning_rate_init=LR,
            batch_size=batch_size,
            max_iter=self.epochs,
            alpha=0.0,
            shuffle=True,
            random_state=0,
            tol=0.0,
            n_iter_no_change=10**9,
        )

    def run(self, x, y, _):
        with warnings.catch_warnings():
            # ConvergenceWarning: we stop after a fixed number of epochs on purpose
            warnings.simplefilter("ignore")
            self.clf.fit(x, y)


def check_same_math(width, activation, dtype, batch_size):
    """mytorch and the floor must compute the same numbers before their times mean
    anything."""
    x, y, index_batches = workload(dtype, batch_size, 20)
    a, b = (
        MytorchRunner(width, activation, dtype),
        FloorRunner(width, activation, dtype, batch_size),
    )
    a.run(x, y, index_batches)
    b.run(x, y, index_batches)
    # the same operations in the same order
    for p, q in zip(a.model.parameters(), b.mlp.params):
        np.testing.assert_array_equal(p.data, q)


def time_per_step(runner, x, y, index_batches):
    start = time.perf_counter()
    runner.run(x, y, index_batches)
    return (time.perf_counter() - start) / getattr(runner, "steps", len(index_batches))


def interleaved(runs, repeats):
    """Median seconds per step of each ``name: (runner, x, y, index_batches)``, taking
    turns in every repetition."""
    for runner, x, y, index_batches in runs.values():  # warm-up
        runner.run(x, y, index_batches[:5])
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(time_per_step(*run))
    return {name: median(t) for name, t in times.items()}


def workload(dtype, batch_size, steps):
    """The data and the minibatch index sequence of one configuration (full batches
    cover all samples)."""
    n = max(N_SAMPLES, batch_size)
    return (*make_data(dtype, n), batches(batch_size, steps, n))


def steps_for(width, batch_size):
    return max(20, min(300, int(3e8 / (batch_size * width * width * 6 + 2e5 * 50))))


def bench_config(width, activation, dtype, batch_size, repeats, with_sklearn):
    x, y, index_batches = workload(dtype, batch_size, steps_for(width, batch_size))
    runners = {
        "mytorch": MytorchRunner(width, activation, dtype),
        "floor": FloorRunner(width, activation, dtype, batch_size),
    }
    if with_sklearn:
        runners["contract"] = ContractRunner(width, dtype, batch_size)
        runners["products"] = ProductsRunner(
            width, activation, dtype, batch_size, x, y, index_batches[0]
        )
        runners["sklearn"] = SklearnRunner(
            width, activation, batch_size, len(index_batches)
        )
    return interleaved(
        {name: (runner, x, y, index_batches) for name, runner in runners.items()},
        repeats,
    )


def float32_speedup(width, activation, batch_size, repeats):
    """mytorch's float64 step time over its float32 one, the two taking turns."""
    runs = {
        np.dtype(dtype).name: (
            MytorchRunner(width, activation, dtype),
            *workload(dtype, batch_size, steps_for(width, batch_size)),
        )
        for dtype in (np.float64, np.float32)
    }
    t = interleaved(runs, repeats)
    return t["float64"] / t["float32"]


def matmul_peak(dtype, n=2048, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def step_flops(width, batch_size):
    """Multiply-adds of the three layers' forward, input-gradient and weight-gradient
    products, times 2."""
    macs = batch_size * (2 * width + width * width + width * N_CLASSES)
    # no input gradient for the first layer
    return 2 * 3 * macs - 2 * batch_size * 2 * width


def machine_description():
    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy {np.__version__}, BLAS {', '.join(blas) or 'unknown'}"


def page_faults_per_step(runner, x, y, index_batches):
    """Minor page faults per step: fresh pages of memory the operating system had to
    supply."""
    runner.run(x, y, index_batches[:10])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    runner.run(x, y, index_batches)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / len(
        index_batches
    )


def overheads(repeats):
    """What separates mytorch from the floor: a fixed cost per step, and fresh memory."""
    t = bench_config(4, "relu", np.float64, 4, repeats, with_sklearn=False)
    print(
        f"fixed cost of a step (width 4, batch 4, float64, where the arithmetic is negligible): "
        f"mytorch {t['mytorch'] * 1e6:.1f} us, floor {t['floor'] * 1e6:.1f} us, "
        f"difference {(t['mytorch'] - t['floor']) * 1e6:.1f} us"
    )
    print(
        "\nminor page faults per step, tanh, width w, batch b (mytorch / floor; the allocator adapts to what\n"
        "the process allocated before, so the counts depend on the order of the runs):"
    )
    for dtype in (np.float64, np.float32):
        cells = []
        for width in (64, 256):
            for batch_size in (32, 256, 1000):
                x, y, index_batches = workload(dtype, batch_size, 100)
                faults = [
                    page_faults_per_step(runner, x, y, index_batches)
                    for runner in (
                        MytorchRunner(width, "tanh", dtype),
                        FloorRunner(width, "tanh", dtype, batch_size),
                    )
                ]
                cells.append(
                    f"w{width}/b{batch_size}: {faults[0]:.0f} / {faults[1]:.0f}"
                )
        print(f"  {np.dtype(dtype).name}: " + ", ".join(cells))


def subnormal_effect(steps=6000, chunk=100, timed=5):
    """Step times late in a long float32 run, with and without flushing subnormal
    entries of the loss gradient.

    As the training loss falls, more and more examples are classified so
    confidently that the probabilities of their other classes, and so the
    loss gradient, fall below the smallest normal float32 number; every
    matrix product of the backward pass then reads subnormal numbers. The
    runs take turns, `chunk` steps each, in a rotating order. Times are
    medians over `timed` turns of the mean time per step in a turn; ratios
    are taken turn by turn, so that a slow phase of the machine falls on
    both sides of each.
    """
    width, batch_size, dtype = 64, 256, np.float32
    x, y, index_batches = workload(dtype, batch_size, steps)
    runners = {
        "floor, loss gradient not flushed": FloorRunner(
            width, "relu", dtype, batch_size, flush_loss_gradient=False
        ),
        "floor": FloorRunner(width, "relu", dtype, batch_size),
        "mytorch": MytorchRunner(width, "relu", dtype),
    }
    names = list(runners)
    times = {name: [] for name in names}
    for turn, start in enumerate(range(0, steps, chunk)):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            times[name].append(
                time_per_step(runners[name], x, y, index_batches[start : start + chunk])
            )

    def ratio(a, b, turns):
        return median(p / q for p, q in zip(times[a][turns], times[b][turns]))

    first, last = slice(None, timed), slice(-timed, None)
    print(
        f"float32, ReLU, width {width}, batch {batch_size}, {steps} steps of Adam (lr {LR}), "
        f"taking turns every {chunk} steps; time per step over the first and the last {timed * chunk} steps:"
    )
    for name, t in times.items():
        print(
            f"  {name:33} {median(t[first]) * 1e6:6.1f} us, {median(t[last]) * 1e6:6.1f} us"
        )
    print(
        f"not flushed / flushed (floor): first {ratio(names[0], names[1], first):.2f}, last {ratio(names[0], names[1], last):.2f}; "
        f"mytorch / floor: first {ratio(names[2], names[1], first):.2f}, last {ratio(names[2], names[1], last):.2f}"
    )
    gradient = runners[names[0]].mlp.z3  # the last step's dL/dlogits
    subnormal = (gradient != 0) & (np.abs(gradient) < np.finfo(dtype).tiny)
    print(
        f"subnormal entries in the last loss gradient when not flushed: {subnormal.mean():.1%}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument(
        "--atlas", action="store_true", help="also time `python -m mytorch.atlas`"
    )
    instead = parser.add_mutually_exclusive_group()
    instead.add_argument(
        "--overhead",
        action="store_true",
        help="instead of the table: mytorch's fixed cost per step, and page faults per step",
    )
    instead.add_argument(
        "--subnormals",
        action="store_true",
        help="instead of the table: step times late in a long float32 run, with and without "
        "flushing subnormal entries of the loss gradient",
    )
    parser.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help="run with glibc keeping freed memory instead of returning it to the "
        "operating system (both implementations, same run)",
    )
    args = parser.parse_args(argv)
    kept = all(os.environ.get(k) == v for k, v in KEEP_FREED_MEMORY.items())
    if args.keep_freed_memory and not kept:
        # malloc reads these when the process starts: start again with them
        os.execve(
            sys.executable,
            [sys.executable, *sys.argv],
            {**os.environ, **KEEP_FREED_MEMORY},
        )
    repeats = 3 if args.quick else args.repeats
    print(machine_description())
    print(
        "BLAS threads: 1. Times are medians of interleaved repetitions; ratios are what to compare.\n"
        + (
            "glibc keeps freed memory (--keep-freed-memory).\n"
            if kept
            else "glibc's default: large freed blocks go back to the operating system.\n"
        )
    )
    if args.overhead or args.subnormals:
        with threadpool_limits(limits=1, user_api="blas"):
            if args.overhead:
                overheads(repeats)
            else:
                subnormal_effect()
        return

    configs = [
        (dtype, activation, width, batch_size)
        for dtype in (np.float64, np.float32)
        for activation in ("relu", "tanh")
        for width in (64, 256)
        for batch_size in ((32, 1000) if args.quick else (32, 256, 1000))
    ]
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for dtype, activation, width, batch_size in tqdm(
            configs, desc="bench", unit="config"
        ):
            check_same_math(width, activation, dtype, batch_size)
            t = bench_config(
                width, activation, dtype, batch_size, repeats, with_sklearn=True
            )
            rows.append((np.dtype(dtype).name, activation, width, batch_size, t))
        header = (
            f"{'dtype':8} {'act':5} {'width':>5} {'batch':>5} {'mytorch us':>11} {'floor us':>9} "
            f"{'mytorch/floor':>13} {'contract us':>11} {'mytorch/(floor+contract)':>24} "
            f"{'sklearn/mytorch':>15} {'sklearn/floor':>13} {'sklearn/products':>16}"
        )
        print(header)
        print("-" * len(header))
        for dtype, activation, width, batch_size, t in rows:
            print(
                f"{dtype:8} {activation:5} {width:5d} {batch_size:5d} {t['mytorch'] * 1e6:11.1f} {t['floor'] * 1e6:9.1f} "
                f"{t['mytorch'] / t['floor']:13.2f} {t['contract'] * 1e6:11.1f} "
                f"{t['mytorch'] / (t['floor'] + t['contract']):24.2f} "
                f"{t['sklearn'] / t['mytorch']:15.2f} {t['sklearn'] / t['floor']:13.2f} "
                f"{t['sklearn'] / t['products']:16.2f}"
            )
        print(
            "(products: the step's eight matrix products alone, which any implementation computes;\n"
            "contract: what mytorch's API asks beyond the floor's arithmetic, alone: input copies,\n"
            "zero_grad, gradients added rather than written, the first input gradient, the label check)"
        )
        for dtype in ("float64", "float32"):
            ts = [t for d, _, _, _, t in rows if d == dtype]
            ratios = [t["mytorch"] / t["floor"] for t in ts]
            beyond = [t["mytorch"] / (t["floor"] + t["contract"]) for t in ts]
            print(
                f"\n{dtype}: mytorch/floor geometric mean {geometric_mean(ratios):.3f}, max {max(ratios):.2f}; "
                f"mytorch/(floor+contract) geometric mean {geometric_mean(beyond):.3f}, max {max(beyond):.2f}"
            )
        for width in (64, 256):
            ts = [t for _, _, w, b, t in rows if w == width and b in (32, 256)]
            print(
                f"width {width}, batch 32 and 256: sklearn/mytorch min {min(t['sklearn'] / t['mytorch'] for t in ts):.2f}, "
                f"sklearn/floor min {min(t['sklearn'] / t['floor'] for t in ts):.2f}, "
                f"sklearn/products min {min(t['sklearn'] / t['products'] for t in ts):.2f}"
            )
        shapes = dict.fromkeys(
            (activation, width, batch_size)
            for _, activation, width, batch_size in configs
            if width >= 256
        )
        speedups = [
            float32_speedup(width, activation, batch_size, repeats)
            for activation, width, batch_size in shapes
        ]
        print(
            f"mytorch float32 speed-up over float64 at width >= 256 (timed in turns): min {min(speedups):.2f}, geometric mean {geometric_mean(speedups):.2f}"
        )

        peak = matmul_peak(np.float32)
        t = bench_config(
            1024, "relu", np.float32, 1024, max(3, repeats // 2), with_sklearn=False
        )
        achieved = step_flops(1024, 1024) / t["mytorch"]
        print(
            f"\nfloat32, width 1024, batch 1024: mytorch {t['mytorch'] * 1e3:.1f} ms/step, floor {t['floor'] * 1e3:.1f} ms/step, "
            f"ratio {t['mytorch'] / t['floor']:.2f}; {achieved / 1e9:.0f} GFLOP/s = {achieved / peak:.0%} of the "
            f"{peak / 1e9:.0f} GFLOP/s matmul peak (2048x2048 float32 @, same run)"
        )

    if args.atlas:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "mytorch.atlas", "--out", out],
                check=True,
                stderr=subprocess.DEVNULL,
            )
            print(
                f"\natlas (60 experiments + baseline): {time.perf_counter() - start:.1f} s wall"
            )


if __name__ == "__main__":
    main()
