"""Sequential: function composition, and the chain rule in reverse."""
from mytorch.nn.module import Module


class Sequential(Module):
    r"""Apply modules in order: $f = f_K \circ \dots \circ f_1$.

    `backward` walks the modules in reverse, each turning the gradient with
    respect to its output into the gradient with respect to its input: the
    chain rule as a sequence of vector-Jacobian products.

    Supports `len`, indexing (an int gives a module, a slice a Sequential)
    and iteration. Submodules are named `'0'`, `'1'`, ...
    """

    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential expects Modules, got {type(module).__name__} at position {index}")
            setattr(self, str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output):
        for module in reversed(self._modules.values()):
            grad_output = module.backward(grad_output)
        return grad_output

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]
