"""Batch normalisation over the batch dimension of (N, C) inputs."""

import numpy as np

from mytorch._validation import (
    check_batch,
    check_fraction,
    check_grad_output,
    check_int,
    check_positive,
    check_samples,
    resolve_dtype,
)
from mytorch.grad_mode import is_grad_enabled
from mytorch.nn.module import Module, Parameter


class BatchNorm1d(Module):
    r"""Normalise each feature over the batch, then scale and shift.

    Training: $\mu_B = \frac1N \sum_n x_n$,
    $\sigma_B^2 = \frac1N \sum_n (x_n - \mu_B)^2$ (biased),
    $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$,
    $y = \gamma \odot \hat x + \tau$; the running statistics move by
    $\bar\mu \leftarrow (1 - \text{momentum})\, \bar\mu + \text{momentum}\cdot
    \mu_B$, and $\bar\sigma^2$ likewise toward the unbiased variance
    $\frac{N}{N-1}\sigma_B^2$.
    Evaluation: $\bar\mu, \bar\sigma^2$ in the place of $\mu_B, \sigma_B^2$.

    Backward in training (derived in the chapter "Batch normalisation"),
    with $G = \partial L/\partial y$ and sums over the batch:
    $\partial L/\partial \tau = \sum_n G_n$,
    $\partial L/\partial \gamma = \sum_n G_n \odot \hat x_n$,
    $\partial L/\partial x = \frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}} \odot
    \bigl(G - \frac1N \partial L/\partial \tau
    - \hat x \odot \frac1N \partial L/\partial \gamma\bigr)$.

    Parameters
    ----------
    num_features : int
        $C$, the number of features.
    eps : float, default 1e-5
        Added to the variance so a constant feature does not divide by zero.
    momentum : float in [0, 1), default 0.1
        Weight of the new batch statistic in the running averages.
    dtype : float32 or float64, default float64

    Shapes
    ------
    input and output $(N, C)$ with $N \ge 2$ in training; `weight` ($\gamma$,
    ones), `bias` ($\tau$, zeros), `running_mean` (zeros) and
    `running_var` (ones) are $(C,)$.
    """

    _cache_names = ("_x_hat", "_inv_std", "_batch_stats")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=None):
        super().__init__()
        check_int("BatchNorm1d", "num_features", num_features)
        check_positive("BatchNorm1d", "eps", eps)
        check_fraction("BatchNorm1d", "momentum", momentum)
        dtype = resolve_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self._x_hat = None

    def forward(self, x):
        check_batch(
            "BatchNorm1d",
            "input",
            x,
            "num_features",
            self.num_features,
            self.weight.dtype,
        )
        if self.training:
            check_samples(
                "BatchNorm1d in training", "input", x, 2, "to estimate a variance"
            )
            n = x.shape[0]
            mu = x.mean(axis=0)
            x_centered = x - mu
            var = np.einsum("ij,ij->j", x_centered, x_centered) / n
            self.running_mean *= 1 - self.momentum
            self.running_mean += self.momentum * mu
            self.running_var *= 1 - self.momentum
            self.running_var += (self.momentum * n / (n - 1)) * var
        else:
            x_centered = x - self.running_mean
            var = self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)
        x_hat = x_centered * inv_std
        if is_grad_enabled():
            self._x_hat, self._inv_std, self._batch_stats = (
                x_hat,
                inv_std,
                self.training,
            )
        return x_hat * self.weight.data + self.bias.data

    def backward(self, grad_output):
        check_grad_output(self, grad_output, self._x_hat, same_dtype=True)
        x_hat = self._x_hat
        grad_beta = grad_output.sum(axis=0)
        grad_gamma = np.einsum("ij,ij->j", grad_output, x_hat)
        self.bias.grad += grad_beta
        self.weight.grad += grad_gamma
        scale = self.weight.data * self._inv_std
        if not self._batch_stats:
            # Running statistics are constants: y is affine in x.
            return grad_output * scale
        n = x_hat.shape[0]
        return scale * (grad_output - grad_beta / n - x_hat * (grad_gamma / n))

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
