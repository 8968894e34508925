"""Stochastic gradient descent with (Nesterov) momentum and weight decay."""

import numpy as np

from mytorch._validation import check_bool, check_fraction, check_non_negative
from mytorch.optim.optimizer import Optimizer


class SGD(Optimizer):
    r"""Gradient descent, optionally with heavy-ball or Nesterov momentum.

    PyTorch's formulation, for the parameters $\theta$ with gradient $g$:

    .. math::

        g &\leftarrow g + \omega \theta \quad\text{(weight decay, by the base class)}\\
        b &\leftarrow \mu b + g
            \quad\text{(} b \text{ starts at 0: the first step sets } b = g)\\
        \theta &\leftarrow \theta - \eta \,(g + \mu b \text{ if Nesterov else } b)

    Derived, and shown equivalent to the textbook form, in the chapter
    "SGD and momentum". With momentum, the state is `momentum_buffer` ($b$)
    and `step`; without, there is none.

    Parameters
    ----------
    params : iterable of Parameter, or of dicts (parameter groups)
    lr : float
        Learning rate $\eta \ge 0$.
    momentum : float in [0, 1), default 0
        $\mu$.
    nesterov : bool, default False
        Nesterov momentum (needs `momentum > 0`).
    weight_decay : float, default 0
        L2 penalty $\omega \ge 0$, added to the gradient.
    """

    hyperparameters = {
        "lr": check_non_negative,
        "momentum": check_fraction,
        "nesterov": check_bool,
        "weight_decay": check_non_negative,
    }
    state_keys = {"momentum_buffer": "momentum"}

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(
            params,
            dict(
                lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay
            ),
        )

    def update(self, p, g, state, group, tmp):
        lr, mu, nesterov = group["lr"], group["momentum"], group["nesterov"]
        if mu:
            v = state["momentum_buffer"]
            v *= mu
            v += g  # v = mu v + g
            # g + mu v
            g = np.add(g, np.multiply(mu, v, out=tmp), out=tmp) if nesterov else v
        p -= np.multiply(lr, g, out=tmp)  # p - lr g
