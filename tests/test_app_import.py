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
    history = app.dataframe[-1].value
    assert "adhesions.csv" in set(history["Fichier"])
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
