"""mytorch: a small deep-learning framework in NumPy, derived in the book.

Explicit forward/backward modules with a PyTorch-shaped API:

>>> import mytorch
>>> from mytorch import nn, optim
>>> _ = mytorch.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
>>> opt = optim.Adam(model.parameters(), lr=1e-2)
"""

from mytorch import nn, optim
from mytorch.grad_mode import is_grad_enabled, no_grad
from mytorch.random import get_generator, manual_seed
from mytorch.serialization import load, save

__version__ = "0.1.0"

__all__ = [
    "nn",
    "optim",
    "manual_seed",
    "get_generator",
    "save",
    "load",
    "no_grad",
    "is_grad_enabled",
]
