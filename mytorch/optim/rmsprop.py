"""RMSprop: per-coordinate steps scaled by a running RMS of the gradient."""

import numpy as np

from mytorch._validation import check_fraction, check_non_negative
from mytorch.optim.optimizer import Optimizer


class RMSprop(Optimizer):
    r"""Divide the gradient by a running root mean square of its recent values.

    PyTorch's (non-centred) formulation, for the parameters $\theta$ with gradient $g$:

    .. math::

        g &\leftarrow g + \omega \theta \quad\text{(weight decay, by the base class)}\\
        v &\leftarrow \alpha v + (1 - \alpha)\, g \odot g\\
        u &= g / (\sqrt{v} + \epsilon)\\
        b &\leftarrow \mu b + u, \quad
            \theta \leftarrow \theta - \eta\, b \quad (\text{if } \mu > 0)\\
        \theta &\leftarrow \theta - \eta\, u \quad (\text{if } \mu = 0)

    State: `step`, `square_avg` ($v$, starts at 0) and, with momentum,
    `momentum_buffer` ($b$, starts at 0). See the chapter "RMSprop".

    Parameters
    ----------
    params : iterable of Parameter, or of dicts (parameter groups)
    lr : float, default 1e-2
    alpha : float in [0, 1), default 0.99
        Decay of the running mean of squared gradients.
    eps : float >= 0, default 1e-8
        Keeps the denominator away from 0. With ``eps=0``, a coordinate whose
        gradients have all been 0 gets 0/0: NaN, with NumPy's warning.
    momentum : float in [0, 1), default 0
    weight_decay : float, default 0
    """

    hyperparameters = {
        "lr": check_non_negative,
        "alpha": check_fraction,
        "eps": check_non_negative,
        "momentum": check_fraction,
        "weight_decay": check_non_negative,
    }
    state_keys = {"square_avg": None, "momentum_buffer": "momentum"}
    scratch = 2

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                momentum=momentum,
                weight_decay=weight_decay,
            ),
        )

    def update(self, p, g, state, group, tmp, u):
        lr, alpha, eps, mu = (
            group["lr"],
            group["alpha"],
            group["eps"],
            group["momentum"],
        )
        v = state["square_avg"]
        v *= alpha
        # (1 - alpha) g g
        v += np.multiply(np.multiply(1 - alpha, g, out=tmp), g, out=tmp)
        denom = np.add(np.sqrt(v, out=tmp), eps, out=tmp)  # sqrt(v) + eps
        u = np.divide(g, denom, out=u)
        if mu:
            b = state["momentum_buffer"]
            b *= mu
            b += u
            u = b
        p -= np.multiply(lr, u, out=tmp)
