"""Project follow-up sheets (issue 17): the reading rules of every kind, communes as staff write
them, stage dates checked against each other, what a new sheet replaces, undo, kinds told apart,
column mapping, the federation's own column name, erasure on request."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from observatory import imports, store, teams
from observatory.imports import Choices


def projects(db: Path) -> dict[str, dict]:
    """The stored projects by name, as Python values (dates, None)."""
    with store.reading(db) as con:
        cursor = con.execute("SELECT * FROM projects ORDER BY name")
        names = [c[0] for c in cursor.description]
        return {row[2]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_a_libreoffice_sheet_with_communes_as_staff_write_them(db, corpus):
    report = imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    assert (report.rows_total, report.rows_imported, report.rows_rejected) == (7, 7, 0)
    assert report.header_mapping["Accompagné par la fédération"] == "accompanied"
    assert report.header_mapping["FINESS"] == "external_id"
    got = projects(db)
    assert {name: (p["departement"], p["commune"]) for name, p in got.items()} == {
        "MSP Figeac Est": ("46", "46102"),  # the département the commune cell gave
        "MSP des Tilleuls": ("38", "38563"),
        "ESP du Vercors": ("38", "38548"),
        "MSP Nouvelle": ("38", "38382"),  # « St-Égrève »
        "CPTS Grand Lyon Est": ("69", None),
        "MSP du Vigan": ("30", "30350"),  # « Vigan (Le) »
        "ESP des Crêts": ("38", "38563"),  # the INSEE code
    }
    tilleuls = got["MSP des Tilleuls"]
    assert [tilleuls[s] for s in ("first_contact", "awareness", "filed", "validated",
                                  "aci_signed")] == [day("2022-01-12"), day("2022-03-03"),
                                                     day("2023-01-10"), day("2023-03-15"),
                                                     day("2024-02-02")]
    assert tilleuls["external_id"] == "380001234" and tilleuls["project_key"] == "id:380001234"
    assert got["MSP Nouvelle"]["team_type"] == "MSP"  # written in full
    assert got["CPTS Grand Lyon Est"]["first_contact"] == day("2024-01-08")  # ISO date
    assert got["MSP du Vigan"]["accompanied"] is None  # left empty: unknown, not « non »
    assert got["ESP du Vercors"]["accompanied"] is False
    notes = " ".join(report.notes)
    assert "1 projet(s) sans commune" in notes and "1 projet(s) sans réponse" in notes
    assert "hors de FemasAURA&Co (30, 46)" in notes


def test_a_hand_kept_workbook(db, corpus):
    report = imports.import_file("projects", corpus / "suivi_projets_tenu_main.xlsx", db=db)
    assert report.rows_imported == 4 and not report.errors
    assert any("titre : « Suivi des projets ESP / MSP »" in n for n in report.notes)
    got = projects(db)
    assert {n: p["departement"] for n, p in got.items()} == {
        "MSP des Tilleuls": "38", "ESP du Vercors": "38", "MSP de la Bièvre": "38",
        "CPTS Grand Lyon Est": "69"}  # the merged département of the block
    # a column of check marks: an empty cell is « no » there
    assert [got[n]["accompanied"] for n in ("MSP des Tilleuls", "ESP du Vercors")] == [True,
                                                                                       False]
    assert got["MSP de la Bièvre"]["validated"] == day("2025-06-20")  # a real date cell
    assert got["CPTS Grand Lyon Est"]["commune"] == "69123"


def test_each_error_names_its_line_column_and_value(db, bad, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("projects", bad / "suivi_projets_erreurs.csv", db=db)
    message = refused.value.message
    assert message.startswith("Import refusé : 9 ligne(s) sur 10 comportent des erreurs")
    for fragment in [
        "ligne 3, colonne « Commune » : « Voiro » n'est pas une commune connue du département 38",
        "ligne 4, colonne « Commune » : « Saint-Martin » : plusieurs communes portent ce nom",
        "ligne 5, colonne « Projet validé (ARS) » : « 15/03/2023 » précède la date de l'étape "
        "« Projet de santé déposé » (10/06/2023)",
        "ligne 6, colonne « Signature ACI » : « 15/03/2099 » n'est pas une date plausible",
        "ligne 7, colonne « Premier contact » : aucune étape datée",
        "ligne 8, colonne « Projet » : « =HYPERLINK(\"http://exemple.invalid\") » est une "
        "formule de tableur",
        "ligne 9, colonne « Projet » : projet en double : même nom et département que la ligne 2",
        "ligne 10, colonne « Type » : « Cabinet » n'est pas un type de structure connu",
        "ligne 11, colonne « Accompagné » : « Peut-être » n'est pas une réponse oui/non",
    ]:
        assert fragment in message
    assert state(db) == before
    report = imports.import_file("projects", bad / "suivi_projets_erreurs.csv", db=db,
                                 valid_rows_only=True)
    assert (report.rows_imported, report.rows_rejected) == (1, 9)
    assert len(imports.rejected_rows(report.batch_id, db)) == 10  # line 4 has two errors


def test_a_stage_dated_in_the_future_is_not_reached(db, tmp_path):
    soon = dt.date.today() + dt.timedelta(days=10)
    path = tmp_path / "suivi.csv"
    path.write_text("Projet;Type;Département;Premier contact;Projet validé (ARS)\n"
                    f"MSP A;MSP;38;01/02/2024;{soon:%d/%m/%Y}\n", encoding="utf-8")
    report = imports.read_import("projects", path, db=db)
    assert [e.message for e in report.errors] == [
        f"« {soon:%d/%m/%Y} » est une date à venir : une étape est datée une fois atteinte "
        "(laissez la case vide d'ici là)"]


def test_a_new_sheet_replaces_the_projects_of_its_departements_only(db, corpus, tmp_path):
    imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    isere = tmp_path / "isere.csv"
    isere.write_text(
        "Projet;Type;Commune;Département;Premier contact;Projet validé (ARS);FINESS\n"
        "MSP des Tilleuls;MSP;Voiron;38;12/01/2022;15/03/2023;380001234\n"
        "ESP du Vercors;ESP;Villard-de-Lans;38;05/05/2024;20/11/2025;\n", encoding="utf-8")
    preview = imports.read_import("projects", isere, db=db)
    assert preview.replacement == {"departements": {
        "label": "38", "removed": 2, "added": 0, "unchanged": 0, "updated": 2}}
    assert preview.needs_confirmation
    with pytest.raises(imports.ImportRefused, match="retirerait 2 projet"):
        imports.import_file("projects", isere, db=db)
    report = imports.import_file("projects", isere, db=db, choices=Choices(replace="confirm"))
    got = projects(db)
    assert sorted(got) == ["CPTS Grand Lyon Est", "ESP du Vercors", "MSP Figeac Est",
                           "MSP des Tilleuls", "MSP du Vigan"]  # 46, 69, 30 untouched
    assert got["ESP du Vercors"]["validated"] == day("2025-11-20")
    assert got["MSP des Tilleuls"]["aci_signed"] is None  # the new sheet says so
    assert any("2 projet(s) retiré(s), 0 ajouté(s), 2 mis à jour" in n for n in report.notes)
    imports.undo_last_batch(db)
    assert len(projects(db)) == 7


def test_a_rejected_row_keeps_its_stored_project(db, corpus, tmp_path):
    imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    fixed = tmp_path / "suivi.csv"
    fixed.write_text(
        "Projet;Type;Commune;Département;Premier contact;Projet validé (ARS);FINESS\n"
        "MSP des Tilleuls;MSP;Voiro;38;12/01/2022;15/03/2023;380001234\n"
        "ESP du Vercors;ESP;Villard-de-Lans;38;05/05/2024;;\n"
        "MSP Nouvelle;MSP;Saint-Égrève;38;05/05/2023;;\n"
        "ESP des Crêts;ESP;Voiron;38;02/02/2024;04/12/2024;\n"
        "MSP Neuve;MSP;Voiron;38;02/02/2025;;\n", encoding="utf-8")
    report = imports.import_file("projects", fixed, db=db, valid_rows_only=True)
    assert report.rows_rejected == 1
    tilleuls = projects(db)["MSP des Tilleuls"]
    assert tilleuls["commune"] == "38563" and tilleuls["aci_signed"] == day("2024-02-02")
    assert any("1 projet(s) déjà enregistré(s) gardé(s) tels quels" in n for n in report.notes)


def test_the_same_file_twice_changes_nothing(db, corpus, state):
    imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    before = state(db)
    again = imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    assert again.duplicate and state(db) == before


def test_projects_are_linked_to_known_teams_never_create_one(db, corpus, count):
    imports.import_file("adhesions", corpus / "adhesions_2024_excel.csv", db=db, year=2024)
    teams_before = count("SELECT count(*) FROM teams")
    report = imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    assert count("SELECT count(*) FROM teams") == teams_before
    linked = store.query("SELECT p.name, t.name AS team FROM projects p JOIN teams t "
                         "USING (team_id) ORDER BY 1", db=db)
    # by FINESS, and by name within the département
    assert linked.values.tolist() == [["CPTS Grand Lyon Est", "CPTS Grand Lyon Est"],
                                      ["ESP du Vercors", "ESP du Vercors"],
                                      ["MSP des Tilleuls", "MSP des Tilleuls"]]
    assert any("3 projet(s) rattaché(s)" in n for n in report.notes)


def test_erasing_a_team_erases_its_project(db, corpus, count):
    imports.import_file("adhesions", corpus / "adhesions_2024_excel.csv", db=db, year=2024)
    imports.import_file("projects", corpus / "suivi_projets_libreoffice.csv", db=db)
    team = teams.find("ESP du Vercors", db)
    done = teams.delete(int(team["team_id"].iloc[0]), db)
    assert done.projects == 1
    assert count("SELECT count(*) FROM projects WHERE name = 'ESP du Vercors'") == 0
    assert count("SELECT count(*) FROM projects") == 6


@pytest.mark.parametrize(("kind", "file", "refusal"), [
    ("adhesions", "suivi_projets_libreoffice.csv",
     "Ce fichier ressemble à un suivi des projets plutôt qu'à un formulaire d'adhésion"),
    ("projects", "adhesions_2025_formulaire.csv",
     "Ce fichier ressemble à un formulaire d'adhésion plutôt qu'à un suivi des projets"),
    ("projects", "journal_minimal.csv",
     "Ce fichier ressemble à un journal des facilitations plutôt qu'à un suivi des projets"),
    ("facilitations", "suivi_projets_tenu_main.xlsx",
     "Ce fichier ressemble à un suivi des projets plutôt qu'à un journal des facilitations"),
])
def test_a_file_of_another_kind_is_refused_as_such(db, corpus, state, kind, file, refusal):
    before = state(db)
    with pytest.raises(imports.ImportRefused, match=refusal):
        imports.import_file(kind, corpus / file, db=db)
    assert state(db) == before


def test_an_unknown_stage_column_is_asked_for_then_mapped(db, tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_text("Projet;Type;Département;Date du 1er échange;Projet validé (ARS)\n"
                    "MSP A;MSP;38;01/02/2024;03/03/2025\n", encoding="utf-8")
    with pytest.raises(imports.ImportRefused, match="« Premier contact »") as refused:
        imports.import_file("projects", path, db=db)
    assert refused.value.request is not None and "first_contact" in refused.value.request.missing
    report = imports.import_file("projects", path, db=db, choices=Choices(
        {"Premier contact": "Date du 1er échange"}))
    assert projects(db)["MSP A"]["first_contact"] == day("2024-02-01")
    assert any("Correspondance des colonnes enregistrée" in n for n in report.notes)


def test_the_accompaniment_column_may_bear_the_federations_name(tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_text("Projet;Type;Département;Accompagné par Fécop;Premier contact;"
                    "Projet validé (ARS)\nMSP A;MSP;31;Oui;01/02/2024;\n", encoding="utf-8")
    fecop = imports.read_import("projects", path, federation="fecop")
    assert fecop.header_mapping["Accompagné par Fécop"] == "accompanied"
    other = imports.read_import("projects", path, federation="femasaura")
    assert "Accompagné par Fécop" in other.ignored_columns
    assert any("Pas de colonne « Accompagné par la fédération »" in n for n in other.notes)


def test_the_cli_imports_and_confirms_deletions(db, corpus, tmp_path):
    def cli(*args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "observatory", "import", "projects",
                               *map(str, args), "--db", str(db)], capture_output=True,
                              text=True, timeout=300)

    done = cli(corpus / "suivi_projets_libreoffice.csv")
    assert done.returncode == 0, done.stderr
    assert "Import : suivi des projets" in done.stdout
    one = tmp_path / "un.csv"
    one.write_text("Projet;Type;Département;Premier contact;Projet validé (ARS)\n"
                   "MSP A;MSP;38;01/02/2024;\n", encoding="utf-8")
    refused = cli(one)
    assert refused.returncode == 1 and "--confirm-deletions" in refused.stderr
    assert cli(one, "--confirm-deletions").returncode == 0
    assert sorted(projects(db)) == ["CPTS Grand Lyon Est", "MSP A", "MSP Figeac Est",
                                    "MSP du Vigan"]


def test_the_stage_columns_share_one_date_order(db, tmp_path):
    """A sheet written month first shows it in one stage column only: every stage is read so
    (« 02/03/2024 » of the first contact is 3 February, before « 02/15/2024 »)."""
    sheet = tmp_path / "suivi_en.csv"
    sheet.write_text(
        "Nom du projet;Type de structure;Commune;Département;Premier contact;Sensibilisation;"
        "Projet validé (ARS)\n"
        "MSP Test;MSP;Voiron;38;02/03/2024;02/15/2024;\n", encoding="utf-8")
    report = imports.import_file("projects", sheet, db=db)
    assert ("Colonnes « Premier contact », « Sensibilisation », « Projet validé (ARS) » : dates "
            "lues mois/jour/année "
            "(écriture anglaise), comme l'écrit « 02/15/2024 ».") in report.notes
    got = projects(db)["MSP Test"]
    assert (got["first_contact"], got["awareness"]) == (day("2024-02-03"), day("2024-02-15"))
