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
from .errors import BenchError

NORMAL, PALSY = "Normal face", "Palsy face"


def _draw(dataset: Dataset, n: int, seed: int) -> Dataset:
    if len(dataset) <= n:
        return dataset
    keep = np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))
    return dataset.subset(keep)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".method.json")


def _check_resumable(path: Path, name: str) -> None:
    """A prediction file is resumed only by a run of the same method (adapter and flip
    test): the sidecar written before its first row must name the same method."""
    side = _sidecar(path)
    if path.is_file() and side.is_file():
        try:
            made = json.loads(side.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError) as exc:
            raise BenchError(f"{side}: bad sidecar ({exc})") from None
        if made != name:
            raise BenchError(f"{path} holds predictions of {made!r}, not {name!r}: use another "
                             "output folder or delete the prediction files")


def table3(normal: Dataset, data: Dataset, adapter: str, outdir, *, folds=None, box: str = "gt",
           workers: int = 1, flip: bool = False, seed: int = 0, progress=None, log=None,
           **options) -> dict:
    """Run the experiment; returns ``{"n_train": n, "folds": [...], "files": {...}}``.
    ``flip``: both conditions predict with the flip test (:func:`.runner.flip_test`),
    and their names say so."""
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
    for condition, path in files.items():
        _check_resumable(path, names[condition])
    for condition, path in files.items():
        write_text(_sidecar(path), json.dumps({"name": names[condition],
                                               "condition": condition}) + "\n", "sidecar")
    suffix = getattr(cls, "model_suffix", ".npz")
    train_box = "gt" if box == "auto" else box
    normal_model = outdir / f"normal{suffix}"
    if not normal_model.is_file():
        if log:
            log(f"{NORMAL}: training {adapter} on {n} of {len(normal)} images of {normal.label}")
        runner.train(_draw(normal, n, seed), adapter, normal_model, box=train_box, log=log,
                     seed=seed, **options)
    for k in chosen:
        test = data.subset(fold == k)
        pool = pools[k]
        if set(pool.meta["subject"]) & set(test.meta["subject"]):
            raise BenchError(f"fold {k}: a subject is both in training and test")
        palsy_model = outdir / f"palsy.fold{k}{suffix}"
        if not palsy_model.is_file():
            if log:
                log(f"{PALSY}, fold {k}: training {adapter} on {n} of {len(pool)} images of "
                    f"{pool.meta['subject'].nunique()} subjects")
            runner.train(_draw(pool, n, seed + k), adapter, palsy_model, box=train_box, log=log,
                         seed=seed, **options)
        for model, out in ((normal_model, files[NORMAL]), (palsy_model, files[PALSY])):
            runner.predict(test, adapter, model, out, box="auto", workers=workers, flip=flip,
                           progress=progress)
    return {"n_train": n, "folds": chosen, "files": files}


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
