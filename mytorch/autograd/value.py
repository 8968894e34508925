"""The scalar warm-up of the autograd chapter: `Value`, and the order of a graph.

`topological_order` lists every node a result depends on, parents first;
`Value.backward()` (and `Tensor.backward()`) visit it in reverse.
"""

import numpy as np


def topological_order(root) -> list:
    """Every node `root` depends on, each listed after all of its parents.

    Depth-first search from `root` along `_parents`, appending a node once
    all of its parents have been appended; a node reached twice is listed
    once. Iterative, so a long chain does not hit Python's recursion limit.
    Reversed, the list is an order in which each node's gradient is complete
    before it is passed on.
    """
    order, visited = [], {id(root)}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parent._parents)))
                break
        else:  # every parent is in the list: now the node can be
            stack.pop()
            order.append(node)
    return order


class Value:
    r"""A scalar that remembers how it was computed: the warm-up of the chapter.

    `data` is the number, `grad` is $\partial L/\partial(\text{this value})$
    after `L.backward()`, `_parents` are the values it was computed from and
    `_local_grads` the partial derivatives of this value with respect to
    each parent, evaluated in the forward pass.

    >>> a, b = Value(2.0), Value(-3.0)
    >>> L = a * b + a          # a is used twice
    >>> L.backward()
    >>> a.grad, b.grad         # dL/da = b + 1, dL/db = a
    (-2.0, 2.0)
    """

    def __init__(self, data, _parents=(), _local_grads=(), op=""):
        if (
            isinstance(data, Value)
            or not np.isscalar(data)
            or isinstance(data, (str, bool))
        ):
            raise TypeError(f"Value needs a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self._parents = _parents
        self._local_grads = _local_grads
        self.op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(
            self.data * other.data, (self, other), (other.data, self.data), "*"
        )

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            got = type(exponent).__name__
            raise TypeError(
                f"Value ** exponent needs an int or float exponent, got {got}"
            )
        local = exponent * self.data ** (exponent - 1)
        return Value(self.data**exponent, (self,), (local,), f"**{exponent}")

    def tanh(self):
        y = float(np.tanh(self.data))
        return Value(y, (self,), (1 - y * y,), "tanh")

    def exp(self):
        y = float(np.exp(self.data))
        return Value(y, (self,), (y,), "exp")

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (float(self.data > 0),), "relu")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self

    def backward(self):
        """Fill `grad` of every value this one depends on, with `self.grad = 1`.

        In reverse topological order, each value passes its gradient times
        the local derivative to each parent, which adds it (`+=`): a value
        used twice receives the sum over both uses.
        """
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            for parent, local in zip(node._parents, node._local_grads):
                parent.grad += local * node.grad

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"
