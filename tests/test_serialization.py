"""mytorch.save / mytorch.load: round trips without pickle, clear errors for bad files."""

import copy
import json
import re
import zipfile

import numpy as np
import pytest

import mytorch
from mytorch import nn, optim
from _helpers import assert_tree_equal


def make_model(seed=0):
    mytorch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))


def train(model, opt, steps, seed=0):
    data = np.random.default_rng(seed)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        X = data.standard_normal((16, 2))
        y = (X[:, 0] > X[:, 1]).astype(np.int64)
        losses.append(float(criterion(model(X), y)))
        opt.zero_grad()
        model.backward(criterion.backward())
        opt.step()
    return losses


OPTIMIZERS = [
    pytest.param(optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}, id="sgd"),
    pytest.param(
        optim.Adam, {"lr": 1e-2, "betas": (0.8, 0.99), "weight_decay": 1e-3}, id="adam"
    ),
    pytest.param(optim.RMSprop, {"lr": 1e-2, "momentum": 0.5}, id="rmsprop"),
]


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------


@pytest.mark.parametrize("as_str", [False, True], ids=["Path", "str"])
def test_model_state_dict_round_trip(tmp_path, as_str):
    model = make_model()
    model(np.random.default_rng(0).standard_normal((8, 2)))  # non-trivial running stats
    path = tmp_path / "model.npz"
    sd = model.state_dict()
    mytorch.save(sd, str(path) if as_str else path)
    loaded = mytorch.load(str(path) if as_str else path)
    assert_tree_equal(sd, loaded)


def test_float32_state_dict_stays_float32(tmp_path):
    sd = make_model().to(np.float32).state_dict()
    mytorch.save(sd, tmp_path / "model.npz")
    loaded = mytorch.load(tmp_path / "model.npz")
    assert all(v.dtype == np.float32 for v in loaded.values())


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_optimizer_state_dict_round_trip(tmp_path, cls, kwargs):
    model = make_model()
    opt = cls(model.parameters(), **kwargs)
    train(model, opt, steps=3)
    sd = opt.state_dict()
    mytorch.save(sd, tmp_path / "opt.npz")
    assert_tree_equal(sd, mytorch.load(tmp_path / "opt.npz"))


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_resumed_training_is_identical(tmp_path, cls, kwargs):
    model = make_model()
    opt = cls(model.parameters(), **kwargs)
    train(model, opt, steps=4)
    mytorch.save(model.state_dict(), tmp_path / "model.npz")
    mytorch.save(opt.state_dict(), tmp_path / "opt.npz")
    expected = train(model, opt, steps=6, seed=1)

    fresh = make_model(seed=99)
    fresh_opt = cls(fresh.parameters(), **kwargs)
    fresh.load_state_dict(mytorch.load(tmp_path / "model.npz"))
    fresh_opt.load_state_dict(mytorch.load(tmp_path / "opt.npz"))
    assert train(fresh, fresh_opt, steps=6, seed=1) == expected


def test_state_dict_of_a_fresh_optimizer_round_trips(tmp_path):
    sd = optim.Adam(make_model().parameters()).state_dict()
    mytorch.save(sd, tmp_path / "opt.npz")
    assert_tree_equal(sd, mytorch.load(tmp_path / "opt.npz"))


def test_saving_does_not_modify_the_state_dict(tmp_path):
    sd = make_model().state_dict()
    before = copy.deepcopy(sd)
    mytorch.save(sd, tmp_path / "model.npz")
    assert_tree_equal(before, sd)


def test_file_holds_no_pickled_objects(tmp_path):
    model = make_model()
    opt = optim.Adam(model.parameters())
    train(model, opt, steps=1)
    mytorch.save(opt.state_dict(), tmp_path / "opt.npz")
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as archive:
        for name in archive.files:
            assert archive[name].dtype != object


def test_object_arrays_are_refused_when_saving(tmp_path):
    with pytest.raises((TypeError, ValueError)):
        mytorch.save({"w": np.array([1, "a"], dtype=object)}, tmp_path / "bad.npz")


# --------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------


def _expect_clear_error(path, reason=""):
    """mytorch.load refuses `path` with a ValueError naming the file and, if given, the
    reason."""
    with pytest.raises(
        ValueError,
        match=re.escape(str(path)) + " is not a valid mytorch file: " + reason,
    ):
        mytorch.load(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("weights: 1, 2, 3\n")
    _expect_clear_error(path, re.escape("it is not an .npz"))


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(2000))
    _expect_clear_error(path, re.escape("it is not an .npz"))


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    _expect_clear_error(path, re.escape("it is not an .npz"))


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_file(tmp_path, fraction):
    path = tmp_path / "model.npz"
    mytorch.save(make_model().state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    _expect_clear_error(path)


def test_corrupted_member(tmp_path):
    path = tmp_path / "model.npz"
    rng = np.random.default_rng(0)
    sd = {
        name: rng.standard_normal(v.shape)
        for name, v in make_model().state_dict().items()
    }
    mytorch.save(sd, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 64] = bytes(64)  # zero out a run inside the first arrays
    path.write_bytes(bytes(data))
    _expect_clear_error(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.ones(3), b=np.arange(4))
    _expect_clear_error(path, re.escape("it has no '__mytorch__' entry"))


def test_zip_that_is_not_an_npz(tmp_path):
    path = tmp_path / "archive.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _expect_clear_error(path, re.escape("it has no '__mytorch__' entry"))


class _Payload:
    """Unpickling this object creates a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant_payload(path, marker):
    """Swap every numeric array of a valid file for a pickled object array."""
    with np.load(path, allow_pickle=False) as archive:
        entries = {name: archive[name] for name in archive.files}
    payload = np.array([_Payload(marker)], dtype=object)
    entries = {
        name: v if v.dtype.kind == "U" else payload for name, v in entries.items()
    }
    with open(path, "wb") as f:
        np.savez(f, **entries)


@pytest.mark.parametrize("kind", ["foreign", "mytorch"])
def test_loading_never_unpickles(tmp_path, kind):
    path = tmp_path / "evil.npz"
    marker = tmp_path / "pwned"
    if kind == "foreign":
        np.savez(path, w=np.array([_Payload(marker)], dtype=object))
    else:
        mytorch.save(make_model().state_dict(), path)
        _plant_payload(path, marker)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        mytorch.load(path)
    assert not marker.exists()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        mytorch.load(tmp_path / "nowhere.npz")


def test_numpy_scalars_and_nested_containers_round_trip(tmp_path):
    sd = {"a": {0: [np.float64(1.5), 2, None, True, "x"], 1: (np.int64(3), 0.25)}}
    mytorch.save(sd, tmp_path / "misc.npz")
    loaded = mytorch.load(tmp_path / "misc.npz")
    assert loaded == {"a": {0: [1.5, 2, None, True, "x"], 1: (3, 0.25)}}


@pytest.mark.parametrize(
    "sd", [{(1, 2): np.zeros(1)}, {"w": {1, 2}}], ids=["tuple-key", "set"]
)
def test_unsupported_content_is_refused_when_saving(tmp_path, sd):
    with pytest.raises(TypeError):
        mytorch.save(sd, tmp_path / "bad.npz")


def _rewrite_text_entries(path, text):
    """Replace every string entry of an .npz (the file's own description) with `text`."""
    with np.load(path, allow_pickle=False) as archive:
        entries = {name: archive[name] for name in archive.files}
    assert any(v.dtype.kind == "U" for v in entries.values())
    entries = {
        name: np.array(text) if v.dtype.kind == "U" else v
        for name, v in entries.items()
    }
    with open(path, "wb") as f:
        np.savez(f, **entries)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("not json {", "Expecting value"),
        ('{"version": 999, "root": {"dict": []}}', "unknown format header"),
        ('{"version": 1}', "unknown format header"),
        ("[]", "unknown format header"),
    ],
    ids=["not-json", "unknown-version", "no-root", "wrong-shape"],
)
def test_tampered_description(tmp_path, text, reason):
    path = tmp_path / "model.npz"
    mytorch.save(make_model().state_dict(), path)
    _rewrite_text_entries(path, text)
    _expect_clear_error(path, reason)


def test_a_save_that_fails_midway_leaves_the_previous_file_intact(
    tmp_path, monkeypatch
):
    path = tmp_path / "model.npz"
    first = {"w": np.arange(3.0)}
    mytorch.save(first, path)

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        mytorch.save({"w": np.zeros(3)}, path)
    monkeypatch.undo()
    assert_tree_equal(mytorch.load(path), first)


def test_description_pointing_at_a_missing_array(tmp_path):
    path = tmp_path / "model.npz"
    mytorch.save(make_model().state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:
        entries = {name: archive[name] for name in archive.files}
    ((key, text),) = [
        (k, str(v[()])) for k, v in entries.items() if v.dtype.kind == "U"
    ]
    for name in entries:
        if name != key:
            text = text.replace(f'"{name}"', '"no-such-array"')
    entries[key] = np.array(text)
    with open(path, "wb") as f:
        np.savez(f, **entries)
    _expect_clear_error(
        path,
        re.escape(
            "broken structure at state_dict['0.weight']: no array named 'no-such-array'"
        ),
    )


def test_file_is_written_exactly_at_the_given_path(tmp_path):
    path = tmp_path / "checkpoint.pt"
    mytorch.save(make_model().state_dict(), path)
    assert path.exists() and [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]
    assert set(mytorch.load(path)) == set(make_model().state_dict())


@pytest.mark.parametrize(
    "root, where",
    [
        ({"dict": [["w", {"array": "a0", "value": 1}]]}, "state_dict['w']"),
        ({"list": [{"value": 1}, {}]}, "state_dict[1]"),
        ({"dict": [[0, {"tuple": [[1]]}]]}, "state_dict[0][0]"),
        ({"dict": [["w", {"set": []}]]}, "state_dict['w']"),
        ({"dict": [["w"]]}, "state_dict"),
        ({"dict": [["w", {"array": "nope"}]]}, "state_dict['w']"),
    ],
    ids=[
        "two-keys",
        "no-key",
        "not-a-dict",
        "unknown-kind",
        "not-a-pair",
        "missing-array",
    ],
)
def test_malformed_entry_names_the_file_and_the_entry(tmp_path, root, where):
    path = tmp_path / "model.npz"
    mytorch.save({"w": np.zeros(2)}, path)
    _rewrite_text_entries(path, json.dumps({"version": 1, "root": root}))
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{path} is not a valid mytorch file: broken structure at {where}: "
        ),
    ):
        mytorch.load(path)


def test_deeply_nested_description(tmp_path):
    path = tmp_path / "deep.npz"
    mytorch.save({"w": np.zeros(2)}, path)
    depth = 10_000
    root = '{"list": [' * depth + '{"value": 1}' + "]}" * depth
    _rewrite_text_entries(path, '{"version": 1, "root": ' + root + "}")
    _expect_clear_error(path)


def test_deeply_nested_structure_that_json_could_read(tmp_path, monkeypatch):
    # JSON's own depth limit is about that of Python's recursion; here the
    # description parses and the recursion error comes from rebuilding it.
    path = tmp_path / "deep.npz"
    mytorch.save({"w": np.zeros(2)}, path)
    root = {"value": 1}
    for _ in range(10_000):
        root = {"list": [root]}
    monkeypatch.setattr(json, "loads", lambda text: {"version": 1, "root": root})
    _expect_clear_error(path)


def test_saving_onto_a_directory_says_so_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "checkpoints"
    target.mkdir()
    with pytest.raises(
        IsADirectoryError,
        match=r"mytorch\.save\(path\) got .*checkpoints', a directory: "
        r"expected a file path",
    ):
        mytorch.save(nn.Linear(2, 2).state_dict(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        mytorch.save(nn.Linear(2, 2).state_dict(), tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []


def test_bytes_paths_save_and_load(tmp_path):
    path = bytes(tmp_path / "model.npz")
    sd = nn.Linear(2, 2).state_dict()
    mytorch.save(sd, path)
    assert_tree_equal(mytorch.load(path), dict(sd))


@pytest.mark.parametrize(
    "function, args", [(mytorch.save, ({},)), (mytorch.load, ())], ids=["save", "load"]
)
def test_a_path_of_the_wrong_type_is_a_type_error(function, args):
    with pytest.raises(
        TypeError,
        match=rf"mytorch\.{function.__name__}\(path\) must be a str, bytes "
        r"or os\.PathLike, got int",
    ):
        function(*args, 3)
