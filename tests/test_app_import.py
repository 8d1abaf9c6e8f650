"""The import page through AppTest: preview, refusal with its errors, confirm, history, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatory import store
from observatory.ui.text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GOOD = ("Nom de la structure,Type de structure,Stade,Département,Année\n"
        "MSP des Essais,MSP,En projet,Cantal,2025\n").encode()
BAD = ("Nom de la structure,Type de structure,Stade,Département,Année\n"
       "MSP des Essais,MSP,En projet,Cantal,2025\n"
       "MSP Fautive,MSP,En projet,Isèr,2025\n").encode()


@pytest.fixture
def app(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_copy))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception
    return at


def table(at: AppTest, column: str):
    """The first table on the page having ``column`` (AppTest finds tables by content only)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def members(db: Path, dep: str) -> int:
    return int(store.query("SELECT count(*) AS n FROM memberships WHERE year = 2025 AND "
                           "departement = ?", [dep], db=db)["n"][0])


def test_preview_then_import_then_undo(app: AppTest, demo_copy: Path) -> None:
    before = members(demo_copy, "15")
    app.file_uploader(key="import_file").upload("adhesions.csv", GOOD, "text/csv").run()
    assert not app.exception
    text = " ".join(shown(m.value) for m in app.markdown)
    assert "**Format détecté** : texte délimité (CSV), encodage UTF-8, séparateur : virgule" in text
    mapping = table(app, "Champ reconnu")
    assert dict(zip(mapping["Colonne du fichier"], mapping["Champ reconnu"], strict=True)) == {
        "Nom de la structure": "Nom de l'équipe", "Type de structure": "Type de structure",
        "Stade": "Stade", "Département": "Département", "Année": "Année"}
    preview = table(app, "Nom de l'équipe")
    assert preview["Nom de l'équipe"].tolist() == ["MSP des Essais"]
    assert preview["Département"].tolist() == ["15"]
    assert members(demo_copy, "15") == before  # a preview writes nothing
    app.button(key="import_confirm").click().run()
    assert not app.exception
    assert any("Import réussi" in s.value for s in app.success)
    assert members(demo_copy, "15") == before + 1
    history = table(app, "SHA-256")
    assert "adhesions.csv" in set(history["Fichier"])
    assert "Télécharger le fichier d'origine" in [b.label for b in app.get("download_button")]
    app.button(key="import_undo").click().run()
    assert members(demo_copy, "15") == before


def test_bad_file_shows_line_column_value_and_changes_nothing(app: AppTest,
                                                               demo_copy: Path) -> None:
    stamp = store.version(demo_copy)
    app.file_uploader(key="import_file").upload("adhesions.csv", BAD, "text/csv").run()
    assert not app.exception
    errors = next(df.value for df in app.dataframe if "Problème" in df.value.columns)
    row = errors.iloc[0]
    assert (row["Ligne"], row["Colonne"], row["Valeur"]) == (3, "Département", "Isèr")
    assert app.button(key="import_confirm").disabled
    app.checkbox(key="import_valid_only").check().run()
    app.button(key="import_confirm").click().run()
    assert any("1 rejetée" in s.value for s in app.success)
    assert store.version(demo_copy) != stamp
    rejected = table(app, "Ligne d'origine")
    assert rejected["Valeur"].tolist() == ["Isèr"]
    assert rejected["Problème"].tolist() == ["« Isèr » n'est pas un département connu"]


def test_unreadable_file_is_refused_in_french(app: AppTest, demo_copy: Path) -> None:
    stamp = store.version(demo_copy)
    app.file_uploader(key="import_file").upload("vide.csv", b"", "text/csv").run()
    assert not app.exception
    assert app.error and store.version(demo_copy) == stamp


def test_upload_over_the_size_limit_is_refused_unread(app: AppTest, demo_copy: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_IMPORT_MAX_MB", "1")
    stamp = store.version(demo_copy)
    big = GOOD + b"MSP des Essais,MSP,En projet,Cantal,2025\n" * 40_000  # about 1.6 Mo
    app.run()
    assert "1 Mo au plus" in app.caption[0].value  # the page states the limit it enforces
    app.file_uploader(key="import_file").upload("adhesions.csv", big, "text/csv").run()
    assert not app.exception
    # the browser refuses it first; the server checks again, whatever sent the bytes
    assert app.error and "trop volumineux (1.6 Mo)" in shown(app.error[0].value)
    assert "la limite est de 1 Mo" in app.error[0].value
    assert not [b for b in app.button if b.key == "import_confirm"]
    assert store.version(demo_copy) == stamp
    monkeypatch.setenv("OBSERVATORY_IMPORT_MAX_MB", "2")
    app.run()
    app.file_uploader(key="import_file").upload("adhesions.csv", big, "text/csv").run()
    # the control: under the limit the same file is read (and its duplicate rows reported)
    assert not any("volumineux" in e.value for e in app.error)
    assert any("Format détecté" in m.value for m in app.markdown)


def test_a_zip_bomb_named_xlsx_is_refused(app: AppTest, demo_copy: Path) -> None:
    import io
    import zipfile

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(300):  # 300 Mo once inflated, well under 1 Mo uploaded
                sheet.write(b"\0" * (1 << 20))
    stamp = store.version(demo_copy)
    app.file_uploader(key="import_file").upload(
        "journal.xlsx", raw.getvalue(), "application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet").run()
    assert not app.exception
    assert any("une fois décompressé il ferait 300 Mo" in e.value for e in app.error)
    assert store.version(demo_copy) == stamp


def test_a_strange_file_name_is_stored_clean(app: AppTest, demo_copy: Path) -> None:
    name = "..\\..\\secret/\u200badh\u0007ésions\u202e 2025.csv"
    app.file_uploader(key="import_file").upload(name, GOOD, "text/csv").run()
    assert not app.exception
    app.button(key="import_confirm").click().run()
    assert not app.exception and app.success
    assert table(app, "Fichier")["Fichier"].iloc[0] == "adhésions 2025.csv"


def test_sheet_choice_and_survey_options(app: AppTest, demo_copy: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Lisez-moi"
    wb.active.append(["Notice"])
    ws = wb.create_sheet("Réponses")
    ws.append(["Horodateur", "Votre département", "Êtes-vous satisfait ?"])
    for day in range(1, 7):
        ws.append([f"0{day}/06/2025 10:00:00", "Isère", "Oui"])
    path = tmp_path / "enquete.xlsx"
    wb.save(path)
    app.selectbox(key="import_kind").select("survey").run()
    app.file_uploader(key="import_file").upload("enquete.xlsx", path.read_bytes(),
                                                "application/octet-stream").run()
    app.selectbox(key="import_sheet").select("Réponses").run()
    app.text_input(key="import_survey_id").input("2025-06-essai").run()
    app.text_input(key="import_survey_title").input("Essai").run()
    app.selectbox(key="import_survey_published").select(False).run()
    assert not app.exception and not app.error
    app.button(key="import_confirm").click().run()
    assert not app.exception and app.success
    survey = store.query("SELECT * FROM surveys WHERE survey_id = '2025-06-essai'",
                         db=demo_copy).iloc[0]
    assert survey["title"] == "Essai" and bool(survey["published"]) is False
    assert store.query("SELECT count(*) AS n FROM survey_responses WHERE survey_id = "
                       "'2025-06-essai'", db=demo_copy)["n"][0] == 6


EXPORTS = Path(__file__).resolve().parent / "imports" / "corpus" / "exports"


def _staged_uploads() -> set[Path]:
    import tempfile

    return set(Path(tempfile.gettempdir()).glob("observatoire-upload-*"))


def test_a_libreoffice_workbook_is_accepted(app: AppTest, demo_copy: Path) -> None:
    before = _staged_uploads()
    app.selectbox(key="import_kind").select("references").run()
    app.number_input(key="import_year").set_value(2025).run()
    app.file_uploader(key="import_file").upload(
        "equipes.ods", (EXPORTS / "equipes_existantes.ods").read_bytes(),
        "application/vnd.oasis.opendocument.spreadsheet").run()
    assert not app.exception and not app.error
    text = " ".join(shown(m.value) for m in app.markdown)
    assert "classeur LibreOffice (.ods), feuille « Équipes »" in text
    app.button(key="import_confirm").click().run()
    assert not app.exception and app.success
    assert _staged_uploads() == before


def test_a_damaged_workbook_is_refused_in_french_and_its_upload_removed(
        app: AppTest, demo_copy: Path) -> None:
    before, stamp = _staged_uploads(), store.version(demo_copy)
    app.selectbox(key="import_kind").select("facilitations").run()
    app.file_uploader(key="import_file").upload(
        "journal.xlsx", (EXPORTS / "journal_abime.xlsx").read_bytes(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    assert not app.exception
    assert app.error[0].value.startswith("Ce classeur .xlsx est endommagé")
    assert _staged_uploads() == before and store.version(demo_copy) == stamp


CORPUS = Path(__file__).resolve().parent / "imports" / "corpus"


def test_mapping_step_when_a_required_column_is_not_recognised(app: AppTest,
                                                                demo_copy: Path) -> None:
    """A form worded as questions: the page asks which column is the département (showing the
    columns' first values), previews with the answer, imports and saves the mapping."""
    name = "adhesions_questions_2025.csv"
    department = "Dans quel département se situe votre structure ?"
    app.number_input(key="import_year").set_value(2025).run()
    app.file_uploader(key="import_file").upload(
        name, (CORPUS / name).read_bytes(), "text/csv").run()
    assert not app.exception
    assert any("« Département »" in e.value for e in app.error)
    assert not [b for b in app.button if b.key == "import_confirm"]
    choice = app.selectbox(key=f"import_map_adhesions_{name}_departement")
    # each column with its first values
    assert f"{department} — ex. : Isère, Isère (38), Rhône" in choice.options
    choice.select(department)
    app.text_input(key=f"import_map_name_adhesions_{name}").input("Formulaire Google")
    next(b for b in app.button if b.label == "Appliquer cette correspondance").click().run()
    assert not app.exception and not app.error
    preview = table(app, "Nom de l'équipe")
    assert preview["Département"].tolist() == ["38", "38", "69"]
    app.button(key="import_confirm").click().run()
    assert any("Import réussi" in s.value for s in app.success)
    saved = store.query("SELECT name, columns FROM column_mappings", db=demo_copy)
    assert saved["name"].tolist() == ["Formulaire Google"]
    assert department in saved["columns"][0]


def test_deletions_wait_for_a_confirmation_on_the_page(app: AppTest, demo_copy: Path) -> None:
    name = "journal_decembre_2025_31_lignes.xlsx"
    december = store.query("SELECT count(*) AS n FROM facilitations WHERE year = 2025 AND "
                           "month(fac_date) = 12", db=demo_copy)["n"][0]
    app.selectbox(key="import_kind").select("facilitations").run()
    app.file_uploader(key="import_file").upload(
        name, (CORPUS / name).read_bytes(), "application/octet-stream").run()
    app.checkbox(key="import_valid_only").check().run()
    assert not app.exception
    assert any(f"retire {december - 1} enregistrement(s)" in w.value for w in app.warning)
    stamp = store.version(demo_copy)
    assert app.button(key="import_confirm").disabled  # not without saying it is meant
    app.checkbox(key="import_confirm_deletions").check().run()
    assert not app.button(key="import_confirm").disabled
    app.button(key="import_confirm").click().run()
    assert not app.exception and any("Import réussi" in s.value for s in app.success)
    assert store.version(demo_copy) != stamp
    assert store.query("SELECT count(*) AS n FROM facilitations WHERE year = 2025 AND "
                       "month(fac_date) = 12", db=demo_copy)["n"][0] == 1
