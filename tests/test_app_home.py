"""The app shell and home page through Streamlit's AppTest: filters, URL, figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from matrix import chart_subtitles
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    return AppTest.from_file(APP, default_timeout=60)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_home_region(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert metric(app, "Équipes adhérentes") == "172"
    assert metric(app, "Facilitations") == "154"
    assert metric(app, "Équipes facilitées") == "129"
    assert app.query_params["annee"] == "2025"
    assert any("n =" in line for line in chart_subtitles(app))
    assert not any("n =" in c.value for c in app.caption)  # not repeated under the charts


def test_home_reacts_to_filters_and_url(app: AppTest) -> None:
    app.run()
    app.selectbox(key="f_territoire").select("Est").run()
    assert not app.exception
    assert metric(app, "Facilitations") == "62"
    assert app.query_params["territoire"] == "Est"
    app.selectbox(key="f_dep").select("38").run()
    assert metric(app, "Facilitations") == "33"
    assert metric(app, "Équipes facilitées") == "30"
    assert app.query_params["dep"] == "38"
    app.selectbox(key="f_type").select("CPTS").run()
    assert metric(app, "Facilitations") == "3"
    app.button[0].click().run()  # reset
    assert metric(app, "Facilitations") == "154"


def test_url_reproduces_view(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["annee"] = "2025"
    at.query_params["territoire"] = "Ouest"
    at.query_params["dep"] = "63"
    at.run()
    assert not at.exception
    assert at.selectbox(key="f_dep").value == "63"
    assert metric(at, "Facilitations") == "20"
    assert metric(at, "Équipes facilitées") == "16"


def test_year_without_data_and_previous_year_delta(app: AppTest) -> None:
    app.run()
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["Facilitations"] == "-10"  # 164 in 2024 (60 + 66 + 38) → 154
    app.selectbox(key="f_annee").select(2024).run()
    assert metric(app, "Facilitations") == "164"
    assert not app.exception


def test_deltas_only_against_a_year_with_data(app: AppTest) -> None:
    app.run()
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["Équipes adhérentes"] == "+14"  # 158 forms in 2024
    assert deltas["Facilitations"] == "-10"
    assert not deltas["Répondants aux enquêtes"]  # no survey imported for 2024
