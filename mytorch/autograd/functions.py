"""Losses and layers written with Tensor operations, and what a graph keeps in memory.

`linear` and `batch_norm` are the modules' forwards from primitive
operations only: their backward passes are whatever the tape makes of them.
`saved_nbytes` measures the arrays a graph holds for its backward pass.
"""

import numpy as np

from mytorch.autograd.tensor import Tensor
from mytorch.autograd.value import topological_order


def nll_loss(log_probs, target):
    r"""$-\frac1N \sum_i \log P_{i, y_i}$ for log-probabilities $(N, C)$ and integer
    labels $(N,)$.

    VJP: $-G/N$ at each example's label, $0$ elsewhere.
    """
    n, c = log_probs.shape
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iu":
        got = target.dtype if isinstance(target, np.ndarray) else type(target).__name__
        raise TypeError(
            f"nll_loss expects target to be an integer ndarray of labels, got {got}"
        )
    if target.shape != (n,):
        raise ValueError(
            f"nll_loss got target of shape {target.shape}: expected ({n},) "
            f"to match {log_probs.shape}"
        )
    if target.min() < 0 or target.max() >= c:
        raise ValueError(
            f"nll_loss got labels in [{target.min()}, {target.max()}]: "
            f"expected labels in [0, {c - 1}]"
        )
    rows = np.arange(n)

    def vjp(g, target):
        grad = np.zeros((n, c), dtype=log_probs.data.dtype)
        grad[rows, target] = -g / n
        return (grad,)

    loss = -log_probs.data[rows, target].sum() / n
    return Tensor._record(np.asarray(loss), (log_probs,), vjp, (target,), "nll_loss")


def cross_entropy(logits, target):
    """Mean cross-entropy of labels: `nll_loss(logits.log_softmax(), target)`."""
    return nll_loss(logits.log_softmax(), target)


def linear(x, weight, bias=None):
    r"""$XW^\top + \mathbf{1}b^\top$, as `mytorch.nn.Linear` computes it, from `@`, `T`
    and `+`."""
    y = x @ weight.T
    return y if bias is None else y + bias


def batch_norm(x, weight, bias, eps=1e-5):
    r"""Training-mode batch normalisation of $(N, C)$, through primitive operations
    only.

    $\mu_B$, $\sigma_B^2$ (biased), $\hat x = (x - \mu_B)(\sigma_B^2 +
    \epsilon)^{-1/2}$,
    $y = \gamma \odot \hat x + \tau$: the backward pass is whatever the
    tape makes of these lines, with no formula of the chapter "Batch
    normalisation" written in. Running statistics are not kept.
    """
    mu = x.mean(axis=0)
    x_centered = x - mu
    var = (x_centered * x_centered).mean(axis=0)
    x_hat = x_centered * (var + eps) ** -0.5
    return x_hat * weight + bias


def saved_nbytes(root, exclude=()) -> int:
    """Bytes of the distinct arrays the graph of `root` keeps for its backward pass.

    Counts every saved array of every node once (views by their base array),
    leaving out the arrays in `exclude` (the input batch and the parameters,
    which exist without the graph). 0 once the graph has been freed.
    """
    skip = {id(_base(a)) for a in exclude}
    seen = {}
    for node in topological_order(root):
        for array in node._saved or ():
            base = _base(array)
            if id(base) not in skip:
                seen[id(base)] = base.nbytes
    return sum(seen.values())


def _base(array):
    while array.base is not None and isinstance(array.base, np.ndarray):
        array = array.base
    return array
