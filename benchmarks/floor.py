"""The floor: a hand-written NumPy training step with the same math as mytorch.

An MLP 2 -> H -> H -> C with ReLU or Tanh, cross-entropy and Adam, written
as a reader who wants speed would write it without a framework: every
buffer allocated once, every operation in place or into `out=`.
"""

import math

import numpy as np


class FloorMLP:
    def __init__(
        self,
        weights,
        activation,
        batch_size,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        flush_loss_gradient=True,
    ):
        """`weights`: [W1, b1, W2, b2, W3, b3] (copied), W of shape (out, in).

        All parameters live in one flat array (and all gradients in another),
        the layers' arrays being views, so Adam is a dozen calls per step.
        `flush_loss_gradient=False` leaves out what mytorch's cross-entropy
        does to subnormal entries of its gradient, to measure what that saves.
        """
        self.flat = np.concatenate([w.ravel() for w in weights])
        self.flat_grad = np.zeros_like(self.flat)
        self.params, self.grads, start = [], [], 0
        for w in weights:
            self.params.append(self.flat[start : start + w.size].reshape(w.shape))
            self.grads.append(self.flat_grad[start : start + w.size].reshape(w.shape))
            start += w.size
        self.dtype = self.flat.dtype
        self.m, self.v, self.tmp = (np.zeros_like(self.flat) for _ in range(3))
        self.tanh = activation == "tanh"
        self.lr, (self.beta1, self.beta2), self.eps, self.t = lr, betas, eps, 0
        self.flush_loss_gradient, self.tiny = (
            flush_loss_gradient,
            np.finfo(self.dtype).tiny,
        )
        self._allocate(batch_size)

    def _allocate(self, n):
        W1, _, W2, _, W3, _ = self.params
        h, c, d = W1.shape[0], W3.shape[0], self.dtype
        self.n = n
        self.z1, self.a1 = np.empty((n, h), d), np.empty((n, h), d)
        self.z2, self.a2 = np.empty((n, h), d), np.empty((n, h), d)
        self.z3 = np.empty((n, c), d)
        self.g_a = np.empty((n, h), d)
        self.g_z = np.empty((n, h), d)
        self.mask = np.empty((n, h), bool)
        # tanh'(z) = 4e/(1+e)^2, e = exp(-2 min(|z|, 400)), as mytorch.nn.Tanh
        self.e1, self.e2 = np.empty((n, h), d), np.empty((n, h), d)
        self.onehot = np.empty((n, c), bool)
        self.classes = np.arange(c)

    def _activation(self, z, a, e):
        if self.tanh:
            np.tanh(z, out=a)
            np.abs(z, out=e)
            np.minimum(e, 400.0, out=e)
            e *= -2
            np.exp(e, out=e)
        else:
            np.maximum(z, 0, out=a)

    def _activation_backward(self, a, e, g):
        # g <- g * act'(z): for tanh from e, for ReLU from the output a
        if self.tanh:
            np.add(1, e, out=self.g_z)
            np.multiply(self.g_z, self.g_z, out=self.g_z)
            np.divide(e, self.g_z, out=self.g_z)
            self.g_z *= 4
            g *= self.g_z
        else:
            np.greater(a, 0, out=self.mask)
            g *= self.mask

    def step(self, x, y):
        if x.shape[0] != self.n:
            self._allocate(x.shape[0])
        W1, b1, W2, b2, W3, b3 = self.params
        gW1, gb1, gW2, gb2, gW3, gb3 = self.grads
        n = self.n
        # forward
        np.matmul(x, W1.T, out=self.z1)
        self.z1 += b1
        self._activation(self.z1, self.a1, self.e1)
        np.matmul(self.a1, W2.T, out=self.z2)
        self.z2 += b2
        self._activation(self.z2, self.a2, self.e2)
        z3 = self.z3
        np.matmul(self.a2, W3.T, out=z3)
        z3 += b3
        # cross-entropy (log-sum-exp); z3 becomes the gradient dL/dz3
        np.equal(y[:, None], self.classes, out=self.onehot)
        z3 -= z3.max(axis=1, keepdims=True)
        picked = z3[self.onehot]
        np.exp(z3, out=z3)
        sum_exp = z3.sum(axis=1, keepdims=True)
        loss = (np.log(sum_exp).sum() - picked.sum()) / n
        z3 /= sum_exp
        z3 -= self.onehot
        z3 /= n
        if self.flush_loss_gradient:  # as mytorch: subnormal entries become 0
            z3[np.abs(z3) < self.tiny] = 0
        # backward
        np.matmul(z3.T, self.a2, out=gW3)
        np.sum(z3, axis=0, out=gb3)
        np.matmul(z3, W3, out=self.g_a)
        self._activation_backward(self.a2, self.e2, self.g_a)
        np.matmul(self.g_a.T, self.a1, out=gW2)
        np.sum(self.g_a, axis=0, out=gb2)
        g_a1 = np.matmul(self.g_a, W2, out=self.z2)  # z2 is free now
        self._activation_backward(self.a1, self.e1, g_a1)
        np.matmul(g_a1.T, x, out=gW1)
        np.sum(g_a1, axis=0, out=gb1)
        # Adam, in the form mytorch evaluates it: bias corrections on scalars
        self.t += 1
        b1_, b2_ = self.beta1, self.beta2
        root_bias2 = math.sqrt(1 - b2_**self.t)
        alpha_t, eps_t = self.lr * root_bias2 / (1 - b1_**self.t), self.eps * root_bias2
        m, v, tmp, g = self.m, self.v, self.tmp, self.flat_grad
        m *= b1_
        np.multiply(1 - b1_, g, out=tmp)
        m += tmp
        v *= b2_
        np.multiply(1 - b2_, g, out=tmp)
        tmp *= g
        v += tmp
        # as mytorch: moving averages that decayed below the smallest normal become 0
        if self.t % 64 == 0:
            for average in (m, v):
                average[np.abs(average) < self.tiny] = 0
        np.sqrt(v, out=tmp)
        tmp += eps_t
        np.divide(m, tmp, out=tmp)
        tmp *= alpha_t
        self.flat -= tmp
        return loss

    def products(self, x):
        """Only the eight matrix products of `step`, into the same buffers.

        Every implementation of this training step computes them, so their
        time bounds how fast any of them can be. Call `step` once first, so
        that the activations hold real values.
        """
        W1, _, W2, _, W3, _ = self.params
        gW1, _, gW2, _, gW3, _ = self.grads
        np.matmul(x, W1.T, out=self.z1)
        np.matmul(self.a1, W2.T, out=self.z2)
        np.matmul(self.a2, W3.T, out=self.z3)
        np.matmul(self.z3.T, self.a2, out=gW3)
        np.matmul(self.z3, W3, out=self.g_a)
        np.matmul(self.g_a.T, self.a1, out=gW2)
        np.matmul(self.g_a, W2, out=self.z2)
        np.matmul(self.z2.T, x, out=gW1)
