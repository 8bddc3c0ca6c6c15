"""Detectors on real faces: SDM trained on 300-W normal faces and the pretrained emotrics
(dlib) adapter, evaluated on LFPW test (../shared/data/300w).

SDM trains on LFPW train + HELEN train + AFW with Viola-Jones (OpenCV Haar) boxes, the
AFLFP paper's detector; emotrics uses dlib's HOG detector boxes. Where a detector misses
the face, the ground-truth box mapped to its convention is used (counted as fallbacks).
Prints inter-pupil, inter-ocular and bbox NME and images/s with 2 workers; SDM is also
run on the ground-truth boxes (trained on detector boxes, so less accurate there) to time
the landmarking alone, which is what its throughput target counts.

NME is the per-point mean here (the 300-W convention), so the numbers compare with that
literature: SDM about 5.6% inter-pupil on the 300-W common subset (published); dlib's
model with its own detector about 5.0% inter-pupil (2.2% bbox) on LFPW test.

Usage: python -m experiments.real_faces [--shared DIR] [--work DIR] [--stages N] [--n-init N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from aflfp_bench.reading.dataset import concat
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner
from aflfp_bench.scoring.metrics import nme

TRAIN = ("lfpw_train", "helen_train", "afw")
PATCHES = (32.0, 24.0, 16.0, 12.0, 10.0, 8.0)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"


def evaluate(name, test, model, out: Path, box: str = "detector", label: str = "",
             flip: bool = False) -> None:
    out.unlink(missing_ok=True)
    t = time.perf_counter()
    counts = runner.predict(test, name, model, out, box=box, workers=2, flip=flip)
    wall = time.perf_counter() - t
    pts = read_predictions(out, test).points
    ip = nme(test.points, pts, norm="inter-pupil", agg="mean").mean()
    io = nme(test.points, pts, norm="inter-ocular", agg="mean").mean()
    bb = nme(test.points, pts, agg="mean", boxes=test.boxes).mean()
    what = "detection included" if box == "detector" else "boxes given"
    print(f"{label or name:9s} {box:8s} boxes: inter-pupil {100 * ip:6.3f}%  inter-ocular {100 * io:5.2f}%  "
          f"bbox {100 * bb:5.2f}%  | {len(test) / wall:5.1f} images/s (2 workers, {what}) | "
          f"{counts['detector']} detector, {counts['fallback']} fallback, {counts['gt']} gt boxes",
          flush=True)


def train_sdm(train, model: Path, args) -> None:
    t = time.perf_counter()
    patches = tuple(p * args.size / 96 for p in PATCHES)[:args.stages]
    runner.train(train, "sdm", model, box="detector", log=print, n_stages=args.stages,
                 n_init=args.n_init, patches=patches, size=args.size, jitter=args.jitter)
    print(f"SDM trained on {len(train)} faces in {time.perf_counter() - t:.0f} s", flush=True)


def add_sdm_options(ap) -> None:
    ap.add_argument("--stages", type=int, default=6, help="SDM cascade stages")
    ap.add_argument("--n-init", type=int, default=6, help="SDM perturbed starts per face")
    ap.add_argument("--size", type=int, default=96, help="SDM crop size in pixels")
    ap.add_argument("--jitter", type=float, nargs=3, default=(0.06, 4.0, 0.03),
                    metavar=("SCALE", "DEGREES", "SHIFT"), help="SDM start perturbation sds")


def sdm_and_emotrics(args, work: Path, test, train=None, flip: bool = False) -> None:
    """SDM (trained here unless ``work`` has the model) and emotrics on LFPW test;
    ``flip``: SDM with test-time flip averaging too."""
    model = work / "sdm-300w.npz"
    if not model.is_file():
        train_sdm(train or load_train(args.shared), model, args)
    evaluate("sdm", test, model, work / "sdm.csv")
    if flip:
        evaluate("sdm", test, model, work / "sdm-flip.csv", label="sdm+flip", flip=True)
    evaluate("sdm", test, model, work / "sdm-gt.csv", box="gt")
    try:
        evaluate("emotrics", test, None, work / "emotrics.csv")
    except ImportError as exc:
        print(f"emotrics: skipped ({exc})")


def load_train(shared: Path):
    return concat([load_dataset(shared / name) for name in TRAIN])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=None, help="keep the model here")
    add_sdm_options(ap)
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    work = args.work or Path(tempfile.mkdtemp(prefix="aflfp-real-"))
    work.mkdir(parents=True, exist_ok=True)
    test = load_dataset(args.shared / "lfpw_test")
    print(f"LFPW test: {len(test)} faces")
    sdm_and_emotrics(args, work, test)


if __name__ == "__main__":
    main()
