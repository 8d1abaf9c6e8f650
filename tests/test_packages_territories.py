"""One store, several regions: each territory published as its own federation, then France.

A synthetic store under the national profile (``avecsante``: its territories are the regions)
covering two regions is published region by region (``publish --territory``); each package
names its own federation, its region and only its départements, and the national store they
consolidate into gives back the store's own figures, France and each region. Two packages
covering one département and year are still refused, and the app's every page runs on the
national store.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from observatory import indicators, store, synth
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.indicators import national
from observatory.packages import PackageRefused, consolidate, publish
from observatory.pages import PAGES

FRANCE = get_federation("avecsante")
ARA, OCC = "Auvergne-Rhône-Alpes", "Occitanie"
YEARS = (2024, 2025)
TWO_REGIONS = synth.Scale("two-regions", ("01", "38", "31", "34"), YEARS, teams=90,
                          facilitations=240, surveys=2, respondents=40, questions=6, fiches=4)
APP = str(Path(__file__).resolve().parents[1] / "app.py")
# a complete response without a département: the whole store counts it, no region does
UNPLACED = ("SELECT r.survey_id, min(r.response_id) FROM survey_responses r JOIN surveys s "
            "USING (survey_id) WHERE r.complete AND s.published GROUP BY ALL ORDER BY 1 LIMIT 1")


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("territories")
    db = folder / "france.duckdb"
    synth.generate(folder / "exports", TWO_REGIONS)
    synth.build(db, folder / "exports")
    with store.writing(db) as con:
        con.execute("UPDATE surveys SET published = true")
        survey, response = con.execute(UNPLACED).fetchall()[0]
        con.execute("UPDATE survey_responses SET departement = NULL WHERE survey_id = $s AND "
                    "response_id = $r", {"s": survey, "r": response})
    packages = {t: publish.publish(db, folder / f"{t}.zip", territory=t) for t in (ARA, OCC)}
    nat = folder / "national.duckdb"
    consolidate.consolidate(list(packages.values()), nat)
    return {"store": db, "national": nat, ARA: packages[ARA], OCC: packages[OCC]}


def _manifest(package: Path) -> dict:
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read("manifest.json"))


def test_each_territory_is_published_as_a_federation_of_its_own(
        regions: dict[str, Path]) -> None:
    manifest = _manifest(regions[ARA])
    assert manifest["federation"] == {"id": "avecsante-auvergne-rhone-alpes",
                                      "name": "AVECsanté – Auvergne-Rhône-Alpes"}
    (entry,) = manifest["federations"]
    assert entry["region"] == ARA and entry["region_code"] == "84"
    assert entry["departements"] == list(FRANCE.territories[ARA])
    assert entry["part_of"] == {"id": "avecsante", "name": "AVECsanté", "territory": ARA}
    assert entry["years"] == list(YEARS)
    found = store.query("SELECT DISTINCT federation, departement FROM package_members "
                        "WHERE departement IS NOT NULL", db=regions["national"])
    for row in found.itertuples(index=False):
        region = ARA if row.federation.endswith("auvergne-rhone-alpes") else OCC
        assert row.departement in FRANCE.territories[region]
    assert set(found["departement"]) == {"01", "38", "31", "34"}


@pytest.mark.parametrize("year", YEARS)
def test_the_regions_packages_give_back_the_stores_own_figures(
        regions: dict[str, Path], year: int) -> None:
    """France from the two packages is the store's France; each region, the store's region
    (computed from the store's own rows, not from the packages)."""
    for territory in (None, ARA, OCC):
        scope = Scope(year=year, territory=territory)
        nat = national.key_figures(scope, FRANCE, regions["national"])
        mine = indicators.key_figures(scope, FRANCE, regions["store"])
        assert mine["adherent_teams"] and mine["facilitations"]
        for key in ("adherent_teams", "facilitations", "facilitated_teams",
                    "adherent_teams_by_type", "adherent_teams_by_status"):
            assert nat[key] == mine[key], (key, territory)
        for code, figures in mine["by_departement"].items():
            if code in {"01", "38", "31", "34"}:
                assert nat["by_departement"][code]["adherent_teams"] == figures["adherent_teams"]


def test_a_response_without_departement_is_in_no_regions_package(
        regions: dict[str, Path], tmp_path: Path) -> None:
    whole = publish.publish(regions["store"], tmp_path / "whole.zip")
    con = duckdb.connect()
    totals = {}
    for name, package in (("whole", whole), (ARA, regions[ARA]), (OCC, regions[OCC])):
        folder = tmp_path / name.replace(" ", "_")
        zipfile.ZipFile(package).extractall(folder)
        totals[name] = dict(con.execute(
            f"SELECT survey_id, respondents FROM '{folder / 'survey_respondents.parquet'}' "
            "WHERE grain = 'total'").fetchall())
    assert totals["whole"]
    for survey, n in totals["whole"].items():
        parts = totals[ARA].get(survey, 0) + totals[OCC].get(survey, 0)
        assert parts in (n, n - 1), survey  # the unplaced response is its survey's only one
    assert sum(totals["whole"].values()) == sum(
        sum(totals[t].values()) for t in (ARA, OCC)) + 1


def test_one_departement_and_year_in_two_packages_is_still_refused(
        regions: dict[str, Path], tmp_path: Path) -> None:
    twice = publish.publish(regions["store"], tmp_path / "twice.zip", territory=ARA,
                            federation_id="ara-bis", federation_name="ARA bis")
    assert _manifest(twice)["federation"] == {"id": "ara-bis", "name": "ARA bis"}
    copy = tmp_path / "national.duckdb"
    shutil.copyfile(regions["national"], copy)
    before = copy.read_bytes()
    with pytest.raises(PackageRefused, match="déjà couvert par"):
        consolidate.consolidate([twice], copy)
    assert copy.read_bytes() == before


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"territory": "Atlantide"}, "n'est pas un territoire de AVECsanté"),
    ({"territory": ARA, "federation_id": "avecsante"}, "identifiant de AVECsanté"),
    ({"territory": ARA, "federation_id": "femasaura"}, "identifiant de FemasAURA"),
    ({"territory": ARA, "federation_id": "Région ARA"}, "minuscules"),
    ({"federation_id": "ara"}, "qu'avec --territory"),
])
def test_a_package_never_names_a_federation_that_does_not_cover_it(
        regions: dict[str, Path], tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(PackageRefused, match=message):
        publish.publish(regions["store"], tmp_path / "p.zip", **kwargs)
    assert not (tmp_path / "p.zip").exists()


def test_command_line_publishes_one_territory(regions: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sub" / "occitanie.zip"  # a folder that does not exist yet
    done = subprocess.run(
        [sys.executable, "-m", "observatory", "publish", "--db", str(regions["store"]),
         "--years", "2024-2025", "--territory", OCC, "--federation-id", "synth-occitanie",
         "--federation-name", "Occitanie (synthétique)", "--out", str(out)],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    entry = _manifest(out)["federations"][0]
    assert (entry["id"], entry["name"], entry["region"]) == (
        "synth-occitanie", "Occitanie (synthétique)", OCC)
    assert entry["departements"] == list(FRANCE.territories[OCC])


@pytest.mark.parametrize("page", [p for p in PAGES if p.view], ids=lambda p: p.id)
def test_every_page_runs_on_the_national_store(regions: dict[str, Path], page,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(regions["national"]))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page.file)
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert len(list(at.main)) > 1  # the page drew something
