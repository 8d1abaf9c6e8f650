"""The team sheet: Mon équipe as a two-page A4 PDF, for a member team's own meetings.

Page 1: who the team is, its key figures, its answers of the year beside the teams of its type
(federation, département). Page 2: its answers year by year, its facilitations and its fiches.
Built from the page's own View, through the masking every export gets: the team's own rows are
its own, the comparisons are aggregates masked below the small-count threshold.
"""

from __future__ import annotations

import datetime as dt
import logging

from observatory.config import Federation
from observatory.exports.common import ExportContext, today
from observatory.exports.document import BLUE, GREY, Document
from observatory.exports.tables import table_frame
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.views import Table, View, access, team

log = logging.getLogger(__name__)
# Rows kept on the sheet (the page and its CSV files have them all): two pages, always.
FACILITATIONS_SHOWN = 12
FICHES_SHOWN = 4
YEARS_SHOWN = 4


def _table(doc: Document, table: Table | None, size: float = 7.5,
           max_rows: int = 40) -> None:
    if table is None:
        return
    doc.line_text(table.title, 11, bold=True, height=6)
    df = table_frame(table)
    if table.key == "reponses" and len(df.columns) > YEARS_SHOWN + 1:
        df = df[[df.columns[0], *df.columns[-YEARS_SHOWN:]]]
    doc.data_table(df, max_rows=max_rows, size=size)
    if table.caption:
        doc.line_text(table.caption, 7, color=GREY, height=3.5)
    doc.ln(3)


def render(view: View, federation: Federation, *, export_date: dt.date | None = None,
           compress: bool = True, unicode_font: bool | None = None) -> bytes:
    """The sheet of a built team view (``views.team.build``), masked as every export is."""
    view = access.protect(view)
    context = ExportContext(view.scope_label, federation.name, export_date or today())
    doc = Document(context, footer_title=f"{federation.name} — fiche équipe", orientation="P",
                   unicode_font=unicode_font)
    doc.add_page()
    doc.line_text("Fiche équipe", 10, color=GREY, height=5)
    doc.line_text(view.title, 22, bold=True, color=BLUE, height=10)
    doc.line_text(f"{view.scope_label} · {federation.name} · exportée le {context.date_text}",
                  10, color=GREY, height=5)
    doc.ln(4)
    if view.empty_message:
        doc.line_text(view.empty_message, 12, color=GREY)
        doc.add_page()
        return doc.finish(compress)
    doc.metric_boxes(view.metrics, per_row=4, box_h=22, help_text=False)
    tables = {t.key: t for t in view.tables}
    _table(doc, tables.get("comparaison_reponses"))
    _table(doc, tables.get("comparaison_nombres"))
    for note in view.notes:
        doc.line_text(note, 9, color=GREY, height=4.5)
    doc.add_page()
    _table(doc, tables.get("reponses"), size=7)
    _table(doc, tables.get("facilitations"), max_rows=FACILITATIONS_SHOWN)
    _table(doc, tables.get("fiches"), max_rows=FICHES_SHOWN)
    data = doc.finish(compress)
    log.info("fiche équipe n° %s : %d octets", view.team_id, len(data))
    return data


def team_sheet(team_id: int, year: int, federation: Federation, db: DB = None, *,
               departement_names: dict[str, str] | None = None,
               export_date: dt.date | None = None, compress: bool = True,
               unicode_font: bool | None = None) -> bytes:
    """The sheet of team ``team_id`` for ``year`` (``observatory export --team-sheet``)."""
    view = team.build(Scope(year=year), federation, db, team_id=team_id,
                      departement_names=departement_names)
    if view.title == "Mon équipe" and view.empty_message:
        raise ValueError(view.empty_message)
    return render(view, federation, export_date=export_date, compress=compress,
                  unicode_font=unicode_font)
