"""The fully connected layer."""

import numpy as np

from mytorch.nn import init as nn_init
from mytorch._validation import (
    check_batch,
    check_bool,
    check_choice,
    check_grad_output,
    check_int,
    resolve_dtype,
)
from mytorch.grad_mode import is_grad_enabled
from mytorch.nn.module import Module, Parameter


class Linear(Module):
    r"""Affine map of a batch: $Y = XW^\top + \mathbf{1}b^\top$.

    Backward, for $G = \partial L/\partial Y$:
    $\partial L/\partial W = G^\top X$, $\partial L/\partial b = G^\top \mathbf{1}$,
    $\partial L/\partial X = G W$. Derived in the chapter "Linear layers and
    initialisation".

    Parameters
    ----------
    in_features, out_features : int
        Sizes $d$ and $k$ of each input and output row.
    bias : bool, default True
        Learn the offset $b$ (starts at zero).
    init : {'he', 'xavier'}, default 'he'
        Kaiming uniform (fan-in, gain $\sqrt 2$) or Glorot uniform for `weight`.
    dtype : float32 or float64, default float64

    Shapes
    ------
    input $(N, d)$, output $(N, k)$, `weight` $(k, d)$, `bias` $(k,)$.
    """

    _cache_names = ("_x",)

    def __init__(self, in_features, out_features, bias=True, init="he", dtype=None):
        super().__init__()
        check_int("Linear", "in_features", in_features)
        check_int("Linear", "out_features", out_features)
        check_bool("Linear", "bias", bias)
        check_choice("Linear", "init", init, ("he", "xavier"))
        dtype = resolve_dtype(dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.init = init
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if init == "he":
            nn_init.kaiming_uniform_(self.weight, nonlinearity="relu")
        else:
            nn_init.xavier_uniform_(self.weight)
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        self._x = None

    def forward(self, x):
        check_batch(
            "Linear", "input", x, "in_features", self.in_features, self.weight.dtype
        )
        if is_grad_enabled():
            # a copy: changing x in place after forward must not change backward
            self._x = x.copy()
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_output):
        check_grad_output(
            self, grad_output, self._x, features=self.out_features, same_dtype=True
        )
        self.weight.grad += grad_output.T @ self._x
        if self.bias is not None:
            self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
