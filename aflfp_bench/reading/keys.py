"""Which image of a dataset a prediction's key names.

A key is matched, in this order, as: the canonical image id; the image's path relative
to the dataset root (with or without its extension); for an absolute path, the file it
names, relative to the dataset's image root (links resolved on both sides); an image's
whole path at the end of the key (a key with a folder prefix: COCO's ``images/001/...``,
another machine's absolute path); the whole key at the end of an image's path (a key
relative to a folder below the root: ``001-BR/key frames/001-BR_1.jpg``; a bare file
name is the image's own stem). Nothing else matches: a key whose folders differ from the
image's, or whose image extension is another, names no image. An ending several images
share is an error naming two of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import BenchError
from .dataset import Dataset
from .files import excerpt
from .sources import IMAGE_EXTS
from .urls import is_url


def normal_key(key: str) -> str:
    """``key`` with ``\\`` read as ``/``, surrounding white space and a leading ``./``
    removed."""
    key = key.strip().replace("\\", "/")
    return key[2:] if key.startswith("./") else key


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _without_image_ext(name: str) -> str:
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in IMAGE_EXTS else name


class KeyIndex:
    """Key -> dataset row (:meth:`get`). The tables beyond the ids are built only when a
    key needs them."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.ids = {image_id: i for i, image_id in enumerate(dataset.ids.tolist())}
        self.paths: dict[str, int] = {}
        self.built = False
        self.tails: dict[tuple[str, ...], list[int]] = {}
        self.whole: dict[tuple[str, ...], int] = {}
        self._root: str | None = None

    def _tables(self) -> None:
        self.built = True
        self.exts: list[str] = []
        for i, image in enumerate(self.dataset.meta["image"].astype(str).tolist()):
            self.paths[image] = i
            self.paths[os.path.splitext(image)[0]] = i
            self.exts.append(os.path.splitext(image)[1].lower())
            parts = _parts(image)
            if not parts:
                continue
            parts[-1] = _without_image_ext(parts[-1])
            self.whole[tuple(parts)] = i
            for k in range(len(parts)):
                rows = self.tails.setdefault(tuple(parts[k:]), [])
                if not rows or rows[-1] != i:
                    rows.append(i)
        root = self.dataset.root
        if root is not None and not is_url(root):
            self._root = os.path.realpath(root)

    def _under_root(self, key: str) -> int | None:
        """The row of an absolute path to a file below the dataset's image root."""
        if self._root is None or not os.path.isabs(key):
            return None
        try:
            rel = os.path.relpath(os.path.realpath(key), self._root)
        except (OSError, ValueError):      # a NUL, another drive: not a path below the root
            return None
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        rel = rel.replace(os.sep, "/")
        return self.paths.get(rel, self.paths.get(os.path.splitext(rel)[0]))

    def _same_ext(self, row: int, key: str) -> bool:
        """A key naming an image file must name its extension (any case)."""
        ext = os.path.splitext(key)[1].lower()
        return ext not in IMAGE_EXTS or ext == self.exts[row]

    def get(self, key: str, where: Callable[[], str]) -> int | None:
        """The dataset row of ``key`` (None if none); ``where()``: the record's position,
        for an error (made only then: a clean file's line numbers are never counted)."""
        found = self.ids.get(key)
        if found is not None:
            return found
        if not self.built:
            self._tables()
        key = normal_key(key)
        found = self.paths.get(key)
        if found is None:
            found = self._under_root(key)
        if found is not None:
            return found
        parts = _parts(key)
        if not parts:
            return None
        parts[-1] = _without_image_ext(parts[-1])
        for k in range(len(parts) - 1):              # an image's whole path ends the key
            found = self.whole.get(tuple(parts[k:]))
            if found is not None:
                return found if self._same_ext(found, key) else None
        rows = self.tails.get(tuple(parts), [])      # the key ends an image's path
        if len(rows) > 1:
            shown = ", ".join(repr(self.dataset.ids[i]) for i in rows[:2])
            what = ("is the file stem of" if len(parts) == 1 else
                    "ends the paths of")
            raise BenchError(f"{where()}: image_id {excerpt(key)} {what} {len(rows)} images "
                             f"({shown}, ...); name it by its path")
        return rows[0] if rows and self._same_ext(rows[0], key) else None
