"""Projects followed from first contact to validation (issue 17): the pipeline indicators against
values computed by hand, the Projets page for every role, the map's points hidden from readers
and from whatever they export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from matrix import signed_in_app
from streamlit.testing.v1 import AppTest

from observatory import imports, indicators, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.indicators import projects as ind
from observatory.views import access, projects

AURA = get_federation("femasaura")
FECOP = get_federation("fecop")
# Seven projects whose every figure is worked out by hand below.
SHEET = (
    "Projet;Type;Département;Commune;Accompagné;Premier contact;Sensibilisation;"
    "Projet de santé déposé;Projet validé (ARS);Signature ACI\n"
    "A;MSP;38;Voiron;Oui;12/01/2022;03/03/2022;10/01/2023;15/03/2023;02/02/2024\n"
    "B;ESP;38;Voiron;Non;05/05/2024;;;;\n"
    "C;MSP;38;Voiron;Oui;05/05/2023;;01/02/2025;;\n"
    "D;CPTS;69;Lyon;Oui;08/01/2024;;01/03/2024;01/06/2024;\n"
    "E;MSP;69;Lyon;Oui;01/02/2023;;15/11/2024;20/01/2025;\n"
    "F;ESP;01;Belley;Oui;01/03/2024;;01/03/2025;02/05/2025;\n"
    "G;MSP;01;Belley;Non;01/06/2021;;;01/09/2025;\n"
)


@pytest.fixture(scope="module")
def sheet_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("projets")
    db = store.init(folder / "projets.duckdb", "femasaura")
    path = folder / "suivi.csv"
    path.write_text(SHEET, encoding="utf-8")
    imports.import_file("projects", path, db=db)
    return db


def _by_stage(df: pd.DataFrame, year: int) -> dict[str, int]:
    rows = df[(df["year"] == year) & (df["projects"] > 0)]
    return dict(zip(rows["stage"], rows["projects"].astype(int), strict=True))


def test_the_pipeline_at_the_end_of_each_year(sheet_db: Path) -> None:
    df = ind.pipeline(Scope(), AURA, sheet_db)
    assert sorted(set(df["year"])) == [2021, 2022, 2023, 2024, 2025]
    assert _by_stage(df, 2021) == {"first_contact": 1}  # G
    assert _by_stage(df, 2022) == {"first_contact": 1, "awareness": 1}  # G; A
    assert _by_stage(df, 2023) == {"first_contact": 3, "validated": 1}  # C, E, G; A
    assert _by_stage(df, 2024) == {"first_contact": 4, "filed": 1, "validated": 1,
                                   "aci_signed": 1}  # B, C, F, G; E; D; A
    assert _by_stage(df, 2025) == {"first_contact": 1, "filed": 1, "validated": 4,
                                   "aci_signed": 1}  # B; C; D, E, F, G; A
    isere = ind.pipeline(Scope(departement="38"), AURA, sheet_db)
    assert _by_stage(isere, 2025) == {"first_contact": 1, "filed": 1, "aci_signed": 1}
    assert _by_stage(ind.pipeline(Scope(team_type="CPTS"), AURA, sheet_db), 2025) == {
        "validated": 1}


def test_the_stages_entered_each_year(sheet_db: Path) -> None:
    df = ind.entering(Scope(), AURA, sheet_db)
    assert _by_stage(df, 2024) == {"first_contact": 3, "filed": 2, "validated": 1,
                                   "aci_signed": 1}  # B, D, F; D, E; D; A
    assert _by_stage(df, 2025) == {"filed": 2, "validated": 3}  # C, F; E, F, G


def test_the_years_validations_files_and_median(sheet_db: Path) -> None:
    found = ind.year_figures(Scope(year=2025), AURA, sheet_db)
    assert found["projects_validated"] == 3  # E, F, G (ESP and MSP)
    # files of 2025: C and F (filed that year; E was filed in 2024, G is not accompanied)
    assert (found["accompanied_files"], found["accompanied_validated"]) == (2, 1)
    assert found["accompanied_validated_share"] == 0.5
    # E 719 days, F 427, G 1553: the median is E's
    assert found["median_months_to_validation"] == pytest.approx(719 / (365.25 / 12))
    assert found["validations_with_contact"] == 3
    assert found["projects_followed"] == 7
    earlier = ind.year_figures(Scope(year=2024), AURA, sheet_db)
    assert earlier["projects_validated"] == 0  # only D, a CPTS
    assert (earlier["accompanied_files"], earlier["accompanied_validated"]) == (1, 1)  # E
    cpts = ind.year_figures(Scope(year=2024, team_type="CPTS"), AURA, sheet_db)
    assert (cpts["projects_validated"], cpts["accompanied_files"]) == (1, 1)
    no_file = ind.year_figures(Scope(year=2022), AURA, sheet_db)
    assert no_file["accompanied_validated_share"] is None  # no file is not 0 %


def test_the_key_figures_say_unknown_without_a_sheet(sheet_db: Path, demo_db: Path,
                                                     fecop_db: Path) -> None:
    kf = indicators.key_figures(Scope(year=2025), AURA, sheet_db)
    assert (kf["projects_validated"], kf["accompanied_files"], kf["accompanied_validated"],
            kf["accompanied_validated_share"]) == (3, 2, 1, 0.5)
    empty = indicators.key_figures(Scope(year=2025), FECOP, demo_db)  # nothing in Occitanie
    assert empty["projects_validated"] is None and empty["accompanied_validated_share"] is None


def test_per_departement_at_the_end_of_a_year(sheet_db: Path) -> None:
    df = ind.by_departement(Scope(), AURA, 2025, sheet_db)
    assert len(df) == len(AURA.departements) * 5
    got = {(r.departement, r.stage): int(r.projects) for r in df.itertuples() if r.projects}
    assert got == {("38", "first_contact"): 1, ("38", "filed"): 1, ("38", "aci_signed"): 1,
                   ("69", "validated"): 2, ("01", "validated"): 2}


# -- the page, for every role, on the Occitanie demo ------------------------------------------
def _app(db: Path, role: str, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = signed_in_app(db, role, monkeypatch, params)
    assert isinstance(at, AppTest)
    at.switch_page("pages/projets.py").run()
    assert not at.exception
    return at


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in [*at.get("vega_lite_chart"),
                                               *at.get("arrow_vega_lite_chart")]]


def _names(db: Path) -> list[str]:
    return store.query("SELECT name FROM projects", db=db)["name"].tolist()


@pytest.mark.parametrize("role", ["lecture", "equipe", "admin"])
def test_the_page_for_each_role(fecop_db: Path, monkeypatch: pytest.MonkeyPatch,
                                role: str) -> None:
    at = _app(fecop_db, role, monkeypatch, annee="2025")
    view = access.for_role(projects.build(Scope(year=2025), FECOP, fecop_db), role)
    assert [(m.label, m.value) for m in at.metric] == [(m.label, m.value) for m in view.metrics]
    shown = dict((m.label, m.value) for m in at.metric)
    assert shown["Projets validés en 2025"] == "34"
    assert shown["Part des dossiers validés"] == "93,8\u00a0%"
    specs = _specs(at)
    staff = role != "lecture"
    assert len(specs) == (4 if staff else 3)  # the map of named projects is staff's only
    text = " ".join(json.dumps(s, ensure_ascii=False) for s in specs)
    text += " ".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
    named = [n for n in _names(fecop_db) if n in text]
    assert bool(named) is staff
    assert [s.label for s in at.select_slider] == ["Année de la carte"]


def test_the_year_slider_moves_the_map(fecop_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(fecop_db, "lecture", monkeypatch, annee="2025")
    at.select_slider[0].set_value(2018).run()
    assert not at.exception
    titles = [t if isinstance(t := s["title"]["text"], str) else " ".join(t)  # wrapped lines
              for s in _specs(at)]
    assert "Projets par département, fin 2018" in titles
    assert at.metric[0].value == "34"  # the key figures keep the sidebar's year


def test_a_click_shows_the_projects_dates(fecop_db: Path) -> None:
    view = projects.build(Scope(year=2025), FECOP, fecop_db)
    listed = next(t for t in view.tables if t.key == projects.LIST_KEY).data
    first = listed.iloc[0]
    found = projects.clicked(view, int(first[projects.ID]))
    assert found is not None and found.title.startswith(first["Projet"])
    assert found.data["Étape"].tolist() == ["Premier contact", "Sensibilisation",
                                            "Projet de santé déposé", "Projet validé (ARS)",
                                            "Signature ACI"]
    assert found.data["Date"].iloc[0] == first["Premier contact"]
    assert projects.clicked(access.for_role(view, "lecture"), int(first[projects.ID])) is None
    chart = next(f for f in view.figures if f.key == "carte_projets").chart
    assert chart is not None
    params = chart.to_dict()["params"]
    assert params[0]["name"] == projects.SELECTION and params[0]["select"]["fields"] == [
        projects.ID]


def test_readers_exports_hold_no_project_and_mask_small_groups(fecop_db: Path) -> None:
    from pptx import Presentation

    from observatory.exports import document, images, presentation, tables
    from observatory.exports.common import ExportContext

    names = _names(fecop_db)
    for scope in (Scope(year=2025), Scope(year=2025, departement="48")):
        view = projects.build(scope, FECOP, fecop_db)
        reader = access.for_role(view, "lecture")
        assert "carte_projets" in {f.key for f in view.figures}
        assert "carte_projets" not in {f.key for f in reader.figures} and not reader.tables
        context = ExportContext(reader.scope_label, FECOP.name)
        files = [tables.figure_csv(f).decode("utf-8-sig") for f in reader.figures]
        files += [json.dumps(images.export_spec(f, context), ensure_ascii=False)
                  for f in reader.figures if not access.protect_figure(f).withheld]
        deck = Presentation(io.BytesIO(presentation.deck(reader, FECOP)))
        files += [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                  if shape.has_text_frame]
        files.append(document.pdf(reader, FECOP, compress=False,
                                  unicode_font=False).decode("latin-1"))
        assert not [n for n in names if any(n in f for f in files)], scope
    region = access.for_role(projects.build(Scope(year=2025), FECOP, fecop_db), "lecture")
    cells = next(f for f in region.figures if f.key == "carte_projets_departements").data
    hidden = cells[cells["Projets"].astype(str) == "< 5"]
    assert len(hidden) >= 2 and "Lozère" in set(hidden["Département"])  # its few in progress
    lozere = access.for_role(projects.build(Scope(year=2025, departement="48"), FECOP, fecop_db),
                             "lecture")
    alone = next(f for f in lozere.figures if f.key == "carte_projets_departements")
    assert alone.withheld.startswith("effectif trop faible")  # its total would give it away
    staff = projects.build(Scope(year=2025), FECOP, fecop_db)
    points = next(f for f in staff.figures if f.key == "carte_projets")
    assert any(n in tables.figure_csv(points).decode("utf-8-sig") for n in names)
