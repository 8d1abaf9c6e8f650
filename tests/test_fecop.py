"""The Occitanie demo reproduces every Fécop figure it is meant to (tests/published, README
§ Demo data), and the app on that store shows Occitanie with nothing that assumes AURA."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matrix import signed_in_app, texts
from streamlit.testing.v1 import AppTest

from observatory import auth, geo
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.pages import PAGES
from observatory.views import capitalisation, carte, facilitations, home, portrait, projects

PUBLISHED = Path(__file__).parent / "published"
FECOP = get_federation("fecop")
AURA_WORDS = ("Auvergne", "Rhône-Alpes", "FemasAURA", "Isère", "Territoire")


def published(year: int) -> dict[str, float]:
    rows = pd.read_csv(PUBLISHED / "key_figures.csv")
    rows = rows[(rows.federation == "Fécop") & (rows.year == year)]
    return dict(zip(rows.indicator, rows.value, strict=True))


def figures(db: Path, year: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "observatory", "figures", "--db", str(db),
                          "--year", str(year), "--json"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_2025_report(fecop_db: Path) -> None:
    found, report = figures(fecop_db, 2025), published(2025)
    assert found["federation"] == "fecop" and found["scope"] == "Occitanie · 2025"
    assert found["adherent_teams"] == report["adherent_teams"] == 260
    # 491 = 221 for projects + 268 for teams in operation + 2 with elected officials, on no
    # team profile: README § Demo data
    assert found["facilitations"] == report["facilitations"] == 491
    assert (found["facilitations_projects"], found["facilitations_functioning"]) == (221, 268)
    assert found["facilitations_by_team_type"]["Collectivité"] == 2
    assert found["facilitators"] == report["facilitators"] == 49
    assert found["volunteer_hours"] == report["volunteer_hours"] == 691
    assert found["projects_validated"] == report["esp_msp_validated"] == 34
    # 30 of 32 accompanied files: 93,75 %, written 93 % (truncated) by the report
    assert (found["accompanied_validated"], found["accompanied_files"]) == (30, 32)
    assert int(100 * found["accompanied_validated_share"]) == \
        report["accompanied_files_validated_pct"] == 93


def test_the_2023_report(fecop_db: Path) -> None:
    found, report = figures(fecop_db, 2023), published(2023)
    assert found["adherent_teams"] == report["adherent_teams"] == 221
    assert found["facilitations"] == report["facilitations"] == 459
    assert (found["facilitations_projects"], found["facilitations_functioning"]) == (242, 217)
    assert found["facilitators"] == report["facilitators"] == 50
    assert found["volunteer_hours"] == report["volunteer_hours"] == 802
    assert found["facilitated_teams"] == report["teams_accompanied"] == 303
    assert (found["accompanied_validated"], found["accompanied_files"]) == (41, 41)
    assert round(100 * found["accompanied_validated_share"]) == \
        report["accompanied_files_validated_pct"] == 100


def test_the_demo_command(tmp_path: Path) -> None:
    db = tmp_path / "occitanie.duckdb"
    out = subprocess.run([sys.executable, "-m", "observatory", "demo", "--federation", "fecop",
                          "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "suivi_projets.xlsx" in out.stdout and db.exists()


def _views(db: Path, scope: Scope) -> list:
    names = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
    return [home.build(scope, FECOP, db, names), facilitations.build(scope, FECOP, db, names),
            portrait.build(scope, FECOP, db, names),
            capitalisation.build(scope, FECOP, db, departement_names=names),
            projects.build(scope, FECOP, db, names),
            *(carte.build(scope, FECOP, db, indicator=i) for i in carte.INDICATORS)]


@pytest.mark.parametrize("scope", [Scope(year=2025), Scope(year=2023, departement="31"),
                                   Scope(year=2025, team_type="ESP")],
                         ids=lambda s: s.label(FECOP))
def test_no_page_assumes_aura(fecop_db: Path, scope: Scope) -> None:
    for view in _views(fecop_db, scope):
        for text in texts(view):
            assert not any(word in (text or "") for word in AURA_WORDS), (view.title, text)
    carte_view = carte.build(scope, FECOP, fecop_db)
    map_spec = carte_view.figures[0].chart.to_dict(validate=False)
    shapes = json.loads(map_spec["layer"][0]["data"]["values"])
    codes = {g["properties"]["code"] for g in shapes["objects"]["departements"]["geometries"]}
    assert codes == set(FECOP.departements) and len(codes) == 13
    assert len(map_spec["layer"]) == (3 if scope.departement is None else 4)  # no territories


@pytest.mark.parametrize("role", ["lecture", "equipe", "admin"])
def test_the_app_on_the_occitanie_store(fecop_db: Path, monkeypatch: pytest.MonkeyPatch,
                                        role: str) -> None:
    at = signed_in_app(fecop_db, role, monkeypatch)
    assert isinstance(at, AppTest)
    assert "**Fécop** · Occitanie" in [m.value for m in at.sidebar.markdown]
    for page in (p for p in PAGES if auth.allows(role, p.role)):
        at.switch_page(page.file).run()
        assert not at.exception, page.id
        if "departement" not in page.filters:  # Mon équipe, Publication…: not narrowed there
            continue
        # no territory: Fécop has none
        assert [s.label for s in at.sidebar.selectbox][:3] == ["Année", "Département",
                                                               "Type d'équipe"], page.id
        departements = at.sidebar.selectbox[1].options
        assert len(departements) == 14 and "31 – Haute-Garonne" in departements
