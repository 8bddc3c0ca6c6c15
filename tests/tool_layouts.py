"""Prediction files as other tools lay them out (OpenFace's frame-numbered CSV, dlib's
imglab XML, a wide DataFrame), written here without the library's writers, and a small
AFLFP tree scored from a wide CSV to compare them with."""

from pathlib import Path

import numpy as np
import pandas as pd

import aflfp_bench as ab
from aflfp_bench.reading.loaders import load_dataset
from tests.conftest import make_aflfp

#: Equal scores: what every route to the same points must agree to.
TOL = 1e-9


def scored_tree(tmp_path):
    """A mini AFLFP tree (2 subjects x 2 expressions x 4 frames), predictions near its
    ground truth, and those predictions scored from a wide CSV."""
    root = make_aflfp(tmp_path / "AFLFP")
    gt = load_dataset(root)
    rng = np.random.default_rng(0)
    wide = tmp_path / "wide.csv"
    ab.write_predictions(wide, gt.ids, gt.points + rng.normal(0, 1.5, gt.points.shape))
    points = ab.read_predictions(wide, gt).points       # as the wide CSV holds them
    return root, gt, points, ab.score(gt, wide)


def same_scores(scores, reference):
    got = scores.to_frame("image").set_index("image_id")["nme"]
    want = reference.to_frame("image").set_index("image_id")["nme"]
    assert list(got.index) == list(want.index)
    assert np.abs(got.to_numpy() - want.to_numpy()).max() < TOL


def subset_of(reference, ids):
    frame = reference.to_frame("image").set_index("image_id")["nme"]
    return frame.loc[list(ids)]


def openface_frames(points, images, path: Path, drop=()):
    head = ["frame", "face_id", "timestamp", "confidence", "success"]
    head += [f"x_{k}" for k in range(68)] + [f"y_{k}" for k in range(68)]
    head += [f"X_{k}" for k in range(68)]
    lines = [", ".join(head)]
    for n, pts in enumerate(points, start=1):
        if n in drop:
            continue
        row = [str(n), "0", f"{(n - 1) / 30:.3f}", "0.98", "1"]
        row += [f"{v:.10f}" for v in pts[:, 0]] + [f"{v:.10f}" for v in pts[:, 1]]
        row += ["0.0"] * 68
        lines.append(", ".join(row))
    path.write_text("\n".join(lines) + "\n")


def imglab_xml(gt, points, path: Path, *, parts=68, name="{k:02d}", extra="", swap=None):
    """dlib's imglab XML of ``points`` for ``gt``'s images; ``swap``: (old, new), the first
    ``old`` of the text written as ``new``."""
    lines = ["<?xml version='1.0' encoding='ISO-8859-1'?>",
             "<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>",
             "<dataset>", "<name>faces</name>", "<images>"]
    for image, pts in zip(gt.meta["image"], points):
        lines.append(f"  <image file='{image}'>")
        lines.append("    <box top='1' left='2' width='30' height='40'>")
        for k in range(parts):
            lines.append(f"      <part name='{name.format(k=k)}' x='{float(pts[k, 0])!r}' "
                         f"y='{float(pts[k, 1])!r}'/>")
        lines.append("    </box>")
        lines.append(extra)
        lines.append("  </image>")
    lines += ["</images>", "</dataset>"]
    text = "\n".join(lines) + "\n"
    if swap is not None:
        text = text.replace(*swap, 1)
    path.write_text(text, encoding="latin-1")


def wide_frame(gt, points):
    columns = [f"{axis}{k}" for k in range(68) for axis in "xy"]
    return pd.DataFrame(points.reshape(len(points), -1), columns=columns)
