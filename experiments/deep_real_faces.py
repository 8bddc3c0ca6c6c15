"""A slim cascaded FCN trained on 300-W normal faces and evaluated on LFPW test, next to
SDM and emotrics (../shared/data/300w).

The cascade (the AFLFP paper's Table 1 at ``--width``, default 1/4) trains on LFPW train
+ HELEN train + AFW with Viola-Jones (OpenCV Haar) boxes, the paper's detector, like SDM
in experiments/real_faces.py; both are evaluated on LFPW test with the same detector boxes
(ground-truth boxes mapped to the detector's convention where it finds no face).
Prints inter-pupil, inter-ocular and bbox NME and where the training ran; the cascade and
SDM also with test-time flip averaging (``predict --flip-test``), a like-for-like pair;
then the cascade against SDM face by face (mean difference with a bootstrap interval,
Wilcoxon p, faces won). The defaults are the recipe of the README's results (55 epochs,
learning rate 1e-3 divided by 10 after epoch 40, batch 8): about 6 s an epoch on a GPU,
hours on 2 CPU cores.

Training on another machine (a GPU): ``--save-crops FILE`` writes the training crops
(96x96, uint8, with their targets and the detector's box mapping: ~19 MB) and exits;
``--crops FILE`` trains from such a file instead of the 300-W folders, and
``--train-only`` stops once the model is saved. Then run this script here with the same
``--work``: it finds the model and evaluates it. Where no Haar detector runs (OpenCV 5),
``--save-test-crops FILE`` (with ``--crops``: the boxes use its mapping) writes LFPW test
as the crops the model would see (:mod:`aflfp_bench.running.crop_sets`), and ``--test-crops FILE`` evaluates
on them instead of the images; ``--check-crops`` runs both routes here and prints the
largest difference between their predictions.

Usage: python -m experiments.deep_real_faces [--work DIR] [--width W] [--epochs N] [--lr LR]
           [--lr-step N] [--batch-size N] [--seed N]
           [--save-crops FILE | --crops FILE] [--train-only] [--no-baselines]
           [--device cuda] [--save-test-crops FILE | --test-crops FILE] [--check-crops]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from aflfp_bench.baselines.deep import CascadedFCN
from aflfp_bench.reading.atomic import replacing
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.running import crop_sets as testcrops
from aflfp_bench.running.crops import crop_dataset
from aflfp_bench.running.detections import training_boxes
from aflfp_bench.running.faces import BoxMapping, shipped_mapping
from experiments.real_faces import SHARED, add_sdm_options, evaluate, load_train, sdm_and_emotrics


def training_crops(shared: Path, size: int, margin: float) -> dict:
    """What the cascade trains on: the 300-W training faces cropped around Haar boxes."""
    train = load_train(shared)
    boxes, mapping, found = training_boxes(train, CascadedFCN.detector)
    print(f"haar detector found {found} of {len(train)} training faces; fallback mapping "
          f"{mapping}", flush=True)
    crops, targets = crop_dataset(train, boxes, size=size, margin=margin)
    return {"crops": crops.astype(np.uint8), "targets": targets,        # crops are whole numbers
            "mapping": np.array([mapping.dx, mapping.dy, mapping.sw, mapping.sh]),
            "label": np.array(f"{train.label}: {len(train)} images")}


def train_cascade(data: dict, model: Path, args) -> None:
    import torch

    cascade = CascadedFCN(width=args.width, epochs=args.epochs, lr=args.lr,
                          lr_step=args.lr_step, batch_size=args.batch_size, seed=args.seed,
                          device=args.device, checkpoint=model.with_name(model.name + ".ckpt.npz"))
    cascade.box, cascade.box_mapping = "detector", BoxMapping(*map(float, data["mapping"]))
    if (args.device or "").startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    t = time.perf_counter()
    cascade.fit_crops(data["crops"].astype(np.float32), data["targets"], str(data["label"]),
                      log=lambda line: print(f"[{time.perf_counter() - t:4.0f} s] {line}",
                                             flush=True))
    where = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    gpu = f", {torch.cuda.get_device_name()}" if where.startswith("cuda") else ""
    print(f"cascaded FCN (width {args.width:g}) trained on {len(data['crops'])} faces in "
          f"{time.perf_counter() - t:.0f} s on {where} ({platform.machine()}{gpu}, "
          f"{torch.get_num_threads()} threads)", flush=True)
    with replacing(model, "model") as tmp:
        cascade.save(tmp)


def evaluate_crops(model_path: Path, data: dict, label: str) -> None:
    """The model's NMEs (per-point, as real_faces prints them) on saved test crops, with and
    without the flip test."""
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.scoring.metrics import nme

    model = OnnxModel(model_path, threads=0)
    gt = data["points"]
    for name, pts in zip((label, label + "+flip"), testcrops.predictions(model, data)):
        ip = nme(gt, pts, norm="inter-pupil", agg="mean").mean()
        io = nme(gt, pts, norm="inter-ocular", agg="mean").mean()
        bb = nme(gt, pts, agg="mean", boxes=data["boxes"]).mean()
        print(f"{name:14s} crops: inter-pupil {100 * ip:6.3f}%  inter-ocular {100 * io:5.2f}%  "
              f"bbox {100 * bb:5.2f}%  | {data['kinds']}", flush=True)


def check_crops(test, model: Path, work: Path) -> None:
    """The crop route's predictions against the image route's (the csv files just made)."""
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.reading.predictions import read_predictions

    meta = OnnxModel(model)
    path = work / "test-crops.npz"
    testcrops.save(test, meta.box_mapping or shipped_mapping(meta.detector), path,
                    size=meta.size, margin=meta.margin)
    direct, flipped = testcrops.predictions(meta, testcrops.load(path))
    for name, pts in (("cascade.csv", direct), ("cascade-flip.csv", flipped)):
        diff = np.abs(read_predictions(work / name, test).points - pts).max()
        print(f"crop route vs image route ({name}): max |difference| {diff:.2g} px")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=None, help="keep the models here")
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--epochs", type=int, default=55)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-step", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    ap.add_argument("--save-crops", type=Path, help="write the training crops here and exit")
    ap.add_argument("--crops", type=Path, help="train from crops made by --save-crops")
    ap.add_argument("--train-only", action="store_true", help="stop once the model is saved")
    ap.add_argument("--no-baselines", action="store_true", help="evaluate the cascade only")
    ap.add_argument("--save-test-crops", type=Path, help="write LFPW test as crops and exit")
    ap.add_argument("--test-crops", type=Path, help="evaluate on crops from --save-test-crops")
    ap.add_argument("--check-crops", action="store_true",
                    help="compare the crop route with the image route")
    add_sdm_options(ap)
    args = ap.parse_args()
    if args.crops is None and args.test_crops is None and not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    defaults = CascadedFCN()
    if args.save_crops:
        data = training_crops(args.shared, defaults.size, defaults.margin)
        with replacing(args.save_crops, "crops") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **data)
        print(f"wrote {len(data['crops'])} training crops to {args.save_crops}")
        return
    if args.save_test_crops:
        if args.crops is None:
            raise SystemExit("--save-test-crops needs --crops (the boxes use its mapping)")
        with np.load(args.crops, allow_pickle=False) as f:
            mapping = BoxMapping(*map(float, f["mapping"]))
        testcrops.save(load_dataset(args.shared / "lfpw_test"), mapping, args.save_test_crops,
                        size=defaults.size, margin=defaults.margin)
        print(f"wrote LFPW test crops to {args.save_test_crops}")
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="aflfp-deep-real-"))
    work.mkdir(parents=True, exist_ok=True)
    model = work / f"cascaded-fcn-w{args.width:g}{f'-s{args.seed}' if args.seed else ''}.onnx"
    if not model.is_file():
        if args.crops:
            with np.load(args.crops, allow_pickle=False) as f:
                data = {k: f[k] for k in f.files}
        else:
            data = training_crops(args.shared, defaults.size, defaults.margin)
        train_cascade(data, model, args)
    if args.train_only:
        return
    if args.test_crops:
        evaluate_crops(model, testcrops.load(args.test_crops), "cascade")
        return
    test = load_dataset(args.shared / "lfpw_test")
    print(f"LFPW test: {len(test)} faces")
    evaluate("onnx", test, model, work / "cascade.csv", label="cascade")
    evaluate("onnx", test, model, work / "cascade-flip.csv", label="casc+flip", flip=True)
    if args.check_crops:
        check_crops(test, model, work)
    if not args.no_baselines:
        sdm_and_emotrics(args, work, test, flip=True)
        compare_with_sdm(test, work)


def compare_with_sdm(test, work: Path) -> None:
    """The cascade, without and with the flip test, against SDM without it (SDM's better
    setting) face by face (inter-pupil NME): the mean difference with a bootstrap 95%
    interval over faces, the Wilcoxon signed-rank p and the faces won."""
    from aflfp_bench.reading.predictions import read_predictions
    from aflfp_bench.scoring.metrics import nme
    from aflfp_bench.scoring.stats import make_bootstrap, paired_comparison

    def errors(name):
        return 100 * nme(test.points, read_predictions(work / name, test).points,
                         norm="inter-pupil", agg="mean")

    faces = np.asarray(test.ids)
    boot = make_bootstrap(faces)
    sdm = errors("sdm.csv")
    for name, label in (("cascade.csv", "cascade"), ("cascade-flip.csv", "casc+flip")):
        ours = errors(name)
        c = paired_comparison(ours, sdm, faces, boot)
        print(f"{label} - sdm: {c['delta']:+.3f} points inter-pupil, 95% CI [{c['ci'][0]:+.3f}, "
              f"{c['ci'][1]:+.3f}], Wilcoxon p {c['p_value']:.3g}; better on "
              f"{int((ours < sdm).sum())} of {len(faces)} faces", flush=True)


if __name__ == "__main__":
    main()
