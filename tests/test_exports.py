"""Exports on real files: PNG/SVG from vl-convert, CSV/XLSX, PPTX, PDF, the département sheet,
the privacy rules over every view and format, and ``observatory export``."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib
import io
import pkgutil
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.util import Emu

from observatory import charts, privacy, store
from observatory.charts import Figure
from observatory.config import get_federation
from observatory.exports import cli as export_cli
from observatory.exports import deck, departement_sheet, images, pdf, tables
from observatory.exports.common import ExportContext, french_date
from observatory.filters import Scope
from observatory.views import Table, View, access

DAY = dt.date(2026, 11, 25)
FED = get_federation("femasaura")
SVG_NS = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ helpers


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_texts(data: bytes) -> tuple[ET.Element, list[str]]:
    """The SVG root and its text lines (a multi-line title is one <text> with a <tspan> per line)."""
    root = ET.fromstring(data)
    lines = []
    for text in root.iter(f"{SVG_NS}text"):
        spans = list(text.iter(f"{SVG_NS}tspan"))
        lines.extend("".join(s.itertext()) for s in spans) if spans else \
            lines.append("".join(text.itertext()))
    return root, lines


def _pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number → (dictionary bytes, decoded stream or None), for fpdf2's plain layout."""
    objects = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*", data):
        end = data.find(b"endobj", m.end())
        start_stream = data.find(b"stream\n", m.end())
        if start_stream != -1 and start_stream < end:
            head = data[m.end():start_stream]
            length = int(re.search(rb"/Length (\d+)", head)[1])
            raw = data[start_stream + 7:start_stream + 7 + length]
            if b"/FlateDecode" in head:
                try:
                    raw = zlib.decompress(raw)
                except zlib.error:
                    raw = None
            objects[int(m[1])] = (head, raw)
        else:
            objects[int(m[1])] = (data[m.end():end], None)
    return objects


def _unescape_pdf_string(s: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(s):
        c = s[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = s[i + 1:i + 2]
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", s[i + 1:i + 4])[0]
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out += nxt
            i += 2
    return bytes(out)


def pdf_pages(data: bytes) -> int:
    assert data.startswith(b"%PDF-")
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def pdf_text(data: bytes) -> str:
    """Every string drawn by the PDF, decoded through the fonts' ToUnicode maps (or cp1252)."""
    objects = _pdf_objects(data)
    font_objects = {}
    for _, (head, _stream) in objects.items():
        for name, num in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            font_objects[name.decode()] = int(num)
    maps: dict[str, dict[int, str] | None] = {}
    for name, num in font_objects.items():
        head = objects[num][0]
        ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if not ref:
            maps[name] = None  # a standard font: Windows-1252 bytes
            continue
        cmap = objects[int(ref[1])][1].decode("latin-1")
        mapping = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                          block):
                for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    mapping[code] = chr(int(dst, 16) + k)
        maps[name] = mapping
    token = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
    parts = []
    for _, (head, stream) in objects.items():
        if not stream or b"BT" not in stream or b"/Subtype" in head:
            continue
        current = None
        for m in token.finditer(stream):
            if m[1]:
                current = m[1].decode()
                continue
            raw = _unescape_pdf_string(m[2])
            mapping = maps.get(current)
            if mapping is None:
                parts.append(raw.decode("cp1252", "replace"))
            else:
                parts.append("".join(mapping.get(int.from_bytes(raw[i:i + 2], "big"), "?")
                                     for i in range(0, len(raw) - 1, 2)))
        parts.append("\n")
    return " ".join(parts)


def zip_xml_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(html.unescape(z.read(n).decode("utf-8", "replace"))
                         for n in z.namelist() if n.endswith((".xml", ".rels")))


def read_csv(data: bytes, **kwargs) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without UTF-8 byte order mark"
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", **kwargs)


@pytest.fixture(scope="module")
def home(demo_db: Path) -> View:
    from observatory.views import home

    return home.build(Scope(year=2025), FED, demo_db)


@pytest.fixture
def ctx() -> ExportContext:
    return ExportContext("Auvergne-Rhône-Alpes · 2025", FED.name, DAY)


def survey_figure(counts: list[int]) -> Figure:
    df = pd.DataFrame({"Profession": [f"Profession {i}" for i in range(len(counts))],
                       "Répondants": counts,
                       "Part (%)": [round(100 * c / sum(counts), 1) for c in counts]})
    chart = charts.bars(df, "Profession", "Répondants", category_title="Profession",
                        value_title="Répondants")
    fig = Figure("repondants_profession", "Répondants par profession", None, df, sum(counts),
                 "répondants", "enquête flash test", count_columns=("Répondants",))
    fig.chart = charts.titled(chart, fig.title, fig.caption)
    return fig


# ------------------------------------------------------------------------------ images


def test_png_and_svg_of_a_page_chart(home: View, ctx: ExportContext) -> None:
    fig = home.figures[0]
    png = images.png(fig, ctx)
    svg = images.svg(fig, ctx)
    root, texts = svg_texts(svg)
    w, h = float(root.get("width")), float(root.get("height"))
    assert png_size(png) == (round(2 * w), round(2 * h))  # presentation resolution: scale 2
    assert w >= images.EXPORT_WIDTH  # fixed width instead of "container"
    joined = " ".join(texts)
    for expected in (fig.title, "n = 172 équipes en 2025", "formulaires d'adhésion 2024 et 2025",
                     "Auvergne-Rhône-Alpes · 2025", FED.name, "exporté le 25 novembre 2026"):
        assert expected in joined, expected
    # the page's own chart is untouched
    assert fig.chart.to_dict()["width"] == "container"


def test_svg_keeps_french_formats(ctx: ExportContext) -> None:
    df = pd.DataFrame({"mois": pd.date_range("2025-01-01", periods=6, freq="MS"),
                       "n": [1000, 4500, 12000, 8000, 15000, 2500]})
    fig = Figure("mensuel", "Par mois", None, df, 43000, "facilitations", "test")
    fig.chart = charts.titled(charts.line(df, "mois", "n", x_title="Mois", value_title="n"),
                              fig.title, fig.caption)
    _, texts = svg_texts(images.svg(fig, ctx))
    assert "12\u00a0000" in texts  # thousands separator of the French locale
    assert any(t.startswith("janv.") for t in texts)  # French month names
    assert "n = 43\u00a0000 facilitations · Source\u202f: test" in texts


def test_chart_image_masks_small_counts(ctx: ExportContext) -> None:
    fig = survey_figure([3, 12, 40])
    spec = images.export_spec(fig, ctx)
    rows = next(iter(spec["datasets"].values()))
    # the small count's row is removed, and so is the smallest other one: n = 55 is shown, and
    # 55 − 12 − 40 would give the 3 away
    assert [r["Répondants"] for r in rows] == [40]
    _, texts = svg_texts(images.svg(fig, ctx))
    assert "valeurs < 5 masquées" in texts
    assert "Profession 0" not in texts  # the masked bar is not drawn
    assert fig.data["Répondants"].tolist() == [3, 12, 40]  # the page's data is untouched


def test_chart_without_data_is_refused(ctx: ExportContext) -> None:
    fig = Figure("vide", "Vide", None, pd.DataFrame(), 0)
    with pytest.raises(images.NoChart):
        images.png(fig, ctx)


# ------------------------------------------------------------------------------ CSV / XLSX


def test_csv_round_trips_for_french_excel(home: View) -> None:
    table = home.tables[0]
    data = tables.table_csv(table)
    assert b";" in data.splitlines()[0]
    back = read_csv(data, dtype={"Code": str})
    pd.testing.assert_frame_equal(back, table.data.reset_index(drop=True), check_dtype=False)
    fig = home.figures[0]
    back = read_csv(tables.figure_csv(fig), dtype={"Année": str})
    pd.testing.assert_frame_equal(back, fig.data.reset_index(drop=True), check_dtype=False)


def test_csv_decimal_comma_and_negative_numbers() -> None:
    df = pd.DataFrame({"Nom": ["a", "b"], "Écart": [-2.25, 1.5], "Solde": [-3, 4]})
    data = tables.frame_to_csv(privacy.safe_frame(df)[0])
    text = data.decode("utf-8-sig")
    assert "a;-2,25;-3" in text  # numbers stay numbers: never neutralised
    back = read_csv(data)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


HOSTILE = ['=HYPERLINK("http://x")', "+33 6 00", "-1+1", "@SUM(A1)", "\tcaché", "\rretour"]


def test_formulas_are_neutralised_in_csv_and_xlsx() -> None:
    table = Table("equipes", "Équipes", pd.DataFrame({
        "Équipe": HOSTILE, "Solde": [-3, 1, 2, 3, 4, 5]}))
    back = read_csv(tables.table_csv(table), keep_default_na=False)
    assert back["Équipe"].tolist() == ["'" + s for s in HOSTILE]
    assert back["Solde"].tolist() == [-3, 1, 2, 3, 4, 5]

    wb = load_workbook(io.BytesIO(tables.table_xlsx(table)))
    ws = wb["Données"]
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == "'" + HOSTILE[0]
    for row in range(2, 8):
        assert ws.cell(row, 1).data_type == "s"
        assert not str(ws.cell(row, 1).value).startswith(tuple("=+-@\t\r"))
    assert ws["B2"].value == -3 and ws["B2"].data_type == "n"
    with zipfile.ZipFile(io.BytesIO(tables.table_xlsx(table))) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere


@pytest.mark.parametrize("text", [*HOSTILE, "=1+1", "@SOMME(A1)", "+cmd|' /C calc'!A0",
                                  "-2+3+cmd|' /C calc'!A0", "+33 MSP", "- la coordination"])
def test_the_formula_rule_is_one_rule(text: str) -> None:
    """What an import refuses as a formula, an export neutralises (exports neutralise more)."""
    if privacy.looks_like_formula(text):
        assert privacy.neutralise(text) == "'" + text
    assert privacy.clean_text(text).startswith("'")


def test_xlsx_keeps_numbers_and_says_what_it_is(home: View, ctx: ExportContext) -> None:
    fig = home.figures[1]
    wb = load_workbook(io.BytesIO(tables.figure_xlsx(fig, ctx)))
    data = pd.DataFrame(wb["Données"].values)
    assert data.iloc[0].tolist() == list(fig.data.columns)
    assert data.iloc[1:, 1].tolist() == fig.data.iloc[:, 1].tolist()
    info = dict(wb["Informations"].values)
    assert info["Titre"] == fig.title
    assert info["Périmètre (filtres)"] == ctx.scope_label
    assert info["Exporté le"] == "25 novembre 2026"


def test_small_counts_masked_in_csv_and_xlsx(monkeypatch: pytest.MonkeyPatch) -> None:
    fig = survey_figure([3, 12, 40])
    back = read_csv(tables.figure_csv(fig))
    assert back["Répondants"].tolist() == ["< 5", "< 5", "40"]  # and its complement
    assert back["Part (%)"].iloc[0] == "masqué"
    ws = load_workbook(io.BytesIO(tables.figure_xlsx(fig)))["Données"]
    assert ws["B2"].value == ws["B3"].value == "< 5" and ws["B4"].value == 40

    monkeypatch.setenv("OBSERVATORY_SMALL_COUNT", "15")  # the setting, read at each call
    back = read_csv(tables.figure_csv(fig))
    assert back["Répondants"].tolist() == ["< 15", "< 15", "40"]
    masked = access.protect_figure(fig)
    assert images.subtitle_lines(masked, ExportContext("x"))[1] == "valeurs < 15 masquées"


def test_personal_columns_and_emails_never_leave() -> None:
    df = pd.DataFrame({"Équipe": ["MSP A"], "Courriel": ["a@b.fr"], "E-mail": ["c@d.fr"],
                       "Contact": ["x"], "Facilitateurs": ["Jeanne Martin"],
                       "Facilitatrice": ["Zoé"], "Téléphone": ["0600"],
                       "Facilitations": [4], "Équipes facilitées": [2],
                       "Note": ["écrire à jeanne@exemple.fr"]})
    back = read_csv(tables.table_csv(Table("t", "T", df)))
    assert list(back.columns) == ["Équipe", "Facilitations", "Équipes facilitées", "Note"]
    assert back["Note"].iloc[0] == "écrire à [courriel masqué]"


# ------------------------------------------------------------------------------ PPTX / PDF


def test_deck_of_the_home_view(home: View) -> None:
    prs = Presentation(io.BytesIO(deck(home, FED, export_date=DAY)))
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))  # 16:9
    slides = list(prs.slides)
    titles = [s.shapes.title.text for s in slides]
    assert titles == [home.title, "Chiffres clés", "En graphiques",
                      *[f.title for f in home.figures], "En tableaux",
                      *[t.title for t in home.tables]]
    first = " ".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    assert home.scope_label in first and "25 novembre 2026" in first and FED.name in first
    metrics = " ".join(sh.text_frame.text for sh in slides[1].shapes if sh.has_text_frame)
    assert "172" in metrics and "Équipes adhérentes" in metrics
    chart = slides[3]
    pictures = [sh for sh in chart.shapes if sh.shape_type == 13]
    assert len(pictures) == 1
    png_size(pictures[0].image.blob)
    assert home.figures[0].caption in chart.notes_slide.notes_text_frame.text
    for slide in slides:  # nothing hangs off the slide
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.left + sh.width <= prs.slide_width, (sh.name, sh.left)
            assert sh.top >= 0 and sh.top + sh.height <= prs.slide_height, (sh.name, sh.top)
    table = next(sh for sh in slides[-1].shapes if sh.has_table).table
    assert table.cell(0, 0).text == "Code" and table.cell(1, 1).text == "Ain"
    assert len(table.rows) == min(len(home.tables[0].data), 15) + 1


def test_pdf_of_the_home_view(home: View) -> None:
    data = pdf(home, FED, export_date=DAY)
    # title page, key figures, one page per chart, the table
    assert pdf_pages(data) == 2 + len(home.figures) + len(home.tables)
    text = pdf_text(data)
    for expected in (FED.name, home.scope_label, "25 novembre 2026", "Chiffres clés",
                     *[f.title for f in home.figures], "Par département", "Ain"):
        assert expected in text, expected


def test_pdf_without_truetype_font_keeps_french_letters(home: View) -> None:
    data = pdf(home, FED, export_date=DAY, unicode_font=False, compress=False)
    assert pdf_pages(data) == 2 + len(home.figures) + len(home.tables)
    assert "Équipes adhérentes par type" in pdf_text(data)


def test_empty_view_exports() -> None:
    view = View("Chiffres clés", "Isère (38) · 1990", empty_message="Aucune donnée pour 1990.")
    prs = Presentation(io.BytesIO(deck(view, FED, export_date=DAY)))
    assert len(prs.slides) == 2
    data = pdf(view, FED, export_date=DAY)
    assert pdf_pages(data) == 2 and "Aucune donnée pour 1990." in pdf_text(data)


def test_departement_sheet(demo_db: Path) -> None:
    data = departement_sheet("38", 2025, FED, demo_db)
    assert 1 <= pdf_pages(data) <= 2
    text = pdf_text(data)
    for expected in ("Isère (38)", "Chiffres clés 2025", "Place dans la région",
                     "Facilitations par année", "Équipes adhérentes par statut", "Sous ACI"):
        assert expected in text, expected
    assert data.count(b"/Subtype /Image") >= 3  # map, trend, statuses
    with pytest.raises(ValueError, match="Département inconnu"):
        departement_sheet("75", 2025, FED, demo_db)


def test_french_date() -> None:
    assert french_date(DAY) == "25 novembre 2026"
    assert french_date(dt.date(2026, 12, 1)) == "1er décembre 2026"


# ------------------------------------------------------------------------------ privacy


def _all_views(db: Path) -> list[View]:
    """Every page module present in observatory/views, for 2025 (with contacts where offered)."""
    views = []
    modules = {m.name for m in pkgutil.iter_modules([str(ROOT / "observatory" / "views")])}
    for name in sorted(modules):
        build = getattr(importlib.import_module(f"observatory.views.{name}"), "build", None)
        if build is None:
            continue
        scope = Scope(year=2025)
        if name == "directory":  # the e-mails are in the view: the exports must drop them
            views.append(build(scope, FED, db, show_contacts=True))
        else:
            views.append(export_cli.build_view(build, scope, FED, db))
    return views


def test_no_personal_data_in_any_export(demo_db: Path) -> None:
    names = set()
    for cell in store.query("SELECT facilitators FROM facilitations", db=demo_db)["facilitators"]:
        names.update(n.strip() for n in re.split(r"[/;,]", cell or "") if len(n.strip()) > 4)
    emails = set(store.query("SELECT DISTINCT email FROM memberships WHERE email IS NOT NULL",
                             db=demo_db)["email"])
    assert len(names) > 10 and len(emails) > 10
    secrets = names | emails

    views = _all_views(demo_db)
    assert len(views) >= 2
    context = ExportContext("test", FED.name, DAY)
    outputs: list[tuple[str, str]] = []
    for view in views:
        outputs.append((f"{view.title}.pptx", zip_xml_text(deck(view, FED, export_date=DAY))))
        outputs.append((f"{view.title}.pdf", pdf_text(pdf(view, FED, export_date=DAY))))
        for fig in view.figures:
            with contextlib.suppress(images.NoChart, images.RenderError):
                outputs.append((f"{fig.key}.svg", html.unescape(images.svg(fig, context).decode())))
            outputs.append((f"{fig.key}.csv", tables.figure_csv(fig).decode("utf-8-sig")))
            outputs.append((f"{fig.key}.xlsx", zip_xml_text(tables.figure_xlsx(fig, context))))
            if fig.count_columns:  # no count below the threshold leaves the server (0 does:
                # it gives nobody away)
                back = read_csv(tables.figure_csv(fig), dtype=str, keep_default_na=False)
                for col in fig.count_columns:
                    for value in back[col]:
                        assert value in ("< 5", "", "0") or float(value.replace(",", ".")) >= 5
        for table in view.tables:
            outputs.append((f"{table.key}.csv", tables.table_csv(table).decode("utf-8-sig")))
            outputs.append((f"{table.key}.xlsx", zip_xml_text(tables.table_xlsx(table, context))))
    outputs.append(("fiche.pdf", pdf_text(departement_sheet("69", 2025, FED, demo_db))))
    for name, text in outputs:
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{name} contains {leaked[:3]}"


def test_exports_never_import_streamlit() -> None:
    for path in (ROOT / "observatory" / "exports").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit", path.read_text(), re.M), path


# ------------------------------------------------------------------------------ CLI


def run_cli(*argv: str) -> int:
    """``observatory export …`` through the main command line, as a user types it."""
    from observatory import cli

    return cli.main(["export", *argv])


def test_cli_exports_files(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(demo_db)
    out = tmp_path / "vue.pptx"
    assert run_cli("--db", db, "--page", "home", "--year", "2025", "--departement", "38",
                   "--format", "pptx", "--out", str(out)) == 0
    prs = Presentation(str(out))
    assert "Isère (38) · 2025" in prs.slides[0].placeholders[1].text_frame.text

    folder = tmp_path / "csv"
    assert run_cli("--db", db, "--page", "home", "--year", "2025", "--format", "csv",
                   "--out", str(folder)) == 0
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{k}.csv" for k in ("adherents_par_type", "adherents_par_statut",
                                                  "facilitations_par_type", "par_departement"))

    folder = tmp_path / "svg"
    assert run_cli("--db", db, "--page", "home", "--year", "2025", "--format", "svg",
                   "--out", str(folder), "--team-type", "MSP") == 0
    assert len(list(folder.glob("*.svg"))) == 3

    sheet = tmp_path / "fiche.pdf"
    assert run_cli("--db", db, "--sheet", "38", "--year", "2025", "--out", str(sheet)) == 0
    assert pdf_pages(sheet.read_bytes()) in (1, 2)


def test_cli_refusals(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(demo_db)
    assert run_cli("--db", db, "--page", "inconnue", "--out", str(tmp_path / "x.pptx")) == 2
    assert "Page inconnue" in capsys.readouterr().err
    assert run_cli("--db", db, "--sheet", "75", "--year", "2025") == 2
    assert "Département inconnu" in capsys.readouterr().err
    assert run_cli("--db", db, "--page", "home", "--departement", "75") == 2
    assert run_cli("--db", db, "--sheet", "38", "--format", "pptx") == 2
    assert run_cli("--db", str(tmp_path / "absente.duckdb"), "--page", "home") == 1
    assert "Aucune base" in capsys.readouterr().err


def test_main_cli_export(demo_db: Path, tmp_path: Path) -> None:
    from observatory import cli

    out = tmp_path / "vue.pdf"
    assert cli.main(["export", "--db", str(demo_db), "--page", "home", "--year", "2025",
                     "--format", "pdf", "--out", str(out)]) == 0
    assert pdf_pages(out.read_bytes()) >= 3
