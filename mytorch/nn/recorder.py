"""A recorder of what each layer of a Sequential gives, forward and backward."""

from mytorch.nn.container import Sequential


class Recorder:
    """Run a Sequential layer by layer, keeping each layer's output and its gradient.

    `Recorder(model)` is called in place of `model`: `recorder(x)` returns
    `model(x)` and `recorder.backward(grad_output)` returns
    `model.backward(grad_output)`, computed by the same calls in the same
    order, so a run does not change by being recorded. After them,
    `outputs[i]` is a copy of layer i's output in the last forward and
    `grads[i]` a copy of the gradient of the loss with respect to it in the
    last backward (`grads[-1]` is `grad_output`). The diagnostics of the
    chapter "Training in practice" (histograms, saturated and dead units)
    are computed from these arrays.
    """

    def __init__(self, model: Sequential):
        if not isinstance(model, Sequential):
            raise TypeError(f"Recorder(model) expects a Sequential, got {model!r}")
        self.model, self.layers = model, list(model)
        self.outputs, self.grads = [], []

    def forward(self, x):
        self.outputs = []
        for layer in self.layers:
            x = layer.forward(x)
            self.outputs.append(x.copy())
        return x

    def __call__(self, x):
        return self.forward(x)

    def backward(self, grad_output):
        grads = []
        for layer in reversed(self.layers):
            grads.append(grad_output.copy())
            grad_output = layer.backward(grad_output)
        self.grads = grads[::-1]
        return grad_output

    def __repr__(self) -> str:
        return f"Recorder({len(self.layers)} layers)"
