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
          "bbox/spectral": math.sqrt(68 * 25) / 60,
          "diagonal/mean": 5 / (60 * math.sqrt(2)), "inter-ocular/mean": 5 / 60,
          "inter-pupil/mean": 5 / 40, "inter-ocular/frobenius": math.sqrt(68 * 25) / 60},
         "point error 5 = sqrt(3^2+4^2); sqrt(w*h)=60, diagonal=60*sqrt(2); inter-ocular "
         "|(80,30)-(20,30)|=60; inter-pupil |(70,30)-(30,30)|=40; frobenius sqrt(68*5^2); "
         "every row of E is (3, 4): E has rank 1, so its one singular value is its Frobenius norm")
    # 2. One point (the nose tip, 31 1-based) moved by (6, 8): one error of 10.
    pred = [list(p) for p in gt]
    pred[30] = [gt[30][0] + 6, gt[30][1] + 8]
    case("single_point", "only point 31 moved by (6, 8); box 90 x 40",
         gt, pred, [5.0, 5.0, 90.0, 40.0],
         {"bbox/mean": 10 / 68 / 60, "bbox/frobenius": 10 / 60,
          "diagonal/mean": 10 / 68 / math.sqrt(90 ** 2 + 40 ** 2),
          "inter-ocular/mean": 10 / 68 / 60, "inter-pupil/frobenius": 10 / 40,
          "bbox/spectral": 10 / 60},
         "one error of 10 among 68 points: mean 10/68; frobenius 10; sqrt(90*40)=60; "
         "diagonal sqrt(90^2+40^2); E has one non-zero row: spectral norm = its length 10")
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
         [0.0, 0.0, 60.0, 60.0], {"bbox/mean": 0.0, "bbox/frobenius": 0.0, "inter-pupil/mean": 0.0,
                                  "bbox/spectral": 0.0},
         "no error")
    # 5. Two points with the error matrix E = [[3, 0], [0, 4]]: E'E = diag(9, 16), singular
    #    values 4 and 3.
    two = [[10.0, 10.0], [20.0, 15.0]]
    case("two_points_diagonal", "two points, errors (3, 0) and (0, 4); box 10 x 10",
         two, [[13.0, 10.0], [20.0, 19.0]], [10.0, 10.0, 10.0, 10.0],
         {"bbox/spectral": 4 / 10, "bbox/frobenius": 5 / 10, "bbox/mean": 3.5 / 10},
         "E = [[3,0],[0,4]]: singular values sqrt of the eigenvalues of diag(9,16) = 4, 3; "
         "spectral 4, frobenius sqrt(9+16) = 5, mean (3+4)/2")
    # 6. Two points with parallel errors (1, 1) and (-2, -2): E = [1, -2]' (1, 1) has rank 1,
    #    singular value |(1,-2)| * |(1,1)| = sqrt(5) * sqrt(2).
    case("two_points_rank_one", "two points, errors (1, 1) and (-2, -2); box 4 x 9",
         two, [[11.0, 11.0], [18.0, 13.0]], [0.0, 0.0, 4.0, 9.0],
         {"bbox/spectral": math.sqrt(10) / 6, "bbox/frobenius": math.sqrt(2 + 8) / 6,
          "bbox/mean": (math.sqrt(2) + math.sqrt(8)) / 2 / 6},
         "E = u v' with u = (1,-2), v = (1,1): one singular value |u||v| = sqrt(10) = the "
         "Frobenius norm sqrt(1+1+4+4); sqrt(4*9) = 6; mean (sqrt2 + 2 sqrt2)/2")
    # 7. The template rotated by 30 degrees and scaled by 2, with errors U R' where R is the
    #    same rotation and U's rows are (3, 0) for even and (0, 4) for odd points: rotating
    #    E's rows leaves its singular values, those of U: U'U = diag(34*9, 34*16).
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    gt_r = transform(gt, 30, 2.0, 100.0, -20.0)
    pred_u = []
    for k, (x, y) in enumerate(gt_r):
        ux, uy = (3.0, 0.0) if k % 2 == 0 else (0.0, 4.0)
        pred_u.append([x + c * ux - s * uy, y + s * ux + c * uy])
    case("rotated_scaled_spectral", "template rotated 30 degrees, scaled by 2; errors (3, 0) "
         "and (0, 4) alternating, rotated by 30 degrees; box 50 x 50", gt_r, pred_u,
         [0.0, 0.0, 50.0, 50.0],
         {"bbox/spectral": 4 * math.sqrt(34) / 50, "bbox/frobenius": 5 * math.sqrt(34) / 50,
          "bbox/mean": 3.5 / 50, "inter-ocular/spectral": 4 * math.sqrt(34) / 120},
         "singular values of E = U R': those of U, sqrt(34*16) = 4 sqrt(34) and sqrt(34*9); "
         "frobenius sqrt(34*9 + 34*16) = 5 sqrt(34); mean (3+4)/2; inter-ocular 2*60")

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


def heatmap_cases():
    """Heatmap decoding: tiny maps whose decoded point follows from the definitions."""
    def grid(h, w, fill):
        return [[fill for _ in range(w)] for _ in range(h)]

    small = math.exp(-8.0)
    # Quadratic: log-responses around the argmax (2, 2): left -1, centre 0, right -0.5 give
    # the vertex offset 0.5 * (L - R) / (L - 2C + R) = 0.5 * (-0.5) / (-1.5) = +1/6 in x;
    # above and below both -0.3 give 0 in y.
    q = grid(5, 5, small)
    q[2][2], q[2][1], q[2][3] = 1.0, math.exp(-1.0), math.exp(-0.5)
    q[1][2] = q[3][2] = math.exp(-0.3)
    # At the map's edge there is no neighbour on one side: no refinement on that axis.
    e = grid(5, 5, small)
    e[3][0], e[3][1], e[2][0], e[4][0] = 1.0, math.exp(-0.2), math.exp(-1.0), math.exp(-0.5)
    # Top 25: a 5 x 5 block of the 25 largest values in rows 1-5, columns 2-6 of a 7 x 7
    # map; their mean position is x = (2+3+4+5+6)/5 = 4, y = (1+...+5)/5 = 3.
    t = grid(7, 7, 0.0)
    for i in range(1, 6):
        for j in range(2, 7):
            t[i][j] = 1.0 + 0.01 * (i * 7 + j)
    cases = {
        "quadratic_offset": {"decoding": "quadratic", "heatmap": q, "expected": [2 + 1 / 6, 2.0],
                             "derivation": "x: 2 + 0.5*(-1-(-0.5))/(-1-0-0.5) = 2 + 1/6; y: "
                                           "equal neighbours, offset 0"},
        "quadratic_edge": {"decoding": "quadratic", "heatmap": e,
                           "expected": [0.0, 3 + 0.5 * (-1.0 + 0.5) / (-1.0 - 0.5)],
                           "derivation": "argmax at column 0: no x refinement; y: 3 + "
                                         "0.5*(-1-(-0.5))/(-1-0-0.5) = 3 + 1/6"},
        "top25_block": {"decoding": "top25", "heatmap": t, "expected": [4.0, 3.0],
                        "derivation": "mean column of columns 2..6 is 4; mean row of rows 1..5 "
                                      "is 3"},
    }
    for name, doc in cases.items():
        (HERE / "heatmaps" / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def clinical_cases():
    """Facial measures of hand-built faces and ICC(2,1) examples."""
    face = template()                        # eyes: corners at y = 30, lids 3 px off it
    # Left eye half closed: its lids at y = 28.5 and 31.5 (opening 3 instead of 6).
    for k in (43, 44):
        face[k][1] = 28.5
    for k in (46, 47):
        face[k][1] = 31.5
    # Mouth: right corner (49, 1-based) at (35, 70), left corner (55) at (65, 66), lower
    # lip midpoint (58) at (50, 75). The eye line is y = 30 (eye centres (30, 30) and
    # (70, 30)); the inter-ocular distance |37-46| is 60.
    face[48], face[54], face[57] = [35.0, 70.0], [65.0, 66.0], [50.0, 75.0]
    iod = 60.0
    expected = {
        "fissure_height": [6 / iod * 100, 3 / iod * 100],
        "fissure_width": [20 / iod * 100, 20 / iod * 100],
        "commissure_height": [40 / iod * 100, 36 / iod * 100],
        "commissure_excursion": [math.hypot(15, 5) / iod * 100, math.hypot(15, 9) / iod * 100],
        "smile_angle": [math.degrees(math.atan2(5, 15)), math.degrees(math.atan2(9, 15))],
    }
    doc = {"description": "template face, left eye half closed, asymmetric mouth",
           "points": face, "expected_right_left": expected,
           "expected_fissure_ratio": 0.5, "expected_fissure_difference": -5.0,
           "derivation": "fissure heights 6 and 3 px over IOD 60 -> 10 and 5 %; ratio 3/6; "
                         "commissure heights 70-30 and 66-30 px; excursions hypot(15, 5) and "
                         "hypot(15, 9); smile angles atan(5/15) and atan(9/15) above the eye line"}
    (HERE / "clinical" / "half_closed_eye.json").write_text(json.dumps(doc, indent=1) + "\n")
    # ICC(2,1), two raters, y = x + 1 on x = 1..4: row means 1.5..4.5 about 3 give
    # SSR = 2*(2.25+0.25+0.25+2.25) = 10, MSR = 10/3; column means 2.5, 3.5 give SSC = 4*0.5
    # = 2, MSC = 2; SST = 12 so SSE = 0. ICC = MSR / (MSR + 2*MSC/4) = (10/3)/(13/3) = 10/13.
    iccs = {
        "icc_shift": {"ratings": [[1, 2], [2, 3], [3, 4], [4, 5]], "expected": 10 / 13,
                      "derivation": "MSR 10/3, MSC 2, MSE 0: (10/3) / (10/3 + 2*2/4) = 10/13"},
        # Shrout and Fleiss (1979), Table 2: 6 targets, 4 judges; their ICC(2,1) = 0.29.
        # From their ANOVA: BMS 11.24, JMS 32.49, EMS 1.02:
        # (11.24 - 1.02) / (11.24 + 3*1.02 + 4*(32.49 - 1.02)/6) = 0.2898.
        "icc_shrout_fleiss": {"ratings": [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6],
                                          [10, 5, 6, 9], [6, 2, 4, 7]],
                              "expected": 0.2898, "tolerance": 1e-3,
                              "derivation": "published ANOVA mean squares BMS 11.24, JMS 32.49, "
                                            "EMS 1.02 of Shrout and Fleiss (1979) Table 2"},
    }
    for name, doc in iccs.items():
        (HERE / "clinical" / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
    heatmap_cases()
    clinical_cases()
