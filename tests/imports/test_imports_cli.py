"""`observatory import …` does what the import page does, prints the same report, exits 1 when refused.

Every call is a real subprocess on a real store, as staff would type it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook

from observatory import imports, store


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", "import", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def test_success_prints_the_report(db, bad):
    done = cli("adhesions", bad / "departement_inconnu.csv", "--db", db, "--valid-rows-only")
    assert done.returncode == 0, done.stderr
    report = imports.read_import("adhesions", bad / "departement_inconnu.csv")
    # the page's report: format, mapping in French, counts, the error with line/column/value
    for line in report.to_text().splitlines():
        if not line.startswith(("Lignes", "Import")):
            assert line in done.stdout, line
    assert "Lignes : 3 au total, 2 importée(s), 1 rejetée(s)" in done.stdout
    assert "Lot d'import n° 1" in done.stdout


def test_refusal_prints_the_report_and_exits_1(db, bad, state):
    before = state(db)
    done = cli("adhesions", bad / "departement_inconnu.csv", "--db", db)
    assert done.returncode == 1
    assert done.stderr.startswith("Import refusé : 1 ligne(s) sur 3 comportent des erreurs")
    assert "« Département » → Département" in done.stdout
    error = "ligne 3, colonne « Département » : « Isèr » n'est pas un département connu"
    assert (done.stdout + done.stderr).count(error) == 1  # once, not once per channel
    assert state(db) == before


def test_whole_file_refusal_is_one_french_message(db, bad, state):
    before = state(db)
    done = cli("facilitations", bad / "utf16.csv", "--db", db)
    assert done.returncode == 1 and done.stdout == ""
    assert "UTF-16" in done.stderr and "Traceback" not in done.stderr
    assert state(db) == before


def test_dry_run_writes_nothing(db, bad, corpus, state):
    before = state(db)
    refused = cli("adhesions", bad / "departement_inconnu.csv", "--db", db, "--dry-run")
    assert refused.returncode == 1 and "importable(s)" in refused.stdout
    assert "serait refusé" in refused.stderr
    fine = cli("fiches", corpus / "fiches_bom.csv", "--db", db, "--dry-run")
    assert fine.returncode == 0 and "Lignes : 2 au total, 2 importable(s)" in fine.stdout
    assert state(db) == before


def test_sheet_option(db, tmp_path, count):
    path = tmp_path / "classeur.xlsx"
    wb = Workbook()
    wb.active.title = "Lisez-moi"
    wb.active.append(["Ce classeur contient le journal"])
    ws = wb.create_sheet("Journal")
    ws.append(["Date", "Département", "Équipe(s)", "Type de facilitation"])
    ws.append(["12/06/2025", "38", "MSP A", "Sensibilisation"])
    wb.save(path)
    assert cli("facilitations", path, "--db", db).returncode == 1  # the first sheet is no log
    done = cli("facilitations", path, "--db", db, "--sheet", "Journal")
    assert done.returncode == 0, done.stderr
    assert "classeur Excel (.xlsx), feuille « Journal »" in done.stdout
    assert count("SELECT count(*) FROM facilitations") == 1


def test_survey_metadata_options(db, corpus):
    done = cli("survey", corpus / "enquete_formulaire.csv", "--db", db, "--id", "stages",
               "--title", "Stages", "--date", "2025-06", "--theme", "Formation", "--objective",
               "Compter les stages", "--no-published")
    assert done.returncode == 0, done.stderr
    survey = store.query("SELECT * FROM surveys", db=db).iloc[0]
    assert (survey["title"], survey["theme"], survey["objective"]) == (
        "Stages", "Formation", "Compter les stages")
    assert bool(survey["published"]) is False
    assert cli("survey", corpus / "enquete_limesurvey.csv", "--db", db,
               "--published").returncode == 0
    published = store.query("SELECT published FROM surveys WHERE survey_id = '2025-04-recherche'",
                            db=db).iloc[0, 0]
    assert bool(published) is True


def test_history_rejected_and_undo(db, bad, corpus, tmp_path, count):
    assert cli("fiches", corpus / "fiches_bom.csv", "--db", db).returncode == 0
    assert cli("adhesions", bad / "departement_inconnu.csv", "--db", db,
               "--valid-rows-only").returncode == 0
    history = cli("history", "--db", db)
    assert history.returncode == 0
    lines = history.stdout.splitlines()
    assert lines[0].startswith("lot    2") and "departement_inconnu.csv" in lines[0]
    assert "3 ligne(s), 2 importée(s), 1 rejetée(s)" in lines[0]
    assert "fiches de capitalisation" in lines[1]
    out = tmp_path / "rejets.csv"
    rejected = cli("rejected", "2", "--db", db, "--out", out)
    assert rejected.returncode == 0 and out.read_text(encoding="utf-8-sig").count("Isèr") >= 1
    original = cli("original", "2", "--db", db, cwd=tmp_path)
    assert original.returncode == 0, original.stderr
    assert (tmp_path / "departement_inconnu.csv").read_bytes() == (
        bad / "departement_inconnu.csv").read_bytes()
    again = cli("original", "2", "--db", db, cwd=tmp_path)
    assert again.returncode == 1 and "existe déjà" in again.stderr  # nothing overwritten
    undo = cli("undo", "--db", db)
    assert undo.returncode == 0 and "Lot n° 2 annulé" in undo.stdout
    assert count("SELECT count(*) FROM memberships") == 0
    assert "(annulé)" in cli("history", "--db", db).stdout.splitlines()[0]
    gone = cli("original", "2", "--db", db, "--out", tmp_path / "x.csv")
    assert gone.returncode == 1 and "pas de fichier d'origine" in gone.stderr


def test_non_utf8_file_name_from_the_disk(db, tmp_path):
    """A file copied from a Windows share keeps a Windows-1252 name: bytes, not UTF-8."""
    name = b"adh\xe9sions 2025 (copie).csv"
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, name), "wb") as f:
        f.write("Nom de l'équipe,Type,Département,Année\nMSP A,MSP,38,2025\n".encode())
    done = subprocess.run([sys.executable, "-m", "observatory", "import", "adhesions",
                           os.fsdecode(name), "--db", str(db)], capture_output=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "Fichier : adhésions 2025 (copie).csv" in done.stdout.decode("utf-8")
    assert imports.batches(db)["file_name"].tolist() == ["adhésions 2025 (copie).csv"]


def test_verbose_logs_what_the_import_did_without_personal_data(db, bad):
    quiet = cli("adhesions", bad / "departement_inconnu.csv", "--db", db, "--valid-rows-only")
    assert quiet.returncode == 0 and quiet.stderr == ""  # the log is asked for, not imposed
    undo = subprocess.run([sys.executable, "-m", "observatory", "--verbose", "import", "undo",
                           "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert "observatory.imports.core : import adhesions, lot n° 1 annulé" in undo.stderr
    done = subprocess.run([sys.executable, "-m", "observatory", "-v", "import", "adhesions",
                           str(bad / "departement_inconnu.csv"), "--db", str(db),
                           "--valid-rows-only"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "import adhesions, lot n° 2 : 2 lignes importées, 1 rejetées" in done.stderr
    assert "observatory.store : base écrite" in done.stderr
    assert "Isèr" in done.stdout and "Isèr" not in done.stderr  # the report quotes, the log counts
