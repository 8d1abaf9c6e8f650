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
import re
import textwrap
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from observatory import formats, vocabulary
from observatory.config import BASE_FONTS, Brand
from observatory.privacy import GRAND_TOTAL, Margin, masked_note

# Altair checks every object against the Vega-Lite JSON schema as it is built ("debug mode"):
# the app builds its own specs as plain data, and the charts Altair still builds (the exported
# département sheet's map) are fixed code checked by the tests.
alt.utils.schemapi.disable_debug_mode()

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Categories that mean
# something (team types, statuses, years, measures) have colours of their own (vocabulary and
# the brand); this palette only colours categories without one (professions, answers…).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = ", ".join(BASE_FONTS)
DEFAULT_BRAND = Brand()
INK = "#333333"  # value labels and axis text
MUTED = "#555555"  # subtitles, axis titles
SECOND_MEASURE = "#5B6770"  # the second of two measures beside the brand's primary
# Characters per line of a chart's title and subtitle: longer ones wrap instead of being cut
# with « … ». The lines are short enough for a phone (about 350 px of chart, where they are
# also set smaller), and read as a heading of two lines in a half-width column.
TITLE_WIDTH = 32
SUBTITLE_WIDTH = 54
NARROW = "(containerSize()[0] || 1000) < 480"  # no container (an export): never narrow


def narrow(small: float, large: float) -> dict[str, str]:
    """A size that is ``small`` in a phone-wide container, ``large`` elsewhere."""
    return {"expr": f"{NARROW} ? {small} : {large}"}


FR_LOCALE: alt.theme.LocaleKwds = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
               "currency": ["", "\u00a0€"], "percent": "\u00a0%",  # « 64 % », as formats
               "minus": "\u2212"},
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


def ramp(brand: Brand) -> list[str]:
    """The sequential colours of a map or a heat table: a light tint to a deep shade."""
    return [brand.tint(0.92), brand.tint(0.45), brand.primary, brand.shade(0.45)]


def brand_config(brand: Brand) -> dict[str, Any]:
    """What a brand changes in the theme: its colour on single series, maps and titles, its
    font."""
    return {
        "font": brand.font_stack,
        "title": {"color": brand.shade(0.25)},
        "bar": {"color": brand.primary},
        "line": {"color": brand.primary},
        "point": {"color": brand.primary},
        "rect": {"color": brand.primary},
        "range": {"ramp": ramp(brand)},
    }


@alt.theme.register("observatoire", enable=True)
def theme() -> alt.theme.ThemeConfig:
    """Readable at presentation size: large type, no chart junk, French locale."""
    config: dict[str, Any] = {
        "locale": FR_LOCALE,
        "view": {"stroke": None},
        "range": {"category": PALETTE},
        "title": {"fontSize": 18, "anchor": "start", "subtitleFontSize": 12,
                  "subtitleColor": MUTED, "offset": 12},
        "axis": {"labelFontSize": 13, "titleFontSize": 13, "grid": False,
                 "labelColor": INK, "titleColor": MUTED, "titleFontWeight": "normal",
                 "domainColor": "#999999", "tickColor": "#999999",
                 # long labels (answers, départements) keep room for the bars on a phone
                 "labelLimit": narrow(130, 260)},
        "axisQuantitative": {"grid": True, "gridColor": "#e6e6e6", "format": ",d"},
        "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom",
                   "labelLimit": 240, "titleColor": MUTED, "titleFontWeight": "normal"},
        "text": {"color": INK, "fontSize": 12},
        "line": {"strokeWidth": 3},
        "point": {"size": 70},
    }
    return {"config": _merged(config, brand_config(DEFAULT_BRAND))}  # type: ignore[typeddict-item]


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on it, nested dicts merged key by key (copies)."""
    out = _copied(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = _copied(value)
    return out


def _difference(full: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """What ``full`` sets that ``base`` does not (the inverse of ``_merged``)."""
    out: dict[str, Any] = {}
    for key, value in full.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            part = _difference(value, base[key])
            if part:
                out[key] = part
        elif key not in base or base[key] != value:
            out[key] = _copied(value)
    return out


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
        """The full spec, a fresh copy (Streamlit and the exports change what they are given):
        the theme, under the spec's own ``config`` (a brand's, ``branded``)."""
        config = dict(theme()["config"])
        own = self.spec.get("config")
        spec = {**_copied(self.spec), "config": _merged(config, own) if own else config,
                "$schema": alt.SCHEMA_URL}
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
        if isinstance(view.get("config"), dict):
            own = _difference(view["config"], dict(theme()["config"]))
            if own:
                view["config"] = own
            else:
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
    # draws individual teams or projects (a map of them, with their names): staff only, never
    # `lecture`, who get an aggregated figure beside it
    detail: bool = False
    # set by ``views.access.protect``: cells suppressed, or why the chart is withheld whole
    protected: bool = False
    masked_cells: int = 0
    withheld: str = ""
    # what the chart says, in one sentence written from its data (« Sous ACI : 98 équipes
    # adhérentes sur 172 (57 %) »): above the chart, on its slide and in the slide's notes.
    # A chart of a single bar is not drawn: its takeaway says it all (``chart`` is None).
    takeaway: str = ""

    @property
    def n_text(self) -> str:
        """``n = 172 équipes``, ``n = 1 équipe``."""
        return f"n = {counted(self.n, self.n_label)}"

    @property
    def summary(self) -> str:
        """``n = 172 équipes · Source : …``: what the chart itself carries under its title."""
        parts = [self.n_text]
        if self.source:
            parts.append(f"Source : {self.source}")
        return formats.typography(" · ".join(parts))

    @property
    def caption(self) -> str:
        """The summary and the notes (and the masking, if any): what the page and every
        export write with the chart."""
        masked = masked_note().capitalize() if self.masked_cells and not self.withheld else ""
        return formats.typography(" · ".join(p for p in (self.summary, self.notes, masked) if p))

    @property
    def statement(self) -> bool:
        """A figure told as a sentence (one bar), not drawn."""
        return self.chart is None and bool(self.takeaway) and not self.withheld

    @property
    def lead(self) -> str:
        """The takeaway, else the first sentence of the notes: a slide always says something."""
        if self.takeaway:
            return self.takeaway
        first = self.notes.split(". ")[0].strip().rstrip(".")
        return formats.typography(first + ".") if first else ""


def titled(chart: Spec, title: str, subtitle: str | list[str],
           brand: Brand | None = None) -> Spec:
    """Title and subtitle inside the spec, so that an exported image still says what it is.

    ``fit-x``: the chart takes the container's width and its height stays the plot's height;
    without an autosize of its own, Streamlit fits titles, axes and legend into ``height`` too,
    which crushes a short bar chart to nothing. The top padding keeps the accent of a capital
    (« É ») inside the canvas. Texts are set in French typography (no-break spaces keep
    « Total : 172 » and « « Recherche » » whole when lines wrap); ``brand`` colours the chart.
    """
    lines = [subtitle] if isinstance(subtitle, str) else subtitle
    lines = [part for line in lines
             for part in textwrap.wrap(formats.typography(line), SUBTITLE_WIDTH)]
    text = textwrap.wrap(formats.typography(title), TITLE_WIDTH)
    chart = chart.properties(
        title={"text": text[0] if len(text) == 1 else text, "subtitle": lines,
               "fontSize": narrow(15, 18), "subtitleFontSize": narrow(10.5, 12)},
        autosize={"type": "fit-x", "contains": "padding"},
        padding={"top": 10, "left": 5, "right": 5, "bottom": 5})
    _typeset_titles(chart.spec)
    return branded(chart, brand) if brand is not None else chart


def _typeset_titles(node: Any) -> None:
    """Axis, legend and tooltip titles of a spec in French typography (in place)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                node[key] = formats.typography(value)
            elif key not in ("data", "datasets", "values"):
                _typeset_titles(value)
    elif isinstance(node, list):
        for value in node:
            _typeset_titles(value)


def branded(chart: Spec, brand: Brand) -> Spec:
    """The chart in the federation's look: its colour on single series, maps and titles, its
    font (the theme's other settings stay)."""
    own = chart.spec.get("config")
    config = brand_config(brand)
    return chart.properties(config=_merged(own, config) if isinstance(own, dict) else config)


def count_axis(fmt: str = ",d") -> dict[str, Any]:
    """An axis of counts shows whole numbers only (not « 0 0 1 1 » when the counts are small)."""
    return {"format": fmt, "tickMinStep": 1} if fmt == ",d" else {"format": fmt}


# -- colours that mean something ----------------------------------------------------------------
def vocabulary_colors(values: Any) -> dict[str, str] | None:
    """The fixed colours of team types or statuses when ``values`` are all of one kind."""
    present = {v for v in values if isinstance(v, str)}
    if not present:
        return None
    for colors in (vocabulary.team_type_colors(), vocabulary.status_colors_by_label()):
        if present <= set(colors):
            return {k: v for k, v in colors.items() if k in present}
    return None


def year_colors(years: Any, brand: Brand | None = None) -> dict[str, str]:
    """Years: the latest in the brand's primary colour, the one before a light tint of it,
    older ones lighter still — the same on every page and in every export."""
    brand = brand or DEFAULT_BRAND
    latest_first = sorted({str(y) for y in years}, reverse=True)
    shades = [brand.primary, brand.tint(0.55), brand.tint(0.75), brand.tint(0.85)]
    colors = {y: shades[min(i, len(shades) - 1)] for i, y in enumerate(latest_first)}
    return {y: colors[y] for y in reversed(latest_first)}  # in time order, as legends read


def measure_colors(measures: list[str], brand: Brand | None = None) -> dict[str, str]:
    """Two measures side by side (facilitations, unique teams): the brand's colour, then slate."""
    brand = brand or DEFAULT_BRAND
    shades = [brand.primary, SECOND_MEASURE, brand.tint(0.55)]
    return {m: shades[min(i, len(shades) - 1)] for i, m in enumerate(measures)}


def _color(field_name: str, title: str | None, values: Any,
           colors: dict[str, str] | None = None, **props: Any) -> dict[str, Any]:
    """A colour channel: the given or vocabulary colours in their order, else the palette."""
    colors = colors or vocabulary_colors(values)
    channel = _channel(field_name, "N", title=title, **props)
    if colors:
        present = set(values)
        domain = [k for k in colors if k in present]
        channel["scale"] = {"domain": domain, "range": [colors[k] for k in domain]}
        channel["sort"] = domain
    return channel


# -- value labels, order, and what a chart says --------------------------------------------------
LABEL = {"type": "text", "fontSize": 12, "color": INK}
TOTAL = "total_label"


def _totals(df: pd.DataFrame, category: str, value: str) -> dict[Any, float]:
    """Each category's sum of ``value``, in first-seen order (plain Python: small frames)."""
    totals: dict[Any, float] = {}
    for c, v in zip(df[category].tolist(), df[value].tolist(), strict=True):
        totals[c] = totals.get(c, 0) + (v if isinstance(v, int | float) and v == v else 0)
    return totals


def _order(totals: dict[Any, float], sort: Any) -> Any:
    """``-x``/``-y`` as the explicit list of categories by decreasing total (every layer of a
    chart must share one sort); any other order as given."""
    if sort in ("-x", "-y"):
        return sorted(totals, key=lambda c: -totals[c])
    return sort


def _value_text(value: float, fmt: str) -> str:
    if fmt.endswith("%"):
        return formats.percent(value)
    return formats.number(value)


def unit_of(title: str) -> str:
    """An axis title as the noun after a number: « Équipes adhérentes » → « équipes
    adhérentes » (an acronym stays: « MSP »)."""
    title = title.split(" (")[0]
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


STOP_WORDS = frozenset({"de", "des", "du", "les", "la", "le", "à", "au", "aux", "en", "sur",
                        "par", "pour", "dont", "et", "ou"})


def counted(value: float, unit: str) -> str:
    """« 12 équipes adhérentes », « 1 équipe adhérente »: the number and its noun, in the
    singular for 0 and 1 (the words before a preposition lose their plural s)."""
    words = unit.split(" ")
    if abs(value) < 2:
        for i, word in enumerate(words):
            if word in STOP_WORDS:
                break
            if word.endswith("s") and word[:1].islower() and len(word) > 2:
                words[i] = word[:-1]
    return f"{formats.number(value)} {' '.join(words)}".strip()


def _part(amount: str, label: str) -> str:
    """« 40 MSP », « 69 « Projet validé (ARS) » »: a part of a stacked bar by its exact label
    (a category's label is no noun to put a number before, unless it is an acronym)."""
    if label.isupper():
        return f"{amount} {label}"
    return f"{amount} «{formats.NNBSP}{label}{formats.NNBSP}»"


def _and(parts: list[str]) -> str:
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _label(value: Any) -> str:
    return "Non renseigné" if value is None or value != value else str(value)


def _meta(chart: Spec, single: str = "", lead: str = "", part: float | None = None,
          total: float | None = None, rest: str = "") -> Spec:
    """What the chart says, kept in the spec's ``usermeta`` for ``figure``: ``single`` when it
    would draw one bar, else its ``lead`` (with the top value and the sum, so that ``figure``
    can say « sur 172 (57 %) » when the bars add up to the figure's n, before the ``rest``)."""
    meta: dict[str, Any] = {}
    if single:
        meta["single"] = single
    elif lead:
        meta["lead"] = {"text": lead, "part": part, "total": total, "rest": rest}
    return chart.properties(usermeta=meta) if meta else chart


def _statement(totals: dict[Any, float], df: pd.DataFrame, category: str, value: str,
               unit: str, fmt: str, group: str | None = None, whole: bool = True,
               top: Any = None) -> tuple[str, str, float | None, float | None, str]:
    """(single, lead, top value, sum, rest) of a bar chart: a sentence when there is one
    category, else about its largest category (or ``top``)."""
    if not totals:
        return "", "", None, None, ""
    if top is None or top not in totals:
        top = next(iter(sorted(totals, key=lambda c: -totals[c])))

    def amount(v: float) -> str:
        return _value_text(v, fmt) if fmt.endswith("%") else counted(v, unit)

    head, rest = f"{_label(top)} : {amount(totals[top])}", ""
    if group:
        rows = df[df[category] == top] if top == top and top is not None else df.iloc[0:0]
        pairs = [(str(g), v) for g, v in zip(rows[group].tolist(), rows[value].tolist(),
                                            strict=True) if isinstance(v, int | float)]
        if whole and len(pairs) > 1:  # stacked parts of a whole
            rest = ", dont " + _and([_part(_value_text(v, fmt), g) for g, v in pairs])
        elif not whole and pairs:  # side by side: each group's value
            first, *others = pairs
            head = f"{_label(top)} : {amount(first[1])} ({first[0]})"
            if others:
                # one list with the first: « a, b et c », not « a et b et c »
                rest = (" et " if len(others) == 1 else ", ") + _and(
                    [f"{_value_text(v, fmt)} ({g})" for g, v in others])
    if len(totals) == 1:
        return formats.typography(head + rest + "."), "", None, None, ""
    if group and not whole:  # side by side: the groups do not add up to the figure's n
        return "", formats.typography(head + rest), None, None, ""
    return "", formats.typography(head), totals[top], sum(totals.values()), rest


YEAR = re.compile(r"^(19|20)\d\d$")


def _layers(df: pd.DataFrame, layers: list[dict[str, Any]], **props: Any) -> Spec:
    """A chart of ``df`` drawn as several layers over the same data (bars and their labels)."""
    datasets: dict[str, Any] = {}
    return Spec({"data": _dataset(df, datasets), "layer": layers, **props}, datasets)


def _bar_labels(y: dict[str, Any], x: dict[str, Any], fmt: str, *, horizontal: bool = True,
                offset: dict[str, Any] | None = None) -> dict[str, Any]:
    """The layer writing each bar's value at its end (``x`` is the value channel)."""
    mark = ({**LABEL, "align": "left", "baseline": "middle", "dx": 4} if horizontal
            else {**LABEL, "align": "center", "baseline": "bottom", "dy": -3})
    value = {k: v for k, v in x.items() if k not in ("axis", "title", "scale")}
    encoding = {"y": y, "x": x, "text": {**value, "format": fmt}}
    if offset is not None:
        encoding["yOffset" if horizontal else "xOffset"] = offset
    return {"mark": mark, "encoding": encoding}


def _total_labels(category_channel: dict[str, Any], category: str, value: str, fmt: str,
                  value_title: str, *, horizontal: bool = True) -> dict[str, Any]:
    """The layer writing a stacked bar's total at its end."""
    total = _channel(TOTAL, "Q", title=value_title)
    mark = ({**LABEL, "align": "left", "baseline": "middle", "dx": 4} if horizontal
            else {**LABEL, "align": "center", "baseline": "bottom", "dy": -3})
    position = {"y": category_channel, "x": total} if horizontal else \
        {"x": category_channel, "y": total}
    return {"transform": [{"aggregate": [{"op": "sum", "field": value, "as": TOTAL}],
                           "groupby": [category]}],
            "mark": mark, "encoding": {**position, "text": {**_channel(TOTAL, "Q"), "format": fmt}}}


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
    colors: dict[str, str] | None = None,
) -> Spec:
    """Horizontal bars (stacked when ``color`` is given), sorted by value unless told, each
    with its value (a stacked bar: its total) at its end.

    The categories need no axis title: the chart's title says what they are, and a vertical
    title beside long labels would sit on them."""
    totals = _totals(df, category, value)
    n_cat = max(1, len(totals))
    y = _channel(category, "N", title=None, sort=_order(totals, sort))
    x = _channel(value, "Q", aggregate="sum", title=value_title,
                 axis=count_axis(value_format))
    enc: dict[str, Any] = {
        "y": y, "x": x,
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(value, "Q", aggregate="sum", title=value_title,
                             format=value_format)],
    }
    labels = _bar_labels(y, x, value_format)
    if color == category:  # each bar in its category's colour: the axis is the legend
        enc["color"] = _color(color, color_title, set(df[color]), colors, legend=None)
    elif color:
        enc["color"] = _color(color, color_title or color, set(df[color]), colors)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
        labels = _total_labels(y, category, value, value_format, value_title)
    chart = _layers(df, [{"mark": {"type": "bar"}, "encoding": enc}, labels],
                    width="container", height=max(120, n_cat * height_per_bar))
    return _meta(chart, *_statement(totals, df, category, value, unit_of(value_title),
                                    value_format, color if color != category else None))


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
    colors: dict[str, str] | None = None,
) -> Spec:
    """Vertical columns, grouped side by side (``offset``) or stacked by ``color``, each with
    its value (a stack: its total) on top."""
    totals = _totals(df, x, value)
    known = vocabulary_colors(totals)  # team types or statuses: in their own order
    xc = _channel(x, x_type, title=x_title, axis={"labelAngle": 0},
                  **({"sort": list(known)} if known else {}))
    yc = _channel(value, "Q", aggregate="sum", title=value_title, axis=count_axis())
    enc: dict[str, Any] = {
        "x": xc, "y": yc,
        "tooltip": [_channel(x, x_type, title=x_title),
                    _channel(value, "Q", aggregate="sum", title=value_title, format=",d")],
    }
    labels = _bar_labels(xc, yc, ",d", horizontal=False)
    labels["encoding"]["x"], labels["encoding"]["y"] = xc, yc
    if color:
        enc["color"] = _color(color, color_title or color, set(df[color]), colors)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
        if offset:
            enc["xOffset"] = _channel(color, "N", sort=enc["color"].get("sort"))
            labels["encoding"]["xOffset"] = enc["xOffset"]
        else:
            labels = _total_labels(xc, x, value, ",d", value_title, horizontal=False)
    chart = _layers(df, [{"mark": {"type": "bar"}, "encoding": enc}, labels],
                    width="container", height=320)
    years = [c for c in totals if YEAR.match(str(c))]
    latest = max(years) if years and len(years) == len(totals) else None  # years: the latest
    return _meta(chart, *_statement(totals, df, x, value, unit_of(value_title), ",d", color,
                                    whole=not offset, top=latest))


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
    colors: dict[str, str] | None = None,
) -> Spec:
    """A time series with points (months on the x axis, French month names)."""
    enc: dict[str, Any] = {
        "x": _channel(x, "T", title=x_title, axis={"format": time_format}),
        "y": _channel(value, "Q", title=value_title, axis=count_axis()),
        "tooltip": [_channel(x, "T", title=x_title, format=time_format),
                    _channel(value, "Q", title=value_title, format=",d")],
    }
    rows = df
    if color:
        enc["color"] = _color(color, color_title, set(df[color]), colors)
        enc["tooltip"].insert(1, _channel(color, "N", title=color_title or color))
        first = (enc["color"].get("sort") or [None])[0]
        rows = df[df[color] == first] if first is not None else df
    chart = _chart(df, {"type": "line", "point": True}, enc, width="container", height=300)
    if not len(rows):
        return chart
    peak = rows[value].idxmax()
    when = rows.loc[peak, x]
    label = formats.month(when) if hasattr(when, "month") else str(when)
    noun = unit_of(str(rows.loc[peak, color])) if color else unit_of(value_title)
    return _meta(chart, lead=formats.typography(
        f"Maximum en {label} : {counted(rows.loc[peak, value], noun)}"))


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
    *,
    takeaway: str | None = None,
    brand: Brand | None = None,
) -> Figure:
    """A Figure whose chart carries its title and its n/source caption inside the spec.

    Its ``takeaway`` is the one given, else what the chart's builder read in its data (the
    largest bar, « sur n » when the bars add up to n). A chart that would draw a single bar
    is not drawn: its sentence is the figure."""
    fig = Figure(key, title, None, data, int(n), n_label, source, notes, tuple(count_columns),
                 sensitive, tuple(margins))
    meta = chart.spec.get("usermeta", {}) if chart is not None else {}
    if meta.get("single"):
        fig.takeaway = takeaway or meta["single"]
        return fig
    lead = meta.get("lead") or {}
    text = lead.get("text", "")
    part, total = lead.get("part"), lead.get("total")
    if text and part is not None and total and int(total) == fig.n:
        text += f" sur {formats.number(fig.n)} ({formats.percent(part / fig.n)})"
    text += lead.get("rest") or ""
    fig.takeaway = formats.typography(takeaway if takeaway is not None else
                                      (text + "." if text else ""))
    if chart is not None:
        fig.chart = titled(chart, title, fig.summary, brand)
    return fig


def grouped_bars(
    df: pd.DataFrame,
    category: str,
    value: str,
    group: str,
    *,
    category_title: str,
    value_title: str,
    group_title: str | None,
    sort: list[str] | str = "-x",
    group_order: list[str] | None = None,
    colors: dict[str, str] | None = None,
    groups_are_units: bool = False,
) -> Spec:
    """Horizontal bars, one per group side by side within each category (not stacked), each
    with its value; ``-x`` orders the categories by the first group's value.

    ``groups_are_units``: the groups are what is counted (« Facilitations », « Équipes
    uniques »), so a takeaway reads « 42 facilitations et 30 équipes uniques »."""
    first = group_order[0] if group_order else None
    ranked = df[df[group] == first] if first is not None and len(df) else df
    totals = _totals(df, category, value)
    order = _order(_totals(ranked, category, value) | {c: -1 for c in totals
                                                       if c not in set(ranked[category])}, sort)
    n_cat = max(1, len(totals))
    n_grp = max(1, df[group].nunique()) if len(df) else 1
    color = _color(group, group_title, set(df[group]), colors)
    if "scale" not in color and group_order:
        color["scale"] = {"domain": group_order}
    offset = _channel(group, "N", sort=group_order or "ascending")
    y = _channel(category, "N", title=None, sort=order)
    x = _channel(value, "Q", title=value_title, axis=count_axis())
    enc = {
        "y": y, "x": x, "yOffset": offset, "color": color,
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(group, "N", title=group_title or group),
                    _channel(value, "Q", title=value_title, format=",d")],
    }
    chart = _layers(df, [{"mark": {"type": "bar"}, "encoding": enc},
                         _bar_labels(y, x, ",d", offset=offset)],
                    width="container", height=max(120, n_cat * (10 + 14 * n_grp)))
    if not len(df):
        return chart
    firsts = _totals(ranked, category, value) or totals
    top = max(firsts, key=lambda c: firsts[c])  # the largest, whatever the bars' order
    rows = df[df[category] == top]
    values = dict(zip(rows[group].tolist(), rows[value].tolist(), strict=True))
    names = [g for g in (group_order or list(values)) if g in values]
    if groups_are_units:
        said = _and([counted(values[g], unit_of(g)) for g in names])
    else:
        said = _and([f"{formats.number(values[g])} ({g})" for g in names])
    text = formats.typography(f"{_label(top)} : {said}")
    return _meta(chart, single=text + "." if n_cat == 1 else "", lead=text)


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
    colors: dict[str, str] | None = None,
    low: str | None = None,
    high: str | None = None,
) -> Spec:
    """Bars of a share (0–1) with its percentage at the end, its count in the tooltip; by
    ``group``, counts stacked per group. ``colors``: a colour per category (a scale's sides,
    « oui » and « non »; the axis names them, no legend), else the theme's (a brand's) bar
    colour; ``low``, ``high``: the share's 95 % interval, in the tooltip."""
    totals = _totals(df, category, count if group else share)
    n_cat = max(1, len(totals))
    if group and sort == "-x":  # stacked segments: order bars by their total
        sort = {"field": count, "op": "sum", "order": "descending"}
    y = _channel(category, "N", title=None, sort=_order(totals, sort) if not group else sort)
    x = _channel(count if group else share, "Q", title=count_title if group else value_title,
                 axis=count_axis(",d" if group else ".0%"))
    enc: dict[str, Any] = {
        "y": y, "x": x,
        "tooltip": [_channel(category, "N", title=category_title),
                    _channel(count, "Q", title=count_title, format=",d"),
                    _channel(share, "Q", title=value_title, format=".0%"),
                    *_interval_tooltip(low, high)],
    }
    if colors and not group:
        enc["color"] = _color(category, None, set(df[category]), colors, legend=None)
    if group:
        enc["color"] = _color(group, group_title or group, set(df[group]))
        enc["tooltip"].insert(1, _channel(group, "N", title=group_title or group))
        return _chart(df, {"type": "bar"}, enc, width="container", height=max(120, n_cat * 28))
    chart = _layers(df, [{"mark": {"type": "bar"}, "encoding": enc}, _bar_labels(y, x, ".0%")],
                    width="container", height=max(120, n_cat * 28))
    if not totals:
        return chart
    top = next(iter(sorted(totals, key=lambda c: -totals[c])))
    counts = _totals(df, category, count)
    text = formats.typography(f"{_label(top)} : {formats.percent(totals[top])} "
                              f"({counted(counts[top], unit_of(count_title))})")
    return _meta(chart, single=text + "." if n_cat == 1 else "", lead=text)


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
    """A histogram from bins computed in the store: one bar from ``start`` to ``end`` per bin,
    the ticks on the bins' edges, each bin's count on top of it."""
    edges = sorted({v for col in (start, end) for v in df[col].tolist()
                    if isinstance(v, int | float) and v == v})
    axis: dict[str, Any] = {"format": value_format}
    if 1 < len(edges) <= 16:  # every edge a tick: a bar starts and ends on a label
        axis["values"] = edges
    x = _channel(start, "Q", title=value_title, bin={"binned": True}, axis=axis)
    y = _channel(count, "Q", title=count_title, axis=count_axis())
    chart = _layers(df, [
        {"mark": {"type": "bar", "binSpacing": 1}, "encoding": {
            "x": x, "x2": {"field": end}, "y": y,
            "tooltip": [_channel(start, "Q", title="De", format=value_format),
                        _channel(end, "Q", title="À (exclu)", format=value_format),
                        _channel(count, "Q", title=count_title, format=",d")]}},
        {"transform": [{"filter": f"datum[{json.dumps(count)}] > 0"},
                       {"calculate": f"(datum[{json.dumps(start)}] + datum[{json.dumps(end)}]) / 2",
                        "as": "milieu"}],
         "mark": {**LABEL, "align": "center", "baseline": "bottom", "dy": -3},
         "encoding": {"x": _channel("milieu", "Q"), "y": y,
                      "text": {**_channel(count, "Q"), "format": ",d"}}},
    ], width="container", height=260)
    if not len(df) or not df[count].sum():
        return chart
    mode = df[count].idxmax()
    low, high = df.loc[mode, start], df.loc[mode, end]
    return _meta(chart, lead=formats.typography(
        f"Le plus souvent de {_value_text(low, value_format)} à "
        f"{_value_text(high, value_format)} : "
        f"{counted(df.loc[mode, count], unit_of(count_title))}"))


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
    colors: dict[str, str] | None = None,
) -> Spec:
    """Columns of two measures side by side (e.g. facilitations and unique teams per year),
    each with its value on top."""
    colors = colors or measure_colors(measure_order)
    xc = _channel(x, x_type, title=x_title, axis={"labelAngle": 0})
    yc = _channel(value, "Q", title=value_title, axis=count_axis())
    offset = _channel(measure, "N", sort=measure_order)
    label = _bar_labels(xc, yc, ",d", horizontal=False, offset=offset)
    label["encoding"]["x"], label["encoding"]["y"] = xc, yc
    chart = _layers(df, [{"mark": {"type": "bar"}, "encoding": {
        "x": xc, "xOffset": offset, "y": yc,
        "color": _channel(measure, "N", title=None, sort=measure_order,
                          scale={"domain": measure_order,
                                 "range": [colors[m] for m in measure_order]}),
        "tooltip": [_channel(x, x_type, title=x_title),
                    _channel(measure, "N", title="Décompte"),
                    _channel(value, "Q", title=value_title, format=",d")],
    }}, label], width="container", height=300)
    if not len(df):
        return chart
    last = max(df[x].tolist())
    rows = df[df[x] == last]
    values = dict(zip(rows[measure].tolist(), rows[value].tolist(), strict=True))
    said = _and([counted(values[m], unit_of(m)) for m in measure_order if m in values])
    return _meta(chart, lead=formats.typography(f"{last} : {said}"))


# Lines drawn over the map, named in its legend.
TERRITORY_LINE = "Limites des territoires"
SCOPE_LINE = "Périmètre affiché"
# Dark lines: no hue, so that a line never reads as a category (team types own the hues).
LINE_COLORS = {TERRITORY_LINE: "#3A3A3A", SCOPE_LINE: "#000000"}
LINE_DASHES = {TERRITORY_LINE: [7, 3], SCOPE_LINE: [1, 0]}


def choropleth(shapes: str, values: pd.DataFrame, labels: pd.DataFrame, *, label: str,
               fmt: str, selection: str, borders: str | None = None,
               partial: bool = False, insets: str | None = None,
               brand: Brand | None = None) -> Spec:
    """Départements coloured by ``values``' value, clickable, labelled with code and value.

    ``shapes`` (and the territories' ``borders``) travel as TopoJSON strings (quantised, a
    third of the GeoJSON) that nothing walks; ``values`` (``departement``, ``name``,
    ``value``, ``in_scope``) are joined to the shapes by code in the spec, not repeated in
    every feature; ``labels`` (``departement``, ``lon``, ``lat``, ``v``) place the labels.
    ``partial``: the scope is part of the map; the départements outside it are faded and the
    scope is outlined, whether it was chosen in the sidebar, the URL or by a click. The
    colours run from a tint to a shade of the brand's primary; the legend sits under the map
    (a phone has no room beside it), and the labels shrink in a phone-wide container.
    ``insets``: the frames (TopoJSON lines, ``geo.inset_frames_topojson``) of the overseas
    départements drawn beside the mainland (their shapes and labels moved there by ``geo``).
    A département without a value (no data: not zero) is drawn grey; a ``region`` column of
    ``values`` shows in the tooltip.
    """
    datasets: dict[str, Any] = {}
    extra = ["region"] if "region" in values.columns else []
    lookup = {"lookup": "code", "from": {"data": _dataset(values, datasets), "key": "departement",
                                         "fields": ["name", "value", "in_scope", *extra]}}
    topo = {"format": {"feature": "departements", "type": "topojson"}, "values": shapes}
    fill: dict[str, Any] = {
        "data": topo,
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "color": _channel("value", "Q", title=label,
                              scale={"range": ramp(brand or DEFAULT_BRAND)},
                              legend={"orient": "bottom", "direction": "horizontal",
                                      "format": fmt, "gradientLength": narrow(150, 260),
                                      "titleLimit": narrow(220, 360)}),
            "opacity": {"condition": {"test": "datum.in_scope", "value": 1}, "value": 0.3},
            "tooltip": [_channel("name", "N", title="Département"),
                        _channel("code", "N", title="Code"),
                        *[_channel("region", "N", title="Région") for _ in extra],
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
    dash_scale = {"domain": lines, "range": [LINE_DASHES[n] for n in lines]}

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
                # above the map: beside the colour legend it would run off a phone
                legend={"title": None, "orient": "top", "symbolType": "stroke",
                        "symbolStrokeWidth": 3}),
                "strokeDash": _channel("ligne", "N", scale=dash_scale, legend=None)}}

    if insets is not None or extra:  # no value is not a value: grey, not the scale's lightest
        fill["encoding"]["color"]["condition"] = {"test": "!isValid(datum.value)",
                                                  "value": "#dddddd"}
        fill["mark"]["invalid"] = None
    layers = [fill]
    if insets is not None:
        layers.append({"data": {"format": {"feature": "insets", "type": "topojson"},
                                "values": insets},
                       "mark": {"type": "geoshape", "filled": False, "strokeWidth": 1,
                                "stroke": "#888888"},
                       "encoding": {"fill": {"value": None}}})
    if borders is not None:
        layers.append(outline(TERRITORY_LINE, {"format": {"feature": "territories",
                                                          "type": "topojson"},
                                               "values": borders}, 2.5))
    if partial:
        layers.append(outline(SCOPE_LINE, topo, 3, [
            {"calculate": "datum.properties.code", "as": "code"}, lookup,
            {"filter": "datum.in_scope"}]))
    named = _dataset(labels, datasets)
    position = {"longitude": _channel("lon", "Q"), "latitude": _channel("lat", "Q")}
    faded = {"condition": {"test": "datum.in_scope", "value": 1}, "value": 0.45}
    # white on the darker half of the ramp, dark on the lighter half: always readable
    found = [v for v in labels["v"].tolist() if isinstance(v, int | float) and v == v]
    cut = (min(found) + 0.45 * (max(found) - min(found))) if found else 0
    ink = {"condition": {"test": f"isValid(datum.v) && datum.v > {cut}", "value": "#FFFFFF"},
           "value": INK}
    layers.append({"data": named,
                   "mark": {"type": "text", "fontSize": narrow(9, 12), "fontWeight": "bold",
                            "dy": narrow(-5, -7)},
                   "encoding": {**position, "text": _channel("departement", "N"),
                                "opacity": faded, "color": ink}})
    value_label: dict[str, Any] = {
        "data": named, "mark": {"type": "text", "fontSize": narrow(8, 11), "dy": narrow(5, 7)},
        "encoding": {**position, "text": _channel("v", "Q", format=fmt), "opacity": faded,
                     "color": ink}}
    if insets is not None or extra:  # no value, no label (never « null »)
        value_label["transform"] = [{"filter": "isValid(datum.v)"}]
    layers.append(value_label)
    return Spec({
        "layer": layers,
        "params": [{"name": selection, "select": {"type": "point", "fields": ["code"],
                                                  "on": "click"}, "views": [fill["name"]]}],
        "projection": {"type": "mercator"}, "width": "container", "height": 440,
    }, datasets)


def points_map(shapes: str, points: pd.DataFrame, *, color: str, colors: dict[str, str],
               color_title: str, tooltip: list[tuple[str, str]], size: str | None = None,
               label: str | None = None, selection: str | None = None,
               key: str | None = None) -> Spec:
    """Points on the federation's départements: one circle per row of ``points`` at its
    ``lon``/``lat``, coloured by ``color`` (one fixed colour per value, ``colors`` order),
    sized by ``size`` when given (and labelled by ``label``), a click selecting the row's
    ``key`` when ``selection`` names the selection. ``tooltip``: (column, title) pairs."""
    datasets: dict[str, Any] = {}
    named = _dataset(points, datasets)
    domain = list(colors)
    position = {"longitude": _channel("lon", "Q"), "latitude": _channel("lat", "Q")}
    dots: dict[str, Any] = {
        "data": named,
        "mark": {"type": "circle", "stroke": "white", "strokeWidth": 0.8, "opacity": 0.9,
                 **({} if size else {"size": 70})},
        "encoding": {
            **position,
            "color": _channel(color, "N", title=color_title, sort=domain,
                              scale={"domain": domain, "range": list(colors.values())},
                              legend={"orient": "bottom", "columns": 3}),
            "tooltip": [_channel(col, "Q" if col == size else "N", title=title)
                        for col, title in tooltip],
        },
    }
    drawn = [{"filter": f"datum[{json.dumps(size, ensure_ascii=False)}] > 0"}] if size else []
    if size:
        dots["encoding"]["size"] = _channel(size, "Q", title=None, legend=None,
                                            scale={"range": [40, 900], "zero": True})
        dots["transform"] = drawn
    dots["name"] = "view_" + hashlib.sha256(json.dumps(
        [dots["mark"], dots["encoding"]], sort_keys=True).encode()).hexdigest()[:16] + "_0"
    layers: list[dict[str, Any]] = [
        {"data": {"format": {"feature": "departements", "type": "topojson"}, "values": shapes},
         "mark": {"type": "geoshape", "fill": "#f0f0f0", "stroke": "#9a9a9a",
                  "strokeWidth": 0.8}},
        dots,
    ]
    if size and label:
        layers.append({"data": named, "mark": {"type": "text", "fontSize": 11,
                                               "fontWeight": "bold", "color": "white"},
                       "transform": drawn,
                       "encoding": {**position, "text": _channel(label, "Q", format=",d")}})
    spec: dict[str, Any] = {"layer": layers, "projection": {"type": "mercator"},
                            "width": "container", "height": 520}
    if selection and key:
        spec["params"] = [{"name": selection, "select": {"type": "point", "fields": [key],
                                                         "on": "click"},
                           "views": [dots["name"]]}]
    return Spec(spec, datasets)

# -- survey cards and infographics --------------------------------------------------------------
NEUTRAL_BAR = "#9a9a9a"  # « Non » beside « Oui » in the brand's colour


def _interval_tooltip(low: str | None, high: str | None) -> list[dict[str, Any]]:
    """A share's 95 % interval in a tooltip (none without its bounds)."""
    if not (low and high):
        return []
    return [_channel(low, "Q", title="IC 95 % bas", format=".0%"),
            _channel(high, "Q", title="IC 95 % haut", format=".0%")]


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
) -> Spec:
    """A breakdown as a heat table: one row per group (``row_order``: sorted by the share that
    matters), one column per answer, each cell the share of the group giving that answer,
    written in it, in the theme's (a brand's) ramp; no legend to read, no colour to match."""
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
                                            scale={"domain": [0, 1], "range": "ramp"}),
                          "tooltip": [
                              _channel(row, "N"), _channel(column, "N", title="Réponse"),
                              _channel(count, "Q", title="Répondants", format=",d"),
                              _channel(share, "Q", title="Part", format=".0%"),
                              *_interval_tooltip(low, high)]}},
            {"mark": {"type": "text", "fontSize": 12},
             "encoding": {"text": _channel(share, "Q", format=".0%"),
                          "color": {"condition": {"test": f"datum[{json.dumps(share)}] > 0.55",
                                                  "value": "white"}, "value": "#222222"}}},
        ],
        "width": cell_w * len(column_order), "height": max(60, 26 * len(row_order)),
    }, datasets)


def side_colors(options: list[str], positive: str = "last") -> dict[str, str]:
    """A scale's colours by side: the favourable end blue, the other orange, a middle grey,
    whichever end the survey says is positive (« 1 = faible difficulté » is the good end)."""
    colors = scale_colors(options)
    if positive == "first":
        colors = list(reversed(colors))
    return dict(zip(options, colors, strict=True))


def estimate_bars(df: pd.DataFrame, category: str, share: str, low: str, high: str,
                  member_share: str, *, category_title: str, sort: list[str] | str = "-x",
                  tooltip: tuple[str, ...] = ()) -> Spec:
    """Bars of an estimated share (0–1) with its interval as a line, and the share among
    members as a diamond: how far the region's estimate is from the members' own answers."""
    n_cat = max(1, df[category].nunique()) if len(df) else 1
    y = _channel(category, "N", title=category_title, sort=sort)
    tips = [_channel(category, "N", title=category_title),
            _channel(share, "Q", title=share, format=".1%"),
            _channel(low, "Q", title=low, format=".1%"),
            _channel(high, "Q", title=high, format=".1%"),
            _channel(member_share, "Q", title=member_share, format=".1%"),
            *(_channel(t, "Q", title=t, format=",.0f") for t in tooltip)]
    datasets: dict[str, Any] = {}
    return Spec({
        "data": _dataset(df, datasets),
        "encoding": {"y": y, "tooltip": tips},
        "layer": [
            {"mark": {"type": "bar"},  # the brand's colour, from the theme
             "encoding": {"x": _channel(share, "Q", title="Part estimée (toutes les équipes)",
                                        axis={"format": ".0%"}, scale={"domain": [0, 1]})}},
            {"mark": {"type": "rule", "color": "#222222", "strokeWidth": 2},
             "encoding": {"x": _channel(low, "Q"), "x2": {"field": high}}},
            {"mark": {"type": "point", "shape": "diamond", "filled": True, "size": 80,
                      "color": PALETTE[1]},
             "encoding": {"x": _channel(member_share, "Q")}},
        ],
    }, datasets).properties(width="container", height=max(120, n_cat * 28))


# Points over the map: the list's teams (public registries) and, for staff, the members named.
DETAIL_POINTS = "detail_adherentes"
TEAM_SHAPES = {"MSP": "circle", "CDS": "square", "CPTS": "triangle-up", "ESP": "diamond"}


def with_points(chart: Spec, existing: pd.DataFrame | None,
                members: pd.DataFrame | None) -> Spec:
    """A choropleth with teams as points at their commune, under its labels: ``existing``
    (``lon, lat, Type, Commune, in_scope``: the teams of a list of existing teams, unnamed,
    white), ``members`` (also ``Équipe, Statut``: named, filled with their type's colour) in a
    layer named ``DETAIL_POINTS`` that ``views.access.protect`` removes for readers and
    exports."""
    datasets = dict(chart.datasets)
    types = [t for t in TEAM_SHAPES if any(
        df is not None and t in set(df["Type"]) for df in (existing, members))]
    shape = _channel("Type", "N", title="Type d'équipe", scale={
        "domain": types, "range": [TEAM_SHAPES[t] for t in types]})
    position = {"longitude": _channel("lon", "Q"), "latitude": _channel("lat", "Q")}
    faded = {"condition": {"test": "datum.in_scope", "value": 1}, "value": 0.35}
    layers = []
    if existing is not None and len(existing):
        layers.append({"data": _dataset(existing, datasets), "name": "equipes_existantes",
                       "mark": {"type": "point", "filled": True, "fill": "white",
                                "stroke": "#333333", "strokeWidth": 1, "size": 45},
                       "encoding": {**position, "shape": shape, "opacity": faded, "tooltip": [
                           _channel("Type", "N", title="Équipe existante"),
                           _channel("Commune", "N", title="Commune")]}})
    if members is not None and len(members):
        colors = {t: vocabulary.TEAM_TYPE_COLORS[t] for t in types}
        layers.append({"data": _dataset(members, datasets), "name": DETAIL_POINTS,
                       "mark": {"type": "point", "filled": True, "stroke": "white",
                                "strokeWidth": 0.8, "size": 70},
                       "encoding": {**position, "shape": shape, "opacity": faded,
                                    "fill": _channel("Type", "N", title="Adhérentes", scale={
                                        "domain": list(colors), "range": list(colors.values())}),
                                    "tooltip": [_channel("Équipe", "N", title="Équipe"),
                                                _channel("Type", "N", title="Type"),
                                                _channel("Statut", "N", title="Statut"),
                                                _channel("Commune", "N", title="Commune")]}})
    spec = dict(chart.spec)
    base = list(spec["layer"])
    labels = next((i for i, layer in enumerate(base)
                   if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "text"),
                  len(base))
    spec["layer"] = base[:labels] + layers + base[labels:]
    return Spec(spec, datasets)
