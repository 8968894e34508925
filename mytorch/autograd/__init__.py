"""Reverse-mode automatic differentiation, built on the book's vector-Jacobian products.

The chapter "From explicit backward to autograd" derives it. Every
operation on a `Tensor` that needs a gradient records a node: its parents,
the arrays its backward will need (`saved`) and its vector-Jacobian product
(`vjp`), the same formula a module's `backward` computes. `backward()` on a
scalar visits the nodes in reverse topological order and hands each parent
the sum of the gradients that reach it. `Value` is the same idea for
Python floats, small enough to read in one sitting.

The framework itself (`mytorch.nn`) does not use this module; it is the
book's model of what PyTorch's autograd does.

One job per module: `value` (the scalar warm-up, `Value`, and
`topological_order`), `tensor` (`Tensor` and its vector-Jacobian products)
and `functions` (losses and layers from Tensor operations, `saved_nbytes`).
"""

from mytorch.autograd.functions import (
    batch_norm,
    cross_entropy,
    linear,
    nll_loss,
    saved_nbytes,
)
from mytorch.autograd.tensor import Tensor, as_tensor
from mytorch.autograd.value import Value, topological_order

# The package's grad mode, PyTorch's one switch, also governs the tape
# (importable from here, documented with mytorch).
from mytorch.grad_mode import is_grad_enabled as is_grad_enabled
from mytorch.grad_mode import no_grad as no_grad

__all__ = [
    "Tensor",
    "Value",
    "as_tensor",
    "batch_norm",
    "cross_entropy",
    "linear",
    "nll_loss",
    "saved_nbytes",
    "topological_order",
]
