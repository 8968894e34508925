"""Optimizers on the template `Optimizer`, and the learning-rate schedulers."""

from mytorch.optim import lr_scheduler
from mytorch.optim.adam import Adam
from mytorch.optim.adamw import AdamW
from mytorch.optim.optimizer import Optimizer
from mytorch.optim.rmsprop import RMSprop
from mytorch.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
