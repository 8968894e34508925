"""The playground's JavaScript port (book/_playground/) against the package, under Node.

- The port's generator gives NumPy's `default_rng(seed)` numbers bit for bit
  (random, uniform, permutation), and its erfc is scipy's.
- Trained on the golden configurations (tools/golden.py: every optimizer
  setting x activation x {plain, BatchNorm, Dropout, both}, 50 steps, float64),
  it gives the package's losses, parameters, BatchNorm buffers and
  evaluation-mode logits to 1e-10 relative.
- The committed golden file and datasets are what the package computes now
  (the trajectories to 1e-8: the package's own last bits differ between
  processors, see PACKAGE_RTOL).

Node (v18 or newer) runs the port; without it the tests are skipped, and under
CI (`CI` set) they fail, as the browser test does without Chromium.
"""

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from scipy.special import erfc

from tools import golden

ROOT = Path(__file__).resolve().parents[2]
PORT = ROOT / "book" / "_playground"
NODE = shutil.which("node")
RTOL = 1e-10


@pytest.fixture(scope="module")
def node():
    require(
        NODE,
        "node is not installed, so the playground's JavaScript port cannot be "
        "compared with the package: install it with `apt-get install nodejs` "
        "(or run `bash .ci/run` as root)",
    )
    return NODE


def run_js(node: str, script: str, timeout: int = 600):
    """Run an ES module (imports relative to book/_playground/); parse its JSON."""
    proc = subprocess.run(
        [node, "--input-type=module", "-e", script],
        check=False,
        cwd=PORT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_generator_is_numpys(node):
    seeds = [0, 1, 7, 42, 2**32 - 1, 2**32, 2**40 + 7]
    script = f"""
import {{ Generator }} from './random.js';
const out = [];
for (const seed of {json.dumps(seeds)}) {{
  const g = new Generator(seed);
  const r = [g.random(), g.random()], u = [g.uniform(-0.5, 0.25), g.uniform(-3, 3)];
  const p = Array.from(g.permutation(750)), q = Array.from(g.permutation(7));
  out.push({{r, u, p, q, after: g.random()}});
}}
console.log(JSON.stringify(out));
"""
    for seed, got in zip(seeds, run_js(node, script)):
        rng = np.random.default_rng(seed)
        assert got["r"] == rng.random(2).tolist(), seed
        assert got["u"] == [rng.uniform(-0.5, 0.25), rng.uniform(-3, 3)], seed
        assert got["p"] == rng.permutation(750).tolist(), seed
        assert got["q"] == rng.permutation(7).tolist(), seed
        assert got["after"] == rng.random(), seed


def test_erfc_is_scipys(node):
    x = np.concatenate(
        [
            np.linspace(-30, 30, 2001),
            np.geomspace(1e-300, 30, 300),
            -np.geomspace(1e-300, 30, 300),
            [0.0, 1.0, -1.0, 8.0, -8.0],
        ]
    )
    script = (
        "import { erfc } from './mytorch.js';\n"
        f"console.log(JSON.stringify({json.dumps(x.tolist())}.map(erfc)));"
    )
    got = np.array(run_js(node, script))
    expected = erfc(x)
    tiny = expected != 0
    assert np.array_equal(got == 0, ~tiny)
    assert np.max(np.abs(got[tiny] - expected[tiny]) / expected[tiny]) <= 1e-15


def test_port_follows_the_golden_trajectories(node):
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "book" / "golden" / "compare.mjs")],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["runs"] == len(golden.OPTIMIZERS) * len(golden.ACTIVATIONS) * len(
        golden.VARIANTS
    )
    far = {
        kind: worst
        for kind, worst in result["worst"].items()
        if worst[0] is None or not worst[0] <= RTOL
    }
    assert not far, f"largest relative differences (value, run) beyond {RTOL}: {far}"


def close(fresh, stored, path="", scale=0.0, rtol=None) -> list[str]:
    """Where two JSON trees differ: in structure, or numbers by more than `rtol`
    (default RTOL) relative."""
    rtol = RTOL if rtol is None else rtol
    if isinstance(stored, dict):
        if not isinstance(fresh, dict) or fresh.keys() != stored.keys():
            return [f"{path}: keys differ"]
        return [
            p
            for k in stored
            for p in close(fresh[k], stored[k], f"{path}/{k}", rtol=rtol)
        ]
    if isinstance(stored, list):
        if not isinstance(fresh, list) or len(fresh) != len(stored):
            return [f"{path}: lengths differ"]
        # a number near 0 in a list (a logit, a mixed-sign checksum) is compared
        # relative to a thousandth of the list's largest
        scale = 1e-3 * max(
            (abs(v) for v in stored if isinstance(v, float)), default=0.0
        )
        return [
            p
            for i, (a, b) in enumerate(zip(fresh, stored))
            for p in close(a, b, f"{path}[{i}]", scale, rtol)
        ]
    if isinstance(stored, float) and isinstance(fresh, float):
        ok = abs(fresh - stored) <= rtol * max(abs(stored), scale)
        return [] if ok else [f"{path}: {fresh} != {stored}"]
    return [] if fresh == stored else [f"{path}: {fresh!r} != {stored!r}"]


# The package recomputing the committed trajectories on another processor: its
# BLAS kernel and SIMD paths round differently, and 50 steps of RMSprop amplify
# that to 6e-10 relative (measured with OpenBLAS's Sandybridge and Nehalem
# kernels and NumPy without AVX2, against the Haswell kernel that wrote the
# file); 1e-8 leaves room for processors not measured. A change to the
# package's arithmetic moves these numbers by far more.
PACKAGE_RTOL = 1e-8


def test_golden_file_is_what_the_package_computes():
    stored = json.loads(golden.GOLDEN_JSON.read_text())
    fresh = json.loads(golden.golden_json())
    differences = close(fresh, stored, rtol=PACKAGE_RTOL)
    assert not differences, (
        "tests/book/golden/playground.json is not what the package computes: "
        "run `python tools/golden.py`.\n" + "\n".join(differences[:10])
    )


def decode_datasets(text: str) -> dict:
    """The arrays of datasets.js, decoded."""
    tasks = {}
    for name, body in re.findall(
        r"^  (\w+): \{\n(.*?)^  \},", text, re.MULTILINE | re.DOTALL
    ):
        fields = {}
        for key, value in re.findall(
            r"^    (\w+):\s*(.*?),$", body, re.MULTILINE | re.DOTALL
        ):
            if value.startswith('"'):
                raw = base64.b64decode("".join(re.findall(r'"([^"]*)"', value)))
                fields[key] = np.frombuffer(
                    raw, "<f8" if key.startswith("x") else "<i4"
                )
            else:
                fields[key] = np.array(json.loads(value))
        tasks[name] = fields
    return tasks


def test_datasets_are_the_packages():
    stored = decode_datasets(golden.DATASETS_JS.read_text())
    fresh = decode_datasets(golden.datasets_js())
    assert list(stored) == list(fresh) == list(golden.datasets.DATASETS)
    for name in fresh:
        assert stored[name].keys() == fresh[name].keys() and len(fresh[name]) == 7, name
        for key, array in fresh[name].items():
            if key.startswith("y"):
                assert np.array_equal(stored[name][key], array), (name, key)
            else:
                np.testing.assert_allclose(
                    stored[name][key],
                    array,
                    rtol=0,
                    atol=1e-12,
                    err_msg=f"{name} {key}: run `python tools/golden.py`",
                )
