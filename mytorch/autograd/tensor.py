"""Tensors that record the operations applied to them, and their vector-Jacobian
products.

Every operation on a `Tensor` that needs a gradient records a node: its
parents, the arrays its backward will need (`saved`) and its vector-Jacobian
product (`vjp`), the same formula a module's `backward` computes.
`backward()` on a scalar visits the nodes in reverse topological order and
hands each parent the sum of the gradients that reach it.
"""

import numpy as np

# Recording follows the package's grad mode, PyTorch's one switch: inside
# `mytorch.no_grad()` operations on Tensors record no graph (results keep no
# parents and no saved arrays), as the modules' forwards cache nothing.
from mytorch.autograd.value import topological_order
from mytorch.grad_mode import is_grad_enabled


def _unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched to reach
    `grad.shape`.

    A value broadcast to many entries is used many times, so its gradient is
    the sum of theirs.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    stretched = tuple(
        i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1
    )
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def as_tensor(x):
    """`x` if it is a Tensor, else a constant Tensor (no gradient) holding `x`."""
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    r"""An ndarray that records the operations applied to it.

    A Tensor made by the user is a *leaf*: with `requires_grad=True` its
    gradient is accumulated into `grad` by `backward()`. A Tensor made by an
    operation on Tensors of which at least one requires a gradient (outside
    `no_grad()`) is a *node* of the graph: it keeps its parents, the arrays
    its vector-Jacobian product needs (`_saved`) and that product (`_vjp`),
    which maps $G = \partial L/\partial(\text{output})$ to one gradient per
    parent, $\operatorname{vec}(G)^\top J$ for that parent's Jacobian $J$.

    Parameters
    ----------
    data : array_like
        Stored as an ndarray (not copied if it already is one, so a Tensor
        can share memory with a `Parameter`).
    requires_grad : bool, default False
        Whether `backward()` should compute $\partial L/\partial$ `data`.

    Shapes
    ------
    `grad` is None until a backward pass reaches the leaf, then an ndarray of
    the shape of `data`.
    """

    def __init__(self, data, requires_grad=False):
        if not isinstance(requires_grad, bool):
            got = type(requires_grad).__name__
            raise TypeError(f"Tensor(requires_grad) must be a bool, got {got}")
        self.data = np.asarray(data)
        self.requires_grad = requires_grad
        self.grad = None
        self._parents = ()
        self._vjp = None
        self._saved = ()
        self.op = "leaf"

    @classmethod
    def _record(cls, data, parents, vjp, saved, op):
        """The result of an operation: a graph node if a parent needs a gradient."""
        out = cls(data)
        if is_grad_enabled() and any(parent.requires_grad for parent in parents):
            out.requires_grad = True
            out._parents, out._vjp, out._saved, out.op = parents, vjp, saved, op
        return out

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def is_leaf(self) -> bool:
        return self._vjp is None

    def detach(self):
        """A new leaf sharing `data`, cut off from the graph."""
        return Tensor(self.data)

    # ---- elementwise arithmetic, with NumPy broadcasting -----------------
    def __add__(self, other):
        other = as_tensor(other)

        def vjp(g):
            return _unbroadcast(g, self.shape), _unbroadcast(g, other.shape)

        return Tensor._record(self.data + other.data, (self, other), vjp, (), "add")

    def __neg__(self):
        return Tensor._record(-self.data, (self,), lambda g: (-g,), (), "neg")

    def __sub__(self, other):
        return self + (-as_tensor(other))

    def __mul__(self, other):
        other = as_tensor(other)

        def vjp(g, a, b):
            return _unbroadcast(g * b, a.shape), _unbroadcast(g * a, b.shape)

        saved = (self.data, other.data)
        return Tensor._record(self.data * other.data, (self, other), vjp, saved, "mul")

    def __truediv__(self, other):
        return self * as_tensor(other) ** -1

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            got = type(exponent).__name__
            raise TypeError(
                f"Tensor ** exponent needs an int or float exponent, got {got}"
            )

        def vjp(g, x):
            return (g * exponent * x ** (exponent - 1),)

        return Tensor._record(
            self.data**exponent, (self,), vjp, (self.data,), f"pow{exponent}"
        )

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return as_tensor(other) - self

    # ---- linear algebra and reductions -----------------------------------
    def __matmul__(self, other):
        r"""$Y = AB$ for 2-D arrays; VJPs $G B^\top$ and $A^\top G$."""
        other = as_tensor(other)
        if (
            self.data.ndim != 2
            or other.data.ndim != 2
            or self.shape[1] != other.shape[0]
        ):
            raise ValueError(
                "matmul needs shapes (n, m) and (m, p), "
                f"got {self.shape} and {other.shape}"
            )

        def vjp(g, a, b):
            return g @ b.T, a.T @ g

        saved = (self.data, other.data)
        return Tensor._record(
            self.data @ other.data, (self, other), vjp, saved, "matmul"
        )

    @property
    def T(self):
        """The transpose, a view; its VJP transposes the gradient back."""
        return Tensor._record(self.data.T, (self,), lambda g: (g.T,), (), "transpose")

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all by default); VJP: the gradient copied back along the
        summed axes."""

        def vjp(g):
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape).copy(),)

        return Tensor._record(
            self.data.sum(axis=axis, keepdims=keepdims), (self,), vjp, (), "sum"
        )

    def mean(self, axis=None, keepdims=False):
        """The sum divided by the number of entries summed."""
        count = self.data.size if axis is None else self.shape[axis]
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    # ---- nonlinearities ---------------------------------------------------
    def relu(self):
        r"""$\max(x, 0)$; VJP $G \odot \mathbb{1}[x > 0]$, the mask is saved."""
        mask = self.data > 0
        y = np.maximum(self.data, 0)
        return Tensor._record(y, (self,), lambda g, mask: (g * mask,), (mask,), "relu")

    def tanh(self):
        r"""$y = \tanh(x)$; VJP $G \odot (1 - y^2)$, the output is saved."""
        y = np.tanh(self.data)
        return Tensor._record(y, (self,), lambda g, y: (g * (1 - y * y),), (y,), "tanh")

    def log_softmax(self):
        r"""$z_{ic} - \log \sum_l e^{z_{il}}$ along the last axis, less the row maximum
        first.

        VJP: $G - \operatorname{softmax}(z) \odot \sum_c G_{ic}$, with the
        softmax saved.
        """
        shifted = self.data - self.data.max(axis=-1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=-1, keepdims=True)

        def vjp(g, softmax):
            return (g - softmax * g.sum(axis=-1, keepdims=True),)

        y = shifted - np.log(sum_exp)
        return Tensor._record(y, (self,), vjp, (exp / sum_exp,), "log_softmax")

    # ---- the backward pass ------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate the gradient of this tensor into `grad` of every leaf it depends
        on.

        Parameters
        ----------
        grad : ndarray, optional
            $G$, the gradient with respect to this tensor; may be omitted
            when the tensor holds a single number (a loss), and is then 1.
        retain_graph : bool, default False
            Keep the graph, so that `backward` can run through it again. By
            default each node drops its saved arrays and its links to its
            parents as soon as it has passed its gradient on, as PyTorch
            frees its graph, so that the intermediate arrays can be freed.

        Raises
        ------
        RuntimeError
            If this tensor does not require a gradient, if it is not a
            single number and `grad` is omitted, or if the graph was freed
            by an earlier backward.
        ValueError
            If `grad` does not have this tensor's shape.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Tensor that does not require grad: no leaf of its "
                "computation has requires_grad=True, or it was computed under no_grad()"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    "backward() without grad needs a tensor with one element (a loss), "
                    f"got shape {self.shape}: pass grad= of that shape"
                )
            grad = np.ones_like(self.data)
        elif np.shape(grad) != self.shape:
            raise ValueError(
                f"backward() got grad of shape {np.shape(grad)}: expected {self.shape}"
            )
        order = topological_order(self)
        if any(node._saved is None for node in order):
            raise RuntimeError(
                "backward() through a graph whose saved arrays were freed by an "
                "earlier backward(): call the first backward(retain_graph=True) to go "
                "through it twice"
            )
        grads = {
            id(self): grad
        }  # the gradient reaching each node, summed over its uses
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:  # no path from the node to the root carries a gradient
                continue
            if node.is_leaf:
                if node.requires_grad:
                    node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            for parent, parent_grad in zip(node._parents, node._vjp(g, *node._saved)):
                if parent.requires_grad:
                    key = id(parent)
                    grads[key] = (
                        grads[key] + parent_grad if key in grads else parent_grad
                    )
            if (
                not retain_graph
            ):  # free what only backward needed: saved arrays and links
                node._saved, node._parents = None, ()

    def __repr__(self):
        if not self.is_leaf:
            extra = f", op={self.op!r}"
        else:
            extra = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor(shape={self.shape}, dtype={self.data.dtype}{extra})"
