"""The ``onnx`` adapter: runs an exported landmark model with onnxruntime (extra
``[onnx]``); no torch needed.

A model is one ``.onnx`` file (opset 17, dynamic batch) with input ``image``
``(n, 1, S, S)`` float32 gray/255 crops and output ``heatmaps`` ``(n, 68, S, S)`` or
``points`` ``(n, 136)`` (crop pixels / S). Its metadata (ONNX ``metadata_props``) says
how to use it; keys, all strings:

``format`` (``aflfp-bench/landmarks-onnx v1``), ``arch``, ``output`` (``heatmaps`` or
``points``), ``input_size``, ``margin`` (crop margin, :mod:`aflfp_bench.running.crops`), ``decoding``
(heatmap decoder, :mod:`.heatmaps`), ``box`` (``gt`` or ``detector``: the boxes it was
trained on), ``detector``, ``box_mapping`` (JSON), ``training_data``, ``protocol_version``,
``toolkit_version``, ``settings`` (JSON of the training settings).

Heatmap models exported with ``decoding`` ``top25`` have a second output, ``top25``
``(n, 68, 2)``: the points in crop pixels, decoded inside the graph (:mod:`.export_graph`);
it is used when present. Otherwise decoding runs here in numpy (:mod:`.heatmaps`).
Without ``--model``, a bundled model (:mod:`aflfp_bench.running.bundled`) is used: the one
trained on real faces, or on a synthetic set the one trained on synthetic faces; ``--model
NAME`` names either.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import BenchError, MissingExtra
from ..running.adapters import Adapter
from ..running.bundled import default_model, named_or_path
from ..running.crops import crop_gray
from ..running.faces import BoxMapping
from .heatmaps import DEFAULT_DECODING, decode

FORMAT = "aflfp-bench/landmarks-onnx v1"
BATCH = 32


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise MissingExtra("the onnx adapter needs onnxruntime: pip install 'aflfp-bench[onnx]'") from None
    return onnxruntime


def _session(path: Path, threads: int):
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise BenchError(f"{path}: not a usable ONNX model ({str(exc).splitlines()[0]})") from None


class OnnxModel(Adapter):
    name = "onnx"
    needs_image = True
    trainable = False
    model_suffix = ".onnx"

    def __init__(self, path=None, *, threads: int = 1):
        """``threads``: onnxruntime's intra-op threads (1: the runner's worker processes
        give the parallelism)."""
        super().__init__()
        _onnxruntime()
        self.path = Path(self.model_for(path, synthetic=False))
        if not self.path.is_file():
            raise BenchError(f"{self.path}: no such model file")
        self.session = _session(self.path, threads)
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("format") != FORMAT:
            raise BenchError(f"{self.path}: not an aflfp-bench landmark model (metadata format "
                             f"{meta.get('format')!r}, expected {FORMAT!r})")
        lacking = [k for k in ("arch", "output", "input_size", "margin") if k not in meta]
        if lacking:
            raise BenchError(f"{self.path}: the model's metadata lacks {', '.join(lacking)}")
        self.meta = meta
        self.arch = meta["arch"]
        self.output = meta["output"]
        try:
            self.size = int(meta["input_size"])
            self.margin = float(meta["margin"])
        except ValueError:
            raise BenchError(f"{self.path}: the model's metadata has a malformed input_size or "
                             "margin") from None
        self.decoding = meta.get("decoding", DEFAULT_DECODING)
        self.box = meta.get("box", "gt")
        self.detector = meta.get("detector", "haar")
        outputs = [o.name for o in self.session.get_outputs()]
        # The graph's own top25 decoding, when it has one and the metadata asks for it.
        self.decoded = "top25" if self.decoding == "top25" and "top25" in outputs else None
        mapping = json.loads(meta.get("box_mapping") or "null")
        self.box_mapping = BoxMapping(**mapping) if mapping else None

    @classmethod
    def load(cls, path) -> OnnxModel:
        return cls(path)

    @classmethod
    def model_for(cls, model, *, synthetic: bool):
        """``model`` (a file, or a bundled model's name), else the bundled model for the
        data: trained on synthetic faces for a synthetic set, on real faces otherwise."""
        return default_model(synthetic=synthetic) if model is None else named_or_path(model)

    def run(self, crops: np.ndarray, output: str | None = None) -> np.ndarray:
        """The graph's output ``output`` (default: its heatmaps or points) for (n, S, S)
        crops in 0-255, in batches of 32."""
        x = np.asarray(crops, dtype=np.float32)[:, None] / np.float32(255.0)
        names = [output or self.output]
        outs = [self.session.run(names, {"image": x[k:k + BATCH]})[0]
                for k in range(0, len(x), BATCH)]
        return np.concatenate(outs)

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """(n, 68, 2) points in crop pixels; decoded batch by batch (the heatmaps of one
        batch of 32 take 80 MB)."""
        if self.decoded:
            return self.run(crops, self.decoded).astype(float)
        found = []
        for k in range(0, len(crops), BATCH):
            out = self.run(crops[k:k + BATCH])
            if self.output == "points":
                found.append(out.reshape(len(out), -1, 2).astype(float) * self.size)
            else:
                found.append(decode(out, self.decoding))
        return np.concatenate(found)

    def predict(self, image, box) -> np.ndarray:
        crop, t = crop_gray(image, box, size=self.size, margin=self.margin)
        return t.to_image(self.predict_crops(crop[None])[0])

    def save(self, path) -> None:
        Path(path).write_bytes(self.path.read_bytes())
