"""The environment of the kernels that run the chapters (tools/execute.py) and of
the commands the tests start (tests/conftest.py): figures through the inline
backend whatever the shell sets, stable hashing, and one BLAS thread, so that
matrix products sum in the same order on every run (and stay fast when the other
core is busy). Standard library only: the unit tests import it without Jupyter."""

KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
UNSET_ENV = ("MPLBACKEND",)
