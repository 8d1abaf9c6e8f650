"""Personal data never leaves: marker contacts and facilitator names appear on no page and in no export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from observatory import imports
from observatory.ui import shell

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EMAIL = "zzqx-contact-marker@example.org"
FACILITATOR = "Zzqxmarker Facilitatrice"


@pytest.fixture(scope="module")
def marked_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store plus a team whose e-mail and a facilitation whose facilitators are markers."""
    from observatory import demo

    folder = tmp_path_factory.mktemp("privacy")
    db = folder / "marked.duckdb"
    demo.build(db)
    adh = folder / "adhesions_marker.csv"
    adh.write_text("Nom de la structure,Type de structure,Stade,Département,Année,Email\n"
                   f"MSP Marqueur,MSP,Sous ACI,38,2025,{EMAIL}\n", encoding="utf-8")
    imports.import_file("adhesions", adh, db=db)
    log = folder / "journal_marker.csv"
    log.write_text("Date;Département;Équipe(s);Type de structure;Profil de l'équipe;"
                   "Type de facilitation;Facilitateur(s)\n"
                   f"12/06/2025;38;MSP Marqueur;MSP;Sous ACI;Conseil et soutien;{FACILITATOR}\n",
                   encoding="utf-8")
    imports.import_file("facilitations", log, db=db)
    return db


def tree_text(node: object) -> str:
    """Everything an AppTest element tree shows, tables included."""
    parts = []
    value = getattr(node, "value", None)
    if isinstance(value, pd.DataFrame):
        parts.append(value.to_csv())
    proto = getattr(node, "proto", None)
    if proto is not None:
        parts.append(str(proto))
    for child in getattr(node, "children", {}).values():
        parts.append(tree_text(child))
    return "\n".join(parts)


def test_no_page_shows_personal_data(marked_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(marked_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dep"] = "38"
    at.run()
    seen_marker_team = False
    for path, *_ in shell.PAGES:
        at.switch_page(path).run()
        assert not at.exception, path
        text = tree_text(at._tree)
        assert EMAIL not in text, path
        assert "Zzqxmarker" not in text, path
        seen_marker_team |= "MSP Marqueur" in text
    assert seen_marker_team  # the marked team itself is visible somewhere: the search is real
