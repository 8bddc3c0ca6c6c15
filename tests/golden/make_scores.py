"""Writes the golden scores document case in tests/golden/scores/. Run from the repository
root: ``python -m tests.golden.make_scores``.

Six images of three subjects, every face a grid of 68 points with a hand-made error
(a shift of all points, sometimes one point or the eyes moved more). The ground truth is
written as a manifest, the predictions as a wide CSV, and every field of the scores
document ``aflfp-bench score`` writes for them is computed here by hand formulas in
plain Python (never a call into aflfp_bench), under the default reading: NME =
||P - G||_F / sqrt(w * h) of the ground-truth box, failure threshold 0.66.
"""

import json
import math
from pathlib import Path

HERE = Path(__file__).parent / "scores"
THRESHOLD = 0.66
CED_STEPS = 80
#: iBUG-68, 1-based: the regions, and the subject's right-side points (the first of each
#: mirror pair: jaw 1-8, brow 18-22, nostrils 32-33, eye 37-42, mouth 49-51, 59-62, 68)
#: with their left-side partners, in the same order.
REGIONS = {"jaw": (1, 17), "eyebrows": (18, 27), "nose": (28, 36), "eyes": (37, 48),
           "mouth": (49, 68)}
RIGHT = [1, 2, 3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 32, 33, 37, 38, 39, 40, 41, 42, 49, 50,
         51, 60, 59, 61, 62, 68]
LEFT = [17, 16, 15, 14, 13, 12, 11, 10, 27, 26, 25, 24, 23, 36, 35, 46, 45, 44, 43, 48, 47, 55,
        54, 53, 56, 57, 65, 64, 66]
#: The protocol's folds of subjects 1, 2 and 3 (aflfp_bench/data/folds_v1.csv).
FOLDS = {"1": 3, "2": 8, "3": 10}
#: Each image: id, subject, expression, keyframe, frame, the face's offset, its box
#: (x, y, w, h), the shift of every point, and extra moves {1-based point: (dx, dy)}.
IMAGES = [
    ("1-BR-neutral", "1", "BR", "neutral", 1, (0, 0), (50, 60, 100, 64), (0.3, 0.4), {}),
    ("1-BR-peak", "1", "BR", "peak", 30, (2, 1), (52, 61, 100, 64), (0.6, 0.8), {31: (3, 4)}),
    ("2-BR-peak", "2", "BR", "peak", 28, (-3, 2), (47, 62, 100, 64), (-0.9, 1.2), {}),
    ("2-SN-peak", "2", "SN", "peak", 41, (1, -2), (51, 58, 100, 64), (6, 8), {}),
    ("3-SN-onset", "3", "SN", "onset", 12, (0, 3), (50, 63, 100, 64), (0, 0),
     {k: (1.2, -1.6) for k in range(37, 49)}),
    ("3-SN-peak", "3", "SN", "peak", 40, (4, 0), (59, 72, 90, 40), (1.5, 2.0), {}),
]
EXPRESSION_ORDER = ["BR", "SN"]          # the protocol's order of the codes present
KEYFRAME_ORDER = ["neutral", "onset", "mid", "peak"]


def face(offset):
    """A grid of 68 points, 9 per row, 12.5 px apart across and 8 px down."""
    ox, oy = offset
    return [[50.0 + ox + (k % 9) * 12.5, 60.0 + oy + (k // 9) * 8.0] for k in range(68)]


def prediction(gt, shift, extra):
    pred = [[x + shift[0], y + shift[1]] for x, y in gt]
    for k, (dx, dy) in extra.items():
        pred[k - 1] = [pred[k - 1][0] + dx, pred[k - 1][1] + dy]
    return pred


def mean(values):
    return sum(values) / len(values)


def std(values):
    """Sample standard deviation (n - 1); None (null) for a single value."""
    if len(values) < 2:
        return None
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def percentile(values, q):
    """Linear interpolation between the order statistics at rank q/100 * (n - 1)."""
    s = sorted(values)
    rank = q / 100 * (len(s) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (rank - lo) * (s[hi] - s[lo])


def stat(values):
    return {"mean": mean(values), "std": std(values), "n": len(values)}


def frobenius(diffs, points):
    """sqrt of the sum of squared displacements over ``points`` (1-based)."""
    return math.sqrt(sum(diffs[k - 1][0] ** 2 + diffs[k - 1][1] ** 2 for k in points))


def main():
    HERE.mkdir(parents=True, exist_ok=True)
    gts, preds = [], []
    for _, _, _, _, _, offset, _, shift, extra in IMAGES:
        gts.append(face(offset))
        preds.append([[round(v, 6) for v in p] for p in prediction(gts[-1], shift, extra)])

    header = {"name": "golden-six", "root": "images", "synthetic": False, "version": 1}
    columns = (["image_id", "subject", "expression", "keyframe", "frame", "fold", "image",
                "width", "height", "box_x", "box_y", "box_w", "box_h"]
               + [f"{a}{k}" for k in range(68) for a in "xy"])
    lines = [f"# aflfp-bench-manifest {json.dumps(header, sort_keys=True)}", ",".join(columns)]
    for (iid, subj, expr, key, frame, _, box, _, _), gt in zip(IMAGES, gts):
        lines.append(",".join([iid, subj, expr, key, str(frame), str(FOLDS[subj]),
                               f"{subj}/{iid}.jpg", "200", "200", *map(str, box),
                               *(repr(v) for p in gt for v in p)]))
    (HERE / "gt.csv").write_text("\n".join(lines) + "\n")
    rows = ["image_id," + ",".join(f"x{k},y{k}" for k in range(68))]
    rows += [iid + "," + ",".join(repr(v) for p in pred for v in p)
             for (iid, *_), pred in zip(IMAGES, preds)]
    (HERE / "preds.csv").write_text("\n".join(rows) + "\n")

    all_points = range(1, 69)
    diffs = [[[p[0] - g[0], p[1] - g[1]] for p, g in zip(pred, gt)] for pred, gt in zip(preds, gts)]
    d = [math.sqrt(box[2] * box[3]) for *_, box, _, _ in IMAGES]
    nme = [frobenius(e, all_points) / di for e, di in zip(diffs, d)]
    dist = [[math.hypot(*v) for v in e] for e in diffs]
    per_point = [mean(row) / di for row, di in zip(dist, d)]

    def by(label):
        groups = {}
        for value, image in zip(nme, IMAGES):
            groups.setdefault(str(label(image)), []).append(value)
        return groups

    expressions, keyframes, folds = by(lambda i: i[2]), by(lambda i: i[3]), by(lambda i: FOLDS[i[1]])
    thresholds = [THRESHOLD * j / CED_STEPS for j in range(CED_STEPS + 1)]
    n = len(nme)
    expected = {
        "schema": {"name": "aflfp-bench/scores", "version": 3},
        "protocol": "aflfp-v1",
        "dataset": {"name": "golden-six", "synthetic": False, "n_images": n},
        "predictions": {"name": "preds.csv", "format": "wide", "markup": "ibug68", "notes": []},
        "settings": {"norm": "bbox", "agg": "frobenius",
                     "reading": "NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of "
                                "the 68x2 error matrix)",
                     "threshold": THRESHOLD, "std_ddof": 1, "percentiles": "linear"},
        "n_images": n,
        "coverage": {"n_expected": n, "n_scored": n, "fraction": 1.0},
        "overall": {"mean": mean(nme), "std": std(nme), "median": percentile(nme, 50),
                    "p90": percentile(nme, 90), "p95": percentile(nme, 95),
                    "auc": mean([max(0.0, 1 - e / THRESHOLD) for e in nme]),
                    "fr": sum(e > THRESHOLD for e in nme) / n, "n": n},
        "per_point_mean": {**stat(per_point),
                           "reading": "NME = mean_k ||p_k - g_k|| / sqrt(w*h) (per-point mean, "
                                      "the 300-W convention)"},
        "offset_px": [mean([v[0] for e in diffs for v in e]), mean([v[1] for e in diffs for v in e])],
        "diagnostics": [],
        "by_expression": {k: stat(expressions[k]) for k in EXPRESSION_ORDER},
        "by_keyframe": {k: stat(keyframes[k]) for k in KEYFRAME_ORDER if k in keyframes},
        "by_fold": {k: stat(folds[k]) for k in sorted(folds, key=int)},
        "by_region": {name: stat([frobenius(e, range(a, b + 1)) / di for e, di in zip(diffs, d)])
                      for name, (a, b) in REGIONS.items()},
        "by_side": {side: stat([frobenius(e, points) / di for e, di in zip(diffs, d)])
                    for side, points in (("right", sorted(RIGHT)), ("left", sorted(LEFT)))},
        "by_landmark": [mean([row[k] / di for row, di in zip(dist, d)]) for k in range(68)],
        "gt_mean_shape": [[mean([(gt[k][a] - box[a]) / box[2 + a]
                                 for gt, (*_, box, _, _) in zip(gts, IMAGES)]) for a in (0, 1)]
                          for k in range(68)],
        "ced": {"thresholds": thresholds,
                "fraction": [sum(e <= t for e in nme) / n for t in thresholds]},
        "per_image": {"image_id": [i[0] for i in IMAGES], "subject": [i[1] for i in IMAGES],
                      "expression": [i[2] for i in IMAGES], "keyframe": [i[3] for i in IMAGES],
                      "fold": [FOLDS[i[1]] for i in IMAGES], "nme": nme},
    }
    case = {
        "description": __doc__.split("\n\n")[1].replace("\n", " "),
        "command": "aflfp-bench score preds.csv --data gt.csv --json scores.json",
        "expected": expected,
        "not_checked": {
            "toolkit": "the version of the toolkit that wrote it",
            "dataset.source": "the manifest's path as given",
            "dataset.fingerprint": "SHA-256 of the ground truth's canonical content "
                                   "(tests/test_ground_truth.py)",
            "clinical": "the clinical section (tests/golden/clinical/ and tests/test_fidelity.py)",
        },
    }
    (HERE / "expected.json").write_text(json.dumps(case, indent=1) + "\n")
    print(f"wrote {HERE}")


if __name__ == "__main__":
    main()
