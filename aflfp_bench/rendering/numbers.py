"""Every number the toolkit shows, as text: the one place numbers become text.

Text, Markdown, LaTeX and HTML tables, the score summary, the report's sentences, the
palsy tables, the leaderboard and the gate all write their numbers here, so one number
reads the same wherever it is shown. The rules:

* NME is shown in % (a fraction of 0.0123 is ``1.23``) with two decimals
  (:func:`percent`); a difference of NME is in points, with its sign (:func:`points`);
* an interval is ``[low, high]`` in the same unit (:func:`interval`);
* a p-value has three significant digits below 0.1 and two above, and reads
  ``< 0.001`` below 0.001 (:func:`p_value`): a p just under 0.05 never reads as 0.05;
* a setting (a threshold, a level, alpha) reads as it was given, without trailing
  zeros (:func:`setting`, :func:`setting_percent`);
* an undefined value (None, nan, infinite) is ``n/a``; nothing reads ``-0.00``.

Machine-readable outputs (the scores JSON, ``report --csv``, the gate's step outputs)
keep more digits and are not formatted here.
"""

from __future__ import annotations

import math

NA = "n/a"


def _defined(value) -> bool:
    """A finite number (numpy's too); not None, nan, infinite or text."""
    if value is None or isinstance(value, str):
        return False
    try:
        return math.isfinite(value)
    except TypeError:
        return False


def fixed(value, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, never ``-0.00``; n/a when undefined.

    >>> fixed(0.12345), fixed(-0.0001), fixed(float("nan")), fixed(3.14159, 3)
    ('0.12', '0.00', 'n/a', '3.142')
    """
    if not _defined(value):
        return NA
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text


def percent(fraction, digits: int = 2) -> str:
    """A fraction (an NME, a share) in % without the sign: ``0.0123`` is ``1.23``.

    >>> percent(0.0123), percent(0.0123, 1), percent(None), percent(-0.00001)
    ('1.23', '1.2', 'n/a', '0.00')
    """
    return fixed(100 * fraction if _defined(fraction) else fraction, digits)


def signed(value, digits: int = 2) -> str:
    """``value`` with its sign and ``digits`` decimals, never ``-0.00`` (a zero is
    ``+0.00``); n/a when undefined.

    >>> signed(1.234), signed(-0.001), signed(-2.5, 1)
    ('+1.23', '+0.00', '-2.5')
    """
    if not _defined(value):
        return NA
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if float(text) == 0 else text


def points(delta, digits: int = 2) -> str:
    """A difference of NME fractions in percentage points, with its sign.

    >>> points(0.003), points(-0.00012), points(0.0), points(float("inf"))
    ('+0.30', '-0.01', '+0.00', 'n/a')
    """
    return signed(100 * delta if _defined(delta) else delta, digits)


def interval(low, high, *, show=None, digits: int = 2) -> str:
    """``[low, high]``, each end written by ``show`` (:func:`percent` by default, or
    :func:`points`, :func:`fixed`); n/a when either end is undefined.

    >>> interval(0.01, 0.02), interval(-0.001, 0.002, show=points), interval(0.1, None)
    ('[1.00, 2.00]', '[-0.10, +0.20]', 'n/a')
    >>> interval(0.123, 0.456, show=fixed), interval(0.5, 0.75, digits=0)
    ('[0.12, 0.46]', '[50, 75]')
    """
    if not (_defined(low) and _defined(high)):
        return NA
    show = show or percent
    return f"[{show(low, digits)}, {show(high, digits)}]"


def p_value(p) -> str:
    """A p-value: three significant digits below 0.1, two above, ``< 0.001`` below that.

    >>> p_value(0.0496), p_value(0.41), p_value(0.0031), p_value(0.0002), p_value(1.0)
    ('0.0496', '0.41', '0.0031', '< 0.001', '1')
    """
    if not _defined(p):
        return NA
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3g}" if p < 0.1 else f"{p:.2g}"


def p_phrase(p) -> str:
    """A p-value in a sentence: ``p = 0.0496``, ``p < 0.001``, ``p = n/a``.

    >>> p_phrase(0.0496), p_phrase(0.0002), p_phrase(None)
    ('p = 0.0496', 'p < 0.001', 'p = n/a')
    """
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def share(fraction) -> str:
    """A share in whole per cent: ``0.834`` is ``83%``.

    >>> share(0.834), share(float("nan"))
    ('83%', 'n/a')
    """
    return NA if not _defined(fraction) else f"{100 * fraction:.0f}%"


def span(low, high, *, show=None, digits: int = 2) -> str:
    """An interval in a sentence, ``low to high`` (:func:`percent` by default); n/a when
    either end is undefined.

    >>> span(0.002, 0.006), span(-0.001, 0.002, show=points), span(None, 0.1)
    ('0.20 to 0.60', '-0.10 to +0.20', 'n/a')
    """
    if not (_defined(low) and _defined(high)):
        return NA
    show = show or percent
    return f"{show(low, digits)} to {show(high, digits)}"


def setting(value) -> str:
    """A setting as it was given (or an axis tick), without trailing zeros: alpha
    ``0.05`` is ``0.05``.

    >>> setting(0.05), setting(5.0), setting(0.85)
    ('0.05', '5', '0.85')
    """
    return NA if not _defined(value) else f"{value:g}"


def setting_percent(fraction) -> str:
    """A setting given as a fraction (a failure threshold, an interval's level, a relative
    margin), in % as it was given: ``0.66`` is ``66%``, ``0.025`` is ``2.5%``.

    >>> setting_percent(0.66), setting_percent(0.95), setting_percent(0.025)
    ('66%', '95%', '2.5%')
    """
    return NA if not _defined(fraction) else f"{100 * fraction:g}%"
