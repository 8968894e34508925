"""Recorder: each layer's output and gradient, from a run left unchanged."""

import numpy as np
import pytest
from _helpers import assert_message

import mytorch
from mytorch import nn
from mytorch.nn.recorder import Recorder


def make_model():
    mytorch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(3, 5),
        nn.BatchNorm1d(5),
        nn.Tanh(),
        nn.Linear(5, 4),
        nn.ReLU(),
        nn.Linear(4, 2),
    )


X = np.random.default_rng(0).standard_normal((8, 3))
G = np.random.default_rng(1).standard_normal((8, 2))


def test_records_every_layer_and_changes_nothing():
    plain, recorded = make_model(), make_model()
    recorder = Recorder(recorded)
    np.testing.assert_array_equal(recorder(X), plain(X))
    np.testing.assert_array_equal(recorder.backward(G), plain.backward(G))
    for p, q in zip(plain.parameters(), recorded.parameters()):
        np.testing.assert_array_equal(p.grad, q.grad)
    for a, b in zip(plain.buffers(), recorded.buffers()):
        np.testing.assert_array_equal(a, b)
    assert len(recorder.outputs) == len(recorder.grads) == 6


def test_outputs_are_the_layers_outputs():
    model = make_model()
    recorder = Recorder(model)
    recorder(X)
    x = X
    for layer, output in zip(model, recorder.outputs):
        x = layer(x)
        np.testing.assert_array_equal(output, x)
    assert (recorder.outputs[4] >= 0).all()  # after the ReLU


def test_grads_are_the_gradients_with_respect_to_each_output():
    model = make_model()
    recorder = Recorder(model)
    recorder(X)
    recorder.backward(G)
    np.testing.assert_array_equal(recorder.grads[-1], G)
    # layer 5 is Linear: the gradient of its input is grad_output @ weight
    np.testing.assert_allclose(recorder.grads[4], G @ model[5].weight.data, rtol=1e-14)
    # layer 4 is ReLU: its input's gradient passes where its output is positive
    np.testing.assert_allclose(
        recorder.grads[3], recorder.grads[4] * (recorder.outputs[4] > 0), rtol=0
    )


def test_records_are_copies_and_the_last_pass_wins():
    recorder = Recorder(make_model())
    out = recorder(X)
    out += 1.0
    assert not np.array_equal(recorder.outputs[-1], out)
    recorder(X[:4])
    assert all(o.shape[0] == 4 for o in recorder.outputs)


def test_only_a_sequential_is_recorded():
    with pytest.raises(TypeError) as excinfo:
        Recorder(nn.Linear(2, 2))
    assert_message(excinfo, "Recorder", "Sequential", "Linear")
    assert repr(Recorder(make_model())) == "Recorder(6 layers)"
