"""« Exporter la vue » as a PowerPoint deck (16:9): title, key figures, one slide per chart/table."""

from __future__ import annotations

import datetime as dt
import io
import logging

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from observatory import privacy
from observatory.charts import PALETTE, Figure
from observatory.config import Federation
from observatory.exports import images
from observatory.exports.common import ExportContext, display, shorten, today
from observatory.views import Metric, Table, View

log = logging.getLogger(__name__)
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TABLE_ROWS = 15
CELL_CHARS = 80  # longer text is cut on a slide (the CSV/XLSX keep it whole)
FONT = "Arial"  # on every office suite; LibreOffice maps it to the metric-compatible Liberation Sans
BLUE = RGBColor.from_string(PALETTE[0].lstrip("#"))
GREY = RGBColor(0x55, 0x55, 0x55)
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in: PowerPoint's 16:9
MARGIN = Inches(0.5)
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5


def _style(run_or_paragraph, size: int, *, bold: bool = False, color: RGBColor | None = None):
    font = run_or_paragraph.font
    font.size = Pt(size)
    font.name = FONT
    font.bold = bold
    if color is not None:
        font.color.rgb = color


def _text(slide, text: str, left: int, top: int, width: int, height: int, size: int, *,
          bold: bool = False, color: RGBColor | None = None, align=PP_ALIGN.LEFT) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        p.alignment = align
        _style(p, size, bold=bold, color=color)


def _slide(prs, title: str, notes: str = ""):
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, \
        Inches(0.9)
    shape.text = title
    for p in shape.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        _style(p, 28, bold=True)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def _footer(slide, context: ExportContext) -> None:
    _text(slide, context.line, MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.3),
          9, color=GREY)


def _title_slide(prs, view: View, federation: Federation, context: ExportContext) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, \
        Inches(1.4)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = MARGIN, Inches(3.6), \
        WIDTH - 2 * MARGIN, Inches(2.2)
    title.text = federation.name
    for p in title.text_frame.paragraphs:
        _style(p, 40, bold=True, color=BLUE)
    lines = [view.title, view.scope_label, context.date_text]
    frame = subtitle.text_frame
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        _style(p, 24 if i == 0 else 18, bold=i == 0, color=None if i == 0 else GREY)
    slide.notes_slide.notes_text_frame.text = (
        f"Observatoire de l'exercice coordonné — {federation.name}. {view.title}, "
        f"{view.scope_label}. Exporté le {context.date_text}.")


def _metrics_slide(prs, metrics: list[Metric], context: ExportContext) -> None:
    notes = "\n".join(f"{m.label} : {m.value}. {m.help}".strip() for m in metrics)
    slide = _slide(prs, "Chiffres clés", notes)
    per_row = 3 if len(metrics) > 4 else max(1, len(metrics))
    rows = -(-len(metrics) // per_row)
    box_w = (WIDTH - 2 * MARGIN) // per_row
    box_h = min(Inches(2.5), (HEIGHT - Inches(2.1)) // rows)
    for i, m in enumerate(metrics):
        left = MARGIN + (i % per_row) * box_w
        top = Inches(1.5) + (i // per_row) * box_h
        _text(slide, m.value, left, top, box_w - Inches(0.2), Inches(1.0), 44, bold=True,
              color=BLUE)
        _text(slide, m.label, left, top + Inches(1.0), box_w - Inches(0.2), Inches(0.6), 18)
        if m.delta is not None:
            _text(slide, f"Évolution sur un an : {m.delta}", left, top + Inches(1.55),
                  box_w - Inches(0.2), Inches(0.4), 13, color=GREY)
    _footer(slide, context)


def _chart_slide(prs, fig: Figure, context: ExportContext) -> None:
    notes = [fig.caption, context.line]
    try:
        png = images.png(fig, context, header=False)
    except (images.NoChart, images.RenderError) as exc:
        if isinstance(exc, images.RenderError):
            log.warning("%s", exc)
        png, message = None, str(exc)
        notes.insert(0, message)
    caption = fig.caption
    if privacy.count_masked(fig.data, fig.count_columns):
        caption += f" · {privacy.masked_note()}"
        notes.append(privacy.masked_note())
    slide = _slide(prs, fig.title, "\n".join(notes))
    top, bottom = Inches(1.3), HEIGHT - Inches(1.0)
    if png is None:
        _text(slide, message, MARGIN, Inches(3),
              WIDTH - 2 * MARGIN, Inches(1), 20, color=GREY)
    else:
        px_w, px_h = images.png_size(png)
        box_w, box_h = WIDTH - 2 * MARGIN, bottom - top
        ratio = min(box_w / px_w, box_h / px_h)
        w, h = int(px_w * ratio), int(px_h * ratio)
        slide.shapes.add_picture(io.BytesIO(png), Emu(int((WIDTH - w) / 2)), Emu(top), Emu(w),
                                 Emu(h))
    _text(slide, caption, MARGIN, bottom + Inches(0.05), WIDTH - 2 * MARGIN, Inches(0.4), 11,
          color=GREY)
    _footer(slide, context)


def _table_slide(prs, table: Table, context: ExportContext) -> None:
    from observatory.exports.tables import table_frame

    df = table_frame(table)
    shown = df.head(TABLE_ROWS)
    caption = table.caption
    if len(df) > TABLE_ROWS:
        caption = f"{caption} {TABLE_ROWS} premières lignes sur {len(df)} : tableau complet en " \
                  "CSV ou XLSX.".strip()
    slide = _slide(prs, table.title, "\n".join(x for x in (caption, context.line) if x))
    if shown.columns.size == 0 or len(shown) == 0:
        _text(slide, "Aucune ligne pour ce périmètre.", MARGIN, Inches(3), WIDTH - 2 * MARGIN,
              Inches(1), 20, color=GREY)
    else:
        rows, cols = len(shown) + 1, len(shown.columns)
        room = HEIGHT - Inches(1.3) - Inches(1.05)  # between the title and the caption
        row_h = Emu(min(Inches(0.36), room // rows))
        shape = slide.shapes.add_table(rows, cols, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN,
                                       row_h * rows)
        grid = shape.table
        size = 12 if cols <= 6 and rows <= 11 else 10
        for c, name in enumerate(shown.columns):
            cell = grid.cell(0, c)
            cell.text = str(name)
            _style(cell.text_frame.paragraphs[0], size, bold=True)
        for r, row in enumerate(shown.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(row):
                cell = grid.cell(r, c)
                cell.text = shorten(display(value, shown.columns[c]), CELL_CHARS)
                para = cell.text_frame.paragraphs[0]
                _style(para, size)
                if not isinstance(value, str):
                    para.alignment = PP_ALIGN.RIGHT
        for r in range(rows):
            grid.rows[r].height = row_h
    if caption:
        _text(slide, caption, MARGIN, HEIGHT - Inches(0.95), WIDTH - 2 * MARGIN, Inches(0.4), 11,
              color=GREY)
    _footer(slide, context)


def deck(view: View, federation: Federation, *, export_date: dt.date | None = None) -> bytes:
    """The view as a 16:9 PowerPoint file: what a facilitator shows on Monday morning."""
    context = ExportContext(view.scope_label, federation.name, export_date or today())
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    props = prs.core_properties
    props.title = f"{view.title} — {view.scope_label}"
    props.author = props.last_modified_by = federation.name
    props.subject = "Observatoire de l'exercice coordonné"
    _title_slide(prs, view, federation, context)
    if view.empty_message:
        slide = _slide(prs, view.title)
        _text(slide, view.empty_message, MARGIN, Inches(3), WIDTH - 2 * MARGIN, Inches(1), 24,
              color=GREY)
        _footer(slide, context)
    else:
        if view.metrics:
            _metrics_slide(prs, view.metrics, context)
        for fig in view.figures:
            _chart_slide(prs, fig, context)
        for table in view.tables:
            _table_slide(prs, table, context)
    if view.notes:
        notes = "\n".join(privacy.redact_emails(n) for n in view.notes)
        slide = _slide(prs, "Notes et sources", notes)
        _text(slide, notes, MARGIN,
              Inches(1.4), WIDTH - 2 * MARGIN, Inches(5), 16)
        _footer(slide, context)
    out = io.BytesIO()
    prs.save(out)
    log.info("export PPTX « %s » (%s) : %d diapositives, %d octets", view.title,
             view.scope_label, len(prs.slides), out.tell())
    return out.getvalue()
