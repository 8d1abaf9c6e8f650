"""Column mapping (issue 13): a form worded the way people write forms is imported once the user
says which column is which; the mapping is saved in the store and applied by itself to next
year's export of the same form; a mapping naming a column the file does not have is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from observatory import imports, store
from observatory.imports import adhesions
from observatory.imports import mapping as mappings
from observatory.imports.mapping import MappingRequest
from observatory.imports.normalise import match_headers

CORPUS = Path(__file__).resolve().parent / "corpus"
FORM = CORPUS / "adhesions_questions_2025.csv"
NEXT = CORPUS / "adhesions_questions_2026.csv"
DEP = "Dans quel département se situe votre structure ?"
STAGE = "Où en est votre projet ?"


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", "import", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def statuses(db: Path, year: int) -> dict[str, str | None]:
    with store.reading(db) as con:
        return dict(con.execute(
            "SELECT t.name, m.status FROM memberships m JOIN teams t USING (team_id) "
            "WHERE m.year = ? ORDER BY 1", [year]).fetchall())


def test_an_unrecognised_required_column_is_asked_for(db, state):
    before = state(db)
    done = cli("adhesions", FORM, "--year", "2025", "--db", db)
    assert done.returncode == 1
    assert "colonne(s) obligatoire(s) introuvable(s) « Département »" in done.stderr
    assert '--map "Département=Titre de la colonne"' in done.stderr
    assert state(db) == before
    with pytest.raises(imports.ImportRefused) as refused:
        imports.read_import("adhesions", FORM, year=2025, db=db)
    request = refused.value.request
    assert isinstance(request, MappingRequest) and request.missing == ["departement"]
    # what the page shows: every field, every column with its first values (never personal)
    assert ("departement", "Département", True) in request.fields
    columns = dict(request.columns)
    assert columns[DEP] == ["Isère", "Isère (38)", "Rhône"]
    assert columns["Adresse e-mail"] == ["(donnée personnelle)"]
    # the questions matched by their key words are proposed, for the user to check
    assert request.proposed["team_name"] == "Quel est le nom de votre structure ?"
    assert request.proposed["team_type"] == "Quel est le type de votre structure ?"
    assert request.proposed["aci_amount"] == "Quel est le montant de l'ACI perçu ?"


def test_map_imports_the_form_and_saves_the_mapping_for_next_year(db, count):
    done = cli("adhesions", FORM, "--year", "2025", "--db", db, "--map", f"Département={DEP}",
               "--map", f"Stade={STAGE}", "--mapping-name", "Formulaire Google")
    assert done.returncode == 0, done.stderr
    assert statuses(db, 2025) == {"CPTS Grand Lyon Est": "labellisee",
                                  "ESP du Vercors": "en_projet", "MSP des Tilleuls": "sous_aci"}
    assert ("Correspondance des colonnes enregistrée sous le nom « Formulaire Google »"
            in done.stdout)
    saved = store.query("SELECT kind, name, headers, columns FROM column_mappings", db=db)
    assert saved["kind"].tolist() == ["adhesions"] and saved["name"][0] == "Formulaire Google"
    assert json.loads(saved["columns"][0]) == {"departement": DEP, "status": STAGE}
    assert list(saved["headers"][0])[3] == DEP
    # next year's export: one question more, nothing to say, the saved mapping applies
    done = cli("adhesions", NEXT, "--year", "2026", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "Correspondance des colonnes enregistrée « Formulaire Google »" in done.stdout
    assert "appliquée" in done.stdout
    assert statuses(db, 2026) == {"ESP du Vercors": "labellisee", "MSP des Tilleuls": "sous_aci"}
    assert count("SELECT count(*) FROM teams") == 3  # the same teams, year after year
    # a form of other columns is not given it
    report = imports.read_import("adhesions", CORPUS / "adhesions_2025_formulaire.csv", db=db)
    assert not any("Formulaire Google" in n for n in report.notes)


def test_mapping_file(db, tmp_path):
    done = cli("adhesions", FORM, "--year", "2025", "--db", db, "--mapping",
               CORPUS / "correspondance_adhesions.toml")
    assert done.returncode == 0, done.stderr
    assert statuses(db, 2025)["MSP des Tilleuls"] == "sous_aci"
    name = store.query("SELECT name FROM column_mappings", db=db)["name"][0]
    assert name == "formulaire d'adhésion — adhesions_questions_2025"  # named after the file


@pytest.mark.parametrize(("args", "message"), [
    (["--map", "Département=Département d'exercice"],
     "la colonne « Département d'exercice » (pour « Département ») n'existe pas dans ce fichier"),
    (["--map", f"Couleur préférée={DEP}"], "« Couleur préférée » n'est pas un champ connu"),
    (["--map", "Département"], "attendu « Champ=Colonne du fichier »"),
    (["--map", f"Département={DEP}", "--map", f"Commune={DEP}"],
     f"la colonne « {DEP} » est indiquée pour deux champs"),
])
def test_a_wrong_mapping_is_refused_in_french(db, state, args, message):
    before = state(db)
    done = cli("adhesions", FORM, "--year", "2025", "--db", db, *args)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert state(db) == before


def test_a_badly_written_mapping_file_is_refused_in_french(db, tmp_path, state):
    path = tmp_path / "correspondance.toml"
    path.write_text('"Département" = Dans quel département\n', encoding="utf-8")
    before = state(db)
    done = cli("adhesions", FORM, "--year", "2025", "--db", db, "--mapping", path)
    assert done.returncode == 1
    assert "Fichier de correspondance « correspondance.toml » mal écrit (ligne 1)" in done.stderr
    assert "Invalid" not in done.stderr and "Expected" not in done.stderr  # no parser English
    assert state(db) == before
    missing = cli("adhesions", FORM, "--year", "2025", "--db", db, "--mapping",
                  tmp_path / "absent.toml")
    assert missing.returncode == 1 and "Fichier de correspondance introuvable" in missing.stderr


def test_key_words_match_only_when_unambiguous():
    header = ["Quel est le nom de votre structure ?", "Quel est le type de votre structure ?",
              "Type de votre structure", "Département"]
    match = match_headers(header, adhesions.FIELDS, by_keywords=True)
    assert match.columns["team_name"] == 0
    # two columns say "type structure": neither is taken, the user is asked
    assert "team_type" not in match.columns
    assert [f.name for f in match.missing] == ["team_type"]
    # a name match always wins over key words, and key words are off unless asked for
    match = match_headers(["Type de structure", "Quel est le type de votre structure ?",
                           "Nom de la structure", "Département"], adhesions.FIELDS,
                          by_keywords=True)
    assert match.columns["team_type"] == 0 and not match.by_keywords
    assert "team_name" not in match_headers(header, adhesions.FIELDS).columns


def test_a_field_mapped_to_no_column_is_not_matched_by_itself():
    fixed = mappings.resolve({"Stade": mappings.NO_COLUMN}, ["Nom", "Type", "Stade", "Dept"],
                             adhesions.FIELDS, "un formulaire d'adhésion")
    match = match_headers(["Nom de la structure", "Type", "Stade", "Dept"], adhesions.FIELDS,
                          fixed=fixed)
    assert "status" not in match.columns and "Stade" in match.ignored


def test_close_enough_headers():
    saved = mappings.SavedMapping("Google", ("A", "B", "C", "D"), {"departement": "C"})
    assert mappings.closest([saved], ["A", "B", "C", "D", "E"]) is saved  # 4 of 5
    assert mappings.closest([saved], ["A", "B", "C", "X", "Y"]) is None  # 3 of 6
    assert mappings.closest([saved], ["A", "B", "D", "E"]) is None  # its column is gone
