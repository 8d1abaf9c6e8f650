"""Every number matches its scope: each page for the region, each territory, each département,
each team type, as staff and as readers see it.

The views are checked against ``observatory.indicators`` and against their own marks; labels
must name the area their number counts; no text a page shows holds ``None``, ``nan``, ``NaT``,
``inf``, an ISO date or an internal code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matrix import FED, YEAR, one_per_kind, signed_in_app, texts

from observatory import geo, indicators
from observatory.filters import Scope
from observatory.views import access

RAW = re.compile(r"\b(?:None|nan|NaN|NaT|inf|Infinity)\b|\b\d{4}-\d{2}-\d{2}\b"
                 r"|\b(?:en_projet|labellisee|sous_aci|patient_partenaire|specifique)\b")
NAMES = {code: name for code, name in zip(geo.departements()["code"],
                                          geo.departements()["name"], strict=True)}


@pytest.fixture
def matrix(scope_matrix: dict) -> dict[Scope, dict]:
    return scope_matrix


def _ids(scope: Scope) -> str:
    return scope.label(FED)


@pytest.mark.parametrize("role", ["equipe", "lecture"])
def test_no_raw_value_in_any_text(matrix: dict, role: str) -> None:
    for scope, by_page in matrix.items():
        for page, views in by_page.items():
            for view in views:
                for text in texts(access.for_role(view, role)):
                    assert not RAW.search(text or ""), (scope, page, text)


def test_totals_are_the_scope_indicators(matrix: dict, demo_db: Path) -> None:
    def metric(by_page: dict, page: str, label: str) -> str:
        return next(m.value for m in by_page[page][0].metrics if m.label == label)

    for scope, by_page in matrix.items():
        kf = indicators.key_figures(scope, FED, demo_db)

        def number(value: int) -> str:
            return f"{value:,}".replace(",", "\u00a0")

        if kf["adherent_teams"]:
            assert metric(by_page, "home", "Équipes adhérentes") == number(kf["adherent_teams"]), scope
            assert metric(by_page, "portrait", "Équipes adhérentes") == number(kf["adherent_teams"])
            carte = by_page["carte/adherent_teams"][0].figures[0]
            assert carte.n == kf["adherent_teams"], scope
            assert f"Total\u202f: {number(kf['adherent_teams'])}" in carte.caption, scope
        if kf["facilitations"]:
            assert metric(by_page, "facilitations", "Facilitations") == number(kf["facilitations"])
            assert metric(by_page, "facilitations", "Équipes uniques facilitées") == number(
                kf["facilitated_teams"]), scope
            assert by_page["carte/facilitations"][0].figures[0].n == kf["facilitations"]
        survey_page = next((k for k in by_page if k.startswith("enquetes/")), None)
        if survey_page and kf["survey_respondents"]:
            assert metric(by_page, survey_page, "Répondants") == number(
                kf["survey_respondents"]), scope


def _sums(data: pd.DataFrame) -> set[int]:
    """The totals a chart's data can add up to: a count column, whole or for one value of a
    categorical column (one measure, one year)."""
    numeric = [c for c in data.columns if pd.api.types.is_integer_dtype(data[c])]
    labels = [c for c in data.columns if data[c].dtype == object or
              pd.api.types.is_string_dtype(data[c])]
    out = {int(data[c].sum()) for c in numeric}
    for c in numeric:
        for label in labels:
            out |= {int(v) for v in data.groupby(label)[c].sum()}
    return out


def test_every_chart_n_is_its_marks_or_the_scope_indicator(matrix: dict, demo_db: Path) -> None:
    for scope, by_page in matrix.items():
        kf = indicators.key_figures(scope, FED, demo_db)
        scope_totals = {kf["adherent_teams"], kf["facilitations"], kf["facilitated_teams"]}
        for page, views in by_page.items():
            for view in views:
                for fig in view.figures:
                    if not len(fig.data):
                        continue
                    if "Plusieurs réponses" in fig.notes:
                        # several answers each: n is those who answered, never below a count
                        counts = [c for c in fig.data.columns if c in ("Répondants", "Équipes")]
                        assert all(fig.n >= fig.data[c].max() for c in counts), (page, fig.key)
                        continue
                    assert fig.n in _sums(fig.data) | scope_totals, (scope, page, fig.key, fig.n)


def _territory_names() -> set[str]:
    return set(FED.territories)


def test_every_area_label_names_what_it_counts(matrix: dict) -> None:
    """A row or a "Total …" that names a territory or a département counts that area, never a
    wider one: one département's rows are not labelled with its territory."""
    for scope, by_page in matrix.items():
        deps = set(scope.departements(FED))
        whole = {t for t, codes in FED.territories.items() if set(codes) <= deps}
        for page, views in by_page.items():
            for view in views:
                for table in view.tables:
                    data = table.data
                    if "Territoire" in data.columns and "Département" not in data.columns \
                            and "Code" not in data.columns:
                        for value in data["Territoire"].astype(str):
                            name = value.removeprefix("Total ").strip()
                            assert name not in _territory_names() or name in whole, \
                                (scope, page, table.key, value)
                    for col in data.columns:
                        for value in data[col]:
                            if isinstance(value, str) and value.startswith("Total "):
                                name = value.removeprefix("Total ")
                                assert name not in _territory_names() or name in whole, \
                                    (scope, page, table.key, value)


@pytest.mark.parametrize("scope", one_per_kind(), ids=_ids)
def test_map_counts_the_scope_and_fades_the_rest(demo_db: Path, scope: Scope) -> None:
    from observatory.views import carte

    view = carte.build(scope, FED, demo_db)
    fig = view.figures[0]
    deps = set(scope.departements(FED))
    assert set(fig.data["Code"]) == deps
    spec = fig.chart.to_dict(validate=False)
    values = next(rows for rows in spec["datasets"].values() if rows and "in_scope" in rows[0]
                  and "name" in rows[0])
    assert {r["departement"] for r in values if r["in_scope"]} == deps
    assert len(values) == len(FED.departements)  # the whole federation stays on the map
    fill = spec["layer"][0]["encoding"]["opacity"]
    assert fill["condition"]["test"] == "datum.in_scope" and fill["value"] < 1
    partial = deps != set(FED.departements)
    legend = [layer for layer in spec["layer"] if "stroke" in layer.get("encoding", {})]
    lines = {t["calculate"] for layer in legend for t in layer["transform"]
             if t.get("as") == "ligne"}
    assert ('"Périmètre affiché"' in lines) is partial
    assert '"Limites des territoires"' in lines


# -- the pages themselves, through Streamlit: each role, one scope of each kind ----------------
PAGE_VIEWS = {  # page file → the views its metrics come from, as matrix.pages names them
    "pages/accueil.py": "home", "pages/facilitations.py": "facilitations",
    "pages/portrait.py": "portrait", "pages/carte.py": "carte/adherent_teams",
    "pages/capitalisation.py": "capitalisation", "pages/enquetes.py": "enquetes/",
    "pages/projets.py": "projets/None",
}


def _app(role: str, db: Path, scope: Scope, monkeypatch: pytest.MonkeyPatch):
    return signed_in_app(db, role, monkeypatch, scope.to_query_params())


def _shown_texts(at) -> list[str]:
    out = [e.value for kind in ("title", "caption", "markdown", "info", "warning")
           for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        df = frame.value
        out += [str(v) for col in df.columns for v in df[col]
                if isinstance(v, str) or v is None or (isinstance(v, float) and v != v)]
    return out


@pytest.mark.parametrize("role", ["lecture", "equipe", "admin"])
@pytest.mark.parametrize("scope", one_per_kind(), ids=_ids)
def test_each_page_shows_its_scope_figures(demo_db: Path, matrix: dict,
                                           monkeypatch: pytest.MonkeyPatch, role: str,
                                           scope: Scope) -> None:
    from observatory.pages import PAGES

    expected = matrix[scope]  # pages(scope, demo_db, NAMES), built once for the session
    at = _app(role, demo_db, scope, monkeypatch)
    for page in (p.file for p in PAGES if p.opens_for(role)):
        if page not in PAGE_VIEWS:
            continue
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        key = PAGE_VIEWS[page]
        name = next((k for k in expected if k == key or (key.endswith("/") and k.startswith(key))),
                    None)
        if name is not None:
            views = [access.for_role(v, role) for v in expected[name]]
            wanted = [(m.label, m.value) for v in views for m in v.metrics]
            assert [(m.label, m.value) for m in at.metric] == wanted, (page, role, scope)
        for text in _shown_texts(at):
            assert not RAW.search(text), (page, role, scope, text)


# -- every export of the same matrix -----------------------------------------------------------
DECK_PAGES = ("home", "facilitations", "portrait", "carte/aci_total_eur")


def _pdf_text(pdf: bytes) -> str:
    """The text an uncompressed PDF draws: its ``(…) Tj`` strings, not its image bytes."""
    strings = re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", pdf)
    text = "\n".join(s.decode("latin-1") for s in strings)
    assert text, "no text found in the PDF"
    return text


def _masked_cells(df: pd.DataFrame) -> set[tuple[int, str]]:
    return {(i, str(c)) for c in df.columns for i, v in enumerate(df[c])
            if isinstance(v, str) and (v.startswith("<") or v == "masqué")}


def _check_file_cells(back: pd.DataFrame, where: tuple) -> None:
    for col in back.columns:
        values = [v for v in back[col].dropna().astype(str)]
        assert not any(RAW.search(v) or "00:00:00" in v for v in values), (where, col)
        if col.endswith("(%)"):  # a share: rounded, with its unit in the header
            for v in values:  # a share rounded to a tenth, or a change « +12 % », « nouveau »
                assert re.fullmatch(r"[+−-]?\d+(,\d)?(\u00a0%)?|nouveau|—|masqué|< \d+", v), \
                    (where, col, v)
        if re.match(r"montant|total \(|moyenne|m[ée]diane", col, re.I):  # an amount: its unit
            assert "€" in col, (where, col)


@pytest.mark.parametrize("scope", one_per_kind(), ids=_ids)
def test_every_export_holds_the_screen_figures(demo_db: Path, matrix: dict, scope: Scope) -> None:
    import io

    from openpyxl import load_workbook
    from pptx import Presentation

    from observatory.exports import document, images, presentation, tables
    from observatory.exports.common import ExportContext
    from observatory.exports.sheet import departement_sheet

    context = ExportContext(scope.label(FED, NAMES), FED.name)
    for page, views in matrix[scope].items():  # pages(scope, demo_db, NAMES)
        for role in ("lecture", "equipe"):
            for view in (access.for_role(v, role) for v in views):
                for fig in view.figures:
                    safe = access.protect_figure(fig)
                    where = (scope, page, role, fig.key)
                    if safe.withheld:  # too few to draw: no image, never an empty one
                        with pytest.raises(images.NoChart, match="effectif trop faible"):
                            images.export_spec(fig, context)
                        continue
                    back = pd.read_csv(io.BytesIO(tables.figure_csv(fig)), sep=";",
                                       dtype=str, encoding="utf-8-sig")
                    # masked in the file exactly where the screen (or a reader's) masks it
                    assert _masked_cells(back) == _masked_cells(
                        tables.presentable(safe.data)), where
                    _check_file_cells(back, where)
                    sheet = load_workbook(io.BytesIO(tables.figure_xlsx(fig, context)))["Données"]
                    rows = list(sheet.values)
                    xlsx = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]])
                    assert _masked_cells(xlsx) == _masked_cells(back), where
                    if fig.chart is not None and len(fig.data):
                        spec = images.export_spec(fig, context)
                        assert all(len(rows) for rows in spec.get("datasets", {}).values()), \
                            where  # every dataset still has a mark to draw
                for table in view.tables:
                    back = pd.read_csv(io.BytesIO(tables.table_csv(table)), sep=";",
                                       dtype=str, encoding="utf-8-sig")
                    _check_file_cells(back, (scope, page, role, table.key))
                if page not in DECK_PAGES or (role == "equipe" and scope != one_per_kind()[0]):
                    continue
                deck = Presentation(io.BytesIO(presentation.deck(view, FED)))
                text = [shape.text_frame.text for slide in deck.slides
                        for shape in slide.shapes if shape.has_text_frame]
                assert not any(RAW.search(t) for t in text), (scope, page, role)
                pictures = sum(1 for slide in deck.slides for shape in slide.shapes
                               if shape.shape_type == 13)
                drawn = [f for f in access.protect(view).figures
                         if f.chart is not None and len(f.data) and not f.withheld]
                assert pictures == len(drawn), (scope, page, role)
                for m in access.protect(view).metrics:
                    if "Montant" in m.label and m.value != "masqué":
                        assert "€" in m.value, (scope, page, m)
                pdf = document.pdf(view, FED, compress=False, unicode_font=False)
                assert not RAW.search(_pdf_text(pdf)), (scope, page, role)
    if scope.departement:  # and the département sheet
        sheet_pdf = departement_sheet(scope.departement, YEAR, FED, demo_db, compress=False,
                                      unicode_font=False)
        assert not RAW.search(_pdf_text(sheet_pdf)), scope


def test_the_departement_sheet_masks_an_amount_of_few_teams(demo_db: Path) -> None:
    from observatory import formats
    from observatory.exports.sheet import departement_sheet

    found = indicators.key_figures(Scope(year=2025, departement="03"), FED, demo_db)
    assert 0 < found["aci_teams"] < 5  # Allier: two teams declared an amount
    text = departement_sheet("03", 2025, FED, demo_db, compress=False,
                             unicode_font=False).decode("latin-1")
    assert "masqu" in text
    amount = formats.number(found["aci_total_eur"])
    assert amount in formats.euros(found["aci_total_eur"])
    assert amount not in text and amount.replace("\u00a0", " ") not in text  # the two teams'
    isere = departement_sheet("38", 2025, FED, demo_db, compress=False,
                              unicode_font=False).decode("latin-1")
    total = indicators.key_figures(Scope(year=2025, departement="38"), FED, demo_db)
    assert formats.number(total["aci_total_eur"]) in isere  # the control: 14 teams' total


def test_respondents_without_departement_count_for_the_federation_only(demo_copy: Path,
                                                                        tmp_path: Path) -> None:
    from observatory import imports
    from observatory.views import surveys

    path = tmp_path / "sans_departement.csv"
    path.write_text("Horodateur;Profession;Êtes-vous satisfait ?\n"
                    + "".join(f"12/10/2025 10:0{i};Infirmier;Oui\n" for i in range(6)),
                    encoding="utf-8")
    imports.import_file("survey", path, db=demo_copy, survey_meta={
        "id": "2025-10-sans-dep", "title": "Sans département", "date": "2025-10"})
    for scope, added in ((Scope(year=2025), 6), (Scope(year=2025, territory="Est"), 0)):
        kf = indicators.key_figures(scope, FED, demo_copy)
        catalogue = surveys.catalogue(scope, FED, demo_copy).tables[0].data
        assert kf["survey_respondents"] == int(catalogue["Réponses complètes"].sum())
        row = catalogue[catalogue["Titre"] == "Sans département"]["Réponses complètes"]
        assert int(row.sum()) == added


@pytest.mark.parametrize("kind, name", [("adhesions", "adhesions_2025.csv"),
                                        ("adhesions", "adhesions_2024.csv"),
                                        ("facilitations", "facilitations.xlsx")])
def test_the_import_preview_writes_values_as_the_pages_do(kind: str, name: str) -> None:
    from observatory import imports
    from observatory.config import DEMO_DIR

    report = imports.read_import(kind, DEMO_DIR / name, year=2024 if "2024" in name else None)
    preview = report.preview_table()
    assert len(preview)
    cells = [str(v) for col in preview.columns for v in preview[col] if isinstance(v, str)]
    assert not [c for c in cells if RAW.search(c)], name
    raw = report.preview  # the control: the codes are there underneath
    assert raw.astype(str).apply(lambda col: col.str.contains(RAW)).to_numpy().any()


@pytest.mark.parametrize("scope", one_per_kind(), ids=_ids)
def test_every_infographic_reads_as_a_reader_sees(demo_db: Path, scope: Scope) -> None:
    """The one-page infographics of every survey (with and without a breakdown) and of the key
    figures: no raw value, no count of fewer than the threshold, each card's takeaway or its
    masked wording, never both; the page's own texts in French typography."""
    import xml.etree.ElementTree as ET

    from test_typography import faults

    from observatory import privacy
    from observatory.exports import infographic
    from observatory.views import carte, home, surveys

    # (member teams are counted openly, as on the pages: respondents are what is masked)
    small = re.compile(rf"(?<![\d,]) ?\b[1-{privacy.threshold() - 1}] répondant")

    def flat(text: str) -> str:
        return re.sub(r"[\s\u00a0\u202f]+", " ", text)

    def text_of(svg: str) -> str:
        root = ET.fromstring(svg)
        own = ["".join(t.itertext()) for t in root.findall("{http://www.w3.org/2000/svg}text")]
        for line in own:  # the page's own lines (a chart's are the data's labels)
            assert not faults(line), (scope, line, faults(line))
        text = flat(" ".join(root.itertext()))
        assert not small.search(text), (scope, small.search(text))
        return text

    for survey_id in surveys.choices(scope, FED, demo_db)[0]:
        for breakdown in (None, "departement"):
            view = surveys.build(scope, FED, demo_db, survey_id=survey_id, breakdown=breakdown,
                                 departement_names=NAMES)
            text = text_of(infographic.survey_svg(view, FED))
            assert not RAW.search(text), (scope, survey_id, breakdown)
            staff = {c.figure: c for c in view.cards}
            for card in access.protect(view).cards:
                if card.withheld:
                    assert flat(card.withheld[1:]) in text
                    if staff[card.figure].takeaway:
                        assert flat(staff[card.figure].takeaway) not in text
                else:
                    assert flat(card.takeaway)[:50] in text, (scope, survey_id, card.title)
    front = home.build(scope, FED, demo_db, NAMES)
    text = text_of(infographic.key_figures_svg(front, carte.build(scope, FED, demo_db), FED,
                                               scope.year or YEAR))
    assert not RAW.search(text), scope
    for m in access.protect(front).metrics:
        if "ACI" not in m.label and not front.empty_message:
            assert flat(m.value) in text and flat(m.label) in text, (scope, m.label)
