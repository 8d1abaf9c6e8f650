"""Lays out a survey as an infographic: a headline band, then one card per question."""

from __future__ import annotations

import dataclasses
from html import escape

import streamlit as st

from observatory.charts import Figure
from observatory.exports.common import ExportContext
from observatory.filters import Scope
from observatory.ui import downloads, render
from observatory.ui.text import plain
from observatory.views import Card, View

# Markdown's own marks as HTML entities: an answer's text stays text inside the HTML block
MARKS = str.maketrans({c: f"&#{ord(c)};" for c in "*_[]()!$:`~#\\|"})


def _text(value: str) -> str:
    return escape(value).translate(MARKS)


def _big(value: str, label: str, colour: str) -> None:
    """The card's big number and what it is (an answer's text: escaped, never markup)."""
    st.markdown(
        f'<div class="infographie-chiffre" style="font-size:2.6rem;font-weight:700;'
        f'line-height:1.05;color:{colour}">{_text(value)}'
        f'<span style="font-size:0.95rem;font-weight:400;color:#555;margin-left:0.6rem">'
        f"{_text(label)}</span></div>", unsafe_allow_html=True)


def card(item: Card, fig: Figure | None, export: ExportContext, colour: str) -> None:
    """One question: title, question, big number, takeaway, chart, n, downloads."""
    with st.container(border=True):
        st.markdown(f"**{plain(item.title)}**")
        if fig is not None and fig.title != item.title:
            st.caption(plain(fig.title))
        if item.withheld:
            st.info(plain(item.withheld[0].upper() + item.withheld[1:] + "."))
        elif item.value:
            _big(item.value, item.value_label, colour)
        if item.takeaway:
            st.markdown(plain(item.takeaway))
        if item.groups:
            st.caption(plain(item.groups))
        if fig is not None:  # its takeaway is the card's, written above: not twice
            render.figure(dataclasses.replace(fig, takeaway=""), export, header=False)


# Four cards drawn at once, the other questions when the reader opens them, as Portrait does: a
# browser takes longer to draw fifteen charts than the server to send them (README, Performance).
FIRST_CARDS = 4


def survey(v: View, *, scope: Scope | None = None) -> View:
    """The survey's infographic as the signed-in role may see it; returns that view."""
    v = render.seen(v)
    federation = downloads.session_federation()
    export = render.page_header(v, extra=lambda: downloads.infographic_button(v, federation))
    if v.empty_message:
        st.info(plain(v.empty_message))
        return v
    colour = federation.brand.primary
    with st.container(border=True):
        for note in v.notes:
            if note.startswith("Objectif"):
                st.caption(plain(note))
        cols = st.columns(max(1, len(v.metrics)))
        for col, m in zip(cols, v.metrics, strict=False):
            col.metric(plain(m.label), m.value, m.delta, help=plain(m.help) if m.help else None)
    by_key = {f.key: f for f in v.figures}

    def cards(items: list[Card]) -> None:
        for start in range(0, len(items), 2):
            pair = st.columns(2)
            for col, item in zip(pair, items[start:start + 2], strict=False):
                with col:
                    card(item, by_key.get(item.figure), export, colour)

    cards(v.cards[:FIRST_CARDS])
    if len(v.cards) > FIRST_CARDS:
        others = v.cards[FIRST_CARDS:]
        render.later(f"{len(others)} autres questions", f"plus_{others[0].figure}",
                     lambda: cards(others))
    shown = {c.figure for c in v.cards}
    rest = [f for f in v.figures if f.key not in shown]
    if rest:
        def respondents() -> None:
            halves = st.columns(2)
            for col, fig in zip(halves, rest, strict=False):
                with col:
                    render.figure(fig, export)

        render.later("Qui a répondu ?", f"plus_{rest[0].key}", respondents)
    for tab in v.tables:
        render.table(tab, export)
    for note in v.notes:
        if not note.startswith("Objectif"):
            st.caption(plain(note))
    return v
