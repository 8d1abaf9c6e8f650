"""« Exporter la vue » as a PowerPoint deck (16:9) in the federation's look: a real slide master.

The master is made at export time from python-pptx's default template, edited through its XML:
the theme's colours and fonts become the brand's (accent 1 its primary colour, accent 2 its
accent), the master carries the logo, a thin brand rule and the footer placeholders (source,
date, slide number), and the layouts used are renamed and laid out for 16:9: « Titre » (the
logo large), « Titre de section » (a band of the primary colour) and « Graphique ». A committed
.pptx template would have to exist once per federation and be rebuilt whenever a brand changes;
this way a profile's ``[brand]`` is the only thing to edit, and a user who opens the deck finds a
master to reuse (Insertion › Nouvelle diapositive) and footers PowerPoint manages.

Slides: title, key figures, a section slide before the charts and before the tables, one slide
per chart (its takeaway under the title and in the notes) or table, then the notes.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.oxml.shapes.autoshape import CT_Shape
from pptx.oxml.shapes.picture import CT_Picture
from pptx.shapes.autoshape import Shape
from pptx.util import Emu, Inches, Pt

from observatory import formats, privacy
from observatory.charts import Figure
from observatory.config import Brand, Federation
from observatory.exports import images
from observatory.exports.common import ExportContext, display, shorten, today
from observatory.views import Metric, Table, View, access

log = logging.getLogger(__name__)
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TABLE_ROWS = 15
CELL_CHARS = 80  # longer text is cut on a slide (the CSV/XLSX keep it whole)
FONT = "Arial"  # on every office suite; LibreOffice maps it to the metric-compatible Liberation Sans
GREY = RGBColor(0x55, 0x55, 0x55)
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in: PowerPoint's 16:9
MARGIN = Inches(0.5)
FOOTER_TOP, FOOTER_H = HEIGHT - Inches(0.42), Inches(0.3)
# The default template's layouts this deck uses, and their French names once made over.
LAYOUT_TITLE, LAYOUT_SECTION, LAYOUT_TITLE_ONLY = 0, 2, 5
LAYOUT_NAMES = {LAYOUT_TITLE: "Titre", LAYOUT_SECTION: "Titre de section",
                LAYOUT_TITLE_ONLY: "Graphique"}
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _font_name(brand: Brand) -> str:
    return brand.font or FONT


# -- the template: theme, master, layouts -----------------------------------------------------
def _theme(prs: Any, brand: Brand, name: str) -> None:
    """The theme's colour and font schemes set to the brand (what PowerPoint offers in its
    colour and font pickers, and what a new shape is filled with)."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    root.set("name", name)
    scheme = root.find(f".//{{{A}}}clrScheme")
    scheme.set("name", name)
    colours = {"dk2": brand.shade(0.35), "lt2": brand.tint(0.92), "accent1": brand.primary,
               "accent2": brand.accent, "accent3": brand.tint(0.45), "accent4": "#5B6770",
               "hlink": brand.shade(0.1), "folHlink": brand.shade(0.35)}
    for slot, colour in colours.items():
        element = scheme.find(f"{{{A}}}{slot}")
        for child in list(element):
            element.remove(child)
        etree.SubElement(element, f"{{{A}}}srgbClr", val=colour.lstrip("#").upper())
    fonts = root.find(f".//{{{A}}}fontScheme")
    fonts.set("name", name)
    for kind in ("majorFont", "minorFont"):
        latin = fonts.find(f"{{{A}}}{kind}/{{{A}}}latin")
        latin.set("typeface", _font_name(brand))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _next_id(tree: Any) -> int:
    ids = [int(e.get("id")) for e in tree.iter(qn("p:cNvPr")) if e.get("id", "").isdigit()]
    return max(ids, default=1) + 1


def _rect(shapes: Any, name: str, x: int, y: int, w: int, h: int, colour: str,
          *, back: bool = False) -> None:
    """A filled rectangle without outline in a master's or a layout's shape tree."""
    tree = shapes._spTree
    sp = CT_Shape.new_autoshape_sp(_next_id(tree), name, "rect", x, y, w, h)
    shape = Shape(sp, shapes)
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(colour)
    shape.line.fill.background()
    if back:  # behind the placeholders, in front of the rectangles put there before
        first = next((i for i, child in enumerate(tree)
                      if child.find(f".//{qn('p:ph')}") is not None), len(tree))
        tree.insert(first, sp)
    else:
        tree.append(sp)


def _logo(part: Any, shapes: Any, path: Any, x: int, y: int, height: int) -> None:
    """The logo as a picture of a master or a layout, ``height`` high, its ratio kept."""
    image_part, rid = part.get_or_add_image_part(str(path))
    px_w, px_h = image_part.image.size
    width = int(height * px_w / px_h)
    tree = shapes._spTree
    pic = CT_Picture.new_pic(_next_id(tree), "Logo", f"Logo {path.stem}", rid, x, y, width,
                             height)
    tree.append(pic)


def _place(shape: Any, x: int, y: int, w: int, h: int) -> None:
    shape.left, shape.top, shape.width, shape.height = Emu(x), Emu(y), Emu(w), Emu(h)


def _style_frame(shape: Any, size: int, *, bold: bool = False, colour: str | None = None,
                 align: Any = None) -> None:
    """A placeholder's text style, written in its list style so that slides inherit it."""
    frame = shape.text_frame
    for paragraph in frame.paragraphs:
        _style(paragraph, size, bold=bold, color=rgb(colour) if colour else None)
        if align is not None:
            paragraph.alignment = align
    body = shape._element.find(qn("p:txBody"))
    lst = body.find(qn("a:lstStyle"))
    if lst is None:
        lst = etree.SubElement(body, qn("a:lstStyle"))
        body.remove(lst)
        body.insert(1, lst)
    for child in list(lst):
        lst.remove(child)
    level = etree.SubElement(lst, qn("a:lvl1pPr"), marL="0", indent="0")
    if align is not None:
        level.set("algn", {PP_ALIGN.LEFT: "l", PP_ALIGN.RIGHT: "r",
                           PP_ALIGN.CENTER: "ctr"}.get(align, "l"))
    etree.SubElement(level, qn("a:buNone"))  # no bullet before a subtitle or a footer
    props = etree.SubElement(level, qn("a:defRPr"), sz=str(size * 100), b="1" if bold else "0")
    if colour:
        fill = etree.SubElement(props, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:srgbClr"), val=colour.lstrip("#").upper())


def _master(prs: Any, federation: Federation) -> None:
    """The slide master and the three layouts in the brand, laid out for 16:9."""
    brand = federation.brand
    ratio = WIDTH / Emu(9144000)  # the default template is 4:3
    master = prs.slide_master
    title_h = Inches(1.0)
    for ph in master.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.TITLE:
            _place(ph, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN - Inches(2.0), title_h)
            _style_frame(ph, 28, bold=True, colour=brand.shade(0.25), align=PP_ALIGN.LEFT)
            ph.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        elif kind == PP_PLACEHOLDER.BODY:
            _place(ph, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.2))
        elif kind == PP_PLACEHOLDER.FOOTER:
            _place(ph, MARGIN, FOOTER_TOP, WIDTH - 2 * MARGIN - Inches(3.2), FOOTER_H)
            _style_frame(ph, 9, colour="#555555", align=PP_ALIGN.LEFT)
        elif kind == PP_PLACEHOLDER.DATE:
            _place(ph, WIDTH - MARGIN - Inches(3.0), FOOTER_TOP, Inches(2.2), FOOTER_H)
            _style_frame(ph, 9, colour="#555555", align=PP_ALIGN.RIGHT)
        elif kind == PP_PLACEHOLDER.SLIDE_NUMBER:
            _place(ph, WIDTH - MARGIN - Inches(0.7), FOOTER_TOP, Inches(0.7), FOOTER_H)
            _style_frame(ph, 9, bold=True, colour=brand.primary, align=PP_ALIGN.RIGHT)
    # a rule of the primary colour above the footer, the accent at its start, the logo above
    _rect(master.shapes, "Filet", MARGIN, FOOTER_TOP - Inches(0.08), WIDTH - 2 * MARGIN,
          Emu(19050), brand.primary, back=True)
    _rect(master.shapes, "Filet accent", MARGIN, FOOTER_TOP - Inches(0.1), Inches(1.2),
          Emu(44450), brand.accent, back=True)
    if brand.logo_path is not None:
        _logo(master.part, master.shapes, brand.logo_path, WIDTH - MARGIN - Inches(1.9),
              Inches(0.4), Inches(0.5))
    for i, layout in enumerate(prs.slide_layouts):
        for ph in layout.placeholders:  # every layout to 16:9, whether this deck uses it or not
            if ph._element.spPr.find(qn("a:xfrm")) is not None:
                ph.left, ph.width = Emu(int(ph.left * ratio)), Emu(int(ph.width * ratio))
        if i in LAYOUT_NAMES:
            layout.name = LAYOUT_NAMES[i]
    _title_layout(prs.slide_layouts[LAYOUT_TITLE], brand)
    _section_layout(prs.slide_layouts[LAYOUT_SECTION], brand)
    for ph in prs.slide_layouts[LAYOUT_TITLE_ONLY].placeholders:
        if ph.placeholder_format.type == PP_PLACEHOLDER.TITLE:
            _place(ph, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN - Inches(2.0), title_h)


def _title_layout(layout: Any, brand: Brand) -> None:
    """« Titre »: the logo large at the top left, the title and subtitle under it, a band of
    the primary colour along the left edge (the master's logo and rule are not shown)."""
    layout._element.set("showMasterSp", "0")
    _rect(layout.shapes, "Bandeau", 0, 0, Inches(0.28), HEIGHT, brand.primary, back=True)
    _rect(layout.shapes, "Bandeau accent", 0, HEIGHT - Inches(1.6), Inches(0.28), Inches(1.6),
          brand.accent, back=True)
    for ph in layout.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.CENTER_TITLE:
            _place(ph, Inches(1.0), Inches(2.9), WIDTH - Inches(2.0), Inches(1.5))
            _style_frame(ph, 40, bold=True, colour=brand.shade(0.25), align=PP_ALIGN.LEFT)
            ph.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
        elif kind == PP_PLACEHOLDER.SUBTITLE:
            _place(ph, Inches(1.0), Inches(4.5), WIDTH - Inches(2.0), Inches(1.6))
            _style_frame(ph, 20, colour="#555555", align=PP_ALIGN.LEFT)
    if brand.logo_path is not None:
        _logo(layout.part, layout.shapes, brand.logo_path, Inches(1.0), Inches(0.9),
              Inches(1.4))


def _section_layout(layout: Any, brand: Brand) -> None:
    """« Titre de section »: the slide in the primary colour, the title in white."""
    layout._element.set("showMasterSp", "0")
    _rect(layout.shapes, "Fond", 0, 0, WIDTH, HEIGHT, brand.primary, back=True)
    _rect(layout.shapes, "Filet accent", Inches(1.0), Inches(4.15), Inches(1.6), Inches(0.08),
          brand.accent, back=True)
    for ph in layout.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.TITLE:
            _place(ph, Inches(1.0), Inches(2.4), WIDTH - Inches(2.0), Inches(1.6))
            _style_frame(ph, 36, bold=True, colour="#FFFFFF", align=PP_ALIGN.LEFT)
            ph.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
        elif kind == PP_PLACEHOLDER.BODY:
            _place(ph, Inches(1.0), Inches(4.4), WIDTH - Inches(2.0), Inches(1.4))
            _style_frame(ph, 18, colour="#FFFFFF", align=PP_ALIGN.LEFT)


def template(federation: Federation) -> Any:
    """A new 16:9 presentation whose master and layouts are the federation's."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _theme(prs, federation.brand, federation.name)
    _master(prs, federation)
    return prs


# -- slides -----------------------------------------------------------------------------------
def _style(run_or_paragraph: Any, size: int, *, bold: bool = False,
           color: RGBColor | None = None) -> None:
    font = run_or_paragraph.font
    font.size = Pt(size)
    font.bold = bold
    if color is not None:
        font.color.rgb = color


def _text(slide: Any, text: str, left: int, top: int, width: int, height: int, size: int, *,
          bold: bool = False, color: RGBColor | None = None, align: Any = PP_ALIGN.LEFT) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(formats.typography(text).split("\n")):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        p.alignment = align
        _style(p, size, bold=bold, color=color)


def _layout_placeholder(slide: Any, kind: Any) -> Any:
    return next((ph for ph in slide.slide_layout.placeholders
                 if ph.placeholder_format.type == kind), None)


def _footer(slide: Any, source: str, context: ExportContext) -> None:
    """The layout's footer placeholders on the slide: source and scope, date, slide number
    (PowerPoint shows only those a slide has; « En-tête et pied de page » edits them)."""
    texts = {PP_PLACEHOLDER.FOOTER: " · ".join(p for p in (
                 f"Source : {source}" if source else "", context.scope_label,
                 context.federation_name) if p),
             PP_PLACEHOLDER.DATE: f"Exporté le {formats.day(context.export_date)}"}
    for kind in (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.SLIDE_NUMBER):
        layout_ph = _layout_placeholder(slide, kind)
        if layout_ph is None:
            continue
        slide.shapes.clone_placeholder(layout_ph)
        shape = next(s for s in slide.placeholders if s.placeholder_format.type == kind)
        paragraph = shape.text_frame.paragraphs[0]
        if kind == PP_PLACEHOLDER.SLIDE_NUMBER:
            field = etree.SubElement(paragraph._p, qn("a:fld"), id="{B6F15528-21DE-4FAA-801E-"
                                     "634DDDAF4B2B}", type="slidenum")
            etree.SubElement(field, qn("a:t")).text = "‹N°›"
        else:
            paragraph.text = formats.typography(texts[kind])
        for run in paragraph.runs:  # as the master says, for the suites that do not inherit
            _style(run, 9, bold=kind == PP_PLACEHOLDER.SLIDE_NUMBER, color=GREY)
            run.font.name = "+mn-lt"  # the theme's body font: the brand's


def _slide(prs: Any, title: str, notes: str = "", layout: int = LAYOUT_TITLE_ONLY) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[layout])
    slide.shapes.title.text = formats.typography(title)
    if notes:
        slide.notes_slide.notes_text_frame.text = formats.typography(notes)
    return slide


def _title_slide(prs: Any, view: View, federation: Federation, context: ExportContext) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    slide.shapes.title.text = formats.typography(view.title)
    frame = slide.placeholders[1].text_frame
    lines = [view.scope_label, f"{federation.name} · {context.date_text}"]
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = formats.typography(line)
    slide.notes_slide.notes_text_frame.text = formats.typography(
        f"Observatoire de l'exercice coordonné — {federation.name}. {view.title}, "
        f"{view.scope_label}. Exporté le {context.date_text}.")


def _section_slide(prs: Any, title: str, subtitle: str, context: ExportContext) -> None:
    slide = _slide(prs, title, layout=LAYOUT_SECTION)
    body = next((ph for ph in slide.placeholders
                 if ph.placeholder_format.type == PP_PLACEHOLDER.BODY), None)
    if body is not None:
        body.text_frame.text = formats.typography(subtitle)
    _footer(slide, "", context)


def _metrics_slide(prs: Any, metrics: list[Metric], context: ExportContext,
                   brand: Brand) -> None:
    notes = "\n".join(f"{m.label} : {m.value}. {m.help}".strip() for m in metrics)
    slide = _slide(prs, "Chiffres clés", notes)
    per_row = 3 if len(metrics) > 4 else max(1, len(metrics))
    rows = -(-len(metrics) // per_row)
    box_w = (WIDTH - 2 * MARGIN) // per_row
    box_h = min(Inches(2.5), (HEIGHT - Inches(2.3)) // rows)
    for i, m in enumerate(metrics):
        left = MARGIN + (i % per_row) * box_w
        top = Inches(1.45) + (i // per_row) * box_h
        _text(slide, m.value, left, top, box_w - Inches(0.2), Inches(1.0), 40, bold=True,
              color=rgb(brand.primary))
        _text(slide, m.label, left, top + Inches(0.9), box_w - Inches(0.2), Inches(0.6), 18)
        if m.delta is not None:
            _text(slide, f"Évolution sur un an : {m.delta}", left, top + Inches(1.45),
                  box_w - Inches(0.2), Inches(0.4), 13, color=GREY)
    _footer(slide, "", context)


def _chart_slide(prs: Any, fig: Figure, context: ExportContext, brand: Brand) -> None:
    """The chart under its title and its takeaway; the takeaway leads the notes too."""
    lead = fig.lead
    notes = [lead, fig.caption, context.line]
    png, message = None, ""
    if not fig.statement:
        try:
            png = images.png(fig, context, header=False)
        except (images.NoChart, images.RenderError) as exc:
            if isinstance(exc, images.RenderError):
                log.warning("%s", exc)
            message = str(exc)
            notes.insert(1, message)
    slide = _slide(prs, fig.title, "\n".join(n for n in notes if n))
    top, bottom = Inches(1.95), HEIGHT - Inches(1.0)
    if lead:
        _text(slide, lead, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.6),
              28 if fig.statement else 18, bold=True, color=rgb(brand.shade(0.25)))
    if png is None:
        if message:
            _text(slide, message, MARGIN, Inches(3), WIDTH - 2 * MARGIN, Inches(1), 20,
                  color=GREY)
    else:
        px_w, px_h = images.png_size(png)
        box_w, box_h = WIDTH - 2 * MARGIN, bottom - top
        ratio = min(box_w / px_w, box_h / px_h)
        w, h = int(px_w * ratio), int(px_h * ratio)
        slide.shapes.add_picture(io.BytesIO(png), Emu(int((WIDTH - w) / 2)), Emu(top), Emu(w),
                                 Emu(h))
    _text(slide, fig.caption, MARGIN, bottom - Inches(0.02), WIDTH - 2 * MARGIN, Inches(0.4), 10,
          color=GREY)
    _footer(slide, fig.source, context)


def _table_slide(prs: Any, table: Table, context: ExportContext, brand: Brand) -> None:
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
        room = HEIGHT - Inches(1.4) - Inches(1.1)  # between the title and the caption
        row_h = Emu(min(Inches(0.36), room // rows))
        shape = slide.shapes.add_table(rows, cols, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN,
                                       row_h * rows)
        grid = shape.table
        size = 12 if cols <= 6 and rows <= 11 else 10
        for c, name in enumerate(shown.columns):
            cell = grid.cell(0, c)
            cell.text = formats.typography(str(name))
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb(brand.primary)
            _style(cell.text_frame.paragraphs[0], size, bold=True, color=RGBColor(255, 255, 255))
        for r, row in enumerate(shown.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(row):
                cell = grid.cell(r, c)
                cell.text = shorten(display(value, shown.columns[c]), CELL_CHARS)
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb(brand.tint(0.92) if r % 2 else "#FFFFFF")
                para = cell.text_frame.paragraphs[0]
                _style(para, size)
                if not isinstance(value, str):
                    para.alignment = PP_ALIGN.RIGHT
        for r in range(rows):
            grid.rows[r].height = row_h
    if caption:
        _text(slide, caption, MARGIN, HEIGHT - Inches(1.0), WIDTH - 2 * MARGIN, Inches(0.4), 10,
              color=GREY)
    _footer(slide, "", context)


def _count(n: int, one: str, many: str) -> str:
    return f"{formats.number(n)} {one if n < 2 else many}"


def deck(view: View, federation: Federation, *, export_date: dt.date | None = None) -> bytes:
    """The view as a 16:9 PowerPoint file: what a facilitator shows on Monday morning."""
    context = ExportContext(view.scope_label, federation.name, export_date or today())
    prs = template(federation)
    brand = federation.brand
    props = prs.core_properties
    props.title = f"{view.title} — {view.scope_label}"
    props.author = props.last_modified_by = federation.name
    props.subject = "Observatoire de l'exercice coordonné"
    view = access.protect(view)  # what may leave the server, whoever exports
    _title_slide(prs, view, federation, context)
    if view.empty_message:
        slide = _slide(prs, view.title)
        _text(slide, view.empty_message, MARGIN, Inches(3), WIDTH - 2 * MARGIN, Inches(1), 24,
              color=GREY)
        _footer(slide, "", context)
    else:
        if view.metrics:
            _metrics_slide(prs, view.metrics, context, brand)
        if view.figures:
            _section_slide(prs, "En graphiques", " · ".join((
                _count(len(view.figures), "graphique", "graphiques"), view.scope_label)),
                context)
        for fig in view.figures:
            _chart_slide(prs, fig, context, brand)
        if view.tables:
            _section_slide(prs, "En tableaux", " · ".join((
                _count(len(view.tables), "tableau", "tableaux"), view.scope_label)), context)
        for table in view.tables:
            _table_slide(prs, table, context, brand)
    if view.notes:
        notes = "\n".join(privacy.redact_emails(n) for n in view.notes)
        slide = _slide(prs, "Notes et sources", notes)
        _text(slide, notes, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5), 16)
        _footer(slide, "", context)
    out = io.BytesIO()
    prs.save(out)
    log.info("export PPTX « %s » (%s) : %d diapositives, %d octets", view.title,
             view.scope_label, len(prs.slides), out.tell())
    return out.getvalue()

