"""An output never replaces an input.

Every command that writes files first lists what it reads in that run (:class:`Reads`:
files, folders whose contents it reads, a dataset's images) and checks each output path
against them (:func:`check_outputs`) before it computes anything: an output that is one
of those files (through links, ``..``, a hard link, another case on a case-insensitive
file system) or lies inside one of those folders (a dataset folder, the submissions being
ranked) is refused with one line, and nothing is written.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BenchError
from .files import same_file
from .urls import is_url


@dataclass
class Reads:
    """What a run reads: ``files``, ``trees`` (folders whose contents it reads) and, for a
    manifest's dataset, its images (``(root, relative paths)``)."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    trees: list[tuple[Path, str]] = field(default_factory=list)
    #: (the dataset's images, what they are): their paths are resolved only when an
    #: output's name could be one of theirs
    images: list[tuple[_Images, str]] = field(default_factory=list)

    def add(self, path, what: str = "an input") -> Reads:
        """A file or folder given to the run (None, ``-`` and URLs are skipped)."""
        if path is None or path == "-" or is_url(path):
            return self
        path = Path(path)
        (self.trees if path.is_dir() else self.files).append((path, what))
        return self

    def add_dataset(self, dataset) -> Reads:
        """Everything a loaded dataset was read from: its folder (the whole tree) or its
        manifest, the manifest's images and its subjects file."""
        source = dataset.source
        folder = source is not None and Path(source).is_dir()
        self.add(source, "the ground truth's folder" if folder else "the ground truth")
        if dataset.root is not None and not is_url(dataset.root):
            images = _Images(dataset.root, dataset.meta["image"].tolist())
            self.images.append((images, "an image of the ground truth"))
            if folder:   # its folders as read, links followed: each one is read
                for parent in sorted({os.path.dirname(p) for p in images.paths}):
                    self.trees.append((Path(parent), "a folder of the ground truth"))
        if dataset.subjects is not None and dataset.subjects.source:
            self.add(dataset.subjects.source, "the subjects file")
        return self


class _Images:
    """A dataset's images: the root resolved once, each image's own path normalised
    (``..``, absolute paths), not resolved (a system call per image would cost every
    command)."""

    def __init__(self, root, names: list[str]):
        self.root, self.names = root, names

    @functools.cached_property
    def _real_root(self) -> str:
        return os.path.realpath(self.root)

    @functools.cached_property
    def _text(self) -> str:
        return "\n".join([self._real_root, *self.names]).casefold()

    def could_hold(self, name: str) -> bool:
        """False when no image's resolved path can end in the file name ``name``
        (casefolded): each such path's last part is a part of the root or of the image's
        own path, so it appears in their text."""
        return name in self._text

    @functools.cached_property
    def paths(self) -> frozenset[str]:
        """The real, case-normalised paths of the images."""
        return frozenset(os.path.normcase(os.path.normpath(os.path.join(self._real_root, p)))
                         for p in self.names)


def _key(path) -> str:
    """A path as compared: resolved (links, ``..``), case-normalised where the platform
    ignores case."""
    return os.path.normcase(os.path.realpath(str(path)))


def _identity(path) -> tuple[int, int] | None:
    """What makes two names one file or folder on disk (also across case on a
    case-insensitive file system); None when there is nothing at ``path``."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _chain(path) -> list[str]:
    """``path`` resolved (links, ``..``) and each folder above it."""
    current, chain = os.path.realpath(path), []
    while True:
        chain.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            return chain
        current = parent


def check_outputs(outputs, reads: Reads) -> None:
    """BenchError (one line) for the first output of ``outputs`` (``(option, path)``
    pairs; None and ``-`` are skipped) that is, or would land inside, something ``reads``
    holds."""
    outputs = [(option, out) for option, out in outputs
               if out is not None and out != "-" and not is_url(out)]
    if not outputs:
        return
    trees = {}
    for tree, what in reads.trees:
        trees.setdefault(os.path.normcase(os.path.realpath(tree)), (tree, what))
        if (found := _identity(tree)) is not None:
            trees.setdefault(found, (tree, what))
    for option, out in outputs:
        for path, what in reads.files:
            if same_file(out, path):
                raise BenchError(f"{option} {out}: that is {path} ({what}), which this run "
                                 "reads; write it elsewhere")
        for folder in _chain(out):
            hit = trees.get(os.path.normcase(folder)) or trees.get(_identity(folder))
            if hit is not None:
                raise BenchError(f"{option} {out}: inside {hit[0]} ({hit[1]}), which this run "
                                 "reads; write it elsewhere")
        target = _key(out)
        name = os.path.basename(target).casefold()
        for held, what in reads.images:
            if not held.could_hold(name):
                continue
            images = held.paths
            if target in images or (os.path.exists(out) and any(
                    same_file(out, p) for p in images
                    if os.path.basename(p).casefold() == name)):
                raise BenchError(f"{option} {out}: that is {what}, which this run reads; "
                                 "write it elsewhere")
