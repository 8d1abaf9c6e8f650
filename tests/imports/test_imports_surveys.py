"""Flash surveys: metadata and sidecar, technical columns, both multiple-choice layouts, types."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from observatory import imports, store
from observatory.imports.surveys import infer_type

LIMESURVEY = "enquete_limesurvey.csv"
FORM = "enquete_formulaire.csv"
FORM_META = {"id": "2025-06-stages", "title": "Accueil des étudiants", "theme": "Formation"}


def questions(db, survey_id: str):
    return store.query("SELECT * FROM survey_questions WHERE survey_id = ? ORDER BY position",
                       [survey_id], db=db).set_index("question_id")


def answers(db, survey_id: str, question: str, response: int) -> dict[str, float | None]:
    df = store.query(
        "SELECT value, value_num FROM survey_answers WHERE survey_id = ? AND question_id = ? "
        "AND response_id = ?", [survey_id, question, response], db=db)
    return {v: (None if n != n else n) for v, n in df.itertuples(index=False)}


def test_survey_tool_export_with_sidecar(db, corpus, count):
    report = imports.import_file("survey", corpus / LIMESURVEY, db=db)
    survey = store.query("SELECT * FROM surveys", db=db).iloc[0]
    assert survey["survey_id"] == "2025-04-recherche"
    assert (survey["title"], survey["theme"]) == ("Recherche en soins primaires", "Recherche")
    assert survey["month"] == dt.datetime(2025, 4, 1)
    assert bool(survey["published"]) is True
    # technical columns are not questions
    q = questions(db, "2025-04-recherche")
    assert list(q.index) == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert report.header_mapping["submitdate"] == "technique:submitdate"
    assert report.header_mapping["Q2[SQ003]"] == "question:Q2"
    assert q.loc["Q1", "text"] == "Votre équipe participe-t-elle à des projets de recherche ?"
    assert q.loc["Q4", "text"] == "Nombre de projets de recherche en cours"  # from the sidecar
    assert dict(q["qtype"]) == {"Q1": "yesno", "Q2": "multiple", "Q3": "scale", "Q4": "number",
                                "Q5": "scale", "Q6": "text"}
    assert list(q.loc["Q2", "options"]) == ["Recueil de données", "Inclusion de patients",
                                            "Co-investigation", "Autre"]
    # respondents
    responses = store.query("SELECT * FROM survey_responses ORDER BY response_id", db=db)
    assert list(responses["response_id"]) == [1, 2, 3, 4, 5, 6]
    assert list(responses["departement"]) == ["38", "69", "01", "38", "38", "73"]
    assert responses["team_name"].iloc[1] == "CPTS Grand Lyon Est"
    assert responses["submitted_at"].iloc[0] == dt.datetime(2025, 4, 3, 9, 14, 2)


def test_incomplete_responses_are_stored_and_counted_apart(db, corpus, count):
    report = imports.import_file("survey", corpus / LIMESURVEY, db=db)
    assert report.incomplete_responses == 2
    assert count("SELECT count(*) FROM survey_responses WHERE complete") == 4
    assert count("SELECT count(*) FROM survey_responses WHERE NOT complete") == 2
    assert answers(db, "2025-04-recherche", "Q1", 3) == {"Oui": 1.0}
    assert any("2 réponse(s) incomplète(s)" in n for n in report.notes)


def test_per_option_columns_and_other_text(db, corpus):
    imports.import_file("survey", corpus / LIMESURVEY, db=db)
    assert answers(db, "2025-04-recherche", "Q2", 1) == {
        "Recueil de données": None, "Co-investigation": None}
    assert answers(db, "2025-04-recherche", "Q2", 2) == {
        "Inclusion de patients": None, "Autre : Thèses d'exercice": None}


def test_scale_order_is_kept_and_sidecar_overrides_the_inferred_type(db, corpus):
    imports.import_file("survey", corpus / LIMESURVEY, db=db)
    q = questions(db, "2025-04-recherche")
    # only "Plutôt" and "Tout à fait" were answered: the declared order gives the positions
    assert list(q.loc["Q3", "options"]) == ["Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait"]
    assert answers(db, "2025-04-recherche", "Q3", 1) == {"Tout à fait": 4.0}
    assert answers(db, "2025-04-recherche", "Q3", 2) == {"Plutôt": 3.0}
    # Q5 holds 1–5 numbers (inferred "number"); the sidecar says it is a scale
    assert infer_type(["5", "3", "4", "5"]) == ("number", None)
    assert q.loc["Q5", "qtype"] == "scale"
    assert answers(db, "2025-04-recherche", "Q5", 2) == {"3": 3.0}
    assert answers(db, "2025-04-recherche", "Q4", 4) == {"12": 12.0}


def test_import_options_win_over_the_sidecar(db, corpus):
    imports.import_file("survey", corpus / LIMESURVEY, db=db,
                        survey_meta={"title": "Titre corrigé", "published": False})
    survey = store.query("SELECT * FROM surveys", db=db).iloc[0]
    assert (survey["survey_id"], survey["title"], survey["theme"]) == (
        "2025-04-recherche", "Titre corrigé", "Recherche")
    assert bool(survey["published"]) is False


def test_online_form_survey_types_are_inferred(db, corpus):
    report = imports.import_file("survey", corpus / FORM, db=db, survey_meta=FORM_META)
    q = questions(db, "2025-06-stages")
    assert list(q["qtype"]) == ["yesno", "multiple", "scale", "number", "text"]
    assert q.loc["Q2", "text"] == "Quels étudiants accueillez-vous ?"
    assert list(q.loc["Q3", "options"]) == [
        "Pas du tout satisfait", "Peu satisfait", "Satisfait", "Très satisfait"]
    assert answers(db, "2025-06-stages", "Q2", 4) == {
        "Internes en médecine générale": None, "Externes": None, "Étudiants infirmiers": None}
    assert answers(db, "2025-06-stages", "Q3", 1) == {"Très satisfait": 4.0}
    assert answers(db, "2025-06-stages", "Q5", 3) == {
        "Pas de maître de stage, pour l'instant": None}
    survey = store.query("SELECT month FROM surveys", db=db).iloc[0]
    assert survey["month"] == dt.datetime(2025, 6, 1)  # from the first response
    assert report.incomplete_responses == 0
    responses = store.query("SELECT * FROM survey_responses ORDER BY response_id", db=db)
    assert list(responses["team_type"]) == ["MSP", "MSP", "CPTS", "CDS", "MSP"]
    assert list(responses["departement"]) == ["38", "38", "69", "01", "73"]


def test_reimporting_a_survey_replaces_it(db, corpus, tmp_path, count, state):
    imports.import_file("survey", corpus / FORM, db=db, survey_meta=FORM_META)
    shorter = tmp_path / "enquete.csv"
    text = (corpus / FORM).read_text(encoding="utf-8").splitlines(keepends=True)
    shorter.write_text("".join(text[:3]), encoding="utf-8")
    # 5 responses replaced by 2: removing more than it adds waits for a confirmation (issue 13)
    preview = imports.read_import("survey", shorter, db=db, survey_meta=FORM_META)
    assert preview.replacement["survey"]["removed"] == 5 and preview.needs_confirmation
    before = state(db)
    with pytest.raises(imports.ImportRefused, match="les 5 réponses déjà enregistrées"):
        imports.import_file("survey", shorter, db=db, survey_meta=FORM_META)
    assert state(db) == before
    imports.import_file("survey", shorter, db=db, survey_meta=FORM_META,
                        choices=imports.Choices(replace="confirm"))
    assert count("SELECT count(*) FROM surveys") == 1
    assert count("SELECT count(*) FROM survey_responses") == 2


def test_unknown_departement_is_a_row_error(db, corpus, tmp_path, count, state):
    path = tmp_path / "enquete.csv"
    path.write_text(
        "Horodateur,Votre département,Votre avis ?\n"
        "02/06/2025 09:00:00,Isère,Oui\n02/06/2025 09:05:00,Isèr,Non\n", encoding="utf-8")
    before = state(db)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file("survey", path, db=db, survey_meta=FORM_META)
    assert "ligne 3, colonne « Votre département » : « Isèr » n'est pas un département connu" in (
        refused.value.message)
    assert state(db) == before
    report = imports.import_file("survey", path, db=db, survey_meta=FORM_META,
                                 valid_rows_only=True)
    assert (report.rows_imported, report.rows_rejected) == (1, 1)
    assert count("SELECT count(*) FROM survey_responses") == 1


def test_sidecar_next_to_the_file_is_found_by_stem(db, corpus, tmp_path):
    shutil.copy(corpus / FORM, tmp_path / "stages.csv")
    (tmp_path / "stages.toml").write_text(
        'id = "2025-06-stages"\ntitle = "Accueil"\ndate = "2025-06"\n'
        '[questions."Combien d\'étudiants en 2025 ?"]\ntype = "single"\n', encoding="utf-8")
    imports.import_file("survey", tmp_path / "stages.csv", db=db)
    q = questions(db, "2025-06-stages")
    assert q.loc["Q4", "qtype"] == "single"


def test_per_option_columns_written_as_question_brackets(db, tmp_path):
    path = tmp_path / "outils.csv"
    path.write_text(
        "Horodateur,Outils utilisés [Revue de dossiers],Outils utilisés [Matrice de maturité],"
        "Note [Accueil],Note [Locaux]\n"
        "01/05/2025 10:00,Oui,,Satisfait,Peu satisfait\n"
        "02/05/2025 10:00,Oui,Oui,Très satisfait,Satisfait\n", encoding="utf-8")
    imports.import_file("survey", path, db=db, survey_meta={"id": "outils", "title": "Outils"})
    q = questions(db, "outils")
    # checkboxes make one multiple-choice question; scale values make one question per column
    assert list(q.index) == ["Q1", "Q2", "Q3"]
    assert list(q["text"]) == ["Outils utilisés", "Note [Accueil]", "Note [Locaux]"]
    assert list(q["qtype"]) == ["multiple", "scale", "scale"]
    assert answers(db, "outils", "Q1", 2) == {"Revue de dossiers": None,
                                              "Matrice de maturité": None}


def test_survey_metadata_problems_are_refused(corpus, tmp_path):
    data = (corpus / FORM).read_bytes()
    with pytest.raises(imports.ImportRefused, match="Identifiant de l'enquête manquant"):
        imports.read_import("survey", data)
    with pytest.raises(imports.ImportRefused, match="AAAA-MM"):
        imports.read_import("survey", data, survey_meta={"id": "x", "date": "avril"})
    shutil.copy(corpus / FORM, tmp_path / "e.csv")
    (tmp_path / "e.toml").write_text('id = "e"\n[questions.Q1]\ntype = "likert"\n')
    with pytest.raises(imports.ImportRefused, match="« likert » inconnu"):
        imports.read_import("survey", tmp_path / "e.csv")
    (tmp_path / "e.toml").write_text('id = "e\n')
    with pytest.raises(imports.ImportRefused, match=r"« e\.toml » illisible"):
        imports.read_import("survey", tmp_path / "e.csv")


@pytest.mark.parametrize(
    ("values", "qtype"),
    [
        (["Oui", "Non", "", "oui"], "yesno"),
        (["Y", "N"], "yesno"),
        (["1", "2,5", "10"], "number"),
        (["Jamais", "Souvent", "Parfois"], "scale"),
        (["Plutôt", "Pas du tout"], "scale"),
        (["A; B", "B"], "multiple"),
        (["Rouge", "Vert", "Rouge", "Bleu"], "single"),
        (["Une longue réponse libre", "Une autre réponse"], "text"),
    ],
)
def test_type_inference(values, qtype):
    assert infer_type(values)[0] == qtype


def test_question_texts_on_a_second_heading_line(db, corpus, count):
    report = imports.import_file("survey", corpus / "enquete_deux_lignes_entete.csv", db=db,
                                 survey_meta={"id": "deux-lignes", "title": "Deux lignes"})
    assert report.rows_total == 3 and report.incomplete_responses == 1
    assert any("Ligne 2 : deuxième ligne d'en-tête" in note for note in report.notes)
    q = questions(db, "deux-lignes")
    assert list(q.index) == ["Q1", "Q2", "Q3"]
    assert list(q["text"]) == ["Votre équipe fait-elle de la recherche ?",
                               "Rôles de l'équipe", "Commentaire"]
    assert list(q.loc["Q2", "options"]) == ["Recueil de données", "Inclusion de patients",
                                            "Autre"]
    assert answers(db, "deux-lignes", "Q2", 2) == {"Inclusion de patients": None,
                                                   "Autre : Thèses d'exercice": None}
    assert count("SELECT count(*) FROM survey_responses WHERE survey_id = 'deux-lignes'") == 3


def test_code_and_text_in_one_heading_line(db, corpus):
    imports.import_file("survey", corpus / "enquete_code_et_texte.csv", db=db,
                        survey_meta={"id": "code-texte", "title": "Code et texte"})
    q = questions(db, "code-texte")
    assert list(q.index) == ["Q1", "Q2"]
    assert list(q["qtype"]) == ["yesno", "multiple"]
    assert q.loc["Q2", "text"] == "Rôles de l'équipe"
    assert answers(db, "code-texte", "Q2", 2) == {"Inclusion de patients": None}


def test_english_form_timestamps_are_read_month_first(db, tmp_path):
    path = tmp_path / "enquete_en.csv"
    path.write_text(
        "Timestamp,Votre département,Votre avis ?\n"
        "6/2/2025 9:00:00,Isère,Oui\n6/13/2025 9:05:00,Isère,Non\n", encoding="utf-8")
    report = imports.import_file("survey", path, db=db, survey_meta=FORM_META)
    assert not report.errors
    assert any("dates lues mois/jour/année" in n for n in report.notes)
    submitted = store.query("SELECT submitted_at FROM survey_responses ORDER BY 1", db=db)
    assert [d.to_pydatetime() for d in submitted["submitted_at"]] == [
        dt.datetime(2025, 6, 2, 9, 0), dt.datetime(2025, 6, 13, 9, 5)]
