"""The download buttons (observatory/ui/downloads.py) through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def _buttons_script() -> None:
    import os

    from observatory.config import get_federation
    from observatory.filters import Scope
    from observatory.ui import downloads
    from observatory.views import home

    federation = get_federation("femasaura")
    view = home.build(Scope(year=2025), federation, os.environ["OBSERVATORY_DB"])
    downloads.view_buttons(view, federation)
    ctx = downloads.context(view, federation)
    for fig in view.figures:
        downloads.figure_buttons(fig, ctx)
    for table in view.tables:
        downloads.table_buttons(table, ctx)


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def menu_keys(at: AppTest) -> list[str]:
    """The keys of the download menus on the page (``$$ID-<hash>-<key>`` ids)."""
    found: list[str] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if getattr(proto, "DESCRIPTOR", None) is not None and any(
                    o.name == "type" for o in proto.DESCRIPTOR.oneofs) and \
                    proto.WhichOneof("type") == "popover":
                found.append(proto.popover.id.split("-", 2)[-1])
            walk(child)

    walk(at._tree)
    return found


def open_menus(at: AppTest) -> list[str]:
    """Opens every download menu as a click would, reruns, returns the buttons' labels."""
    for key in menu_keys(at):
        at.session_state[key] = True
    at.run()
    assert not at.exception
    return labels(at)


def test_download_buttons(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_function(_buttons_script, default_timeout=60)
    at.run()
    assert not at.exception
    # the menus' buttons are built when a menu opens: a closed menu has none
    assert labels(at) == ["CSV (Excel)", "XLSX"]
    assert menu_keys(at) == ["dl_vue_chiffres_cles_menu", "dl_adherents_par_type_menu",
                             "dl_adherents_par_statut_menu", "dl_facilitations_par_type_menu"]
    at.session_state["dl_adherents_par_statut_menu"] = True  # one menu opened: its buttons only
    at.run()
    assert labels(at) == ["Image PNG (présentation)", "Image SVG (vectorielle)",
                          "Données CSV (Excel)", "Données XLSX", "CSV (Excel)", "XLSX"]
    assert at.get("download_button")[0].key == "dl_adherents_par_statut_png"
    found = open_menus(at)
    assert found[:2] == ["Présentation PowerPoint (.pptx)", "Document PDF"]
    assert found.count("Image PNG (présentation)") == 3  # one per chart of the home page
    assert found.count("Image SVG (vectorielle)") == 3
    assert found.count("Données CSV (Excel)") == 3
    assert found.count("CSV (Excel)") == 1 and found.count("XLSX") == 1
    keys = [b.key for b in at.get("download_button")]
    assert "dl_adherents_par_type_png" in keys and len(keys) == len(set(keys))


def test_pages_show_download_buttons(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    found = open_menus(at)
    assert "Présentation PowerPoint (.pptx)" in found
    assert found.count("Image PNG (présentation)") >= 3


def test_departement_sheet_button_follows_the_filter(demo_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert "Fiche département (PDF)" not in labels(at)
    at.selectbox(key="f_dep").select("38").run()
    assert not at.exception
    sheet = [b for b in at.get("download_button") if b.label == "Fiche département (PDF)"]
    assert len(sheet) == 1 and sheet[0].key == "dl_fiche_38_2025"
