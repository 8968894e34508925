"""AdamW: Adam whose weight decay shrinks the weights, outside the gradient."""

from mytorch.optim.adam import Adam


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's AdamW.

    For the parameters $\theta$ with gradient $g$, at step $t = 1, 2, \dots$:

    .. math::

        \theta &\leftarrow (1 - \eta\omega)\, \theta \quad\text{(decoupled decay)}\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g \odot g\\
        \theta &\leftarrow \theta - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    with Adam's bias corrections $\hat m_t$, $\hat v_t$. Adam's L2 penalty
    adds $\omega \theta$ to $g$, so the decay is divided by $\sqrt{\hat v_t}$ with
    the gradient: weights with large gradients are decayed least. Here every
    weight shrinks by the same factor $1 - \eta\omega$ per step (derived in
    the chapter "Training in practice"). State: as Adam's.

    Parameters
    ----------
    params : iterable of Parameter, or of dicts (parameter groups)
    lr : float, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float >= 0, default 1e-8
    weight_decay : float >= 0, default 1e-2
        $\omega$; the decay per step is $\eta\omega$, so it follows the
        learning rate (and its schedule).
    """

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2
    ):
        super().__init__(params, lr, betas, eps, weight_decay)

    def apply_weight_decay(self, p, grad, group, out):
        """No L2 term: the gradient goes into the moments as it is."""
        return grad

    def update(self, p, g, state, group, tmp):
        p *= 1 - group["lr"] * group["weight_decay"]  # decoupled decay, before the step
        super().update(p, g, state, group, tmp)
