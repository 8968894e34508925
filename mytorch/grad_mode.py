"""`no_grad`: forwards that keep nothing for backward, as in PyTorch.

A module's `forward` caches what its `backward` needs. Inside
`with mytorch.no_grad():` it caches nothing, so a forward made there for
logging or validation leaves the caches of the last training forward, and
the gradients `backward` computes from them, untouched. The mode is
per thread, as PyTorch's is.
"""

import contextlib
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` (in this thread)."""
    return _mode.enabled


class no_grad(contextlib.ContextDecorator):
    """Context manager (and decorator) in which forwards cache nothing for backward.

    Outputs are the same as outside it; BatchNorm1d in training mode still
    updates its running statistics and Dropout still draws a mask, as in
    PyTorch. A `backward` inside it differentiates the last forward made
    outside it.

    >>> import numpy as np, mytorch
    >>> layer = mytorch.nn.Linear(2, 1)
    >>> with mytorch.no_grad():
    ...     _ = layer(np.ones((3, 2)))
    """

    def __init__(self):
        # a stack: one instance may be entered again while active (a decorator)
        self._previous = []

    def __enter__(self):
        self._previous.append(_mode.enabled)
        _mode.enabled = False
        return self

    def __exit__(self, *exc_info):
        _mode.enabled = self._previous.pop()
        return False
