"""The shared sidebar: each page draws only the filters that apply to it, and keeps the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatory.pages import PAGES
from observatory.ui.filters import KEYS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def filters_drawn(at: AppTest) -> set[str]:
    keys = {s.key for s in at.sidebar.selectbox}
    return {name for name, key in KEYS.items() if key in keys}


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/facilitations.py").run()
    assert not at.exception
    return at


def test_pages_draw_their_filters_only_and_keep_the_others(app: AppTest) -> None:
    assert filters_drawn(app) == {"year", "territory", "departement", "team_type"}
    app.selectbox(key=KEYS["departement"]).select("38").run()
    app.selectbox(key=KEYS["team_type"]).select("MSP").run()
    for page in PAGES:
        app.switch_page(page.file).run()
        assert not app.exception, page.id
        assert filters_drawn(app) == set(page.filters), page.id
        shown = dict(app.query_params)
        # the URL says only what narrows this page
        assert ("dep" in shown) == ("departement" in page.filters), page.id
    app.switch_page("pages/facilitations.py").run()
    assert app.selectbox(key=KEYS["departement"]).value == "38"
    assert app.selectbox(key=KEYS["team_type"]).value == "MSP"
    assert "Isère" in " ".join(c.value for c in app.caption)
