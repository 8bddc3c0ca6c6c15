"""Orchestration of adapters over datasets: the paper's subject-independent k-fold CV."""

from __future__ import annotations

import numpy as np

from .baselines.base import adapter_class
from .dataset import Dataset
from .errors import BenchError


def cross_validate(dataset: Dataset, adapter: str, *, folds=None, progress=None) -> np.ndarray:
    """Out-of-fold predictions ``(n, 68, 2)``: for each fold, fit on the other folds'
    subjects and predict the held-out subjects. Refuses if a subject spans two folds."""
    meta = dataset.meta
    spans = meta.groupby("subject")["fold"].nunique()
    if (spans > 1).any():
        raise BenchError(f"subject {spans[spans > 1].index[0]!r} is in more than one fold")
    cls = adapter_class(adapter)
    fold = meta["fold"].to_numpy()
    chosen = sorted(set(fold.tolist())) if folds is None else list(folds)
    out = np.full(dataset.points.shape, np.nan)
    for k in chosen:
        test = fold == k
        train = ~test
        if not test.any() or not train.any():
            raise BenchError(f"fold {k} leaves no test or no training images")
        if set(meta.loc[test, "subject"]) & set(meta.loc[train, "subject"]):
            raise BenchError(f"fold {k}: a subject is both in training and test")
        model = cls()
        model.fit(dataset.subset(train))
        if not cls.needs_image and hasattr(model, "predict_boxes"):
            out[test] = model.predict_boxes(dataset.boxes[test])
        else:
            raise BenchError(f"adapter {adapter!r} needs images; 'aflfp-bench cv' comes later")
        progress and progress(1)
    return out
