"""False-alarm and detection rates of the mistake diagnostics on given prediction files.

:func:`rates` takes clean prediction files (real detectors' on real faces, or the
synthetic baselines'), makes each mistake on purpose (:data:`MADE`: the way a user makes
it, e.g. coordinates normalised to the detector's box, not the ground truth's), and
counts, over whole files and over random subsets of images, how often
:func:`aflfp_bench.scoring.diagnostics.diagnose` flags a clean file (a false alarm) and names the
mistake made (a detection). Used by ``experiments.diagnostics_real_faces`` and, for the
synthetic baselines, by ``python -m experiments.diagnostics_rates --synthetic``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from aflfp_bench.protocol import mirror_index
from aflfp_bench.protocol.markup import WFLW98_TO_IBUG68
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.scoring.diagnostics import diagnose
from aflfp_bench.scoring.metrics import aggregate, normalizer


def _detector_boxes(gt_boxes: np.ndarray, rng) -> np.ndarray:
    """Boxes as a face detector would give them: the tight box grown by 10-30% and moved
    by up to 5% of its size."""
    grow = rng.uniform(1.1, 1.3, (len(gt_boxes), 1))
    size = gt_boxes[:, 2:] * grow
    centre = gt_boxes[:, :2] + gt_boxes[:, 2:] / 2 + rng.uniform(-0.05, 0.05, size.shape) * size
    return np.c_[centre - size / 2, size]


def _wflw_cut(p: np.ndarray) -> np.ndarray:
    """The first 68 points of the WFLW-98 layout holding ``p``: the iBUG points at their
    WFLW indices, the points iBUG lacks in between (contour midpoints, a lower brow edge
    a little below the upper one, the eye points between their neighbours)."""
    w = np.zeros((len(p), 98, 2))
    w[:, WFLW98_TO_IBUG68] = p
    w[:, 1:32:2] = (w[:, 0:31:2] + w[:, 2:33:2]) / 2
    brow = np.linalg.norm(p[:, 36] - p[:, 45], axis=1)[:, None] * 0.04
    for upper, lower in ((37, 38), (36, 39), (35, 40), (34, 41), (45, 47), (44, 48), (43, 49),
                         (42, 50)):
        w[:, lower] = w[:, upper] + np.c_[np.zeros(len(p)), brow]
    for k in (62, 66, 70, 74):
        w[:, k] = (w[:, k - 1] + w[:, k + 1 if k not in (66, 74) else k - 6]) / 2
    return w[:, :68]


def _made(p, sizes, boxes):
    """{mistake key: the clean predictions ``p`` with that mistake made}."""
    o, b = boxes[:, None, :2], boxes[:, None, 2:]
    margin = 0.1 * b
    return {
        "mirrored": p[:, mirror_index()],
        "xy-swapped": p[..., ::-1],
        "wflw98-order": _wflw_cut(p),
        "image-01": p / sizes[:, None, :],
        "image-11": 2 * p / sizes[:, None, :] - 1,
        "box-01": (p - o) / b,
        "box-11": 2 * (p - o) / b - 1,
        "crop-frame": p - (o - margin),
        "one-based": p + 1,
        "zero-based": p - 1,
        "scale": p * 0.5,
        "scale x2": p * 2,
    }


def _diagnosed(gt, pred, d, boxes, sizes) -> str | None:
    found = diagnose(gt, pred, d=d, aggregate=lambda e: aggregate(e, agg="frobenius"),
                     boxes=boxes, sizes=sizes)
    return found[0].mistake if found else None


def rates(files: dict, *, draws: int = 200, subset: int = 50, rng=None) -> dict:
    """Print and return the rates. ``files``: {(detector, set): (dataset, prediction
    file)}."""
    rng = rng or np.random.default_rng(0)
    alarms: dict[str, list[int]] = {"file": [0, 0], "subset": [0, 0]}
    found: dict[str, dict[str, list[int]]] = {}
    alarm_files = []
    for (detector, name), (dataset, path) in sorted(files.items()):
        points = read_predictions(path, dataset).points
        sizes = dataset.meta[["width", "height"]].to_numpy(dtype=float)
        det_boxes = _detector_boxes(dataset.boxes, rng)
        d = normalizer(dataset.points, norm="bbox", boxes=dataset.boxes)
        picks = [("file", np.arange(len(dataset)))]
        picks += [("subset", rng.choice(len(dataset), min(subset, len(dataset)), replace=False))
                  for _ in range(draws)]
        for kind, idx in picks:
            gt, p, args = dataset.points[idx], points[idx], (d[idx], dataset.boxes[idx],
                                                             sizes[idx])
            clean = _diagnosed(gt, p, *args)
            alarms[kind][0] += clean is not None
            alarms[kind][1] += 1
            if clean is not None and kind == "file":
                alarm_files.append(f"{detector} on {name}: {clean}")
            for key, wrong in _made(p, sizes[idx], det_boxes[idx]).items():
                want = key.split(" ")[0]
                counts = found.setdefault(key, {"file": [0, 0], "subset": [0, 0]})[kind]
                counts[0] += _diagnosed(gt, wrong, *args) == want
                counts[1] += 1
    print(f"false alarms: whole files {alarms['file'][0]}/{alarms['file'][1]}, subsets of "
          f"{subset} images {alarms['subset'][0]}/{alarms['subset'][1]}")
    for line in alarm_files:
        print(f"  flagged: {line}")
    print("detections (the mistake made named), whole files and subsets:")
    for key, counts in found.items():
        f, s = counts["file"], counts["subset"]
        print(f"  {key:13s} {f[0]}/{f[1]} files ({100 * f[0] / f[1]:.0f}%), {s[0]}/{s[1]} "
              f"subsets ({100 * s[0] / s[1]:.0f}%)")
    return {"alarms": alarms, "found": found}


def _synthetic_files(results: Path) -> dict:
    from aflfp_bench.reading.config import default_data
    from aflfp_bench.reading.loaders import load_dataset

    configured = default_data()
    if configured is None:
        raise SystemExit("no ground truth configured: run 'aflfp-bench demo' first")
    dataset = load_dataset(configured.path)
    files = {(p.name.split(".")[0], dataset.name): (dataset, p)
             for p in sorted(results.glob("*.synthetic.csv"))}
    if not files:
        raise SystemExit(f"no *.synthetic.csv in {results}: run 'aflfp-bench demo' first")
    return files


def main() -> None:
    from aflfp_bench.reading.userdirs import cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true",
                    help="the demo's baselines on the demo's set (the configured default)")
    ap.add_argument("--results", type=Path, default=None,
                    help="the demo's results folder [default: the cache's]")
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--subset", type=int, default=50)
    args = ap.parse_args()
    if not args.synthetic:
        raise SystemExit("give --synthetic (real faces: python -m "
                         "experiments.diagnostics_real_faces)")
    rates(_synthetic_files(args.results or cache_dir() / "results"), draws=args.draws,
          subset=args.subset)


if __name__ == "__main__":
    main()
