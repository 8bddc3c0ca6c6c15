"""Opening users' images with one-line errors: a file that is not an image, a truncated
one, or one whose header claims more pixels than the toolkit reads (a decompression
bomb) is a :class:`~.errors.BenchError` naming the file, never a traceback.

:func:`image_size` reads the header only (cheap, at import); :func:`load_gray` decodes the
whole image (at prediction), so a truncated file fails there.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from ..errors import BenchError
from .files import check_regular
from .urls import is_url, read_url

#: Images above this many pixels are refused (PIL's own bomb limit).
MAX_PIXELS = 89_478_485


#: The largest image file read from a URL (:mod:`.urls`).
MAX_URL_BYTES = 256 << 20


def open_image(path):
    """A PIL image of a file or URL (header read; pixels on first use), within bounds."""
    from PIL import Image, UnidentifiedImageError

    path = path if is_url(path) else Path(path)
    if not is_url(path):
        check_regular(path)    # a FIFO would wait for a writer for ever
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    source = io.BytesIO(read_url(path, max_bytes=MAX_URL_BYTES)) if is_url(path) else path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BenchError(f"{path}: the image claims more than {MAX_PIXELS / 1e6:.0f} million "
                         "pixels; refusing to decode it") from None
    except FileNotFoundError:
        raise BenchError(f"{path}: no such file") from None
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        reason = "not an image file" if isinstance(exc, UnidentifiedImageError) else str(exc)
        raise BenchError(f"{path}: cannot read image ({reason})") from None


def image_size(path) -> tuple[int, int]:
    """(width, height) from the header (``path``: a file or a URL)."""
    with open_image(path) as im:
        width, height = im.size
    if width < 1 or height < 1:
        raise BenchError(f"{path}: image of size {width}x{height}")
    return width, height


def load_gray(path) -> np.ndarray:
    """An image file (or URL) as a 2-D uint8 array (the whole file decoded)."""
    im = open_image(path)
    try:
        with im:
            return np.asarray(im.convert("L"))
    except (OSError, ValueError, SyntaxError) as exc:
        raise BenchError(f"{path}: cannot read image ({exc})") from None
