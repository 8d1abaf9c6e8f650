"""The import page through AppTest: preview, refusal with its errors, confirm, history, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatory import store

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


def members(db: Path, dep: str) -> int:
    return int(store.query("SELECT count(*) AS n FROM memberships WHERE year = 2025 AND "
                           "departement = ?", [dep], db=db)["n"][0])


def test_preview_then_import_then_undo(app: AppTest, demo_copy: Path) -> None:
    before = members(demo_copy, "15")
    app.file_uploader(key="import_file").upload("adhesions.csv", GOOD, "text/csv").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "Format détecté" in text and "UTF-8" in text
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
    rejected = [df.value for df in app.dataframe if "message" in df.value.columns]
    assert rejected and rejected[0]["value"].tolist() == ["Isèr"]


def test_unreadable_file_is_refused_in_french(app: AppTest, demo_copy: Path) -> None:
    stamp = store.version(demo_copy)
    app.file_uploader(key="import_file").upload("vide.csv", b"", "text/csv").run()
    assert not app.exception
    assert app.error and store.version(demo_copy) == stamp
