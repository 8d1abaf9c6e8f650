"""Chart builders the thematic pages need on top of observatory/charts.py (to be merged into it).

Same theme, same palette: grouped bars for two measures side by side, bars of shares (survey
answers), pre-binned histograms, diverging stacked bars for ordered scales, and ``figure`` that
puts title, n and source inside the spec once for all builders.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from observatory import charts
from observatory.charts import PALETTE, Figure

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
) -> Figure:
    """A Figure whose chart carries its title and its n/source caption inside the spec."""
    fig = Figure(key, title, None, data, int(n), n_label, source, notes, tuple(count_columns))
    if chart is not None:
        fig.chart = charts.titled(chart, title, fig.caption)
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
        x=alt.X(f"{value}:Q", title=value_title),
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
                   axis=alt.Axis(format=",d" if group else ".0%")),
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
        y=alt.Y(f"{count}:Q", title=count_title),
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
                        sort=options),
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
        y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{measure}:N", title=None, sort=measure_order,
                        scale=alt.Scale(domain=measure_order,
                                        range=PALETTE[: len(measure_order)])),
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title),
                 alt.Tooltip(f"{measure}:N", title="Mesure"),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=",d")],
    ).properties(width="container", height=300)
