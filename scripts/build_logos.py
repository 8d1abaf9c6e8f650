"""Write the neutral word-mark logo of each shipped federation profile (SVG and PNG).

    .venv/bin/python scripts/build_logos.py

A logo made by the project, not the federation's own: a rounded square of the profile's primary
colour with its initial, the federation's name beside it and « Observatoire de l’exercice
coordonné » under it. The letters are drawn as outlines (DejaVu Sans, read with fontTools, which
fpdf2 already brings), so the SVG looks the same without the font; the PNG is the SVG rendered
by vl-convert. The outputs are committed in observatory/federations/logos/; a federation replaces
them with its own files and points ``[brand] logo`` at them.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from xml.sax.saxutils import escape

import vl_convert as vlc
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from observatory import config  # noqa: E402

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/share/fonts/TTF"))
TAGLINE = "Observatoire de l’exercice coordonné"
GREY = "#555555"
HEIGHT = 120  # px of the SVG's view box; the PNG is drawn at 4× (480 px high)


def _font(name: str) -> TTFont:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return TTFont(folder / name)
    raise SystemExit(f"{name} introuvable (paquet Debian fonts-dejavu-core)")


def text_path(font: TTFont, text: str, size: float, x: float, baseline: float) -> tuple[str, float]:
    """``text`` as one SVG path (outlines) starting at ``x``; returns it and its advance (px)."""
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    scale = size / font["head"].unitsPerEm
    pen = SVGPathPen(glyphs)
    advance = 0.0
    for char in text:
        name = cmap.get(ord(char), ".notdef")
        outline = DecomposingRecordingPen(glyphs)  # accented letters are composites
        glyphs[name].draw(outline)
        # y up in the font, down in SVG
        outline.replay(TransformPen(pen, (scale, 0, 0, -scale, x + advance, baseline)))
        advance += glyphs[name].width * scale
    return pen.getCommands(), advance


def word_mark(name_text: str, primary: str, accent: str) -> str:
    """The SVG text of a federation's word-mark."""
    bold, regular = _font("DejaVuSans-Bold.ttf"), _font("DejaVuSans.ttf")
    mark = HEIGHT - 16
    initial, width = text_path(bold, name_text[0].upper(), 64, 0, 0)
    initial_x = 8 + (mark - width) / 2
    initial, _ = text_path(bold, name_text[0].upper(), 64, initial_x, 8 + mark / 2 + 23)
    name, name_w = text_path(bold, name_text, 46, mark + 30, 62)
    tagline, tag_w = text_path(regular, TAGLINE, 17, mark + 32, 94)
    label = escape(name_text, {'"': "&quot;"})
    total = round(mark + 30 + max(name_w, tag_w) + 12)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" '
            f'viewBox="0 0 {total} {HEIGHT}" role="img" aria-label="{label}">\n'
            f'  <title>{label} — {TAGLINE}</title>\n'
            f'  <rect x="8" y="8" width="{mark}" height="{mark}" rx="18" fill="{primary}"/>\n'
            f'  <rect x="30" y="{8 + mark - 24}" width="{mark - 44}" height="7" rx="3.5" '
            f'fill="{accent}"/>\n'
            f'  <path d="{initial}" fill="#ffffff"/>\n'
            f'  <path d="{name}" fill="{primary}"/>\n'
            f'  <path d="{tagline}" fill="{GREY}"/>\n'
            '</svg>\n')


def main() -> None:
    # the profiles read as TOML: loading them would check the very files written here
    for profile in sorted(config.FEDERATIONS_DIR.glob("*.toml")):
        raw = tomllib.loads(profile.read_text(encoding="utf-8"))
        brand = raw.get("brand", {})
        svg = word_mark(raw["name"], brand.get("primary", config.Brand.primary),
                        brand.get("accent", config.Brand.accent))
        target = config.FEDERATIONS_DIR / "logos" / raw["id"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.with_suffix(".svg").write_text(svg, encoding="utf-8")
        target.with_suffix(".png").write_bytes(vlc.svg_to_png(svg, scale=4))
        print(target.with_suffix(".svg").relative_to(ROOT), target.with_suffix(".png").name)


if __name__ == "__main__":
    main()
