"""Capitalisation fiches: a UTF-8 BOM file, ids from title and département, replacement by id."""

from __future__ import annotations

from observatory import imports, store


def test_fiches_from_an_excel_utf8_bom_file(db, corpus):
    imports.import_file("adhesions", corpus / "adhesions_2025_formulaire.csv", db=db)
    report = imports.import_file("fiches", corpus / "fiches_bom.csv", db=db)
    assert report.encoding == "utf-8-sig"
    df = store.query("SELECT f.*, t.name FROM fiches f LEFT JOIN teams t USING (team_id) "
                     "ORDER BY fiche_id", db=db)
    assert list(df["fiche_id"]) == ["atelier-marche-nordique-38", "protocole-cystite-simple-69"]
    assert list(df["name"]) == ["MSP des Tilleuls", "CPTS Grand Lyon Est"]  # linked by name
    assert list(df["theme"]) == ["Prévention", "Accès aux soins"]
    assert list(df["year"]) == [2025, 2025]
    assert df["body"].iloc[0] == "Étapes : constat, pilote ; évaluation\nà un an."


def test_unknown_team_is_kept_as_text_and_not_created(db, corpus, count):
    imports.import_file("fiches", corpus / "fiches_bom.csv", db=db)
    assert count("SELECT count(*) FROM teams") == 0
    assert count("SELECT count(*) FROM fiches WHERE team_id IS NULL AND team_name IS NOT NULL") == 2


def test_reimport_replaces_fiches_with_the_same_id(db, corpus, tmp_path, count):
    imports.import_file("fiches", corpus / "fiches_bom.csv", db=db)
    update = tmp_path / "fiches.csv"
    update.write_text(
        "Titre,Département,Résumé\n"
        "ATELIER MARCHE NORDIQUE,Isère,Nouveau résumé\n"
        "Accueil des internes,Ain,Un accueil commun\n", encoding="utf-8")
    imports.import_file("fiches", update, db=db)
    assert count("SELECT count(*) FROM fiches") == 3
    summary = store.query("SELECT summary, title FROM fiches WHERE fiche_id = ?",
                          ["atelier-marche-nordique-38"], db=db).iloc[0]
    assert (summary["summary"], summary["title"]) == ("Nouveau résumé", "ATELIER MARCHE NORDIQUE")


def test_duplicate_fiche_in_one_file_is_an_error(tmp_path):
    path = tmp_path / "fiches.csv"
    path.write_text("Titre,Département\nAtelier,38\nAtelier,Isère\nAtelier,73\n",
                    encoding="utf-8")
    report = imports.read_import("fiches", path)
    assert [str(e) for e in report.errors] == [
        "ligne 3, colonne « Titre » : fiche en double : même titre et département que la ligne 2"]
