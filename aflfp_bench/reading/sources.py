"""Images without ground truth: every image under a folder, or every N-th frame of a
video. Their ids are what ``predict`` writes: an image's path relative to the folder
without its extension (the ids the 300-W loader gives, so the output scores directly
against a folder of ``.pts``), and ``<video stem>/<frame index>`` for a video's frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BenchError, MissingExtra
from .files import walk_folders

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def image_folder(root) -> list[tuple[str, str]]:
    """``(id, path)`` of every image under ``root`` (recursive; regular files named jpg,
    jpeg, png, bmp in any case; links followed, a folder linking back to a parent visited
    once, hidden folders skipped), sorted by id.
    Two images with one id (``a.jpg`` and ``a.png``) are an error naming both."""
    root = Path(root)
    if not root.is_dir():
        raise BenchError(f"{root}: not a folder of images")
    found: dict[str, str] = {}
    for folder, names in walk_folders(root):
        for name in names:
            stem, ext = os.path.splitext(name)
            if ext.lower() not in IMAGE_EXTS:
                continue
            path = os.path.join(folder, name)
            if not os.path.isfile(path):          # only regular files are images (no FIFO)
                continue
            image_id = Path(os.path.relpath(os.path.join(folder, stem), root)).as_posix()
            if image_id in found:
                raise BenchError(f"{path}: two images have the id {image_id!r} (also "
                                 f"{found[image_id]}); rename one")
            found[image_id] = path
    if not found:
        raise BenchError(f"{root}: no images ({', '.join(e[1:] for e in IMAGE_EXTS)}) in the folder "
                         "or below it")
    return sorted(found.items())


def _cv2():
    try:
        import cv2
    except ImportError:
        raise MissingExtra("reading videos needs OpenCV: pip install 'aflfp-bench[cv]'") from None
    return cv2


@dataclass(frozen=True)
class FrameIds:
    """The ids ``<stem>/<index>`` of every ``every``-th frame below ``declared``, answering
    ``in`` in constant time and memory."""

    stem: str
    every: int
    declared: int

    def __contains__(self, image_id) -> bool:
        head, _, tail = str(image_id).rpartition("/")
        if head != self.stem or not (tail.isascii() and tail.isdigit()):
            return False
        index = int(tail)
        return index < self.declared and index % self.every == 0

    def __len__(self) -> int:
        return -(-self.declared // self.every)


class Video:
    """Every ``every``-th frame of a video file, as ``(id, gray uint8 image)``."""

    def __init__(self, path, every: int = 1):
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.path, self.every = Path(path), every
        cv2 = _cv2()
        if not self.path.is_file():
            raise BenchError(f"{self.path}: no such video file")
        capture = cv2.VideoCapture(str(self.path))
        ok = capture.isOpened()
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if ok else 0
        capture.release()
        if not ok:
            raise BenchError(f"{self.path}: cannot open the video (not a video file, or a "
                             "codec OpenCV lacks)")
        #: Frames the container declares (0 when it does not say); an estimate only.
        self.declared = max(count, 0)

    def ids(self) -> FrameIds:
        """The ids of the frames the container declares (a guide for resuming), as a
        container that answers ``in`` without listing them (a header may declare 2^31
        frames)."""
        return FrameIds(self.path.stem, self.every, self.declared)

    def frame_id(self, index: int) -> str:
        return f"{self.path.stem}/{index}"

    def __len__(self) -> int:
        return len(self.ids())

    def frames(self, skip=frozenset()) -> Iterator[tuple[str, np.ndarray | None]]:
        """``(id, gray)`` of every ``every``-th frame in order; ``gray`` is None for an id
        in ``skip`` (its frame is not decoded into an array)."""
        cv2 = _cv2()
        capture = cv2.VideoCapture(str(self.path))
        try:
            index = 0
            while True:
                if index % self.every:
                    if not capture.grab():
                        return
                    index += 1
                    continue
                frame_id = self.frame_id(index)
                if frame_id in skip:
                    if not capture.grab():
                        return
                    yield frame_id, None
                else:
                    ok, frame = capture.read()
                    if not ok:
                        return
                    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                    yield frame_id, np.ascontiguousarray(gray, dtype=np.uint8)
                index += 1
        finally:
            capture.release()
