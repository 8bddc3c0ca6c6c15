"""The paper's recipe with the loss at two scales: Eq. 2 (each heatmap's squared
differences summed over its pixels, averaged over the 68 landmarks) against the per-pixel
mean (the same loss divided by 96 x 96 = 9,216), for a cascaded FCN trained on the 300-W
training faces (LFPW train + HELEN train + AFW, Viola-Jones boxes) and evaluated on LFPW
test (../shared/data/300w).

Both runs use ``--recipe paper`` (Adam, lr 1e-4 divided by 10 every 30 epochs, batch 32,
no augmentation) at ``--width`` (default 1/4) with the same seed; only the loss scale
differs. Prints each epoch's training loss of both runs side by side, in the per-pixel
unit (Eq. 2's value divided by 9,216, so the columns compare) and Eq. 2's own, then each
model's NME on LFPW test (per-point mean, inter-pupil and bbox, and the Frobenius reading).

Usage: python -m experiments.loss_scale [--work DIR] [--epochs N] [--width W] [--device cuda]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

from aflfp_bench.baselines.deep import CascadedFCN
from aflfp_bench.reading.atomic import replacing
from aflfp_bench.reading.dataset import concat
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner
from aflfp_bench.running.crops import crop_dataset
from aflfp_bench.running.detections import training_boxes
from aflfp_bench.scoring.metrics import nme

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"
TRAIN = ("lfpw_train", "helen_train", "afw")
LOSSES = ("pixel-mean", "eq2")


def crops(shared: Path, work: Path) -> dict:
    """The training crops around Viola-Jones boxes, made once and kept in ``work``."""
    path = work / "train-crops.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    train = concat([load_dataset(shared / name) for name in TRAIN])
    boxes, mapping, found = training_boxes(train, CascadedFCN.detector)
    print(f"haar detector found {found} of {len(train)} training faces", flush=True)
    c, t = crop_dataset(train, boxes, size=96, margin=0.2)
    data = {"crops": c.astype(np.uint8), "targets": t,
            "mapping": np.array([mapping.dx, mapping.dy, mapping.sw, mapping.sh]),
            "label": np.array(f"{train.label}: {len(train)} images")}
    with replacing(path, "crops") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **data)
    return data


def train(data: dict, loss: str, work: Path, args) -> tuple[Path, list[float]]:
    from aflfp_bench.running.faces import BoxMapping

    model = work / f"cascade-{loss}.onnx"
    losses: list[float] = []
    log_path = work / f"cascade-{loss}.log"

    def log(line: str) -> None:
        print(f"[{loss}] {line}", flush=True)
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    if not model.is_file():
        net = CascadedFCN(recipe="paper", width=args.width, epochs=args.epochs, loss=loss,
                          seed=args.seed, device=args.device,
                          checkpoint=model.with_name(model.name + ".ckpt.npz"))
        net.box, net.box_mapping = "detector", BoxMapping(*map(float, data["mapping"]))
        t = time.perf_counter()
        net.fit_crops(data["crops"].astype(np.float32), data["targets"], str(data["label"]),
                      log=log)
        log(f"trained in {time.perf_counter() - t:.0f} s")
        with replacing(model, "model") as tmp:
            net.save(tmp)
    for line in log_path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"epoch (\d+)/\d+: loss ([0-9.e+-]+)", line)
        if found:
            epoch = int(found.group(1))
            del losses[epoch - 1:]
            losses.append(float(found.group(2)))
    return model, losses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=Path("out/loss-scale"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    args.work.mkdir(parents=True, exist_ok=True)
    data = crops(args.shared, args.work)
    runs = {loss: train(data, loss, args.work, args) for loss in LOSSES}
    pixels = 96 * 96
    print("\nepoch  per-pixel loss: pixel-mean run   eq2 run   |  eq2's own value")
    for e in range(max(len(r[1]) for r in runs.values())):
        a = runs["pixel-mean"][1][e] if e < len(runs["pixel-mean"][1]) else float("nan")
        b = runs["eq2"][1][e] if e < len(runs["eq2"][1]) else float("nan")
        print(f"{e + 1:5d}  {a:28.6g}  {b / pixels:9.6g}  |  {b:10.5g}")
    test = load_dataset(args.shared / "lfpw_test")
    print(f"\nLFPW test, {len(test)} faces, Viola-Jones boxes:")
    for loss, (model, _) in runs.items():
        out = args.work / f"lfpw-{loss}.csv"
        out.unlink(missing_ok=True)
        runner.predict(test, "onnx", model, out, box="detector", workers=2)
        pts = read_predictions(out, test).points
        ip = 100 * nme(test.points, pts, norm="inter-pupil", agg="mean").mean()
        bb = 100 * nme(test.points, pts, agg="mean", boxes=test.boxes).mean()
        fr = 100 * nme(test.points, pts, boxes=test.boxes).mean()
        print(f"  {loss:10s}: per-point inter-pupil {ip:6.2f}%, per-point bbox {bb:5.2f}%, "
              f"Frobenius bbox (Eq. 3) {fr:6.2f}%")


if __name__ == "__main__":
    main()
