"""`Parameter` and `Module`: the contract every layer follows.

A module computes `forward(x)`, caching what its derivative needs, and
`backward(grad_output)`, which adds the gradient of the loss with respect to
each of its parameters into `.grad` and returns the gradient with respect to
its input. See the chapter "Modules, Sequential and the training loop".
"""

from collections import OrderedDict
from typing import Iterator

import numpy as np

from mytorch._validation import check_bool, check_float_dtype, resolve_dtype
from mytorch.nn._state import IncompatibleKeys, check_state_dict


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    data : array_like of floats
        The initial value; copied.

    Attributes
    ----------
    data : ndarray
        The value.
    grad : ndarray
        Same shape and dtype as `data`; zeros at creation. `backward` adds
        into it, `zero_grad` resets it.
    """

    __slots__ = ("data", "grad")

    def __init__(self, data):
        data = np.array(data)
        check_float_dtype("Parameter", "data", data)
        self.data = data
        self.grad = np.zeros_like(data)

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer, activation, loss and container.

    A module's parameters are its attributes that hold a `Parameter`, its
    submodules the attributes that hold a `Module`, in the order in which
    the attributes were first assigned: `named_parameters()` finds them by
    looking, under the attribute's name (`weight`, `0.bias`, ...). Everything
    else (hyperparameters, what `forward` caches) is an ordinary attribute.
    Buffers (state that is saved but not trained, such as BatchNorm's running
    statistics) are arrays that `register_buffer` names.

    Subclasses define `forward` and `backward`, and optionally `extra_repr`.
    The base class needs no per-module set-up, so calling `super().__init__()`
    (which PyTorch requires) is allowed but not needed.

    What `forward` caches for `backward` belongs to one forward pass, so a
    second forward would overwrite it. Two rules keep a forward made only to
    look (validation, logging) from spoiling the gradients of the training
    forward before it: inside `mytorch.no_grad()` a forward caches nothing,
    and each mode keeps its own cache: `eval()` puts the training cache
    aside (the attributes named in `_cache_names`) and `train()` puts it
    back, so `backward` always differentiates the last forward made in the
    module's current mode.
    """

    #: True in training mode, False in evaluation mode; `train` and `eval` set it.
    training = True
    #: The names `register_buffer` was given, in order.
    _buffer_names = ()
    #: The attributes `forward` writes for `backward`; `train` and `eval` keep a set
    #: per mode.
    _cache_names = ()
    #: The training cache while in eval mode.
    _training_cache = None

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """Store `array` as the attribute `name`, state that `state_dict` saves and `to`
        casts."""
        if name not in self._buffer_names:
            self._buffer_names += (name,)  # a new tuple, the module's own
        setattr(self, name, array)

    def _attributes(self, kind: type) -> list:
        """`(name, value)` for the attributes holding a `kind`, in the order they were
        first assigned."""
        return [
            (name, value)
            for name, value in vars(self).items()
            if isinstance(value, kind)
        ]

    def _own_buffers(self) -> list:
        """`(name, array)` for the registered names that still hold an array (not
        deleted, not replaced)."""
        attributes = vars(self)
        return [
            (name, attributes[name])
            for name in self._buffer_names
            if isinstance(attributes.get(name), np.ndarray)
        ]

    # -- computation ------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, *inputs):
        return self.forward(*inputs)

    # -- traversal --------------------------------------------------------
    def named_children(self) -> Iterator[tuple]:
        yield from self._attributes(Module)

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set = None, prefix: str = "") -> Iterator[tuple]:
        """Yield `(name, module)` for this module and every submodule, each once.

        `memo` holds the modules already visited, as in PyTorch: a module used
        twice is listed under its first name, and a module that refers back to
        itself or to a parent (a cycle) is not visited again.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        memo.add(self)
        yield prefix, self
        for name, module in self.named_children():
            yield from module.named_modules(
                memo, f"{prefix}.{name}" if prefix else name
            )

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple]:
        """Yield `(name, Parameter)` pairs, each parameter once."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, param in module._attributes(Parameter):
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self) -> Iterator[Parameter]:
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self) -> Iterator[tuple]:
        for prefix, module in self.named_modules():
            for name, buffer in module._own_buffers():
                yield (f"{prefix}.{name}" if prefix else name), buffer

    def buffers(self) -> Iterator[np.ndarray]:
        for _, buffer in self.named_buffers():
            yield buffer

    # -- modes and gradients ------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode here and in every submodule; return self.

        A module that changes mode swaps caches: entering eval mode puts the
        training forward's cache aside, returning to training mode puts it
        back (and drops what eval forwards cached).
        """
        check_bool("train", "mode", mode)
        mode = bool(mode)
        for module in self.modules():
            if module.training != mode:
                module._swap_cache(mode)
            module.training = mode
        return self

    def _swap_cache(self, training: bool) -> None:
        names = self._cache_names
        if training:
            saved, self._training_cache = self._training_cache or {}, None
            for name in names:
                setattr(self, name, saved.get(name))
        else:
            self._training_cache = {name: getattr(self, name, None) for name in names}
            for name in names:
                setattr(self, name, None)

    def eval(self) -> "Module":
        """Set evaluation mode (BatchNorm uses running statistics, Dropout is the
        identity)."""
        return self.train(False)

    def zero_grad(self) -> None:
        for param in self.parameters():
            param.grad.fill(0)

    # -- state --------------------------------------------------------------
    def _named_state(self) -> Iterator[tuple]:
        """Parameters' data and buffers, module by module: its parameters, then its
        buffers, as in PyTorch."""
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, param in module._attributes(Parameter):
                yield dot + name, param.data
            for name, buffer in module._own_buffers():
                yield dot + name, buffer

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of every parameter and buffer, keyed by dotted name."""
        return OrderedDict((name, array.copy()) for name, array in self._named_state())

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy `state_dict`'s arrays into this module's parameters and buffers.

        Every problem is collected first and reported in one RuntimeError;
        nothing is changed unless every entry fits. A wrongly shaped or
        non-numeric entry is always a problem; with `strict=True` (the
        default) so are a missing and an unexpected key, while `strict=False`
        loads the entries whose keys match and leaves the other parameters
        and buffers as they are (a new output layer on a trained body).
        Values are cast to the module's dtype.

        Returns
        -------
        IncompatibleKeys
            The named tuple `(missing_keys, unexpected_keys)`, lists of keys,
            as in PyTorch; both are empty after a strict load.
        """
        own = OrderedDict(self._named_state())
        values, missing, unexpected = check_state_dict(self, own, state_dict, strict)
        for name, value in values.items():
            own[name][...] = value
        return IncompatibleKeys(missing, unexpected)

    def to(self, dtype) -> "Module":
        """Cast parameters, gradients and buffers to `dtype`; return self.

        Create optimizers after casting: they keep state per parameter array.
        """
        dtype = resolve_dtype(dtype)
        for module in self.modules():
            for _, param in module._attributes(Parameter):
                param.data = param.data.astype(dtype, copy=False)
                param.grad = param.grad.astype(dtype, copy=False)
            for name, buffer in module._own_buffers():
                setattr(module, name, buffer.astype(dtype, copy=False))
        return self

    # -- printing -------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return self._repr(set())

    def _repr(self, enclosing: set) -> str:
        """The repr, with `...` for a child that is one of the modules being printed (a
        cycle)."""
        enclosing = enclosing | {id(self)}
        lines = [
            f"({name}): "
            + (
                f"{type(module).__name__}(...)"
                if id(module) in enclosing
                else module._repr(enclosing).replace("\n", "\n  ")
            )
            for name, module in self.named_children()
        ]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
