"""Writes the golden metric cases in tests/golden/. Run from the repository root.

The faces are built here; every expected value is a hand formula written next to it
(never a call into aflfp_bench). Each case's ``derivation`` repeats the formula.
"""

import json
import math
from pathlib import Path

HERE = Path(__file__).parent


def template():
    """A 68-point face whose eye points are laid out for hand calculation:
    outer eye corners (points 37 and 46, 1-based) at (20, 30) and (80, 30), so the
    inter-ocular distance is 60; each eye's six points are symmetric about (30, 30)
    and (70, 30), so the inter-pupil distance is 40."""
    pts = [[10.0 + (k % 9) * 10.0, 50.0 + (k // 9) * 5.0] for k in range(68)]
    pts[36:42] = [[20, 30], [27, 27], [33, 27], [40, 30], [33, 33], [27, 33]]
    # iBUG order of the other eye: 43 inner corner (60, 30) ... 46 outer corner (80, 30).
    pts[42:48] = [[60, 30], [67, 27], [73, 27], [80, 30], [73, 33], [67, 33]]
    return [[float(x), float(y)] for x, y in pts]


def transform(pts, angle_deg, scale, tx, ty):
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return [[scale * (c * x - s * y) + tx, scale * (s * x + c * y) + ty] for x, y in pts]


def case(name, description, gt, pred, box, expected, derivation):
    doc = {"description": description, "box_xywh": box, "gt": gt, "pred": pred,
           "expected": expected, "derivation": derivation}
    (HERE / "nme" / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def main():
    gt = template()
    # 1. Every point shifted by (3, 4): each point error is 5.
    pred = [[x + 3, y + 4] for x, y in gt]
    case("uniform_shift", "every point moved by (3, 4); box 60 x 60",
         gt, pred, [0.0, 0.0, 60.0, 60.0],
         {"bbox/mean": 5 / 60, "bbox/frobenius": math.sqrt(68 * 25) / 60,
          "diagonal/mean": 5 / (60 * math.sqrt(2)), "inter-ocular/mean": 5 / 60,
          "inter-pupil/mean": 5 / 40, "inter-ocular/frobenius": math.sqrt(68 * 25) / 60},
         "point error 5 = sqrt(3^2+4^2); sqrt(w*h)=60, diagonal=60*sqrt(2); inter-ocular "
         "|(80,30)-(20,30)|=60; inter-pupil |(70,30)-(30,30)|=40; frobenius sqrt(68*5^2)")
    # 2. One point (the nose tip, 31 1-based) moved by (6, 8): one error of 10.
    pred = [list(p) for p in gt]
    pred[30] = [gt[30][0] + 6, gt[30][1] + 8]
    case("single_point", "only point 31 moved by (6, 8); box 90 x 40",
         gt, pred, [5.0, 5.0, 90.0, 40.0],
         {"bbox/mean": 10 / 68 / 60, "bbox/frobenius": 10 / 60,
          "diagonal/mean": 10 / 68 / math.sqrt(90 ** 2 + 40 ** 2),
          "inter-ocular/mean": 10 / 68 / 60, "inter-pupil/frobenius": 10 / 40},
         "one error of 10 among 68 points: mean 10/68; frobenius 10; sqrt(90*40)=60; "
         "diagonal sqrt(90^2+40^2)")
    # 3. A rotated (30 deg) and scaled (x2) face with errors of length 2 and 4 alternating,
    #    in rotated directions; explicit box 50 x 50.
    gt_r = transform(gt, 30, 2.0, 100.0, -20.0)
    pred_r = []
    for k, (x, y) in enumerate(gt_r):
        length = 2.0 if k % 2 == 0 else 4.0
        angle = math.radians(30 + 45 * k)
        pred_r.append([x + length * math.cos(angle), y + length * math.sin(angle)])
    case("rotated_scaled", "template rotated 30 degrees, scaled by 2; errors of length 2 and "
         "4 alternating; box 50 x 50", gt_r, pred_r, [0.0, 0.0, 50.0, 50.0],
         {"bbox/mean": 3 / 50, "bbox/frobenius": math.sqrt(34 * 4 + 34 * 16) / 50,
          "inter-ocular/mean": 3 / 120, "inter-pupil/mean": 3 / 80,
          "inter-ocular/frobenius": math.sqrt(680) / 120},
         "mean error (2+4)/2 = 3; frobenius sqrt(34*2^2 + 34*4^2) = sqrt(680); distances "
         "scale by 2: inter-ocular 120, inter-pupil 80")
    # 4. A perfect prediction.
    case("perfect", "prediction equals ground truth", gt, [list(p) for p in gt],
         [0.0, 0.0, 60.0, 60.0], {"bbox/mean": 0.0, "bbox/frobenius": 0.0, "inter-pupil/mean": 0.0},
         "no error")

    summaries = {
        "five_images": {
            "errors": [0.01, 0.02, 0.03, 0.04, 0.10], "threshold": 0.08,
            "expected": {"mean": 0.04, "std": math.sqrt(12.5) / 100, "median": 0.03,
                         "p90": 0.076, "p95": 0.088, "auc": 0.55, "fr": 0.2, "n": 5},
            "derivation": "mean 20/5 %; deviations -3,-2,-1,0,6 %: sample variance 50/4 "
                          "%^2; p90 at position 3.6: 4+0.6*6 = 7.6 %; p95 at 3.8: 8.8 %; auc = "
                          "mean(max(0, 1-e/8%)) = (0.875+0.75+0.625+0.5+0)/5 = 0.55; fr 1/5"},
        "ced_steps": {
            "errors": [0.01, 0.02, 0.05, 0.09, 0.10], "threshold": 0.08,
            "expected": {"auc": 0.4, "fr": 0.4, "n": 5},
            "ced": {"thresholds": [0.0, 0.01, 0.02, 0.05, 0.08, 0.095],
                    "fraction": [0.0, 0.2, 0.4, 0.6, 0.6, 0.8]},
            "derivation": "auc (0.875+0.75+0.375+0+0)/5 = 0.4; fr 2/5; ced counts e <= t"},
    }
    for name, doc in summaries.items():
        (HERE / "summary" / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
