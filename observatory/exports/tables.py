"""CSV (for French Excel) and XLSX files of a table or of a chart's data, made safe by privacy.py.

CSV: ``;`` separator, UTF-8 with a byte order mark (Excel otherwise reads it as Windows-1252),
decimal comma, no thousands separator (Excel would read ``1 234`` as text), dates as
``20/07/2025``, shares as percentages (``5,8`` under a « (%) » header), months as on screen.
XLSX: numbers stay numbers, text is always written as text (never as a formula), and a second
sheet « Informations » says what the table is, for which filters, from which source and when.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from observatory import formats, privacy
from observatory.charts import Figure
from observatory.exports.common import ExportContext
from observatory.formats import is_missing
from observatory.views import Table, access

log = logging.getLogger(__name__)

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


# A share (0–1) column: « Part des répondants », « Taux de… », « Part des équipes… ».
SHARE_COLUMN = re.compile(r"^(?:part|taux|proportion)\b|share", re.IGNORECASE)
PERCENT_SUFFIX = " (%)"


def _is_share(series: pd.Series) -> bool:
    values = pd.to_numeric(series, errors="coerce").dropna()
    name = str(series.name)
    return bool(SHARE_COLUMN.search(name)) and "%" not in name and len(values) > 0 and bool(
        ((values >= 0) & (values <= 1)).all())


def presentable(df: pd.DataFrame, *, percent_numbers: bool = True) -> pd.DataFrame:
    """A chart's or table's data as a file should read, like the screen: shares as
    percentages rounded to a tenth (their header says « (%) »), months as « janv. 2025 »,
    other dates as dates (no 00:00:00). Cells already masked stay as they are.

    ``percent_numbers=False`` keeps the 0–1 share (XLSX formats it as a percentage)."""
    out = df.copy()
    renames = {}
    for col in out.columns:
        series = out[col]
        if _is_share(series) and percent_numbers:
            out[col] = series.map(lambda v: v if isinstance(v, str) or is_missing(v)
                                  else round(100 * float(v), 1))
            renames[col] = f"{col}{PERCENT_SUFFIX}"
        elif pd.api.types.is_datetime64_any_dtype(series):
            if str(col).lower().startswith("mois"):
                out[col] = series.map(lambda v: None if is_missing(v) else formats.month(v))
            elif (series.dropna().dt.normalize() == series.dropna()).all():
                out[col] = series.map(lambda v: None if is_missing(v) else v.date())
    return out.rename(columns=renames)


def csv_cell(value: Any) -> str:
    """One cell as text for French Excel (the value has already been through privacy)."""
    value = _scalar(value)
    if isinstance(value, list | tuple):
        return privacy.clean_text(", ".join(csv_cell(v) for v in value))
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"  # what French Excel reads as booleans
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        value = float(value)
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):  # as French Excel reads a date and time
        return value.replace(tzinfo=None).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return privacy.clean_text(str(value))


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """A DataFrame already made safe → CSV bytes for French Excel."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([privacy.clean_text(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    value = _scalar(value)
    if isinstance(value, list | tuple):
        return csv_cell(value)
    if is_missing(value):
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float | Decimal):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", privacy.clean_text(str(value)))


def _write_rows(ws: Any, rows: Iterable[Sequence[Any]], *, bold_first: bool) -> None:
    widths: dict[int, int] = {}
    for r, row in enumerate(rows, start=1):
        for c, raw in enumerate(row, start=1):
            value = _xlsx_value(raw)
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            elif isinstance(value, dt.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            if r == 1 and bold_first:
                cell.font = Font(bold=True)
            widths[c] = max(widths.get(c, 0), len(str(value)) if value is not None else 0)
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, width + 2))


def frame_to_xlsx(df: pd.DataFrame, *, info: Sequence[tuple[str, str]] = (),
                  sheet_name: str = "Données") -> bytes:
    """A DataFrame already made safe → XLSX bytes (data sheet, then an « Informations » sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31]
    header = [privacy.clean_text(str(c)) for c in df.columns]
    _write_rows(ws, [header, *df.itertuples(index=False, name=None)], bold_first=True)
    ws.freeze_panes = "A2"
    if info:
        meta = wb.create_sheet("Informations")
        _write_rows(meta, [(k, v) for k, v in info], bold_first=False)
        for row in meta.iter_rows(min_col=1, max_col=1):
            row[0].font = Font(bold=True)
        for row in meta.iter_rows(min_col=2, max_col=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
        meta.column_dimensions["B"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- figures and tables of a View


def figure_frame(fig: Figure, limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """A figure's data as it may leave the server, and the number of masked cells."""
    fig = access.protect_figure(fig, limit)
    frame = presentable(privacy.safe_frame(fig.data)[0])
    log.debug("données de « %s » : %d lignes, %d effectif(s) masqué(s)", fig.title, len(frame),
              fig.masked_cells)
    return frame, fig.masked_cells


def table_frame(table: Table, limit: int | None = None) -> pd.DataFrame:
    return presentable(privacy.safe_frame(access.protect_table(table, limit).data)[0])


def _info(title: str, context: ExportContext | None, rows: list[tuple[str, str]]) -> list:
    info = [("Titre", title)]
    if context is not None:
        info.append(("Périmètre (filtres)", context.scope_label))
        if context.federation_name:
            info.append(("Fédération", context.federation_name))
    info.extend((k, v) for k, v in rows if v)
    if context is not None:
        info.append(("Exporté le", context.date_text))
    return info


def figure_info(fig: Figure, context: ExportContext | None, masked: int,
                limit: int | None = None) -> list[tuple[str, str]]:
    rows = [("Effectif", fig.n_text), ("Source", fig.source),
            ("Notes", fig.notes)]
    if fig.count_columns:
        rows.append(("Confidentialité", f"Effectifs de répondants inférieurs à "
                     f"{privacy.threshold(limit)} remplacés par « {privacy.mask_label(limit)} »"
                     + (f" ({masked} cellule(s))" if masked else "")))
    return _info(fig.title, context, rows)


def figure_csv(fig: Figure, limit: int | None = None) -> bytes:
    return frame_to_csv(figure_frame(fig, limit)[0])


def figure_xlsx(fig: Figure, context: ExportContext | None = None,
                limit: int | None = None) -> bytes:
    df, masked = figure_frame(fig, limit)
    return frame_to_xlsx(df, info=figure_info(fig, context, masked, limit))


def table_csv(table: Table, limit: int | None = None) -> bytes:
    return frame_to_csv(table_frame(table, limit))


def table_xlsx(table: Table, context: ExportContext | None = None,
               limit: int | None = None) -> bytes:
    return frame_to_xlsx(table_frame(table, limit),
                         info=_info(table.title, context, [("Notes", table.caption)]))
