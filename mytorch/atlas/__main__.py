"""The command line: ``python -m mytorch.atlas --out DIR [--sweep | --compare]``.

``make atlas`` runs it with ``--out _build/atlas --overwrite``. It writes

- ``atlas.csv``: one row per experiment (``dataset, optimizer, activation,
  train_loss, train_accuracy, test_accuracy, epochs, seconds`` and the
  configuration: ``hidden, batch_size, lr, seed``);
- ``baseline.csv``: the same tasks through scikit-learn's ``MLPClassifier``
  wherever it has the configuration, with the same key columns;
- ``grid_<dataset>.png``, ``curves_<dataset>.png`` and ``overview.png``;

or, with ``--sweep``, ``sweep.csv`` (the table stored as ``SWEEP_FILE``), and
with ``--compare``, ``comparison.csv`` (stored as ``COMPARISON_FILE``).

The runs go through joblib: ``--jobs`` local processes (the ``loky``
backend, the default), or with ``--backend dask --scheduler ADDRESS`` the
workers of a running Dask cluster. Every run seeds itself, so the tables
are the same either way (the ``seconds`` column aside).

Beside the results, every run writes ``manifest.json``: the command, the
settings and seeds, the versions of Python and of the packages, the BLAS
kernels (threadpoolctl), the machine, the start and end time (UTC) and the
files written. The files appear only once the whole run has succeeded; an
interrupted run (Ctrl-C, exit status 130; SIGTERM, 143) or a failed one
leaves none. A folder that holds another run's results is refused unless
``--overwrite`` is given, which replaces the files that run's manifest
lists, and no others. Every option either applies to the mode chosen or is
refused by the parser (exit status 2).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import threading
import warnings

from mytorch.atlas import _modes
from mytorch.atlas._options import _PROG, _parser, _settings
from mytorch.atlas._outputs import (
    MANIFEST,
    _earlier_run,
    _environment,
    _now,
    _output_folder,
    _signals_held,
    _Staging,
)

__all__ = ["main"]

#: Seconds to wait for the Dask scheduler of ``--scheduler`` to answer.
CONNECT_TIMEOUT = 10


@contextlib.contextmanager
def _backend(parser, settings):
    """Where joblib sends the tasks while the block runs: a Dask client, or local."""
    if settings["backend"] != "dask":
        yield
        return
    import distributed
    import joblib

    try:
        client = distributed.Client(settings["scheduler"], timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as error:
        parser.error(
            f"argument --scheduler: expected the address of a running Dask "
            f"scheduler, got {settings['scheduler']} ({error})"
        )
    try:
        with joblib.parallel_config(backend="dask"), warnings.catch_warnings():
            # The figures' tasks carry the trained models (a few MiB), on purpose.
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            yield
    finally:
        client.close()


class _Terminated(BaseException):
    """SIGTERM during a command-line run: stop, and clean up as on Ctrl-C."""


def main(argv=None) -> int:
    """Command-line entry point: ``python -m mytorch.atlas --out DIR [--sweep |
    --compare]``.

    Messages and progress bars go to stderr, results to files in ``--out``.
    Returns the exit status: 0, or 130 when interrupted (Ctrl-C), 143 when
    terminated (SIGTERM), as shells report them; the parser's errors exit
    with status 2.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    settings = _settings(parser, args)
    out = _output_folder(parser, args.out)
    replaced = _earlier_run(parser, out, args.overwrite)
    # Local processes: --jobs, up to 2 by default. joblib's dask backend
    # ignores n_jobs: every worker of the cluster takes tasks.
    n_jobs = args.jobs or min(2, os.cpu_count() or 1) if args.backend == "loky" else 1
    with _backend(parser, settings):
        return _run(
            parser, settings, argv, out, replaced, n_jobs, progress=not args.quiet
        )


def _run(parser, settings, argv, out, replaced, n_jobs, *, progress) -> int:
    """Run the mode in a staging folder; move its files to ``out`` once it succeeds."""
    started = _now()
    try:
        staging = _Staging(out, replaced)
    except OSError as error:
        parser.error(
            f"argument --out: expected a folder we can write to, got {out} "
            f"({error.strerror})"
        )
    run = {
        "atlas": _modes._run_atlas,
        "sweep": _modes._run_sweep,
        "compare": _modes._run_comparison,
    }
    received = []

    def stop(signum, frame):
        # The first Ctrl-C or SIGTERM stops the run, which then cleans up: a
        # second must not cut that short (workers abandoned halfway may wait
        # forever), so it is ignored.
        received.append(signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else _Terminated

    # Signal handlers can only be set from the main thread; a signal ignored
    # from the start (a background job's Ctrl-C) stays ignored.
    handled = [
        signum
        for signum in (signal.SIGINT, signal.SIGTERM)
        if threading.current_thread() is threading.main_thread()
        and signal.getsignal(signum) is not signal.SIG_IGN
    ]
    previous = [signal.signal(signum, stop) for signum in handled]
    try:
        summary = run[settings["mode"]](
            settings, staging.folder, out, progress=progress, n_jobs=n_jobs
        )
        if received:
            # Some code caught the signal's exception and carried on, as
            # MLPClassifier.fit does: the run was stopped all the same.
            raise KeyboardInterrupt
        manifest = {
            "command": shlex.join([*_PROG.split(), *argv]),
            "settings": settings,
            "started": started,
            "finished": _now(),
            **_environment(),
        }
        staging.commit(manifest)
    except BaseException as error:
        with _signals_held():
            staging.discard()
        # A signal can surface as another error: an import it cuts short
        # raises ImportError, for one. Either way the run was stopped.
        if not received and not isinstance(error, KeyboardInterrupt):
            raise
        terminated = signal.SIGTERM in received
        print(
            f"{_PROG}: {'terminated' if terminated else 'interrupted'}, "
            f"nothing written to {out}",
            file=sys.stderr,
        )
        return 143 if terminated else 130
    finally:
        for signum, handler in zip(handled, previous):
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
    print(f"{summary}, with {MANIFEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
