"""Images in an object store: a dataset whose manifest names a URL as its root
(``s3://bucket/AFLFP``, ``gs://...``, ``file:///shared/AFLFP``) is read through fsspec,
so Dask workers need no shared filesystem. fsspec comes with the ``[dask]`` extra; the
store's own package (``s3fs``, ``gcsfs``, ``adlfs``) is the user's to install.
"""

from __future__ import annotations

import os
import re
import stat

from ..errors import BenchError, MissingExtra

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path) -> bool:
    """``path`` is a ``SCHEME://...`` text (not a file path)."""
    return isinstance(path, str) and _URL.match(path) is not None


def join(root: str, relative: str) -> str:
    """An image's URL: ``root`` and the manifest's relative path, joined by '/'."""
    return f"{root.rstrip('/')}/{relative.lstrip('/')}"


def absolute(path) -> str:
    """A URL as it is; a file path made absolute (a worker's working folder is not the
    client's)."""
    return path if is_url(path) else os.path.abspath(path)


def _fsspec():
    try:
        import fsspec
    except ImportError:
        raise MissingExtra("reading images from a URL needs fsspec: pip install "
                           "'aflfp-bench[dask]'") from None
    return fsspec


def _filesystem(url: str):
    fsspec = _fsspec()
    try:
        return fsspec.core.url_to_fs(url)
    except Exception as exc:   # no package for the scheme, a bad URL, the store's own errors
        raise BenchError(f"{url}: cannot open the store ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:200]


def _regular_local(url: str, path: str) -> None:
    """A ``file://`` object must be a regular file: opening a FIFO would wait for ever."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise BenchError(f"{url}: no such file") from None
    except OSError as exc:
        raise BenchError(f"{url}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise BenchError(f"{url}: not a regular file (a folder, FIFO, socket or device); "
                         "refusing to read it")


def read_url(url: str, *, max_bytes: int) -> bytes:
    """The bytes of the object at ``url`` (at most ``max_bytes``)."""
    fs, path = _filesystem(url)
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if {"file", "local"} & set(protocols):
        _regular_local(url, path)
    try:
        with fs.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise BenchError(f"{url}: no such file") from None
    except Exception as exc:   # the store's own errors (HTTP status, credentials) too
        raise BenchError(f"{url}: cannot read ({_reason(exc)})") from None
    if len(data) > max_bytes:
        raise BenchError(f"{url}: larger than {max_bytes >> 20} MiB; refusing to read it")
    return data


def is_file(path) -> bool:
    """Whether a file path or URL names an existing file."""
    if not is_url(path):
        return os.path.isfile(path)
    fs, inner = _filesystem(path)
    try:
        return bool(fs.isfile(inner))
    except Exception:   # the store cannot say (no access): not a file this run can read
        return False
