"""How a prediction format declares itself: one :class:`PredictionFormat` says how a
file of the format is recognised, how it is read and how it is named in errors.

A format lives in one of three containers, each with its own recogniser and reader:

==========  ==================================  =========================================
container   ``recognise(...)`` gets             ``read(...)`` gets
==========  ==================================  =========================================
``file``    the file's first bytes (after gzip  the :class:`Request`
            decompression, a byte-order mark
            and leading white space)
``folder``  one file name below the folder      the folder, its files the format
                                                recognised (sorted) and the Request
``csv``     the CSV header's column names       the :class:`~.records.Source`, the header
                                                and the Request
==========  ==================================  =========================================

Every reader returns :class:`~.records.Records` in the file's own markup. A module of
``aflfp_bench.reading.formats`` that defines ``FORMATS`` (a tuple of declarations) adds
them; another package adds its own through the entry-point group
``aflfp_bench.prediction_formats`` (docs/formats.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from .records import ReadOptions

#: The containers, in the order the formats are listed in errors and docs.
CONTAINERS = ("csv", "folder", "file")
#: The read options only some formats use (the others apply to every format).
SPECIFIC_OPTIONS = tuple(f.name for f in fields(ReadOptions) if f.default is None)


@dataclass(frozen=True)
class Request:
    """What a reader is asked for: ``path`` (the file or folder), the read ``options``,
    ``n_images`` (the ground truth's count: it bounds the bytes read) and ``n_points``
    (the markup's count)."""

    path: Path
    options: ReadOptions
    n_images: int
    n_points: int


@dataclass(frozen=True)
class PredictionFormat:
    """One prediction format. ``name``: what the scores document records (lower case,
    digits and dashes); ``description``: how the error listing the formats names it;
    ``uses``: the options of :data:`SPECIFIC_OPTIONS` it reads (one given for a format
    that does not use it is noted); ``rank``: among the formats of one container, lower
    is asked first; ``member``: for a folder format, what its files are called in errors
    (``.pts files``)."""

    name: str
    container: str
    description: str
    recognise: Callable
    read: Callable
    uses: tuple[str, ...] = ()
    rank: int = 100
    member: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", self.name):
            raise ValueError(f"a format's name must be 1-40 lower-case letters, digits and "
                             f"dashes, got {self.name!r}")
        if self.container not in CONTAINERS:
            raise ValueError(f"container must be one of {', '.join(CONTAINERS)}; got "
                             f"{self.container!r}")
        unknown = sorted(set(self.uses) - set(SPECIFIC_OPTIONS))
        if unknown:
            raise ValueError(f"uses must name options among {', '.join(SPECIFIC_OPTIONS)}; got "
                             f"{unknown[0]!r}")
        if self.container == "folder" and not self.member:
            raise ValueError(f"the folder format {self.name!r} needs a member (what its files "
                             "are called in errors)")
