"""What every batch of the atlas's runs shares: argument checks, datasets, joblib.

Each run is a task that seeds itself, so a batch gives the same numbers
on one process, on several (joblib's ``loky`` backend, the default) or on
a Dask cluster (``joblib.parallel_config(backend="dask")`` inside a
``distributed.Client``), in whatever order the workers finish.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading

from mytorch import datasets

# The seeded generator (mytorch.manual_seed) and the BLAS thread limit are
# global to a process: a worker with several threads (a Dask worker) runs
# one task at a time, so a run's numbers never depend on its neighbours.
_ONE_AT_A_TIME = threading.Lock()


def _names(argument: str, values, choices) -> list[str]:
    values = [values] if isinstance(values, str) else list(values)
    for value in values:
        if value not in choices:
            raise ValueError(
                f"{argument} must be a subset of {list(choices)}, got {value!r}"
            )
    if not values:
        raise ValueError(
            f"{argument} must name at least one of {list(choices)}, got none"
        )
    if len(set(values)) < len(values):
        raise ValueError(
            f"{argument} must name each choice at most once, got {values!r}"
        )
    return values


def _pairs(argument: str, values) -> list[tuple]:
    pairs = [tuple(value) for value in values]
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{argument} must be a non-empty list of pairs, got {pairs!r}")
    return pairs


@functools.cache
def _cached_dataset(name: str, random_state: int = 0) -> datasets.Dataset:
    # Each worker process makes a dataset once, not once per experiment.
    return datasets.make_dataset(name, random_state=random_state)


def _worker_signals():
    # Ctrl-C in a terminal reaches every process of its group. The parent
    # alone answers it (joblib stops the workers and the parent re-raises),
    # so a worker neither prints a traceback of its own nor has the
    # interrupt swallowed inside a fit (scikit-learn's MLPClassifier
    # catches it). The command line's SIGTERM handler is the parent's alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_task(parent: int, function, args):
    """``function(*args)``; in a worker, the parent's signals left to the parent."""
    if os.getpid() != parent and threading.current_thread() is threading.main_thread():
        _worker_signals()
    with _ONE_AT_A_TIME:
        return function(*args)


@contextlib.contextmanager
def _workers_start_ignoring_ctrl_c(n_jobs: int):
    """Start joblib's worker processes with Ctrl-C ignored from their first instruction.

    A process started by ``exec`` keeps the signals that its parent ignores,
    and Python leaves an ignored SIGINT ignored: a worker still importing
    when Ctrl-C comes prints no traceback (before its first task,
    :func:`_run_task` has not run). Here SIGINT is blocked meanwhile, so a
    Ctrl-C is only delayed: it arrives once the previous handler is back.
    """
    # n_jobs=1 runs the tasks here, the first ones inside the block; only
    # the main thread sets handlers.
    if (
        n_jobs == 1
        or not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _map(function, tasks, *, n_jobs: int, desc: str, progress: bool) -> list:
    """``[function(*task) for task in tasks]`` through joblib, with a progress bar.

    ``n_jobs`` local processes (joblib's default backend; 1 runs in this
    process), or the backend set by ``joblib.parallel_config``. The results
    come back in the order of ``tasks``. The first failure, or Ctrl-C,
    stops the workers and is raised at once.
    """
    from joblib import Parallel, delayed
    from tqdm import tqdm  # text bar on stderr, also inside a notebook

    parent = os.getpid()
    calls = (delayed(_run_task)(parent, function, task) for task in tasks)
    results = []
    with tqdm(
        total=len(tasks),
        desc=desc,
        unit="run",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    ) as bar:
        with _workers_start_ignoring_ctrl_c(n_jobs):
            # Dispatches the first tasks, starting the workers if need be.
            outputs = Parallel(n_jobs=n_jobs, return_as="generator")(calls)
        for result in outputs:
            results.append(result)
            bar.update()
    return results
