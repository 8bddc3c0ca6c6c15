"""The paper's Table 3 experiment: the same detector trained on normal faces or on palsy
faces, tested on held-out AFLFP subjects.

For each chosen fold ``k`` of the protocol, the held-out subjects of fold ``k`` are the
test set. The *palsy-face* model of fold ``k`` trains on ``n`` images drawn (seeded) from
the other folds' subjects; the *normal-face* model trains once on ``n`` images drawn from
the normal faces (e.g. 300-W), where ``n`` is the smaller of the normal set's size and the
smallest training pool of the chosen folds, so both conditions always see the same number
of training images (the paper balances the sizes). Both models predict every test image;
the two out-of-fold prediction files are tagged with their condition (sidecars
``<stem>.method.json``) and reported together as Table 3 with the subject-paired test.

Outputs in OUTDIR: ``normal.csv``, ``palsy.csv`` (+ sidecars), the models
(``normal<suffix>``, ``palsy.fold<k><suffix>``), ``table3.txt``, ``table3.md`` and
``report.html``. A re-run reuses finished models and resumes the prediction files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import runner
from .atomic import write_text
from .baselines.base import adapter_class
from .dataset import Dataset
from .detections import detect_all, fold_boxes
from .errors import BenchError
from .runfile import check_file

NORMAL, PALSY = "Normal face", "Palsy face"


def _draw(size: int, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` of ``size`` images drawn with ``seed`` (all of them when fewer)."""
    if size <= n:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, n, replace=False))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".method.json")


def table3(normal: Dataset, data: Dataset, adapter: str, outdir, *, folds=None,
           box: str = "auto", workers: int = 1, flip: bool = False, seed: int = 0,
           progress=None, log=None, **options) -> dict:
    """Run the experiment; returns ``{"n_train": n, "folds": [...], "files": {...}}``.
    ``flip``: both conditions predict with the flip test (:func:`.runner.flip_test`),
    and their names say so. ``box``: :func:`.runner.protocol_box` of the AFLFP data, used
    for both conditions (detections made once per dataset, kept in OUTDIR)."""
    cls = adapter_class(adapter)
    if not cls.trainable:
        raise BenchError(f"adapter {adapter!r} is pretrained: Table 3 needs a trainable one")
    runner.check_folds(data)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fold = data.meta["fold"].to_numpy()
    chosen = sorted(set(fold.tolist())) if folds is None else sorted(set(folds))
    unknown = sorted(set(chosen) - set(fold.tolist()))
    if unknown:
        raise BenchError(f"fold(s) {unknown} have no images in {data.label}")
    pools = {k: data.subset(fold != k) for k in chosen}
    n = min([len(normal)] + [len(p) for p in pools.values()])
    if n == 0:
        raise BenchError("no training images: the normal set or a fold's training pool is empty")
    files = {NORMAL: outdir / "normal.csv", PALSY: outdir / "palsy.csv"}
    names = {c: f"{adapter} ({c.lower()}s{', flip test' if flip else ''})" for c in files}
    for path in files.values():
        check_file(path, adapter, flip)  # before anything is trained or written
    for condition, path in files.items():
        write_text(_sidecar(path), json.dumps({"name": names[condition],
                                               "condition": condition}) + "\n", "sidecar")
    suffix = getattr(cls, "model_suffix", ".npz")
    box = runner.protocol_box(data, box)
    raw = raw_normal = None
    if box == "detector":
        if log:
            log(f"face boxes: {cls.detector} detector on every image (detections-*.csv)")
        raw = detect_all(data, cls.detector, outdir / "detections-palsy.csv", workers=workers)
        raw_normal = detect_all(normal, cls.detector, outdir / "detections-normal.csv",
                                workers=workers)
    normal_model = outdir / f"normal{suffix}"
    drawn = _draw(len(normal), n, seed)
    if not normal_model.is_file():
        if log:
            log(f"{NORMAL}: training {adapter} on {n} of {len(normal)} images of {normal.label}")
        runner.train(normal.subset(drawn), adapter, normal_model, box=box, log=log, seed=seed,
                     boxes=_train_boxes(raw_normal, normal, drawn, cls.detector), **options)
    for k in chosen:
        test_mask = fold == k
        test = data.subset(test_mask)
        pool = pools[k]
        if set(pool.meta["subject"]) & set(test.meta["subject"]):
            raise BenchError(f"fold {k}: a subject is both in training and test")
        palsy_model = outdir / f"palsy.fold{k}{suffix}"
        pool_index = np.flatnonzero(~test_mask)[_draw(len(pool), n, seed + k)]
        if not palsy_model.is_file():
            if log:
                log(f"{PALSY}, fold {k}: training {adapter} on {n} of {len(pool)} images of "
                    f"{pool.meta['subject'].nunique()} subjects")
            runner.train(data.subset(pool_index), adapter, palsy_model, box=box, log=log,
                         seed=seed, boxes=_train_boxes(raw, data, pool_index, cls.detector),
                         **options)
        given = None
        if raw is not None:
            # Test images without a detection get the ground-truth box mapped by the
            # mapping each model learnt on its own training faces.
            given = {}
            for model in (normal_model, palsy_model):
                mapping = runner.box_mapping_of(runner.load_adapter(adapter, model))
                mapped = np.array([mapping.apply(b) for b in test.boxes]).reshape(-1, 4)
                hit = np.isfinite(raw[test_mask][:, 0])
                given[model] = (np.where(hit[:, None], raw[test_mask], mapped),
                                ["detector" if h else "fallback" for h in hit])
        for model, out in ((normal_model, files[NORMAL]), (palsy_model, files[PALSY])):
            runner.predict(test, adapter, model, out, box=box, workers=workers, flip=flip,
                           boxes=None if given is None else given[model], progress=progress)
    return {"n_train": n, "folds": chosen, "files": files, "box": box}


def _train_boxes(raw, dataset: Dataset, index: np.ndarray, kind: str):
    """(boxes, mapping) of the drawn training images from the dataset's detections, or None
    for ground-truth boxes."""
    if raw is None:
        return None
    train = np.zeros(len(dataset), bool)
    train[index] = True
    boxes, _, mapping = fold_boxes(raw, dataset.boxes, train, kind)
    return boxes[index], mapping


def write_report(files: dict, data: Dataset, outdir, **report_options):
    """Table 3 (and the Table 2 rows of both models) as text, Markdown and HTML."""
    from . import tables
    from .html import write_html
    from .report import build_report
    from .results import load_results

    results = load_results([str(files[NORMAL]), str(files[PALSY])], dataset=data,
                           allow_missing=True)
    model = build_report(results, **report_options)
    outdir = Path(outdir)
    text = tables.report_text(model)
    write_text(outdir / "table3.txt", text, "report")
    write_text(outdir / "table3.md", tables.report_markdown(model), "report")
    write_html(model, outdir / "report.html")
    return text
