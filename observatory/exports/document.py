"""« Exporter la vue » as a PDF for e-mailing (A4 landscape): the same content as the deck.

Fonts: a TrueType sans font is embedded for full French typography. It is looked up, in order,
in ``observatory/exports/fonts/`` (drop LiberationSans-Regular.ttf and -Bold.ttf there to pin
one), then the usual system places (Liberation Sans, DejaVu Sans, Arial). Without any, the PDF
falls back to the standard Helvetica in Windows-1252, which still has every French letter,
« », œ and €; the few other characters are replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from observatory import formats, privacy
from observatory.charts import Figure
from observatory.config import Brand, Federation
from observatory.exports import images
from observatory.exports.common import ExportContext, display, shorten, today
from observatory.views import Metric, Table, View, access

log = logging.getLogger(__name__)
PDF_MIME = "application/pdf"
TABLE_ROWS = 40
CELL_CHARS = 300  # longer text is cut in a PDF table (the CSV/XLSX keep it whole)
BLUE = (0, 114, 178)
GREY = (85, 85, 85)
LIGHT = (235, 242, 248)
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
# (regular, bold) pairs, first found wins.
FONT_CANDIDATES: tuple[tuple[Path, Path], ...] = tuple(
    (Path(d) / r, Path(d) / b)
    for d, r, b in (
        (FONTS_DIR, "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
        (FONTS_DIR, "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/truetype/liberation", "LiberationSans-Regular.ttf",
         "LiberationSans-Bold.ttf"),
        ("/usr/share/fonts/truetype/liberation2", "LiberationSans-Regular.ttf",
         "LiberationSans-Bold.ttf"),
        ("/usr/share/fonts/liberation-sans", "LiberationSans-Regular.ttf",
         "LiberationSans-Bold.ttf"),
        ("/usr/share/fonts/truetype/dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/TTF", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("/Library/Fonts", "Arial.ttf", "Arial Bold.ttf"),
        ("/System/Library/Fonts/Supplemental", "Arial.ttf", "Arial Bold.ttf"),
        ("C:/Windows/Fonts", "arial.ttf", "arialbd.ttf"),
    )
)
# What Windows-1252 lacks but French text uses, for the Helvetica fallback.
CORE_REPLACEMENTS = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2212": "-",
                                   "\u2264": "<=", "\u2265": ">=", "\u2010": "-", "\u2011": "-"})


def colour(hex_colour: str) -> tuple[int, int, int]:
    """``#A3195B`` as fpdf2's (r, g, b)."""
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def find_font() -> tuple[Path, Path] | None:
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class Document(FPDF):
    """An FPDF with the observatory's font, a running footer and a few layout helpers."""

    def __init__(self, context: ExportContext, *, footer_title: str,
                 orientation: str = "L", unicode_font: bool | None = None,
                 brand: Brand | None = None) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.context = context
        self.footer_title = footer_title
        self.brand = brand or Brand()
        self.primary = colour(self.brand.primary)
        self.dark = colour(self.brand.shade(0.25))
        self.light = colour(self.brand.tint(0.92))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        found = find_font() if unicode_font is not False else None
        if unicode_font and found is None:
            raise RuntimeError("Aucune police TrueType trouvée pour le PDF.")
        if found:
            self.add_font("Sans", "", str(found[0]))
            self.add_font("Sans", "B", str(found[1]))
            self.family_name = "Sans"
            self.unicode = True
        else:
            self.core_fonts_encoding = "windows-1252"
            self.family_name = "helvetica"
            self.unicode = False
        self.set_font(self.family_name, size=11)
        self.set_title(footer_title)
        self.set_author(context.federation_name)
        self.set_creator("Observatoire de l'exercice coordonné")

    # text ---------------------------------------------------------------------------------

    def t(self, text: str) -> str:
        """Text as this document's font can show it, in French typography."""
        text = formats.typography(str(text))
        if self.unicode:
            return text
        text = text.translate(CORE_REPLACEMENTS)
        return text.encode("cp1252", "replace").decode("cp1252")

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = (0, 0, 0)):
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_text_color(*color)

    def line_text(self, text: str, size: float = 11, *, bold: bool = False,
                  color: tuple[int, int, int] = (0, 0, 0), height: float | None = None,
                  align: str = "L") -> None:
        self.font(size, bold, color)
        self.multi_cell(0, height or size * 0.5, self.t(text), align=align,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def footer(self) -> None:
        # a rule of the brand's colour, its accent at the start, as on the slides
        self.set_fill_color(*self.primary)
        self.rect(self.l_margin, self.h - 13.5, self.epw, 0.35, style="F")
        self.set_fill_color(*colour(self.brand.accent))
        self.rect(self.l_margin, self.h - 13.9, 25, 1.0, style="F")
        self.set_y(-12)
        self.font(8, color=GREY)
        text = " · ".join(x for x in (self.footer_title, self.context.scope_label,
                                      f"exporté le {self.context.date_text}") if x)
        self.cell(0, 5, self.t(text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, self.t(f"page {self.page_no()}/{{nb}}"), align="R")

    # blocks -------------------------------------------------------------------------------

    def logo(self, x: float, y: float, height: float) -> None:
        """The federation's logo, ``height`` mm high, if it has one."""
        if self.brand.logo_path is not None:
            self.image(str(self.brand.logo_path), x=x, y=y, h=height)

    def heading(self, text: str, subtitle: str = "") -> None:
        self.line_text(text, 18, bold=True, color=self.dark, height=9)
        if subtitle:
            self.line_text(subtitle, 10, color=GREY, height=5)
        self.ln(3)

    def figure_image(self, png: bytes, max_w: float, max_h: float, x: float | None = None) -> None:
        px_w, px_h = images.png_size(png)
        ratio = min(max_w / px_w, max_h / px_h)
        w, h = px_w * ratio, px_h * ratio
        left = self.l_margin + (self.epw - w) / 2 if x is None else x
        self.image(io.BytesIO(png), x=left, y=self.get_y(), w=w, h=h)
        self.set_y(self.get_y() + h + 2)

    def metric_boxes(self, metrics: Sequence[Metric], per_row: int, box_h: float = 34,
                     help_text: bool = True) -> None:
        gap = 4
        box_w = (self.epw - gap * (per_row - 1)) / per_row
        rows = -(-len(metrics) // per_row)
        if self.get_y() + rows * (box_h + gap) > self.h - self.b_margin:
            self.add_page()
        top = self.get_y()
        for i, m in enumerate(metrics):
            x = self.l_margin + (i % per_row) * (box_w + gap)
            y = top + (i // per_row) * (box_h + gap)
            self.set_fill_color(*self.light)
            self.rect(x, y, box_w, box_h, style="F")
            self.set_fill_color(*self.primary)
            self.rect(x, y, 1.2, box_h, style="F")
            self.set_xy(x + 3, y + 3)
            self.font(22, True, self.primary)
            self.cell(box_w - 6, 10, self.t(m.value))
            self.set_xy(x + 3, y + 14)
            self.font(10, True)
            self.multi_cell(box_w - 6, 4.5, self.t(m.label), align="L")
            extra = []
            if m.delta is not None:
                extra.append(f"Évolution sur un an : {m.delta}")
            if help_text and m.help:
                extra.append(m.help)
            if extra:
                self.set_x(x + 3)
                self.font(7.5, color=GREY)
                self.multi_cell(box_w - 6, 3.4, self.t("\n".join(extra)), align="L")
        rows = (len(metrics) + per_row - 1) // per_row
        self.set_xy(self.l_margin, top + rows * (box_h + gap))

    def _column_widths(self, headers: list[str], cells: list[list[str]],
                       size: float) -> list[float]:
        """Widths (mm) that never break a word, then share what is left by content length."""
        pad = 3.0
        least, wanted = [], []
        for header, texts in zip(headers, cells, strict=True):
            self.font(size, bold=True)
            head_word = max((self.get_string_width(w) for w in header.split()), default=0)
            self.font(size)
            words = max((self.get_string_width(w) for t in texts for w in t.split()),
                        default=0)
            lengths = sorted(self.get_string_width(t) for t in texts) or [0]
            typical = lengths[int(0.8 * (len(lengths) - 1))]
            low = max(head_word, min(words, 40)) + pad
            least.append(low)
            wanted.append(max(low, min(typical, 70) + pad, self.get_string_width(header) / 2))
        if sum(wanted) <= self.epw:
            return wanted
        extra = self.epw - sum(least)
        if extra <= 0:
            return [w * self.epw / sum(least) for w in least]
        grow = [w - m for w, m in zip(wanted, least, strict=True)]
        return [m + extra * g / sum(grow) for m, g in zip(least, grow, strict=True)]

    def data_table(self, df: pd.DataFrame, max_rows: int = TABLE_ROWS, size: float = 8) -> None:
        shown = df.head(max_rows)
        if shown.columns.size == 0 or not len(shown):
            self.line_text("Aucune ligne pour ce périmètre.", 10, color=GREY)
            return
        self.font(size)
        columns = list(shown.columns)
        numeric = [pd.api.types.is_numeric_dtype(shown[c]) for c in columns]
        cells = [[self.t(shorten(display(v, col), CELL_CHARS)) for v in shown[col]]
                 for col in columns]
        widths = self._column_widths([self.t(str(c)) for c in columns], cells, size)
        with self.table(headings_style=FontFace(emphasis="B", color=(255, 255, 255),
                                                fill_color=self.primary),
                        line_height=size * 0.55, text_align="LEFT", width=min(sum(widths), self.epw - 0.01),
                        col_widths=widths, align="LEFT", first_row_as_headings=True) as grid:
            header = grid.row()
            for name in columns:
                header.cell(self.t(str(name)))
            for i in range(len(shown)):
                row = grid.row()
                for texts, is_num in zip(cells, numeric, strict=True):
                    row.cell(texts[i], align="RIGHT" if is_num else "LEFT")
        if len(df) > max_rows:
            self.line_text(f"{max_rows} premières lignes sur {len(df)} : tableau complet en CSV "
                           "ou XLSX.", 8, color=GREY)

    def finish(self, compress: bool = True) -> bytes:
        self.set_compression(compress)
        return bytes(self.output())


# ------------------------------------------------------------------------------ the view


def _title_page(doc: Document, view: View, federation: Federation) -> None:
    doc.add_page()
    doc.set_fill_color(*doc.primary)
    doc.rect(0, 0, 6, doc.h, style="F")
    doc.logo(doc.l_margin, 28, 24)
    doc.set_y(80)
    doc.line_text(view.title, 30, bold=True, color=doc.dark, height=14)
    doc.ln(2)
    doc.line_text(view.scope_label, 16, color=GREY, height=9)
    doc.ln(6)
    doc.line_text(f"{federation.name} · {doc.context.date_text}", 14, color=GREY, height=8)


def _figure_page(doc: Document, fig: Figure) -> None:
    doc.add_page()
    doc.heading(fig.title, fig.caption)
    if fig.lead:
        doc.line_text(fig.lead, 24 if fig.statement else 13, bold=True, color=doc.primary,
                      height=12 if fig.statement else 7)
        doc.ln(2)
    if fig.statement:
        return
    try:
        png = images.png(fig, doc.context, header=False)
    except (images.NoChart, images.RenderError) as exc:
        if isinstance(exc, images.RenderError):
            log.warning("%s", exc)
        doc.line_text(str(exc), 12, color=GREY)
        return
    doc.figure_image(png, doc.epw, doc.eph - (doc.get_y() - doc.t_margin) - 12)


def _table_pages(doc: Document, table: Table) -> None:
    from observatory.exports.tables import table_frame

    doc.add_page()
    doc.heading(table.title, table.caption)
    df = table_frame(table)
    doc.data_table(df, size=10 if len(df) <= 25 and len(df.columns) <= 6 else 8)


def pdf(view: View, federation: Federation, *, export_date: dt.date | None = None,
        compress: bool = True, unicode_font: bool | None = None) -> bytes:
    """The view as a PDF: title page, key figures, one page per chart, then the tables.

    ``unicode_font``: None picks an embedded TrueType font when one is found (else Helvetica);
    False forces Helvetica; True requires a TrueType font.
    """
    context = ExportContext(view.scope_label, federation.name, export_date or today())
    doc = Document(context, footer_title=f"{federation.name} — {view.title}",
                   unicode_font=unicode_font, brand=federation.brand)
    view = access.protect(view)  # what may leave the server, whoever exports
    _title_page(doc, view, federation)
    if view.empty_message:
        doc.add_page()
        doc.heading(view.title, view.scope_label)
        doc.line_text(view.empty_message, 14, color=GREY)
    else:
        if view.metrics:
            doc.add_page()
            doc.heading("Chiffres clés", view.scope_label)
            doc.metric_boxes(view.metrics, per_row=3 if len(view.metrics) > 4 else 2,
                             box_h=36)
        for fig in view.figures:
            _figure_page(doc, fig)
        for table in view.tables:
            _table_pages(doc, table)
    if view.notes:
        doc.add_page()
        doc.heading("Notes et sources")
        for note in view.notes:
            doc.line_text(privacy.redact_emails(note), 11)
    data = doc.finish(compress)
    log.info("export PDF « %s » (%s) : %d octets", view.title, view.scope_label, len(data))
    return data
