"""User text made inert wherever it is shown or written: one line of printable text for
the terminal, no invisible format character that could reorder or hide what is around it,
and CSV cells no spreadsheet runs as formulas. The renderings' own escapes (Markdown,
LaTeX, figures) build on :func:`plain` (:mod:`aflfp_bench.rendering.escape`).

Method names, training-data notes, dates, ids and file names come from users and from
submissions; none of them may change the shape of an output or send escape sequences to
a terminal.
"""

from __future__ import annotations

import re

#: C0 and C1 control characters and DEL (ANSI escape sequences start with ESC).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Invisible characters that change how the text around them reads: Unicode's format
#: characters (category Cf: bidirectional overrides and isolates U+202A-202E and
#: U+2066-2069, zero-width spaces and joiners U+200B-200F, the byte-order mark, the soft
#: hyphen, ...), and the characters that show as nothing on their own: the combining
#: grapheme joiner, the Hangul fillers, the Khmer inherent vowels, the Mongolian and other
#: variation selectors, the blank Braille pattern. :func:`plain` shows each as
#: ``<U+202E>``; names refuse them (data/submission.schema.json). Written as a regular expression's class, escapes and all.
INVISIBLE = (r"\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f"
             r"\u1160\u17b4-\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
             r"\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000110bd"
             r"\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
             r"\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_SPACE = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")


def plain(text) -> str:
    """One line of printable text: line breaks become spaces, control characters go, and
    invisible format characters show as ``<U+202E>``."""
    return visible(_CONTROL.sub("", _SPACE.sub(" ", str(text))))


def visible(text: str) -> str:
    """``text`` with every invisible format character (:data:`INVISIBLE`) shown as
    ``<U+XXXX>``: nothing in it can reorder or hide what is printed around it."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


#: The first characters that make a spreadsheet run a cell as a formula (OWASP's
#: CSV-injection rule), and the quote that escapes them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs as a formula: a text starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a quote before it (and so
    does one starting with a quote, so that :func:`csv_text` undoes it exactly). For text
    cells only: a number's minus sign is left alone."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(cell: str) -> str:
    """The text of a cell written by :func:`csv_cell` (other cells as they are)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell
