"""Scale-out tasks without a cluster: an in-process stand-in for Dask runs the tasks, so
what each task carries (absolute paths, its own model) and what each worker thread holds
are checked without worker processes."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import numpy as np


def two_models(dataset, tmp_path):
    """Two mean-shape models of different subjects, as bytes."""
    from aflfp_bench.running.runner import train

    subjects = dataset.meta["subject"].to_numpy()
    blobs = []
    for k, subject in enumerate(sorted(set(subjects))[:2]):
        path = tmp_path / f"m{k}.npz"
        train(dataset.subset(subjects == subject), "mean-shape", path)
        blobs.append(path.read_bytes())
    assert blobs[0] != blobs[1]
    return blobs


def test_each_thread_holds_its_own_predictor(small_synthetic, tmp_path):
    """Tasks of two runs on one multi-threaded worker: neither replaces the other's
    model, and each gets the rows of its own."""
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running import predictor
    from aflfp_bench.running.runner import work_items

    dataset = load_dataset(small_synthetic)
    items = work_items(dataset, range(6))
    setup = ("mean-shape", ".npz", "gt", None, False)
    blobs = two_models(dataset, tmp_path)
    barrier, seen = threading.Barrier(2), {}

    def run(k):
        first = predictor.shard_job(setup, blobs[k], items)
        held = predictor._THREAD.held[1]
        barrier.wait()                       # both threads hold their model now
        second = predictor.shard_job(setup, blobs[k], items)
        seen[k] = (first, second, held, predictor._THREAD.held[1])

    threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
    [t.start() for t in threads], [t.join() for t in threads]
    for k in (0, 1):
        (digest, rows), again, held, after = seen[k]
        assert digest == predictor.blob_digest(blobs[k]) and after is held
        assert again[0] == digest
        assert all(np.array_equal(a[1], b[1]) for a, b in zip(rows, again[1]))
    assert not np.array_equal(seen[0][0][1][0][1], seen[1][0][1][0][1])


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value() if callable(self.value) else self.value


class _Inline:
    """A cluster that runs each task at once, here; its training task gives other bytes
    the second time they are asked for (a model trained again after a lost worker)."""

    address, n_workers = "inline", 1

    def __init__(self, blobs=()):
        self.blobs, self.sent = list(blobs), []

    def gpu_resources(self, device):
        return None

    def result(self, future):
        return future.result()

    def share(self, value):
        return _Done(value)

    def cancel(self, futures):
        pass

    def ordered(self, func, argsets, **_):
        for args in argsets:
            yield self.submit(func, *args).result()

    def submit(self, func, *args, resources=None):
        self.sent.append((func.__name__, args))
        if func.__name__ == "train_job":
            return _Done(lambda: self.blobs.pop(0))
        args = [a.result() if isinstance(a, _Done) else a for a in args]
        return _Done(func(*args))


def test_a_model_trained_twice_predicts_with_the_saved_one(small_synthetic, tmp_path):
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.crossval import cross_validate
    from aflfp_bench.running.runner import predict

    dataset = load_dataset(small_synthetic)
    first, second = two_models(dataset, tmp_path)
    fold = sorted(set(dataset.meta["fold"]))[0]
    out = tmp_path / "cv" / "m.csv"
    out.parent.mkdir()
    cross_validate(dataset, "mean-shape", out, folds=[fold], box="gt",
                   cluster=_Inline([first, second]))
    model = tmp_path / "cv" / f"m.fold{fold}.npz"
    assert model.read_bytes() == second
    test = dataset.subset(dataset.meta["fold"].to_numpy() == fold)
    predict(test, "mean-shape", model, tmp_path / "ref.csv", box="gt")
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()
    (tmp_path / "first.npz").write_bytes(first)     # the model the first training gave
    predict(test, "mean-shape", tmp_path / "first.npz", tmp_path / "other.csv", box="gt")
    assert out.read_bytes() != (tmp_path / "other.csv").read_bytes()


def test_workers_get_absolute_paths(small_synthetic, tmp_path, monkeypatch):
    """A dataset or folder given by a relative path: the tasks carry absolute paths (a
    remote worker's working folder is not the client's)."""
    from dataclasses import replace

    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.sources import image_folder
    from aflfp_bench.running.crossval import cross_validate
    from aflfp_bench.running.runner import predict, predict_found

    monkeypatch.chdir(small_synthetic.parent)
    dataset = load_dataset(small_synthetic.name)
    dataset = replace(dataset, root=Path(os.path.relpath(dataset.root)))
    assert not dataset.image_path(0).is_absolute() and dataset.image_path(0).is_file()
    fold = sorted(set(dataset.meta["fold"]))[0]
    blob = two_models(dataset, tmp_path)[0]
    inline = _Inline([blob, blob])   # the model is fetched by its task and by the client
    cross_validate(dataset, "mean-shape", tmp_path / "cv.csv", folds=[fold], box="gt",
                   cluster=inline)
    model = tmp_path / "m.npz"
    model.write_bytes(blob)
    predict(dataset.subset(np.arange(3)), "mean-shape", model, tmp_path / "p.csv", box="gt",
            cluster=inline)
    images = image_folder(Path(small_synthetic.name) / dataset.meta["subject"].iloc[0])[:2]
    assert not os.path.isabs(images[0][1])
    jobs = ["train_job", "shard_job"]
    if importlib.util.find_spec("cv2"):   # the mean shape's own face detector is OpenCV's
        predict_found(images, "mean-shape", model, tmp_path / "f.csv", cluster=inline)
        jobs.append("found_job")
    paths = {name: [] for name in jobs}
    for name, args in inline.sent:
        if name == "train_job":
            paths[name] += [args[0].image_path(i) for i in range(len(args[0]))]
        else:
            paths[name] += [item[1] for item in args[-1]]
    assert all(len(found) for found in paths.values())
    assert all(os.path.isabs(p) and os.path.isfile(p) for found in paths.values()
               for p in found)
