"""From the regions to France: packages published, verified, consolidated, compared.

FemasAURA&Co's demo store and a small synthetic Fécop store (Occitanie, built by ``observatory
synth`` through the real importers) publish their packages; a national store consolidates them.
Every national figure is checked against the regional stores' own indicators; a newer package
of one region changes only that region; a package with any byte changed, missing or added is
refused and the store stays byte for byte as it was; no masked count can be worked out from
what a package shows.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory import indicators, privacy, store, synth
from observatory.config import Federation, get_federation
from observatory.filters import Scope
from observatory.indicators import national
from observatory.packages import TABLES, PackageRefused, consolidate, files, publish
from observatory.views import carte, home
from observatory.views import national as national_view
from observatory.vocabulary import TEAM_TYPES

AURA = get_federation("femasaura")
FECOP = get_federation("fecop")
FRANCE = get_federation("avecsante")
YEARS = (2024, 2025)
OCCITANIE = synth.Scale("occitanie", ("09", "31", "34", "66"), YEARS, teams=80,
                        facilitations=200, surveys=2, respondents=40, questions=6, fiches=4)


def fecop_store(folder: Path) -> Path:
    """A small Fécop store: synthetic exports of four Occitanie départements, imported."""
    db = folder / "fecop.duckdb"
    synth.generate(folder / "exports", OCCITANIE)
    synth.build(db, folder / "exports", federation="fecop")
    return db


@pytest.fixture(scope="module")
def regions(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("regions")
    fecop = fecop_store(folder)
    return {"femasaura": demo_db, "fecop": fecop,
            "femasaura_pkg": publish.publish(demo_db, folder / "femasaura.zip"),
            "fecop_pkg": publish.publish(fecop, folder / "fecop")}  # a folder package


@pytest.fixture(scope="module")
def national_db(regions: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("national") / "national.duckdb"
    consolidate.consolidate([regions["femasaura_pkg"], regions["fecop_pkg"]], db)
    return db


@pytest.fixture
def national_copy(national_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "national.duckdb"
    shutil.copyfile(national_db, path)
    return path


def _published_respondents(db: Path, federation: Federation, year: int) -> int:
    with store.reading(db) as con:
        return int(store.scalar(con, """
            SELECT count(*) FROM survey_responses r JOIN surveys s USING (survey_id)
            WHERE s.published AND year(s.month) = $year AND r.complete
              AND (list_contains($deps, r.departement) OR r.departement IS NULL)""",
            {"year": year, "deps": list(federation.departements)}))


# -- consolidation -----------------------------------------------------------------------------
@pytest.mark.parametrize("year", YEARS)
def test_every_national_figure_is_the_sum_of_the_regional_ones(
        regions: dict[str, Path], national_db: Path, year: int) -> None:
    feds = ((AURA, regions["femasaura"]), (FECOP, regions["fecop"]))
    for team_type in (None, *TEAM_TYPES):
        scope = Scope(year=year, team_type=team_type)
        nat = national.key_figures(scope, FRANCE, national_db)
        parts = [indicators.key_figures(scope, fed, db) for fed, db in feds]
        assert (parts[0]["adherent_teams"] and parts[1]["adherent_teams"]) or team_type
        for key in ("adherent_teams", "facilitations", "facilitated_teams"):
            assert nat[key] == sum(p[key] for p in parts), (key, team_type)
        for key in ("adherent_teams_by_type", "adherent_teams_by_status",
                    "facilitations_by_team_type"):
            for value in set(nat[key]) | {k for p in parts for k in p[key]}:
                assert nat[key].get(value, 0) == sum(p[key].get(value, 0) for p in parts), (
                    key, value, team_type)
        if nat["aci_teams"] is not None:  # masked only where a package masked a part
            assert nat["aci_teams"] == sum(p["aci_teams"] for p in parts)
            assert nat["aci_total_eur"] == pytest.approx(sum(p["aci_total_eur"] for p in parts))
        if team_type is None:
            assert nat["aci_teams"] is not None  # the federations' totals are exact
            assert nat["survey_respondents"] == sum(
                _published_respondents(db, fed, year) for fed, db in feds)
        for fed, db in feds:  # each département is its federation's
            regional = indicators.key_figures(scope, fed, db)["by_departement"]
            for code, figures in regional.items():
                assert nat["by_departement"][code] == {**figures, "name": figures["name"]}
            whole = national.key_figures(Scope(year=year, team_type=team_type,
                                               territory=fed.region), FRANCE, national_db)
            mine = indicators.key_figures(scope, fed, db)
            assert whole["adherent_teams"] == mine["adherent_teams"]
            assert whole["facilitated_teams"] == mine["facilitated_teams"]
            if whole["aci_teams"] is not None or team_type is None:
                assert whole["aci_total_eur"] == pytest.approx(mine["aci_total_eur"])


def test_the_national_map_shows_each_region_with_its_federation(
        regions: dict[str, Path], national_db: Path) -> None:
    view = carte.build(Scope(year=2025), FRANCE, national_db, indicator="adherent_teams")
    fig = view.figures[0]
    spec = fig.chart.to_dict()  # valid Vega-Lite
    values = next(rows for rows in spec["datasets"].values() if rows and "region" in rows[0])
    by_code = {r["departement"]: r for r in values}
    assert len(by_code) == 101
    assert by_code["38"]["region"] == "Auvergne-Rhône-Alpes (FemasAURA&Co)"
    assert by_code["31"]["region"] == "Occitanie (Fécop)"
    assert by_code["29"]["region"] == "Bretagne (aucun paquet)" and by_code["29"]["value"] is None
    regional = indicators.by_departement(Scope(year=2025), AURA, regions["femasaura"])
    for row in regional.itertuples(index=False):
        assert by_code[row.departement]["value"] == row.adherent_teams
    assert fig.n == 172 + indicators.key_figures(Scope(year=2025), FECOP,
                                                 regions["fecop"])["adherent_teams"]
    assert set(fig.data["Code"]) == set(AURA.departements) | set(FECOP.departements)
    assert {"Région", "Fédération"} <= set(view.tables[0].data.columns)


def test_a_national_figure_holding_a_masked_part_is_masked(national_db: Path) -> None:
    """A national total beside the regions' figures would give a masked regional count back
    (total minus the others): a figure adding a masked part is masked, never a partial sum,
    and a masked département is not a 0 (the ACI teams: what the packages mask)."""
    looked = 0
    for team_type in (None, *TEAM_TYPES):
        fine = {"t": team_type, "g": "departement+team_type" if team_type else "departement"}
        coarse = {"t": team_type, "g": "team_type" if team_type else "total"}
        with store.reading(national_db) as con:
            rows = con.execute("SELECT year, departement, aci_teams AS n FROM package_members "
                               "WHERE grain = $g AND ($t IS NULL OR team_type = $t)",
                               fine).df()
            whole = con.execute("SELECT year, aci_teams AS n FROM package_members "
                                "WHERE grain = $g AND ($t IS NULL OR team_type = $t)",
                                coarse).df()
        masked = rows[rows["n"].isna()]
        looked += len(masked)
        for year in YEARS:
            scope = Scope(year=year, team_type=team_type)
            per_dep = national.by_departement(scope, FRANCE, national_db).set_index(
                "departement")
            for row in rows[rows["year"] == year].itertuples(index=False):
                value = per_dep.loc[row.departement, "aci_teams"]
                assert pd.isna(value) if pd.isna(row.n) else value == row.n, row
            parts = whole[whole["year"] == year]["n"]
            figure = national.key_figures(scope, FRANCE, national_db)["aci_teams"]
            assert figure == (None if parts.isna().any() else int(parts.sum()))
            for row in masked[masked["year"] == year].head(3).itertuples(index=False):
                one = Scope(year=year, team_type=team_type, departement=row.departement)
                assert national.key_figures(one, FRANCE, national_db)["aci_teams"] is None
    assert looked  # the packages mask some: the test had something to see


def test_a_newer_package_of_one_region_replaces_that_region_only(
        regions: dict[str, Path], national_copy: Path, tmp_path: Path) -> None:
    def rows(fid: str) -> dict[str, list]:
        with store.reading(national_copy) as con:
            return {t: con.execute(f"SELECT * FROM package_{t} WHERE federation = $f "
                                   "ORDER BY ALL", {"f": fid}).fetchall() for t in TABLES}

    aura_before, fecop_before = rows("femasaura"), rows("fecop")
    newer = publish.publish(regions["fecop"], tmp_path / "fecop-2025.zip", [2025])
    [report] = consolidate.consolidate([newer], national_copy)
    assert report.federation == "fecop" and report.replaced is not None
    assert rows("femasaura") == aura_before  # the other region: not a row changed
    fecop_after = rows("fecop")
    assert fecop_after != fecop_before
    assert {r[1] for r in fecop_after["members"]} == {2025}  # its 2024 rows are gone
    assert {r for r in fecop_before["members"] if r[1] == 2025} == set(fecop_after["members"])
    figures = national.key_figures(Scope(year=2024), FRANCE, national_copy)
    assert figures["adherent_teams"] == 158  # 2024: FemasAURA&Co's only now
    # an older package of the same federation is refused, the store left as it was
    before = national_copy.read_bytes()
    with pytest.raises(PackageRefused, match="plus ancien"):
        consolidate.consolidate([regions["fecop_pkg"]], national_copy)
    assert national_copy.read_bytes() == before


def _flipped(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_package_with_one_flipped_byte_is_refused(regions: dict[str, Path],
                                                    national_copy: Path, tmp_path: Path) -> None:
    before = national_copy.read_bytes()
    original = regions["femasaura_pkg"].read_bytes()
    # every part of the archive: headers, each file, the manifest, the directory, the comment
    positions = sorted({*range(0, len(original), max(1, len(original) // 60)),
                        len(original) - 1, len(original) - 70, len(original) - 90})
    for position in positions:
        bad = tmp_path / "femasaura.zip"
        bad.write_bytes(original)
        _flipped(bad, position)
        with pytest.raises(PackageRefused, match="refusé") as refused:
            consolidate.consolidate([bad], national_copy)
        assert "Rien n'a été importé" in refused.value.message
        assert national_copy.read_bytes() == before, position
    truncated = tmp_path / "tronque.zip"
    truncated.write_bytes(original[: len(original) // 2])
    with pytest.raises(PackageRefused, match="tronquée"):
        consolidate.consolidate([truncated], national_copy)
    assert national_copy.read_bytes() == before


def test_a_changed_missing_or_added_file_of_a_folder_package_is_refused(
        regions: dict[str, Path], national_copy: Path, tmp_path: Path) -> None:
    before = national_copy.read_bytes()
    source = regions["fecop_pkg"]
    names = sorted(p.name for p in source.iterdir())
    cases = [(name, "flip") for name in names] + [("members.parquet", "drop"),
                                                   ("en_trop.csv", "add")]
    for name, change in cases:
        folder = tmp_path / f"{change}-{name}"
        shutil.copytree(source, folder)
        if change == "flip":
            _flipped(folder / name, len((folder / name).read_bytes()) // 2)
        elif change == "drop":
            (folder / name).unlink()
        else:
            (folder / name).write_text("Nom;Courriel\n", encoding="utf-8")
        with pytest.raises(PackageRefused, match="refusé"):
            consolidate.consolidate([folder], national_copy)
        assert national_copy.read_bytes() == before, (name, change)


def test_a_consistent_but_false_manifest_is_refused(regions: dict[str, Path],
                                                    national_copy: Path, tmp_path: Path) -> None:
    """Even rewritten with valid checksums, a file that is not its table is refused."""
    folder = tmp_path / "faux"
    shutil.copytree(regions["fecop_pkg"], folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("checksum")
    manifest["federations"][0]["departements"] = ["09"]  # rows of 31, 34, 66 now out of place
    (folder / "manifest.json").write_bytes(files.sealed(manifest))
    before = national_copy.read_bytes()
    with pytest.raises(PackageRefused, match="hors des départements"):
        consolidate.consolidate([folder], national_copy)
    assert national_copy.read_bytes() == before


def test_two_federations_on_one_departement_and_year_are_refused(
        regions: dict[str, Path], national_copy: Path, tmp_path: Path) -> None:
    rival = Federation("rivale", "Fédération rivale", "Auvergne-Rhône-Alpes", "84",
                       ("38", "73"))
    package = publish.publish(regions["femasaura"], tmp_path / "rivale.zip", federation=rival)
    before = national_copy.read_bytes()
    with pytest.raises(PackageRefused, match="38, 73 en 2024, 2025, déjà couvert par femasaura"):
        consolidate.consolidate([package], national_copy)
    assert national_copy.read_bytes() == before


def test_packages_go_where_they_belong(regions: dict[str, Path], national_db: Path,
                                       demo_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageRefused, match="base d'une fédération"):
        consolidate.consolidate([regions["fecop_pkg"]], demo_copy)
    with pytest.raises(PackageRefused, match="pas le paquet national"):
        consolidate.load_reference(regions["fecop_pkg"], demo_copy)
    france = publish.publish(national_db, tmp_path / "france.zip")
    with pytest.raises(PackageRefused, match="paquet national"):
        consolidate.consolidate([france], tmp_path / "autre.duckdb")
    assert not (tmp_path / "autre.duckdb").exists()  # a refused package creates nothing
    from observatory import imports
    from observatory.imports.errors import ImportRefused

    with pytest.raises(ImportRefused, match="base nationale"):
        imports.import_file("fiches", Path("data/demo/fiches_capitalisation.csv"),
                            db=national_db)


def test_publishing_is_deterministic(regions: dict[str, Path], tmp_path: Path) -> None:
    import datetime as dt

    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    one = publish.publish(regions["fecop"], tmp_path / "un.zip", now=when).read_bytes()
    two = publish.publish(regions["fecop"], tmp_path / "deux.zip", now=when).read_bytes()
    assert one == two
    manifest = json.loads(zipfile.ZipFile(tmp_path / "un.zip").read("manifest.json"))
    assert manifest["federations"][0]["threshold"] == privacy.threshold()
    assert manifest["schema_version"] == 1 and manifest["created_at"] == "2026-03-01T09:30:00"
    for name, info in manifest["files"].items():
        data = zipfile.ZipFile(tmp_path / "un.zip").read(name)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()
        (tmp_path / name).write_bytes(data)
        rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path / name}')").fetchall()
        assert info["rows"] == rows[0][0]


# -- what a package holds ------------------------------------------------------------------------
def test_each_published_count_is_the_stores_own(regions: dict[str, Path]) -> None:
    """The package's rows are the store's figures, at every grain (those not masked)."""
    with files.opened(regions["femasaura_pkg"]) as package:
        members = duckdb.sql(f"SELECT * FROM '{package.path('members')}'").df()
    db = regions["femasaura"]
    for row in members.sample(60, random_state=1).itertuples(index=False):
        scope = Scope(year=row.year, departement=row.departement if isinstance(
            row.departement, str) else None, team_type=row.team_type if isinstance(
            row.team_type, str) else None)
        figures = indicators.membership_figures(scope, AURA, db)
        if isinstance(row.status, str):
            expected = figures["adherent_teams_by_status"].get(row.status, 0)
        else:
            expected = figures["adherent_teams"]
        assert row.teams == expected, row
        if not pd.isna(row.aci_teams) and not isinstance(row.status, str):
            assert row.aci_teams == figures["aci_teams"]
            assert row.aci_total_eur == pytest.approx(figures["aci_total_eur"])
    # Fécop's 2024 survey is not published: it is not in its package
    published = duckdb.sql(f"SELECT survey_id FROM '{regions['fecop_pkg'] / 'surveys.parquet'}'")
    assert [r[0] for r in published.fetchall()] == ["2025-09-attractivite"]


def _recoverable(df: pd.DataFrame, count: str, dims: list[str]) -> list[int]:
    """An attacker: the masked rows whose count sums and differences of shown rows give back.
    Unknowns are the finest cells; every shown row is a known sum of them."""
    finest = np.flatnonzero(df[dims].notna().all(axis=1).to_numpy())
    keys = df[dims].astype(str).to_numpy()
    given = df[dims].notna().to_numpy()
    incidence = np.ones((len(df), len(finest)))
    for d in range(len(dims)):
        agree = keys[:, d][:, None] == keys[finest, d][None, :]
        incidence *= np.where(given[:, d][:, None], agree, True)
    hidden = df[count].isna().to_numpy()
    known = incidence[~hidden]
    if not len(known) or not hidden.any():
        return []
    _, singular, vt = np.linalg.svd(known, full_matrices=True)
    rank = int((singular > 1e-9).sum())
    basis = vt[rank:].T
    return [int(r) for r in np.flatnonzero(hidden)
            if not basis.size or np.abs(incidence[r] @ basis).max() < 1e-9]


def test_no_masked_count_of_a_package_can_be_worked_out(regions: dict[str, Path]) -> None:
    looked = 0
    for key in ("femasaura_pkg", "fecop_pkg"):
        with files.opened(regions[key]) as package:
            def table(name: str) -> pd.DataFrame:
                return duckdb.sql(f"SELECT * FROM '{package.path(name)}'").df()

            members, portrait = table("members"), table("portrait")
            answers, respondents = table("survey_answers"), table("survey_respondents")
            qtypes = table("survey_questions").set_index(["survey_id", "question_id"])["qtype"]
        for _, part in members.groupby("year"):
            looked += part["aci_teams"].isna().sum()
            assert not _recoverable(part.reset_index(drop=True), "aci_teams",
                                    ["departement", "team_type", "status"])
        for (_, field), part in portrait.groupby(["year", "field"]):
            if field in ("profession", "mission", "protocol"):
                continue  # several answers each: every answer is a table of its own
            looked += part["teams"].isna().sum()
            assert not _recoverable(part.reset_index(drop=True), "teams",
                                    ["departement", "team_type", "value"]), field
        for key, part in answers.groupby(["survey_id", "question_id"]):
            if qtypes[key] == "multiple":
                continue  # several answers each: the answers add up to nothing
            # one answer each (or a bin): the answers add up to who answered (value NULL)
            cell = part["value"].where(part["value"].notna(), part["bin_start"].map(
                lambda v: None if pd.isna(v) else repr(v)))
            looked += part["respondents"].isna().sum()
            assert not _recoverable(part.assign(cell=cell).reset_index(drop=True),
                                    "respondents", ["cell"]), key
        for _, part in respondents.groupby("survey_id"):
            looked += part["respondents"].isna().sum()
            for dim in ("departement", "profession"):
                rows = part[part["grain"].isin([dim, "total"])].reset_index(drop=True)
                assert not _recoverable(rows, "respondents", [dim])
    assert looked  # some counts are masked: the attack had something to look for


def test_without_complements_the_attack_recovers_a_masked_count() -> None:
    """The control: primary suppression alone, on a table published with its margins."""
    cube = pd.DataFrame({"dep": ["A", "A", "B", "B", "A", "B", None, None, None],
                         "type": ["X", "Y", "X", "Y", None, None, "X", "Y", None],
                         "n": [3, 10, 8, 12, 13, 20, 11, 22, 33]})
    primary = cube.assign(n=cube["n"].where(~cube["n"].between(1, 4)))
    assert _recoverable(primary, "n", ["dep", "type"]) == [0]
    hidden = privacy.suppression(cube, ["n"], cube=privacy.Cube(("dep", "type")))["n"]
    assert list(hidden) == [True] * 4 + [False] * 5
    protected = cube.assign(n=cube["n"].where(~hidden))
    assert _recoverable(protected, "n", ["dep", "type"]) == []


@pytest.mark.parametrize("seed", range(25))
def test_cube_suppression_leaves_nothing_to_recover(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dims = ["d", "t", "s"]
    fine = pd.DataFrame([(f"d{d}", f"t{t}", f"s{s}", int(rng.integers(1, 12)))
                         for d, t, s in itertools.product(range(5), range(3), range(3))
                         if rng.random() < 0.6], columns=[*dims, "n"])
    parts = []
    for k in range(4):
        for combo in itertools.combinations(dims, k):
            grouped = (fine.groupby(list(combo), as_index=False)["n"].sum() if combo
                       else pd.DataFrame({"n": [fine["n"].sum()]}))
            parts.append(grouped.reindex(columns=[*dims, "n"]))
    cube = pd.concat(parts, ignore_index=True)
    hidden = privacy.suppression(cube, ["n"], cube=privacy.Cube(tuple(dims)))["n"]
    assert (hidden >= cube["n"].between(1, 4).to_numpy()).all()
    assert _recoverable(cube.assign(n=cube["n"].where(~hidden)), "n", dims) == []


# -- no personal data --------------------------------------------------------------------------
EMAIL = "zzqx-contact@example.org"
TEAM = "MSP Zzqxequipe"
FINESS = "380099917"
FACILITATOR = "Zzqxfacilitatrice"
RESPONDENT = "Zzqxnom Repondant"
RESPONDENT_EMAIL = "zzqx-repondant@example.org"
FREE_TEXT = "Zzqxtexte libre"
OTHER_TEXT = "Zzqxautre"
SOFTWARE = "Zzqxlogiciel"
MISSION = "Zzqxmission"
PROFESSION = "Zzqxprofession"
TITLE = "Enquête Zzqxtitre"  # published text: the control that the search sees Parquet text
NEVER = (EMAIL, TEAM, "Zzqxequipe", FINESS, FACILITATOR, RESPONDENT, RESPONDENT_EMAIL,
         FREE_TEXT, OTHER_TEXT, SOFTWARE, MISSION, PROFESSION)


@pytest.fixture(scope="module")
def marked(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with a team, a facilitation and a survey full of marker strings."""
    from observatory import imports
    from observatory.imports import Choices

    folder = tmp_path_factory.mktemp("marked")
    db = folder / "marked.duckdb"
    shutil.copyfile(demo_db, db)
    form = folder / "adhesions_marqueur.csv"
    form.write_text(
        "Nom de la structure;N° FINESS;Type de structure;Stade;Département;Commune;Année;"
        "Email;Système d'information partagé;Missions de santé publique\n"
        f"{TEAM};{FINESS};MSP;Sous ACI;38;Grenoble;2025;{EMAIL};{SOFTWARE};{MISSION}\n"
        f"MSP Zzqxequipe Deux;;MSP;Sous ACI;38;Vienne;2025;;Autre : {OTHER_TEXT};\n",
        encoding="utf-8")
    log = folder / "journal_marqueur.csv"
    log.write_text("Date;Département;Équipe(s);Type de structure;Profil de l'équipe;"
                   "Type de facilitation;Facilitateur(s)\n"
                   f"12/06/2025;38;{TEAM};MSP;Sous ACI;Conseil et soutien;{FACILITATOR}\n",
                   encoding="utf-8")
    survey = folder / "enquete_marqueur.csv"
    rows = [f"0{d}/06/2025 09:00:00,Isère,Médecin généraliste,{RESPONDENT_EMAIL},{RESPONDENT},"
            f"Oui,{FREE_TEXT if d == 2 else 'RAS ' + str(d)}" for d in range(2, 9)]
    rows.append(f"09/06/2025 09:00:00,Isère,{PROFESSION},,,Autre : {OTHER_TEXT},Rien")
    survey.write_text("Horodateur,Votre département,Votre profession,Adresse e-mail,Nom,"
                      "Votre avis ?,Vos remarques ?\n" + "\n".join(rows) + "\n",
                      encoding="utf-8")
    imports.import_file("adhesions", form, db=db)
    imports.import_file("facilitations", log, db=db, choices=Choices(None, None, "confirm"))
    imports.import_file("survey", survey, db=db, survey_meta={
        "id": "2025-06-marqueur", "title": TITLE, "date": "2025-06", "published": True})
    with store.reading(db) as con:  # the markers are in the store: they could leak
        text = json.dumps(con.execute("SELECT * FROM teams").fetchall()) + json.dumps(
            con.execute("SELECT * FROM facilitations").fetchall(), default=str)
        answers = json.dumps(con.execute("SELECT * FROM survey_answers").fetchall())
    assert FINESS in text and FACILITATOR in text and FREE_TEXT in answers
    return db


def _package_bytes(package: Path) -> bytes:
    if package.is_dir():
        return b"".join(p.read_bytes() for p in sorted(package.iterdir()))
    return package.read_bytes()


@pytest.mark.parametrize("register", [False, True], ids=["sans registre", "avec registre"])
@pytest.mark.parametrize("form", ["zip", "dossier"])
def test_no_personal_data_in_any_byte_of_a_package(marked: Path, tmp_path: Path,
                                                   register: bool, form: str) -> None:
    out = tmp_path / ("paquet.zip" if form == "zip" else "paquet")
    package = publish.publish(marked, out, team_register=register)
    data = _package_bytes(package)
    assert TITLE.encode() in data  # the control: a published text is there, readable as is
    for marker in NEVER:
        if marker == FINESS and register:
            continue
        assert marker.encode() not in data, marker
    assert (FINESS.encode() in data) is register  # the register: its FINESS only
    with files.opened(package) as opened:  # and in every value read back
        for table in opened.tables:
            text = duckdb.sql(f"SELECT * FROM '{opened.path(table)}'").df().to_csv()
            for marker in NEVER:
                assert marker not in text or (marker == FINESS and table == "team_register")


def test_the_team_register_adds_finess_type_and_commune_only(regions: dict[str, Path],
                                                             tmp_path: Path) -> None:
    import datetime as dt

    when = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    plain = publish.publish(regions["fecop"], tmp_path / "plain", now=when)
    full = publish.publish(regions["fecop"], tmp_path / "full", team_register=True, now=when)
    assert sorted(p.name for p in full.iterdir()) == sorted(
        [*(p.name for p in plain.iterdir()), "team_register.parquet"])
    for path in plain.iterdir():
        if path.name != "manifest.json":
            assert path.read_bytes() == (full / path.name).read_bytes(), path.name
    register = duckdb.sql(f"SELECT * FROM '{full / 'team_register.parquet'}'").df()
    assert list(register.columns) == ["federation", "finess", "team_type", "commune"]
    with store.reading(regions["fecop"]) as con:
        expected = con.execute("SELECT count(DISTINCT external_id) FROM teams JOIN memberships "
                               "USING (team_id) WHERE external_id IS NOT NULL").fetchone()
    assert expected is not None and len(register) == expected[0] > 0


# -- the pages of a national store, and France next to a region -----------------------------------
def test_a_regional_store_compares_with_the_national_reference(
        regions: dict[str, Path], national_db: Path, demo_copy: Path, tmp_path: Path) -> None:
    before = home.build(Scope(year=2025), AURA, demo_copy)
    assert not any("100 000" in m.label for m in before.metrics)  # no reference, no France
    france = publish.publish(national_db, tmp_path / "france.zip")
    loaded = consolidate.load_reference(france, demo_copy)
    assert {r.federation for r in loaded} == {"femasaura", "fecop"}
    view = home.build(Scope(year=2025), AURA, demo_copy)
    [rate] = [m for m in view.metrics if "100 000" in m.label]
    reference = national.reference(2025, None, demo_copy)
    assert reference is not None and reference.teams == national.key_figures(
        Scope(year=2025), FRANCE, national_db)["adherent_teams"]
    assert rate.delta == f"France : {national_view.shown(reference.per_100k, 'rate')}"
    assert "Auvergne-Rhône-Alpes" in rate.help and "2 fédérations" in rate.help
    own = indicators.key_figures(Scope(year=2025), AURA, demo_copy)
    assert own["adherent_teams"] == 172  # the region's own figures are untouched
    carte_view = carte.build(Scope(year=2025), AURA, demo_copy, indicator="per_100k")
    assert "France (2 fédérations, 25 départements couverts)" in carte_view.figures[0].caption


def test_command_line_publish_consolidate_reference(regions: dict[str, Path],
                                                    tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True,
                              text=True, timeout=300)

    out = tmp_path / "aura.zip"
    done = run("publish", "--year", "2025", "--out", str(out), "--db",
               str(regions["femasaura"]))
    assert done.returncode == 0, done.stderr
    assert json.loads(zipfile.ZipFile(out).read("manifest.json"))["years"] == [2025]
    nat = tmp_path / "national.duckdb"
    done = run("consolidate", str(out), str(regions["fecop_pkg"]), "--db", str(nat))
    assert done.returncode == 0, done.stderr
    assert "FemasAURA&Co (femasaura) : années 2025" in done.stdout and "Fécop" in done.stdout
    _flipped(out, 200)
    before = nat.read_bytes()
    done = run("consolidate", str(out), "--db", str(nat))
    assert done.returncode == 1 and "refusé" in done.stderr and "Traceback" not in done.stderr
    assert nat.read_bytes() == before
    done = run("publish", "--years", "2016-20x5", "--out", str(tmp_path / "x.zip"))
    assert done.returncode == 2 and "Années illisibles" in done.stderr


# -- the administration page -------------------------------------------------------------------
def _admin_page(db: Path, federation: Federation, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    from observatory.ui.shell import Context

    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    page = Path(__file__).resolve().parents[1] / "pages" / "administration.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.session_state["_context"] = Context(federation, Scope(year=2025), {}, list(YEARS),
                                           "admin")
    at.session_state["role"] = "admin"
    at.run()
    assert not at.exception
    return at


def test_an_admin_publishes_then_the_national_team_consolidates_on_the_page(
        regions: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from observatory.ui.packages import READY

    regional = tmp_path / "region.duckdb"
    shutil.copyfile(regions["fecop"], regional)
    at = _admin_page(regional, FECOP, monkeypatch)
    at.button(key="paquet_preparer").click().run()
    assert not at.exception and not at.error
    name, payload = at.session_state[READY]
    assert name.startswith("paquet_fecop_") and name.endswith(".zip")
    package = tmp_path / name
    package.write_bytes(payload)
    with files.opened(package) as opened:  # a whole, verified package
        assert opened.manifest["federations"][0]["id"] == "fecop"

    nat = tmp_path / "national.duckdb"
    consolidate.consolidate([regions["femasaura_pkg"]], nat)
    at = _admin_page(nat, FRANCE, monkeypatch)
    at.file_uploader(key="paquets_regionaux").upload(name, payload, "application/zip").run()
    at.button(key="paquets_consolider").click().run()
    assert not at.exception and not at.error
    assert any("Fécop" in s.value for s in at.success)
    assert set(national.packages(nat)["federation"]) == {"femasaura", "fecop"}
    flipped = bytearray(payload)
    flipped[len(flipped) // 2] ^= 0x01
    before = nat.read_bytes()
    at.file_uploader(key="paquets_regionaux").upload(name, bytes(flipped),
                                                     "application/zip").run()
    at.button(key="paquets_consolider").click().run()
    assert at.error and not at.exception  # refused in French, the store as it was
    assert nat.read_bytes() == before
