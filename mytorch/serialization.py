"""Save and load state dicts as NumPy `.npz` files, without pickle.

A file holds the arrays of the state dict plus one entry, `__mytorch__`, a
JSON description of the dict's structure (nesting, integer keys, tuples,
plain numbers) whose leaves name the arrays. `load` reads it with
`allow_pickle=False`, so loading a file never executes code.
"""

import contextlib
import json
import os
import zipfile

import numpy as np

_STRUCTURE_KEY = "__mytorch__"
_FORMAT_VERSION = 1
_ZIP_SIGNATURE = b"PK\x03\x04"


def _encode(obj, arrays: dict, where: str):
    """Return a JSON-able description of `obj`, moving its arrays into `arrays`."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError(f"mytorch.save cannot store an object array (at {where})")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"array": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(
                    "mytorch.save supports str and int dict keys, "
                    f"got {type(k).__name__} (at {where})"
                )
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(f"mytorch.save cannot store a {type(obj).__name__} (at {where})")


def _decode(node, arrays: dict, where: str):
    """Rebuild the object that `node` describes; `where` names it in error messages."""
    if not isinstance(node, dict) or len(node) != 1:
        got = (
            f"dict with keys {list(node)}"
            if isinstance(node, dict)
            else type(node).__name__
        )
        raise ValueError(
            f"broken structure at {where}: expected a dict with one key, got {got}"
        )
    ((kind, value),) = node.items()
    if kind == "array":
        if value not in arrays:
            raise ValueError(
                f"broken structure at {where}: no array named {value!r} in the file"
            )
        return arrays[value]
    if kind == "dict":
        if not all(isinstance(item, list) and len(item) == 2 for item in value):
            raise ValueError(
                f"broken structure at {where}: a dict entry must be a [key, value] pair"
            )
        return {k: _decode(v, arrays, f"{where}[{k!r}]") for k, v in value}
    if kind == "list":
        return [_decode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "tuple":
        return tuple(_decode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value))
    if kind == "value":
        return value
    raise ValueError(f"broken structure at {where}: unknown entry kind {kind!r}")


def _path(who: str, path) -> str:
    """`path` (str, bytes or os.PathLike) as a str."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"{who}(path) must be a str, bytes or os.PathLike, "
            f"got {type(path).__name__}"
        ) from None


def save(state_dict, path) -> None:
    """Write a model's or an optimizer's state dict to `path` (NumPy `.npz`).

    The file is written exactly at `path` (str, bytes or os.PathLike; no
    suffix is added), atomically: it is written beside `path` with the
    suffix `.partial` and then renamed, so a crash mid-write leaves any
    previous file intact, and a failed write leaves no `.partial` behind.

    Raises
    ------
    IsADirectoryError
        If `path` is a directory.
    """
    path = _path("mytorch.save", path)
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"mytorch.save(path) got {path!r}, a directory: expected a file path"
        )
    arrays = {}
    structure = _encode(state_dict, arrays, "state_dict")
    arrays[_STRUCTURE_KEY] = np.array(
        json.dumps({"version": _FORMAT_VERSION, "root": structure})
    )
    partial = path + ".partial"
    try:
        with open(partial, "wb") as f:
            np.savez(f, **arrays)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise


def load(path):
    """Read a state dict written by `mytorch.save`.

    Raises
    ------
    FileNotFoundError
        If `path` does not exist.
    ValueError
        If the file is not a complete file written by `mytorch.save`
        (corrupt, truncated, another format, or an `.npz` from elsewhere).
    """
    path = _path("mytorch.load", path)
    with open(path, "rb") as f:
        if f.read(4) != _ZIP_SIGNATURE:
            raise ValueError(
                f"{path} is not a valid mytorch file: it is not an .npz (zip) archive"
            )
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _STRUCTURE_KEY not in npz.files:
                raise ValueError(
                    f"it has no {_STRUCTURE_KEY!r} entry, "
                    "so it was not written by mytorch.save"
                )
            header = json.loads(str(npz[_STRUCTURE_KEY][()]))
            arrays = {name: npz[name] for name in npz.files if name != _STRUCTURE_KEY}
    except (
        ValueError,
        OSError,
        EOFError,
        KeyError,
        RecursionError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
    ) as error:
        raise ValueError(f"{path} is not a valid mytorch file: {error}") from None
    if (
        not isinstance(header, dict)
        or header.get("version") != _FORMAT_VERSION
        or "root" not in header
    ):
        raise ValueError(f"{path} is not a valid mytorch file: unknown format header")
    try:
        return _decode(header["root"], arrays, "state_dict")
    except ValueError as error:
        raise ValueError(f"{path} is not a valid mytorch file: {error}") from None
    except (KeyError, TypeError, RecursionError) as error:
        raise ValueError(
            f"{path} is not a valid mytorch file: broken structure ({error!r})"
        ) from None
