"""Altair chart specs with the one theme (French formats, colour-blind safe palette) and Figure.

Builders for every chart kind the pages show: bars, columns, lines, grouped bars, shares,
histograms binned in the store, diverging bars for ordered scales; ``figure`` puts title, n and
source inside the spec once for all of them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd

# Altair checks every object against the Vega-Lite JSON schema as it is built ("debug mode"):
# half of a page's cold rerun. The builders are fixed code, and the tests validate every page's
# specs in full (``to_dict()`` and vl-convert), so the app builds without checking again.
alt.utils.schemapi.disable_debug_mode()

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STATUS_COLORS = {"En projet": "#E69F00", "Labellisée": "#56B4E9", "Sous ACI": "#0072B2"}
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# Characters per line of a chart's title and subtitle: a chart in a half-width column is about
# 450 px wide; longer titles wrap instead of being cut with « … ».
TITLE_WIDTH = 40
SUBTITLE_WIDTH = 62

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
    # drawn from individual answers (team forms, survey responses): hidden from `lecture`
    # viewers when n is below the small-count threshold, since it would show those answers
    sensitive: bool = False

    @property
    def summary(self) -> str:
        """``n = 172 équipes · Source : …``: what the chart itself carries under its title."""
        parts = [f"n = {self.n:,}".replace(",", "\u00a0") + f" {self.n_label}"]
        if self.source:
            parts.append(f"Source : {self.source}")
        return " · ".join(parts)

    @property
    def caption(self) -> str:
        """The summary and the notes: the line under the chart on the page."""
        return " · ".join(p for p in (self.summary, self.notes) if p)


def count_axis(fmt: str = ",d") -> alt.Axis:
    """An axis of counts shows whole numbers only (not « 0 0 1 1 » when the counts are small)."""
    return alt.Axis(format=fmt, tickMinStep=1) if fmt == ",d" else alt.Axis(format=fmt)


def titled(chart: alt.TopLevelMixin, title: str, subtitle: str | list[str]) -> alt.TopLevelMixin:
    """Title and subtitle inside the spec, so that an exported image still says what it is.

    ``fit-x``: the chart takes the container's width and its height stays the plot's height;
    without an autosize of its own, Streamlit fits titles, axes and legend into ``height`` too,
    which crushes a short bar chart to nothing. The top padding keeps the accent of a capital
    (« É ») inside the canvas.
    """
    lines = [subtitle] if isinstance(subtitle, str) else subtitle
    # a non-breaking space before « : » (French typography) keeps « Total : 172 » on one line
    lines = [part for line in lines
             for part in textwrap.wrap(line.replace(" :", "\u00a0:"), SUBTITLE_WIDTH)]
    text = textwrap.wrap(title, TITLE_WIDTH)
    return chart.properties(title=alt.TitleParams(text=title if len(text) == 1 else text,
                                                  subtitle=lines),
                            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
                            padding={"top": 10, "left": 5, "right": 5, "bottom": 5})


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
        "x": alt.X(f"sum({value}):Q", title=value_title, axis=count_axis(value_format)),
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
        "y": alt.Y(f"sum({value}):Q", title=value_title, axis=count_axis()),
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
        "y": alt.Y(f"{value}:Q", title=value_title, axis=count_axis()),
        "tooltip": [alt.Tooltip(f"{x}:T", title=x_title, format=time_format),
                    alt.Tooltip(f"{value}:Q", title=value_title, format=",d")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color)
        enc["tooltip"].insert(1, alt.Tooltip(f"{color}:N", title=color_title or color))
    return alt.Chart(df).mark_line(point=True).encode(**enc).properties(
        width="container", height=300)


# Ordered scales: the disagreeing end in oranges, the agreeing end in blues, a neutral middle.
NEGATIVE = ("#D55E00", "#E69F00", "#F3C677")
POSITIVE = ("#56B4E9", "#0072B2", "#004B75")
NEUTRAL = "#BBBBBB"


def figure(
    key: str,
    title: str,
    chart: alt.TopLevelMixin | None,
    data: pd.DataFrame,
    n: int,
    n_label: str = "équipes",
    source: str = "",
    notes: str = "",
    count_columns: tuple[str, ...] = (),
    sensitive: bool = False,
) -> Figure:
    """A Figure whose chart carries its title and its n/source caption inside the spec."""
    fig = Figure(key, title, None, data, int(n), n_label, source, notes, tuple(count_columns),
                 sensitive)
    if chart is not None:
        fig.chart = titled(chart, title, fig.summary)
    return fig


def grouped_bars(
    df: pd.DataFrame,
    category: str,
    value: str,
    group: str,
    *,
    category_title: str,
    value_title: str,
    group_title: str,
    sort: list[str] | str = "-x",
    group_order: list[str] | None = None,
) -> alt.Chart:
    """Horizontal bars, one per group side by side within each category (not stacked)."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    n_grp = max(1, df[group].nunique()) if len(df) else 1
    scale = alt.Scale(domain=group_order) if group_order else alt.Undefined
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=category_title, sort=sort),
        x=alt.X(f"{value}:Q", title=value_title, axis=count_axis()),
        yOffset=alt.YOffset(f"{group}:N", sort=group_order or "ascending"),
        color=alt.Color(f"{group}:N", title=group_title, scale=scale,
                        sort=group_order or "ascending"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                 alt.Tooltip(f"{group}:N", title=group_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=",d")],
    ).properties(width="container", height=max(120, n_cat * (10 + 14 * n_grp)))


def share_bars(
    df: pd.DataFrame,
    category: str,
    share: str,
    count: str,
    *,
    category_title: str,
    sort: list[str] | str | alt.EncodingSortField = "-x",
    group: str | None = None,
    group_title: str | None = None,
    value_title: str = "Part des répondants",
    count_title: str = "Répondants",
) -> alt.Chart:
    """Bars of a share (0–1), its count in the tooltip; by ``group``, counts stacked per group."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    if group and sort == "-x":  # stacked segments: order bars by their total
        sort = alt.EncodingSortField(field=count, op="sum", order="descending")
    enc: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", title=category_title, sort=sort),
        "x": alt.X(f"{count if group else share}:Q", title=count_title if group else value_title,
                   axis=count_axis(",d" if group else ".0%")),
        "tooltip": [alt.Tooltip(f"{category}:N", title=category_title),
                    alt.Tooltip(f"{count}:Q", title=count_title, format=",d"),
                    alt.Tooltip(f"{share}:Q", title=value_title, format=".0%")],
    }
    if group:
        enc["color"] = alt.Color(f"{group}:N", title=group_title or group)
        enc["tooltip"].insert(1, alt.Tooltip(f"{group}:N", title=group_title or group))
    return alt.Chart(df).mark_bar().encode(**enc).properties(
        width="container", height=max(120, n_cat * 28))


def histogram(
    df: pd.DataFrame,
    start: str,
    end: str,
    count: str,
    *,
    value_title: str,
    count_title: str,
    value_format: str = ",d",
) -> alt.Chart:
    """A histogram from bins computed in the store: one bar from ``start`` to ``end`` per bin."""
    return alt.Chart(df).mark_bar(binSpacing=1).encode(
        x=alt.X(f"{start}:Q", title=value_title, bin={"binned": True},
                axis=alt.Axis(format=value_format)),
        x2=alt.X2(f"{end}:Q"),
        y=alt.Y(f"{count}:Q", title=count_title, axis=count_axis()),
        tooltip=[alt.Tooltip(f"{start}:Q", title="De", format=value_format),
                 alt.Tooltip(f"{end}:Q", title="À (exclu)", format=value_format),
                 alt.Tooltip(f"{count}:Q", title=count_title, format=",d")],
    ).properties(width="container", height=260)


def scale_colors(options: list[str]) -> list[str]:
    """Colours for an ordered scale: oranges below the middle, grey in it, blues above."""
    half = len(options) // 2
    neg = list(NEGATIVE[:half]) + [NEGATIVE[-1]] * max(0, half - len(NEGATIVE))
    pos = list(POSITIVE[:half]) + [POSITIVE[-1]] * max(0, half - len(POSITIVE))
    return neg + ([NEUTRAL] if len(options) % 2 else []) + pos


def diverging_positions(
    df: pd.DataFrame, category: str, option: str, count: str, options: list[str]
) -> pd.DataFrame:
    """Start/end of each option's segment, the scale's middle at 0 (shares of each category).

    Options below the middle sit left of 0, those above right of it; an odd middle option is
    split across 0. Keeps ``options`` order within each bar.
    """
    out = df.copy()
    rank = {o: i for i, o in enumerate(options)}
    n = len(options)
    out["_rank"] = out[option].map(rank)
    out = out.dropna(subset=["_rank"]).sort_values([category, "_rank"])
    total = out.groupby(category)[count].transform("sum")
    out["share"] = (out[count] / total).where(total > 0, 0.0)
    # left edge: minus the shares of the negative half (and half the neutral middle)
    weight = out["_rank"].map(lambda r: 1.0 if r < n // 2 else (0.5 if n % 2 and r == n // 2
                                                                 else 0.0))
    offset = (out["share"] * weight).groupby(out[category]).transform("sum")
    out["start"] = out.groupby(category)["share"].cumsum() - out["share"] - offset
    out["end"] = out["start"] + out["share"]
    return out.rename(columns={"_rank": "rank"}).reset_index(drop=True)


def diverging_bars(
    df: pd.DataFrame,
    category: str,
    option: str,
    count: str,
    options: list[str],
    *,
    category_title: str,
    option_title: str = "Réponse",
    category_order: list[str] | None = None,
) -> alt.Chart:
    """Stacked bars centred on the scale's middle, keeping the options' order (Likert chart)."""
    data = diverging_positions(df, category, option, count, options)
    n_cat = max(1, data[category].nunique()) if len(data) else 1
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=category_title, sort=category_order),
        x=alt.X("start:Q", title="Part des répondants (à gauche : réponses négatives)",
                axis=alt.Axis(format=".0%", values=[-1, -0.5, 0, 0.5, 1],
                              labelExpr="replace(datum.label, regexp('^[-−]'), '')"),
                scale=alt.Scale(domain=[-1, 1])),
        x2="end:Q",
        color=alt.Color(f"{option}:N", title=option_title,
                        scale=alt.Scale(domain=options, range=scale_colors(options)),
                        sort=options,
                        # a scale's labels are long: a single row would run off the chart
                        legend=alt.Legend(columns=min(3, len(options)), labelLimit=200)),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                 alt.Tooltip(f"{option}:N", title=option_title),
                 alt.Tooltip(f"{count}:Q", title="Répondants", format=",d"),
                 alt.Tooltip("share:Q", title="Part", format=".0%")],
    ).properties(width="container", height=max(90, n_cat * 34))


def measure_columns(
    df: pd.DataFrame,
    x: str,
    value: str,
    measure: str,
    *,
    x_title: str,
    value_title: str,
    measure_order: list[str],
    x_type: str = "O",
) -> alt.Chart:
    """Columns of two measures side by side (e.g. facilitations and unique teams per year)."""
    return alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset(f"{measure}:N", sort=measure_order),
        y=alt.Y(f"{value}:Q", title=value_title, axis=count_axis()),
        color=alt.Color(f"{measure}:N", title=None, sort=measure_order,
                        scale=alt.Scale(domain=measure_order,
                                        range=PALETTE[: len(measure_order)])),
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title),
                 alt.Tooltip(f"{measure}:N", title="Mesure"),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=",d")],
    ).properties(width="container", height=300)
