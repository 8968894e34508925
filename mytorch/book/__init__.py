"""The book's companion: what the chapters draw and explore, beside the framework.

- :mod:`mytorch.book.plotting`: figure helpers shared by chapters
  (``book_style()`` first; needs matplotlib, the ``plot`` extra);
- :mod:`mytorch.book.surfaces`: the optimisation surfaces of the optimizer
  chapters (a bowl, Rosenbrock's valley) and ``run_optimizer``.

Nothing in the framework (``mytorch.nn``, ``mytorch.optim`` ...) imports it.
"""
