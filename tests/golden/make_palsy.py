"""Writes the golden palsy-breakdown case in tests/golden/palsy/. Run from the repository
root: ``python -m tests.golden.make_palsy``.

Three subjects, two images each (expressions BR and CS), every ground-truth box 100 x 100
(so the bbox normaliser is 100) and the per-point mean reading (agg=mean). The sides of
the face are read from the protocol's data file (its mirror pairs), never from
aflfp_bench. Every expected value is a hand formula written next to it.
"""

import json
from pathlib import Path

HERE = Path(__file__).parent
PROTOCOL = HERE.parents[1] / "aflfp_bench" / "data" / "protocol_v1.json"


def main():
    spec = json.loads(PROTOCOL.read_text())
    pairs = spec["mirror_pairs_1based"]
    left = sorted(b - 1 for _, b in pairs)          # the subject's left side, 0-based
    n_side = len(left)                              # 29 points on each side
    gt = [[[10.0 + (k % 10) * 8.0, 10.0 + (k // 10) * 11.0] for k in range(68)]]
    box = [0.0, 0.0, 100.0, 100.0]

    def moved(points, idx, dx, dy):
        return [[x + dx, y + dy] if k in idx else [x, y] for k, (x, y) in enumerate(points)]

    face = gt[0]
    everything = set(range(68))
    images = [
        # subject, expression, prediction; A: palsy on the left, B on the right, C none.
        ("A", "BR", moved(face, set(left), 3, 4)),     # left points off by 5
        ("A", "CS", moved(face, set(left), 3, 4)),
        ("B", "BR", moved(face, set(left), 0, 2)),     # left (unaffected for B) off by 2
        ("B", "CS", moved(face, set(left), 0, 4)),     # ... and by 4
        ("C", "BR", moved(face, everything, 1, 0)),    # every point off by 1
        ("C", "CS", moved(face, everything, 1, 0)),
    ]
    subjects = "subject,affected_side,grade,score\nA,left,II,80\nB,right,IV,40\nC,none,II,60\n"
    # Half-face NME (mean over a half's points / 100): A affected 5/100, unaffected 0;
    # B affected 0, unaffected 2/100 and 4/100. C has no one-sided palsy: left out.
    a_aff, b_una = 0.05, (0.02, 0.04)
    affected = (a_aff + a_aff + 0 + 0) / 4
    unaffected = (0 + 0 + b_una[0] + b_una[1]) / 4
    gap = affected - unaffected                     # 0.025 - 0.015 = 0.01
    # Bootstrap interval of the gap: a resample holding only A (with or without C) gives
    # A's mean gap 0.05, one holding only B gives -(0.02+0.04)/2 = -0.03; each has
    # probability 7/27 (three draws in {A, C} or {B, C}, at least one A or B), far above
    # 2.5%, and no resample goes beyond them: the 95% interval is [-0.03, 0.05].
    gap_ci = [-0.03, 0.05]
    # Wilcoxon on per-subject mean gaps [0.05, -0.03]: ranks 2 (+) and 1 (-), T+ = 2 of
    # the four equally likely sums {0, 1, 2, 3}: p = 2 * min(3/4, 2/4) = 1.
    # Whole-face NME (mean over 68 points): A 29*5/68/100, B 29*2/68/100 and 29*4/68/100,
    # C 1/100.
    whole_a = n_side * 5 / 68 / 100
    whole_b = (n_side * 2 / 68 / 100, n_side * 4 / 68 / 100)
    whole_c = 0.01
    expected = {
        "affected": affected, "unaffected": unaffected, "gap": gap, "gap_ci": gap_ci,
        "p_value": 1.0, "n_subjects": 2,
        # Per expression: BR (0.05 - 0.02) / 2, CS (0.05 - 0.04) / 2.
        "by_expression_gap": {"BR": (a_aff - b_una[0]) / 2, "CS": (a_aff - b_una[1]) / 2},
        # Each region with two sides is moved like its half: the same affected mean.
        "region_affected": affected,
        # Grade II: A and C (two images each); grade IV: B. Interval of II: a resample
        # with only A or only C among them gives that subject's mean.
        "by_grade": {"II": (2 * whole_a + 2 * whole_c) / 4, "IV": sum(whole_b) / 2},
        "grade_ii_ci": [min(whole_a, whole_c), max(whole_a, whole_c)],
        # Scores 40 (B), 60 (C), 80 (A): the tertiles 53.3 and 66.7 put one subject in
        # each bin, labelled by its score.
        "by_score": {"40": sum(whole_b) / 2, "60": whole_c, "80": whole_a},
    }
    doc = {"description": "three subjects (left palsy, right palsy, none), two images each; "
                          "box 100 x 100, agg=mean",
           "subjects_csv": subjects, "box_xywh": box, "gt": face,
           "images": [{"subject": s, "expression": e, "pred": p} for s, e, p in images],
           "expected": expected,
           "derivation": "see tests/golden/make_palsy.py: half-face means over 29 points "
                         "divided by 100; gap = affected - unaffected per image"}
    (HERE / "palsy").mkdir(exist_ok=True)
    (HERE / "palsy" / "three_subjects.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
