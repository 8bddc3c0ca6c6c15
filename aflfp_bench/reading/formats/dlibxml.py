"""dlib's imglab XML (``training_with_face_landmarks.xml``, the format of dlib's
shape-predictor tools and of many annotation tools)::

    <dataset><images>
      <image file='001/001-BR/key frames/001-BR_1.jpg'>
        <box top='181' left='274' width='52' height='53'>
          <part name='00' x='276' y='198'/> ... <part name='67' x='299' y='229'/>
        </box>
      </image>
    </images></dataset>

Read as predictions (the key of each face is its image's ``file``, matched as every key
is) and as ground truth (:func:`read_faces`, for ``aflfp-bench import``). Each box must
have exactly 68 parts named 0..67 (``00``, ``0`` and the like), each once, with numeric
``x`` and ``y``; a box marked ``ignore='1'`` is left out. An image with no box has no
prediction; several boxes for one image are refused (the XML holds no confidence to
choose by). A document type declaration is refused (it could add attribute values the
file does not show, or entities that expand without bound).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ...errors import BenchError
from ...protocol import N_POINTS
from ..files import excerpt
from .format import PredictionFormat, Request
from .records import Records, read_prediction_bytes

_START = re.compile(rb"(<\?xml[^>]*\?>\s*)?(<\?[^>]*\?>\s*|<!--.*?-->\s*|"
                    rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>\s*)*<dataset[\s>]", re.S)


_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)


def _number(value: str | None, where: str, name: str) -> float:
    text = (value or "").strip()
    number = float(text) if _NUMBER.fullmatch(text) else math.nan
    if not math.isfinite(number):
        shown = "missing" if value is None else f"{excerpt(value)} is not a number"
        raise BenchError(f"{where}: {name} {shown}")
    return number


def _ignored(box, where: str) -> bool:
    """dlib's ``ignore`` flag of a box (``1``/``true`` or ``0``/``false``, absent: kept)."""
    flag = box.get("ignore", "0").strip().lower()
    if flag not in ("0", "1", "true", "false", ""):
        raise BenchError(f"{where}: ignore {excerpt(flag)}; expected 0 or 1")
    return flag in ("1", "true")


def _parts(box, where: str) -> np.ndarray:
    """The 68 points of one box, in part order."""
    parts = box.findall("part")
    if len(parts) != N_POINTS:
        raise BenchError(f"{where}: {len(parts)} parts; a 68-point face needs parts 0..67")
    points = np.full((N_POINTS, 2), np.nan)
    for part in parts:
        name = part.get("name", "")
        if not re.fullmatch(r"[0-9]{1,3}", name) or int(name) >= N_POINTS:
            raise BenchError(f"{where}: part name {excerpt(name)}; expected 0..67")
        k = int(name)
        if not np.isnan(points[k, 0]):
            raise BenchError(f"{where}: part {name} given twice")
        points[k] = (_number(part.get("x"), f"{where}, part {name}", "x"),
                     _number(part.get("y"), f"{where}, part {name}", "y"))
    return points


def _refuse_declarations(path: Path, data: bytes) -> None:
    """A document type declaration can add attributes (defaults for missing ``x``, an
    ``ignore`` on every box) and entities (text that expands without bound): refused, in
    whatever encoding the file is, by the parser itself."""
    import xml.parsers.expat

    def refuse(*_):
        raise BenchError(f"{path}: declares a document type (DOCTYPE); refusing it: an "
                         "imglab XML needs none")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise BenchError(f"{path}: not well-formed XML ({exc})") from None


def _parse(path: Path, data: bytes):
    import xml.etree.ElementTree as ET

    _refuse_declarations(path, data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BenchError(f"{path}: not well-formed XML ({exc})") from None
    if root.tag != "dataset" or root.find("images") is None:
        raise BenchError(f"{path}: not a dlib imglab XML (no <dataset><images>)")
    return root.find("images").findall("image")


def read_faces(path: Path, data: bytes) -> list[tuple[str, np.ndarray | None]]:
    """``(file, points (68, 2) or None)`` per image of an imglab XML, in file order."""
    faces, first = [], {}
    for n, image in enumerate(_parse(path, data)):
        file = image.get("file")
        if not file:
            raise BenchError(f"{path}: image {n + 1} has no 'file'")
        where = f"{path}: image {excerpt(file)}"
        if file in first:
            raise BenchError(f"{where}: listed twice (images {first[file]} and {n + 1})")
        first[file] = n + 1
        boxes = [b for b in image.findall("box") if not _ignored(b, where)]
        if len(boxes) > 1:
            raise BenchError(f"{where}: {len(boxes)} boxes and no confidence to choose one; "
                             "keep one face per image")
        faces.append((file, _parts(boxes[0], f"{where}, box 1") if boxes else None))
    return faces


def _read(request: Request) -> Records:
    path = request.path
    data = read_prediction_bytes(path, request.n_images)
    faces = read_faces(path, data)
    kept = [(file, points) for file, points in faces if points is not None]
    coords = np.stack([p for _, p in kept]) if kept else np.empty((0, N_POINTS, 2))
    notes = []
    if len(kept) < len(faces):
        notes.append(f"{len(faces) - len(kept)} image(s) with no box: no prediction for them")
    return Records([file for file, _ in kept], coords,
                   lambda i: f"{path}: image {excerpt(kept[i][0])}",
                   lambda p, axis: f"part {p} {'xy'[axis]}", found="68 parts per box",
                   notes=notes)


def _recognise(start: bytes) -> bool:
    return _START.match(start) is not None


FORMATS = (PredictionFormat("dlib-xml", "file", "a dlib imglab XML (<dataset><images>...)",
                            _recognise, _read, rank=40),)
