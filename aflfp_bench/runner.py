"""Running adapters over datasets: predict (parallel, resumable) and train.

Predictions go to a run file (:mod:`.runfile`): rows appended chunk by chunk, each with
its face box (``gt``, ``detector``, or ``fallback``: the ground-truth box mapped to the
detector's convention because the detector found no face there), the adapter, the model
and the flip setting. Cross-validation and the Table 3 experiment run on
:mod:`.folds`.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .adapters import adapter_class, get_adapter
from .atomic import replacing
from .dataset import Dataset
from .detections import training_boxes
from .errors import BenchError
from .faces import face_box, mirror_box, unmirror_points
from .images import load_gray
from .runfile import Run, RunFile, model_digest, writable_id

CHUNK = 16


def box_source(adapter, box: str) -> str:
    """``auto`` means: the boxes the model was trained on (``detector`` for pretrained)."""
    if box == "auto":
        return adapter.box
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    return box


# ------------------------------------------------------------------ workers

_WORKER: dict = {}


def _init(name, model, box, mapping, flip=False):
    adapter = get_adapter(name, model)
    # A missing extra fails here, before any output is written.
    detector = adapter.face_detector() if box == "detector" else None
    _WORKER.clear()
    _WORKER.update(adapter=adapter, box=box, detector=detector, mapping=mapping, flip=flip)


def flip_test(adapter, gray: np.ndarray, box) -> np.ndarray:
    """The mean of the prediction on the image and the one on its mirror image (mapped
    back, left/right landmarks re-indexed): test-time flip augmentation."""
    width = gray.shape[1]
    direct = np.asarray(adapter.predict(gray, box), dtype=float)
    mirrored = adapter.predict(np.ascontiguousarray(gray[:, ::-1]), mirror_box(box, width))
    return (direct + unmirror_points(mirrored, width)) / 2


def _work(tasks):
    w = _WORKER
    out = []
    for image_id, path, gt_box, given in tasks:
        need_image = w["adapter"].needs_image or w["box"] == "detector" or w["flip"]
        gray = load_gray(path) if need_image else None
        box, kind = given if given else face_box(gray, gt_box, w["box"], w["detector"], w["mapping"])
        points = (flip_test(w["adapter"], gray, box) if w["flip"]
                  else np.asarray(w["adapter"].predict(gray, box), dtype=float))
        out.append((image_id, points, kind))
    return out


def predict(dataset: Dataset, name: str, model, out, *, box: str = "auto", workers: int = 1,
            flip: bool = False, boxes=None, progress=None) -> Counter:
    """Predict every image of ``dataset`` not yet in ``out``; returns counts of box kinds
    of the rows written now (``resumed``: rows found already done). ``flip``: average
    each prediction with the one on the mirror image (:func:`flip_test`). ``boxes``:
    ``(boxes (n, 4), kinds)`` made beforehand (:mod:`.detections`), used instead of
    ``box``."""
    out = Path(out)
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
        tasks = [(dataset.ids[i], str(dataset.image_path(i)), dataset.boxes[i],
                  None if boxes is None else (boxes[0][i], boxes[1][i])) for i in todo]
        chunks = [tasks[k:k + CHUNK] for k in range(0, len(tasks), CHUNK)]

        def write(results):
            sink.write(results)
            counts.update(kind for _, _, kind in results)
            if progress:
                progress(len(results))

        if workers > 1 and len(chunks) > 1:
            with ProcessPoolExecutor(workers, initializer=_init,
                                     initargs=(name, model, source, mapping, flip)) as pool:
                for results in pool.map(_work, chunks):
                    write(results)
        else:
            for chunk in chunks:
                write(_work(chunk))
    return counts


# ------------------------------------------------- images without ground truth


def _init_found(name, model, flip, all_faces):
    """Load the adapter and its face detector (once per process and setting): a missing
    model or extra fails here."""
    key = ("found", name, None if model is None else str(model), flip, all_faces)
    if _WORKER.get("key") == key:
        return
    adapter = get_adapter(name, model)
    adapter.face_detector()   # loads the detector now: a missing extra fails here
    _WORKER.clear()
    _WORKER.update(adapter=adapter, flip=flip, all_faces=all_faces, key=key)


#: Check the adapter, its model and its detector before looking at any image.
prepare_found = _init_found


def _found_work(items):
    """Rows ``(id, points, 'detector', face, faces)`` and misses ``(id, reason)`` of
    ``(id, path or gray image)`` items."""
    w = _WORKER
    adapter = w["adapter"]
    rows, missing = [], []
    for image_id, image in items:
        if not writable_id(image_id):
            missing.append((image_id, "the id has a comma, quote or line break; rename the file"))
            continue
        try:
            gray = load_gray(image) if isinstance(image, str) else image
        except BenchError as exc:
            missing.append((image_id, str(exc).split(": ", 1)[-1]))
            continue
        found = adapter.find_faces(gray)
        if not len(found):
            missing.append((image_id, "no face found"))
            continue
        chosen = found if w["all_faces"] else found[:1]
        for face, box in enumerate(chosen):
            points = (flip_test(adapter, gray, box) if w["flip"]
                      else np.asarray(adapter.predict(gray, box), dtype=float))
            rows.append((image_id, points, "detector", face, len(chosen)))
    return rows, missing


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
    writer.writerows(sorted(missing))
    with replacing(path, "list of images without a face") as tmp:
        tmp.write_text(text.getvalue(), encoding="utf-8")


def predict_found(items, name: str, model, out, *, ids=(), all_faces: bool = False,
                  workers: int = 1, flip: bool = False, progress=None) -> Counter:
    """Predict ``(id, path or gray image)`` items (images without ground truth, e.g.
    :func:`~.sources.image_folder`) with the adapter's own face detector: the largest face
    of each image, or every face with ``all_faces``. Images where no face is found (or
    that cannot be read) get no row; they are listed with the reason in
    :func:`missing_path`. ``items`` may be a callable taking the set of ids already done
    (a resumed run) and returning the items (e.g. :meth:`~.sources.Video.frames`, which
    does not decode those). ``ids``: the ids expected, for checking the model of the rows
    kept. Returns counts: ``images`` and ``faces`` written now, ``missing``, ``resumed``."""
    out = Path(out)
    run = Run(name, "default" if model is None else model_digest(model), flip, all_faces)
    _init_found(name, model, flip, all_faces)   # a missing extra fails here, not in a worker
    counts = Counter()
    missing: list[tuple[str, str]] = []
    with RunFile.open(out, run, list(ids)) as sink:
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
                yield image_id, image

        def write(result):
            rows, misses = result
            sink.write(rows)
            missing.extend(misses)
            counts["faces"] += len(rows)
            counts["images"] += len({r[0] for r in rows})
            if progress:
                progress(len({r[0] for r in rows}) + len(misses))

        chunks = _chunked(todo(), CHUNK)
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=_init_found,
                                     initargs=(name, model, flip, all_faces)) as pool:
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
