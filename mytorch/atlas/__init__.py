"""The benchmark atlas: 5 datasets x 3 optimizers x 4 activations = 60 experiments.

One job per module:

- :mod:`mytorch.atlas.experiment`: one seeded training run
  (:func:`~mytorch.atlas.experiment.run_experiment`);
- :mod:`mytorch.atlas.grid`: the 60 runs (``run_atlas``, ``atlas_table``);
- :mod:`mytorch.atlas.sweep`: how the batch size, the epochs and the
  learning rates were chosen (``sweep_learning_rates``, ``choose_settings``);
- :mod:`mytorch.atlas.baseline`: scikit-learn's ``MLPClassifier`` on the
  same tasks (``run_baseline``);
- :mod:`mytorch.atlas.compare`: both libraries on fresh draws
  (``compare_with_baseline``);
- :mod:`mytorch.atlas.figures`: the pictures (``plot_dataset_grid``,
  ``plot_convergence``, ``write_figures``);
- ``mytorch.atlas.__main__``: the command line, ``python -m mytorch.atlas
  --out DIR`` (:func:`main`); ``data/`` holds the stored tables
  (:data:`~mytorch.atlas.sweep.SWEEP_FILE`,
  :data:`~mytorch.atlas.compare.COMPARISON_FILE`).

This package re-exports all of their public names, so
``from mytorch.atlas import run_atlas`` works as well as
``from mytorch.atlas.grid import run_atlas``.

Batches of runs go through joblib: local processes by default, or the
workers of a Dask cluster (``python -m mytorch.atlas --backend dask
--scheduler ADDRESS``). Every experiment is seeded: two runs write the same
numbers, wherever they ran, except the ``seconds`` column. The chapter
calls the same functions.
"""

from mytorch.atlas._outputs import MANIFEST
from mytorch.atlas.baseline import (
    SKLEARN_ACTIVATIONS,
    SKLEARN_SOLVERS,
    run_baseline,
    sklearn_mlp,
)
from mytorch.atlas.compare import (
    COMPARISON_COLUMNS,
    COMPARISON_DRAWS,
    COMPARISON_FILE,
    compare_with_baseline,
    load_comparison,
)
from mytorch.atlas.figures import (
    plot_convergence,
    plot_dataset_grid,
    plot_overview,
    write_figures,
)
from mytorch.atlas.grid import COLUMNS, atlas_table, run_atlas
from mytorch.atlas.sweep import (
    LR_GRID,
    SCHEDULES,
    SWEEP_COLUMNS,
    SWEEP_DRAWS,
    SWEEP_FILE,
    choose_settings,
    load_sweep,
    sweep_learning_rates,
    sweep_scores,
)

__all__ = [
    "COLUMNS",
    "COMPARISON_COLUMNS",
    "COMPARISON_DRAWS",
    "COMPARISON_FILE",
    "LR_GRID",
    "MANIFEST",
    "SCHEDULES",
    "SKLEARN_ACTIVATIONS",
    "SKLEARN_SOLVERS",
    "SWEEP_COLUMNS",
    "SWEEP_DRAWS",
    "SWEEP_FILE",
    "atlas_table",
    "choose_settings",
    "compare_with_baseline",
    "load_comparison",
    "load_sweep",
    "main",
    "plot_convergence",
    "plot_dataset_grid",
    "plot_overview",
    "run_atlas",
    "run_baseline",
    "sklearn_mlp",
    "sweep_learning_rates",
    "sweep_scores",
    "write_figures",
]


def main(argv=None) -> int:
    """Command-line entry point: ``python -m mytorch.atlas --out DIR [--sweep |
    --compare]``.

    Messages and progress bars go to stderr, results to files in ``--out``.
    Returns the exit status: 0, or 130 when interrupted (Ctrl-C), 143 when
    terminated (SIGTERM), as shells report them; the parser's errors exit
    with status 2. ``python -m mytorch.atlas --help`` lists the options.
    """
    # Imported here, not above: `python -m mytorch.atlas` runs that module as
    # __main__, and must not find it imported already by its package.
    from mytorch.atlas.__main__ import main as command_line

    return command_line(argv)
