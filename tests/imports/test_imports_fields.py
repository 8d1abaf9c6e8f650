"""Field semantics (issue 13): numbers in their column's convention, plausible values only,
Microsoft Forms' own columns, an absent answer counted as unknown, never as "nan".

Every expected value is read off the corpus files by hand (tests/imports/corpus/make_corpus.py
says how each was written), never from the importer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from observatory import imports, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.views import capitalisation, carte, directory, facilitations, home, portrait, surveys

CORPUS = Path(__file__).resolve().parent / "corpus"
THIS_YEAR = dt.date.today().year


def answers(db: Path) -> dict[str, tuple]:
    with store.reading(db) as con:  # plain Python values: NULL is None
        rows = con.execute(
            "SELECT t.name, m.aci_amount, m.professionals, m.coordination_fte, m.status, m.year "
            "FROM memberships m JOIN teams t USING (team_id) ORDER BY t.name").fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


# -- amounts ---------------------------------------------------------------------------------
def test_dots_between_thousands_are_thousands(db):
    report = imports.import_file("adhesions", CORPUS / "adhesions_montants_points.csv", db=db,
                                 year=2025)
    got = answers(db)
    assert got["MSP des Tilleuls"][:3] == (45000.0, 14, 0.5)  # "45.000" was stored as 45
    assert got["CPTS Grand Lyon Est"][:3] == (120000.0, 1200, 1.0)  # "120.000 €", "1.200"
    assert got["MSP Saint-Égrève"][:3] == (61250.75, 17, 0.8)
    assert got["ESP du Vercors"][:3] == (None, 6, None)
    assert got["MSP du Plateau"][:3] == (30000.0, 11, 1.25)  # "1,250" in a decimal-comma column
    notes = "\n".join(report.notes)
    # the report says which reading was taken, and why
    assert ("« 45.000 » = 45\u202f000, « 120.000 € » = 120\u202f000 (un montant en euros n'a "
            "pas trois décimales" in notes)
    assert "« 1.200 » = 1\u202f200" in notes
    assert ("Colonne « ETP coordination » : nombres lus avec la virgule décimale" in notes
            and "« 1,250 » lu(s) ainsi (1,25)" in notes)


def test_commas_between_thousands_in_an_english_spreadsheet(db):
    report = imports.import_file("adhesions", CORPUS / "adhesions_montants_anglais.csv", db=db)
    got = answers(db)
    assert got["MSP des Tilleuls"][0] == 45000.0 and got["MSP des Tilleuls"][2] == 0.5
    assert got["CPTS Grand Lyon Est"][0] == 1234.0  # "1,234" was stored as 1.234 €
    assert got["MSP du Plateau"][0] == 52300.5 and got["MSP du Plateau"][2] == 2.0
    assert any("« 1,234 » = 1\u202f234" in n for n in report.notes)


def test_a_number_the_column_cannot_decide_is_a_row_error(db, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", CORPUS / "adhesions_montant_ambigu.csv", db=db)
    assert state(db) == before
    assert [str(e) for e in refused.value.errors] == [
        "ligne 3, colonne « ETP coordination » : « 1,250 » est ambigu : 1\u202f250 si la "
        "virgule sépare les milliers, 1,25 si la virgule est décimale ; rien d'autre dans la "
        "colonne ne permet de trancher (écrivez « 1250 » pour 1\u202f250)"]
    report = imports.import_file("adhesions", CORPUS / "adhesions_montant_ambigu.csv", db=db,
                                 valid_rows_only=True)
    assert report.rows_imported == 1 and list(answers(db)) == ["MSP des Tilleuls"]


def test_number_cells_of_a_workbook_are_read_as_numbers(db, tmp_path):
    """A number cell is a number whatever the column's text cells say; a text cell "1.234"
    beside it is read by the column's convention (here the text "2,5": a decimal comma)."""
    from openpyxl import Workbook

    from observatory.exportfiles import stable_xlsx

    wb = Workbook()
    ws = wb.active
    ws.append(["Nom de l'équipe", "Type", "Département", "Année", "ETP coordination",
               "Montant ACI"])
    ws.append(["MSP Une", "MSP", "38", 2025, 1.234, "45.000"])  # a number cell, then text
    ws.append(["MSP Deux", "MSP", "38", 2025, "2,5", 52300.5])
    ws.append(["MSP Trois", "MSP", "38", 2025, "1,250", None])
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(stable_xlsx(wb, dt.datetime(2025, 1, 1)))
    imports.import_file("adhesions", path, db=db)
    got = answers(db)
    assert got["MSP Une"][0] == 45000.0 and got["MSP Une"][2] == 1.234
    assert got["MSP Deux"][0] == 52300.5 and got["MSP Deux"][2] == 2.5
    assert got["MSP Trois"][2] == 1.25


# -- plausibility ----------------------------------------------------------------------------
def test_implausible_values_are_row_errors_naming_line_column_and_value(db, state):
    years = f"de 2000 à {THIS_YEAR + 1}"
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", CORPUS / "adhesions_invraisemblables.csv", db=db)
    assert state(db) == before
    aci = "Montant de l'ACI perçu (en euros)"
    assert [str(e) for e in refused.value.errors] == [
        f"ligne 2, colonne « {aci} » : « -5 000 » n'est pas un montant ACI plausible pour une "
        "MSP (attendu de 0 à 300\u202f000)",
        f"ligne 3, colonne « {aci} » : « 1e308 » n'est pas un montant ACI plausible pour une "
        "MSP (attendu de 0 à 300\u202f000)",
        f"ligne 4, colonne « Année » : « 2099 » n'est pas une année plausible (attendue {years})",
        "ligne 5, colonne « Horodateur » : « 01/01/1899 10:00:00 » n'est pas une date plausible "
        f"(année attendue {years})",
        "ligne 6, colonne « Nb de PS » : « -3 » n'est pas un nombre de professionnels plausible "
        "(attendu de 0 à 5\u202f000)",
        "ligne 7, colonne « ETP coordination » : « 45 » n'est pas un ETP de coordination "
        "plausible (attendu de 0 à 20)",
        # it used to say "4 chiffres attendus", which 1899 has
        f"ligne 9, colonne « Année » : « 1899 » n'est pas une année plausible (attendue {years})",
        f"ligne 10, colonne « {aci} » : « 1 500 000 » n'est pas un montant ACI plausible pour "
        "une CPTS (attendu de 0 à 1\u202f000\u202f000)",
    ]
    imports.import_file("adhesions", CORPUS / "adhesions_invraisemblables.csv", db=db,
                        valid_rows_only=True)
    assert list(answers(db)) == ["MSP Valide"]


def test_the_year_given_at_import_must_be_plausible(db, state):
    before = state(db)
    for year in (2099, 1899, THIS_YEAR + 2):
        with pytest.raises(imports.ImportRefused, match=f"« {year} » n'est pas une année "
                                                        "plausible"):
            imports.import_file("adhesions", CORPUS / "adhesions_montants_points.csv", db=db,
                                year=year)
    assert state(db) == before
    imports.import_file("adhesions", CORPUS / "adhesions_montants_points.csv", db=db,
                        year=THIS_YEAR + 1)  # next year's form may open early


def test_facilitation_dates_in_1899_or_2099_are_row_errors(db, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("facilitations", CORPUS / "journal_dates_invraisemblables.csv", db=db)
    assert state(db) == before
    assert [(e.line, e.column, e.value) for e in refused.value.errors] == [
        (2, "Date", "15/03/1899"), (3, "Date", "15/03/2099")]
    assert all("n'est pas une date plausible" in e.message for e in refused.value.errors)


def test_the_first_year_comes_from_the_federation_profile(tmp_path, monkeypatch):
    """A profile saying first_year = 2018 refuses 2017 (the default profile takes 2000)."""
    from observatory import config

    profile = (config.FEDERATIONS_DIR / "femasaura.toml").read_text(encoding="utf-8")
    folder = tmp_path / "federations"
    folder.mkdir()
    (folder / "femasaura.toml").write_text(
        profile.replace("first_year = 2000", "first_year = 2018"), encoding="utf-8")
    monkeypatch.setattr(config, "FEDERATIONS_DIR", folder)
    config.federations.cache_clear()
    try:
        assert get_federation("femasaura").plausibility.years().start == 2018
        db = store.init(tmp_path / "profil.duckdb", "femasaura")
        with pytest.raises(imports.ImportRefused, match="attendue de 2018 à"):
            imports.import_file("adhesions", CORPUS / "adhesions_montants_points.csv", db=db,
                                year=2017)
    finally:
        config.federations.cache_clear()


# -- Microsoft Forms -------------------------------------------------------------------------
def test_microsoft_forms_end_time_is_the_submission_time(db):
    report = imports.import_file("adhesions", CORPUS / "adhesions_microsoft_forms.xlsx", db=db,
                                 year=2025)
    got = answers(db)
    # two answers each: the later "Heure de fin" wins (MSP des Tilleuls, ID 4), and an answer
    # edited later ("Heure de la dernière modification" 20/01, ID 3) beats one sent on 15/01
    assert got["MSP des Tilleuls"][0] == 52300.0 and got["MSP des Tilleuls"][3] == "sous_aci"
    assert got["MSP du Plateau"][0] == 31000.0 and got["MSP du Plateau"][3] == "sous_aci"
    assert set(got) == {"MSP des Tilleuls", "MSP du Plateau", "ESP du Vercors"}
    assert report.header_mapping["Heure de fin"] == "submitted_at"
    # the respondent's account (e-mail, name) is not the team's contact, and is not imported
    assert {"ID", "Heure de début", "Adresse de messagerie", "Nom"} <= set(report.ignored_columns)
    assert "Colonne « Adresse de messagerie » : donnée personnelle, non importée." in report.notes
    stored = store.query("SELECT email FROM memberships", db=db)["email"].tolist()
    assert sorted(stored) == ["contact@tilleuls.example", "esp.vercors@example.org",
                              "msp.plateau@example.org"]
    assert b"claire.martin@exemple.fr" not in db.read_bytes().replace(
        store.query("SELECT original FROM import_batches", db=db)["original"][0], b"")


def test_microsoft_forms_survey(db):
    report = imports.import_file("survey", CORPUS / "enquete_microsoft_forms.xlsx", db=db,
                                 survey_meta={"id": "2025-09-ms", "title": "Satisfaction"})
    responses = store.query("SELECT * FROM survey_responses ORDER BY response_id", db=db)
    assert len(responses) == 4 and responses["complete"].all()
    assert responses["submitted_at"].iloc[0] == dt.datetime(2025, 9, 1, 9, 6)
    assert report.header_mapping["Heure de fin"] == "technique:timestamp"
    assert {"Adresse de messagerie", "Nom"} <= set(report.ignored_columns)
    answers_text = " ".join(store.query("SELECT value FROM survey_answers", db=db)["value"])
    assert "exemple.fr" not in answers_text and "Personne" not in answers_text


def test_a_tie_between_two_answers_keeps_neither(db, bad):
    """Without a time stamp to order them, importing the valid rows only keeps neither of a
    team's two answers (it used to keep the first one, by chance the older)."""
    report = imports.import_file("adhesions", bad / "equipe_en_double.csv", db=db,
                                 valid_rows_only=True)
    assert report.rows_rejected == 2
    assert list(answers(db)) == ["ESP du Vercors"]


# -- an absent answer is unknown ---------------------------------------------------------------
UNSHOWN = re.compile(r"\b(nan|NaN|None|NaT|<NA>|null)\b")


def _texts(view):
    for m in view.metrics:
        yield f"{m.label} {m.value} {m.delta or ''} {m.help}"
    for f in view.figures:
        yield f"{f.title} {f.notes} {f.summary}"
        yield f.data.astype(object).to_csv(index=False, na_rep="")
        if f.chart is not None:
            yield json.dumps(f.chart, ensure_ascii=False, default=str)
    for t in view.tables:
        yield t.data.astype(object).to_csv(index=False, na_rep="") + t.title + t.caption
    yield " ".join(view.notes) + (view.empty_message or "")


def test_missing_optional_columns_are_counted_as_unknown_never_as_nan(db):
    imports.import_file("adhesions", CORPUS / "adhesions_formulaire_minimal.csv", db=db)
    imports.import_file("facilitations", CORPUS / "journal_minimal.csv", db=db)
    imports.import_file("survey", CORPUS / "enquete_minimale.csv", db=db,
                        survey_meta={"id": "2025-06-minimale", "title": "Minimale"})
    done = subprocess.run([sys.executable, "-m", "observatory", "figures", "--year", "2025",
                           "--json", "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    # both teams answered without a stage: two unknown, labelled as such, no "nan" key
    assert figures["adherent_teams_by_status"] == {
        "en_projet": 0, "labellisee": 0, "sous_aci": 0, "non_renseigne": 2}
    assert figures["facilitations_by_team_type"] == {
        "MSP": 0, "ESP": 0, "CPTS": 0, "non_renseigne": 1}
    assert "nan" not in done.stdout
    aura = get_federation("femasaura")
    home_view = home.build(Scope(year=2025), aura, db)
    status = next(f for f in home_view.figures if f.key == "adherents_par_statut").data
    assert dict(zip(status["Statut"], status["Équipes"], strict=True))["Non renseigné"] == 2
    for scope in (Scope(year=2025), Scope(year=2025, departement="38")):
        for module in (home, carte, facilitations, portrait, surveys, directory, capitalisation):
            for text in _texts(module.build(scope, aura, db)):
                assert not UNSHOWN.search(text), (module.__name__, text)


def test_a_survey_dated_in_2099_is_refused(db, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="« 2099-04 » : année non plausible"):
        imports.import_file("survey", CORPUS / "enquete_minimale.csv", db=db,
                            survey_meta={"id": "s", "title": "S", "date": "2099-04"})
    assert state(db) == before


def test_a_survey_response_dated_1899_is_a_row_error(db, tmp_path):
    path = tmp_path / "enquete.csv"
    path.write_text("Horodateur,Votre avis ?\n02/06/2025 09:00:00,Oui\n01/01/1899 09:00:00,Non\n",
                    encoding="utf-8")
    report = imports.read_import("survey", path, survey_meta={"id": "s", "title": "S"})
    assert [(e.line, e.value) for e in report.errors] == [(3, "01/01/1899 09:00:00")]
