"""Membership forms: normalised answers, latest answer wins, yearly replacement, team identity."""

from __future__ import annotations

import datetime as dt

import pytest

from observatory import imports, store

ADHESIONS_2025 = "adhesions_2025_formulaire.csv"
ADHESIONS_2024 = "adhesions_2024_excel.csv"


def memberships(db, where: str = "true", params=None):
    return store.query(
        "SELECT t.name, t.external_id, m.* FROM memberships m JOIN teams t USING (team_id) "
        f"WHERE {where} ORDER BY t.name, m.year", params, db=db)


def choices(db, name: str, field: str) -> set[tuple[str, str | None]]:
    df = store.query(
        "SELECT value, other_text FROM membership_choices c JOIN teams t USING (team_id) "
        "WHERE t.name = ? AND c.field = ?", [name, field], db=db)
    return {(v, None if o is None or o != o else o) for v, o in df.itertuples(index=False)}


def test_online_form_latest_answer_wins(db, corpus):
    report = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    assert (report.rows_total, report.rows_imported, report.rows_rejected) == (7, 7, 0)
    assert report.imported and report.batch_id == 1
    df = memberships(db)
    assert len(df) == 6
    plateau = df[df["name"] == "MSP du Plateau"].iloc[0]
    assert plateau["professionals"] == 12
    assert plateau["submitted_at"] == dt.datetime(2025, 1, 12, 16, 45, 10)
    assert any("ligne 7" in note and "ligne 8" in note for note in report.notes)
    assert choices(db, "MSP du Plateau", "profession") == {
        ("Médecin généraliste", None), ("Infirmier·e", None), ("Podologue", None)}


def test_values_are_normalised(db, corpus):
    imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    df = memberships(db).set_index("name")
    tilleuls = df.loc["MSP des Tilleuls"]
    assert (tilleuls["team_type"], tilleuls["status"], tilleuls["departement"]) == (
        "MSP", "sous_aci", "38")
    assert tilleuls["aci_amount"] == 52300.0
    assert tilleuls["coordination_fte"] == 0.5
    assert bool(tilleuls["pacte_trained"]) is True
    assert tilleuls["email"] == "contact@tilleuls.example"  # stored, personal data
    assert df.loc["CPTS Grand Lyon Est", "status"] == "labellisee"  # "Projet de santé validé"
    assert df.loc["CPTS Grand Lyon Est", "aci_amount"] == 180000.0
    assert df.loc["MSP Saint-Égrève", "aci_amount"] == 61250.75
    assert df.loc["Centre de santé Bellevue", "team_type"] == "CDS"
    assert df.loc["Centre de santé Bellevue", "departement"] == "01"
    vercors = df.loc["ESP du Vercors"]
    assert (vercors["information_system"], vercors["information_system_other"]) == (
        "Autre", "logiciel maison")
    assert vercors["coordination"] == "Professionnel·le de santé de l'équipe"
    assert ("Autre", "Enseignant·e en APA") in choices(db, "MSP des Tilleuls", "profession")
    assert choices(db, "MSP des Tilleuls", "mission") == {
        ("Vaccination", None), ("Prévention (tabac, alcool)", None), ("Santé mentale", None)}
    assert choices(db, "MSP des Tilleuls", "protocol") == {
        ("Diabète de type 2", None), ("Plaies chroniques", None)}


def test_preview_and_report_hold_no_personal_data(corpus):
    report = imports.read_import("adhesions", corpus / ADHESIONS_2025)
    assert not report.imported and report.batch_id is None
    assert "email" not in report.preview.columns
    assert len(report.preview) == 6
    text = report.to_text()
    assert "@" not in text
    assert "« Commentaire interne »" in text  # ignored column, reported
    assert "Format détecté : texte délimité (CSV), encodage UTF-8" in text


def test_french_excel_file_with_year_given_at_import(db, corpus, count):
    report = imports.import_file("adhesions", corpus / ADHESIONS_2024, db=db, year=2024)
    assert report.encoding == "cp1252" and report.delimiter == ";"
    df = memberships(db).set_index("name")
    assert set(df["year"]) == {2024}
    assert df.loc["MSP Saint-Égrève", "aci_amount"] == 45000.5
    assert df.loc["ESP du Vercors", "departement"] == "38"  # ISERE
    assert df.loc["CPTS Grand Lyon Est", "departement"] == "69"  # Rhône
    # Excel dropped the FINESS's leading zero: restored
    assert df.loc["Centre de santé Bellevue", "external_id"] == "010004567"
    # Hautes-Alpes is not a FemasAURA&Co département: imported, with a note
    assert any("hors de FemasAURA&Co" in note and "05" in note for note in report.notes)


def test_no_year_anywhere_is_refused(db, corpus, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="Année inconnue"):
        imports.import_file("adhesions", corpus / ADHESIONS_2024, db=db)
    assert state(db) == before


def test_year_option_wins_over_the_column(db, corpus):
    report = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db, year=2026)
    assert set(memberships(db)["year"]) == {2026}
    assert any("Année 2026" in note for note in report.notes)


def test_team_identity_across_years_shows_the_status_history(db, corpus, tmp_path, count):
    imports.import_file("adhesions", corpus / ADHESIONS_2024, db=db, year=2024)
    imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    older = tmp_path / "adhesions_2023.csv"
    older.write_text(
        "Nom de la structure;FINESS;Type;Statut;Département\n"
        "Maison de santé des Tilleuls;380001234;MSP;En projet;38\n",
        encoding="utf-8")
    imports.import_file("adhesions", older, db=db, year=2023)
    history = memberships(db, "t.external_id = '380001234'")
    assert list(history["year"]) == [2023, 2024, 2025]
    assert list(history["status"]) == ["en_projet", "labellisee", "sous_aci"]
    assert history["team_id"].nunique() == 1
    # an older year does not rename the team
    assert set(history["name"]) == {"MSP des Tilleuls"}
    # by name + département (no identifier): ISERE in 2024, "Isère (38)" in 2025
    vercors = memberships(db, "t.name = 'ESP du Vercors'")
    assert list(vercors["status"]) == ["en_projet", "labellisee"]
    assert vercors["team_id"].nunique() == 1
    assert memberships(db, "t.name = 'MSP Saint-Égrève'")["team_id"].nunique() == 1
    assert memberships(db, "t.name = 'Centre de santé Bellevue'")["team_id"].nunique() == 1
    assert count("SELECT count(*) FROM teams") == 7


def test_second_export_of_a_year_replaces_only_its_teams(db, corpus, tmp_path, count):
    imports.import_file("adhesions", corpus / ADHESIONS_2024, db=db, year=2024)
    imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    before = memberships(db).set_index(["name", "year"])
    second = tmp_path / "adhesions_2025_bis.csv"
    second.write_text(
        "Horodateur,Année,Nom de l'équipe,Type de structure,Stade,Département,"
        "Professions représentées\n"
        "01/03/2025 10:00:00,2025,MSP du Plateau,MSP,Labellisée,38,Médecin généraliste\n",
        encoding="utf-8")
    imports.import_file("adhesions", second, db=db)
    after = memberships(db).set_index(["name", "year"])
    assert len(after) == len(before) == 12
    assert after.loc[("MSP du Plateau", 2025), "status"] == "labellisee"
    assert choices(db, "MSP du Plateau", "profession") == {("Médecin généraliste", None)}
    untouched = [k for k in before.index if k != ("MSP du Plateau", 2025)]
    assert after.loc[untouched, "batch_id"].tolist() == before.loc[untouched, "batch_id"].tolist()
    assert count("SELECT count(*) FROM membership_choices WHERE year = 2024") > 0


def test_facilitated_team_that_becomes_a_member_is_the_same_team(db, corpus, tmp_path, count):
    imports.import_file("facilitations", corpus / "facilitations.xlsx", db=db)
    trieves = count("SELECT team_id FROM teams WHERE name = 'Maison de santé du Trièves'")
    teams = count("SELECT count(*) FROM teams")
    form = tmp_path / "adhesion_trieves.csv"
    form.write_text(
        "Nom de l'équipe,Type de structure,Stade,Département,Année\n"
        "MAISON DE SANTÉ DU TRIÈVES,MSP,En projet,Isère,2025\n", encoding="utf-8")
    imports.import_file("adhesions", form, db=db)
    assert count("SELECT count(*) FROM teams") == teams
    assert count("SELECT team_id FROM memberships") == trieves


def test_per_option_columns_and_checkboxes(db, tmp_path):
    form = tmp_path / "form.csv"
    form.write_text(
        "Nom de l'équipe,Type,Département,Année,Professions représentées [Médecin généraliste],"
        "Professions représentées [Infirmier·e],Professions représentées [Autre]\n"
        "MSP A,MSP,38,2025,x,,Sophrologue\n"
        "MSP B,MSP,38,2025,Oui,1,\n", encoding="utf-8")
    imports.import_file("adhesions", form, db=db)
    assert choices(db, "MSP A", "profession") == {("Médecin généraliste", None),
                                                  ("Autre", "Sophrologue")}
    assert choices(db, "MSP B", "profession") == {("Médecin généraliste", None),
                                                  ("Infirmier·e", None)}


def test_row_errors_name_line_column_and_value(tmp_path):
    form = tmp_path / "form.csv"
    form.write_text(
        "Nom de l'équipe,Type,Stade,Département,Année,Nb de PS,Formation PACTE\n"
        "MSP A,MSP,En projet,38,2025,12,Oui\n"
        ",Pôle,Fermée,38,25,douze,Peut-être\n", encoding="utf-8")
    report = imports.read_import("adhesions", form)
    messages = [str(e) for e in report.errors]
    assert messages == [
        "ligne 3, colonne « Nom de l'équipe » : valeur obligatoire manquante (nom de l'équipe)",
        "ligne 3, colonne « Type » : « Pôle » n'est pas un type de structure connu "
        "(MSP, CPTS, ESP, CDS)",
        "ligne 3, colonne « Année » : « 25 » n'est pas une année (4 chiffres attendus)",
        "ligne 3, colonne « Stade » : « Fermée » n'est pas un stade connu (En projet, "
        "Labellisée, Sous ACI)",
        "ligne 3, colonne « Nb de PS » : « douze » n'est pas un nombre",
        "ligne 3, colonne « Formation PACTE » : « Peut-être » n'est pas une réponse oui/non",
    ]
    assert (report.rows_imported, report.rows_rejected) == (1, 1)


def test_excel_utf8_bom_export(db, corpus):
    report = imports.import_file("adhesions", corpus / "adhesions_excel_utf8_bom.csv", db=db)
    assert (report.encoding, report.delimiter, report.rows_imported) == ("utf-8-sig", ";", 2)
    assert report.header_mapping == {
        "Nom de l'équipe": "team_name", "Type": "team_type", "Statut": "status",
        "Dépt": "departement", "Année": "year", "ACI (€)": "aci_amount", "Courriel": "email"}
    df = memberships(db).set_index("name")
    assert df.loc["MSP des Tilleuls", "aci_amount"] == 41500.0
    assert df.loc["ESP du Vercors", "departement"] == "38"
    assert set(df["year"]) == {2023}


def test_the_latest_answer_wins_across_files_too(db, corpus, tmp_path):
    imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)  # Plateau: 12/01, 12 PS
    older = tmp_path / "export_ancien.csv"
    older.write_text(
        "Horodateur,Année,Nom de l'équipe,Type,Stade,Département,Nb de PS\n"
        "11/01/2025 08:00:00,2025,MSP du Plateau,MSP,En projet,38,3\n"
        "11/01/2025 08:05:00,2025,MSP des Tilleuls,MSP,Sous ACI,38,15\n", encoding="utf-8")
    report = imports.import_file("adhesions", older, db=db)
    df = memberships(db).set_index("name")
    assert df.loc["MSP du Plateau", "professionals"] == 12  # its answer of 12/01 stays
    assert df.loc["MSP du Plateau", "status"] == "sous_aci"
    assert df.loc["MSP des Tilleuls", "professionals"] == 15  # 11/01 is newer than 06/01
    assert any("ligne 2 : réponse de « MSP du Plateau » pour 2025 du 11/01/2025 08:00, plus "
               "ancienne que celle déjà enregistrée (du 12/01/2025 16:45)" in note
               for note in report.notes)


def test_commune_codes_get_their_leading_zero_back(db, tmp_path):
    form = tmp_path / "form.csv"
    form.write_text("Nom de l'équipe,Type,Département,Année,Code commune\n"
                    "MSP A,MSP,01,2025,1053\nMSP B,MSP,2A,2025,2a004\nMSP C,MSP,38,2025,Voiron\n",
                    encoding="utf-8")
    imports.import_file("adhesions", form, db=db)
    assert memberships(db)["commune"].tolist() == ["01053", "2A004", "Voiron"]


def test_an_identifier_on_one_side_only_keeps_one_team(db, corpus, tmp_path, count):
    imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)  # Tilleuls has its FINESS
    teams = count("SELECT count(*) FROM teams")
    later = tmp_path / "adhesions_2026.csv"
    later.write_text("Nom de l'équipe,Type,Stade,Département,Année\n"
                     "MSP DES TILLEULS,MSP,Sous ACI,Isère,2026\n", encoding="utf-8")
    imports.import_file("adhesions", later, db=db)
    assert count("SELECT count(*) FROM teams") == teams
    history = memberships(db, "t.external_id = '380001234'")
    assert list(history["year"]) == [2025, 2026] and history["team_id"].nunique() == 1
    other = tmp_path / "homonyme.csv"  # same name, another FINESS: another team
    other.write_text("Nom de l'équipe,FINESS,Type,Département,Année\n"
                     "MSP des Tilleuls,380009999,MSP,38,2026\n", encoding="utf-8")
    imports.import_file("adhesions", other, db=db)
    assert count("SELECT count(*) FROM teams") == teams + 1


def test_an_english_google_forms_export_is_read_month_first(db, tmp_path):
    """Google Forms in English writes « 3/13/2025 10:04:05 »: which answer of a team is the
    latest depends on reading « 4/3/2025 » as 3 April (month first) in that column."""
    form = tmp_path / "form_en.csv"
    form.write_text(
        "Timestamp,Année,Nom de l'équipe,Type,Stade,Département,Nb de PS\n"
        "3/13/2025 10:04:05,2025,MSP du Lac,MSP,En projet,38,4\n"
        "4/3/2025 9:00:00,2025,MSP du Lac,MSP,Sous ACI,38,9\n", encoding="utf-8")
    report = imports.import_file("adhesions", form, db=db)
    assert any("dates lues mois/jour/année" in n for n in report.notes)
    lac = memberships(db).set_index("name").loc["MSP du Lac"]
    assert lac["submitted_at"] == dt.datetime(2025, 4, 3, 9, 0, 0)
    assert (lac["professionals"], lac["status"]) == (9, "sous_aci")
