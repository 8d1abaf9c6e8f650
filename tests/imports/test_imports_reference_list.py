"""Lists of existing teams (ARS, Assurance Maladie, FINESS): reading, errors, replacement, undo,
and the matching of member teams to them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from observatory import cli, exportfiles, imports, store, teams
from observatory.imports import Choices, ImportRefused

# A FINESS extraction as data.gouv.fr publishes it (its column names), saved as French Excel
# writes a CSV: Windows-1252, ';'. The commune is its three digits within the département.
FINESS_HEADER = ("nofinesset;nofinessej;rs;rslongue;complrs;numvoie;typvoie;voie;commune;"
                 "departement;libdepartement;ligneacheminement;telephone;categetab;libcategetab;"
                 "siret;dateouv\n")
FINESS_ROWS = (
    "380001234;380001200;MSP DES TILLEULS;MAISON DE SANTE DES TILLEULS;;12;RUE;DES LILAS;563;38;"
    "ISERE;38500 VOIRON;0476000000;603;Maison de santé (L.6223-3);;2019-05-01\n"
    "690009999;690009900;CDS DE LYON;CENTRE DE SANTE DE LYON;;1;PL;BELLECOUR;123;69;RHONE;"
    "69002 LYON;0478000000;124;Centre de Santé;12345678901234;2015-01-01\n"
    "2A0001111;2A0001100;MSP AJACCIO;MAISON DE SANTE D'AJACCIO;;3;BD;PAOLI;004;2A;"
    "CORSE DU SUD;20000 AJACCIO;;603;Maison de santé (L.6223-3);;2020-01-01\n"
    "380005555;380005500;CH DE VOIRON;CENTRE HOSPITALIER DE VOIRON;;1;AV;CHARTREUSE;563;38;"
    "ISERE;38500 VOIRON;0476111111;355;Centre Hospitalier (C.H.);;1990-01-01\n"
)


def finess_file(tmp_path: Path) -> Path:
    path = tmp_path / "extraction_finess.csv"
    path.write_bytes((FINESS_HEADER + FINESS_ROWS).encode("cp1252"))
    return path


def entries(db: Path):
    return store.query("SELECT * FROM reference_teams ORDER BY year, ref_id", db=db)


def counts(db: Path) -> dict[tuple[str, str, int], tuple[int, bool]]:
    df = store.query("SELECT * FROM reference_team_counts", db=db)
    return {(r.departement, r.team_type, r.year): (r.teams, bool(r.from_list))
            for r in df.itertuples()}


def test_a_finess_extraction_reads_its_codes(db: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as refused:
        imports.import_file("references", finess_file(tmp_path), db=db, year=2025)
    (error,) = refused.value.errors  # a hospital is not a care team: refused, not dropped
    assert (error.line, error.column, error.value) == (5, "categetab", "355")
    assert "catégorie FINESS" in error.message
    report = imports.import_file("references", finess_file(tmp_path), db=db, year=2025,
                                 valid_rows_only=True)
    assert report.rows_imported == 3
    assert report.header_mapping["rs"] == "name" and report.header_mapping["commune"] == "commune"
    assert "rslongue" in report.ignored_columns
    found = entries(db).set_index("external_id")
    assert found.loc["380001234", "commune"] == "38563"  # Voiron: 38 and 563
    assert found.loc["380001234", "team_type"] == "MSP"
    assert found.loc["380001234", "legal_id"] == "380001200"
    assert found.loc["690009999", "commune"] == "69123" and found.loc["690009999", "team_type"] == "CDS"
    assert found.loc["2A0001111", "commune"] == "2A004"
    assert found["aci"].isna().all()  # FINESS says nothing of the ACI
    assert counts(db)[("38", "MSP", 2025)] == (1, True)
    assert counts(db)[("38", "CDS", 2025)] == (0, True)  # a type it lists elsewhere


def ars_workbook(tmp_path: Path) -> Path:
    """An ARS office's spreadsheet: commune names, « Oui/Non », a CPTS's communes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Liste MSP CPTS"
    ws.append(["Liste des structures d'exercice coordonné — ARS, 2025"])
    ws.append([])
    ws.append(["Nom de la structure", "Type", "Commune", "Département", "Signataire ACI",
               "Date de signature ACI", "Communes couvertes"])
    ws.append(["MSP des Tilleuls", "Maison de santé pluriprofessionnelle", "Voiron", "Isère",
               "Oui", dt.datetime(2021, 3, 12), None])
    ws.append(["MSP de Saint-Étienne Nord", "MSP", "ST ETIENNE", "42", "Non", None, None])
    ws.append(["Centre de santé du Puy", "Centre de santé", "Puy-en-Velay (Le)", "43", "Non",
               None, None])
    ws.append(["CPTS du Voironnais", "CPTS", "Voiron", "38", "Oui", dt.datetime(2022, 9, 1),
               "38563, 38382;38185"])
    path = tmp_path / "liste_ars.xlsx"
    path.write_bytes(exportfiles.stable_xlsx(wb, dt.datetime(2025, 12, 1, 9)))
    return path


def test_an_ars_workbook_with_names_aci_and_perimeters(db: Path, tmp_path: Path) -> None:
    report = imports.import_file("references", ars_workbook(tmp_path), db=db, year=2025)
    assert report.rows_imported == 4
    found = entries(db).set_index("name")
    assert found.loc["MSP de Saint-Étienne Nord", "commune"] == "42218"
    assert found.loc["Centre de santé du Puy", "commune"] == "43157"
    tilleuls = found.loc["MSP des Tilleuls"]
    assert bool(tilleuls["aci"]) and tilleuls["status"] == "sous_aci"
    assert tilleuls["aci_since"].date() == dt.date(2021, 3, 12)
    assert not bool(found.loc["Centre de santé du Puy", "aci"])
    covered = store.query("SELECT commune FROM reference_team_communes ORDER BY 1", db=db)
    assert covered["commune"].tolist() == ["38185", "38382", "38563"]
    assert any("Statut ACI connu" in n for n in report.notes)


def _list_csv(tmp_path: Path, rows: list[exportfiles.ListedTeam], name: str = "liste.csv"
              ) -> Path:
    path = tmp_path / name
    path.write_bytes(exportfiles.reference_list_export(rows))
    return path


def test_bad_rows_name_their_line_column_and_value(db: Path, tmp_path: Path, state) -> None:
    path = tmp_path / "liste.csv"
    path.write_text(
        "Raison sociale;Catégorie;N° FINESS ET;Code commune;Libellé commune;Département;"
        "Communes couvertes\n"
        "MSP A;603;380000001;38185;Grenoble;38;\n"
        "MSP B;603;380000002;38000;;38;\n"  # a postal code
        "MSP C;603;380000003;69123;;38;\n"  # Lyon, not in the Isère
        "MSP D;603;380000004;38185;Échirolles;38;\n"  # the name is another commune's
        "MSP E;603;380000001;38151;;38;\n"  # the FINESS of line 2 again
        "CPTS F;604;;38185;;38;38185,99999\n"  # a commune of its perimeter is unknown
        "MSP G;MSP;;Atlantis;;38;\n", encoding="utf-8")
    before = state(db)
    with pytest.raises(ImportRefused) as refused:
        imports.import_file("references", path, db=db, year=2025)
    errors = {(e.line, e.column, e.value) for e in refused.value.errors}
    assert errors == {(3, "Code commune", "38000"), (4, "Code commune", "69123"),
                      (5, "Libellé commune", "Échirolles"), (6, "N° FINESS ET", "380000001"),
                      (7, "Communes couvertes", "99999"), (8, "Code commune", "Atlantis")}
    messages = "\n".join(e.message for e in refused.value.errors)
    assert "code postal" in messages and "département 69" in messages and "en double" in messages
    assert state(db) == before  # one transaction: nothing of it is in the store


def test_a_list_may_be_asked_which_column_is_which(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("Établissement porteur;Forme juridique d'exercice;Code commune;Année\n"
                    "MSP A;MSP;38185;2025\nCPTS B;CPTS;38151;2025\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        imports.import_file("references", path, db=db)
    assert "Nom de l'équipe" in refused.value.message and refused.value.request is not None
    mapping = {"Nom de l'équipe": "Établissement porteur",
               "Type de structure": "Forme juridique d'exercice"}
    report = imports.import_file("references", path, db=db,
                                 choices=Choices(mapping, "Liste ARS"))
    assert report.rows_imported == 2
    assert any("Liste ARS" in n for n in report.notes)  # saved, applied next time by itself


def test_kinds_are_not_mistaken_for_each_other(db: Path, tmp_path: Path, corpus: Path) -> None:
    listed = ars_workbook(tmp_path)
    with pytest.raises(ImportRefused, match="ressemble à une liste ou un décompte"):
        imports.import_file("adhesions", _list_csv(tmp_path, [exportfiles.ListedTeam(
            "MSP A", "603", "38185", "Grenoble", "38", "380000001", True)]), db=db, year=2025)
    with pytest.raises(ImportRefused, match="ressemble à un formulaire d'adhésion"):
        imports.import_file("references", corpus / "adhesions_2025_formulaire.csv", db=db)
    assert imports.import_file("references", listed, db=db, year=2025).rows_imported == 4


def _members(db: Path, corpus: Path) -> None:
    imports.import_file("adhesions", corpus / "adhesions_2025_formulaire.csv", db=db)


MATCHING_LIST = [
    exportfiles.ListedTeam("MAISON DE SANTE DES TILLEULS", "603", "38563", "Voiron", "38",
                           "380001234", True),  # its FINESS
    exportfiles.ListedTeam("CPTS Grand Lyon Est", "604", "69123", "Lyon", "69"),  # its name
    exportfiles.ListedTeam("MSP du Plateau", "603", "38185", "Grenoble", "38"),  # no commune
    exportfiles.ListedTeam("MSP du Plateau", "603", "74010", "Annecy", "74"),  # a namesake
    exportfiles.ListedTeam("MSP Saint-Égrève", "603", "38185", "Grenoble", "38"),  # elsewhere
    exportfiles.ListedTeam("Centre de santé de Belley", "124", "01034", "Belley", "01"),
]


def test_members_are_matched_by_id_then_name_within_their_departement(
        db: Path, tmp_path: Path, corpus: Path) -> None:
    _members(db, corpus)
    path = tmp_path / "liste.csv"
    # the centre de santé's FINESS is given as its legal entity's (FINESS EJ) only
    text = exportfiles.reference_list_export(MATCHING_LIST).decode("utf-8-sig").splitlines()
    text[0] += ";FINESS EJ"
    text[1:] = [line + (";010004567" if "Belley" in line else ";") for line in text[1:]]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    report = imports.import_file("references", path, db=db, year=2025)
    note = next(n for n in report.notes if n.startswith("Rapprochement"))
    assert "4 des 5 équipe(s) adhérente(s)" in note
    assert "par identifiant : 2, par nom et commune ou département : 2" in note
    assert "1 adhérente(s) d'un type qu'elle ne recense pas" in note  # the ESP
    assert "« MSP Saint-Égrève » (38, MSP)" in note
    matched = store.query(
        "SELECT r.name AS listed, r.departement, t.name, r.matched_by FROM reference_teams r "
        "JOIN teams t USING (team_id) ORDER BY 1", db=db)
    pairs = {(r.listed, r.departement): (r.name, r.matched_by) for r in matched.itertuples()}
    assert pairs == {
        ("CPTS Grand Lyon Est", "69"): ("CPTS Grand Lyon Est", "name"),
        ("Centre de santé de Belley", "01"): ("Centre de santé Bellevue", "id"),
        ("MAISON DE SANTE DES TILLEULS", "38"): ("MSP des Tilleuls", "id"),
        ("MSP du Plateau", "38"): ("MSP du Plateau", "name"),
    }


def test_a_later_membership_import_is_matched_and_undo_restores(db: Path, tmp_path: Path,
                                                                corpus: Path) -> None:
    listed = _list_csv(tmp_path, MATCHING_LIST)
    first = imports.import_file("references", listed, db=db, year=2025)
    assert "Rapprochement avec la liste 2025 : 0 des 0" in " ".join(first.notes)
    report = imports.import_file("adhesions", corpus / "adhesions_2025_formulaire.csv", db=db)
    assert any(n.startswith("Rapprochement avec la liste 2025 : 3 des 5") for n in report.notes)
    imports.undo_last_batch(db)
    assert store.query("SELECT count(team_id) AS n FROM reference_teams", db=db)["n"][0] == 0
    imports.undo_last_batch(db)
    assert len(entries(db)) == 0 and counts(db) == {}


def test_a_new_list_replaces_its_departements_and_types_only(db: Path, tmp_path: Path,
                                                             capsys) -> None:
    first = _list_csv(tmp_path, MATCHING_LIST, "premiere.csv")
    imports.import_file("references", first, db=db, year=2025)
    second = _list_csv(tmp_path, [
        exportfiles.ListedTeam("MSP Nouvelle", "603", "38229", "Meylan", "38"),
        exportfiles.ListedTeam("MSP Autre", "603", "38151", "Échirolles", "38")], "seconde.csv")
    assert cli.main(["import", "references", str(second), "--year", "2025",
                     "--db", str(db)]) == 0
    assert "remplaçant les 3 de la liste" in capsys.readouterr().out
    names = set(entries(db)["name"])
    assert names == {"MSP Nouvelle", "MSP Autre", "CPTS Grand Lyon Est", "MSP du Plateau",
                     "Centre de santé de Belley"}
    assert counts(db)[("38", "MSP", 2025)] == (2, True)
    assert counts(db)[("74", "MSP", 2025)] == (1, True)
    # typed-in counts after a list replace its counts, and say so
    typed = tmp_path / "decompte.csv"
    typed.write_text("Département;Type de structure;Nombre d'équipes\n38;MSP;5\n",
                     encoding="utf-8")
    report = imports.import_file("references", typed, db=db, year=2025)
    assert any("tiré(s) d'une liste" in n for n in report.notes)
    assert counts(db)[("38", "MSP", 2025)] == (5, False)


def test_erasing_a_team_erases_its_list_rows(db: Path, tmp_path: Path, corpus: Path) -> None:
    _members(db, corpus)
    imports.import_file("references", _list_csv(tmp_path, MATCHING_LIST), db=db, year=2025)
    found = teams.find("Tilleuls", db)
    done = teams.delete(int(found["team_id"].iloc[0]), db)
    assert done.reference_entries == 1
    assert "TILLEULS" not in " ".join(entries(db)["name"])
    assert counts(db)[("38", "MSP", 2025)] == (3, True)  # the team existed: the count stays
