"""The formats there are: this package's (every module of it that defines ``FORMATS``)
and those other packages add through the entry-point group
``aflfp_bench.prediction_formats`` (each entry point names one :class:`.PredictionFormat`
or a tuple of them). The package's own are asked first; an installed one only for a file
none of them recognises.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ...errors import BenchError
from .format import CONTAINERS, PredictionFormat

GROUP = "aflfp_bench.prediction_formats"


@cache
def builtin() -> tuple[PredictionFormat, ...]:
    """The package's own formats, by container and rank (found once: they are code)."""
    package = __name__.rpartition(".")[0]
    found: list[PredictionFormat] = []
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        found += getattr(importlib.import_module(f"{package}.{info.name}"), "FORMATS", ())
    return _ordered(found)


def entry_points(**selection):
    """:func:`importlib.metadata.entry_points`, imported when a file first needs a plugin
    (the import costs every run about 8 ms)."""
    from importlib.metadata import entry_points as found

    return found(**selection)


def installed() -> tuple[PredictionFormat, ...]:
    """The formats other packages add (read afresh: what is installed can change); a
    BenchError names an entry point that cannot be loaded, is not a format or takes a
    name already taken."""
    taken = {f.name for f in builtin()}
    found: list[PredictionFormat] = []
    for ep in entry_points(group=GROUP):
        try:
            value = ep.load()
        except Exception as exc:  # a broken package: say which, in one line
            raise BenchError(f"the prediction format plugin {ep.name!r} ({ep.value}) cannot be "
                             f"loaded: {type(exc).__name__}: {exc}") from None
        declared = value if isinstance(value, (tuple, list)) else (value,)
        for fmt in declared:
            if not isinstance(fmt, PredictionFormat):
                raise BenchError(f"the prediction format plugin {ep.name!r} ({ep.value}) is not "
                                 "an aflfp_bench.reading.formats.PredictionFormat")
            if fmt.name in taken:
                raise BenchError(f"the prediction format plugin {ep.name!r} ({ep.value}) takes "
                                 f"the name {fmt.name!r}, which another format has")
            taken.add(fmt.name)
            found.append(fmt)
    return _ordered(found)


def _ordered(found) -> tuple[PredictionFormat, ...]:
    return tuple(sorted(found, key=lambda f: (CONTAINERS.index(f.container), f.rank, f.name)))
