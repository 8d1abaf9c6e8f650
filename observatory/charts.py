"""Altair chart specs with the one theme (French formats, colour-blind safe palette) and Figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STATUS_COLORS = {"En projet": "#E69F00", "Labellisée": "#56B4E9", "Sous ACI": "#0072B2"}
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

FR_LOCALE: dict[str, Any] = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
               "currency": ["", "\u00a0€"]},
    "time": {
        "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                   "septembre", "octobre", "novembre", "décembre"],
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                        "sept.", "oct.", "nov.", "déc."],
    },
}


@alt.theme.register("observatoire", enable=True)
def theme() -> alt.theme.ThemeConfig:
    """Readable at presentation size: large type, no chart junk, French locale."""
    return {
        "config": {
            "locale": FR_LOCALE,
            "font": FONT,
            "view": {"stroke": None},
            "range": {"category": PALETTE},
            "title": {"fontSize": 18, "anchor": "start", "subtitleFontSize": 12,
                      "subtitleColor": "#555555", "offset": 12},
            "axis": {"labelFontSize": 13, "titleFontSize": 13, "grid": False,
                     "labelLimit": 260},
            "axisQuantitative": {"grid": True, "gridColor": "#e6e6e6", "format": ",d"},
            "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom"},
            "bar": {"color": PALETTE[0]},
            "line": {"color": PALETTE[0], "strokeWidth": 3},
            "point": {"color": PALETTE[0], "size": 70},
        }
    }


@dataclass
class Figure:
    """A chart that can stand alone: its data, title, n and source travel with it."""

    key: str
    title: str
    chart: alt.TopLevelMixin | None
    data: pd.DataFrame
    n: int
    n_label: str = "équipes"
    source: str = ""
    notes: str = ""
    # columns holding survey respondent counts, masked below the threshold in exports
    count_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def caption(self) -> str:
        parts = [f"n = {self.n:,}".replace(",", "\u00a0") + f" {self.n_label}"]
        if self.source:
            parts.append(f"Source : {self.source}")
        if self.notes:
            parts.append(self.notes)
        return " · ".join(parts)


def titled(chart: alt.TopLevelMixin, title: str, subtitle: str | list[str]) -> alt.TopLevelMixin:
    """Title and subtitle inside the spec, so that an exported image still says what it is."""
    lines = [subtitle] if isinstance(subtitle, str) else subtitle
    return chart.properties(title=alt.TitleParams(text=title, subtitle=lines))


def bars(
    df: pd.DataFrame,
    category: str,
    value: str,
    *,
    category_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    sort: list[str] | str = "-x",
    value_format: str = ",d",
    height_per_bar: int = 28,
) -> alt.Chart:
    """Horizontal bars (stacked when ``color`` is given), sorted by value unless told."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    enc: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", title=category_title, sort=sort),
        "x": alt.X(f"sum({value}):Q", title=value_title, axis=alt.Axis(format=value_format)),
        "tooltip": [alt.Tooltip(f"{category}:N", title=category_title),
                    alt.Tooltip(f"sum({value}):Q", title=value_title, format=value_format)],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color)
        enc["tooltip"].insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
    return alt.Chart(df).mark_bar().encode(**enc).properties(
        width="container", height=max(120, n_cat * height_per_bar))


def columns(
    df: pd.DataFrame,
    x: str,
    value: str,
    *,
    x_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    offset: bool = False,
    x_type: str = "O",
) -> alt.Chart:
    """Vertical columns, grouped side by side (``offset``) or stacked by ``color``."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x_title, axis=alt.Axis(labelAngle=0)),
        "y": alt.Y(f"sum({value}):Q", title=value_title),
        "tooltip": [alt.Tooltip(f"{x}:{x_type}", title=x_title),
                    alt.Tooltip(f"sum({value}):Q", title=value_title, format=",d")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color)
        enc["tooltip"].insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
        if offset:
            enc["xOffset"] = alt.XOffset(f"{color}:N")
    return alt.Chart(df).mark_bar().encode(**enc).properties(width="container", height=320)


def line(
    df: pd.DataFrame,
    x: str,
    value: str,
    *,
    x_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    time_format: str = "%b %Y",
) -> alt.Chart:
    """A time series with points (months on the x axis, French month names)."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format=time_format)),
        "y": alt.Y(f"{value}:Q", title=value_title),
        "tooltip": [alt.Tooltip(f"{x}:T", title=x_title, format=time_format),
                    alt.Tooltip(f"{value}:Q", title=value_title, format=",d")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color)
        enc["tooltip"].insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
    return alt.Chart(df).mark_line(point=True).encode(**enc).properties(
        width="container", height=300)
