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
        "ligne 4, colonne « Nom de la structure » : équipe en double : « MSP des tilleuls » "
        "a déjà une réponse pour 2025 ligne 2 (même horodatage)"]),
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


def test_formula_in_a_cell_is_stored_as_text(db, bad, count):
    report = imports.import_file("adhesions", bad / "formule.csv", db=db)
    assert report.rows_rejected == 0
    names = set(store.query("SELECT name FROM teams", db=db)["name"])
    assert names == {'=HYPERLINK("http://exemple.invalid";"clic")', "+33 MSP"}
    assert count("SELECT count(*) FROM memberships") == 2
    assert any("conservés tels quels" in note for note in report.notes)


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
