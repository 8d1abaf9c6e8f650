"""Download buttons for charts, tables and whole views; the files come from observatory.exports.

Files are produced only when the user clicks (``st.download_button`` accepts a callable), and
chart renders are cached by the exact Vega-Lite spec they come from: the same chart, filters and
day give the same bytes without a second vl-convert run. The menus' buttons are built only while
the menu is open, in a fragment: a page of fifteen charts does not lay out sixty buttons on every
rerun, and opening a menu reruns that menu alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import streamlit as st

from observatory import formats, privacy
from observatory.charts import Figure
from observatory.config import Federation, get_federation
from observatory.exports import images, tables
from observatory.exports.common import ExportContext, as_context, slug, today
from observatory.ui.text import plain
from observatory.views import Table, View, access

MIMES = {
    "png": images.PNG_MIME,
    "svg": images.SVG_MIME,
    "csv": tables.CSV_MIME,
    "xlsx": tables.XLSX_MIME,
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


@st.cache_data(show_spinner=False, max_entries=500)
def _png(spec_text: str) -> bytes:
    return images.render_png(spec_text, images.PNG_SCALE)


@st.cache_data(show_spinner=False, max_entries=500)
def _svg(spec_text: str) -> bytes:
    return images.render_svg(spec_text).encode()


@st.cache_data(show_spinner=False, max_entries=50)
def _deck(fingerprint: str, _view: View, _federation: Federation, _day: Any) -> bytes:
    from observatory.exports.presentation import deck

    return deck(_view, _federation, export_date=_day)


@st.cache_data(show_spinner=False, max_entries=50)
def _pdf(fingerprint: str, _view: View, _federation: Federation, _day: Any) -> bytes:
    from observatory.exports.document import pdf

    return pdf(_view, _federation, export_date=_day)


@st.cache_data(show_spinner=False, max_entries=50)
def _sheet(code: str, year: int, federation_id: str, db: str, version: str, day: Any) -> bytes:
    from observatory.exports.sheet import departement_sheet

    return departement_sheet(code, year, get_federation(federation_id), db, export_date=day)


def sheet_button(code: str, year: int, federation: Federation | None = None) -> None:
    """« Fiche département (PDF) »: key figures, map position, trend and teams of one département."""
    from observatory import store
    from observatory.ui.data import current_db

    federation = federation or session_federation()
    db = current_db()
    st.download_button(
        "Fiche département (PDF)",
        data=lambda: _sheet(code, year, federation.id, db, store.version(db), today()),
        file_name=f"fiche_departement_{slug(code)}_{year}.pdf", mime=MIMES["pdf"],
        key=f"dl_fiche_{code}_{year}", on_click="ignore", icon=":material/description:",
        help="Une ou deux pages A4 pour une réunion départementale.")


def session_federation() -> Federation:
    """The federation of the running app (set by the shell), else the default profile."""
    ctx = st.session_state.get("_context")
    federation = getattr(ctx, "federation", None)
    return federation if isinstance(federation, Federation) else get_federation()


def context(view: View | str, federation: Federation | None = None) -> ExportContext:
    """What exported files say about the page: its filters, the federation, today's date."""
    return as_context(view, federation or session_federation())


def _spec_text(fig: Figure, ctx: ExportContext) -> str:
    return images.spec_json(images.export_spec(fig, ctx))


def _can_draw(fig: Figure) -> bool:
    return fig.chart is not None and fig.data is not None and len(fig.data) > 0


@st.fragment
def menu(label: str, icon: str, key: str, fill: Callable[[], None]) -> None:
    """A popover of download buttons that ``fill`` lays out only while it is open.

    Opening or closing it reruns this fragment only; ``key`` holds its open state (a test opens
    it by setting ``st.session_state[key] = True``)."""
    popover = st.popover(label, icon=icon, key=key, on_change="rerun")
    if popover.open:
        with popover:
            fill()


def figure_buttons(fig: Figure, view_context: ExportContext | View | str, *,
                   key_prefix: str = "") -> None:
    """PNG, SVG, CSV and XLSX of one chart, in a small « Télécharger » menu under it."""
    ctx = view_context if isinstance(view_context, ExportContext) else context(view_context)
    name = slug(fig.key)
    key = f"dl_{key_prefix}{fig.key}"

    def fill() -> None:
        safe = access.protect_figure(fig)  # what the files hold, whoever downloads them
        if safe.withheld:
            st.caption(plain(formats.typography(f"Pas de fichier : {safe.withheld}.")))
            return
        if _can_draw(safe):
            st.download_button(
                "Image PNG (présentation)", data=lambda: _png(_spec_text(fig, ctx)),
                file_name=f"{name}.png", mime=MIMES["png"], key=f"{key}_png",
                on_click="ignore", icon=":material/image:",
                help="Titre, filtres, effectif, source et date inclus dans l'image.")
            st.download_button(
                "Image SVG (vectorielle)", data=lambda: _svg(_spec_text(fig, ctx)),
                file_name=f"{name}.svg", mime=MIMES["svg"], key=f"{key}_svg",
                on_click="ignore", icon=":material/polyline:")
        st.download_button(
            "Données CSV (Excel)", data=lambda: tables.figure_csv(fig),
            file_name=f"{name}.csv", mime=MIMES["csv"], key=f"{key}_csv", on_click="ignore",
            icon=":material/table:",
            help=formats.typography(
                "Séparateur « ; », virgule décimale, UTF-8 : s'ouvre directement dans Excel."))
        st.download_button(
            "Données XLSX", data=lambda: tables.figure_xlsx(fig, ctx),
            file_name=f"{name}.xlsx", mime=MIMES["xlsx"], key=f"{key}_xlsx",
            on_click="ignore", icon=":material/grid_on:")
        if safe.masked_cells:
            st.caption(f"Effectifs inférieurs à {privacy.threshold()} masqués dans les fichiers, "
                       "ainsi que les cases qui permettraient de les retrouver.")

    menu("Télécharger", ":material/download:", f"{key}_menu", fill)


def table_buttons(table: Table, view_context: ExportContext | View | str | None = None, *,
                  key_prefix: str = "") -> None:
    """CSV and XLSX of one table, side by side under it."""
    ctx = None if view_context is None else (
        view_context if isinstance(view_context, ExportContext) else context(view_context))
    name = slug(table.key)
    key = f"dl_{key_prefix}table_{table.key}"
    with st.container(horizontal=True):
        st.download_button(
            "CSV (Excel)", data=lambda: tables.table_csv(table), file_name=f"{name}.csv",
            mime=MIMES["csv"], key=f"{key}_csv", on_click="ignore", icon=":material/download:")
        st.download_button(
            "XLSX", data=lambda: tables.table_xlsx(table, ctx), file_name=f"{name}.xlsx",
            mime=MIMES["xlsx"], key=f"{key}_xlsx", on_click="ignore",
            icon=":material/download:")


@st.cache_data(show_spinner=False, max_entries=50)
def _infographic(fingerprint: str, fmt: str, _views: tuple[View, ...], _federation: Federation,
                 _day: Any, year: int | None) -> bytes:
    from observatory.exports import infographic

    if year is not None:
        return infographic.key_figures_page(_views[0], _views[1], _federation, year, fmt,
                                            export_date=_day)
    return infographic.survey_page(_views[0], _federation, fmt, export_date=_day)


INFOGRAPHIC_FILES = (("pdf", "PDF A4 (impression, courriel)", ":material/picture_as_pdf:"),
                     ("png", "Image PNG (portail, réseaux sociaux)", ":material/image:"),
                     ("svg", "Image SVG (vectorielle, à retoucher)", ":material/polyline:"))


def infographic_button(view: View, federation: Federation | None = None, *,
                       key_figures: View | None = None, year: int | None = None) -> None:
    """« Infographie »: the page as one A4 sheet (PDF, PNG, SVG), as every export masks it.

    ``key_figures`` and ``year``: the year's key figures page instead (``view`` is the home
    page's, ``key_figures`` the map's)."""
    federation = federation or session_federation()
    day = today()
    views = (view,) if key_figures is None else (view, key_figures)
    name = slug(f"infographie_{view.title}_{view.scope_label}")
    key = f"infographie_{slug(view.title)}"

    def fill() -> None:
        print_ = fingerprint(view, federation, day) + (
            fingerprint(key_figures, federation, day) if key_figures is not None else "")
        def maker(fmt: str) -> Callable[[], bytes]:
            return lambda: _infographic(print_, fmt, views, federation, day, year)

        for fmt, label, icon in INFOGRAPHIC_FILES:
            st.download_button(
                label, data=maker(fmt),
                file_name=f"{name}.{fmt}", mime=MIMES[fmt], key=f"dl_{key}_{fmt}",
                on_click="ignore", icon=icon)
        st.caption("Une page A4 : chiffres clés, une carte par question, source et date ; "
                   "petits effectifs masqués comme dans tout export.")

    menu("Infographie", ":material/dashboard:", f"dl_{key}_menu", fill)


def fingerprint(view: View, federation: Federation, day: Any) -> str:
    """A digest of everything a view's deck or PDF shows (cache key for the whole file)."""
    h = hashlib.sha256()

    def add(value: Any) -> None:
        h.update(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode())

    add([federation.id, str(day), privacy.threshold(), view.title, view.scope_label,
         view.empty_message, view.notes, [asdict(m) for m in view.metrics]])
    for fig in view.figures:
        add([fig.key, fig.title, fig.caption, list(fig.count_columns),
             fig.chart.to_json() if fig.chart is not None else None])
    for table in view.tables:
        add([table.key, table.title, table.caption])
        h.update(pd_bytes(table.data))
    return h.hexdigest()


def pd_bytes(df: Any) -> bytes:
    return b"" if df is None else df.to_csv(index=False).encode()


def view_buttons(view: View, federation: Federation | None = None, *,
                 key: str | None = None) -> None:
    """« Exporter la vue »: the page for the current filters as a PowerPoint deck or a PDF."""
    federation = federation or session_federation()
    key = key or f"vue_{slug(view.title)}"
    name = slug(f"{view.title}_{view.scope_label}")
    day = today()

    def make(builder: Any) -> Any:
        return lambda: builder(fingerprint(view, federation, day), view, federation, day)

    def fill() -> None:
        st.caption(plain(f"{view.title} · {view.scope_label}"))
        st.download_button(
            "Présentation PowerPoint (.pptx)", data=make(_deck), file_name=f"{name}.pptx",
            mime=MIMES["pptx"], key=f"dl_{key}_pptx", on_click="ignore",
            icon=":material/slideshow:",
            help="Diapositive de titre, chiffres clés, un graphique ou tableau par diapositive.")
        st.download_button(
            "Document PDF", data=make(_pdf), file_name=f"{name}.pdf", mime=MIMES["pdf"],
            key=f"dl_{key}_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
            help="Le même contenu, à envoyer par courriel.")

    menu("Exporter la vue", ":material/ios_share:", f"dl_{key}_menu", fill)
