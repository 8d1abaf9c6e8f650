"""French formatting of numbers, money and dates, for screens and exports alike."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

NBSP = "\u00a0"  # what French typography puts between thousands and before units
NNBSP = "\u202f"  # narrow no-break space: before ; : ! ? and inside « »
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                "oct.", "nov.", "déc.")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA: a cell with no value."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT, pd.NA compare unequal to themselves
    except (TypeError, ValueError):
        return False


def number(value: float | int | None, decimals: int = 0) -> str:
    """``12345.5`` → ``12 345,5``; unknown → ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def euros(value: float | int | None) -> str:
    """``45000`` → ``45 000 €``."""
    return "–" if value is None else f"{number(value)}{NBSP}€"


def percent(value: float | None, decimals: int = 0) -> str:
    return "–" if value is None else f"{number(100 * value, decimals)}{NBSP}%"


def month(value: dt.date | None) -> str:
    """``2025-11-03`` → ``nov. 2025``."""
    return "–" if value is None else f"{MONTHS_SHORT[value.month - 1]} {value.year}"


def delta(current: float, previous: float | None, unit: str = "") -> str | None:
    """Signed difference for st.metric, or None when there is nothing to compare with.

    ``unit`` (``€``) follows the number, as on the figure itself: « +2 360 711 € »."""
    if previous is None:
        return None
    diff = current - previous
    suffix = f"{NBSP}{unit}" if unit else ""
    return f"{'+' if diff > 0 else ''}{number(diff)}{suffix}" if diff else f"0{suffix}"


def change(current: float, previous: float) -> str:
    """A relative change as a French reader writes it: « +12 % », « −6 % »; « nouveau » from 0,
    « — » from 0 to 0 (a change from nothing is not a percentage)."""
    if not previous:
        return "nouveau" if current else "—"
    pct = round(100 * (current - previous) / previous)
    if pct == 0:
        return f"0{NBSP}%"
    return f"{'+' if pct > 0 else '−'}{number(abs(pct))}{NBSP}%"


def day(value: dt.date | None) -> str:
    """``2025-07-20`` → ``20 juil. 2025`` (``1er`` for the first of the month)."""
    if value is None or value != value:  # None, NaT
        return "–"
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS_SHORT[value.month - 1]} {value.year}"


# a space (or none, after a letter) before ; : ! ? that ends a word: « Source : », « Pourquoi ? »
_HIGH_PUNCTUATION = re.compile(r"(?:[ \u00a0\u202f]+|(?<=[^\W\d_]))([;:!?]+)(?=\s|$|[»)\]\"'.,])")
_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_UNIT = re.compile(r"(?<=\d)[ \u202f]+(?=[%€])")


def typography(text: str) -> str:
    """French typography on a text the product writes: a narrow no-break space before ; : ! ?
    and inside « », a no-break space before % and €, so that no sign is left alone at a line
    break. Idempotent; user data (names, answers, fiches) is not passed through it."""
    if not text:
        return text
    text = _HIGH_PUNCTUATION.sub(lambda m: NNBSP + m.group(1), text)
    text = _OPENING.sub("«" + NNBSP, text)
    text = _CLOSING.sub(NNBSP + "»", text)
    return _UNIT.sub(NBSP, text)
