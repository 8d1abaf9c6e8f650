"""Bad inputs: each gets a clear French message and leaves the store byte for byte as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from observatory import imports, store

CORPUS = Path(__file__).resolve().parent / "corpus"

BAD_FILES = [
    ("vide.csv", ["Le fichier est vide."]),
    ("entete_seule.csv", ["ne contient que la ligne d'en-tête"]),
    ("tronque.csv", ["semble tronqué", "ouvert ligne 3"]),
    ("utf16.csv", ["UTF-16", "CSV UTF-8"]),
    ("octets_aleatoires.csv", ["Encodage non pris en charge"]),
    ("melange_encodages.csv", ["mélange deux encodages", "Windows-1252 ligne 1",
                               "UTF-8 ligne 8"]),
    ("colonnes_inconnues.csv", ["ne ressemble pas à un formulaire d'adhésion",
                                "« Type de structure », « Département »", "« Prénom »"]),
    ("departement_inconnu.csv", [
        "Import refusé : 1 ligne(s) sur 3",
        "ligne 3, colonne « Département » : « Isèr » n'est pas un département connu"]),
    ("equipe_en_double.csv", [
        "ligne 2, colonne « Nom de la structure » : équipe en double : « MSP des Tilleuls » "
        "a aussi une réponse pour 2025 ligne 4 (même horodatage) : aucune de ces réponses",
        "ligne 4, colonne « Nom de la structure » : équipe en double : « MSP des tilleuls » "
        "a aussi une réponse pour 2025 ligne 2 (même horodatage)"]),
    ("formule.csv", [
        "Import refusé : 1 ligne(s) sur 2",
        "ligne 2, colonne « Nom de la structure » : « =HYPERLINK(\"http://exemple.invalid\";"
        "\"clic\") » est une formule de tableur, pas un nom d'équipe"]),
]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A store that already holds data, so that "unchanged" means something.

    Shared by the module: every test here expects it to stay exactly as it is.
    """
    db = store.init(tmp_path_factory.mktemp("bad") / "observatoire.duckdb", "femasaura")
    imports.import_file("adhesions", CORPUS / "adhesions_2024_excel.csv", db=db, year=2024)
    return db


@pytest.mark.parametrize(("name", "fragments"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_and_store_unchanged(filled, bad, state, name, fragments):
    before = state(filled)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", bad / name, db=filled)
    for fragment in fragments:
        assert fragment in refused.value.message
    assert state(filled) == before
    assert len(imports.batches(filled)) == 1


def test_row_errors_carry_line_column_and_value(filled, bad):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", bad / "departement_inconnu.csv", db=filled)
    error = refused.value.errors[0]
    assert (error.line, error.column, error.value) == (3, "Département", "Isèr")
    assert refused.value.report.rows_rejected == 1


def test_a_formula_is_never_a_team_name_but_text_that_merely_starts_with_plus_is(db, bad,
                                                                                   count):
    report = imports.import_file("adhesions", bad / "formule.csv", db=db, valid_rows_only=True)
    assert (report.rows_imported, report.rows_rejected) == (1, 1)
    assert set(store.query("SELECT name FROM teams", db=db)["name"]) == {"+33 MSP"}
    rejected = imports.rejected_rows(report.batch_id, db=db)
    assert rejected["value"].tolist() == ['=HYPERLINK("http://exemple.invalid";"clic")']


def test_formula_in_a_facilitation_log_team_list(db, tmp_path, state):
    log = tmp_path / "journal.csv"
    log.write_text("Date;Département;Équipe(s);Type de facilitation\n"
                   "12/06/2025;38;\"MSP A; =cmd|' /C calc'!A0\";Sensibilisation\n",
                   encoding="utf-8")
    before = state(db)
    with pytest.raises(imports.ImportRefused, match=r"=cmd.*est une formule de tableur"):
        imports.import_file("facilitations", log, db=db)
    assert state(db) == before


def test_xlsx_formula_saved_without_its_value_is_an_error_not_an_empty_cell(filled, tmp_path,
                                                                            state):
    """openpyxl (and scripts) save formulas without computing them: no value to import."""
    from openpyxl import Workbook

    path = tmp_path / "journal.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Date", "Département", "Équipe(s)", "Type de facilitation"])
    ws.append(["12/06/2025", "38", "MSP A", "Sensibilisation"])
    ws.append(["=A2+1", "38", '=CONCATENATE("MSP ";"B")', "Sensibilisation"])
    wb.save(path)
    before = state(filled)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("facilitations", path, db=filled)
    assert [(e.line, e.column, e.value) for e in refused.value.errors] == [
        (3, "Date", "=A2+1"), (3, "Équipe(s)", '=CONCATENATE("MSP ";"B")')]
    assert "formule sans valeur calculée" in refused.value.errors[0].message
    assert state(filled) == before


def test_xlsx_zip_bomb_is_refused_before_opening(filled, tmp_path, state):
    bomb = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"\0" * (1 << 20)
            for _ in range(210):  # 210 MB once inflated, under 1 MB on disk
                sheet.write(block)
    assert bomb.stat().st_size < 1024 * 1024
    before = state(filled)
    with pytest.raises(imports.ImportRefused, match="une fois décompressé il ferait 210 Mo"):
        imports.import_file("facilitations", bomb, db=filled)
    assert state(filled) == before


def test_file_over_the_size_limit_is_refused_unread(filled, tmp_path, state):
    big = tmp_path / "enorme.csv"
    line = "MSP des Tilleuls,MSP,Sous ACI,38\n" * 1000
    with big.open("w", encoding="utf-8") as out:
        out.write("Nom de la structure,Type,Stade,Département\n")
        while out.tell() < 50 * 1024 * 1024:
            out.write(line)
    before = state(filled)
    with pytest.raises(imports.ImportRefused, match=r"trop volumineux \(50\.\d Mo\).*20 Mo"):
        imports.import_file("adhesions", big, db=filled, year=2025)
    assert state(filled) == before
    with pytest.raises(imports.ImportRefused, match="limite est de 1 Mo"):
        imports.read_import("adhesions", big.read_bytes()[:2 * 1024 * 1024], file_name="x.csv",
                            max_bytes=1024 * 1024)


def test_missing_file_and_wrong_kind_of_file(filled, tmp_path):
    with pytest.raises(imports.ImportRefused, match="Fichier introuvable"):
        imports.import_file("adhesions", tmp_path / "absent.csv", db=filled)
    fiches = tmp_path / "fiches.csv"
    fiches.write_text("Titre,Département\nAtelier,38\n", encoding="utf-8")
    with pytest.raises(imports.ImportRefused, match="ne ressemble pas à un journal des facil"):
        imports.import_file("facilitations", fiches, db=filled)
