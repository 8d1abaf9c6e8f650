"""One-page infographics (A4 portrait): a survey's, and the year's key figures, as SVG, PNG, PDF.

The page is one SVG composed here: the federation's band and logo, the headline numbers, one
card per question (big number, takeaway, the chart, its n), source and date. Each chart is the
very Vega-Lite spec the page shows, rendered by vl-convert to SVG and nested in the page; the
page then goes to PNG and PDF through vl-convert's own SVG renderer (resvg, svg2pdf), so that
the three files are the same drawing, the PDF keeps its text as text, and nothing runs a
browser or reaches the network. Everything goes through ``views.access.protect`` first: masked
cells and withheld charts read as on every export, never as an empty chart.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import vl_convert as vlc
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from observatory import formats, privacy
from observatory.charts import Figure
from observatory.config import Brand, Federation
from observatory.exports import images
from observatory.exports.common import ExportContext, today
from observatory.views import Card, Metric, View, access

log = logging.getLogger(__name__)

FORMATS = ("pdf", "png", "svg")
MIMES = {"pdf": "application/pdf", "png": images.PNG_MIME, "svg": images.SVG_MIME}
# A4 portrait in points: the SVG's user units, hence the PDF's page size.
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN = 28.0
PNG_SCALE = 2.8  # 1667 × 2357 px: sharp on a portal and printable at 200 dpi
INK, GREY, LIGHT = "#1f1f1f", "#5a5a5a", "#f3f5f7"
MAX_CARDS = 8
ZOOM = 1.6  # a chart is drawn this much larger than its box, then fitted: 12 px labels ≈ 9 pt


# -- text ---------------------------------------------------------------------------------------
# Liberation Sans has the metrics of Helvetica (and Arial): its widths, per 1000 units of size.
_WIDTHS = {False: CORE_FONTS_CHARWIDTHS["helvetica"], True: CORE_FONTS_CHARWIDTHS["helveticaB"]}
_NARROW = {"\u202f": 0.16, "\u2009": 0.16, "\u00a0": 0.278}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in points at ``size``."""
    table = _WIDTHS[bold]
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += _NARROW[ch] * 1000
            continue
        try:
            key = ch.encode("cp1252").decode("latin-1")
        except UnicodeEncodeError:
            key = "o"
        total += table.get(key, 556)
    return total * size / 1000


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (words kept whole; a no-break space holds),
    set in French typography first, so that no sign is left alone at a break."""
    lines: list[str] = []
    for paragraph in formats.typography(str(text)).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


@dataclass
class Canvas:
    """An SVG page being drawn, in points from the top left, in the federation's brand."""

    brand: Brand
    parts: list[str] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, radius: float = 0,
             stroke: str | None = None) -> None:
        line = f' stroke="{stroke}" stroke-width="0.8"' if stroke else ""
        self.parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                          f'rx="{radius}" fill="{fill}"{line}/>')

    def text(self, x: float, y: float, text: str, size: float, *, bold: bool = False,
             color: str = INK, anchor: str = "start") -> None:
        """One line, in French typography; ``y`` is its baseline."""
        text = formats.typography(text)
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-family="{escape(self.brand.font_stack)}" '
            f'font-size="{size}"{weight} fill="{color}" text-anchor="{anchor}" '
            f'xml:space="preserve">{escape(text)}</text>')

    def paragraph(self, x: float, y: float, text: str, size: float, width: float, *,
                  bold: bool = False, color: str = INK, leading: float = 1.25,
                  max_lines: int = 99) -> float:
        """Wrapped text from the top ``y``; returns the y below it."""
        lines = wrap(text, size, width, bold)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            while lines[-1] and text_width(lines[-1] + " …", size, bold) > width:
                lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else lines[-1][:-1]
            lines[-1] += " …"
        for i, line in enumerate(lines):
            self.text(x, y + size * (0.85 + i * leading), line, size, bold=bold, color=color)
        return y + size * leading * len(lines)

    def image(self, x: float, y: float, w: float, h: float, path: Path) -> None:
        mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
        data = base64.b64encode(path.read_bytes()).decode()
        self.parts.append(f'<image x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                          f'preserveAspectRatio="xMinYMid meet" href="data:{mime};base64,{data}"/>')

    def svg(self, x: float, y: float, w: float, h: float, svg: str) -> None:
        """A rendered chart fitted into the box (its proportions kept, centred)."""
        svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg.strip())
        match = re.match(r"<svg\b[^>]*>", svg)
        if match is None:
            return
        head = match.group(0)
        box = re.search(r'viewBox="([^"]+)"', head)
        if box is None:
            sizes = [re.search(rf'{k}="([\d.]+)', head) for k in ("width", "height")]
            view = f"0 0 {sizes[0].group(1) if sizes[0] else w} {sizes[1].group(1) if sizes[1] else h}"
        else:
            view = box.group(1)
        new = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
               f' x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" viewBox="{view}" '
               'preserveAspectRatio="xMidYMin meet">')
        self.parts.append(new + svg[match.end():])

    def document(self) -> str:
        return ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
                f' width="{PAGE_W}" height="{PAGE_H}" viewBox="0 0 {PAGE_W} {PAGE_H}">'
                f'<rect width="{PAGE_W}" height="{PAGE_H}" fill="white"/>'
                + "".join(self.parts) + "</svg>")


# -- blocks ---------------------------------------------------------------------------------------
def _band(c: Canvas, federation: Federation, kicker: str, title: str, subtitle: str) -> float:
    """The federation's band: logo, kicker, title, subtitle; returns the y below it."""
    c.rect(0, 0, PAGE_W, 6, c.brand.accent)
    logo = c.brand.logo_svg or c.brand.logo_path  # the vector where there is one
    if logo is not None:
        c.image(MARGIN, 22, 120, 36, logo)
    else:
        c.text(MARGIN, 46, federation.name, 16, bold=True, color=c.brand.primary)
    c.text(PAGE_W - MARGIN, 34, kicker, 9, bold=True, color=GREY, anchor="end")
    c.text(PAGE_W - MARGIN, 48, federation.region, 9, color=GREY, anchor="end")
    y = c.paragraph(MARGIN, 66, title, 22, PAGE_W - 2 * MARGIN, bold=True,
                    color=c.brand.primary, leading=1.15, max_lines=2)
    if subtitle:
        y = c.paragraph(MARGIN, y + 2, subtitle, 9.5, PAGE_W - 2 * MARGIN, color=GREY,
                        max_lines=3)
    return y + 8


def _numbers(c: Canvas, metrics: list[Metric], y: float, deltas: bool = False) -> float:
    """The headline numbers in a row of tiles; returns the y below them."""
    if not metrics:
        return y
    gap = 8.0
    n = len(metrics)
    w = (PAGE_W - 2 * MARGIN - gap * (n - 1)) / n
    h = 54.0 if not deltas else 70.0
    for i, m in enumerate(metrics):
        x = MARGIN + i * (w + gap)
        c.rect(x, y, w, h, c.brand.primary, radius=6)
        size = 22 if text_width(m.value, 22, True) < w - 16 else 17
        c.text(x + 10, y + 27, m.value, size, bold=True, color="white")
        c.paragraph(x + 10, y + 33, m.label, 8.5, w - 20, color="white", max_lines=2)
        if deltas and m.delta is not None:
            c.text(x + 10, y + h - 9, m.delta, 8.5, bold=True, color="white")
    return y + h + 10


def _card(c: Canvas, x: float, y: float, w: float, h: float, card: Card, fig: Figure | None,
          context: ExportContext, *, wide: bool = False) -> None:
    """One question: title, question, big number, takeaway, then its chart and n; ``wide``:
    the text on the left, the chart on the right."""
    c.rect(x, y, w, h, LIGHT, radius=6)
    pad = 10.0
    inner = (w - 3 * pad) * 0.46 if wide else w - 2 * pad
    top = c.paragraph(x + pad, y + pad, card.title, 11.5, inner, bold=True, max_lines=2)
    if fig is not None and fig.title != card.title:
        top = c.paragraph(x + pad, top + 1, fig.title, 7.5, inner, color=GREY, max_lines=2)
    top += 4
    if card.withheld:
        top = c.paragraph(x + pad, top + 4, card.withheld[0].upper() + card.withheld[1:] + ".",
                          9, inner, color=GREY, max_lines=3) + 6
        if fig is None or fig.withheld:
            return
    elif card.value:
        c.text(x + pad, top + 24, card.value, 26, bold=True, color=c.brand.primary)
        vx = x + pad + text_width(card.value, 26, True) + 8
        c.paragraph(vx, top + 8, card.value_label, 8.5, x + pad + inner - vx, color=GREY,
                    max_lines=2)
        top += 32
    if card.takeaway:
        top = c.paragraph(x + pad, top, card.takeaway, 8.5, inner, max_lines=5) + 4
    if card.groups:
        top = c.paragraph(x + pad, top, card.groups, 7.5, inner, color=GREY, max_lines=3) + 3
    if fig is None:
        return
    foot = y + h - pad
    note = fig.summary.split(" · ")[0]
    if fig.masked_cells:
        note += f" · {privacy.masked_note()}"
    c.text(x + pad, foot, note, 7, color=GREY)
    if wide:
        left, top, width, room = x + 2 * pad + inner, y + pad, w - 3 * pad - inner, h - 2 * pad
    else:
        left, width, room = x + pad, inner, foot - 10 - top
    if room > 30:
        try:
            svg = chart_svg(fig, context, width, room)
        except (images.NoChart, images.RenderError) as exc:
            c.paragraph(left, top + 4, str(exc), 8, width, color=GREY, max_lines=3)
        else:
            c.svg(left, top, width, room, svg)


def _cards(c: Canvas, cards: list[tuple[Card, Figure | None]], y: float, bottom: float,
           context: ExportContext) -> float:
    """Up to four cards one above the other (text beside the chart), more in two columns."""
    if not cards:
        return y
    gap = 10.0
    wide = len(cards) <= 4
    per_row = 1 if wide else 2
    rows = -(-len(cards) // per_row)
    w = (PAGE_W - 2 * MARGIN - gap * (per_row - 1)) / per_row
    h = min((bottom - y - gap * (rows - 1)) / rows, 190.0)
    for i, (card, fig) in enumerate(cards):
        _card(c, MARGIN + (i % per_row) * (w + gap), y + (i // per_row) * (h + gap), w, h,
              card, fig, context, wide=wide)
    return y + rows * (h + gap)


def chart_svg(fig: Figure, context: ExportContext, width: float, height: float) -> str:
    """The figure's chart drawn to fill a box of ``width`` × ``height`` points (no title: the
    card says it), as SVG text."""
    spec = images.export_spec(fig, context, header=False)
    natural = spec.get("height")
    room = round(height * ZOOM)
    # a chart keeps its own height (bars of a readable thickness) unless the box is smaller
    tall = natural + 40 if isinstance(natural, int | float) and "projection" not in spec \
        else room
    spec["width"], spec["height"] = round(width * ZOOM), min(room, tall)
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec["padding"] = 4
    return str(images._render(fig, images.render_svg, images.spec_json(spec)))


def _footer(c: Canvas, lines: list[str]) -> None:
    y = PAGE_H - MARGIN - 11 * (len(lines) - 1)
    c.rect(MARGIN, y - 14, PAGE_W - 2 * MARGIN, 0.8, c.brand.accent)
    for i, line in enumerate(lines):
        c.text(MARGIN, y + 11 * i, line, 7.5, color=GREY)


def _footer_lines(view: View, context: ExportContext, source: str) -> list[str]:
    lines = [source, f"{context.scope_label} · {context.federation_name} · exporté le "
                     f"{context.date_text} · Observatoire de l'exercice coordonné"]
    if any(access.masked_note() == n for n in view.notes):
        lines.insert(1, access.masked_note())
    return [line for raw in lines for line in wrap(raw, 7.5, PAGE_W - 2 * MARGIN)]


def render(svg: str, fmt: str) -> bytes:
    """The page in ``fmt``: the SVG itself, or vl-convert's PNG or PDF of it."""
    if fmt == "svg":
        return svg.encode()
    images._register_fonts()
    if fmt == "png":
        return vlc.svg_to_png(svg, scale=PNG_SCALE)
    if fmt == "pdf":
        return vlc.svg_to_pdf(svg)
    raise ValueError(f"format inconnu : {fmt} (attendu : {', '.join(FORMATS)})")


# -- the two pages -----------------------------------------------------------------------------
def survey_svg(view: View, federation: Federation, *, export_date: dt.date | None = None,
               limit: int | None = None) -> str:
    """A survey's infographic (the view of ``views.surveys.build``) as one A4 SVG page."""
    view = access.protect(view, limit)
    context = ExportContext(view.scope_label, federation.name, export_date or today())
    c = Canvas(federation.brand)
    objective = next((n.removeprefix("Objectif : ") for n in view.notes
                      if n.startswith("Objectif : ")), "")
    y = _band(c, federation, "ENQUÊTE FLASH", view.title,
              " · ".join(p for p in (view.scope_label, objective) if p))
    footer_source = "Source : enquête flash, réponses complètes."
    if view.empty_message:
        c.paragraph(MARGIN, y + 20, view.empty_message, 13, PAGE_W - 2 * MARGIN, color=GREY)
    else:
        shown = [m for m in view.metrics if m.label != "Réponses incomplètes"]
        y = _numbers(c, shown, y)
        by_key = {f.key: f for f in view.figures}
        cards = [(card, by_key.get(card.figure)) for card in view.cards[:MAX_CARDS]]
        who = by_key.get("repondants_par_profession")
        if (len(cards) % 2 or len(cards) < 4) and who is not None:  # a free slot: who answered
            cards.append((Card(who.key, "Qui a répondu ?", "", "", ""), who))
        if len(view.cards) > MAX_CARDS:
            view.notes.append(f"{len(view.cards) - MAX_CARDS} autres questions dans "
                              "l'observatoire.")
        lines = _footer_lines(view, context, footer_source if not view.figures else
                              f"Source : {view.figures[0].source} ; réponses complètes.")
        _footer(c, lines)
        _cards(c, cards, y, PAGE_H - MARGIN - 11 * len(lines) - 14, context)
        return c.document()
    _footer(c, _footer_lines(view, context, footer_source))
    return c.document()


def _change(metric: Metric, year: int) -> str:
    """« +14 par rapport à 2024 (+9 %) » from a key figure and its one-year difference."""
    if metric.delta is None:
        return f"pas de comparaison avec {year - 1}"
    try:
        now = float(re.sub(r"[^\d,-]", "", metric.value).replace(",", "."))
        diff = float(re.sub(r"[^\d,+-]", "", metric.delta.replace("−", "-")).replace(",", "."))
    except ValueError:
        return f"{metric.delta} par rapport à {year - 1}"
    delta = metric.delta.replace("-", "−")
    return f"{delta} par rapport à {year - 1} ({formats.change(now, now - diff)})"


def key_figures_svg(home: View, departements: View, federation: Federation, year: int, *,
                    export_date: dt.date | None = None, limit: int | None = None) -> str:
    """The year's key figures (``views.home.build``) and the map of member teams
    (``views.carte.build``) as one A4 page: the front page of an activity report."""
    home = access.protect(home, limit)
    departements = access.protect(departements, limit)
    context = ExportContext(home.scope_label, federation.name, export_date or today())
    c = Canvas(federation.brand)
    y = _band(c, federation, "CHIFFRES CLÉS", f"L'exercice coordonné en {year}",
              f"{home.scope_label} · les chiffres de l'année et leur évolution sur un an")
    sources = ("Sources : formulaires d'adhésion, journal des facilitations, enquêtes flash "
               f"{year} ; les évolutions comparent à {year - 1}, source par source.")
    lines = _footer_lines(home, context, sources)
    _footer(c, lines)
    if home.empty_message:
        c.paragraph(MARGIN, y + 20, home.empty_message, 13, PAGE_W - 2 * MARGIN, color=GREY)
        return c.document()
    metrics = [dataclasses.replace(m, delta=_change(m, year))
               for m in home.metrics if "ACI" not in m.label]
    for row in (metrics[:2], metrics[2:4]):
        y = _numbers(c, row, y, deltas=True)
    bottom = PAGE_H - MARGIN - 11 * len(lines) - 14
    gap = 10.0
    width = PAGE_W - 2 * MARGIN
    carte = departements.figures[0] if departements.figures else None
    map_h = (bottom - y - gap) * 0.56
    if carte is not None:
        _card(c, MARGIN, y, width, map_h,
              Card(carte.key, "Équipes adhérentes par département", "", "", ""),
              dataclasses.replace(carte, title="Équipes adhérentes par département"), context)
        y += map_h + gap
    by_key = {f.key: f for f in home.figures}
    side = [by_key[k] for k in ("adherents_par_type", "facilitations_par_type") if k in by_key]
    w = (width - gap * (len(side) - 1)) / max(1, len(side))
    for i, fig in enumerate(side):
        _card(c, MARGIN + i * (w + gap), y, w, bottom - y, Card(fig.key, fig.title, "", "", ""),
              fig, context)
    return c.document()


def survey_page(view: View, federation: Federation, fmt: str, **kwargs: Any) -> bytes:
    data = render(survey_svg(view, federation, **kwargs), fmt)
    log.info("infographie « %s » (%s) : %d octets", view.title, fmt, len(data))
    return data


def key_figures_page(home: View, departements: View, federation: Federation, year: int,
                     fmt: str, **kwargs: Any) -> bytes:
    data = render(key_figures_svg(home, departements, federation, year, **kwargs), fmt)
    log.info("infographie chiffres clés %d (%s) : %d octets", year, fmt, len(data))
    return data
