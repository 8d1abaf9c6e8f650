"""French formatting of numbers, money and dates, for screens and exports alike."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

NBSP = "\u00a0"  # what French typography puts between thousands and before units
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


def delta(current: float, previous: float | None) -> str | None:
    """Signed difference for st.metric, or None when there is nothing to compare with."""
    if previous is None:
        return None
    diff = current - previous
    return f"{'+' if diff > 0 else ''}{number(diff)}" if diff else "0"
