"""Elementwise nonlinearities and softmax, in numerically stable forms.

Each derivative is written in terms of what the forward pass already
computed, so backward costs one or two array operations. The chapter
"Activations" derives every formula and shows the naive forms failing.
"""

import math

import numpy as np
from scipy.special import erfc

from mytorch._validation import (
    check_array,
    check_choice,
    check_dim,
    check_grad_output,
    check_int,
)
from mytorch.grad_mode import is_grad_enabled
from mytorch.nn.module import Module


class ReLU(Module):
    r"""$\mathrm{ReLU}(x) = \max(x, 0)$; backward: $G \odot \mathbb{1}[x > 0]$.

    The derivative at the kink $x = 0$ is taken as 0, as in PyTorch.
    """

    _cache_names = ("_mask",)

    def __init__(self):
        super().__init__()
        self._mask = None

    def forward(self, x):
        check_array("ReLU", "input", x)
        if is_grad_enabled():
            self._mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._mask)
        return grad_output * self._mask


class Sigmoid(Module):
    r"""$\sigma(x) = 1/(1 + e^{-x})$; backward: $G \odot \sigma'(x)$.

    Computed from $z = e^{-|x|} \in (0, 1]$, which never overflows:
    $\sigma(x) = 1/(1+z)$ for $x \ge 0$ and $z/(1+z)$ for $x < 0$, and
    $\sigma'(x) = \sigma(x)(1 - \sigma(x)) = z/(1+z)^2$, which keeps its
    relative precision where $1 - \sigma(x)$ would round to 0.
    """

    _cache_names = ("_z",)

    def __init__(self):
        super().__init__()
        self._z = None

    def forward(self, x):
        check_array("Sigmoid", "input", x)
        z = np.exp(-np.abs(x))
        if is_grad_enabled():
            self._z = z  # a new array, not returned: no copy needed
        return np.where(x >= 0, 1, z) / (1 + z)

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._z)
        z = self._z
        return grad_output * (z / ((1 + z) * (1 + z)))


class Tanh(Module):
    r"""$\tanh(x)$; backward: $G \odot \tanh'(x)$.

    $\tanh'(x) = 1 - \tanh^2(x) = 4z/(1+z)^2$ with $z = e^{-2|x|} \in (0, 1]$:
    the second form keeps its relative precision where $\tanh^2(x)$ rounds
    to 1.
    """

    _cache_names = ("_z",)

    def __init__(self):
        super().__init__()
        self._z = None

    def forward(self, x):
        check_array("Tanh", "input", x)
        if is_grad_enabled():
            # z = exp(-2 min(|x|, 400)) in one new array: exp(-800) is 0 in float32
            # and float64, so the clip changes no z and keeps 2|x| from overflowing
            z = np.abs(x)
            np.minimum(z, 400.0, out=z)
            z *= -2
            self._z = np.exp(z, out=z)
        return np.tanh(x)

    def backward(self, grad_output):
        # of z's dtype: the in-place products below would round a wider grad_output to
        # z's dtype
        check_grad_output(self, grad_output, self._z, same_dtype=True)
        # G * 4z / (1 + z)^2, computed in one new array rather than four
        grad_input = np.add(1, self._z)
        np.multiply(grad_input, grad_input, out=grad_input)
        np.divide(self._z, grad_input, out=grad_input)
        grad_input *= 4
        grad_input *= grad_output
        return grad_input


class GELU(Module):
    r"""Gaussian error linear unit, $\mathrm{GELU}(x) = x\,\Phi(x)$.

    `approximate='none'` uses the Gaussian CDF exactly,
    $\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt 2)$ (erfc keeps full
    relative precision for negative $x$), and backward
    $G \odot (\Phi(x) + x\,\phi(x))$ with $\phi$ the Gaussian density.

    `approximate='tanh'` uses
    $\tfrac12 x \bigl(1 + \tanh u\bigr)$, $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$,
    and backward $G \odot \bigl(\tfrac12(1 + \tanh u) + \tfrac12 x (1 - \tanh^2
    u)\,u'\bigr)$,
    $u' = \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)$.
    """

    _cache_names = ("_x", "_x_clipped", "_tanh_u", "_cdf")
    _SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
    _INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

    def __init__(self, approximate="none"):
        super().__init__()
        check_choice("GELU", "approximate", approximate, ("none", "tanh"))
        self.approximate = approximate
        self._x = None

    def forward(self, x):
        check_array("GELU", "input", x)
        if self.approximate == "tanh":
            # Beyond |x| = 10, u > 43 and tanh(u) is exactly +-1 in float32 and float64:
            # clipping there changes no result and keeps x^3 from overflowing.
            xc = np.clip(x, -10.0, 10.0)
            tanh_u = np.tanh(self._SQRT_2_OVER_PI * (xc + 0.044715 * xc * xc * xc))
            if is_grad_enabled():
                # backward reads xc, not x
                self._x, self._x_clipped, self._tanh_u = x, xc, tanh_u
            return 0.5 * x * (1 + tanh_u)
        cdf = 0.5 * erfc(-x / math.sqrt(2.0))
        if is_grad_enabled():
            # a copy: x changed in place changes no gradient
            self._x, self._cdf = x.copy(), cdf
        return x * cdf

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._x)
        x = self._x
        if self.approximate == "tanh":
            t, xc = self._tanh_u, self._x_clipped  # where x was clipped, 1 - t * t is 0
            du = self._SQRT_2_OVER_PI * (1 + 3 * 0.044715 * xc * xc)
            return grad_output * (0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * du)
        # phi(40) = e^-800 / sqrt(2 pi) is 0 already; x * x stays finite
        xc = np.clip(x, -40.0, 40.0)
        pdf = self._INV_SQRT_2PI * np.exp(-0.5 * xc * xc)
        return grad_output * (self._cdf + x * pdf)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    r"""$\mathrm{softmax}(x)_i = e^{x_i - x_{\max}} / \sum_j e^{x_j - x_{\max}}$ along
    `dim`, $x_{\max} = \max_j x_j$.

    Subtracting the maximum changes nothing mathematically and keeps every
    exponent $\le 0$, so nothing overflows. Backward is the vector-Jacobian
    product without the Jacobian: $s \odot (G - \langle G, s \rangle)$,
    the inner product taken along `dim`.
    """

    _cache_names = ("_y",)

    def __init__(self, dim=-1):
        super().__init__()
        check_int("Softmax", "dim", dim, minimum=None)
        self.dim = dim
        self._y = None

    def forward(self, x):
        check_dim("Softmax", "input", x, self.dim)
        e = np.exp(x - x.max(axis=self.dim, keepdims=True))
        y = e / e.sum(axis=self.dim, keepdims=True)
        if is_grad_enabled():
            self._y = y.copy()  # a copy: the caller may change y in place
        return y

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._y)
        s = self._y
        return s * (grad_output - (grad_output * s).sum(axis=self.dim, keepdims=True))

    def extra_repr(self):
        return f"dim={self.dim}"
