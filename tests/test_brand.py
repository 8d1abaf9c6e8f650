"""The federation's look: its profile's brand, the slide master of the deck, the PDF, the sheet,
one meaning per colour on every chart, and the polish every chart shares (value labels, order,
axis titles, one bar said rather than drawn, histogram ticks on the bins' edges)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from matrix import FED, one_per_kind, pages
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from observatory import charts, config, geo, vocabulary
from observatory.exports import images, presentation
from observatory.exports.document import pdf
from observatory.filters import Scope
from observatory.views import access, facilitations, home, portrait, surveys

NAMES = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
PICTURE = 13


# -- the profile -------------------------------------------------------------------------------
@pytest.mark.parametrize("federation", sorted(config.federations()))
def test_every_profile_has_a_brand_and_its_logo(federation: str) -> None:
    brand = config.get_federation(federation).brand
    assert re.fullmatch(r"#[0-9A-F]{6}", brand.primary) and re.fullmatch(r"#[0-9A-F]{6}",
                                                                        brand.accent)
    assert brand.logo_path is not None and brand.logo_svg is not None
    width, height = images.png_size(brand.logo_path.read_bytes())
    assert height >= 400 and width > 2 * height  # a word-mark, sharp on a slide
    svg = brand.logo_svg.read_text(encoding="utf-8")
    assert "<text" not in svg  # letters as outlines: the same without the font
    assert brand.primary in svg
    # a brand's colour never means a team type or a status
    fixed = {*vocabulary.TEAM_TYPE_COLORS.values(), *vocabulary.STATUS_COLORS.values()}
    assert brand.primary not in fixed


def test_a_wrong_brand_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text('id = "x"\nname = "X"\nregion = "R"\ndepartements = ["01"]\n'
                   '[brand]\nprimary = "bleu"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"couleur .*primary invalide"):
        config._load(bad)
    bad.write_text('id = "x"\nname = "X"\nregion = "R"\ndepartements = ["01"]\n'
                   '[brand]\nlogo = "logos/absent.png"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"logo .*introuvable"):
        config._load(bad)


def test_the_logos_are_what_the_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_logos", config.PROJECT_DIR / "scripts" / "build_logos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module._font("DejaVuSans.ttf")
    except SystemExit:
        pytest.skip("DejaVu Sans absent : le script des logos ne peut pas tourner ici")
    for federation in config.federations().values():
        svg = module.word_mark(federation.name, federation.brand.primary,
                               federation.brand.accent)
        assert federation.brand.logo_svg is not None
        assert federation.brand.logo_svg.read_text(encoding="utf-8") == svg, federation.id


# -- the deck ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def deck(demo_db: Path) -> tuple[object, object]:
    view = facilitations.build(Scope(year=2025), FED, demo_db, NAMES)
    return view, Presentation(io.BytesIO(presentation.deck(view, FED)))


def _theme_xml(prs: object) -> str:
    part = prs.slide_master.part.part_related_by(RT.THEME)  # type: ignore[attr-defined]
    return part.blob.decode("utf-8")


def test_the_deck_has_a_slide_master_in_the_brand(deck: tuple) -> None:
    _, prs = deck
    brand = FED.brand
    master = prs.slide_master
    logos = [s for s in master.shapes if s.shape_type == PICTURE]
    assert len(logos) == 1
    assert logos[0].image.blob == brand.logo_path.read_bytes()
    theme = _theme_xml(prs)
    accent1 = re.search(r"<a:accent1><a:srgbClr val=\"([0-9A-F]{6})\"", theme)
    accent2 = re.search(r"<a:accent2><a:srgbClr val=\"([0-9A-F]{6})\"", theme)
    assert accent1 and "#" + accent1.group(1) == brand.primary
    assert accent2 and "#" + accent2.group(1) == brand.accent
    names = [layout.name for layout in prs.slide_layouts]
    assert {"Titre", "Titre de section", "Graphique"} <= set(names)
    title_layout = prs.slide_layouts.get_by_name("Titre")
    assert any(s.shape_type == PICTURE for s in title_layout.shapes)  # the logo, large
    for ph in master.placeholders:  # 16:9 all the way
        assert ph.left + ph.width <= prs.slide_width


def test_each_chart_slide_has_its_takeaway_and_a_footer(deck: tuple) -> None:
    view, prs = deck
    safe = access.protect(view)
    slides = {s.shapes.title.text: s for s in prs.slides}
    assert "En graphiques" in slides and "En tableaux" in slides  # section slides
    assert slides["En graphiques"].slide_layout.name == "Titre de section"
    for fig in safe.figures:
        slide = slides[fig.title.replace(" :", "\u202f:")]
        assert slide.slide_layout.name == "Graphique"
        lead = fig.lead
        assert lead, fig.key
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert lead in texts, (fig.key, lead)
        assert slide.notes_slide.notes_text_frame.text.startswith(lead)
        footers = {ph.placeholder_format.type: ph.text_frame.text for ph in slide.placeholders}
        assert "Source\u202f: " + fig.source in footers[PP_PLACEHOLDER.FOOTER]
        assert footers[PP_PLACEHOLDER.DATE].startswith("Exporté le ")
        assert PP_PLACEHOLDER.SLIDE_NUMBER in footers
        pictures = [s for s in slide.shapes if s.shape_type == PICTURE]
        assert len(pictures) == (0 if fig.statement else 1)


def test_a_one_departement_deck_says_its_single_bar(demo_db: Path) -> None:
    view = facilitations.build(Scope(year=2025, departement="38"), FED, demo_db, NAMES)
    fig = next(f for f in view.figures if f.key == "facilitations_par_departement")
    assert fig.statement and fig.chart is None
    assert fig.takeaway == "38 – Isère\u202f: 33 facilitations et 30 équipes uniques."
    prs = Presentation(io.BytesIO(presentation.deck(view, FED)))
    slide = next(s for s in prs.slides if s.shapes.title.text == fig.title)
    assert not [s for s in slide.shapes if s.shape_type == PICTURE]
    assert fig.takeaway in [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def test_the_pdf_carries_the_logo_and_the_takeaways(demo_db: Path) -> None:
    from test_exports import pdf_text

    view = facilitations.build(Scope(year=2025), FED, demo_db, NAMES)
    data = pdf(view, FED)
    assert data.count(b"/Subtype /Image") >= 1  # the logo on the title page
    text = pdf_text(data)
    for fig in access.protect(view).figures:
        assert fig.lead.split("\u202f:")[0] in text, fig.key


# -- one meaning per colour --------------------------------------------------------------------
def _color_scales(spec: object) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            color = node.get("color")
            # (a named range, « ramp », is the theme's: the brand's tints, no category)
            if isinstance(color, dict) and isinstance(color.get("scale"), dict) and \
                    "domain" in color["scale"] and isinstance(color["scale"].get("range"), list):
                found.append(color)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_types_statuses_and_years_have_one_colour_everywhere(demo_db: Path) -> None:
    types = vocabulary.team_type_colors()
    statuses = vocabulary.status_colors_by_label()
    assert not set(vocabulary.TEAM_TYPE_COLORS.values()) & set(vocabulary.STATUS_COLORS.values())
    years = charts.year_colors(["2024", "2025"], FED.brand)
    assert years == {"2024": FED.brand.tint(0.55), "2025": FED.brand.primary}
    seen = 0
    for scope in one_per_kind():
        for page, views in pages(scope, demo_db, NAMES).items():
            for view in views:
                for fig in view.figures:
                    if fig.chart is None:
                        continue
                    for channel in _color_scales(fig.chart.spec):
                        mapping = dict(zip(channel["scale"]["domain"],
                                           channel["scale"]["range"], strict=True))
                        for value, colour in mapping.items():
                            if channel["field"] in ("Type", "Type d'équipe") and value in types:
                                assert colour == types[value], (page, fig.key, value)
                                seen += 1
                            elif channel["field"] in ("Statut", "Profil") and value in statuses:
                                assert colour == statuses[value], (page, fig.key, value)
                                seen += 1
                            elif channel["field"] == "Année":
                                assert colour == charts.year_colors(
                                    mapping, FED.brand)[value], (page, fig.key)
                                seen += 1
    assert seen > 20


def test_the_departement_sheet_colours_types_as_the_pages(demo_db: Path) -> None:
    """MSP in its own blue on the sheet's chart too (it was the palette's next colour)."""
    from observatory.exports.sheet import _status

    df = _status("38", 2025, FED, demo_db)
    chart = charts.bars(df, "Statut", "Équipes", category_title="Statut",
                        value_title="Équipes adhérentes", color="Type")
    scale = _color_scales(chart.spec)[0]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True))["MSP"] == \
        vocabulary.TEAM_TYPE_COLORS["MSP"]


def test_charts_are_drawn_in_the_brand(demo_db: Path) -> None:
    fecop = config.get_federation("fecop")
    view = home.build(Scope(year=2025), FED, demo_db, NAMES)
    spec = next(f for f in view.figures if f.key == "facilitations_par_type").chart.to_dict()
    assert spec["config"]["bar"]["color"] == FED.brand.primary
    assert spec["config"]["title"]["color"] == FED.brand.shade(0.25)
    assert spec["config"]["locale"]["number"]["decimal"] == ","  # the theme stays under it
    other = charts.branded(charts.Spec.from_dict(spec), fecop.brand).to_dict()
    assert other["config"]["bar"]["color"] == fecop.brand.primary


# -- polish ------------------------------------------------------------------------------------
def test_bars_are_sorted_labelled_and_titled(demo_db: Path) -> None:
    view = portrait.build(Scope(year=2025), FED, demo_db, NAMES)
    fig = next(f for f in view.figures if f.key == "coordination")
    spec = fig.chart.spec
    bar, text = spec["layer"]
    assert bar["encoding"]["y"]["title"] is None  # no vertical title over long labels
    order = bar["encoding"]["y"]["sort"]
    shares = fig.data.set_index("Coordination")["Part des équipes"]
    assert order == list(shares.sort_values(ascending=False).index)
    assert text["mark"]["type"] == "text" and text["encoding"]["text"]["format"] == ".0%"
    assert spec["config"]["bar"]["color"] == FED.brand.primary
    assert charts.theme()["config"]["locale"]["number"]["percent"] == "\u00a0%"  # « 35 % »
    facs = facilitations.build(Scope(year=2025), FED, demo_db, NAMES)
    for fig in facs.figures:
        for layer in fig.chart.spec.get("layer", [fig.chart.spec]):
            for channel in layer.get("encoding", {}).values():
                if isinstance(channel, dict):
                    assert channel.get("title") not in ("Nombre", "Mesure"), fig.key


def test_histogram_ticks_are_the_bins_edges(demo_db: Path) -> None:
    view = portrait.build(Scope(year=2025), FED, demo_db, NAMES)
    fig = next(f for f in view.figures if f.key == "aci_msp")
    x = fig.chart.spec["layer"][0]["encoding"]["x"]
    edges = sorted(set(fig.data["De"]) | set(fig.data["À"]))
    assert x["axis"]["values"] == edges


def test_one_bar_is_a_sentence_and_masked_one_is_withheld(demo_db: Path) -> None:
    scope = Scope(year=2025, departement="38")
    view = surveys.build(scope, FED, demo_db, survey_id="2025-04-recherche",
                         departement_names=NAMES)
    fig = next(f for f in view.figures if f.key == "repondants_par_departement")
    assert fig.statement and fig.takeaway == "38 – Isère\u202f: 11 répondants."
    tiny = pd.DataFrame({"Département": ["38 – Isère"], "Répondants": [3]})
    few = charts.figure("x", "Répondants par département",
                        charts.bars(tiny, "Département", "Répondants",
                                    category_title="Département", value_title="Répondants"),
                        tiny, 3, "répondants", count_columns=("Répondants",))
    assert few.statement
    safe = access.protect_figure(few)
    assert safe.withheld and not safe.takeaway  # « 3 répondants » never leaves


def test_takeaways_say_sur_n_only_when_the_bars_add_up(demo_db: Path) -> None:
    view = home.build(Scope(year=2025), FED, demo_db, NAMES)
    status = next(f for f in view.figures if f.key == "adherents_par_statut")
    assert re.fullmatch(r"Sous ACI\u202f: \d+ équipes adhérentes sur 172 \(\d+\u00a0%\)\.",
                        status.takeaway)
    multiple = next(f for f in portrait.build(Scope(year=2025), FED, demo_db, NAMES).figures
                    if f.key == "missions")
    assert " sur " not in multiple.takeaway  # several answers each: no share of n


def test_tables_of_up_to_25_rows_show_every_row() -> None:
    from observatory.ui.render import table_height

    assert table_height(12) == 38 + 12 * 35
    assert table_height(25) == 38 + 25 * 35
    assert table_height(26) == "auto"


def test_a_takeaway_lists_side_by_side_groups_once() -> None:
    """« a, b et c » for three groups of the latest year (it read « a et b, c »)."""
    df = pd.DataFrame({"Année": ["2025"] * 3, "Étape": ["A", "B", "C"], "Projets": [7, 5, 3]})
    chart = charts.columns(df, "Année", "Projets", x_title="Année", value_title="Projets",
                           color="Étape", offset=True)
    fig = charts.figure("essai", "Essai", chart, df, 15, "projets", "source")
    assert fig.takeaway == "2025\u202f: 7 projets (A), 5 (B) et 3 (C)."


def test_a_stacked_takeaway_names_each_part_by_its_exact_label() -> None:
    """« dont 69 « Projet validé (ARS) » », not « dont 69 projet validé »."""
    df = pd.DataFrame({"Année": ["2025"] * 3, "Étape": ["Projet validé (ARS)", "Signature ACI",
                                                        "MSP"], "Projets": [69, 30, 2]})
    chart = charts.columns(df, "Année", "Projets", x_title="Année", value_title="Projets",
                           color="Étape")
    fig = charts.figure("essai", "Essai", chart, df, 101, "projets", "source")
    q = "\u202f"
    assert fig.takeaway == (f"2025{q}: 101 projets, dont 69 «{q}Projet "
                            f"validé (ARS){q}», 30 «{q}Signature ACI{q}» et 2 MSP.")


def test_n_agrees_with_its_noun() -> None:
    df = pd.DataFrame({"Type": ["MSP"], "Équipes": [1]})
    one = charts.figure("essai", "Essai", None, df, 1, "équipes adhérentes en 2025", "test")
    assert one.n_text == "n = 1 équipe adhérente en 2025"
    assert one.summary.startswith("n = 1 équipe adhérente en 2025 · Source")
    many = charts.figure("essai", "Essai", None, df, 1200, "équipes", "test")
    assert many.n_text == "n = 1\u00a0200 équipes"
