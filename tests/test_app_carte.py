"""The map page through AppTest, and the map view without Streamlit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matrix import chart_subtitles
from streamlit.testing.v1 import AppTest

from observatory.config import get_federation
from observatory.filters import Scope
from observatory.ui.filters import PENDING_DEP
from observatory.views import carte

APP = str(Path(__file__).resolve().parents[1] / "app.py")
AURA = get_federation("femasaura")


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    return at


def table(at: AppTest):
    return at.dataframe[0].value


@pytest.mark.parametrize(("params", "rows"), [({}, 12), ({"territoire": "Est"}, 4), ({"dep": "38"}, 1)])
def test_map_renders_for_each_scope(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                    params: dict, rows: int) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert len(table(at)) == rows
    assert any("n =" in line for line in chart_subtitles(at))


def test_indicator_and_filters_change_the_map(app: AppTest) -> None:
    assert table(app)["Équipes adhérentes"].sum() == 172
    caption = next(line for line in chart_subtitles(app) if "n =" in line)
    app.selectbox(key="carte_indicateur").select("facilitations").run()
    new_caption = next(line for line in chart_subtitles(app) if "n =" in line)
    assert new_caption != caption and "154 facilitations" in new_caption
    app.selectbox(key="f_type").select("CPTS").run()
    assert table(app)["Facilitations"].sum() == 23


def test_clicking_a_departement_sets_the_filter(app: AppTest) -> None:
    app.session_state[PENDING_DEP] = "63"  # what a click on the map leaves for the next run
    app.run()
    assert app.selectbox(key="f_dep").value == "63"
    assert app.selectbox(key="f_territoire").value == "Ouest"
    assert app.query_params["dep"] == "63"
    assert table(app)["Code"].tolist() == ["63"]


def test_map_spec_joins_values_once_and_stays_small(demo_db: Path) -> None:
    view = carte.build(Scope(year=2025), AURA, demo_db, indicator="facilitated_teams")
    spec = view.figures[0].chart.to_dict()
    text = json.dumps(spec)
    assert len(text) < 300_000  # issue 7: a region's map under 300 KB of specification
    assert '"lookup": "code"' in text  # values joined by code, not repeated in every feature
    total = view.figures[0].data["Équipes facilitées (uniques)"].sum()
    assert total == 129


def test_coverage_without_reference_counts_says_so(demo_db: Path) -> None:
    view = carte.build(Scope(year=2024), AURA, demo_db, indicator="coverage")
    assert any("décompte de référence" in n for n in view.notes)
    view = carte.build(Scope(year=2025), AURA, demo_db, indicator="coverage")
    assert not view.notes  # the demo loads the 2025 counts of existing MSP and CPTS
    shares = view.figures[0].data["Part des équipes existantes adhérentes"]
    assert shares.notna().all() and ((shares > 0) & (shares <= 1)).all()
