"""Dask scale-out: the same files as a local run, byte for byte, surviving a lost worker.

The cluster tests start real worker processes (a LocalCluster of 2); they skip without
the [dask] extra.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.running.cluster import check_address

SDM = ["--adapter", "sdm", "--n-init", "1", "--max-train", "96"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def local_run(args: list[str]) -> None:
    """The reference: a local run in its own process with one BLAS thread, as each Dask
    worker has (SDM's matrix products round differently with another thread count)."""
    env = {**os.environ, **ONE_THREAD}
    res = subprocess.run([sys.executable, "-m", "aflfp_bench", *args], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("text", ["local:1", "local:12", "tcp://10.0.0.5:8786",
                                  "tls://scheduler.example.org:8786", " local:2 "])
def test_scheduler_addresses(text):
    assert check_address(text) == text.strip()


@pytest.mark.parametrize("text", ["local:0", "local", "local:x", "10.0.0.5:8786", "", "tcp://",
                                  "tcp://127.0.0.1", "tcp://host:port"])
def test_bad_scheduler_addresses(text):
    with pytest.raises(BenchError, match="tcp://HOST:PORT .* or local:N"):
        check_address(text)


def test_local_workers_are_capped():
    assert check_address("local:64") == "local:64"
    with pytest.raises(BenchError, match="at most 64 worker processes, got 'local:65'"):
        check_address("local:65")


@pytest.mark.parametrize("text, why", [("http://127.0.0.1:8787", "unknown address scheme 'http'"),
                                       ("tls://127.0.0.1:8786", "TLS")])
def test_unusable_scheduler_is_one_line(text, why):
    pytest.importorskip("distributed")
    from aflfp_bench.running.cluster import connect

    with pytest.raises(BenchError, match=f"cannot reach the Dask scheduler at {text} .*{why}"):
        with connect(text):
            pass


def test_bad_scheduler_is_a_usage_error(tmp_path, monkeypatch):
    res = CliRunner().invoke(main, ["cv", "--adapter", "mean-shape", "--data", str(tmp_path),
                                    "-o", str(tmp_path / "o.csv"), "--scheduler", "local"])
    assert res.exit_code == 2
    assert "Invalid value for '--scheduler'" in res.output and "local:N" in res.output
    monkeypatch.setenv("AFLFP_BENCH_SCHEDULER", "somewhere")
    res = CliRunner().invoke(main, ["cv", "--adapter", "mean-shape", "--data", str(tmp_path),
                                    "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "'somewhere'" in res.output


def test_shard_size_needs_a_scheduler(tmp_path):
    res = CliRunner().invoke(main, ["predict", "--adapter", "mean-shape", "--data", str(tmp_path),
                                    "-o", str(tmp_path / "o.csv"), "--shard-size", "8"])
    assert res.exit_code == 2 and "--shard-size applies to --scheduler" in res.output


def test_missing_extra_is_one_line(monkeypatch, small_synthetic, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    res = CliRunner().invoke(main, ["predict", "--adapter", "mean-shape", "--box", "gt",
                                    "--data", str(small_synthetic), "-o", str(tmp_path / "p.csv"),
                                    "--scheduler", "local:2"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == (
        "Error: a Dask scheduler needs the [dask] extra: pip install 'aflfp-bench[dask]'")
    assert not (tmp_path / "p.csv").exists()


# ------------------------------------------------------------- on a real cluster


@pytest.fixture(scope="module")
def scheduler():
    """A LocalCluster of 2 worker processes, reached by its tcp:// address."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, worker_dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_cv_sdm_identical_to_local(tmp_path, small_synthetic, scheduler):
    local, dask = tmp_path / "local", tmp_path / "dask"
    local.mkdir(), dask.mkdir()
    args = ["cv", *SDM, "--data", str(small_synthetic), "--box", "gt"]
    local_run([*args, "-o", str(local / "sdm.csv")])
    res = CliRunner().invoke(main, [*args, "-o", str(dask / "sdm.csv"), "--scheduler", scheduler])
    assert res.exit_code == 0, res.output
    assert f"(on {scheduler})" in res.stderr
    assert files(dask) == files(local)
    assert len(files(local)) > 2          # the out-of-fold predictions and the fold models


def test_cv_resumes_on_a_cluster(tmp_path, small_synthetic, scheduler):
    """The last fold first, then the rest: the same files as a local run resumed the
    same way; a finished run sends nothing and changes nothing."""
    local, dask = tmp_path / "local", tmp_path / "dask"
    local.mkdir(), dask.mkdir()
    args = ["cv", "--adapter", "mean-shape", "--data", str(small_synthetic)]
    from aflfp_bench.reading.loaders import load_dataset

    last = str(max(load_dataset(small_synthetic).meta["fold"]))
    for out, where in ((local, []), (dask, ["--scheduler", scheduler])):
        res = CliRunner().invoke(main, [*args, "-o", str(out / "m.csv"), "--folds", last, *where])
        assert res.exit_code == 0, res.output
        res = CliRunner().invoke(main, [*args, "-o", str(out / "m.csv"), *where])
        assert res.exit_code == 0, res.output
        assert "already done" in res.stdout
    assert files(dask) == files(local)
    first = [*args, "-o", str(dask / "m.csv"), "--scheduler", scheduler]
    before = {p: p.stat().st_mtime_ns for p in dask.iterdir()}
    res = CliRunner().invoke(main, first)
    assert res.exit_code == 0 and "training" not in res.stderr
    assert {p: p.stat().st_mtime_ns for p in dask.iterdir()} == before


def test_table3_identical_to_local(tmp_path, small_synthetic, scheduler):
    """One task per condition and fold; the normal-face model, shared by the folds, is
    trained once."""
    local, dask = tmp_path / "local", tmp_path / "dask"
    args = ["experiment", "table3", "--normal", str(small_synthetic), "--data",
            str(small_synthetic), "--adapter", "mean-shape", "--box", "gt"]
    assert CliRunner().invoke(main, [*args, "-o", str(local)]).exit_code == 0
    res = CliRunner().invoke(main, [*args, "-o", str(dask), "--scheduler", scheduler])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("Normal face") == 1 and res.stderr.count("Palsy face") == 3
    assert files(dask) == files(local)


def test_predict_onnx_identical_to_local(tmp_path, small_synthetic, scheduler):
    pytest.importorskip("onnxruntime")
    args = ["predict", "--adapter", "onnx", "--data", str(small_synthetic)]
    assert CliRunner().invoke(main, [*args, "-o", str(tmp_path / "local.csv")]).exit_code == 0
    res = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "dask.csv"), "--scheduler",
                                    scheduler, "--shard-size", "50"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_predict_images_on_a_cluster(tmp_path, small_synthetic, scheduler):
    pytest.importorskip("cv2")
    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(small_synthetic.rglob("*.jpg"))[:12]:
        shutil.copy(path, images / path.name)
    model = tmp_path / "sdm.npz"
    res = CliRunner().invoke(main, ["train", *SDM, "--data", str(small_synthetic), "-o",
                                    str(model)])
    assert res.exit_code == 0, res.output
    args = ["predict", "--adapter", "sdm", "--model", str(model), "--images", str(images)]
    local_run([*args, "-o", str(tmp_path / "local.csv")])
    res = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "dask.csv"), "--scheduler",
                                    scheduler, "--shard-size", "5"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_worker_that_cannot_see_the_data(tmp_path, small_synthetic, scheduler):
    """The images are gone from where the manifest says: the task fails naming the path
    and the worker."""
    pytest.importorskip("onnxruntime")
    data = tmp_path / "data"
    shutil.copytree(small_synthetic, data)
    manifest = tmp_path / "gt.csv"
    res = CliRunner().invoke(main, ["import", str(data), "-o", str(manifest)])
    assert res.exit_code == 0, res.output
    for path in data.rglob("*.jpg"):
        path.unlink()
    res = CliRunner().invoke(main, ["predict", "--adapter", "onnx", "--box", "gt", "--data",
                                    str(manifest), "-o", str(tmp_path / "p.csv"),
                                    "--scheduler", scheduler])
    assert res.exit_code == 1
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("Error: worker tcp://") and f"cannot see {data}" in last
    assert last.endswith("(a shared filesystem, or a URL every worker can open)")


def test_images_from_a_url_on_a_cluster(tmp_path, small_synthetic, scheduler):
    """A manifest whose images are at a URL (fsspec; file:// here, s3:// or gs:// on a
    cluster without a shared filesystem): the same predictions as the folder's; a URL the
    workers cannot open names the worker and the URL."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("fsspec")
    data = tmp_path / "data"
    shutil.copytree(small_synthetic, data)
    manifest = tmp_path / "gt.csv"
    res = CliRunner().invoke(main, ["import", str(small_synthetic), "-o", str(manifest),
                                    "--image-root", data.as_uri()])
    assert res.exit_code == 0, res.output
    args = ["predict", "--adapter", "onnx", "--box", "gt"]
    res = CliRunner().invoke(main, [*args, "--data", str(small_synthetic), "-o",
                                    str(tmp_path / "local.csv")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, [*args, "--data", str(manifest), "-o",
                                    str(tmp_path / "url.csv"), "--scheduler", scheduler])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "url.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    shutil.rmtree(data)
    res = CliRunner().invoke(main, [*args, "--data", str(manifest), "-o",
                                    str(tmp_path / "gone.csv"), "--scheduler", scheduler])
    assert res.exit_code == 1
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("Error: worker tcp://") and f"cannot see {data.as_uri()}/" in last


def test_no_gpu_worker_is_refused(scheduler):
    distributed = pytest.importorskip("distributed")
    from aflfp_bench.running.cluster import Cluster

    with distributed.Client(scheduler) as client:
        remote = Cluster(client, scheduler)
        assert remote.gpu_resources("cpu") is None
        with pytest.raises(BenchError, match="no worker .* offers a GPU; start GPU workers "
                                             "with dask-worker --resources GPU=1"):
            remote.gpu_resources("cuda")


@pytest.mark.filterwarnings("ignore:Port .* is already in use")   # the module's cluster has it
def test_lost_worker_same_files(tmp_path, small_synthetic):
    """The worker that starts training the first fold dies then (its process killed at
    that step, :class:`tests.faults.DieOnFirstStart`): the fold trains again on another
    worker and every file is the same, byte for byte."""
    distributed = pytest.importorskip("distributed")
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.cluster import Cluster
    from aflfp_bench.running.crossval import cross_validate
    from tests.faults import DieOnFirstStart

    local, dask = tmp_path / "local", tmp_path / "dask"
    local.mkdir(), dask.mkdir()
    local_run(["cv", *SDM, "--data", str(small_synthetic), "--box", "gt", "-o",
               str(local / "sdm.csv")])
    dataset = load_dataset(small_synthetic)
    marker = tmp_path / "killed"
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, worker_dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            client.register_plugin(DieOnFirstStart("train_job", str(marker)))
            cross_validate(dataset, "sdm", dask / "sdm.csv", box="gt", n_init=1, max_train=96,
                           cluster=Cluster(client, "test"))
    finally:
        cluster.close()
    assert marker.read_text().startswith("train_job")      # a worker died training a fold
    assert files(dask) == files(local)


def test_local_workers_have_the_pools_environment(monkeypatch):
    """local:N workers: one BLAS thread, and no MALLOC_TRIM_THRESHOLD_ of Dask's nanny
    (the local pool's processes have neither set by the toolkit)."""
    pytest.importorskip("distributed")
    from aflfp_bench.running.cluster import connect

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with connect("local:1") as cluster:
        seen = cluster.client.run(lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                                           os.environ.get("OMP_NUM_THREADS")))
    assert list(seen.values()) == [(None, "1")]
