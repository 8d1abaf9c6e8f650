"""Vega-Lite chart specs with the one theme (French formats, colour-blind safe palette) and Figure.

Builders for every chart kind the pages show: bars, columns, lines, grouped bars, shares,
histograms binned in the store, diverging bars for ordered scales, the choropleth map;
``figure`` puts title, n and source inside the spec once for all of them. The builders write
the specs as plain data (``Spec``), exactly as Altair would write them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import textwrap
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from observatory import vocabulary
from observatory.privacy import GRAND_TOTAL, Margin, masked_note

# Altair checks every object against the Vega-Lite JSON schema as it is built ("debug mode"):
# the app builds its own specs as plain data, and the charts Altair still builds (the exported
# département sheet's map) are fixed code checked by the tests.
alt.utils.schemapi.disable_debug_mode()

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# Characters per line of a chart's title and subtitle: a chart in a half-width column is about
# 450 px wide; longer titles wrap instead of being cut with « … ».
TITLE_WIDTH = 40
SUBTITLE_WIDTH = 62

FR_LOCALE: alt.theme.LocaleKwds = {
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


class Spec:
    """A Vega-Lite specification as plain data: what an Altair chart's ``to_dict()`` gives.

    Building Altair's objects and walking them back into a dict cost a few milliseconds per
    chart, a large part of a chart-heavy page's cold rerun (and of unpickling a cached view): the
    builders below write the dict itself, the DataFrames converted by Altair's own data
    transformer into named ``datasets``. ``to_dict`` adds the theme and the schema URL, and
    validates against the Vega-Lite JSON schema unless told not to (the tests validate every
    page's specs; the app does not check them again on each rerun).
    """

    __slots__ = ("datasets", "spec")

    def __init__(self, spec: dict[str, Any], datasets: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.datasets = datasets or {}

    def properties(self, **values: Any) -> Spec:
        """A copy with top-level properties set (``height``, ``title``…), like Altair's."""
        return Spec({**self.spec, **values}, self.datasets)

    def to_dict(self, validate: bool = True) -> dict[str, Any]:
        """The full spec, a fresh copy (Streamlit and the exports change what they are given)."""
        spec = {"config": theme()["config"], **_copied(self.spec), "$schema": alt.SCHEMA_URL}
        if self.datasets:
            spec["datasets"] = _copied(self.datasets)
        if validate:
            alt.TopLevelSpec.validate(spec)
        return spec

    def to_json(self, validate: bool = True, indent: int | str | None = 2,
                sort_keys: bool = True, **kwargs: Any) -> str:
        """The full spec as JSON text, with Altair's ``to_json`` defaults."""
        return json.dumps(self.to_dict(validate), indent=indent, sort_keys=sort_keys,
                          ensure_ascii=kwargs.pop("ensure_ascii", False), **kwargs)

    @classmethod
    def from_dict(cls, spec: dict[str, Any], validate: bool = True) -> Spec:
        """A Spec from a full spec (one ``to_dict`` gave, then changed)."""
        if validate:
            alt.TopLevelSpec.validate(spec)
        view = {k: v for k, v in spec.items() if k not in ("$schema", "datasets")}
        if view.get("config") == theme()["config"]:
            del view["config"]
        return cls(_copied(view), _copied(spec.get("datasets")))


def _copied(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), without deepcopy's bookkeeping."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def _dataset(df: pd.DataFrame, datasets: dict[str, Any]) -> dict[str, str]:
    """A DataFrame as Altair puts it in a spec: its rows in ``datasets``, under a name hashed
    from them (``altair.vegalite.v6.api._dataset_name``)."""
    values = _values(df)
    if values == [{}]:
        name = "empty"
    else:
        text = json.dumps(values, sort_keys=True, default=str)
        name = "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]
    datasets[name] = values
    return {"name": name}


def _values(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows Altair's data transformer gives (``sanitize_pandas_dataframe``, then records),
    column by column: Altair copies and converts the whole frame through pandas, several times
    slower on the small frames charts draw. Anything unusual goes through Altair itself."""
    names = list(df.columns)
    plain = (names and len(df) <= ALTAIR_MAX_ROWS and len(set(names)) == len(names)
             and all(isinstance(n, str) for n in names)
             and not isinstance(df.index, pd.MultiIndex))
    columns = [_column(col) for _, col in df.items()] if plain else [None]
    if any(c is None for c in columns):
        transform = alt.data_transformers.get()
        if transform is None:  # Altair always has its default transformer enabled
            raise RuntimeError("no Altair data transformer enabled")
        return transform(df)["values"]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


ALTAIR_MAX_ROWS = 5000  # Altair's default data transformer refuses more rows
# dtypes Altair's sanitiser turns into Python objects, missing values into None
OBJECT_LIKE = frozenset({"str", "string", "object", "category", "boolean", "Int8", "Int16",
                         "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32",
                         "Float64"})


def _column(col: pd.Series) -> list[Any] | None:
    """One column as Altair sanitises it; None for a type it is left to do itself."""
    kind = col.dtype.kind
    if kind in "iub" and not isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        return col.tolist()  # Python ints and bools
    if kind == "f" and not isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        return [None if v != v or v in (math.inf, -math.inf) else v for v in col.tolist()]
    if kind == "M":  # a full ISO string with time: dates-only would be read as UTC
        return ["" if v is pd.NaT else v.isoformat() for v in col]
    if str(col.dtype) in OBJECT_LIKE:
        out: list[str | int | float | None] = []
        for v in col.tolist():  # the same Python objects as astype(object)
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                out.append(None)
            elif isinstance(v, (str, int, float)):  # bool is an int
                out.append(v)
            else:  # numpy scalars, timestamps, arrays…: Altair's own conversion
                return None
        return out
    return None


def _channel(field_name: str, kind: str, **props: Any) -> dict[str, Any]:
    """An encoding channel: ``kind`` is Altair's shorthand type (N, O, Q, T)."""
    return {"field": field_name, "type": TYPES[kind], **props}


TYPES = {"N": "nominal", "O": "ordinal", "Q": "quantitative", "T": "temporal"}


def _chart(df: pd.DataFrame, mark: dict[str, Any], encoding: dict[str, Any],
           **props: Any) -> Spec:
    """A single-view chart of ``df``."""
    datasets: dict[str, Any] = {}
    return Spec({"data": _dataset(df, datasets), "mark": mark, "encoding": encoding, **props},
                datasets)


@dataclass
class Figure:
    """A chart that can stand alone: its data, title, n and source travel with it."""

    key: str
    title: str
    chart: Spec | None
    data: pd.DataFrame
    n: int
    n_label: str = "équipes"
    source: str = ""
    notes: str = ""
    # columns holding survey respondent counts, masked below the threshold in exports
    count_columns: tuple[str, ...] = field(default_factory=tuple)
    # drawn from individual answers (team forms, survey responses): withheld from readers and
    # exports when n is below the small-count threshold, since it would show those answers
    sensitive: bool = False
    # the sums of the count columns a reader sees or works out (its n, shares' denominators):
    # what complementary suppression protects (``privacy.Margin``)
    margins: tuple[Margin, ...] = GRAND_TOTAL
    # set by ``views.access.protect``: cells suppressed, or why the chart is withheld whole
    protected: bool = False
    masked_cells: int = 0
    withheld: str = ""

    @property
    def summary(self) -> str:
        """``n = 172 équipes · Source : …``: what the chart itself carries under its title."""
        parts = [f"n = {self.n:,}".replace(",", "\u00a0") + f" {self.n_label}"]
        if self.source:
            parts.append(f"Source : {self.source}")
        return " · ".join(parts)

    @property
    def caption(self) -> str:
        """The summary and the notes (and the masking, if any): what the page and every
        export write with the chart."""
        masked = masked_note().capitalize() if self.masked_cells and not self.withheld else ""
        return " · ".join(p for p in (self.summary, self.notes, masked) if p)


def count_axis(fmt: str = ",d") -> dict[str, Any]:
    """An axis of counts shows whole numbers only (not « 0 0 1 1 » when the counts are small)."""
    return {"format": fmt, "tickMinStep": 1} if fmt == ",d" else {"format": fmt}


def titled(chart: Spec, title: str, subtitle: str | list[str]) -> Spec:
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
    return chart.properties(title={"text": title if len(text) == 1 else text, "subtitle": lines},
                            autosize={"type": "fit-x", "contains": "padding"},
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
) -> Spec:
    """Horizontal bars (stacked when ``color`` is given), sorted by value unless told."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    enc: dict[str, Any] = {
        "y": _channel(category, "N", title=category_title, sort=sort),
        "x": _channel(value, "Q", aggregate="sum", title=value_title,
                      axis=count_axis(value_format)),
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(value, "Q", aggregate="sum", title=value_title,
                             format=value_format)],
    }
    if color:
        enc["color"] = _channel(color, "N", title=color_title or color)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
    return _chart(df, {"type": "bar"}, enc, width="container",
                  height=max(120, n_cat * height_per_bar))


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
) -> Spec:
    """Vertical columns, grouped side by side (``offset``) or stacked by ``color``."""
    enc: dict[str, Any] = {
        "x": _channel(x, x_type, title=x_title, axis={"labelAngle": 0}),
        "y": _channel(value, "Q", aggregate="sum", title=value_title, axis=count_axis()),
        "tooltip": [_channel(x, x_type, title=x_title),
                    _channel(value, "Q", aggregate="sum", title=value_title, format=",d")],
    }
    if color:
        enc["color"] = _channel(color, "N", title=color_title or color)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
        if offset:
            enc["xOffset"] = _channel(color, "N")
    return _chart(df, {"type": "bar"}, enc, width="container", height=320)


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
) -> Spec:
    """A time series with points (months on the x axis, French month names)."""
    enc: dict[str, Any] = {
        "x": _channel(x, "T", title=x_title, axis={"format": time_format}),
        "y": _channel(value, "Q", title=value_title, axis=count_axis()),
        "tooltip": [_channel(x, "T", title=x_title, format=time_format),
                    _channel(value, "Q", title=value_title, format=",d")],
    }
    if color:
        enc["color"] = _channel(color, "N", title=color_title or color)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
    return _chart(df, {"type": "line", "point": True}, enc, width="container", height=300)


# Ordered scales: the disagreeing end in oranges, the agreeing end in blues, a neutral middle.
NEGATIVE = ("#D55E00", "#E69F00", "#F3C677")
POSITIVE = ("#56B4E9", "#0072B2", "#004B75")
NEUTRAL = "#BBBBBB"


def figure(
    key: str,
    title: str,
    chart: Spec | None,
    data: pd.DataFrame,
    n: int,
    n_label: str = "équipes",
    source: str = "",
    notes: str = "",
    count_columns: tuple[str, ...] = (),
    sensitive: bool = False,
    margins: tuple[Margin, ...] = GRAND_TOTAL,
) -> Figure:
    """A Figure whose chart carries its title and its n/source caption inside the spec."""
    fig = Figure(key, title, None, data, int(n), n_label, source, notes, tuple(count_columns),
                 sensitive, tuple(margins))
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
) -> Spec:
    """Horizontal bars, one per group side by side within each category (not stacked)."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    n_grp = max(1, df[group].nunique()) if len(df) else 1
    color = _channel(group, "N", title=group_title, sort=group_order or "ascending")
    if group_order:
        color["scale"] = {"domain": group_order}
    return _chart(df, {"type": "bar"}, {
        "y": _channel(category, "N", title=category_title, sort=sort),
        "x": _channel(value, "Q", title=value_title, axis=count_axis()),
        "yOffset": _channel(group, "N", sort=group_order or "ascending"),
        "color": color,
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(group, "N", title=group_title),
                    _channel(value, "Q", title=value_title, format=",d")],
    }, width="container", height=max(120, n_cat * (10 + 14 * n_grp)))


def share_bars(
    df: pd.DataFrame,
    category: str,
    share: str,
    count: str,
    *,
    category_title: str,
    sort: list[str] | str | dict[str, str] = "-x",
    group: str | None = None,
    group_title: str | None = None,
    value_title: str = "Part des répondants",
    count_title: str = "Répondants",
) -> Spec:
    """Bars of a share (0–1), its count in the tooltip; by ``group``, counts stacked per group."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    if group and sort == "-x":  # stacked segments: order bars by their total
        sort = {"field": count, "op": "sum", "order": "descending"}
    enc: dict[str, Any] = {
        "y": _channel(category, "N", title=category_title, sort=sort),
        "x": _channel(count if group else share, "Q",
                      title=count_title if group else value_title,
                      axis=count_axis(",d" if group else ".0%")),
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(count, "Q", title=count_title, format=",d"),
                    _channel(share, "Q", title=value_title, format=".0%")],
    }
    if group:
        enc["color"] = _channel(group, "N", title=group_title or group)
        enc["tooltip"].insert(1, _channel(group, "N", title=group_title or group))
    return _chart(df, {"type": "bar"}, enc, width="container", height=max(120, n_cat * 28))


def histogram(
    df: pd.DataFrame,
    start: str,
    end: str,
    count: str,
    *,
    value_title: str,
    count_title: str,
    value_format: str = ",d",
) -> Spec:
    """A histogram from bins computed in the store: one bar from ``start`` to ``end`` per bin."""
    return _chart(df, {"type": "bar", "binSpacing": 1}, {
        "x": _channel(start, "Q", title=value_title, bin={"binned": True},
                      axis={"format": value_format}),
        "x2": {"field": end},
        "y": _channel(count, "Q", title=count_title, axis=count_axis()),
        "tooltip": [_channel(start, "Q", title="De", format=value_format),
                    _channel(end, "Q", title="À (exclu)", format=value_format),
                    _channel(count, "Q", title=count_title, format=",d")],
    }, width="container", height=260)


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
    split across 0. Keeps ``options`` order within each bar. Computed row by row: a scale has a
    handful of rows, for which a dozen pandas operations cost milliseconds on every page.
    """
    rank: dict[Hashable, int] = {o: i for i, o in enumerate(options)}
    middle, odd = len(options) // 2, len(options) % 2
    cats, counts = df[category].tolist(), df[count].tolist()
    found = [rank.get(o) if isinstance(o, Hashable) else None for o in df[option].tolist()]
    ranks = [-1 if r is None else r for r in found]  # -1: not an option, left out of ``order``
    missing = _isna(cats)
    # rows of known options, by category (a missing one last, like pandas) then option rank
    order = sorted((i for i, r in enumerate(found) if r is not None),
                   key=lambda i: (missing[i], "" if missing[i] else cats[i], ranks[i]))
    shares: list[float] = []
    starts: list[float] = []
    ends: list[float] = []
    for _, group in itertools.groupby(order, key=lambda i: (missing[i], cats[i])):
        rows = list(group)
        if missing[rows[0]]:  # no category, no bar (pandas leaves such groups out)
            shares += [0.0] * len(rows)
            starts += [math.nan] * len(rows)
            ends += [math.nan] * len(rows)
            continue
        total = sum(counts[i] for i in rows)
        part = [counts[i] / total if total > 0 else 0.0 for i in rows]
        # left edge: minus the shares of the negative half (and half the neutral middle)
        offset = math.fsum(s * (1.0 if ranks[i] < middle else 0.5 if odd and ranks[i] == middle
                                else 0.0) for s, i in zip(part, rows, strict=True))
        running = compensation = 0.0
        for share in part:  # a running sum compensated as pandas' cumsum is
            step = share - compensation
            total_so_far = running + step
            compensation = (total_so_far - running) - step
            running = total_so_far
            start = running - share - offset
            shares.append(share)
            starts.append(start)
            ends.append(start + share)
    any_missing = len(order) < len(ranks)  # mapped with gaps, pandas' ranks are floats
    return pd.DataFrame({
        **{name: df[name].array.take(order) for name in df.columns},
        "rank": [float(ranks[i]) if any_missing else ranks[i] for i in order],
        "share": np.array(shares, dtype="float64"), "start": np.array(starts, dtype="float64"),
        "end": np.array(ends, dtype="float64")})


def _isna(values: list[Any]) -> list[bool]:
    return [v is None or v is pd.NA or (isinstance(v, float) and v != v) for v in values]


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
) -> Spec:
    """Stacked bars centred on the scale's middle, keeping the options' order (Likert chart)."""
    data = diverging_positions(df, category, option, count, options)
    n_cat = max(1, data[category].nunique()) if len(data) else 1
    return _chart(data, {"type": "bar"}, {
        "y": _channel(category, "N", title=category_title, sort=category_order),
        "x": _channel("start", "Q", title="Part des répondants (à gauche : réponses négatives)",
                      axis={"format": ".0%", "values": [-1, -0.5, 0, 0.5, 1],
                            "labelExpr": "replace(datum.label, regexp('^[-−]'), '')"},
                      scale={"domain": [-1, 1]}),
        "x2": {"field": "end"},
        "color": _channel(option, "N", title=option_title,
                          scale={"domain": options, "range": scale_colors(options)},
                          sort=options,
                          # a scale's labels are long: a single row would run off the chart
                          legend={"columns": min(3, len(options)), "labelLimit": 200}),
        "order": _channel("rank", "Q"),
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(option, "N", title=option_title),
                    _channel(count, "Q", title="Répondants", format=",d"),
                    _channel("share", "Q", title="Part", format=".0%")],
    }, width="container", height=max(90, n_cat * 34))


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
) -> Spec:
    """Columns of two measures side by side (e.g. facilitations and unique teams per year)."""
    return _chart(df, {"type": "bar"}, {
        "x": _channel(x, x_type, title=x_title, axis={"labelAngle": 0}),
        "xOffset": _channel(measure, "N", sort=measure_order),
        "y": _channel(value, "Q", title=value_title, axis=count_axis()),
        "color": _channel(measure, "N", title=None, sort=measure_order,
                          scale={"domain": measure_order,
                                 "range": PALETTE[: len(measure_order)]}),
        "tooltip": [_channel(x, x_type, title=x_title),
                    _channel(measure, "N", title="Mesure"),
                    _channel(value, "Q", title=value_title, format=",d")],
    }, width="container", height=300)


def status_colors(chart: Spec, data: pd.DataFrame, column: str) -> Spec:
    """The project's status colours on a chart coloured by status (grey for a missing one)."""
    colors = vocabulary.status_colors_by_label()
    present = [s for s in colors if s in set(data[column])]
    encoding = {**chart.spec["encoding"], "color": _channel(
        column, "N", title="Statut", sort=present,
        scale={"domain": present, "range": [colors[s] for s in present]})}
    return Spec({**chart.spec, "encoding": encoding}, chart.datasets)


# Lines drawn over the map, named in its legend.
TERRITORY_LINE = "Limites des territoires"
SCOPE_LINE = "Périmètre affiché"
LINE_COLORS = {TERRITORY_LINE: "#D55E00", SCOPE_LINE: "#222222"}


def choropleth(shapes: str, values: pd.DataFrame, labels: pd.DataFrame, *, label: str,
               fmt: str, selection: str, borders: str | None = None,
               partial: bool = False) -> Spec:
    """Départements coloured by ``values``' value, clickable, labelled with code and value.

    ``shapes`` (and the territories' ``borders``) travel as TopoJSON strings (quantised, a
    third of the GeoJSON) that nothing walks; ``values`` (``departement``, ``name``,
    ``value``, ``in_scope``) are joined to the shapes by code in the spec, not repeated in
    every feature; ``labels`` (``departement``, ``lon``, ``lat``, ``v``) place the labels.
    ``partial``: the scope is part of the map; the départements outside it are faded and the
    scope is outlined, whether it was chosen in the sidebar, the URL or by a click.
    """
    datasets: dict[str, Any] = {}
    lookup = {"lookup": "code", "from": {"data": _dataset(values, datasets), "key": "departement",
                                         "fields": ["name", "value", "in_scope"]}}
    topo = {"format": {"feature": "departements", "type": "topojson"}, "values": shapes}
    fill = {
        "data": topo,
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "color": _channel("value", "Q", title=label, scale={"scheme": "blues"},
                              legend={"orient": "right", "format": fmt}),
            "opacity": {"condition": {"test": "datum.in_scope", "value": 1}, "value": 0.3},
            "tooltip": [_channel("name", "N", title="Département"),
                        _channel("code", "N", title="Code"),
                        _channel("value", "Q", title=label, format=fmt)],
        },
        "transform": [{"calculate": "datum.properties.code", "as": "code"}, lookup],
    }
    # the layer the click selection lives in, named from its content like Altair's
    fill["name"] = "view_" + hashlib.sha256(json.dumps(
        [fill["mark"], fill["encoding"], fill["transform"]], sort_keys=True).encode()
    ).hexdigest()[:16] + "_0"
    lines = [name for name, shown in ((TERRITORY_LINE, borders is not None),
                                      (SCOPE_LINE, partial)) if shown]
    line_scale = {"domain": lines, "range": [LINE_COLORS[n] for n in lines]}

    def outline(name: str, data: dict[str, Any], width: float,
                transform: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        # No fill at all (not even "transparent"): the outlines must not catch the hover and
        # clicks meant for the départements under them.
        return {
            "data": data, "mark": {"type": "geoshape", "filled": False, "strokeWidth": width},
            "transform": [*(transform or []),
                          {"calculate": json.dumps(name, ensure_ascii=False), "as": "ligne"}],
            "encoding": {"fill": {"value": None}, "stroke": _channel(
                "ligne", "N", scale=line_scale,
                legend={"title": None, "orient": "bottom", "symbolType": "stroke",
                        "symbolStrokeWidth": 3})}}

    layers = [fill]
    if borders is not None:
        layers.append(outline(TERRITORY_LINE, {"format": {"feature": "territories",
                                                          "type": "topojson"},
                                               "values": borders}, 2.5))
    if partial:
        layers.append(outline(SCOPE_LINE, topo, 2.5, [
            {"calculate": "datum.properties.code", "as": "code"}, lookup,
            {"filter": "datum.in_scope"}]))
    named = _dataset(labels, datasets)
    position = {"longitude": _channel("lon", "Q"), "latitude": _channel("lat", "Q")}
    faded = {"condition": {"test": "datum.in_scope", "value": 1}, "value": 0.45}
    layers.append({"data": named,
                   "mark": {"type": "text", "fontSize": 12, "fontWeight": "bold", "dy": -7},
                   "encoding": {**position, "text": _channel("departement", "N"),
                                "opacity": faded}})
    layers.append({"data": named, "mark": {"type": "text", "fontSize": 11, "dy": 7},
                   "encoding": {**position, "text": _channel("v", "Q", format=fmt),
                                "opacity": faded}})
    return Spec({
        "layer": layers,
        "params": [{"name": selection, "select": {"type": "point", "fields": ["code"],
                                                  "on": "click"}, "views": [fill["name"]]}],
        "projection": {"type": "mercator"}, "width": "container", "height": 520,
    }, datasets)


# -- survey cards and infographics --------------------------------------------------------------
# « 64 % »: a French percentage, a no-break space before its sign (d3's ".0%" writes « 64% »)
PERCENT_LABEL = "format(datum.value * 100, ',.0f') + '\u00a0%'"
SHARE_AXIS = {"format": ".0%", "values": [0, 0.25, 0.5, 0.75, 1], "grid": True,
              "labelExpr": PERCENT_LABEL}


def _percent_text(share: str) -> dict[str, Any]:
    """A transform writing ``share`` as « 64 % » into the field ``étiquette``."""
    return {"calculate": f"format(datum[{json.dumps(share)}] * 100, ',.0f') + '\u00a0%'",
            "as": "étiquette"}
NEUTRAL_BAR = "#9a9a9a"


def _share_tooltip(category: str, category_title: str, share: str, count: str,
                   low: str | None, high: str | None,
                   group: str | None = None) -> list[dict[str, Any]]:
    tips = [_channel(category, "N", title=category_title)]
    if group:
        tips.insert(0, _channel(group, "N"))
    tips += [_channel(count, "Q", title="Répondants", format=",d"),
             _channel(share, "Q", title="Part", format=".0%")]
    if low and high:
        tips += [_channel(low, "Q", title="IC 95 % bas", format=".0%"),
                 _channel(high, "Q", title="IC 95 % haut", format=".0%")]
    return tips


def answer_bars(
    df: pd.DataFrame,
    category: str,
    share: str,
    count: str,
    *,
    category_title: str = "Réponse",
    order: list[str] | None = None,
    colors: dict[str, str] | None = None,
    low: str | None = None,
    high: str | None = None,
    color: str = PALETTE[0],
) -> Spec:
    """A survey question's answers as horizontal bars of shares, each labelled with its
    percentage; in ``order`` (a scale, oui/non) or by share; ``colors`` per answer (a scale's
    sides), else one colour; counts and the 95 % interval (``low``, ``high``) in the tooltip."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    sort: list[str] | dict[str, str] = order if order else {"field": share,
                                                            "order": "descending"}
    fill: dict[str, Any] = {"value": color}
    if colors:
        present = [c for c in (order or list(colors)) if c in colors]
        fill = _channel(category, "N", legend=None,
                        scale={"domain": present, "range": [colors[c] for c in present]})
    x = _channel(share, "Q", title=None, axis=SHARE_AXIS, scale={"domain": [0, 1.12]})
    datasets: dict[str, Any] = {}
    return Spec({
        "data": _dataset(df, datasets),
        "encoding": {"y": _channel(category, "N", title=None, sort=sort,
                                   axis={"labelLimit": 230, "labelFontSize": 12}),
                     "x": x},
        "layer": [
            {"mark": {"type": "bar", "cornerRadiusEnd": 3, "height": {"band": 0.75}},
             "encoding": {"color": fill,
                          "tooltip": _share_tooltip(category, category_title, share, count,
                                                    low, high)}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 13,
                      "fontWeight": "bold", "color": "#222222"},
             "encoding": {"text": _channel("étiquette", "N")}},
        ],
        # one transform for both layers: one data source, so the bars can be sorted by share
        "transform": [_percent_text(share)],
        "width": "container", "height": max(70, n_cat * 30),
    }, datasets)


def heat_table(
    df: pd.DataFrame,
    row: str,
    column: str,
    share: str,
    count: str,
    *,
    row_order: list[str],
    column_order: list[str],
    row_title: str,
    low: str | None = None,
    high: str | None = None,
    color: str = PALETTE[0],
) -> Spec:
    """A breakdown as a heat table: one row per group (``row_order``: sorted by the share that
    matters), one column per answer, each cell the share of the group giving that answer,
    written in it; no legend to read, no colour to match."""
    cell_w = max(52, min(110, 560 // max(1, len(column_order))))
    datasets: dict[str, Any] = {}
    return Spec({
        "data": _dataset(df, datasets),
        "encoding": {
            "y": _channel(row, "N", title=row_title, sort=row_order,
                          axis={"labelLimit": 200, "ticks": False, "domain": False}),
            "x": _channel(column, "N", title=None, sort=column_order,
                          axis={"orient": "top", "ticks": False, "domain": False,
                                "labelFontSize": 11,
                                # long answers side by side would overlap: slanted
                                **({"labelAngle": 0, "labelLimit": cell_w - 4}
                                   if len(column_order) <= 3 and max(
                                       (len(str(c)) for c in column_order), default=0) * 6
                                   < cell_w else
                                   {"labelAngle": -35, "labelAlign": "left",
                                    "labelLimit": 160})}),
        },
        "layer": [
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
             "encoding": {"color": _channel(share, "Q", legend=None,
                                            scale={"domain": [0, 1],
                                                   "range": ["#f4f6f8", color]}),
                          "tooltip": _share_tooltip(column, "Réponse", share, count, low,
                                                    high, group=row)}},
            {"mark": {"type": "text", "fontSize": 12},
             "encoding": {"text": _channel("étiquette", "N"),
                          "color": {"condition": {"test": f"datum[{json.dumps(share)}] > 0.55",
                                                  "value": "white"}, "value": "#222222"}}},
        ],
        "transform": [_percent_text(share)],
        "width": cell_w * len(column_order), "height": max(60, 26 * len(row_order)),
    }, datasets)


def value_histogram(
    df: pd.DataFrame,
    start: str,
    end: str,
    count: str,
    *,
    value_title: str,
    value_format: str = ",d",
    color: str = PALETTE[0],
) -> Spec:
    """A histogram binned in the store, each bar labelled with its count; ticks on the bins'
    edges."""
    edges = sorted(set(df[start].tolist()) | set(df[end].tolist())) if len(df) else []
    y = _channel(count, "Q", title="Répondants", axis=count_axis())
    datasets: dict[str, Any] = {}
    return Spec({
        "data": _dataset(df, datasets),
        "layer": [
            # plain x–x2 bars (a "binned" x draws zero-width bars in a layer), white edges
            {"mark": {"type": "bar", "color": color, "stroke": "white", "strokeWidth": 1.5},
             "encoding": {
                 "x": _channel(start, "Q", title=value_title,
                               axis={"format": value_format, "values": edges}),
                 "x2": {"field": end}, "y": y, "y2": {"datum": 0},
                 "tooltip": [_channel(start, "Q", title="De", format=value_format),
                             _channel(end, "Q", title="À (exclu)", format=value_format),
                             _channel(count, "Q", title="Répondants", format=",d")]}},
            {"mark": {"type": "text", "dy": -7, "fontSize": 12, "fontWeight": "bold",
                      "color": "#222222"},
             "transform": [{"calculate": f"(datum[{json.dumps(start)}] + "
                                         f"datum[{json.dumps(end)}]) / 2", "as": "milieu"}],
             "encoding": {"x": _channel("milieu", "Q"), "y": y,
                          "text": _channel(count, "Q", format=",d")}},
        ],
        "width": "container", "height": 170,
    }, datasets)


def side_colors(options: list[str], positive: str = "last") -> dict[str, str]:
    """A scale's colours by side: the favourable end blue, the other orange, a middle grey,
    whichever end the survey says is positive (« 1 = faible difficulté » is the good end)."""
    colors = scale_colors(options)
    if positive == "first":
        colors = list(reversed(colors))
    return dict(zip(options, colors, strict=True))
