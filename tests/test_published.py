"""The demo store reproduces every FemasAURA&Co figure it is meant to (tests/published/*.csv)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from observatory import indicators, store
from observatory.config import get_federation
from observatory.filters import Scope

PUBLISHED = Path(__file__).parent / "published"
AURA = get_federation("femasaura")
# Unique teams the report gives for MSP+CPTS together, in the notes of these rows.
UNIQUE_MSP_CPTS_2025 = {"01": 9, "07": 7, "42": 7, "69": 25}


def facilitation_rows() -> pd.DataFrame:
    return pd.read_csv(PUBLISHED / "facilitations_femasaura.csv", dtype={"departement_code": str})


def fac(db: Path, **scope: object) -> dict:
    return indicators.facilitation_figures(Scope(**scope), AURA, db)


@pytest.mark.parametrize("row", facilitation_rows().to_dict("records"),
                         ids=lambda r: f"{r['year']}-{r['territory']}-{r['departement_code']}-"
                                       f"{r['team_type']}")
def test_facilitation_rows(demo_db: Path, row: dict) -> None:
    year, territory, dep = int(row["year"]), row["territory"], row["departement_code"]
    kind = row["team_type"]
    if territory == "Région" and kind == "ALL":
        figures = fac(demo_db, year=year)
        assert figures["facilitations"] == row["facilitations"] == 154
        # The region's "132 unique teams" cannot be reconciled with the per-département
        # counts, which sum to 129 (a team belongs to one département): README § Demo data.
        assert figures["facilitated_teams"] == 129
        return
    where: dict = {"year": year}
    if isinstance(dep, str):
        where["departement"] = dep
    elif territory != "Région":
        where["territory"] = territory
    types = {"ALL": [None], "ESP/MSP": ["ESP", "MSP"]}.get(kind, [kind])
    results = [fac(demo_db, team_type=t, **where) for t in types]
    assert sum(r["facilitations"] for r in results) == row["facilitations"]
    if pd.notna(row["unique_teams"]):
        assert sum(r["facilitated_teams"] for r in results) == row["unique_teams"]


@pytest.mark.parametrize("dep,teams", UNIQUE_MSP_CPTS_2025.items())
def test_unique_teams_given_in_notes(demo_db: Path, dep: str, teams: int) -> None:
    assert fac(demo_db, year=2025, departement=dep)["facilitated_teams"] == teams


def test_departement_unique_teams_sum_to_region(demo_db: Path) -> None:
    per_dep = indicators.by_departement(Scope(year=2025), AURA, demo_db)
    assert per_dep["facilitated_teams"].sum() == 129
    assert per_dep["facilitations"].sum() == 154


def test_profiles_given_in_report(demo_db: Path) -> None:
    """Teams by profile on the day (Isère 9/8/7; Drôme 3/2/2 with one status change)."""
    df = store.query(
        """SELECT f.departement, f.team_profile, count(DISTINCT ft.team_id) AS teams
           FROM facilitations f JOIN facilitation_teams ft USING (facilitation_id)
           WHERE f.year = 2025 AND f.team_type = 'MSP' GROUP BY ALL""", db=demo_db)
    got = {(r.departement, r.team_profile): r.teams for r in df.itertuples()}
    assert [got.get(("38", p), 0) for p in ("en_projet", "labellisee", "sous_aci")] == [9, 8, 7]
    assert [got.get(("26", p), 0) for p in ("en_projet", "labellisee", "sous_aci")] == [3, 2, 2]
    assert fac(demo_db, year=2025, departement="26", team_type="MSP")["facilitated_teams"] == 6


def test_key_figures(demo_db: Path) -> None:
    published = pd.read_csv(PUBLISHED / "key_figures.csv")
    aura = published[(published.federation == "FemasAURA&Co") & (published.year == 2025)]
    values = dict(zip(aura.indicator, aura.value, strict=True))
    figures = indicators.key_figures(Scope(year=2025), AURA, demo_db)
    assert figures["adherent_teams"] == values["adherent_teams"] == 172
    assert figures["facilitations"] == values["facilitations"] == 154
    # distinct facilitators named in the 2025 log (the report: 40, from the 12 départements)
    assert figures["facilitators"] == values["facilitators"] == 40
    # 250 published; the four counted surveys sum to 241 (README § Demo data).
    assert figures["survey_respondents"] == 241
    fiches = store.query("SELECT count(DISTINCT team_name) AS n FROM fiches", db=demo_db)
    assert fiches["n"][0] == values["capitalisation_teams_met"] == 6


def test_surveys(demo_db: Path) -> None:
    published = pd.read_csv(PUBLISHED / "surveys_femasaura_2025.csv").dropna(
        subset=["respondents"])
    df = store.query(
        """SELECT strftime(s.month, '%Y-%m') AS survey_date, s.title,
                  count(*) FILTER (WHERE r.complete) AS respondents,
                  count(DISTINCT r.profession) FILTER (WHERE r.complete) AS professions,
                  count(DISTINCT r.departement) FILTER (WHERE r.complete) AS departements,
                  count(DISTINCT r.team_name) FILTER (WHERE r.complete) AS teams
           FROM surveys s JOIN survey_responses r USING (survey_id) GROUP BY ALL""", db=demo_db)
    got = df.set_index("survey_date")
    for row in published.itertuples():
        assert got.loc[row.survey_date, "respondents"] == int(row.respondents), row.theme
        assert got.loc[row.survey_date, "title"] == row.theme
    assert got.loc["2025-04", "professions"] == 13
    assert got.loc["2025-05", ["departements", "teams"]].tolist() == [10, 40]
    assert got.loc["2025-09", ["departements", "teams"]].tolist() == [9, 31]
    assert got.loc["2025-12", "departements"] == 12


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True,
                          text=True, timeout=120)


def test_cli_figures_region_and_isere(demo_db: Path) -> None:
    out = _cli("figures", "--db", str(demo_db), "--year", "2025", "--json")
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["adherent_teams"] == 172 and figures["facilitations"] == 154
    assert set(figures["adherent_teams_by_type"]) >= {"MSP", "CPTS", "ESP", "CDS"}
    assert set(figures["adherent_teams_by_status"]) == {"en_projet", "labellisee", "sous_aci"}
    assert set(figures["facilitations_by_kind"]) == {
        "sensibilisation", "conseil", "complexe", "specifique", "patient_partenaire"}
    assert figures["facilitations_by_team_type"] == {"MSP": 128, "ESP": 3, "CPTS": 23}
    assert sum(figures["facilitations_by_kind"].values()) == 154
    assert figures["by_departement"]["38"]["facilitations"] == 33
    isere = json.loads(_cli("figures", "--db", str(demo_db), "--year", "2025",
                            "--departement", "Isère", "--json").stdout)
    assert isere["facilitations"] == 33 and isere["facilitated_teams"] == 30
    assert list(isere["by_departement"]) == ["38"]
    est = json.loads(_cli("figures", "--db", str(demo_db), "--year", "2025", "--territory",
                          "Est", "--json").stdout)
    assert est["facilitations"] == 62


def test_cli_usage_errors(demo_db: Path) -> None:
    assert _cli("figures", "--db", str(demo_db)).returncode == 2  # --year missing
    bad = _cli("figures", "--db", str(demo_db), "--year", "2025", "--departement", "Isèr")
    assert bad.returncode == 2 and "Département inconnu" in bad.stderr
    assert _cli("nonsense").returncode == 2
