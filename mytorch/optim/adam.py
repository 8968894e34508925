"""Adam: bias-corrected moment estimates of the gradient."""
import math

import numpy as np

from mytorch._validation import check_fraction, check_non_negative
from mytorch.optim.optimizer import Optimizer


class Adam(Optimizer):
    r"""Adaptive moment estimation, as in PyTorch (L2 weight decay added to the gradient).

    For each parameter $p$ with gradient $g$, at step $t = 1, 2, \dots$:

    .. math::

        g &\leftarrow g + \lambda p\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g \odot g\\
        \hat m_t &= m_t / (1 - \beta_1^t), \quad \hat v_t = v_t / (1 - \beta_2^t)\\
        p &\leftarrow p - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    $m_0 = v_0 = 0$; dividing by $1 - \beta^t$ removes the bias towards 0
    that this start gives the averages (derived in the chapter "Adam").
    The last line is evaluated in the equivalent form
    $p \leftarrow p - \alpha_t\, m_t / (\sqrt{v_t} + \hat\epsilon_t)$ with
    $\alpha_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)$ and
    $\hat\epsilon_t = \epsilon \sqrt{1 - \beta_2^t}$: the corrections are
    applied to scalars, and one array division is left instead of three.
    State: `step`, `exp_avg` ($m$), `exp_avg_sq` ($v$).

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float >= 0, default 1e-8
        Keeps the denominator away from 0. With ``eps=0``, a coordinate whose
        gradients have all been 0 gets 0/0: NaN, with NumPy's warning.
    weight_decay : float, default 0
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        check_non_negative("Adam", "lr", lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam(betas) must be a pair (beta1, beta2), got {betas!r}")
        check_fraction("Adam", "betas[0]", betas[0])
        check_fraction("Adam", "betas[1]", betas[1])
        check_non_negative("Adam", "eps", eps)
        check_non_negative("Adam", "weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def step(self):
        self._check_views()
        group = self.param_groups[0]
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        g_wd, tmp = self._scratch(2)  # written in place, never reallocated
        g = self._grad_with_weight_decay(wd, out=g_wd)  # g + wd * p
        state = self.state
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(self.data)
            state["exp_avg_sq"] = np.zeros_like(self.data)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += np.multiply(1 - beta1, g, out=tmp)  # (1 - beta1) * g
        v *= beta2
        v += np.multiply(np.multiply(1 - beta2, g, out=tmp), g, out=tmp)  # (1 - beta2) * g * g
        self._flush_subnormals(t, m, v)
        # lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections moved onto scalars
        root_bias2 = math.sqrt(1 - beta2**t)
        alpha_t, eps_t = lr * root_bias2 / (1 - beta1**t), eps * root_bias2
        denom = np.add(np.sqrt(v, out=tmp), eps_t, out=tmp)  # sqrt(v) + eps_t
        self.data -= np.multiply(alpha_t, np.divide(m, denom, out=tmp), out=tmp)  # alpha_t * m / denom
