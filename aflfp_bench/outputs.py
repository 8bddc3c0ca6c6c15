"""An output never replaces an input.

Every command that writes files first lists what it reads in that run (:class:`Reads`:
files, folders whose contents it reads, a dataset's images) and checks each output path
against them (:func:`check_outputs`) before it computes anything: an output that is one
of those files (through links, ``..``, a hard link, another case on a case-insensitive
file system) or lies inside one of those folders (a dataset folder, the submissions being
ranked) is refused with one line, and nothing is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BenchError
from .files import inside, same_file
from .urls import is_url


@dataclass
class Reads:
    """What a run reads: ``files``, ``trees`` (folders whose contents it reads) and, for a
    manifest's dataset, its images (``(root, relative paths)``)."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    trees: list[tuple[Path, str]] = field(default_factory=list)
    images: list[tuple[Path, frozenset[str], str]] = field(default_factory=list)

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
        if source is not None and Path(source).is_dir():
            self.add(source, "the ground truth's folder")
        else:
            self.add(source, "the ground truth")
            if dataset.root is not None and not is_url(dataset.root):
                self.images.append((Path(dataset.root),
                                    frozenset(_key(p) for p in dataset.meta["image"]),
                                    "an image of the ground truth"))
        if dataset.subjects is not None and dataset.subjects.source:
            self.add(dataset.subjects.source, "the subjects file")
        return self


def _key(relative) -> str:
    return os.path.normcase(os.path.normpath(str(relative)))


def check_outputs(outputs, reads: Reads) -> None:
    """BenchError (one line) for the first output of ``outputs`` (``(option, path)``
    pairs; None and ``-`` are skipped) that is, or would land inside, something ``reads``
    holds."""
    for option, out in outputs:
        if out is None or out == "-" or is_url(out):
            continue
        for path, what in reads.files:
            if same_file(out, path):
                raise BenchError(f"{option} {out}: that is {path} ({what}), which this run "
                                 "reads; write it elsewhere")
        for tree, what in reads.trees:
            if inside(out, tree):
                raise BenchError(f"{option} {out}: inside {tree} ({what}), which this run "
                                 "reads; write it elsewhere")
        for root, images, what in reads.images:
            if not inside(out, root):
                continue
            relative = os.path.relpath(os.path.realpath(out), os.path.realpath(root))
            name = os.path.basename(out).casefold()
            if _key(relative) in images or (os.path.exists(out) and any(
                    same_file(out, root / p) for p in images
                    if os.path.basename(p).casefold() == name)):
                raise BenchError(f"{option} {out}: that is {what} ({relative}), which this "
                                 "run reads; write it elsewhere")
