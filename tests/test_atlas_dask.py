"""The atlas's runs on a Dask cluster: the same tables as on local processes.

Every run seeds itself, so where it runs must not change a digit: a small
sweep and a small comparison, once locally and once through
``--backend dask --scheduler ADDRESS`` on a local two-worker cluster, write
byte-identical CSV files.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")

import pytest

distributed = pytest.importorskip("distributed")

from mytorch.atlas import __main__ as cli  # noqa: E402
from mytorch.atlas import _options, _tasks  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster


def worker_runs(address) -> list[int]:
    """How many datasets each worker of the cluster has made (cached per process)."""
    with distributed.Client(address) as client:
        sizes = client.run(lambda: _tasks._cached_dataset.cache_info().currsize)
    return sorted(sizes.values())


def run_both(tmp_path, cluster, argv) -> tuple[bytes, bytes, dict]:
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert cli.main(["--out", str(local), "--jobs", "1", "--quiet", *argv]) == 0
    assert (
        cli.main(
            [
                "--out",
                str(remote),
                "--backend",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
                "--quiet",
                *argv,
            ]
        )
        == 0
    )
    name = "sweep.csv" if "--sweep" in argv else "comparison.csv"
    manifest = json.loads((remote / "manifest.json").read_text())
    return (local / name).read_bytes(), (remote / name).read_bytes(), manifest


def test_a_sweep_on_a_dask_cluster_writes_the_local_table(
    tmp_path, monkeypatch, cluster
):
    monkeypatch.setattr(_options, "SCHEDULES", ((50, 2),))
    monkeypatch.setattr(_options, "SWEEP_DRAWS", ((1, 1), (2, 2)))
    monkeypatch.setattr(_options, "LR_GRID", {"sgd": (0.1, 0.05), "adam": (0.02,)})
    argv = ["--sweep", "--datasets", "spiral", "--optimizers", "sgd", "adam"]
    argv += ["--activations", "relu", "tanh"]
    local, remote, manifest = run_both(tmp_path, cluster, argv)
    assert remote == local
    assert len(local.splitlines()) == 1 + 3 * 2 * 2  # rates x draws x activations
    settings = manifest["settings"]
    assert settings["backend"] == "dask"
    assert settings["scheduler"] == cluster.scheduler_address
    # The runs happened on the cluster's workers, not here: both made datasets.
    assert all(made > 0 for made in worker_runs(cluster.scheduler_address))


def test_a_comparison_on_a_dask_cluster_writes_the_local_table(
    tmp_path, monkeypatch, cluster
):
    monkeypatch.setattr(_options, "COMPARISON_DRAWS", ((4, 4), (5, 5)))
    argv = ["--compare", "--datasets", "circles", "--epochs", "2"]
    argv += ["--activations", "relu", "tanh"]
    local, remote, _ = run_both(tmp_path, cluster, argv)
    assert remote == local
    assert len(local.splitlines()) == 1 + 2 * 2 * 2  # draws x optimizers x activations


def test_a_scheduler_that_does_not_answer_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "CONNECT_TIMEOUT", 0.5)
    out = tmp_path / "out"
    # Port 9 (discard) on the loopback: nothing listens there.
    argv = ["--out", str(out), "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--sweep"])
    assert exit_.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(
            "python -m mytorch.atlas: error: argument --scheduler: expected the address "
            "of a running Dask scheduler, got tcp://127.0.0.1:9 ("
        )
    )
    assert not out.exists()


def test_without_distributed_the_dask_backend_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import raises ImportError
    argv = ["--out", str(tmp_path / "out"), "--backend", "dask"]
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--scheduler", "tcp://127.0.0.1:8786"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m mytorch.atlas: error: argument --backend dask: needs the package "
        "distributed, which is not installed (pip install 'mytorch[dask]')"
    )
