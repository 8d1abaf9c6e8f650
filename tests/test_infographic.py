"""Survey infographics: takeaways that say only what the data supports, the sidecar's label and
positive end, free text grouped, the response rate, and the one-page exports opened for real
(the PDF's page and text, the PNG's size, the SVG's A4 box)."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from observatory import cli, formats, geo, privacy, store
from observatory.config import get_federation
from observatory.exports import images, infographic
from observatory.filters import Scope
from observatory.views import access, carte, home, surveys, takeaways

FED = get_federation("femasaura")
Y2025 = Scope(year=2025)
NAMES = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
PLAN = "2025-12-plan-strategique"
CPTS = "2025-09-acces-cpts"


def _flat(text: str) -> str:
    """Text with every kind of space as one plain space (PDF extraction keeps NBSPs)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, _flat(" ".join(page.extract_text() for page in reader.pages))


def _card(view, title: str):
    return next(c for c in view.cards if c.title == title)


# -- takeaways ---------------------------------------------------------------------------------
def test_wilson_interval_matches_published_values() -> None:
    # Brown, Cai & DasGupta (2001) and Newcombe (1998): 0/10 → [0, 0.2775]; 5/10 → [0.2366,
    # 0.7634]; 81/263 → [0.2553, 0.3662]
    assert takeaways.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-4)
    assert takeaways.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=5e-4)
    assert takeaways.wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-4)
    assert takeaways.wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("question", "said"), [
    ("Souhaitez-vous vous impliquer dans la gouvernance ?",
     "souhaitent s'impliquer dans la gouvernance"),
    ("Votre équipe participe-t-elle à des projets de recherche ?",
     "indiquent que leur équipe participe à des projets de recherche"),
    ("Votre équipe est-elle engagée dans une démarche qualité ?",
     "indiquent que leur équipe est engagée dans une démarche qualité"),
    ("Avez-vous un projet de santé ?", "ont un projet de santé"),
    ("Utilisez-vous vos outils de coordination ?", "utilisent leurs outils de coordination"),
    ("Êtes-vous satisfait ?", None),  # an attribute's agreement is not guessed
    ("Oui ou non ?", None),
])
def test_a_yes_no_question_becomes_a_statement(question: str, said: str | None) -> None:
    assert takeaways.statement(question) == said


def test_the_example_of_the_issue() -> None:
    value, what, text = takeaways.yes_no("Souhaitez-vous vous impliquer dans la gouvernance ?",
                                         63, 99)
    assert (value, what) == ("64\u00a0%", "oui")
    assert _flat(text) == "64 % souhaitent s'impliquer dans la gouvernance (63 répondants sur 99)."


def test_under_five_answers_no_percentage() -> None:
    for value, _, text in (takeaways.yes_no("Avez-vous un projet ?", 3, 4),
                           takeaways.scale(["Oui"], 2, ["Non"], 2, 4),
                           takeaways.single([("A", 3)], 4),
                           takeaways.multiple([("A", 3)], 4),
                           takeaways.number(4, 1, 2, 3, 0, 9, 1, 1)):
        assert value == "" and "%" not in text and "trop peu" in text


def test_a_difference_is_called_one_only_when_the_intervals_say_so() -> None:
    net = takeaways.difference([("38 – Isère", 18, 20), ("07 – Ardèche", 3, 15)], "« oui »",
                               "département")
    assert net.startswith("Écart net") and "90" in net and "20" in net
    # the same gap on few answers is no difference
    none = takeaways.difference([("38 – Isère", 4, 5), ("07 – Ardèche", 2, 5)], "« oui »",
                                "département")
    assert none.startswith("Pas d'écart net")
    # a group under the threshold is not compared at all
    alone = takeaways.difference([("38 – Isère", 18, 20), ("07 – Ardèche", 0, 4)], "« oui »",
                                 "département")
    assert alone.startswith("Comparaison par département impossible")


def test_number_range_only_when_each_extreme_is_shared() -> None:
    *_, text = takeaways.number(40, 1, 2, 4, 0, 25, 9, 1)  # one respondent said 25
    assert "25" not in text and "moitié des réponses entre 1 et 4" in text
    *_, text = takeaways.number(40, 1, 2, 4, 0, 25, 9, 6)
    assert "toutes entre 0 et 25" in text


# -- the survey view -----------------------------------------------------------------------------
def test_cards_of_the_demo_surveys(demo_db: Path) -> None:
    view = surveys.build(Y2025, FED, demo_db, survey_id=PLAN, departement_names=NAMES)
    gov = _card(view, "Implication dans la gouvernance")  # the sidecar's label
    assert gov.value == "64\u00a0%"
    assert "souhaitent s'impliquer dans la gouvernance (63 répondants sur 99)" in gov.takeaway
    fig = next(f for f in view.figures if f.key == gov.figure)
    yes = fig.data.set_index("Réponse").loc["Oui"]
    assert yes["Répondants"] == 63 and fig.n == 99
    low, high = takeaways.wilson(63, 99)
    assert (yes["Part basse IC95"], yes["Part haute IC95"]) == pytest.approx((low, high))
    tooltip = {t["title"] for t in fig.chart.to_dict()["layer"][0]["encoding"]["tooltip"]}
    assert {"IC 95\u00a0% bas", "IC 95\u00a0% haut"} <= tooltip
    priorities = _card(view, "Priorités")  # several answers: the top three
    assert priorities.takeaway.startswith("En tête : ") and priorities.takeaway.count("%") == 3
    assert "plusieurs réponses possibles" in priorities.takeaway


def test_the_sidecar_says_which_end_of_a_scale_is_positive(demo_db: Path) -> None:
    row = store.query("SELECT label, positive, options FROM survey_questions "
                      "WHERE survey_id = $s AND question_id = 'Q3'", {"s": CPTS}, db=demo_db)
    assert (row["label"].iloc[0], row["positive"].iloc[0]) == ("Difficulté perçue", "first")
    view = surveys.build(Y2025, FED, demo_db, survey_id=CPTS)
    card = _card(view, "Difficulté perçue")
    assert "« 1 » ou « 2 »" in re.sub("[\u00a0\u202f]", " ", card.takeaway)  # low difficulty is good
    fig = next(f for f in view.figures if f.key == card.figure)
    scale = fig.chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    # the favourable end (1) has the colour the favourable end of any other scale has
    other = surveys.build(Y2025, FED, demo_db, survey_id=PLAN)
    satisfied = next(f for f in other.figures if "satisfait" in f.title)
    their = satisfied.chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert colours["1"] == their["range"][-1] and colours["5"] == their["range"][0]
    assert "négatives à gauche" not in fig.notes


def test_a_breakdown_is_a_sorted_heat_table(demo_db: Path) -> None:
    view = surveys.build(Y2025, FED, demo_db, survey_id=PLAN, breakdown="departement",
                         departement_names=NAMES)
    card = _card(view, "Implication dans la gouvernance")
    fig = next(f for f in view.figures if f.key == card.figure)
    spec = fig.chart.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]
    assert spec["layer"][0]["encoding"]["color"]["legend"] is None  # no legend to read
    rows = spec["encoding"]["y"]["sort"]
    yes = fig.data[fig.data["Réponse"] == "Oui"].set_index("Département")["Part des répondants"]
    shares = [yes.get(r, 0.0) for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert card.groups.startswith(("Écart net", "Pas d'écart net"))
    # called a difference exactly when the extreme groups' intervals are disjoint
    data = fig.data.assign(n=fig.data["Répondants"] / fig.data["Part des répondants"])
    ok = data[(data["Réponse"] == "Oui") & (data["n"] >= privacy.threshold())]
    top, low = ok.loc[ok["Part des répondants"].idxmax()], ok.loc[ok["Part des répondants"].idxmin()]
    disjoint = top["Part basse IC95"] > low["Part haute IC95"]
    assert card.groups.startswith("Écart net") is bool(disjoint)


def test_response_rate_of_member_teams(demo_db: Path) -> None:
    view = surveys.build(Y2025, FED, demo_db, survey_id=CPTS)
    rate = next(m for m in view.metrics if m.label == "Taux de réponse")
    counts = store.query(
        """SELECT count(DISTINCT m.team_id) FILTER (WHERE EXISTS (
                      SELECT 1 FROM survey_responses r WHERE r.survey_id = $s AND r.complete
                      AND r.team_name = t.name AND r.departement = m.departement)) AS k,
                  count(DISTINCT m.team_id) AS n
           FROM memberships m JOIN teams t USING (team_id)
           WHERE m.year = 2025 AND m.team_type = 'CPTS'""", {"s": CPTS}, db=demo_db)
    k, n = int(counts["k"].iloc[0]), int(counts["n"].iloc[0])
    assert 0 < k <= n and rate.value == f"{round(100 * k / n)}\u00a0%" and rate.count == k
    assert "CPTS" in rate.help and not re.search(rf"(?<!\d){k}(?!\d)", rate.help)


@pytest.fixture(scope="module")
def texts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A survey whose free-text answers repeat with small differences."""
    from observatory.imports import import_file

    folder = tmp_path_factory.mktemp("texts")
    db = folder / "texts.duckdb"
    store.init(db, "femasaura")
    answers = ["Plus de webinaires en soirée", "plus de webinaires en soirée !",
               "Plus de webinaire en soirée", "RAS", "ras", "R.A.S", "Un annuaire partagé"]
    lines = ["Horodateur,Votre profession,Votre département,Avez-vous un projet ?,Suggestions"]
    lines += [f"0{i + 1}/06/2025 10:00:00,Infirmier·e,Isère,Oui,{a}" for i, a in
              enumerate(answers)]
    survey = folder / "enquete.csv"
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    survey.with_suffix(".toml").write_text(
        '[questions.Suggestions]\ntype = "text"\n', encoding="utf-8")
    import_file("survey", survey, db=db, survey_meta={"id": "2025-06-textes", "title": "Textes",
                                                      "date": "2025-06"})
    return db


def test_free_text_is_grouped_and_counted_for_staff(texts_db: Path) -> None:
    view = surveys.build(Y2025, FED, texts_db, survey_id="2025-06-textes")
    table = next(t for t in view.tables if t.title.startswith("Réponses libres"))
    counts = dict(zip(table.data["Réponse"], table.data["Réponses"], strict=True))
    assert counts["Plus de webinaires en soirée"] == 3  # typo, case, punctuation merged
    assert counts["RAS"] == 2 and counts["R.A.S"] == 1 and counts["Un annuaire partagé"] == 1
    assert table.data["Réponses"].sum() == 7 and table.detail
    assert not [t for t in access.for_role(view, "lecture").tables if t.detail]


def test_sidecar_keys_are_checked(tmp_path: Path) -> None:
    from observatory.imports import import_file
    from observatory.imports.errors import ImportRefused

    db = store.init(tmp_path / "s.duckdb", "femasaura")
    survey = tmp_path / "enquete.csv"
    survey.write_text("Horodateur,Votre département,Êtes-vous satisfait ?\n"
                      + "".join(f"0{i}/06/2025 10:00:00,Isère,Satisfait\n" for i in range(1, 6)),
                      encoding="utf-8")
    sidecar = survey.with_suffix(".toml")
    meta = {"id": "2025-06-x", "title": "X", "date": "2025-06"}
    sidecar.write_text('[questions."Êtes-vous satisfait ?"]\ntype = "scale"\n'
                       'options = ["Insatisfait", "Satisfait"]\npositive = "haut"\n',
                       encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"positive.*first.*last"):
        import_file("survey", survey, db=db, survey_meta=meta)
    sidecar.write_text('[questions."Êtes-vous satisfait ?"]\ntype = "single"\n'
                       'positive = "first"\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match="ne s'applique qu'à une échelle"):
        import_file("survey", survey, db=db, survey_meta=meta)
    sidecar.write_text('[questions."Êtes-vous satisfait ?"]\ntype = "scale"\n'
                       'options = ["Insatisfait", "Satisfait"]\npositive = "last"\n'
                       'label = "Satisfaction"\n', encoding="utf-8")
    import_file("survey", survey, db=db, survey_meta=meta)
    row = store.query("SELECT label, positive FROM survey_questions", db=db)
    assert row.iloc[0].tolist() == ["Satisfaction", "last"]


# -- disclosure on the cards ---------------------------------------------------------------------
def _masked_case(db: Path):
    """A scope and survey where a reader gets a card without its numbers."""
    for scope in (Scope(year=2025, territory=t) for t in FED.territories):
        for survey_id in surveys.choices(Y2025, FED, db)[0]:
            view = surveys.build(scope, FED, db, survey_id=survey_id, departement_names=NAMES)
            safe = access.for_role(view, "lecture")
            for raw, card in zip(view.cards, safe.cards, strict=True):
                if card.withheld and raw.takeaway:
                    return view, raw, card
    raise AssertionError("aucune carte masquée dans la démo")


def test_a_card_masks_its_numbers_with_its_figure(demo_db: Path) -> None:
    view, raw, card = _masked_case(demo_db)
    assert card.value == card.takeaway == "" and raw.value
    assert card.withheld.startswith(("chiffres masqués", "effectif trop faible"))
    staff = access.for_role(view, "equipe")
    assert next(c for c in staff.cards if c.figure == raw.figure).takeaway == \
        formats.typography(raw.takeaway)
    svg = infographic.survey_svg(view, FED)
    text = _flat(" ".join(ET.fromstring(svg).itertext()))
    pdf = _pdf_text(infographic.survey_page(view, FED, "pdf"))[1]  # what a reader extracts
    for extracted in (text, pdf):
        assert _flat(raw.takeaway) not in extracted
        assert _flat(card.withheld[0].upper() + card.withheld[1:]) in extracted


# -- the one-page exports ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan(demo_db: Path):
    return surveys.build(Y2025, FED, demo_db, survey_id=PLAN, departement_names=NAMES)


def test_survey_pdf_is_one_a4_portrait_page_with_its_numbers(plan) -> None:
    reader, text = _pdf_text(infographic.survey_page(plan, FED, "pdf"))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    for wanted in ("Plan stratégique (déc. 2025)", "99", "Répondants", "Taux de réponse",
                   "64 % souhaitent s'impliquer dans la gouvernance (63 répondants sur 99).",
                   "Source : enquête flash « Plan stratégique », déc. 2025", FED.name,
                   "exporté le"):
        assert wanted in text, wanted
    for card in access.protect(plan).cards:
        assert _flat(card.takeaway or card.withheld[1:])[:60] in text


def test_survey_png_and_svg(plan) -> None:
    width, height = images.png_size(infographic.survey_page(plan, FED, "png"))
    assert width >= 1600 and height / width == pytest.approx(297 / 210, rel=0.01)
    svg = infographic.survey_page(plan, FED, "svg")
    root = ET.fromstring(svg)
    assert root.get("viewBox") == f"0 0 {infographic.PAGE_W} {infographic.PAGE_H}"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}svg")) >= len(plan.cards)  # charts
    # the federation's look: its logo (the vector one) in the band, its colours and font
    brand = FED.brand
    logos = [i.get("href") for i in root.iter("{http://www.w3.org/2000/svg}image")]
    assert logos == ["data:image/svg+xml;base64,"
                     + base64.b64encode(brand.logo_svg.read_bytes()).decode()]
    assert f'fill="{brand.primary}"'.encode() in svg and f'fill="{brand.accent}"'.encode() in svg
    assert brand.font_stack.encode() in svg


def test_key_figures_page(demo_db: Path) -> None:
    front = home.build(Y2025, FED, demo_db, NAMES)
    reader, text = _pdf_text(infographic.key_figures_page(front, carte.build(Y2025, FED, demo_db),
                                                          FED, 2025, "pdf"))
    assert len(reader.pages) == 1
    for wanted in ("L'exercice coordonné en 2025", "172", "Équipes adhérentes", "154",
                   "Facilitations", "129", "241", "Répondants aux enquêtes",
                   "+14 par rapport à 2024 (+9 %)", "Équipes adhérentes par département"):
        assert wanted in text, wanted


def test_an_empty_survey_scope_says_so(demo_db: Path) -> None:
    view = surveys.build(Scope(year=2025, departement="15"), FED, demo_db, survey_id=CPTS,
                         departement_names=NAMES)
    svg = infographic.survey_svg(view, FED)
    text = _flat(" ".join(ET.fromstring(svg).itertext()))
    if view.empty_message:
        assert _flat(view.empty_message) in text
    else:  # every card reads as shown or masked, never as an empty chart
        for card in access.protect(view).cards:
            assert _flat(card.takeaway or card.withheld[1:])[:40] in text


def test_cli_writes_the_infographics(demo_db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "plan.png"
    assert cli.main(["export", "--db", str(demo_db), "--infographic", PLAN, "--format", "png",
                     "--out", str(out)]) == 0
    assert images.png_size(out.read_bytes())[0] >= 1600
    pdf = tmp_path / "une.pdf"
    assert cli.main(["export", "--db", str(demo_db), "--infographic", "chiffres-cles",
                     "--year", "2025", "--out", str(pdf)]) == 0
    assert "241" in _pdf_text(pdf.read_bytes())[1]
    assert cli.main(["export", "--db", str(demo_db), "--infographic", "inconnue",
                     "--out", str(tmp_path / "x.pdf")]) == 2
    assert "Enquête inconnue" in capsys.readouterr().err
    assert cli.main(["export", "--db", str(demo_db), "--infographic", PLAN, "--format", "pptx",
                     "--out", str(tmp_path / "x.pptx")]) == 2


def test_infographic_csv_has_the_intervals(plan) -> None:
    from observatory.exports import tables

    fig = next(f for f in plan.figures if f.key == _card(plan, "Satisfaction").figure)
    back = pd.read_csv(io.BytesIO(tables.figure_csv(fig)), sep=";", encoding="utf-8-sig")
    assert {"Part basse IC95 (%)", "Part haute IC95 (%)"} <= set(back.columns)


# -- the page through Streamlit -----------------------------------------------------------------


def _page(db: Path, role: str, monkeypatch: pytest.MonkeyPatch, **params: object):
    from test_scope_matrix import _app

    at = _app(role, db, Scope(**params), monkeypatch)
    at.switch_page("pages/enquetes.py").run()
    assert not at.exception
    return at


def _markdown(at) -> str:
    return _flat(" ".join(m.value for m in at.markdown))


def test_the_page_shows_a_card_per_question(demo_db: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from test_export_ui import open_menus

    from observatory.ui import infographic

    # the page draws its first cards (four; two for the demo's three questions), the other
    # questions and who answered when the reader opens them
    monkeypatch.setattr(infographic, "FIRST_CARDS", 2)
    at = _page(demo_db, "equipe", monkeypatch, year=2025)
    view = surveys.build(Y2025, FED, demo_db, survey_id=PLAN, departement_names=NAMES)
    first, others = 2, len(view.cards) - 2
    assert others > 0
    text = _markdown(at)
    assert text.count("infographie-chiffre") == first
    assert _flat(view.cards[first].title) not in text
    assert [e.label for e in at.expander][-2:] == [f"{others} autres questions", "Qui a répondu ?"]
    by_key = {f.key: f for f in view.figures}

    def charts() -> int:
        return len(at.get("vega_lite_chart")) + len(at.get("arrow_vega_lite_chart"))

    def drawn(figs: list) -> int:
        return sum(f.chart is not None and len(f.data) > 0 and not f.withheld for f in figs)

    assert charts() == drawn([by_key[c.figure] for c in view.cards[:first]]) > 0
    respondents = [f for f in view.figures if f.key not in {c.figure for c in view.cards}]
    for key in (view.cards[first].figure, respondents[0].key):
        at.session_state[f"plus_{key}"] = True
    at.run()
    assert not at.exception
    text = _markdown(at)
    for card in view.cards:
        assert _flat(card.title) in text and _flat(card.takeaway) in text
    assert text.count("infographie-chiffre") == len(view.cards)
    assert charts() == drawn(view.figures)
    # the headline band: respondents, professions, départements, response rate
    labels = [m.label for m in at.metric]
    assert {"Professions", "Départements", "Taux de réponse"} <= set(labels)
    # free text for staff: grouped, counted
    assert any(list(d.value.columns) == ["Réponse", "Réponses", "Formulations regroupées"]
               for d in at.dataframe)
    assert {"PDF A4 (impression, courriel)", "Image PNG (portail, réseaux sociaux)",
            "Image SVG (vectorielle, à retoucher)"} <= set(open_menus(at))


def test_a_reader_gets_the_masked_wording_never_the_numbers(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view, raw, card = _masked_case(demo_db)
    survey_id = next(i for i in surveys.choices(Y2025, FED, demo_db)[0]
                     if surveys.build(Y2025, FED, demo_db, survey_id=i).title == view.title)
    territory = next(t for t in FED.territories if t in view.scope_label)
    at = _page(demo_db, "lecture", monkeypatch, year=2025, territory=territory)
    at.selectbox(key="enquete").select(survey_id).run()
    assert not at.exception
    assert _flat(raw.takeaway) not in _markdown(at)
    infos = _flat(" ".join(i.value for i in at.info))
    assert _flat(card.withheld[0].upper() + card.withheld[1:]) in infos
    assert not any("Formulations regroupées" in d.value.columns for d in at.dataframe)
