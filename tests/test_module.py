"""Module, Parameter and Sequential: registration, names, modes, state dicts, repr."""

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim
from _helpers import assert_gradcheck, assert_message


def mlp():
    mytorch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))


class Net(nn.Module):
    """A user-defined module: submodules and parameters registered by attribute."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.body = nn.Sequential(nn.Tanh(), nn.Linear(4, 2))
        self.scale = nn.Parameter(np.array([2.0]))
        self.register_buffer("offset", np.zeros(2))

    def forward(self, x):
        self.z = self.body(self.fc(x))
        return self.z * self.scale.data + self.offset

    def backward(self, grad_output):
        self.scale.grad += (grad_output * self.z).sum()
        return self.fc.backward(self.body.backward(grad_output * self.scale.data))


# --------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parameter_grad_is_zeros_like_data(dtype):
    p = nn.Parameter(np.arange(6, dtype=dtype).reshape(2, 3))
    assert isinstance(p.data, np.ndarray)
    assert p.grad.shape == (2, 3) and p.grad.dtype == dtype
    assert not p.grad.any()


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def test_named_parameters_of_a_sequential():
    names = [name for name, _ in mlp().named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]


def test_named_parameters_of_nested_sequentials():
    model = nn.Sequential(
        nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Linear(3, 1, bias=False)
    )
    assert [name for name, _ in model.named_parameters()] == [
        "0.0.weight",
        "0.0.bias",
        "1.weight",
    ]


def test_named_parameters_of_a_user_module():
    names = [name for name, _ in Net().named_parameters()]
    assert set(names) == {
        "fc.weight",
        "fc.bias",
        "body.1.weight",
        "body.1.bias",
        "scale",
    }
    assert names.index("fc.weight") < names.index("body.1.weight")


def test_parameters_are_the_named_ones_in_order():
    model = mlp()
    assert [id(p) for p in model.parameters()] == [
        id(p) for _, p in model.named_parameters()
    ]
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_named_buffers():
    assert [name for name, _ in mlp().named_buffers()] == [
        "1.running_mean",
        "1.running_var",
    ]
    assert len(list(mlp().buffers())) == 2
    assert [name for name, _ in Net().named_buffers()] == ["offset"]


def test_children_and_modules():
    model = mlp()
    children = list(model.children())
    assert len(children) == 4 and isinstance(children[1], nn.BatchNorm1d)
    modules = list(model.modules())
    assert modules[0] is model and len(modules) == 5
    net = Net()
    assert len(list(net.modules())) == 5  # net, fc, body, body.0, body.1


# --------------------------------------------------------------------------
# Sequential
# --------------------------------------------------------------------------


def test_sequential_len_index_iter():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    assert len(model) == 3
    assert model[0] is a and model[1] is b and model[-1] is c
    assert list(model) == [a, b, c]


def test_sequential_forward_runs_in_order(rng):
    a, b, c = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    x = rng.standard_normal((4, 2))
    np.testing.assert_allclose(nn.Sequential(a, b, c)(x), c(b(a(x))), rtol=1e-15)


def test_sequential_backward_runs_in_reverse(rng):
    mytorch.manual_seed(0)
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    mytorch.manual_seed(0)
    copies = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    x, g = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    model = nn.Sequential(*layers)
    model(x)
    got = model.backward(g)
    h = x
    for layer in copies:
        h = layer(h)
    for layer in reversed(copies):
        g = layer.backward(g)
    np.testing.assert_allclose(got, g, rtol=1e-15)
    np.testing.assert_allclose(layers[0].weight.grad, copies[0].weight.grad, rtol=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Sequential(
            nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.GELU(), nn.Linear(4, 2)
        ),
        lambda: nn.Sequential(
            nn.Linear(3, 6),
            nn.BatchNorm1d(6),
            nn.Sigmoid(),
            nn.Dropout(0.3),
            nn.Linear(6, 4),
            nn.GELU(approximate="tanh"),
            nn.Linear(4, 3),
            nn.Softmax(dim=-1),
        ),
        lambda: nn.Sequential(
            nn.Sequential(nn.Linear(3, 4), nn.Tanh()),
            nn.Sequential(nn.Linear(4, 2, bias=False), nn.Softmax(dim=0)),
        ),
    ],
    ids=["mlp", "batchnorm-dropout-softmax", "nested"],
)
def test_sequential_gradcheck(rng, make):
    mytorch.manual_seed(0)
    assert_gradcheck(make(), rng.standard_normal((5, 3)))


def test_gradcheck_of_a_user_module(rng):
    mytorch.manual_seed(0)
    errors = assert_gradcheck(Net(), rng.standard_normal((4, 3)))
    assert set(errors) == {
        "input",
        "fc.weight",
        "fc.bias",
        "body.1.weight",
        "body.1.bias",
        "scale",
    }


def test_gradcheck_of_a_network_with_its_loss(rng):
    model = mlp()
    criterion = nn.CrossEntropyLoss()
    x = rng.standard_normal((6, 2))
    y = rng.integers(0, 3, size=6)
    logits = model(x)
    assert_gradcheck(criterion, logits, target=y)
    assert_gradcheck(model, x)


# --------------------------------------------------------------------------
# Gradient accumulation, zero_grad, backward before forward
# --------------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls(rng):
    model = mlp()
    x, g = rng.standard_normal((5, 2)), rng.standard_normal((5, 3))
    model(x)
    model.backward(g)
    once = [p.grad.copy() for p in model.parameters()]
    model(x)
    model.backward(g)
    for p, g1 in zip(model.parameters(), once):
        np.testing.assert_allclose(p.grad, 2 * g1, rtol=1e-14)


def test_zero_grad_recurses(rng):
    model = mlp()
    model(rng.standard_normal((5, 2)))
    model.backward(rng.standard_normal((5, 3)))
    assert any(p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert not any(p.grad.any() for p in model.parameters())


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="(?i)forward"):
        mlp().backward(np.ones((5, 3)))


# --------------------------------------------------------------------------
# train / eval
# --------------------------------------------------------------------------


def test_modules_start_in_training_mode():
    assert all(m.training for m in mlp().modules())


def test_eval_and_train_recurse_and_return_self():
    model = nn.Sequential(
        nn.Sequential(nn.Linear(2, 2), nn.Dropout()), nn.BatchNorm1d(2)
    )
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    assert model.train(False) is model
    assert not any(m.training for m in model.modules())


def test_eval_mode_is_deterministic(rng):
    model = nn.Sequential(
        nn.Linear(2, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2)
    )
    model(rng.standard_normal((16, 2)))
    model.eval()
    x = rng.standard_normal((3, 2))
    np.testing.assert_array_equal(model(x), model(x))


# --------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------

MLP_KEYS = {
    "0.weight",
    "0.bias",
    "1.weight",
    "1.bias",
    "1.running_mean",
    "1.running_var",
    "3.weight",
    "3.bias",
}


def test_state_dict_keys_include_buffers():
    assert set(mlp().state_dict()) == MLP_KEYS


def test_state_dict_values_are_plain_copies():
    model = mlp()
    sd = model.state_dict()
    assert all(type(v) is np.ndarray for v in sd.values())
    sd["0.weight"][...] = 123.0
    sd["1.running_mean"][...] = 123.0
    assert not (model[0].weight.data == 123.0).any()
    assert not (model[1].running_mean == 123.0).any()


def test_load_state_dict_copies_values(rng):
    source, target = mlp(), mlp()
    source(rng.standard_normal((8, 2)) * 3)  # move the running stats
    for p in source.parameters():
        p.data += rng.standard_normal(p.data.shape)
    sd = source.state_dict()
    target.load_state_dict(sd)
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value, sd[name], err_msg=name)
    sd["0.weight"][...] = 0.0
    assert target[0].weight.data.any()


def test_load_state_dict_keeps_parameter_objects(rng):
    # An optimizer built before loading must still drive the model after it.
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = list(model.parameters())
    sd = model.state_dict()
    sd["3.bias"] = np.array([1.0, 2.0, 3.0])
    model.load_state_dict(sd)
    assert all(a is b for a, b in zip(before, model.parameters()))
    model[3].bias.grad[...] = 1.0
    opt.step()
    np.testing.assert_allclose(model[3].bias.data, [0.9, 1.9, 2.9])


def test_load_state_dict_keeps_the_model_dtype():
    model = mlp().to(np.float32)
    model.load_state_dict(mlp().state_dict())  # float64 values
    assert all(v.dtype == np.float32 for v in model.state_dict().values())


def test_load_state_dict_reports_every_problem_at_once():
    model = mlp()
    sd = model.state_dict()
    del sd["0.bias"]
    del sd["1.running_var"]
    sd["extra.weight"] = np.zeros(3)
    sd["3.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as excinfo:
        model.load_state_dict(sd)
    assert_message(
        excinfo,
        "0.bias",
        "1.running_var",
        "extra.weight",
        r"3\.weight",
        r"\(5, 5\)",
        r"\(3, 4\)",
    )


def test_failed_load_changes_nothing():
    model = mlp()
    before = model.state_dict()
    sd = {name: value + 1.0 for name, value in before.items()}
    sd["3.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError):
        model.load_state_dict(sd)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_failed_load_on_a_bad_value_changes_nothing():
    model = mlp()
    before = model.state_dict()
    sd = {name: value + 1.0 for name, value in before.items()}
    # the last entry: every other one would fit
    sd["3.bias"] = np.array(["a", "b", "c"])
    with pytest.raises(RuntimeError) as excinfo:
        model.load_state_dict(sd)
    assert_message(excinfo, r"3\.bias", "real numbers", "<U1")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize(
    "state_dict", [None, [("0.weight", np.zeros((4, 2)))]], ids=["None", "list"]
)
def test_load_state_dict_needs_a_mapping(state_dict):
    with pytest.raises(TypeError) as excinfo:
        mlp().load_state_dict(state_dict)
    assert_message(excinfo, "dict", type(state_dict).__name__)


@pytest.mark.parametrize(
    "mutate, name",
    [
        (lambda sd: sd.pop("0.weight"), "0.weight"),
        (lambda sd: sd.update({7: np.zeros(1)}), "7"),
        (lambda sd: sd.update({"0.bias": np.zeros(4, dtype=complex)}), "0.bias"),
        (lambda sd: sd.update({"4.weight": np.zeros(1)}), "4.weight"),
        (lambda sd: sd.update({"1.running_mean": np.zeros(5)}), "1.running_mean"),
    ],
    ids=["missing", "non-string-key", "complex", "unexpected", "wrong-shape"],
)
def test_load_state_dict_is_strict(mutate, name):
    model = mlp()
    sd = model.state_dict()
    mutate(sd)
    with pytest.raises(RuntimeError) as excinfo:
        model.load_state_dict(sd)
    assert_message(excinfo, name.replace(".", r"\."))


def test_no_num_batches_tracked_anywhere():
    assert not any("num_batches_tracked" in name for name in mlp().state_dict())


def test_registered_buffer_is_in_state_dict_and_not_a_parameter():
    net = Net()
    assert "offset" in net.state_dict()
    assert "offset" not in dict(net.named_parameters())


# --------------------------------------------------------------------------
# to(dtype)
# --------------------------------------------------------------------------


def test_to_casts_parameters_grads_and_buffers_and_returns_self():
    model = mlp()
    assert model.to(np.float32) is model
    for p in model.parameters():
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    for _, b in model.named_buffers():
        assert b.dtype == np.float32
    assert Net().to(np.float32).state_dict()["offset"].dtype == np.float32


def test_to_and_back_preserves_values_exactly_for_float32_representable_data():
    model = mlp().to(np.float32)
    values = model.state_dict()
    model.to(np.float64)
    for name, v in model.state_dict().items():
        assert v.dtype == np.float64
        np.testing.assert_array_equal(v, values[name].astype(np.float64))


# --------------------------------------------------------------------------
# repr
# --------------------------------------------------------------------------


def test_sequential_repr_is_pytorch_like():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.5))
    lines = repr(model).splitlines()
    assert lines[0] == "Sequential("
    assert lines[1] == "  (0): Linear(in_features=2, out_features=3, bias=True)"
    assert lines[2] == "  (1): ReLU()"
    assert lines[3].startswith("  (2): Dropout(p=0.5")
    assert lines[4] == ")"


def test_repr_of_nested_and_user_modules_has_no_addresses():
    text = repr(Net())
    assert "0x" not in text and "object at" not in text
    assert "(fc): Linear(in_features=3, out_features=4, bias=True)" in text
    assert "(body): Sequential(" in text


# --------------------------------------------------------------------------
# The training loop of API.md, end to end
# --------------------------------------------------------------------------


def test_api_training_loop_learns(rng):
    X = rng.standard_normal((64, 2))
    y = (np.arctan2(X[:, 1], X[:, 0]) // (2 * np.pi / 3) % 3).astype(np.int64)
    mytorch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 64),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(64, 3),
    )
    criterion = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(100):
        logits = model(X)
        loss = criterion(logits, y)
        losses.append(float(loss))
        opt.zero_grad()
        grad = criterion.backward()
        grad_x = model.backward(grad)
        opt.step()
    assert grad.shape == (64, 3) and grad_x.shape == (64, 2)
    assert losses[-1] < 0.3 * losses[0]
    model.eval()
    assert (model(X).argmax(axis=1) == y).mean() > 0.9


def test_module_errors_name_the_problem():
    with pytest.raises(RuntimeError) as excinfo:
        mlp().load_state_dict({})
    assert_message(excinfo, r"(?i)missing")


# --------------------------------------------------------------------------
# Misuse
# --------------------------------------------------------------------------


def test_sequential_slice_is_a_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    head = nn.Sequential(a, b, c)[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]


def test_sequential_refuses_non_modules():
    with pytest.raises(TypeError) as excinfo:
        nn.Sequential(nn.Linear(2, 3), np.tanh)
    assert_message(excinfo, "Sequential", "1")


def test_train_mode_must_be_a_bool():
    with pytest.raises(TypeError) as excinfo:
        mlp().train("no")
    assert_message(excinfo, "mode", "str")


def test_train_accepts_a_numpy_bool_and_stores_a_python_bool():
    model = mlp().train(np.False_)
    assert all(m.training is False for m in model.modules())


def test_parameter_needs_floating_point_data():
    with pytest.raises(TypeError) as excinfo:
        nn.Parameter(np.arange(3))
    assert_message(excinfo, "int64")


def test_parameter_repr_shows_shape_and_dtype():
    text = repr(nn.Parameter(np.zeros((2, 3), dtype=np.float32)))
    assert "(2, 3)" in text and "float32" in text and "0x" not in text


def test_a_module_without_super_init_works_like_any_other():
    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
            self.register_buffer("offset", np.zeros(2))

    module = NoInit()
    assert [name for name, _ in module.named_parameters()] == ["fc.weight", "fc.bias"]
    # its own state first, as in PyTorch
    assert list(module.state_dict()) == ["offset", "fc.weight", "fc.bias"]
    assert module.eval() is module and not module.training and not module.fc.training
    assert module.train().training


def test_buffers_registered_on_one_module_are_not_on_another():
    Net()
    assert list(Net().state_dict()).count("offset") == 1
    assert list(nn.Linear(2, 2).named_buffers()) == []


def test_parameters_follow_the_order_attributes_were_first_assigned():
    net = Net()
    net.fc = nn.Linear(3, 4)  # a new layer in the old place
    net.extra = nn.Parameter(np.zeros(1))
    assert [name for name, _ in net.named_parameters()] == [
        "scale",
        "extra",
        "fc.weight",
        "fc.bias",
        # own ones first
        "body.1.weight",
        "body.1.bias",
    ]
    assert [name for name, _ in net.named_children()] == ["fc", "body"]


def test_base_module_has_no_computation():
    module = nn.Module()
    with pytest.raises(NotImplementedError):
        module(np.ones(2))
    with pytest.raises(NotImplementedError):
        module.backward(np.ones(2))


def test_reassigning_an_attribute_unregisters_it():
    net = Net()
    net.fc = None
    assert not any(name.startswith("fc.") for name, _ in net.named_parameters())


def test_a_buffer_replaced_by_a_parameter_is_a_parameter_only():
    net = Net()
    net.offset = nn.Parameter(np.ones(2))
    assert "offset" in dict(net.named_parameters())
    assert "offset" not in dict(net.named_buffers())
    np.testing.assert_array_equal(net.state_dict()["offset"], np.ones(2))


def test_a_deleted_buffer_is_no_longer_state():
    model = mlp()
    del model[1].running_mean
    assert [name for name, _ in model.named_buffers()] == ["1.running_var"]
    assert "1.running_mean" not in model.state_dict()
    model.to(np.float32)
    assert model[1].running_var.dtype == np.float32


def test_a_module_assigned_to_a_sequential_is_a_child_but_not_a_step():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    model.head = nn.Linear(3, 1)
    assert [name for name, _ in model.named_children()] == ["0", "1", "head"]
    assert "head.weight" in model.state_dict() and len(model) == 2
    assert model(np.ones((4, 2))).shape == (4, 3)


def test_reassigning_a_buffer_keeps_it_registered():
    net = Net()
    net.offset = np.ones(2)
    np.testing.assert_array_equal(net.state_dict()["offset"], np.ones(2))


def test_a_module_used_twice_has_its_parameters_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    optim.SGD(model.parameters(), lr=0.1)  # refuses a Parameter listed twice


def test_repr_indents_each_level_of_nesting():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.ReLU())
    assert repr(model).splitlines() == [
        "Sequential(",
        "  (0): Sequential(",
        "    (0): Linear(in_features=2, out_features=2, bias=True)",
        "  )",
        "  (1): ReLU()",
        ")",
    ]


# --------------------------------------------------------------------------
# load_state_dict(strict=False)
# --------------------------------------------------------------------------


def test_non_strict_load_fills_a_new_head_on_a_trained_body():
    trained = mlp()
    trained[3].weight.data[...] = 7.0
    mytorch.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(2, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 5)
    )
    head_before = model[3].weight.data.copy()
    sd = {k: v for k, v in trained.state_dict().items() if not k.startswith("3.")}
    sd["extra"] = np.zeros(2)
    result = model.load_state_dict(sd, strict=False)
    assert result == (["3.weight", "3.bias"], ["extra"])
    assert result.missing_keys == ["3.weight", "3.bias"] and result.unexpected_keys == [
        "extra"
    ]
    for key in sd:
        if key != "extra":
            np.testing.assert_array_equal(model.state_dict()[key], sd[key], err_msg=key)
    np.testing.assert_array_equal(model[3].weight.data, head_before)


def test_strict_load_returns_empty_incompatible_keys_as_in_pytorch():
    model = mlp()
    result = model.load_state_dict(model.state_dict())
    assert type(result).__name__ == "IncompatibleKeys"
    assert result._fields == ("missing_keys", "unexpected_keys")
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_non_strict_load_still_refuses_wrong_shapes_and_types_and_loads_nothing():
    model = mlp()
    before = model.state_dict()
    sd = {name: value + 1.0 for name, value in before.items()}
    del sd["0.bias"]
    sd["3.weight"] = np.zeros((5, 5))
    sd["3.bias"] = np.zeros(3, dtype=complex)
    with pytest.raises(
        RuntimeError,
        match=r"Sequential\.load_state_dict failed: wrong shapes: "
        r"3\.weight: expected shape \(3, 4\), got \(5, 5\); "
        r"wrong types: 3\.bias: expected real numbers, got dtype complex128$",
    ):
        model.load_state_dict(sd, strict=False)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize("strict", ["False", 0, None])
def test_strict_must_be_a_bool(strict):
    with pytest.raises(
        TypeError, match=r"Sequential\.load_state_dict\(strict\) must be a bool"
    ):
        mlp().load_state_dict(mlp().state_dict(), strict=strict)


# --------------------------------------------------------------------------
# Cycles: a module that holds itself, or a child that refers to its parent
# --------------------------------------------------------------------------


def cyclic():
    model = Net()
    model.me = model  # a module holding itself
    model.body[1].parent = model  # a child referring to its parent
    return model


def test_traversals_visit_each_module_once_in_a_cycle():
    model, reference = cyclic(), Net()
    assert [n for n, _ in model.named_parameters()] == [
        n for n, _ in reference.named_parameters()
    ]
    assert len(list(model.parameters())) == 5
    assert [n for n, _ in model.named_modules()] == [
        "",
        "fc",
        "body",
        "body.0",
        "body.1",
    ]
    assert list(model.state_dict()) == list(reference.state_dict())
    assert [n for n, _ in model.named_buffers()] == ["offset"]


def test_modes_gradients_state_and_casts_work_in_a_cycle(rng):
    model = cyclic()
    assert model.eval() is model and not any(m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    for p in model.parameters():
        p.grad += 1
    model.zero_grad()
    assert all(not p.grad.any() for p in model.parameters())
    assert model.load_state_dict(model.state_dict()) == ([], [])
    assert model.to(np.float32) is model and model.fc.weight.dtype == np.float32
    assert model(rng.standard_normal((2, 3)).astype(np.float32)).shape == (2, 2)


def test_repr_of_a_cycle_stops_at_the_repeated_module():
    text = repr(cyclic())
    assert "(me): Net(...)" in text and "(parent): Net(...)" in text


def test_a_shared_module_switches_mode_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    model(np.ones((3, 2)))
    cache = shared._x
    model.eval()
    model.train()
    assert shared._x is cache
