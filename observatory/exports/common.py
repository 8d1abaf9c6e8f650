"""What every export shares: the export context (scope, federation, date) and French display text."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from observatory import formats
from observatory.formats import is_missing

PARIS = ZoneInfo("Europe/Paris")


def today() -> dt.date:
    """The export date, in the federation's time zone (not the server's)."""
    return dt.datetime.now(PARIS).date()


def french_date(day: dt.date) -> str:
    """``2026-11-25`` → ``25 novembre 2026`` (``1er`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {formats.MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class ExportContext:
    """What an exported file must say about itself besides its own title: filters, who, when."""

    scope_label: str
    federation_name: str = ""
    export_date: dt.date = field(default_factory=today)

    @property
    def date_text(self) -> str:
        return french_date(self.export_date)

    @property
    def line(self) -> str:
        """``Auvergne-Rhône-Alpes · 2025 · FemasAURA&Co · exporté le 25 novembre 2026``."""
        parts = [self.scope_label]
        if self.federation_name:
            parts.append(self.federation_name)
        parts.append(f"exporté le {self.date_text}")
        return " · ".join(p for p in parts if p)


def as_context(value: ExportContext | str | Any, federation: Any = None) -> ExportContext:
    """An ExportContext from itself, a scope label, or a View (anything with ``scope_label``)."""
    if isinstance(value, ExportContext):
        return value
    name = getattr(federation, "name", "") if federation is not None else ""
    if isinstance(value, str):
        return ExportContext(value, name)
    return ExportContext(getattr(value, "scope_label", ""), name)


def slug(text: str, default: str = "export") -> str:
    """A file-name-safe ASCII form: ``Équipes par type`` → ``equipes_par_type``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").lower()
    return cleaned[:80] or default


# Integers that are labels, not quantities: no thousands separator (« 2025 », not « 2 025 »).
PLAIN_INTEGER_COLUMN = re.compile(r"ann[ée]e|year|code|^id\b|identifiant|siret|finess", re.I)


def display(value: Any, column: Any = "") -> str:
    """A cell as a French reader expects it in a slide or a PDF table."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value) if PLAIN_INTEGER_COLUMN.search(str(column)) else formats.number(value)
    if isinstance(value, float | Decimal):
        value = float(value)
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return display(int(value), column)
        return formats.number(value, 2).rstrip("0").rstrip(",")
    if isinstance(value, dt.datetime):  # « 20 juil. 2025 à 14:05 », as French text writes it
        return f"{formats.day(value.date())} à {value:%H:%M}"
    if isinstance(value, dt.date):
        return formats.day(value)
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    return str(value)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (slides and PDF tables only)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
