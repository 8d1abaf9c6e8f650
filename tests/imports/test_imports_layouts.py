"""Real tools' layouts (tests/imports/corpus/exports/, make_exports.py): LimeSurvey's heading
styles, freely worded forms, hand-kept spreadsheets in .xlsx, .ods and French Excel .csv, files
of another kind, damaged and misnamed files. The figures expected are those the generator
counted from the data it wrote, never the importer's."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from observatory import imports, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.indicators import survey_figures

EXPORTS = Path(__file__).resolve().parent / "corpus" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
META = {"id": "2025-10-numerique", "title": "Numérique"}
LIMESURVEY = ["limesurvey_codes.csv", "limesurvey_texte_complet.csv",
              "limesurvey_code_et_texte.csv", "limesurvey_sans_horodatage.csv"]


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", "import", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def by_departement(db: Path, sql: str) -> dict[str, int]:
    return dict(store.query(sql, db=db).itertuples(index=False, name=None))


def test_the_committed_corpus_is_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(EXPORTS.parent))
    try:
        import make_exports
    finally:
        sys.path.pop(0)
    written = make_exports.main(tmp_path)
    assert set(written) == {p.name for p in EXPORTS.iterdir()}
    for name, data in written.items():
        assert data == (EXPORTS / name).read_bytes(), name


# -- surveys ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LIMESURVEY)
def test_limesurvey_heading_styles_count_their_real_respondents(db, name, count):
    want = EXPECTED["survey"]
    undated = name == "limesurvey_sans_horodatage.csv"  # its month must be given
    report = imports.import_file("survey", EXPORTS / name, db=db,
                                 survey_meta={**META, "date": "2025-10"} if undated else META)
    assert (report.rows_total, report.incomplete_responses) == (want["responses"],
                                                               want["incomplete"])
    assert count("SELECT count(*) FROM survey_responses WHERE complete") == want["complete"]
    assert by_departement(db, "SELECT departement, count(*) FROM survey_responses WHERE complete "
                              "GROUP BY ALL ORDER BY 1") == want["complete_by_departement"]
    figures = survey_figures(Scope(year=2025), get_federation("femasaura"), db=db)
    assert figures["survey_respondents"] == want["complete"]  # the key figure, not 0
    questions = store.query("SELECT question_id, qtype, options FROM survey_questions ORDER BY "
                            "position", db=db)
    assert len(questions) == want["questions"]
    q2 = questions.iloc[1]
    assert (q2["qtype"], list(q2["options"])) == ("multiple", want["q2_options"])
    answers = store.query("SELECT value FROM survey_answers a JOIN survey_responses r USING "
                          "(survey_id, response_id) WHERE r.complete AND a.question_id = ?",
                          [questions.iloc[1]["question_id"]], db=db)["value"]
    counts = {option: int((answers == option).sum()) for option in want["q2_options"][:-1]}
    counts["Autre"] = int(answers.str.startswith("Autre : ").sum())
    assert counts == want["q2_counts"]  # « [other] » and « [Autre] » stay in their question
    assert not any(note.startswith("Attention") for note in report.notes)


def test_limesurvey_codes_name_respondent_columns(db):
    report = imports.import_file("survey", EXPORTS / "limesurvey_codes.csv", db=db,
                                 survey_meta=META)
    assert {k: v for k, v in report.header_mapping.items() if v.startswith("répondant")} == {
        "PROF": "répondant:profession", "DEPT": "répondant:departement",
        "TYPESTRUCT": "répondant:team_type", "STRUCT": "répondant:team_name"}


def test_undated_limesurvey_responses_are_complete_without_a_date(db, count, state):
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="Date de l'enquête inconnue"):
        imports.import_file("survey", EXPORTS / "limesurvey_sans_horodatage.csv", db=db,
                            survey_meta=META)
    assert state(db) == before
    report = imports.import_file("survey", EXPORTS / "limesurvey_sans_horodatage.csv", db=db,
                                 survey_meta={**META, "date": "2025-10"})
    assert count("SELECT count(*) FROM survey_responses WHERE complete AND submitted_at IS "
                 "NULL") == EXPECTED["survey"]["complete"]
    assert any("01/01/1980" in note for note in report.notes)


def test_freely_worded_online_form(db):
    imports.import_file("survey", EXPORTS / "google_forms_libre.csv", db=db, survey_meta=META)
    assert by_departement(db, "SELECT departement, count(*) FROM survey_responses GROUP BY ALL "
                              "ORDER BY 1") == EXPECTED["survey"]["complete_by_departement"]


def _rewritten(path: Path, out: Path, change) -> Path:
    """A LimeSurvey export with its rows changed by ``change(header, row)``, written alike."""
    rows = list(csv.reader(io.StringIO(path.read_bytes()[3:].decode("utf-8"), newline="")))
    header, body = rows[0], [r for r in rows[1:] if r]
    text = "".join(",".join('"' + c.replace('"', '""') + '"' for c in r) + "\r\n"
                   for r in [header] + [change(header, r) for r in body])
    out.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return out


def test_a_survey_without_complete_responses_is_refused(db, tmp_path, state):
    path = _rewritten(EXPORTS / "limesurvey_codes.csv", tmp_path / "ouverte.csv",
                      lambda h, r: [("" if h[i] == "submitdate" else c) for i, c in enumerate(r)])
    before = state(db)
    with pytest.raises(imports.ImportRefused, match=r"Aucune réponse complète : les 24 "):
        imports.import_file("survey", path, db=db, survey_meta=META)
    assert state(db) == before


def test_a_survey_without_departement_is_imported_with_a_warning(db, tmp_path):
    path = _rewritten(EXPORTS / "limesurvey_codes.csv", tmp_path / "sans_dept.csv",
                      lambda h, r: [c for i, c in enumerate(r) if h[i] != "DEPT"])
    text = path.read_text(encoding="utf-8-sig").replace('"DEPT",', "", 1)
    path.write_text(text, encoding="utf-8-sig")
    report = imports.import_file("survey", path, db=db, survey_meta=META)
    assert report.notes[0].startswith("Attention : aucune colonne ne donne le département")
    assert f"les {EXPECTED['survey']['complete']} réponse(s) complète(s)" in report.notes[0]


def test_a_question_about_departements_that_is_a_number_stays_a_question(db, tmp_path):
    path = tmp_path / "enquete.csv"
    path.write_text("Horodateur,Votre département,Combien de départements couvre votre CPTS ?\n"
                    "02/06/2025 09:00:00,Isère,2\n03/06/2025 09:00:00,Ain,3\n", encoding="utf-8")
    report = imports.import_file("survey", path, db=db, survey_meta=META)
    assert report.header_mapping["Combien de départements couvre votre CPTS ?"] == "question:Q1"


# -- a file of another kind ---------------------------------------------------------------------
OTHER_KIND = [
    ("survey", "journal_excel_tabulations.txt", {}, "ressemble à un journal des facilitations"),
    ("survey", "adhesions_2025_formulaire.csv", {}, "ressemble à un formulaire d'adhésion"),
    ("adhesions", "enquete_limesurvey.csv", {"year": 2025}, "ressemble à une enquête flash"),
    ("adhesions", "journal_excel_tabulations.txt", {"year": 2025},
     "ressemble à un journal des facilitations"),
    ("facilitations", "adhesions_2025_formulaire.csv", {}, "ressemble à un formulaire d'adh"),
]


@pytest.mark.parametrize(("kind", "name", "options", "fragment"), OTHER_KIND,
                         ids=[f"{k}-{n}" for k, n, _, _ in OTHER_KIND])
def test_a_file_of_another_kind_is_refused(db, corpus, state, kind, name, options, fragment):
    before = state(db)
    meta = META if kind == "survey" else None
    with pytest.raises(imports.ImportRefused, match=fragment) as refused:
        imports.import_file(kind, corpus / name, db=db, survey_meta=meta, **options)
    assert "Importez-le comme" in refused.value.message
    assert state(db) == before


def test_a_text_file_that_is_no_survey_is_refused(db, tmp_path, state):
    path = tmp_path / "passwd.txt"
    path.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/bin/sh\n"
                    "claire:x:1000:1000:Claire Martin,,,:/home/claire:/bin/bash\n")
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="ne ressemble pas à une enquête flash"):
        imports.import_file("survey", path, db=db, survey_meta=META)
    assert state(db) == before


# -- hand-kept spreadsheets ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["journal_tenu_main.xlsx", "journal_tenu_main.ods",
                                  "journal_tenu_main.csv"])
def test_hand_kept_facilitation_log(db, name, count):
    want = EXPECTED["log"]
    report = imports.import_file("facilitations", EXPORTS / name, db=db)
    assert (report.rows_total, report.rows_rejected) == (want["facilitations"], 0)
    assert count("SELECT count(*) FROM facilitations") == want["facilitations"]
    assert by_departement(db, "SELECT departement, count(*) FROM facilitations GROUP BY ALL "
                              "ORDER BY 1") == want["by_departement"]
    assert count("SELECT count(DISTINCT team_id) FROM facilitation_teams") == want["teams"]
    notes = "\n".join(report.notes)
    for said in ("Ligne(s) 1–2 au-dessus de l'en-tête ignorée(s)",
                 "2 ligne(s) vide(s) entre les données ignorée(s) (ligne(s) 12, 19)",
                 "Ligne(s) 5, 13, 20 : une seule cellule remplie, lue comme un titre de bloc",
                 "« Territoire Ouest »", "Ligne(s) 28 : ligne de total, ignorée",
                 "Colonne « Département » :", "7–9, 11, 15, 17–18, 22–24, 26"):
        assert said in notes, said
    assert ("cellules fusionnées enregistrées en CSV" in notes) == name.endswith(".csv")


def test_hand_kept_membership_table_with_a_row_of_sums(db, count):
    want = EXPECTED["members"]
    report = imports.import_file("adhesions", EXPORTS / "adherents_tenus_main.xlsx", db=db,
                                 year=2025)
    assert report.rows_total == want["teams"]
    assert count("SELECT sum(aci_amount) FROM memberships") == want["aci_total"]
    assert by_departement(db, "SELECT departement, count(*) FROM memberships GROUP BY ALL "
                              "ORDER BY 1") == want["by_departement"]
    assert any("Ligne(s) 9 : ligne de total" in note for note in report.notes)


def test_libreoffice_ods_with_merged_departements_and_a_total(db, count):
    want = EXPECTED["counts"]
    report = imports.import_file("references", EXPORTS / "equipes_existantes.ods", db=db,
                                 year=2025)
    assert report.format_text() == "classeur LibreOffice (.ods), feuille « Équipes »"
    assert report.rows_total == want["rows"]
    assert count("SELECT sum(teams) FROM reference_team_counts") == want["total"]
    assert by_departement(db, "SELECT departement, teams FROM reference_team_counts WHERE "
                              "team_type = 'MSP' ORDER BY 1") == want["msp"]


def test_a_blank_departement_in_a_regular_log_is_not_filled_from_above(db, tmp_path, state):
    """Only a column that reads as merged (a value never repeated below itself) is filled."""
    path = tmp_path / "journal.csv"
    path.write_text("Date;Département;Équipe(s);Type de facilitation\n"
                    "03/02/2025;38;MSP A;Sensibilisation\n04/02/2025;38;MSP B;Sensibilisation\n"
                    "05/02/2025;;MSP C;Sensibilisation\n06/02/2025;69;MSP D;Conseil\n",
                    encoding="utf-8")
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("facilitations", path, db=db)
    assert [(e.line, e.column) for e in refused.value.errors] == [(4, "Département")]
    assert state(db) == before


# -- damaged, misnamed, odd files ---------------------------------------------------------------
def test_a_damaged_xlsx_is_refused_in_french_on_the_command_line(db, state):
    before = state(db)
    done = cli("facilitations", EXPORTS / "journal_abime.xlsx", "--db", db)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("Ce classeur .xlsx est endommagé")
    assert state(db) == before


def test_every_single_byte_damage_of_a_workbook_is_read_alike_or_refused():
    """A changed byte anywhere in a real .xlsx: the same cells, or a French refusal."""
    from observatory.imports.reading import read_table

    data = (EXPORTS / "journal_tenu_main.xlsx").read_bytes()
    good = read_table(data, file_name="j.xlsx")
    for position in range(0, len(data), 37):
        damaged = bytearray(data)
        damaged[position] ^= 0x21
        try:
            table = read_table(bytes(damaged), file_name="j.xlsx")
        except imports.ImportRefused as exc:
            assert exc.message.startswith(("Ce classeur .xlsx est endommagé", "Classeur refusé",
                                           "Ce fichier .xlsx est illisible")), exc.message
        else:
            assert (table.header, table.rows) == (good.header, good.rows), position


def test_an_xlsx_named_csv_is_read_as_a_workbook_and_said_so(db, count):
    report = imports.import_file("facilitations", EXPORTS / "journal_xlsx_renomme.csv", db=db)
    assert report.notes[0] == ("Le fichier porte l'extension .csv mais c'est un classeur Excel "
                               "(.xlsx) : il est lu comme tel.")
    assert count("SELECT count(*) FROM facilitations") == EXPECTED["log"]["facilitations"]


def test_a_huge_cell_and_a_long_value_get_short_french_messages(db):
    with pytest.raises(imports.ImportRefused, match=r"^Ligne 3 : cellule trop longue"):
        imports.import_file("adhesions", EXPORTS / "cellule_geante.csv", db=db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", EXPORTS / "valeur_longue.csv", db=db)
    error = refused.value.errors[0]
    assert (error.line, error.column) == (3, "Département")
    assert "(10\u202f199 caractères)" in error.message and len(str(error)) < 300
    assert len(refused.value.message) < 2000


def test_quotes_and_sidecar_errors_are_said_in_french(db, corpus, tmp_path):
    bad = tmp_path / "guillemets.csv"
    bad.write_text('Titre,Département\n"Atelier" marche,38\n', encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("fiches", bad, db=db)
    assert refused.value.message.startswith("Ligne 2 illisible : guillemets mal placés")
    assert "expected" not in refused.value.message
    (tmp_path / "e.csv").write_bytes((corpus / "enquete_formulaire.csv").read_bytes())
    (tmp_path / "e.toml").write_text('id = "e"\ntitle "Sans égal"\n', encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.read_import("survey", tmp_path / "e.csv")
    assert refused.value.message == (
        "Fichier de description « e.toml » illisible : erreur de syntaxe TOML ligne 2, colonne 7 "
        "(chaque ligne s'écrit clé = \"valeur\", les textes entre guillemets droits).")


def test_a_folder_or_a_fifo_is_not_a_file(db, tmp_path):
    with pytest.raises(imports.ImportRefused, match="n'est pas un fichier"):
        imports.import_file("adhesions", tmp_path, db=db)
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    with pytest.raises(imports.ImportRefused, match="n'est pas un fichier"):  # never opened
        imports.import_file("adhesions", fifo, db=db)


def test_a_mistyped_store_is_refused_not_created(tmp_path, corpus):
    done = cli("fiches", corpus / "fiches_bom.csv", "--db", tmp_path / "typo.duckdb")
    assert done.returncode == 1 and "Aucune base de données" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_still_being_written_is_refused(db, tmp_path, state):
    path = tmp_path / "journal.csv"
    path.write_text("Date;Département;Équipe(s);Type de facilitation\n", encoding="utf-8")
    stop = threading.Event()

    def write() -> None:  # an export still being saved, line after line
        with path.open("a", encoding="utf-8") as out:
            while not stop.is_set():
                out.write("03/02/2025;38;MSP A;Sensibilisation\n")
                out.flush()

    writer = threading.Thread(target=write)
    before = state(db)
    writer.start()
    try:
        with pytest.raises(imports.ImportRefused, match="a changé pendant sa lecture"):
            imports.import_file("facilitations", path, db=db)
    finally:
        stop.set()
        writer.join()
    assert state(db) == before


# -- memory and time on pathological files -------------------------------------------------------
MEASURE = """
import resource, sys, time
from observatory import imports
started = time.perf_counter()
try:
    imports.import_file(sys.argv[1], sys.argv[2], db=sys.argv[3], year=2025,
                        survey_meta={"id": "x", "title": "x"})
    print("importé")
except imports.ImportRefused as exc:
    print(exc.message.splitlines()[0])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, time.perf_counter() - started)
"""


def measured(kind: str, path: Path, db: Path) -> tuple[str, int, float]:
    """(first line said, peak memory in MiB, seconds) of an import in its own process."""
    done = subprocess.run([sys.executable, "-c", MEASURE, kind, str(path), str(db)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said, numbers = done.stdout.strip().splitlines()[-2:]
    rss, seconds = numbers.split()
    return said, int(rss), float(seconds)


def test_millions_of_empty_rows_are_read_fast_and_small(db, tmp_path, state):
    path = tmp_path / "vide.csv"
    path.write_bytes(b";;;;;\n" * 1_500_000)  # 9 Mo
    before = state(db)
    said, rss, seconds = measured("survey", path, db)
    assert said == "Le fichier est vide."
    # was 1.1 Go and 19 s: imported. The peak varies between runs on one machine (210 to 430
    # MiB seen, DuckDB's buffers included): the bound is the regression's, not a run's
    assert rss < 600 and seconds < 60, (rss, seconds)
    assert state(db) == before


def test_too_many_rows_are_refused_before_they_fill_the_memory(db, tmp_path, state):
    path = tmp_path / "lignes.csv"
    path.write_bytes(b"Nom;Type;D\xc3\xa9partement\n" + b"M;MSP;Is\xc3\xa8r\n" * 1_000_000)
    before = state(db)
    said, rss, seconds = measured("adhesions", path, db)
    assert said.startswith("Le fichier compte plus de 200\u202f000 lignes de données")
    assert rss < 500 and seconds < 60, (rss, seconds)
    assert state(db) == before


def test_errors_past_the_cap_are_counted_and_the_valid_rows_still_import(db, tmp_path, count):
    from observatory.imports.rows import MAX_KEPT_ERRORS

    bad = MAX_KEPT_ERRORS + 25
    path = tmp_path / "erreurs.csv"
    path.write_text("Nom de l'équipe;Type;Département\n"
                    + "".join(f"MSP n° {i};MSP;Isèr\n" for i in range(bad))
                    + "MSP valide;MSP;38\n", encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("adhesions", path, db=db, year=2025)
    assert f"Import refusé : {bad} ligne(s) sur {bad + 1}" in refused.value.message
    assert "… et 25 autre(s) ligne(s) en erreur, sans détail" in refused.value.message
    assert len(refused.value.errors) == MAX_KEPT_ERRORS
    report = imports.import_file("adhesions", path, db=db, year=2025, valid_rows_only=True)
    assert (report.rows_imported, report.rows_rejected) == (1, bad)
    assert count("SELECT count(*) FROM rejected_rows") == MAX_KEPT_ERRORS
    assert any("25 autre(s) ligne(s) rejetée(s) ne sont pas conservées une à une" in note
               and "fichier d'origine du lot" in note for note in report.notes)
