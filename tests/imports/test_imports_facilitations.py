"""Facilitation logs: one facilitation counted once, its teams linked, unknown teams created."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from observatory import imports, store

CORPUS = Path(__file__).resolve().parent / "corpus"
LOG = "facilitations.xlsx"


@pytest.fixture(scope="module")
def members_template(tmp_path_factory, empty_store):
    """A store with the 2024 and 2025 membership forms, imported once for the module."""
    db = tmp_path_factory.mktemp("members") / "members.duckdb"
    shutil.copyfile(empty_store, db)
    imports.import_file("adhesions", CORPUS / "adhesions_2024_excel.csv", db=db, year=2024)
    imports.import_file("adhesions", CORPUS / "adhesions_2025_formulaire.csv", db=db)
    return db


@pytest.fixture
def members(db, members_template):
    """This test's own copy of the store with the membership forms."""
    shutil.copyfile(members_template, db)
    return db


def test_log_counts_each_facilitation_once_and_links_every_team(members, corpus, count):
    report = imports.import_file("facilitations", corpus / LOG, db=members)
    assert report.container == "xlsx" and report.sheet == "Journal 2024-2025"
    assert count("SELECT count(*) FROM facilitations") == 7
    assert count("SELECT count(*) FROM facilitation_teams") == 9
    three = store.query(
        "SELECT f.facilitation_id, list(t.name ORDER BY t.name) AS teams FROM facilitations f "
        "JOIN facilitation_teams USING (facilitation_id) JOIN teams t USING (team_id) "
        "WHERE f.fac_date = DATE '2025-02-03' GROUP BY ALL", db=members)
    assert len(three) == 1
    assert list(three["teams"].iloc[0]) == ["ESP du Vercors", "MSP Saint-Égrève",
                                            "MSP des Tilleuls"]
    # the FINESS cited alone on 2024-10-01 is the member team MSP des Tilleuls
    by_id = store.query(
        "SELECT t.name FROM facilitations f JOIN facilitation_teams USING (facilitation_id) "
        "JOIN teams t USING (team_id) WHERE f.fac_date = DATE '2024-10-01'", db=members)
    assert list(by_id["name"]) == ["MSP des Tilleuls"]


def test_unknown_teams_are_created_and_are_not_members(members, corpus, count):
    teams_before = count("SELECT count(*) FROM teams")
    report = imports.import_file("facilitations", corpus / LOG, db=members)
    assert report.created_teams == 3
    assert any("3 équipe(s) facilitée(s) inconnue(s) créée(s)" in n for n in report.notes)
    assert count("SELECT count(*) FROM teams") == teams_before + 3
    not_members = store.query(
        "SELECT name, team_type, departement, team_key FROM teams WHERE team_id NOT IN "
        "(SELECT team_id FROM memberships) ORDER BY name", db=members)
    assert list(not_members["name"]) == [
        "MSP de la Vanoise", "Mairie de Belley", "Maison de santé du Trièves"]
    assert list(not_members["team_type"].fillna("-")) == ["MSP", "-", "MSP"]
    assert list(not_members["departement"]) == ["73", "01", "38"]
    assert not_members["team_key"].iloc[2] == "name:maison de sante du trieves|38"


def test_rows_are_normalised(members, corpus):
    imports.import_file("facilitations", corpus / LOG, db=members)
    df = store.query("SELECT * FROM facilitations ORDER BY fac_date", db=members)
    assert list(df["year"]) == [2024, 2024, 2025, 2025, 2025, 2025, 2025]
    assert list(df["kind"]) == ["patient_partenaire", "complexe", "specifique", "sensibilisation",
                                "conseil", "sensibilisation", "conseil"]
    assert list(df["departement"]) == ["38", "38", "38", "38", "69", "01", "73"]
    assert list(df["team_type"]) == ["MSP", "MSP", "MSP", "MSP", "CPTS", "Collectivité", "MSP"]
    assert df["team_profile"].iloc[0] == "labellisee"
    assert list(df["mode"])[:4] == ["Présentiel", "Présentiel", "Présentiel", "Visio"]
    # the last date was typed in a "Standard" cell: an Excel serial number
    assert df["fac_date"].iloc[-1] == dt.datetime(2025, 9, 30)
    assert list(df["source_line"]) == [2, 3, 4, 5, 6, 7, 8]
    assert df["facilitators"].iloc[1] == "Claire Martin / Hugo Bernard"


def test_preview_hides_facilitators(corpus):
    report = imports.read_import("facilitations", corpus / LOG)
    assert "facilitators" not in report.preview.columns
    assert "Claire" not in report.to_text()


def october_log(folder: Path) -> Path:
    """A log of one facilitation, in October 2025, saved by French Excel."""
    log = folder / "journal_2025.csv"
    log.write_text(
        "Date;Département;Équipe(s);Type de structure;Profil de l'équipe;Type de facilitation\n"
        "15/10/2025;38;MSP du Plateau;MSP;Sous ACI;Conseil et soutien\n", encoding="cp1252")
    return log


def test_new_log_replaces_the_months_it_contains_only(members, corpus, tmp_path, count):
    # A log of October 2025 alone adds October; it used to replace the whole of 2025 (issue 13)
    imports.import_file("facilitations", corpus / LOG, db=members)
    teams = count("SELECT count(*) FROM teams")
    log = october_log(tmp_path)
    report = imports.import_file("facilitations", log, db=members)
    assert count("SELECT count(*) FROM facilitations WHERE year = 2024") == 2
    assert count("SELECT count(*) FROM facilitations WHERE year = 2025") == 6
    assert count("SELECT count(*) FROM teams") == teams
    assert any("octobre 2025" in n for n in report.notes)


def test_replace_year_replaces_every_facilitation_of_the_file_years(members, corpus, tmp_path,
                                                                   count):
    imports.import_file("facilitations", corpus / LOG, db=members)
    teams = count("SELECT count(*) FROM teams")
    log = october_log(tmp_path)
    preview = imports.read_import("facilitations", log, db=members)
    assert preview.replacement["year"]["removed"] == 5
    assert preview.replacement["year"]["teams_removed"] == 3
    report = imports.import_file("facilitations", log, db=members,
                                 choices=imports.Choices(replace="year"))
    assert count("SELECT count(*) FROM facilitations WHERE year = 2024") == 2
    assert count("SELECT count(*) FROM facilitations WHERE year = 2025") == 1
    assert count("SELECT count(*) FROM facilitation_teams") == 3
    # the teams only that log cited, and only created by it, are gone, and the report says so
    assert count("SELECT count(*) FROM teams") == teams - 3
    assert any("5 facilitation(s)" in n for n in report.notes)
    assert any("3 équipe(s) qui n'étaient plus citées" in n for n in report.notes)


def test_team_matching_prefers_the_facilitation_departement(db, tmp_path, count):
    form = tmp_path / "adhesions.csv"
    form.write_text(
        "Nom de l'équipe,Type,Département,Année\nMSP du Centre,MSP,38,2025\n"
        "MSP du Centre,MSP,73,2025\nMSP Unique,MSP,01,2025\n", encoding="utf-8")
    imports.import_file("adhesions", form, db=db)
    log = tmp_path / "journal.csv"
    log.write_text(
        "Date,Département,Structure(s),Nature\n"
        "02/02/2025,Savoie,msp du centre,Sensibilisation\n"
        "03/02/2025,Isère,MSP unique,Sensibilisation\n", encoding="utf-8")
    report = imports.import_file("facilitations", log, db=db)
    linked = store.query(
        "SELECT t.name, t.departement FROM facilitations f JOIN facilitation_teams "
        "USING (facilitation_id) JOIN teams t USING (team_id) ORDER BY f.fac_date", db=db)
    # a name is a team only with its département (issue 13: it used to be matched with the one
    # team of that name anywhere): "MSP unique" in Isère is another team than the Ain one
    assert list(linked["departement"]) == ["73", "38"]
    assert report.created_teams == 1
    assert any("« MSP unique » (38, homonyme en 01)" in n for n in report.notes)


def test_row_errors(tmp_path):
    log = tmp_path / "journal.csv"
    log.write_text(
        "Date,Département,Équipe(s),Type de facilitation,Format\n"
        "31/02/2025,38,MSP A,Sensibilisation,Visio\n"
        "01/03/2025,38,,Visite de courtoisie,Fax\n", encoding="utf-8")
    report = imports.read_import("facilitations", log)
    assert [str(e) for e in report.errors] == [
        "ligne 2, colonne « Date » : « 31/02/2025 » n'est pas une date valide",
        "ligne 3, colonne « Équipe(s) » : valeur obligatoire manquante (équipe)",
        "ligne 3, colonne « Type de facilitation » : « Visite de courtoisie » n'est pas un "
        "type de facilitation connu (Sensibilisation, Conseil et soutien, Complexe, "
        "Spécifique ou thématique, Patient partenaire)",
        "ligne 3, colonne « Format » : « Fax » n'est pas un format connu (Présentiel, Visio)",
    ]


def test_excel_tab_delimited_log_and_unknown_teams_named(members, corpus, count):
    report = imports.import_file("facilitations", corpus / "journal_excel_tabulations.txt",
                                 db=members)
    assert (report.encoding, report.delimiter) == ("cp1252", "\t")
    assert report.header_mapping["Binôme"] == "facilitators"
    assert count("SELECT count(*) FROM facilitations") == 2
    assert count("SELECT count(*) FROM facilitation_teams") == 3
    note = next(n for n in report.notes if "inconnue(s) créée(s)" in n)
    assert note.endswith("pas (encore) adhérentes (« MSP de Dieulefit »).")
    assert count("SELECT count(*) FROM teams WHERE name = 'MSP de Dieulefit' AND team_id NOT IN "
                 "(SELECT team_id FROM memberships)") == 1


def test_durations_volunteer_time_and_facilitators(db, corpus):
    from observatory import indicators
    from observatory.config import get_federation
    from observatory.filters import Scope

    report = imports.import_file("facilitations", corpus / "journal_durees.csv", db=db)
    with store.reading(db) as con:
        rows = con.execute("SELECT duration_hours, volunteer, facilitator_keys FROM "
                           "facilitations ORDER BY fac_date").fetchall()
    assert [r[0] for r in rows] == [1.5, 1.5, 2.0, 1.5, None, 0.5]
    assert [r[1] for r in rows] == [True, True, False, True, True, False]  # « x » or nothing
    assert rows[0][2] == ["claire martin", "hugo bernard"]  # « / »
    assert rows[3][2] == ["ines robert", "lucas petit"]  # « et »
    assert rows[4][2] == ["hugo bernard"]  # the same person, however written
    figures = indicators.facilitation_figures(Scope(year=2025), get_federation("femasaura"), db)
    assert figures["volunteer_hours"] == 4.5
    assert figures["facilitators"] == 5 and figures["volunteer_facilitators"] == 4
    assert figures["volunteer_facilitations_without_duration"] == 1
    text = report.to_text()
    assert "5 facilitateur(s) distinct(s)" in text and "4 facilitation(s) en temps bénévole, 4,5" \
        in text
    assert "citent un facilitateur d'un seul mot (lignes 7)" in text
    for name in ("Claire", "Hugo", "Inès", "Marion", "claire martin"):
        assert name not in text  # never a facilitator's name, even in the report


def test_a_log_without_durations_has_no_volunteer_hours(db, corpus):
    from observatory import indicators
    from observatory.config import get_federation
    from observatory.filters import Scope

    imports.import_file("facilitations", corpus / "journal_minimal.csv", db=db)
    figures = indicators.facilitation_figures(Scope(year=2025), get_federation("femasaura"), db)
    assert figures["volunteer_hours"] is None and figures["facilitators"] is None  # not zero


def test_each_bad_duration_is_its_rows_error(db, bad, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("facilitations", bad / "journal_durees_erreurs.csv", db=db)
    message = refused.value.message
    for fragment in [
        "ligne 3, colonne « Durée » : « 1 j » est une durée en jours",
        "ligne 4, colonne « Durée » : « 90 » n'est pas une durée plausible en heures "
        "(« 90 min » pour des minutes) (attendu de 0 à 24)",
        "ligne 5, colonne « Durée » : « 0 » n'est pas une durée plausible",
        "ligne 6, colonne « Durée » : « 1h75 » n'est pas une durée valide",
        "ligne 7, colonne « Bénévole » : « Peut-être » n'est pas une réponse oui/non",
    ]:
        assert fragment in message
    assert state(db) == before


def test_workbook_time_cells_are_durations(db, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Date", "Département", "Équipe(s)", "Type de facilitation", "Durée"])
    ws.append([dt.datetime(2025, 3, 3), "38", "MSP A", "Sensibilisation", dt.time(1, 30)])
    ws.append([dt.datetime(2025, 3, 4), "38", "MSP A", "Sensibilisation",
               dt.timedelta(hours=2, minutes=15)])
    ws.append([dt.datetime(2025, 3, 5), "38", "MSP A", "Sensibilisation", 2.5])
    path = tmp_path / "journal.xlsx"
    wb.save(path)
    imports.import_file("facilitations", path, db=db)
    with store.reading(db) as con:
        assert [r[0] for r in con.execute(
            "SELECT duration_hours FROM facilitations ORDER BY fac_date").fetchall()] == [
            1.5, 2.25, 2.5]



def log_of(tmp_path: Path, name: str, *dates: str) -> Path:
    """A facilitation log of one row per date (the date order tests)."""
    log = tmp_path / name
    log.write_text("Date,Département,Équipe(s),Type de facilitation\n" + "".join(
        f"{d},38,MSP {'AB'[i % 2]},Sensibilisation\n" for i, d in enumerate(dates)),
        encoding="utf-8")
    return log


def logged_days(db: Path) -> list[dt.date]:
    with store.reading(db) as con:
        return [r[0] for r in con.execute(
            "SELECT fac_date FROM facilitations ORDER BY fac_date").fetchall()]


def test_a_month_first_log_is_read_month_first(db, tmp_path):
    """An export written in English (« 03/13/2025 ») is month-first in every row: « 04/03/2025 »
    there is 3 April, not 4 March (it was read day-first, and the US dates rejected)."""
    log = log_of(tmp_path, "journal_en.csv", "04/03/2025", "03/13/2025", "4/20/25")
    report = imports.import_file("facilitations", log, db=db)
    assert not report.errors
    assert ("Colonne « Date » : dates lues mois/jour/année (écriture anglaise), comme l'écrit "
            "« 03/13/2025 ».") in report.notes
    assert logged_days(db) == [dt.date(2025, 3, 13), dt.date(2025, 4, 3), dt.date(2025, 4, 20)]


def test_a_log_mixing_both_orders_refuses_the_dates_both_read(tmp_path):
    log = log_of(tmp_path, "journal_melange.csv", "13/03/2025", "03/14/2025", "04/03/2025",
                 "05/05/2025")
    report = imports.read_import("facilitations", log)
    assert [str(e) for e in report.errors] == [
        "ligne 4, colonne « Date » : « 04/03/2025 » est ambigu : 4 mars 2025 ou 3 avr. 2025, et "
        "le fichier mélange les deux écritures des dates ; écrivez-les toutes JJ/MM/AAAA"]
    assert ("Colonne « Date » : le fichier mélange les deux écritures des dates (« 13/03/2025 » "
            "jour/mois, « 03/14/2025 » mois/jour) ; les dates lisibles des deux façons sont "
            "signalées en erreur.") in report.notes


def test_a_french_log_stays_day_first(db, tmp_path):
    log = log_of(tmp_path, "journal.csv", "04/03/2025", "13/03/2025", "2025-03-02")
    report = imports.import_file("facilitations", log, db=db)
    assert not report.errors and not any("mois/jour" in n for n in report.notes)
    assert logged_days(db) == [dt.date(2025, 3, 2), dt.date(2025, 3, 4), dt.date(2025, 3, 13)]
