"""Lays out a View: key figures, charts with their captions and downloads, sortable tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util
from streamlit.delta_generator import DeltaGenerator

from observatory import formats, privacy
from observatory.charts import Figure, Spec
from observatory.exports.common import PLAIN_INTEGER_COLUMN, ExportContext
from observatory.filters import Scope
from observatory.ui import data, downloads
from observatory.ui.auth import ROLE_KEY, current_team
from observatory.ui.text import plain
from observatory.views import Table, View, access


def role() -> str | None:
    """The role the shell established for this run (None before sign-in)."""
    return st.session_state.get(ROLE_KEY)


def seen(v: View) -> View:
    """``v`` as the signed-in role may see it (``access.for_role``), worked out once per view,
    role, team and small-count threshold and shared by the sessions alike."""
    return data.derived(_as_seen, v, role(), current_team(), privacy.threshold())


def _as_seen(v: View, role: str | None, team: int | None, threshold: int) -> View:
    # ``threshold`` is read by the masking itself: here it only keys the cache
    return access.for_role(v, role, team)


def figure(fig: Figure, export: ExportContext, *, selectable: bool = False,
           header: bool = True) -> object:
    """One chart, its notes and its downloads; returns the selection if any.

    Three states, each in its own words: drawn; withheld (too few to show, ``Figure.withheld``);
    no data for the scope. A drawn chart carries its n and source in its subtitle: only the
    notes go under it. ``header=False`` (an infographic's card, which titles it): no title in
    the chart, its n and source under it."""
    event = None
    drawn = fig.chart is not None and len(fig.data) and not fig.withheld
    if fig.statement:  # one bar is not a chart: its sentence, under the chart's title
        st.markdown(f"**{plain(fig.title)}**")
        st.markdown(f"### {plain(fig.takeaway)}")
        st.caption(plain(fig.caption))
        downloads.figure_buttons(fig, export)
        return None
    if drawn:
        if fig.takeaway:
            st.markdown(f"**{plain(fig.takeaway)}**")
        payload, key = _given(data.derived(spec_payload, fig.chart)), f"chart_{fig.key}"
        if not header:
            payload.pop("title", None)
        if selectable:  # a click reruns the page with the selection
            event = st.vega_lite_chart(payload, width="stretch", key=key, on_select="rerun")
        else:
            st.vega_lite_chart(payload, width="stretch", key=key)
        if fig.notes or not header:
            st.caption(plain(fig.notes if header else fig.caption))
    else:
        state = fig.withheld or "aucune donnée pour ce périmètre"
        st.info(plain(formats.typography(f"{fig.title} : {state}.")))
        st.caption(plain(fig.caption))
    if drawn:
        downloads.figure_buttons(fig, export)
    return event


def chart_payload(fig: Figure) -> dict[str, Any]:
    """What ``st.vega_lite_chart`` is given for a figure: its Vega-Lite spec, each named dataset
    as the Arrow bytes Streamlit sends the browser (it passes bytes through untouched)."""
    if fig.chart is None:
        raise ValueError(f"{fig.key} : pas de graphique à envoyer")
    return spec_payload(fig.chart)


def spec_payload(chart: Spec) -> dict[str, Any]:
    """``chart_payload`` of a chart's spec (what ``figure`` computes once per cached chart)."""
    # The builders' specs are checked against Vega-Lite's JSON schema by the tests, not on
    # every rerun.
    spec = chart.to_dict(validate=False)
    spec["datasets"] = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


def _given(payload: dict[str, Any]) -> dict[str, Any]:
    """A shared payload as Streamlit may change it: its top level (``autosize``, ``datasets``,
    a card's title popped), and the colour channel whose null legend title it patches."""
    out = dict(payload)
    encoding = out.get("encoding")
    if isinstance(encoding, dict) and isinstance(encoding.get("color"), dict):
        color = dict(encoding["color"])
        if isinstance(color.get("legend"), dict):
            color["legend"] = dict(color["legend"])
        out["encoding"] = {**encoding, "color": color}
    return out


def _arrow(rows: list[dict[str, Any]]) -> bytes | pd.DataFrame:
    """A dataset's rows as the Arrow stream Streamlit sends, built straight from the rows: a
    tenth of the time of Streamlit's own pandas route, which a page of fifteen charts feels.
    Rows pyarrow cannot type (a column mixing text and numbers) go Streamlit's way."""
    try:
        return dataframe_util.convert_arrow_table_to_arrow_bytes(pa.Table.from_pylist(rows))
    except (pa.ArrowException, TypeError, ValueError):
        return pd.DataFrame(rows)


def _number_formats(df: pd.DataFrame) -> dict[str, Any]:
    """Quantities in the reader's locale (« 12 345 » in French); codes and years as written."""
    return {str(col): st.column_config.NumberColumn(
                format="plain" if PLAIN_INTEGER_COLUMN.search(str(col)) else "localized")
            for col in df.columns if pd.api.types.is_numeric_dtype(df[col])
            and not pd.api.types.is_bool_dtype(df[col])}


# Up to this many rows, a table shows them all (no inner scroll bar hiding the last ones).
ALL_ROWS = 25
ROW_PX, HEADER_PX = 35, 38  # Streamlit's data grid: row height, header and borders


def table_height(rows: int) -> int | Literal["auto"]:
    """The grid's height: every row of a short table, Streamlit's scrolling default beyond."""
    return HEADER_PX + ROW_PX * max(rows, 1) if rows <= ALL_ROWS else "auto"


def table(tab: Table, export: ExportContext) -> None:
    st.markdown(f"**{plain(tab.title)}**")
    # an unknown value is a dash, as formats.number writes it, never Streamlit's "None"
    st.dataframe(tab.data, hide_index=True, width="stretch", key=f"table_{tab.key}",
                 column_config=_number_formats(tab.data), placeholder="–",
                 height=table_height(len(tab.data)))
    if tab.caption:
        st.caption(plain(tab.caption))
    if len(tab.data):
        downloads.table_buttons(tab, export)


def page_header(v: View, where: DeltaGenerator | None = None, scope: Scope | None = None,
           extra: Callable[[], None] | None = None) -> ExportContext:
    """Title, scope and « Exporter la vue » (and the département sheet when ``scope`` selects
    one département, and ``extra``'s buttons); returns the export context the page's downloads
    share."""
    head, button = (where or st).columns([3, 1], vertical_alignment="bottom")
    with head:
        st.title(plain(v.title))
        st.caption(plain(v.scope_label))
    if not v.empty_message and (v.figures or v.metrics or v.tables):
        with button:
            downloads.view_buttons(v)
            if scope is not None and scope.departement and scope.year:
                downloads.sheet_button(scope.departement, scope.year)
            if extra is not None:
                extra()
    return downloads.context(v)


def metrics(v: View) -> None:
    """The view's key figures, five at most per row, read row by row."""
    width = min(len(v.metrics), 5)
    for start in range(0, len(v.metrics), 5):
        for col, m in zip(st.columns(width), v.metrics[start:start + 5], strict=False):
            col.metric(plain(m.label), m.value, m.delta, help=plain(m.help) if m.help else None)


def view(v: View, *, columns: int = 2, scope: Scope | None = None,
         extra: Callable[[], None] | None = None, first: int | None = None) -> View:
    """The standard page layout for a View, as the signed-in role may see it; returns that view.

    ``scope`` offers its département sheet, ``extra`` draws more export buttons. ``first``: only
    that many charts are drawn at once, the others in a closed section whose charts are built and
    sent when it is opened (a browser takes longer to draw a dozen charts than the server to
    send them)."""
    v = seen(v)
    export = page_header(v, scope=scope, extra=extra)
    if v.empty_message:
        st.info(plain(v.empty_message))
        return v
    metrics(v)
    shown = v.figures if first is None else v.figures[:first]
    _figures(shown, export, columns)
    if len(shown) < len(v.figures):
        rest = v.figures[len(shown):]
        later(f"{len(rest)} autres graphiques", f"plus_{rest[0].key}",
              lambda: _figures(rest, export, columns))
    for tab in v.tables:
        table(tab, export)
    for note in v.notes:
        st.caption(plain(note))
    return v


def later(label: str, key: str, draw: Callable[[], None]) -> None:
    """A closed section whose content ``draw`` builds and sends only once it is opened."""
    more = st.expander(label, key=key, on_change="rerun")
    if more.open:
        with more:
            draw()


def _figures(figures: list[Figure], export: ExportContext, columns: int) -> None:
    for start in range(0, len(figures), columns):
        cols = st.columns(columns)
        for col, fig in zip(cols, figures[start:start + columns], strict=False):
            with col:
                figure(fig, export)


def _clicked(event: object, selection: str) -> str | None:
    """The département code a map click selected, if any."""
    code = _clicked_value(event, selection, "code")
    return code if isinstance(code, str) else None


def map_view(v: View, *, selection: str, on_click: Callable[[str | None], None],
             current: str | None, header: DeltaGenerator | None = None,
             scope: Scope | None = None) -> None:
    """The map, then its table; a click on a département calls ``on_click(code)``.

    ``header``: a container drawn earlier on the page, so that the title sits above the controls
    the page drew before it could build the view.
    """
    v = seen(v)
    export = page_header(v, header, scope)
    for note in v.notes:
        st.info(plain(note))
    # the map across the page, the table under it: a table of twelve columns beside the
    # map would be cut, and a phone stacks them anyway
    event = figure(v.figures[0], export, selectable=True)
    for tab in v.tables:
        table(tab, export)
    code = _clicked(event, selection)
    if code and code != current:
        on_click(code)


def _clicked_value(event: object, selection: str, key: str) -> object:
    """The ``key`` of the mark a click selected, if any."""
    try:
        points = event.selection[selection]  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return None
    if isinstance(points, list) and points:
        return points[0].get(key)
    return None


def detail_view(v: View, *, header: DeltaGenerator, selection: str, key: str,
                detail: Callable[[View, object], Table | None]) -> None:
    """The standard layout; a click on a mark of the chart that
    holds ``selection`` shows ``detail(view, its key)`` under it (staff: the readers' view has
    no such chart)."""
    v = seen(v)
    export = page_header(v, header)
    if v.empty_message:
        st.info(plain(v.empty_message))
        return
    metrics(v)
    for start in range(0, len(v.figures), 2):
        pair = st.columns(2)
        for col, fig in zip(pair, v.figures[start:start + 2], strict=False):
            with col:
                spec = fig.chart.spec if fig.chart is not None else {}
                selectable = any(p.get("name") == selection for p in spec.get("params", []))
                event = figure(fig, export, selectable=selectable)
                found = detail(v, _clicked_value(event, selection, key)) if selectable else None
                if found is not None:
                    table(found, export)
    for tab in v.tables:
        table(tab, export)
    for note in v.notes:
        st.caption(plain(note))

