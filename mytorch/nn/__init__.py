"""Layers, activations, losses and containers with explicit forward/backward."""

from mytorch.nn import init, utils
from mytorch.nn.activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.container import Sequential
from mytorch.nn.dropout import Dropout
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss, MSELoss
from mytorch.nn.module import Module, Parameter

__all__ = [
    "Module",
    "Parameter",
    "Sequential",
    "Linear",
    "BatchNorm1d",
    "Dropout",
    "ReLU",
    "GELU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "CrossEntropyLoss",
    "MSELoss",
    "init",
    "utils",
]
