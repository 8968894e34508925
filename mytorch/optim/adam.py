"""Adam: bias-corrected moment estimates of the gradient."""

import math

import numpy as np

from mytorch._validation import check_non_negative, check_pair
from mytorch.optim.optimizer import Optimizer


class Adam(Optimizer):
    r"""Adaptive moment estimation, as in PyTorch (L2 weight decay added to the
    gradient).

    For the parameters $\theta$ with gradient $g$, at step $t = 1, 2, \dots$:

    .. math::

        g &\leftarrow g + \omega \theta \quad\text{(weight decay, by the base class)}\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g \odot g\\
        \hat m_t &= m_t / (1 - \beta_1^t), \quad \hat v_t = v_t / (1 - \beta_2^t)\\
        \theta &\leftarrow \theta - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    $m_0 = v_0 = 0$; dividing by $1 - \beta^t$ removes the bias towards 0
    that this start gives the averages (derived in the chapter "Adam").
    The last line is evaluated in the equivalent form
    $\theta \leftarrow \theta - \alpha_t\, m_t / (\sqrt{v_t} + \hat\epsilon_t)$ with
    $\alpha_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)$ and
    $\hat\epsilon_t = \epsilon \sqrt{1 - \beta_2^t}$: the corrections are
    applied to scalars, and one array division is left instead of three.
    State: `step`, `exp_avg` ($m$), `exp_avg_sq` ($v$).

    Parameters
    ----------
    params : iterable of Parameter, or of dicts (parameter groups)
    lr : float, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float >= 0, default 1e-8
        Keeps the denominator away from 0. With ``eps=0``, a coordinate whose
        gradients have all been 0 gets 0/0: NaN, with NumPy's warning.
    weight_decay : float, default 0
    """

    hyperparameters = {
        "lr": check_non_negative,
        "betas": check_pair,
        "eps": check_non_negative,
        "weight_decay": check_non_negative,
    }
    state_keys = {"exp_avg": None, "exp_avg_sq": None}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(
            params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        )

    def update(self, p, g, state, group, tmp):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        m *= beta1
        m += np.multiply(1 - beta1, g, out=tmp)  # (1 - beta1) g
        v *= beta2
        # (1 - beta2) g g
        v += np.multiply(np.multiply(1 - beta2, g, out=tmp), g, out=tmp)
        root_bias2 = math.sqrt(1 - beta2**t)  # the bias corrections, moved onto scalars
        alpha_t, eps_t = lr * root_bias2 / (1 - beta1**t), eps * root_bias2
        denom = np.add(np.sqrt(v, out=tmp), eps_t, out=tmp)  # sqrt(v) + eps_t
        p -= np.multiply(alpha_t, np.divide(m, denom, out=tmp), out=tmp)
