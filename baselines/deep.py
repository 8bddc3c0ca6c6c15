"""The deep baselines as adapters: ``vgg``, ``fcn`` and ``cascaded-fcn``.

Training needs torch (extra ``[train]``: :mod:`.nets`, :mod:`.deep_train`); the trained
network is saved as one ONNX file with its metadata (:mod:`.onnx_model`), and loading a
model gives an :class:`~.onnx_model.OnnxModel`, so ``predict`` and ``cv``'s predictions
run with onnxruntime alone.
"""

from __future__ import annotations

import io
import json

import numpy as np

from .._version import __version__
from ..errors import BenchError, MissingExtra
from ..protocol import NAME as PROTOCOL_NAME
from ..running.adapters import Adapter
from ..running.crops import crop_dataset
from .heatmaps import DECODINGS, DEFAULT_DECODING
from .onnx_model import FORMAT, OnnxModel

OPSET = 17
#: Training recipes: ``slim`` (the default: a quarter of the paper's channels, with
#: augmentation, the per-pixel mean squared error) and ``paper`` (the AFLFP paper's
#: setting: full width, no augmentation, Adam with lr 1e-4 divided by 10 every 30 epochs,
#: batch 32, the loss of its Eq. 2). The paper gives no epoch count; both use 60.
RECIPES = {
    "slim": {"width": 0.25, "epochs": 60, "batch_size": 32, "lr": 1e-4, "lr_step": 30,
             "augment": True, "loss": "pixel-mean"},
    "paper": {"width": 1.0, "epochs": 60, "batch_size": 32, "lr": 1e-4, "lr_step": 30,
              "augment": False, "loss": "eq2"},
}


def _torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        raise MissingExtra("training the deep baselines needs torch: pip install "
                          "'aflfp-bench[train]'") from None
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise MissingExtra("exporting to ONNX needs onnx: pip install 'aflfp-bench[train]'") from None


class DeepAdapter(Adapter):
    """A deep baseline: trained here with torch, saved as ONNX; a loaded model predicts
    with onnxruntime (:class:`~.onnx_model.OnnxModel`, its ``runtime``)."""

    arch = ""
    name = ""
    needs_image = True
    trainable = True
    detector = "haar"
    model_suffix = ".onnx"
    training_options = ("max_train", "seed", "recipe", "epochs", "width", "batch_size", "lr",
                        "augment", "decoding", "device")

    def __init__(self, *, recipe: str = "slim", width: float | None = None,
                 epochs: int | None = None, batch_size: int | None = None,
                 lr: float | None = None, lr_step: int | None = None,
                 augment: bool | None = None, loss: str | None = None, size: int = 96,
                 margin: float = 0.2, decoding: str = DEFAULT_DECODING,
                 max_train: int | None = None, seed: int = 0, checkpoint=None, device=None):
        """Settings not given come from ``recipe`` (:data:`RECIPES`)."""
        super().__init__()
        if recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {recipe!r}")
        if decoding not in DECODINGS:
            raise ValueError(f"decoding must be one of {', '.join(DECODINGS)}, got {decoding!r}")
        given = {"width": width, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                 "lr_step": lr_step, "augment": augment, "loss": loss}
        chosen = {k: (RECIPES[recipe][k] if v is None else v) for k, v in given.items()}
        if not chosen["width"] > 0:
            raise ValueError(f"width must be positive, got {chosen['width']}")
        self.settings = {"recipe": recipe, "width": float(chosen["width"]),
                         "epochs": int(chosen["epochs"]), "batch_size": int(chosen["batch_size"]),
                         "lr": float(chosen["lr"]), "lr_step": int(chosen["lr_step"]),
                         "augment": bool(chosen["augment"]), "loss": chosen["loss"],
                         "seed": int(seed)}
        self.size, self.margin, self.decoding = size, margin, decoding
        self.max_train, self.checkpoint, self.device = max_train, checkpoint, device
        self.net = None
        self.runtime: OnnxModel | None = None
        self.training_data = ""

    def fit(self, dataset, *, boxes=None, progress=None, log=None) -> None:
        _torch()
        boxes = dataset.boxes if boxes is None else np.asarray(boxes, dtype=float)
        if self.max_train and len(dataset) > self.max_train:
            rng = np.random.default_rng(self.settings["seed"])
            keep = np.sort(rng.choice(len(dataset), self.max_train, replace=False))
            dataset, boxes = dataset.subset(keep), boxes[keep]
        crops, targets = crop_dataset(dataset, boxes, size=self.size, margin=self.margin,
                                      progress=progress)
        self.fit_crops(crops, targets, f"{dataset.label}: {len(dataset)} images", log=log)

    def fit_crops(self, crops: np.ndarray, targets: np.ndarray, training_data: str, *,
                  log=None, progress=None) -> None:
        """Train on prepared crops ((n, size, size) in 0-255; targets (n, 68, 2) in crop
        pixels), e.g. made here and carried to a machine with a GPU. ``progress(steps,
        loss)`` is called after every batch."""
        _torch()
        from .deep_train import train_network

        if crops.shape[1:] != (self.size, self.size):
            raise ValueError(f"crops must be {self.size}x{self.size}, got {crops.shape[1:]}")
        self.training_data = training_data
        s = self.settings
        self.net = train_network(self.arch, crops, targets, width=s["width"], epochs=s["epochs"],
                                 batch_size=s["batch_size"], lr=s["lr"], lr_step=s["lr_step"],
                                 augment=s["augment"], seed=s["seed"], loss=s["loss"],
                                 checkpoint=self.checkpoint, device=self.device,
                                 progress=progress, log=log)

    def metadata(self) -> dict:
        mapping = self.box_mapping
        return {
            "format": FORMAT, "arch": self.arch,
            "output": "points" if self.arch == "vgg" else "heatmaps",
            "input_size": str(self.size), "margin": repr(float(self.margin)),
            "decoding": self.decoding, "box": self.box, "detector": self.detector,
            "box_mapping": json.dumps(None if mapping is None else {
                "dx": mapping.dx, "dy": mapping.dy, "sw": mapping.sw, "sh": mapping.sh}),
            "training_data": self.training_data, "protocol_version": PROTOCOL_NAME,
            "toolkit_version": __version__, "settings": json.dumps(self.settings, sort_keys=True),
        }

    def save(self, path) -> None:
        """Export to ONNX (opset 17, dynamic batch) with :meth:`metadata`; the graph is
        the network's inference form (:mod:`.export_graph`)."""
        _torch()
        import onnx
        import torch

        from .export_graph import export_module, legacy_export_warnings_ignored

        if self.net is None:
            raise ValueError(f"the {self.name} model is not trained")
        buf = io.BytesIO()
        dummy = torch.zeros(1, 1, self.size, self.size)
        outputs = ["points"] if self.arch == "vgg" else ["heatmaps"]
        if self.arch != "vgg" and self.decoding == "top25":
            outputs.append("top25")
        with legacy_export_warnings_ignored():
            torch.onnx.export(export_module(self.net, self.size, self.decoding), (dummy,), buf,
                              dynamo=False, input_names=["image"], output_names=outputs,
                              dynamic_axes={name: {0: "batch"} for name in ["image", *outputs]},
                              opset_version=OPSET)
        model = onnx.load_from_string(buf.getvalue())
        for key, value in self.metadata().items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        model.producer_name = "aflfp-bench"
        with open(path, "wb") as fh:
            fh.write(model.SerializeToString())

    def predict(self, image, box) -> np.ndarray:
        if self.runtime is None:
            raise BenchError(f"the {self.name} model is not loaded: train one, or load its "
                             "exported .onnx")
        return self.runtime.predict(image, box)

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        if self.runtime is None:
            raise BenchError(f"the {self.name} model is not loaded")
        return self.runtime.predict_crops(crops)

    @classmethod
    def load(cls, path) -> DeepAdapter:
        """The exported model in ``path`` (an aflfp-bench ONNX file of this architecture),
        run with onnxruntime."""
        runtime = OnnxModel.load(path)
        if runtime.arch != cls.arch:
            raise BenchError(f"{path}: a {runtime.arch} model, not {cls.arch}; use --adapter "
                             f"{runtime.arch} or onnx")
        adapter = cls(size=runtime.size, margin=runtime.margin, decoding=runtime.decoding)
        adapter.runtime, adapter.box, adapter.box_mapping = runtime, runtime.box, runtime.box_mapping
        return adapter


class VGG(DeepAdapter):
    arch = name = "vgg"


class FCN(DeepAdapter):
    arch = name = "fcn"


class CascadedFCN(DeepAdapter):
    arch = name = "cascaded-fcn"
    #: The bundled ONNX model is a cascaded FCN trained here.
    pretrained_instead = "onnx"
