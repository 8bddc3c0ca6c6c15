"""The bundled real-face model: a slim cascaded FCN trained on the 300-W training faces.

Reads LFPW train, HELEN train and AFW from ``../shared/data/300w`` (or ``--shared``),
crops each face around the box the ``onnx`` adapter finds at run time (OpenCV's Haar
detector, as ``predict --images`` and ``--video``; the ground-truth box mapped to the
detector's convention where it finds none), trains the cascade with :data:`RECIPE`, stores
its weights smaller (:mod:`tools.shrink_bundled_model`) and writes
``aflfp_bench/data/models/cascaded-fcn-300w.onnx`` with its model card beside it
(``.json``): training data and its terms, recipe, seed, epochs, training time and machine,
and the NME on LFPW test (per-point inter-pupil, bbox and the protocol's Frobenius
reading) beside emotrics and SDM on the same faces and boxes.

Every step keeps its result in ``--work`` (default: the user cache), so an interrupted
run resumes where it stopped: the crops once, the training from its last whole epoch
(:mod:`aflfp_bench.baselines.deep_train`), the baselines' predictions once.

Usage: python -m tools.train_bundled_model --real [--shared DIR] [--work DIR] [--out FILE]
"""

from __future__ import annotations

import functools
import importlib.util
import json
import platform
import time
from pathlib import Path

import numpy as np

from aflfp_bench.reading.atomic import replacing
from aflfp_bench.reading.userdirs import cache_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "300w"
DEFAULT_OUT = ROOT / "aflfp_bench/data/models/cascaded-fcn-300w.onnx"
TRAIN_SETS = ("lfpw_train", "helen_train", "afw")
TEST_SET = "lfpw_test"
#: Width 1/16 keeps the stored model within 2.5 MB (both bundled models ship in the wheel).
RECIPE = {"width": 0.0625, "epochs": 40, "lr_step": 30, "batch_size": 8, "lr": 1e-3, "seed": 0}
TERMS = ("The 300-W annotations (LFPW, HELEN, AFW; i-BUG, Imperial College London) are "
         "for research use; a model trained on them carries that condition: research use "
         "only, no commercial use.")


@functools.cache
def _faces(shared: Path, names: tuple[str, ...]):
    """The 300-W sets ``names`` under ``shared`` as one dataset, loaded once a run."""
    from aflfp_bench.reading.dataset import concat
    from aflfp_bench.reading.loaders import load_dataset

    sets = [load_dataset(shared / name) for name in names]
    return sets[0] if len(sets) == 1 else concat(sets)


def _log(line: str, start: float) -> None:
    print(f"[{time.perf_counter() - start:6.0f} s] {line}", flush=True)


def training_crops(shared: Path, path: Path, start: float) -> dict:
    """The training crops around the run-time detector's boxes (made once, kept at
    ``path``)."""
    from aflfp_bench.baselines.deep import CascadedFCN
    from aflfp_bench.running.crops import crop_dataset
    from aflfp_bench.running.detections import training_boxes

    if not path.is_file():
        train = _faces(shared, TRAIN_SETS)
        boxes, mapping, found = training_boxes(train, CascadedFCN.detector, workers=2)
        _log(f"Haar detector: {found} of {len(train)} training faces; the rest use the "
             f"ground-truth box mapped by {mapping}", start)
        defaults = CascadedFCN()
        crops, targets = crop_dataset(train, boxes, size=defaults.size, margin=defaults.margin)
        with replacing(path, "crops") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, crops=crops.astype(np.uint8), targets=targets,
                     mapping=np.array([mapping.dx, mapping.dy, mapping.sw, mapping.sh]),
                     found=np.array(found),
                     label=np.array(f"300-W training faces ({', '.join(TRAIN_SETS)}): "
                                    f"{len(train)} images"))
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def train(data: dict, model: Path, start: float) -> float:
    """Train (resuming from the checkpoint beside ``model``) and export to ``model``;
    returns the seconds of training over every call (kept beside the checkpoint, updated
    after each epoch)."""
    import torch

    from aflfp_bench.baselines.deep import CascadedFCN
    from aflfp_bench.running.faces import BoxMapping

    torch.set_num_threads(2)
    settings = {k: v for k, v in RECIPE.items() if k != "seed"}
    cascade = CascadedFCN(**settings, seed=RECIPE["seed"],
                          checkpoint=model.with_name(model.name + ".ckpt.npz"))
    cascade.box, cascade.box_mapping = "detector", BoxMapping(*map(float, data["mapping"]))
    clock = model.with_name(model.name + ".seconds.json")
    before = json.loads(clock.read_text())["seconds"] if clock.is_file() else 0.0
    t = time.perf_counter()

    def log(line: str) -> None:
        _log(line, start)
        if line.startswith("epoch"):           # time spent training, not resuming
            clock.write_text(json.dumps({"seconds": before + time.perf_counter() - t}))

    cascade.fit_crops(data["crops"].astype(np.float32), data["targets"], str(data["label"]),
                      log=log)
    with replacing(model, "model") as tmp:
        cascade.save(tmp)
    return json.loads(clock.read_text())["seconds"] if clock.is_file() else 0.0


def readings(test, points) -> dict:
    """The NME (in %) of ``points`` on ``test`` under the three readings a card reports,
    over the faces found (counted)."""
    from aflfp_bench.scoring.metrics import nme

    found = ~np.isnan(points).any(axis=(1, 2))
    gt, pts, boxes = test.points[found], points[found], test.boxes[found]
    return {
        "faces_found": int(found.sum()),
        "inter_pupil_per_point": round(100 * float(nme(gt, pts, norm="inter-pupil",
                                                       agg="mean").mean()), 3),
        "bbox_per_point": round(100 * float(nme(gt, pts, agg="mean", boxes=boxes).mean()), 3),
        "bbox_frobenius": round(100 * float(nme(gt, pts, boxes=boxes).mean()), 3),
    }


def predicted(test, adapter: str, model, out: Path, *, flip: bool = False,
              largest: bool = False) -> np.ndarray:
    """The predictions of ``adapter`` on ``test``'s images with the boxes its face
    detector finds (kept at ``out``, resumed there): the detection of the annotated face,
    the ground-truth box mapped to the detector's convention where it finds none; or with
    ``largest``, as ``predict --images`` makes them (the largest face found, a detection
    mapped to the boxes the model was trained on; nan where none)."""
    from aflfp_bench.reading.predictions import read_predictions
    from aflfp_bench.reading.sources import image_folder
    from aflfp_bench.running import runner

    # The runner resumes a file of this very model and refuses one of another: the card
    # never reports an older model's predictions, nor a half-made file.
    if largest:
        runner.predict_found(image_folder(test.root), adapter, model, out,
                             ids=list(test.ids), workers=2, flip=flip)
    else:
        runner.predict(test, adapter, model, out, box="detector", workers=2, flip=flip)
    return read_predictions(out, test, allow_missing=largest).points


def train_sdm(shared: Path, path: Path, start: float) -> None:
    """SDM (its default 6 stages) on the same faces and Haar boxes, for comparison."""
    from aflfp_bench.running import runner

    runner.train(_faces(shared, TRAIN_SETS), "sdm", path, box="detector", log=lambda line: _log(line, start))


def evaluate(shared: Path, work: Path, model: Path, start: float) -> dict:
    """The card's measurements on LFPW test: the cascade (as stored, with and without the
    flip test) beside SDM (trained here on the same faces and boxes) and emotrics, each
    with the detection of the annotated face and as ``predict --images`` runs it."""
    test = _faces(shared, (TEST_SET,))
    sdm_model = work / "sdm-300w.npz"
    found = {"faces": len(test), "data": f"300-W {TEST_SET} (never seen in training)",
             "boxes": "each adapter's own face detector (the cascades and SDM: OpenCV Haar; "
                      "emotrics: dlib HOG): the detection of the annotated face (the "
                      "ground-truth box mapped to the detector's convention where it finds "
                      "none: all 224 faces); ', predict --images': as that command runs it "
                      "(the largest face found, mapped to the boxes the model was trained "
                      "on; over the faces found, faces_found; the largest face is not always "
                      "the annotated one in these photographs)"}
    runs = [("this model", "onnx", model, {}),
            ("this model, flip test", "onnx", model, {"flip": True}),
            ("sdm (6 stages, trained on the 300-W training faces)", "sdm", sdm_model, {})]
    if importlib.util.find_spec("dlib") and importlib.util.find_spec("face_recognition_models"):
        runs.append(("emotrics (dlib's pretrained model)", "emotrics", None, {}))
    for label, adapter, path, options in runs:
        if adapter == "sdm" and not sdm_model.is_file():
            train_sdm(shared, sdm_model, start)
        name = label.split(" (")[0].replace(", ", "-").replace(" ", "-")
        stem = model.stem if adapter == "onnx" else adapter
        found[label] = readings(test, predicted(test, adapter, path,
                                                work / f"{stem}-{name}.csv", **options))
        found[label + ", predict --images"] = readings(
            test, predicted(test, adapter, path, work / f"{stem}-{name}-largest.csv",
                            largest=True, **options))
        _log(f"{label} on LFPW test: {found[label]}", start)
    return found


def store(source: Path, out: Path) -> dict:
    """Write ``source``'s weights stored smaller to ``out``; the storage record."""
    import onnx

    from tools.shrink_bundled_model import SETTINGS, shrink

    small = shrink(onnx.load(str(source)))
    onnx.checker.check_model(small)
    with replacing(out, "model") as tmp:
        onnx.save(small, str(tmp))
    return {**SETTINGS, "bytes": {"float32": source.stat().st_size,
                                  "stored": out.stat().st_size}}


def card(data: dict, seconds: float, storage: dict, evaluation: dict) -> dict:
    import torch

    from aflfp_bench.baselines.deep import CascadedFCN

    defaults = CascadedFCN(**{k: v for k, v in RECIPE.items() if k != "seed"})
    return {
        "model": DEFAULT_OUT.name,
        "what": "slim cascaded FCN (the AFLFP paper's Table 1 at width 1/16) trained on real "
                "normal faces (300-W); the onnx adapter's default on photographs, videos and "
                "real datasets. Not trained on palsy faces.",
        "training_data": {"sets": list(TRAIN_SETS), "description": str(data["label"]),
                          "faces_found_by_haar": int(data["found"]),
                          "source": "300-W (i-BUG, Imperial College London): LFPW train, "
                                    "HELEN train and AFW images with the 68-point "
                                    "re-annotations"},
        "terms": TERMS,
        "recipe": {"arch": "cascaded-fcn", **defaults.settings, "input_size": defaults.size,
                   "margin": defaults.margin, "decoding": defaults.decoding,
                   "box": "detector (OpenCV Haar, the boxes predict --images and --video use)"},
        "seed": RECIPE["seed"], "epochs": RECIPE["epochs"],
        "command": "python -m tools.train_bundled_model --real",
        "train_seconds": round(seconds),
        "ran_on": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
                  f"2 threads, cpu",
        "storage": storage,
        "evaluation_nme_percent": evaluation,
    }


def main(argv=None) -> None:
    import argparse

    from tools.bundled_cards import write_card

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=cache_dir() / "train-real-model")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--measure-synthetic", action="store_true",
                    help="only measure the bundled synthetic model on LFPW test for its card")
    args = ap.parse_args(argv)
    if not (args.shared / TEST_SET).is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to train on")
    start = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.measure_synthetic:
        from aflfp_bench.running.bundled import SYNTHETIC, bundled_path
        from aflfp_bench.running.bundled import card as bundled_card

        path = bundled_path(SYNTHETIC)
        synthetic = bundled_card(SYNTHETIC)
        synthetic.pop("sha256", None)
        synthetic["evaluation_nme_percent"] = evaluate(args.shared, args.work, path, start)
        write_card(path, synthetic)
        _log(f"measured {path.name} and wrote its card", start)
        return
    data = training_crops(args.shared, args.work / "train-crops.npz", start)
    model = args.work / "cascaded-fcn-300w.float32.onnx"
    seconds = train(data, model, start)
    stored = args.work / DEFAULT_OUT.name
    storage = store(model, stored)
    evaluation = evaluate(args.shared, args.work, stored, start)
    test = _faces(args.shared, (TEST_SET,))
    storage["lfpw_test_nme_percent"] = {
        "float32": readings(test, predicted(test, "onnx", model,
                                            args.work / f"{model.stem}-this-model.csv")),
        "stored": evaluation["this model"]}
    with replacing(args.out, "model") as tmp:
        tmp.write_bytes(stored.read_bytes())
    write_card(args.out, card(data, seconds, storage, evaluation))
    _log(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) and its card", start)


if __name__ == "__main__":
    main()
