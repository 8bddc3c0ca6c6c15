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


def hand_face():
    """The template's eyes (eye line y = 30, eye centres (30, 30) and (70, 30): the face
    frame's origin is (50, 30) and its axes the image's, so face-frame x = X - 50 and
    y = Y - 30; the inter-ocular distance |37-46| is 60) with hand-placed brows and mouth.

    Brows: right 18-22 through (24, 16) and (36, 14) around the right eye centre's x = 30;
    left 23-27 from (72, 18) outwards, wholly beyond the left eye centre's x = 70.
    Mouth (1-based): corners 49 (20, 70) and 55 (84, 64); outer lower contour 49, 60 (30,
    76), 59 (40, 80), 58 (42, 80), 57 (58, 78), 56 (76, 74), 55; outer upper 49, 50 (30,
    64), 51 (40, 60), 52 (47, 61), 53 (60, 62), 54 (74, 60), 55; inner upper 61 (24, 70),
    62 (30, 66), 63 (40, 64), 64 (60, 65), 65 (74, 67); inner lower 61, 68 (30, 72),
    67 (40, 72), 66 (60, 63), 65."""
    face = template()
    face[17:27] = [[14, 20], [24, 16], [36, 14], [42, 16], [46, 18],
                   [72, 18], [76, 16], [80, 14], [86, 14], [90, 16]]
    face[48:60] = [[20, 70], [30, 64], [40, 60], [47, 61], [60, 62], [74, 60], [84, 64],
                   [76, 74], [58, 78], [42, 80], [40, 80], [30, 76]]
    face[60:68] = [[24, 70], [30, 66], [40, 64], [60, 65], [74, 67], [60, 63], [40, 72], [30, 72]]
    return [[float(x), float(y)] for x, y in face]


def pct(px, iod=60.0):
    return px / iod * 100


def scaled(face, factor, cx=50.0, cy=30.0):
    return [[cx + factor * (x - cx), cy + factor * (y - cy)] for x, y in face]


def icc_by_hand(table, level=0.95):
    """ICC(2,1) and its McGraw and Wong (1996, Table 7, ICC(A,1)) interval, written out:
    the mean squares of the two-way ANOVA from sums of squares, the F quantiles from
    scipy (an independent route)."""
    from scipy.stats import f

    n, k = len(table), len(table[0])
    grand = sum(sum(row) for row in table) / (n * k)
    row_means = [sum(row) / k for row in table]
    col_means = [sum(row[j] for row in table) / n for j in range(k)]
    sst = sum((x - grand) ** 2 for row in table for x in row)
    ssr = k * sum((m - grand) ** 2 for m in row_means)
    ssc = n * sum((m - grand) ** 2 for m in col_means)
    msr, msc, mse = ssr / (n - 1), ssc / (k - 1), (sst - ssr - ssc) / ((n - 1) * (k - 1))
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a = k * icc / (n * (1 - icc))
    b = 1 + k * icc * (n - 1) / (n * (1 - icc))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    q = 1 - (1 - level) / 2
    f_star, f_lower = f.ppf(q, n - 1, v), f.ppf(q, v, n - 1)
    lo = n * (msr - f_star * mse) / (f_star * (k * msc + (k * n - k - n) * mse) + n * msr)
    hi = n * (f_lower * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_lower * msr)
    return {"msr": msr, "msc": msc, "mse": mse, "v": v, "icc": icc, "interval": [lo, hi]}


def clinical_cases():
    """Facial measures of hand-built faces and ICC(2,1) examples."""
    out = HERE / "clinical"

    def write(name, doc):
        (out / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")

    face = template()                        # eyes: corners at y = 30, lids 3 px off it
    face[17:27] = hand_face()[17:27]
    # Left eye half closed: its lids at y = 28.5 and 31.5 (opening 3 instead of 6).
    for k in (43, 44):
        face[k][1] = 28.5
    for k in (46, 47):
        face[k][1] = 31.5
    # Mouth: right corner (49, 1-based) at (35, 70), left corner (55) at (65, 66), lower
    # lip midpoint (58) at (50, 75), on the midline x = 50 - 50 = 0. The eye line is y = 30
    # (eye centres (30, 30) and (70, 30)); the inter-ocular distance |37-46| is 60.
    face[48:60] = [[35.0, 70.0], [40, 67], [45, 65], [50, 66], [55, 64], [60, 64], [65.0, 66.0],
                   [60, 71], [55, 74], [50.0, 75.0], [45, 75], [40, 73]]
    face[60:68] = [[38, 70], [44, 68], [50, 68], [56, 67], [62, 66], [56, 70], [50, 72], [44, 71]]
    face = [[float(x), float(y)] for x, y in face]
    iod = 60.0
    excursion = [math.hypot(15, 5) / iod * 100, math.hypot(15, 9) / iod * 100]
    expected = {
        "fissure_height": [6 / iod * 100, 3 / iod * 100],
        "fissure_width": [20 / iod * 100, 20 / iod * 100],
        "commissure_height": [40 / iod * 100, 36 / iod * 100],
        "commissure_excursion": excursion, "commissure_excursion_lip": excursion,
        "smile_angle": [math.degrees(math.atan2(5, 15)), math.degrees(math.atan2(9, 15))],
    }
    write("half_closed_eye", {
        "description": "template face, left eye half closed, asymmetric mouth",
        "points": face, "expected_right_left": expected,
        "expected_fissure_ratio": 0.5, "expected_fissure_difference": -5.0,
        "derivation": "fissure heights 6 and 3 px over IOD 60 -> 10 and 5 %; ratio 3/6; "
                      "commissure heights 70-30 and 66-30 px; the lower lip crosses the "
                      "midline x = 50 at its midpoint 58 (50, 75), so both excursions are "
                      "hypot(15, 5) and hypot(15, 9); smile angles atan(5/15) and atan(9/15) "
                      "above the eye line"})

    hand = hand_face()
    # The lower lip's outer contour crosses X = 50 on 58 (42, 80) - 57 (58, 78), halfway:
    # Y = 79, face-frame y 49. Corners in the face frame: 49 (-30, 40), 55 (34, 34).
    write("mouth_midline", {
        "description": "hand face: excursion and smile angle from the lower lip's midline "
                       "crossing; the mouth's midline measures",
        "points": hand,
        "expected_right_left": {
            "commissure_excursion": [pct(math.hypot(30, 9)), pct(math.hypot(34, 15))],
            "smile_angle": [math.degrees(math.atan2(9, 30)), math.degrees(math.atan2(15, 34))],
            "commissure_excursion_lip": [pct(math.hypot(22, 10)), pct(math.hypot(42, 16))],
            "commissure_height": [pct(40), pct(34)]},
        "expected_midline": {"mouth_midline_shift": pct(2), "upper_lip_midline_x": pct(-3),
                             "lower_lip_midline_x": pct(-8)},
        "derivation": "crossing: halfway along 58 (42, 80) - 57 (58, 78): (50, 79), y 49; "
                      "excursions hypot(-30, 40-49) and hypot(34, 34-49); smile angles "
                      "atan(9/30) and atan(15/34); corner to 58: hypot(22, 10), hypot(42, 16); "
                      "mouth centre x (-30 + 34)/2 = 2; 52 at x = 47-50, 58 at x = 42-50; "
                      "all over IOD 60"})
    # Halfway to the corners: x = -15 (X = 35) and x = 17 (X = 67), each the midpoint of a
    # contour segment.
    write("lip_heights", {
        "description": "hand face: Emotrics lip heights at halfway between midline and corner",
        "points": hand,
        "expected_right_left": {
            "upper_lip_height": [pct(32), pct(31)], "lower_lip_height": [pct(48), pct(46)],
            "upper_vermilion_height": [pct(math.hypot(10, 6)), pct(3)],
            "lower_vermilion_height": [pct(math.hypot(10, 8)), pct(math.hypot(2, 15))]},
        "derivation": "X = 35: upper 50 (30, 64) - 51 (40, 60) -> Y 62, lower 60 (30, 76) - "
                      "59 (40, 80) -> Y 78; X = 67: upper 53 (60, 62) - 54 (74, 60) -> Y 61, "
                      "lower 57 (58, 78) - 56 (76, 74) -> Y 76; heights Y - 30; vermilion "
                      "|51-62|, |53-64|, |59-68|, |57-66|; over IOD 60"})
    write("dental_show", {
        "description": "hand face: gap between the inner lips halfway to each corner; the "
                       "left's inner lips cross and read 0",
        "points": hand,
        "expected_right_left": {"dental_show": [pct(7), 0.0]},
        "derivation": "X = 35: upper inner 62 (30, 66) - 63 (40, 64) -> Y 65, lower inner 68 "
                      "(30, 72) - 67 (40, 72) -> Y 72: gap 7; X = 67: upper inner 64 (60, "
                      "65) - 65 (74, 67) -> Y 66, lower inner 66 (60, 63) - 65 -> Y 65: gap "
                      "-1, floored at 0"})
    write("brow_height", {
        "description": "hand face: brow curve height above the eye line at the eye "
                       "centre's x; the left brow lies beyond it and is extrapolated",
        "points": hand,
        "expected_right_left": {"brow_height": [pct(15), pct(11)]},
        "derivation": "right: X = 30 halfway along 19 (24, 16) - 20 (36, 14): Y 15, height "
                      "30 - 15; left: X = 70 is left of the brow's first point 23 (72, 18); "
                      "the end segment 23 - 24 (76, 16) has slope -1/2: Y = 18 + (70-72)(-1/2) "
                      "= 19, height 11; over IOD 60"})

    closed = [list(p) for p in hand]
    closed[37], closed[41] = [27.0, 27.0], [29.0, 33.0]       # 38 and 42 offset sideways
    closed[38], closed[40] = [33.0, 27.0], [31.0, 33.0]       # 39 and 41
    closed[43], closed[47] = [66.0, 30.0], [68.0, 30.0]       # 44 and 48: shut, 2 px apart
    closed[44], closed[46] = [73.0, 30.5], [74.0, 30.0]       # 45 below 47: lids crossed
    write("closed_eye", {
        "description": "right eye open with sideways-offset lids; left eye closed with "
                       "lids offset sideways and crossed",
        "points": closed,
        "expected_right_left": {"fissure_height": [pct(6), 0.0]},
        "derivation": "vertical lid gaps: right 33-27 and 33-27 -> 6; left 30-30 = 0 and "
                      "30-30.5 = -0.5 -> mean -0.25, floored at 0 (their distances would be "
                      "2 and 1.1)"})

    side = [list(p) for p in hand]
    side[48:60] = [[54, 70], [60, 66], [66, 64], [72, 65], [78, 64], [84, 66], [90, 70],
                   [84, 74], [78, 76], [70, 78], [62, 76], [58, 74]]
    side[60:68] = [[56, 70], [62, 68], [72, 68], [82, 68], [88, 70], [82, 72], [72, 73], [62, 72]]
    side = [[float(x), float(y)] for x, y in side]
    write("mouth_to_one_side", {
        "description": "the whole mouth right of the midline (towards the subject's left): "
                       "the lower lip's crossing is extrapolated from its nearer end segment",
        "points": side,
        "expected_right_left": {
            "commissure_excursion": [pct(math.hypot(4, 4)), pct(math.hypot(40, 4))],
            "smile_angle": [-45.0, math.degrees(math.atan2(-4, 40))]},
        "expected_midline": {"mouth_midline_shift": pct(22)},
        "derivation": "lower contour X from 54 to 90: the nearer end is 49 (54, 70); its "
                      "segment to 60 (58, 74) has slope 1: at X = 50, Y = 66, y 36; corners "
                      "(4, 40) and (40, 40): excursions hypot(4, 4) and hypot(40, 4); both "
                      "corners 4 below the crossing: angles atan2(-4, 4) and atan2(-4, 40); "
                      "mouth centre x (4 + 40)/2 = 22"})

    big = scaled(hand, 1.1)
    gt_values = {"fissure_height": [pct(6), pct(6)], "brow_height": [pct(15), pct(11)],
                 "commissure_excursion": [pct(math.hypot(30, 9)), pct(math.hypot(34, 15))],
                 "upper_lip_height": [pct(32), pct(31)]}
    write("gt_iod_normalisation", {
        "description": "a prediction that is the ground truth scaled by 1.1 about the face "
                       "frame's origin: normalised by the ground truth's inter-ocular "
                       "distance, its lengths read 10% larger and its angles the same",
        "gt": hand, "pred": big, "gt_iod": 60.0,
        "expected_pred_right_left": {m: [1.1 * v for v in vals] for m, vals in gt_values.items()},
        "expected_smile_angle": [math.degrees(math.atan2(9, 30)), math.degrees(math.atan2(15, 34))],
        "expected_mouth_midline_shift": 1.1 * pct(2),
        "expected_mae_value_all": {m: 0.1 * sum(vals) / 2 for m, vals in gt_values.items()},
        "derivation": "every face-frame coordinate of the prediction is 1.1 times the "
                      "ground truth's; divided by the same 60 px, every length is 1.1 times "
                      "(fissure 6 px, brow 15 and 11 px, excursions, upper lip 32 and 31 "
                      "px); the mean absolute error of both sides is 0.1 times their mean"})

    write("mm_per_pixel", {
        "description": "two images, the hand face and the hand face scaled by 2, at 0.5 "
                       "and 0.1 mm per pixel",
        "points": [hand, scaled(hand, 2.0)], "mm_per_pixel": [0.5, 0.1],
        "expected_right_left": {"fissure_height": [[3.0, 3.0], [1.2, 1.2]],
                                "brow_height": [[7.5, 5.5], [3.0, 2.2]]},
        "expected_midline": {"mouth_midline_shift": [1.0, 0.4]},
        "expected_smile_angle": [math.degrees(math.atan2(9, 30)), math.degrees(math.atan2(15, 34))],
        "derivation": "fissure 6 px * 0.5 and 12 px * 0.1; brow 15 and 11 px * 0.5, 30 and "
                      "22 px * 0.1; mouth centre 2 px * 0.5 and 4 px * 0.1; angles do not "
                      "depend on the scale"})

    # ICC(2,1), two raters, y = x + 1 on x = 1..4: row means 1.5..4.5 about 3 give
    # SSR = 2*(2.25+0.25+0.25+2.25) = 10, MSR = 10/3; column means 2.5, 3.5 give SSC = 4*0.5
    # = 2, MSC = 2; SST = 12 so SSE = 0. ICC = MSR / (MSR + 2*MSC/4) = (10/3)/(13/3) = 10/13.
    table = [[1, 2], [3, 3], [4, 6], [6, 5], [8, 9]]
    by_hand = icc_by_hand(table)
    sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    iccs = {
        "icc_shift": {"ratings": [[1, 2], [2, 3], [3, 4], [4, 5]], "expected": 10 / 13,
                      "derivation": "MSR 10/3, MSC 2, MSE 0: (10/3) / (10/3 + 2*2/4) = 10/13"},
        # Shrout and Fleiss (1979), Table 2: 6 targets, 4 judges; their ICC(2,1) = 0.29.
        # From their ANOVA: BMS 11.24, JMS 32.49, EMS 1.02:
        # (11.24 - 1.02) / (11.24 + 3*1.02 + 4*(32.49 - 1.02)/6) = 0.2898.
        "icc_shrout_fleiss": {"ratings": sf, "expected": 0.2898, "tolerance": 1e-3,
                              "expected_interval": [0.019, 0.761], "interval_tolerance": 1e-3,
                              "derivation": "published ANOVA mean squares BMS 11.24, JMS 32.49, "
                                            "EMS 1.02 of Shrout and Fleiss (1979) Table 2; their "
                                            "Table 4's 95% interval of ICC(2,1): .019 to .761"},
        "icc_interval": {"ratings": table, "expected": by_hand["icc"],
                         "expected_interval": by_hand["interval"], "tolerance": 1e-12,
                         "interval_tolerance": 1e-9, "mean_squares": by_hand,
                         "derivation": "two-way ANOVA by hand: MSR, MSC, MSE from the sums of "
                                       "squares; McGraw and Wong (1996) Table 7 ICC(A,1) with "
                                       "F quantiles at 0.975 of F(n-1, v) and F(v, n-1)"},
    }
    for name, doc in iccs.items():
        write(name, doc)

if __name__ == "__main__":
    main()
    heatmap_cases()
    clinical_cases()
