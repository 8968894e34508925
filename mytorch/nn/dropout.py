"""Inverted dropout."""

from mytorch._validation import check_array, check_fraction, check_grad_output
from mytorch.grad_mode import is_grad_enabled
from mytorch.nn.module import Module
from mytorch.random import get_generator


class Dropout(Module):
    r"""In training, zero each element with probability $p$ and scale the rest by
    $1/(1-p)$.

    With the mask $M$ of entries $m_i \sim \mathrm{Bernoulli}(1-p)$,
    $y = x \odot M / (1-p)$, so $\mathbb{E}[y] = x$ and evaluation needs no
    rescaling: in eval mode Dropout is the identity. Backward multiplies by
    the same scaled mask.
    The mask is drawn from the generator that `mytorch.manual_seed` seeds.

    Parameters
    ----------
    p : float in [0, 1), default 0.5
        Probability of zeroing an element.
    """

    _cache_names = ("_mask", "_input_shape")

    def __init__(self, p=0.5):
        super().__init__()
        check_fraction("Dropout", "p", p)
        self.p = p
        self._mask = self._input_shape = None

    def forward(self, x):
        check_array("Dropout", "input", x)
        if not self.training or self.p == 0:
            mask = x.dtype.type(1)  # the identity: backward multiplies by 1
        else:
            keep = get_generator().random(x.shape, dtype=x.dtype) >= self.p
            mask = keep * x.dtype.type(1 / (1 - self.p))
        if is_grad_enabled():
            self._mask, self._input_shape = mask, x.shape
        return x * mask

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._mask, self._input_shape)
        return grad_output * self._mask

    def extra_repr(self):
        return f"p={self.p}"
