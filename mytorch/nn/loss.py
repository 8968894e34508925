"""Loss functions: a scalar from predictions and targets, and its gradient.

`criterion(prediction, target)` returns the loss as a NumPy scalar of the
prediction's dtype; `criterion.backward()` returns dL/dprediction. The
chapter "Losses" derives both.
"""

import numpy as np

from mytorch._numerics import flush_subnormals
from mytorch._validation import (
    check_choice,
    check_class_target,
    check_forward_done,
    check_labels,
    check_regression_target,
)
from mytorch.grad_mode import is_grad_enabled
from mytorch.nn.module import Module


class CrossEntropyLoss(Module):
    r"""Cross-entropy of integer targets under the softmax of the logits.

    With $z_{i,\max} = \max_c z_{ic}$, the log-sum-exp form
    $\ell_i = z_{i,\max} + \log \sum_c e^{z_{ic} - z_{i,\max}} - z_{i y_i}$
    never overflows. $L = \frac1N \sum_i \ell_i$ (`'mean'`) or $\sum_i \ell_i$
    (`'sum'`).

    Backward: $\partial L / \partial z = (\mathrm{softmax}(z) - \mathrm{onehot}(y)) / N$
    for `'mean'` (without the $1/N$ for `'sum'`), with entries smaller in
    magnitude than the smallest normal number set to 0: subnormal numbers,
    which slow down every operation that reads them.

    Shapes: logits $(N, C)$, target $(N,)$ integers in $[0, C)$.
    """

    _cache_names = ("_exp", "_sum_exp", "_onehot")

    def __init__(self, reduction="mean"):
        super().__init__()
        check_choice("CrossEntropyLoss", "reduction", reduction, ("mean", "sum"))
        self.reduction = reduction
        self._exp = None

    def forward(self, logits, target):
        check_class_target("CrossEntropyLoss", logits, target)
        n, c = logits.shape
        onehot = target[:, None] == np.arange(c)  # (N, C): row i is True at column y_i
        # a label outside [0, C) has no column
        check_labels("CrossEntropyLoss", target, onehot)
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1)
        # shifted[onehot]: z_{i, y_i} - z_{i, max}, row by row
        losses = np.log(sum_exp) - shifted[onehot]
        # backward turns these into softmax(logits) = exp / sum_exp
        if is_grad_enabled():
            self._exp, self._sum_exp, self._onehot = exp, sum_exp, onehot
        total = losses.sum()
        return logits.dtype.type(total / n if self.reduction == "mean" else total)

    def backward(self):
        check_forward_done(self, self._exp)
        grad_input = self._exp / self._sum_exp[:, None]  # softmax(logits)
        grad_input -= self._onehot  # softmax(logits) - onehot(target)
        n = grad_input.shape[0]
        if self.reduction == "mean":
            grad_input /= n
        # A confidently classified example gives its other classes probabilities
        # below the smallest normal number: subnormal entries, slow to compute
        # with and 0 to within rounding.
        flush_subnormals(grad_input)
        return grad_input

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(Module):
    r"""Mean squared error $L = \frac{1}{n_y} \sum_i (\hat y_i - y_i)^2$ over entries.

    $n_y$ is the number of entries of the prediction $\hat y$ and of the target
    $y$; `'sum'` drops the $1/n_y$. Backward:
    $\partial L/\partial \hat y = 2 (\hat y - y) / n_y$.
    Prediction and target have the same shape. A target of a wider dtype
    than the prediction is refused (the loss would be computed in the
    narrower one); a narrower target is widened, exactly.
    """

    _cache_names = ("_diff",)

    def __init__(self, reduction="mean"):
        super().__init__()
        check_choice("MSELoss", "reduction", reduction, ("mean", "sum"))
        self.reduction = reduction
        self._diff = None

    def forward(self, prediction, target):
        check_regression_target("MSELoss", prediction, target)
        diff = prediction - target.astype(prediction.dtype, copy=False)
        if is_grad_enabled():
            self._diff = diff
        total = np.vdot(diff, diff)
        return prediction.dtype.type(
            total / diff.size if self.reduction == "mean" else total
        )

    def backward(self):
        check_forward_done(self, self._diff)
        scale = 2 / self._diff.size if self.reduction == "mean" else 2
        return scale * self._diff

    def extra_repr(self):
        return f"reduction={self.reduction!r}"
