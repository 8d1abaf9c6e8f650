"""PNG and SVG of a chart, rendered on the server by vl-convert from the spec the page shows.

The export works on a copy of the spec: a fixed width instead of ``"container"``, and the title
block rewritten so that a chart pasted alone into a slide still says what it is — title, n and
source, the filters in force, the federation and the export date. Survey counts below the
threshold, and the cells that would give them away, are removed from the chart's data
(``views.access.protect_figure``; a note says so). No network: vl-convert bundles
Vega, Vega-Lite and the Liberation Sans font the theme asks for, and external data URLs are
refused.
"""

from __future__ import annotations

import functools
import json
import logging
import struct
import textwrap
from pathlib import Path
from typing import Any

import vl_convert as vlc

from observatory import privacy
from observatory.charts import FR_LOCALE, Figure
from observatory.exports.common import ExportContext
from observatory.views import access

log = logging.getLogger(__name__)

EXPORT_WIDTH = 800  # px of plot area; the image adds axes, legend and titles around it
EXPORT_HEIGHT = 400  # only used when a chart asks for height="container"
PNG_SCALE = 2  # presentation resolution
SUBTITLE_WRAP = 115  # characters per subtitle line at the export width
PNG_MIME = "image/png"
SVG_MIME = "image/svg+xml"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"


class NoChart(ValueError):
    """The figure has no chart or no data to draw."""


class RenderError(ValueError):
    """vl-convert could not draw the spec (the message says which chart and why)."""


def _render(fig: Figure, render: Any, *args: Any) -> Any:
    try:
        return render(*args)
    except ValueError as exc:
        reason = next((line.strip() for line in str(exc).splitlines()
                       if line.strip().startswith("Error")), str(exc).splitlines()[0])
        raise RenderError(f"{fig.title} : le graphique n'a pas pu être dessiné ({reason}).") \
            from exc


@functools.cache
def _register_fonts() -> None:
    """Fonts shipped next to this module (if any) are offered to vl-convert, once."""
    if FONTS_DIR.is_dir() and any(FONTS_DIR.glob("*.[to]tf")):
        vlc.register_font_directory(str(FONTS_DIR))


def _fixed_size(node: Any, width: int, height: int) -> Any:
    """Every ``"container"`` width/height in the spec (top level or nested) replaced."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "width" and value == "container":
                out[key] = width
            elif key == "height" and value == "container":
                out[key] = height
            else:
                out[key] = _fixed_size(value, width, height)
        return out
    if isinstance(node, list):
        return [_fixed_size(v, width, height) for v in node]
    return node


def subtitle_lines(fig: Figure, context: ExportContext) -> list[str]:
    """n and source (and notes), the masking note, then filters · federation · export date."""
    lines = textwrap.wrap(" · ".join(p for p in (fig.summary, fig.notes) if p),
                          SUBTITLE_WRAP) or []
    if fig.masked_cells:
        lines.append(privacy.masked_note())
    lines.extend(textwrap.wrap(context.line, SUBTITLE_WRAP))
    return lines


def export_spec(fig: Figure, context: ExportContext, *, width: int = EXPORT_WIDTH,
                limit: int | None = None, header: bool = True) -> dict[str, Any]:
    """The figure's Vega-Lite spec ready for a standalone image (a copy; the figure is untouched).

    ``header=False`` drops the title block, for a slide or a page that already carries the
    title, n, source, filters and date around the image.
    """
    fig = access.protect_figure(fig, limit)
    if fig.withheld:  # too few to show is not "no data": the file says which
        raise NoChart(f"{fig.title} : {fig.withheld}.")
    if fig.chart is None or fig.data is None or not len(fig.data):
        raise NoChart(f"{fig.title} : aucune donnée pour ce périmètre.")
    # The page validated this spec when it drew it: no second JSON-schema pass here.
    spec = _fixed_size(fig.chart.to_dict(validate=False), width, EXPORT_HEIGHT)
    log.debug("image de « %s » : %d effectif(s) masqué(s)", fig.title, fig.masked_cells)
    if not header:
        spec.pop("title", None)
        spec.setdefault("background", "white")
        return spec
    title = spec.get("title")
    title = dict(title) if isinstance(title, dict) else {}
    title["text"] = fig.title
    title["subtitle"] = subtitle_lines(fig, context)
    spec["title"] = title
    spec.setdefault("background", "white")
    return spec


def spec_json(spec: dict[str, Any]) -> str:
    """The canonical text of a spec: what caches are keyed on."""
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)


def _locale_kwargs() -> dict[str, Any]:
    return {"format_locale": FR_LOCALE["number"], "time_format_locale": FR_LOCALE["time"],
            "allowed_base_urls": []}


@functools.lru_cache(maxsize=256)
def render_png(spec_text: str, scale: float = PNG_SCALE) -> bytes:
    """PNG bytes of a Vega-Lite spec (JSON text), French locale, no network."""
    _register_fonts()
    return vlc.vegalite_to_png(spec_text, scale=scale, **_locale_kwargs())


@functools.lru_cache(maxsize=256)
def render_svg(spec_text: str) -> str:
    """SVG text of a Vega-Lite spec (JSON text), French locale, no network."""
    _register_fonts()
    return vlc.vegalite_to_svg(spec_text, **_locale_kwargs())


def png(fig: Figure, context: ExportContext, *, scale: float = PNG_SCALE,
        width: int = EXPORT_WIDTH, limit: int | None = None, header: bool = True) -> bytes:
    """The figure as a PNG (2× by default: sharp on a projector and in a slide)."""
    text = spec_json(export_spec(fig, context, width=width, limit=limit, header=header))
    return _render(fig, render_png, text, scale)


def svg(fig: Figure, context: ExportContext, *, width: int = EXPORT_WIDTH,
        limit: int | None = None, header: bool = True) -> bytes:
    """The figure as an SVG file (UTF-8 bytes)."""
    text = spec_json(export_spec(fig, context, width=width, limit=limit, header=header))
    return _render(fig, render_svg, text).encode()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from the PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("pas une image PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def chart_png(chart: Any, *, width: int = EXPORT_WIDTH, height: int = EXPORT_HEIGHT,
              scale: float = PNG_SCALE) -> bytes:
    """PNG of an Altair chart (or a Vega-Lite dict) built for an export: no Figure around it,
    no title rewriting; only ``"container"`` sizes are fixed."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    spec = _fixed_size(spec, width, height)
    spec.setdefault("background", "white")
    return render_png(spec_json(spec), scale)
