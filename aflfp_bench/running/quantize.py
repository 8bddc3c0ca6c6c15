"""int8 models for the ``onnx`` adapter: onnxruntime static quantization of an aflfp-bench
landmark model (``aflfp-bench export --quantize int8``).

Activations and weights of every convolution become int8 in the QDQ format
(``QuantizeLinear``/``DequantizeLinear`` pairs that onnxruntime fuses into integer
kernels), weights with one scale per output channel, activations with one scale each,
calibrated (min-max) on crops of the given images made exactly as the adapter makes them
(the model's input size and margin, in ground-truth boxes). The decoding inside the graph
stays float32. The model's metadata is kept and gains ``quantization`` (JSON: the scheme,
the calibration data, the number of crops and the seed of their draw), so the ``onnx``
adapter runs the quantized model as it runs the float one.

Needs ``onnx`` and ``onnxruntime`` (the ``[quantize]`` extra).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BenchError, MissingExtra

SCHEME = {"format": "QDQ", "weights": "int8, symmetric, per output channel",
          "activations": "uint8, asymmetric, per tensor", "calibration": "min-max",
          "operators": ["Conv", "ConvTranspose", "Relu", "MaxPool", "Add", "DepthToSpace"]}


def require() -> None:
    """Fail now, naming the extra, when onnx or onnxruntime is missing."""
    _modules()


def _modules():
    try:
        import onnx
        from onnxruntime import quantization
    except ImportError:
        raise MissingExtra("int8 export needs onnx and onnxruntime: pip install "
                           "'aflfp-bench[quantize]'") from None
    return onnx, quantization


def dense(model):
    """The model with every weight stored as a float32 initializer: constant
    ``DequantizeLinear`` and ``Cast`` nodes of stored int8/float16 weights (the bundled
    model's storage, tools/shrink_bundled_model.py) are folded back."""
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    folded, keep = {}, []
    for node in model.graph.node:
        if node.op_type == "Cast" and node.input[0] in inits:
            folded[node.output[0]] = inits[node.input[0]].astype(np.float32)
        elif node.op_type == "DequantizeLinear" and all(n in inits for n in node.input):
            q, scale = inits[node.input[0]].astype(np.float32), inits[node.input[1]]
            zero = inits[node.input[2]].astype(np.float32) if len(node.input) > 2 else 0.0
            shape = [1] * q.ndim
            if np.size(scale) > 1:                      # per axis; else one scale for all
                axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
                shape[axis % q.ndim] = -1
            folded[node.output[0]] = ((q - np.reshape(zero, shape or ())) *
                                      np.reshape(scale, shape or ())).astype(np.float32)
        else:
            keep.append(node)
    if not folded:
        return model
    used = {n for node in keep for n in node.input}
    del model.graph.node[:]
    model.graph.node.extend(keep)
    others = [i for i in model.graph.initializer if i.name in used and i.name not in folded]
    del model.graph.initializer[:]
    model.graph.initializer.extend(others + [numpy_helper.from_array(v, k)
                                             for k, v in folded.items()])
    return model


def calibration_crops(dataset, *, size: int, margin: float, n: int = 256,
                      seed: int = 0) -> np.ndarray:
    """``n`` crops (or all images, when fewer) drawn with ``seed`` from ``dataset``, cut
    in the ground-truth boxes as the adapter cuts them: ``(n, size, size)`` in 0-255."""
    from ..reading.images import load_gray
    from .crops import crop_gray

    if n < 1:
        raise BenchError(f"need at least one calibration image, got {n}")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(dataset), min(n, len(dataset)), replace=False))
    return np.asarray([crop_gray(load_gray(dataset.image_path(i)), dataset.boxes[i], size=size,
                                 margin=margin)[0] for i in pick], dtype=np.float32)


def quantize_int8(source, out, crops: np.ndarray, *, calibration: str, seed: int = 0) -> dict:
    """Write the int8 model of the float model ``source`` to ``out`` (atomically),
    calibrated on ``crops``; returns the ``quantization`` metadata recorded in it."""
    from ..reading.atomic import replacing

    onnx, q = _modules()
    source = Path(source)
    try:
        model = onnx.load(str(source))
    except Exception as exc:  # onnx raises its own types for a file that is not a model
        raise BenchError(f"{source}: not an ONNX model ({str(exc).splitlines()[0]})") from None
    meta = {p.key: p.value for p in model.metadata_props}
    if "quantization" in meta:
        raise BenchError(f"{source}: already quantized ({meta['quantization'][:60]})")
    x = np.asarray(crops, dtype=np.float32)[:, None] / np.float32(255.0)

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"image": x[k:k + 8]} for k in range(0, len(x), 8)])

        def get_next(self):
            return next(self.batches, None)

    record = {**SCHEME, "calibration_data": calibration, "calibration_crops": int(len(x)),
              "seed": seed}
    with tempfile.TemporaryDirectory(prefix="aflfp-int8-") as tmp:
        plain = Path(tmp) / "float.onnx"
        onnx.save(dense(model), str(plain))
        prepared = Path(tmp) / "prepared.onnx"
        q.quant_pre_process(str(plain), str(prepared), skip_symbolic_shape=True)
        quantized = Path(tmp) / "int8.onnx"
        q.quantize_static(str(prepared), str(quantized), Reader(), quant_format=q.QuantFormat.QDQ,
                          per_channel=True, weight_type=q.QuantType.QInt8,
                          activation_type=q.QuantType.QUInt8,
                          op_types_to_quantize=list(SCHEME["operators"]),
                          calibrate_method=q.CalibrationMethod.MinMax)
        result = onnx.load(str(quantized))
        del result.metadata_props[:]
        for key, value in {**meta, "quantization": json.dumps(record, sort_keys=True)}.items():
            result.metadata_props.add(key=key, value=value)
        with replacing(Path(out), "model") as part:
            onnx.save(result, str(part))
    return record
