"""Running adapters over datasets: predict (parallel, resumable) and train.

Predictions go to a run file (:mod:`.runfile`): rows appended chunk by chunk, each with
its face box (``gt``, ``detector``, or ``fallback``: the ground-truth box mapped to the
detector's convention because the detector found no face there), the adapter, the model
and the flip setting. Cross-validation and the Table 3 experiment run on
:mod:`.folds`.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..errors import BenchError
from ..reading import urls
from ..reading.atomic import replacing
from ..reading.dataset import Dataset
from ..reading.text import csv_cell, plain
from . import SHARD
from .adapters import adapter_class, get_adapter
from .detections import training_boxes
from .predictor import Predictor, found_job, model_blob, shard_job
from .runfile import Run, RunFile, model_digest

CHUNK = 16


def box_source(adapter, box: str) -> str:
    """``auto`` means: the boxes the model was trained on (``detector`` for pretrained)."""
    if box == "auto":
        return adapter.box
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    return box


# ------------------------------------------------------------------ workers

_POOL: list = []   # this process's (settings, predictor)


def _file_key(model):
    """A model file's path, size and time: a file replaced since is loaded again."""
    if model is None:
        return None
    try:
        stat = os.stat(model)
    except OSError:
        return str(model)     # the loader says what is wrong
    return str(model), stat.st_size, stat.st_mtime_ns


def _init(name, model, box, mapping, flip=False, all_faces=None):
    """Load this process's predictor (kept while the settings stay the same): for images
    with ground truth, or (``all_faces`` a bool) for images without."""
    key = (name, _file_key(model), box, mapping, flip, all_faces)
    if _POOL and _POOL[0] == key:
        return
    _POOL[:] = [key, Predictor.load(name, model, box, mapping, flip) if all_faces is None
                else Predictor.load_found(name, model, flip, all_faces)]


def _work(items):
    return _POOL[1].rows(items)


def _found_work(items):
    return _POOL[1].found(items)


def work_items(dataset: Dataset, todo, boxes=None, *, absolute: bool = False) -> list[tuple]:
    """``(id, image path, ground-truth box, given (box, kind) or None)`` of the images
    ``todo`` (indices): the input of :func:`_work`. ``absolute``: the paths made absolute
    (for workers whose working folder is not this one)."""
    path = (lambda i: urls.absolute(dataset.image_path(i))) if absolute else (
        lambda i: str(dataset.image_path(i)))
    return [(dataset.ids[i], path(i), dataset.boxes[i],
             None if boxes is None else (boxes[0][i], boxes[1][i])) for i in todo]


def predict(dataset: Dataset, name: str, model, out, *, box: str = "auto", workers: int = 1,
            flip: bool = False, boxes=None, progress=None, cluster=None,
            shard_size: int = SHARD) -> Counter:
    """Predict every image of ``dataset`` not yet in ``out``; returns counts of box kinds
    of the rows written now (``resumed``: rows found already done). ``flip``: average
    each prediction with the one on the mirror image (:func:`.predictor.flip_test`). ``boxes``:
    ``(boxes (n, 4), kinds)`` made beforehand (:mod:`.detections`), used instead of
    ``box``. ``cluster``: a :class:`~.cluster.Cluster` to run shards of ``shard_size``
    images on (``workers`` is then unused); the rows are written in the same order."""
    out = Path(out)
    model = adapter_class(name).model_for(model, synthetic=dataset.synthetic)
    adapter = get_adapter(name, model)
    source = "given" if boxes is not None else box_source(adapter, box)
    mapping = adapter.fallback_mapping() if source == "detector" else None
    run = Run(name, "default" if model is None else model_digest(model), flip)
    counts = Counter()
    _init(name, model, source, mapping, flip)
    with RunFile.open(out, run, dataset.ids.tolist()) as sink:
        todo = [i for i, image_id in enumerate(dataset.ids) if image_id not in sink.done]
        counts["resumed"] = len(dataset) - len(todo)
        if progress and counts["resumed"]:
            progress(counts["resumed"])
        tasks = work_items(dataset, todo, boxes, absolute=cluster is not None)
        chunks = [tasks[k:k + CHUNK] for k in range(0, len(tasks), CHUNK)]

        def write(results):
            sink.write(results)
            counts.update(kind for _, _, kind in results)
            if progress:
                progress(len(results))

        if cluster is not None and tasks:
            setup = (name, Path(model).suffix if model else "", source, mapping, flip)
            shared = cluster.share(model_blob(model))
            shards = [tasks[k:k + shard_size] for k in range(0, len(tasks), shard_size)]
            for _, results in cluster.ordered(shard_job, [(setup, shared, s) for s in shards]):
                write(results)
        elif workers > 1 and len(chunks) > 1:
            with ProcessPoolExecutor(workers, initializer=_init,
                                     initargs=(name, model, source, mapping, flip)) as pool:
                for results in pool.map(_work, chunks):
                    write(results)
        else:
            for chunk in chunks:
                write(_work(chunk))
    return counts


# ------------------------------------------------- images without ground truth


def prepare_found(name, model, flip, all_faces) -> None:
    """Check the adapter, its model and its face detector before looking at any image
    (a missing model or extra fails here)."""
    _init(name, model, None, None, flip, all_faces)


def _in_order(pool, func, chunks, depth: int):
    """``pool.map(func, chunks)`` with at most ``depth`` chunks in flight (a video's
    frames are not all held in memory)."""
    pending = []
    for chunk in chunks:
        pending.append(pool.submit(func, chunk))
        if len(pending) >= depth:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def _chunked(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def missing_path(out) -> Path:
    """The sidecar listing the images of a run without ground truth that have no row."""
    return Path(f"{out}.missing.csv")


MISSING_HEADER = "image_id,reason"


def _write_missing(out, missing: list[tuple[str, str]]) -> None:
    """Write the sidecar (a CSV: id, reason), or remove a stale one of this tool."""
    import csv
    import io

    path = missing_path(out)
    if not missing:
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace").startswith(
                MISSING_HEADER + "\n"):
            path.unlink()
        return
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(MISSING_HEADER.split(","))
    writer.writerows([csv_cell(image_id), csv_cell(plain(reason))]
                     for image_id, reason in sorted(missing))
    with replacing(path, "list of images without a face") as tmp:
        tmp.write_text(text.getvalue(), encoding="utf-8")


def predict_found(items, name: str, model, out, *, ids=(), all_faces: bool = False,
                  workers: int = 1, flip: bool = False, progress=None, cluster=None,
                  shard_size: int = SHARD) -> Counter:
    """Predict ``(id, path or gray image)`` items (images without ground truth, e.g.
    :func:`~.sources.image_folder`) with the adapter's own face detector: the largest face
    of each image, or every face with ``all_faces``. Images where no face is found (or
    that cannot be read) get no row; they are listed with the reason in
    :func:`missing_path`. ``items`` may be a callable taking the set of ids already done
    (a resumed run) and returning the items (e.g. :meth:`~.sources.Video.frames`, which
    does not decode those). ``ids``: the ids expected, for checking the model of the rows
    kept. Returns counts: ``images`` and ``faces`` written now, ``missing``, ``resumed``.
    ``cluster``: run shards of ``shard_size`` items on it, at most two per worker in
    flight (a video's frames are not all held in memory)."""
    out = Path(out)
    model = adapter_class(name).model_for(model, synthetic=False)
    run = Run(name, "default" if model is None else model_digest(model), flip, all_faces)
    _init(name, model, None, None, flip, all_faces)   # a missing extra fails here
    counts = Counter()
    missing: list[tuple[str, str]] = []
    with RunFile.open(out, run, ids) as sink:
        done = sink.done

        def todo():
            for image_id, image in (items(done) if callable(items) else items):
                if image_id in done:
                    counts["resumed"] += 1
                    if progress:
                        progress(1)
                    continue
                if image is None:
                    raise BenchError(f"{image_id}: no image to predict")
                if cluster is not None and isinstance(image, (str, os.PathLike)):
                    image = urls.absolute(image)    # a worker's folder is not this one
                yield image_id, image

        def write(result):
            rows, misses = result
            sink.write(rows)
            missing.extend(misses)
            counts["faces"] += len(rows)
            counts["images"] += len({r[0] for r in rows})
            if progress:
                progress(len({r[0] for r in rows}) + len(misses))

        chunks = _chunked(todo(), CHUNK if cluster is None else shard_size)
        if cluster is not None:
            setup = (name, Path(model).suffix if model else "", flip, all_faces)
            shared = cluster.share(model_blob(model))
            shards = ((setup, shared, shard) for shard in chunks)
            for result in cluster.ordered(found_job, shards, depth=2 * cluster.n_workers):
                write(result)
        elif workers > 1:
            with ProcessPoolExecutor(workers, initializer=_init,
                                     initargs=(name, model, None, None, flip, all_faces)) as pool:
                for result in _in_order(pool, _found_work, chunks, 2 * workers):
                    write(result)
        else:
            for chunk in chunks:
                write(_found_work(chunk))
    counts["missing"] = len(missing)
    _write_missing(out, missing)
    return counts


# ------------------------------------------------------------------ training


def train(dataset: Dataset, name: str, out, *, box: str = "gt", boxes=None, progress=None,
          log=None, **options):
    """Fit adapter ``name`` on ``dataset`` and save it to ``out``. ``boxes``: ``(boxes
    (n, 4), mapping)`` of detector boxes made beforehand (:mod:`.detections`) for
    ``box="detector"``."""
    cls = adapter_class(name)
    if not cls.trainable:
        raise BenchError(f"adapter {name!r} is pretrained and cannot be trained here")
    if cls.model_suffix == ".onnx" and "checkpoint" not in options:
        # Deep networks checkpoint every epoch beside the output; a re-run resumes.
        options["checkpoint"] = Path(out).with_name(Path(out).name + ".ckpt.npz")
    model = cls(**options)
    fit_boxes = None
    if box == "detector" and boxes is not None:
        fit_boxes, model.box_mapping = boxes
    elif box == "detector":
        fit_boxes, model.box_mapping, n_found = training_boxes(dataset, cls.detector,
                                                               progress=progress)
        if log:
            log(f"{cls.detector} detector found {n_found} of {len(dataset)} training faces; "
                f"fallback mapping {model.box_mapping}")
    elif box != "gt":
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    model.box = box
    model.fit(dataset, boxes=fit_boxes, progress=progress, log=log)
    with replacing(out, "model") as tmp:
        model.save(tmp)
    if options.get("checkpoint"):
        Path(options["checkpoint"]).unlink(missing_ok=True)
    return model
