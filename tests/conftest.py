"""What the unit tests share; the book's tests add theirs in tests/book/conftest.py.

- `rng`: a fresh NumPy generator seeded with 0 for each test.
- The commands the tests start (and the chapters' kernels) get the environment
  of `make execute` (tools/kernel_env.py): no MPLBACKEND from the shell, a fixed
  hash seed, one BLAS thread. It is set here, before any of them starts.
- No Jupyter package is imported here (tests/test_package.py checks it), so that
  `pytest tests/test_linear.py` loads the package and its tests only.
"""

import os

import numpy as np
import pytest

from tools.kernel_env import KERNEL_ENV, UNSET_ENV

for name in UNSET_ENV:
    os.environ.pop(name, None)
os.environ.update(KERNEL_ENV)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
