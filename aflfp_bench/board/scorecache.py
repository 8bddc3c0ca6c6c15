"""A cache of scores documents that a pull request cannot forge.

The cache lives in the user's cache folder (``<cache>/leaderboard``, or any folder given
with ``--cache``), never in the repository. Each entry is ``<key>.json`` holding the
scores document and an HMAC-SHA256 of it under a secret made once per cache folder (32
random bytes in ``secret``, readable by its owner only). An entry whose HMAC does not
check, that does not parse, or that is not a valid scores document is not believed: the
caller rescores and is told why. The key (the SHA-256 of predictions, ground truth,
settings and toolkit version) only says *which* entry; the HMAC says it is ours.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from ..errors import BenchError
from ..reading import jsonfile
from ..reading.atomic import write_text
from ..reading.files import read_bytes
from ..scoring.document import Scores

SECRET = "secret"
MAX_ENTRY = 256 << 20
#: An entry is ``{"hmac": "<signature>", "scores": <the document>}``: its first bytes, as
#: :meth:`ScoreCache.put` writes them, hold the signature of what follows.
_OPEN, _CLOSE = '{"hmac": "', '", "scores": '
_ENTRY = re.compile(re.escape(_OPEN.encode()) + rb"([0-9a-f]{64})" + re.escape(_CLOSE.encode()))
_HEAD = len(_OPEN) + 64 + len(_CLOSE)


class ScoreCache:
    def __init__(self, folder):
        self.folder = Path(folder)
        self._secret: bytes | None = None

    def _key(self) -> bytes:
        if self._secret is None:
            path = self.folder / SECRET
            if not path.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass  # another process made it first
                else:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(secrets.token_bytes(32))
            self._secret = path.read_bytes()
            if len(self._secret) != 32:
                raise BenchError(f"{path}: not a cache secret (32 bytes); remove it")
        return self._secret

    def _mac(self, text: str) -> str:
        return hmac.new(self._key(), text.encode("utf-8"), hashlib.sha256).hexdigest()

    def get(self, key: str) -> tuple[Scores | None, str | None]:
        """``(scores, None)`` for a good entry; ``(None, why)`` for a damaged or forged
        one (or one that is not a valid scores document); ``(None, None)`` when there is
        none. The signature is checked on the entry's bytes before anything is parsed; a
        signed entry is a document this cache wrote, so its schema is not checked again."""
        path = self.folder / f"{key}.json"
        if not path.is_file():
            return None, None
        try:
            data = read_bytes(path, max_bytes=MAX_ENTRY, what="cache entry")
            head, body = data[:_HEAD], data[_HEAD:].rstrip()
            match = _ENTRY.fullmatch(head)
            if match is None or not body.endswith(b"}"):
                raise BenchError(f"{path}: not a cache entry")
            text = (body[:-1] + b"\n").decode("utf-8")    # the scores document as signed
            if not hmac.compare_digest(match.group(1).decode("ascii"), self._mac(text)):
                raise BenchError(f"{path}: its signature does not match (edited, or from "
                                 "another cache)")
            doc = jsonfile.loads_own(text, str(path))
            if not isinstance(doc, dict):
                raise BenchError(f"{path}: not a cache entry")
            scores = Scores.from_dict(doc, str(path), trusted=True)
        except (BenchError, ValueError) as exc:
            return None, str(exc)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            # Signed, but not a document this version reads (another version wrote it).
            return None, f"{path}: not a scores document of this version ({type(exc).__name__})"
        return scores, None

    def put(self, key: str, scores: Scores) -> None:
        text = scores.to_json()
        entry = _OPEN + self._mac(text) + _CLOSE + text.rstrip("\n") + "}\n"
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text(self.folder / f"{key}.json", entry, "cache entry")
