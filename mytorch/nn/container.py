"""Sequential: function composition, and the chain rule in reverse."""

from mytorch._validation import check_instances
from mytorch.nn.module import Module


class Sequential(Module):
    r"""Apply modules in order: $f = f_K \circ \dots \circ f_1$.

    `backward` walks the modules in reverse, each turning the gradient with
    respect to its output into the gradient with respect to its input: the
    chain rule as a sequence of vector-Jacobian products.

    Supports `len`, indexing (an int gives a module, a slice a Sequential)
    and iteration. The modules it was given are kept in a tuple, in order,
    and named by their positions, `'0'`, `'1'`, ...; a module assigned to an
    attribute afterwards is a child too (its parameters are listed and
    saved) but not a step of `forward`.
    """

    def __init__(self, *modules):
        super().__init__()
        check_instances("Sequential", "modules", modules, Module)
        self._sequence = modules  # a tuple, in order

    def named_children(self):
        for index, module in enumerate(self._sequence):
            yield str(index), module
        # modules assigned as attributes: children, not steps
        yield from super().named_children()

    def forward(self, x):
        for module in self._sequence:
            # what module(x) does, minus one Python call per module
            x = module.forward(x)
        return x

    def backward(self, grad_output):
        for module in reversed(self._sequence):
            grad_output = module.backward(grad_output)
        return grad_output

    def __len__(self):
        return len(self._sequence)

    def __iter__(self):
        return iter(self._sequence)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self._sequence[index])
        return self._sequence[index]
