"""Batches: original bytes kept, duplicates change nothing, rejected rows kept, undo."""

from __future__ import annotations

import hashlib
import json

import pytest

from observatory import imports, store
from observatory.imports import core

ADHESIONS_2025 = "adhesions_2025_formulaire.csv"
ADHESIONS_2024 = "adhesions_2024_excel.csv"


def test_original_bytes_and_sha256_are_kept(db, corpus):
    path = corpus / ADHESIONS_2024
    report = imports.import_file("adhesions", path, db=db, year=2024)
    data = path.read_bytes()
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert imports.original_file(report.batch_id, db=db) == data
    history = imports.batches(db=db)
    assert list(history.columns) == core.BATCH_COLUMNS
    row = history.iloc[0]
    assert (row["batch_id"], row["kind"], row["file_name"], row["sha256"]) == (
        1, "adhesions", ADHESIONS_2024, report.sha256)
    assert (row["rows_total"], row["rows_imported"], row["rows_rejected"]) == (6, 6, 0)
    assert not row["undone"]
    stored = store.query("SELECT options, report, size_bytes FROM import_batches", db=db).iloc[0]
    assert json.loads(stored["options"])["year"] == 2024
    assert json.loads(stored["report"])["encoding"] == "cp1252"
    assert stored["size_bytes"] == len(data)


def test_same_file_twice_changes_nothing(db, corpus, state):
    first = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    before = state(db)
    again = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    assert again.duplicate and again.batch_id == first.batch_id
    assert again.rows_imported == 0
    assert "déjà été importé (lot n° 1)" in again.to_text()
    assert state(db) == before
    # the same bytes uploaded under another name are still the same file
    same = imports.import_file("adhesions", (corpus / ADHESIONS_2025).read_bytes(),
                               file_name="copie.csv", db=db)
    assert same.duplicate
    assert imports.read_import("adhesions", corpus / ADHESIONS_2025, db=db).duplicate


def test_valid_rows_only_keeps_the_rejected_rows(db, bad, count):
    report = imports.import_file("adhesions", bad / "departement_inconnu.csv", db=db,
                                 valid_rows_only=True)
    assert (report.rows_total, report.rows_imported, report.rows_rejected) == (3, 2, 1)
    assert count("SELECT count(*) FROM memberships") == 2
    rejected = imports.rejected_rows(report.batch_id, db=db)
    assert list(rejected.columns) == core.REJECTED_COLUMNS
    row = rejected.iloc[0]
    assert (row["line"], row["column_name"], row["value"]) == (3, "Département", "Isèr")
    assert row["message"] == "« Isèr » n'est pas un département connu"
    assert json.loads(row["raw"])["Nom de la structure"] == "MSP du Plateau"
    history = imports.batches(db=db).iloc[0]
    assert (history["rows_imported"], history["rows_rejected"]) == (2, 1)


def test_all_rows_rejected_imports_nothing(db, tmp_path, state):
    path = tmp_path / "x.csv"
    path.write_text("Nom de l'équipe,Type,Département,Année\nMSP A,MSP,Isèr,2025\n",
                    encoding="utf-8")
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="Aucune ligne valide"):
        imports.import_file("adhesions", path, db=db, valid_rows_only=True)
    assert state(db) == before


def test_undo_restores_the_previous_store_and_keeps_history(db, corpus, count):
    imports.import_file("adhesions", corpus / ADHESIONS_2024, db=db, year=2024)
    after_first = count("SELECT count(*) FROM memberships")
    second = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    snapshot = db.with_name(db.name + ".undo-2")
    assert snapshot.exists()
    assert store.query("SELECT snapshot FROM import_batches WHERE batch_id = 2",
                       db=db).iloc[0, 0] == str(snapshot)
    undone = imports.undo_last_batch(db=db)
    assert undone.batch_id == second.batch_id == 2
    assert "annulé" in undone.to_text()
    assert count("SELECT count(*) FROM memberships") == after_first
    assert count("SELECT count(*) FROM memberships WHERE year = 2025") == 0
    history = imports.batches(db=db).set_index("batch_id")
    assert list(history.index) == [2, 1]
    assert bool(history.loc[2, "undone"]) and not bool(history.loc[1, "undone"])
    assert imports.original_file(2, db=db) is None
    assert not snapshot.exists()
    # the undone file is no duplicate: it can be imported again, as a new batch
    again = imports.import_file("adhesions", corpus / ADHESIONS_2025, db=db)
    assert not again.duplicate and again.batch_id == 3
    # undo walks back one batch at a time, down to the empty store
    assert imports.undo_last_batch(db=db).batch_id == 3
    assert imports.undo_last_batch(db=db).batch_id == 1
    assert count("SELECT count(*) FROM memberships") == 0
    assert imports.undo_last_batch(db=db) is None
    history = imports.batches(db=db)
    assert list(history["batch_id"]) == [3, 2, 1] and history["undone"].all()
    assert count("SELECT count(*) FROM departements") == 101  # init's data survives


def test_undo_refuses_to_lose_a_later_write(db, corpus, state):
    imports.import_file("fiches", corpus / "fiches_bom.csv", db=db)
    store.init(db, "femasaura")  # another writer after the import
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="modifiée depuis le dernier import"):
        imports.undo_last_batch(db=db)
    assert state(db) == before


def test_old_snapshots_are_pruned(db, tmp_path, monkeypatch):
    monkeypatch.setattr(core, "UNDO_KEEP", 2)
    for i in range(3):
        path = tmp_path / f"fiches_{i}.csv"
        path.write_text(f"Titre,Département\nAtelier {i},38\n", encoding="utf-8")
        imports.import_file("fiches", path, db=db)
    assert not db.with_name(db.name + ".undo-1").exists()
    assert db.with_name(db.name + ".undo-2").exists()
    imports.undo_last_batch(db=db)
    imports.undo_last_batch(db=db)
    with pytest.raises(imports.ImportRefused, match="ne peut plus être annulé"):
        imports.undo_last_batch(db=db)


def test_report_text_is_french_and_complete(bad):
    report = imports.read_import("adhesions", bad / "departement_inconnu.csv")
    text = report.to_text()
    assert "Import : formulaire d'adhésion" in text
    assert "Format détecté : texte délimité (CSV), encodage UTF-8, séparateur : virgule" in text
    assert "« Département » → Département" in text
    assert "« Nom de la structure » → Nom de l'équipe" in text
    assert "Lignes : 3 au total, 2 importable(s), 1 rejetée(s)" in text
    assert "ligne 3, colonne « Département » : « Isèr » n'est pas un département connu" in text


def test_import_into_a_missing_store_is_refused_unless_asked_to_create_it(tmp_path, corpus):
    db = tmp_path / "nouvelle.duckdb"
    with pytest.raises(imports.ImportRefused, match=r"Aucune base de données.*observatory init"):
        imports.import_file("fiches", corpus / "fiches_bom.csv", db=db)
    with pytest.raises(imports.ImportRefused, match="Aucune base de données"):
        imports.import_files([imports.ImportItem("fiches", corpus / "fiches_bom.csv")], db=db)
    assert not db.exists() and list(tmp_path.iterdir()) == []
    report = imports.import_file("fiches", corpus / "fiches_bom.csv", db=db, create=True)
    assert report.batch_id == 1 and db.exists()
    assert imports.batches(tmp_path / "absente.duckdb").empty
    assert imports.undo_last_batch(tmp_path / "absente.duckdb") is None


def test_unknown_kind_is_a_programming_error(corpus):
    with pytest.raises(ValueError, match="Type d'import inconnu"):
        imports.read_import("budget", corpus / "fiches_bom.csv")
    assert imports.KINDS == ("adhesions", "facilitations", "survey", "fiches", "references",
                             "projects")


def _bulk_items(corpus):
    return [
        imports.ImportItem("adhesions", corpus / ADHESIONS_2024, year=2024),
        imports.ImportItem("adhesions", corpus / ADHESIONS_2025),
        imports.ImportItem("facilitations", corpus / "facilitations.xlsx"),
        imports.ImportItem("fiches", corpus / "fiches_bom.csv"),
    ]


def test_import_files_writes_what_import_file_writes(db, tmp_path, corpus):
    one_by_one = tmp_path / "one_by_one.duckdb"
    store.init(one_by_one, "femasaura")
    for item in _bulk_items(corpus):
        imports.import_file(item.kind, item.source, db=one_by_one, year=item.year)
    seen = []
    reports = imports.import_files(_bulk_items(corpus), db=db,
                                   progress=lambda r, s: seen.append((r.batch_id, s >= 0)))
    assert [r.batch_id for r in reports] == [1, 2, 3, 4] and all(r.imported for r in reports)
    assert seen == [(1, True), (2, True), (3, True), (4, True)]
    for table in ("teams", "memberships", "membership_choices", "facilitations",
                  "facilitation_teams", "fiches"):
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert store.query(sql, db=db).equals(store.query(sql, db=one_by_one)), table
    # the same files again: every one is a duplicate, nothing changes
    again = imports.import_files(_bulk_items(corpus), db=db)
    assert all(r.duplicate for r in again)
    assert len(imports.batches(db=db)) == 4


def test_import_files_is_all_or_nothing(db, corpus, bad, state):
    before = state(db)
    items = [*_bulk_items(corpus), imports.ImportItem("adhesions", bad / "departement_inconnu.csv")]
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_files(items, db=db)
    assert refused.value.message.startswith("departement_inconnu.csv : Import refusé")
    assert state(db) == before
    assert not list(db.parent.glob(f"{db.name}.undo-*"))


def test_import_files_keeps_the_last_batch_undoable(db, corpus, count):
    imports.import_files(_bulk_items(corpus)[:3], db=db)
    assert count("SELECT count(*) FROM import_batches WHERE snapshot IS NOT NULL") == 1
    facilitations = count("SELECT count(*) FROM facilitations")
    assert facilitations > 0
    undone = imports.undo_last_batch(db=db)
    assert undone.batch_id == 3
    assert count("SELECT count(*) FROM facilitations") == 0
    assert count("SELECT count(*) FROM memberships") > 0  # the batches before stay
    with pytest.raises(imports.ImportRefused, match="ne peut plus être annulé"):
        imports.undo_last_batch(db=db)
