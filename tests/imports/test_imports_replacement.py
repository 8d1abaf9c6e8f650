"""Nothing deleted by surprise (issue 13): a facilitation log replaces the months it covers, an
import removing more than it adds waits for a confirmation, a name is a team only within its
département, and teams joined by "," "et" "/" are split only where the parts are known teams.

Expected counts come from the files themselves (read with openpyxl or csv), not the importer.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from observatory import imports, store
from observatory.imports import facilitations
from observatory.imports.normalise import fold

CORPUS = Path(__file__).resolve().parent / "corpus"
DEMO_LOG = Path(__file__).resolve().parents[2] / "data" / "demo" / "facilitations.xlsx"
DECEMBER = CORPUS / "journal_decembre_2025.xlsx"
DECEMBER_31 = CORPUS / "journal_decembre_2025_31_lignes.xlsx"


def months_of(path: Path) -> Counter:
    """Facilitations per (year, month) of a log, read straight from the workbook."""
    ws = load_workbook(path, read_only=True).worksheets[0]
    return Counter((r[0].year, r[0].month) for r in ws.iter_rows(min_row=2, values_only=True))


def stored_months(db: Path) -> Counter:
    df = store.query("SELECT year, month(fac_date) AS m, count(*) AS n FROM facilitations "
                     "GROUP BY ALL", db=db)
    return Counter({(int(r.year), int(r.m)): int(r.n) for r in df.itertuples(index=False)})


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", "import", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_a_log_of_december_replaces_december_only(demo_copy):
    demo, december = months_of(DEMO_LOG), months_of(DECEMBER)
    assert stored_months(demo_copy) == demo and sum(
        n for (y, _), n in demo.items() if y == 2025) == 154
    teams = store.query("SELECT count(*) AS n FROM teams", db=demo_copy)["n"][0]
    preview = imports.read_import("facilitations", DECEMBER, db=demo_copy)
    assert preview.replacement["months"] == {
        "label": "décembre 2025", "removed": 0, "added": 1, "unchanged": demo[2025, 12],
        "teams_removed": 0}
    assert preview.replacement["year"]["removed"] == 154 - demo[2025, 12]
    report = imports.import_file("facilitations", DECEMBER, db=demo_copy)
    # it used to replace all 154 facilitations of 2025 and delete 13 teams
    assert stored_months(demo_copy) == demo + Counter({(2025, 12): 1})
    assert december[2025, 12] == demo[2025, 12] + 1
    assert report.created_teams == 1  # MSP des Tilleuls is no team of the demo
    assert store.query("SELECT count(*) AS n FROM teams", db=demo_copy)["n"][0] == teams + 1


def test_valid_rows_only_keeping_one_row_of_31_waits_for_a_confirmation(demo_copy, state):
    demo = months_of(DEMO_LOG)
    assert sum(months_of(DECEMBER_31).values()) == 31
    before = state(demo_copy)
    done = cli("facilitations", DECEMBER_31, "--db", demo_copy, "--valid-rows-only")
    assert done.returncode == 1
    removed = demo[2025, 12] - 1  # the one valid row is one of the demo's December rows
    assert (f"Cet import retirerait {removed} facilitation(s) déjà enregistrée(s) pour "
            "décembre 2025 et n'en ajouterait que 0") in done.stderr
    assert "--confirm-deletions" in done.stderr and "--replace-year" in done.stderr
    assert f"décembre 2025 : {removed} retirée(s), 0 ajoutée(s), 1 inchangée(s)" in done.stdout
    assert state(demo_copy) == before  # refused: the store is byte for byte as it was
    dry = cli("facilitations", DECEMBER_31, "--db", demo_copy, "--valid-rows-only", "--dry-run")
    assert dry.returncode == 1 and "retire plus qu'il n'ajoute" in dry.stderr
    assert state(demo_copy) == before
    preview = imports.read_import("facilitations", DECEMBER_31, db=demo_copy)
    done = cli("facilitations", DECEMBER_31, "--db", demo_copy, "--valid-rows-only",
               "--confirm-deletions")
    assert done.returncode == 0, done.stderr
    assert stored_months(demo_copy) == demo - Counter({(2025, 12): removed})
    gone = preview.replacement["months"]["teams_removed"]
    assert (f"{gone} équipe(s) qui n'étaient plus citées nulle part retirée(s)" in done.stdout
            if gone else "plus citées" not in done.stdout)


def test_replace_year_is_the_explicit_choice_to_replace_the_whole_year(demo_copy):
    demo = months_of(DEMO_LOG)
    done = cli("facilitations", DECEMBER, "--db", demo_copy, "--replace-year")
    assert done.returncode == 0, done.stderr
    after = stored_months(demo_copy)
    assert sum(n for (y, _), n in after.items() if y == 2025) == demo[2025, 12] + 1
    assert {k: n for k, n in after.items() if k[0] == 2024} == {
        k: n for k, n in demo.items() if k[0] == 2024}


def test_membership_form_replaces_the_answers_of_its_teams_only(demo_copy):
    """A newer export for a year replaces that year's answers of the teams it contains: the
    other teams' answers and every team stay (nothing is deleted as an orphan)."""
    before = store.query("SELECT count(*) AS n FROM memberships WHERE year = 2025",
                         db=demo_copy)["n"][0]
    teams = store.query("SELECT count(*) AS n FROM teams", db=demo_copy)["n"][0]
    report = imports.import_file("adhesions", CORPUS / "adhesions_formulaire_minimal.csv",
                                 db=demo_copy)
    assert store.query("SELECT count(*) AS n FROM memberships WHERE year = 2025",
                       db=demo_copy)["n"][0] == before + 2
    assert store.query("SELECT count(*) AS n FROM teams", db=demo_copy)["n"][0] == teams + 2
    assert not report.replacement


# -- teams -----------------------------------------------------------------------------------
def test_same_named_teams_of_three_departements_stay_three_teams(db, count):
    with (CORPUS / "journal_homonymes.csv").open(encoding="cp1252", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    expected = Counter(r["Département"] for r in {
        (fold(r["Équipe(s)"]), r["Département"]): r for r in rows}.values())
    assert sum(expected.values()) == 6  # MSP du Centre in 38, 74, 63; MSP des Lilas in 01, 69
    report = imports.import_file("facilitations", CORPUS / "journal_homonymes.csv", db=db)
    assert count("SELECT count(DISTINCT team_id) FROM facilitation_teams") == 6
    per_dep = store.query(
        "SELECT f.departement, count(DISTINCT ft.team_id) AS n FROM facilitations f "
        "JOIN facilitation_teams ft USING (facilitation_id) GROUP BY ALL", db=db)
    assert dict(zip(per_dep["departement"], per_dep["n"], strict=True)) == dict(expected)
    # every team lies in the département of its facilitations
    assert count("SELECT count(*) FROM facilitations f JOIN facilitation_teams USING "
                 "(facilitation_id) JOIN teams t USING (team_id) "
                 "WHERE t.departement <> f.departement") == 0
    assert any("« MSP du Centre » (74, homonyme en 38, 63)" in n for n in report.notes)


def test_a_second_log_matches_each_namesake_in_its_own_departement(db, count, tmp_path):
    imports.import_file("facilitations", CORPUS / "journal_homonymes.csv", db=db)
    log = tmp_path / "mars.csv"
    log.write_text("Date;Département;Équipe(s);Type de facilitation\n"
                   "03/03/2025;63;MSP du Centre;Sensibilisation\n", encoding="utf-8")
    report = imports.import_file("facilitations", log, db=db)
    assert report.created_teams == 0
    assert count("SELECT count(*) FROM teams") == 6
    assert count("SELECT count(*) FROM facilitations f JOIN facilitation_teams USING "
                 "(facilitation_id) JOIN teams t USING (team_id) WHERE f.fac_date = "
                 "DATE '2025-03-03' AND t.departement = '63'") == 1


def links_by_line(db: Path) -> dict[int, list[str]]:
    df = store.query(
        "SELECT f.source_line, list(t.name ORDER BY t.name) AS teams FROM facilitations f "
        "JOIN facilitation_teams USING (facilitation_id) JOIN teams t USING (team_id) "
        "GROUP BY ALL", db=db)
    return {int(r.source_line): list(r.teams) for r in df.itertuples(index=False)}


def test_joined_teams_are_split_where_the_parts_are_known(db, corpus, state):
    imports.import_file("adhesions", corpus / "adhesions_2025_formulaire.csv", db=db)
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("facilitations", corpus / "journal_equipes_jointes.csv", db=db)
    assert state(db) == before
    assert [(e.line, e.column, e.value) for e in refused.value.errors] == [
        (8, "Équipe(s)", "MSP Epsilon, MSP Zeta")]
    assert "séparez les équipes par « ; »" in refused.value.errors[0].message
    report = imports.import_file("facilitations", corpus / "journal_equipes_jointes.csv", db=db,
                                 valid_rows_only=True)
    assert links_by_line(db) == {
        2: ["MSP Alpha"], 3: ["MSP Beta"],
        4: ["MSP Alpha", "MSP Beta"],  # it used to be one team named "MSP Alpha, MSP Beta"
        5: ["ESP du Vercors", "MSP des Tilleuls"],  # known from the membership form
        6: ["Maison de santé Rhône et Loire"],  # one team: its parts are no known teams
        7: ["MSP Alpha", "MSP Beta"],
    }
    notes = "\n".join(report.notes)
    assert "3 cellule(s) citant plusieurs équipes connues" in notes
    assert "À vérifier : « Maison de santé Rhône et Loire » (ligne 6)" in notes


@pytest.mark.parametrize(("cell", "known", "teams", "said"), [
    ("MSP A, MSP B", {"msp a", "msp b"}, ["MSP A", "MSP B"], "split"),
    ("MSP A et B", {"msp a et b"}, ["MSP A et B"], None),
    # the whole name and its parts are all teams: two readings, the user says which
    ("MSP A et B", {"msp a et b", "msp a", "b"}, ["MSP A et B"], "de deux façons"),
    ("MSP Rhône et Loire, MSP A", {"msp rhone et loire", "msp a"},
     ["MSP Rhône et Loire", "MSP A"], "split"),
    ("MSP A, MSP Nouvelle", {"msp a"}, ["MSP A, MSP Nouvelle"], "plusieurs équipes ?"),
    ("Pôle santé Nord / Sud", set(), ["Pôle santé Nord / Sud"], "one"),
    ("380001234, 380005678", set(), ["380001234", "380005678"], "split"),
    ("Maison de santé (site A, site B)", set(), ["Maison de santé (site A, site B)"], None),
])
def test_split_joined(cell, known, teams, said):
    from observatory.imports.normalise import team_name_key
    from observatory.imports.storage import looks_like_external_id

    found, message = facilitations.split_joined(
        cell, lambda name: team_name_key(name) in known or looks_like_external_id(name))
    assert found == teams
    assert (message is None) if said is None else (said in message)
