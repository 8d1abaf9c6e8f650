"""The values the pages share between sessions: views held once per store version, what a page
works out from them (a view as a role sees it, a chart's spec as sent) held once per view; an
import gives the pages new ones, and no page changes a shared one."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from observatory import demo, imports, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.ui import data, render
from observatory.views import facilitations, surveys

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FED = get_federation("femasaura")
CALLS: list[tuple[object, int]] = []


def doubled(values: list[int], factor: int) -> list[int]:
    CALLS.append((values, factor))
    return [v * factor for v in values]


def test_derived_runs_once_per_object_and_arguments() -> None:
    CALLS.clear()
    first, equal = [1, 2], [1, 2]
    assert data.derived(doubled, first, 2) == [2, 4]
    assert data.derived(doubled, first, 2) == [2, 4]
    assert len(CALLS) == 1
    # an equal object is another object (a view of another store version, say): its own entry
    assert data.derived(doubled, equal, 2) == [2, 4]
    assert data.derived(doubled, first, 3) == [3, 6]
    assert [c[0] is equal for c in CALLS] == [False, True, False] and len(CALLS) == 3


def _open(db: Path, page: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["annee"] = "2025"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _rows(arrow: bytes) -> list[tuple]:
    """A dataset's rows, in an order of their own: a query without ORDER BY (the « Par
    territoire » chart's) may give them in another order on another run."""
    return sorted(map(tuple, pa.ipc.open_stream(arrow).read_all().to_pylist()), key=repr)


def _sent(at: AppTest) -> dict[str, list[list[tuple]]]:
    """The charts the page sent: by their title, their datasets' rows."""
    out = {}
    for chart in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        title = json.loads(chart.proto.spec).get("title")
        out[json.dumps(title, sort_keys=True)] = [_rows(d.data.data)
                                                   for d in chart.proto.datasets]
    return out


def _expected(db: Path) -> dict[str, list[list[tuple]]]:
    """The payloads of a view built now from the store, outside every cache."""
    names = data.departement_names()
    view = facilitations.build(Scope(year=2025), FED, str(db), departement_names=names)
    found = {}
    for fig in view.figures:
        if fig.chart is not None and len(fig.data):
            payload = render.chart_payload(fig)
            found[json.dumps(payload.get("title"), sort_keys=True)] = [
                _rows(rows) for rows in payload["datasets"].values()]
    return found


def test_an_import_sends_the_charts_again(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the facilitations are imported the page draws none; after, every chart it sends
    is the one built from the new store, rows included; undone, none again."""
    db = tmp_path / "store.duckdb"
    store.init(db, "femasaura")
    entries = demo.manifest(demo.DEMO_DIR)
    for entry in entries:
        if entry["kind"] == "adhesions":
            imports.import_file("adhesions", demo.DEMO_DIR / entry["file"], db=db,
                                year=entry.get("year"))
    at = _open(db, "pages/facilitations.py", monkeypatch)
    assert _sent(at) == {}
    stamp = store.version(db)
    (fac,) = [e for e in entries if e["kind"] == "facilitations"]
    imports.import_file("facilitations", demo.DEMO_DIR / fac["file"], db=db)
    assert store.version(db) != stamp
    at.run()
    sent, expected = _sent(at), _expected(db)
    assert len(expected) >= 5 and sent == expected
    imports.undo_last_batch(db)
    at.run()
    assert not at.exception and _sent(at) == {}


def test_pages_never_change_the_views_they_share(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                 sign_in: Callable[..., str]) -> None:
    """The views ``data.load`` holds are the very objects every rerun and session draws, and
    drawing them, as the local admin and as a reader, download menus open, leaves them as they
    were built."""
    from test_export_ui import menu_keys

    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    names = data.departement_names()
    scope = Scope(year=2025)
    fac = data.load(facilitations.build, scope, FED, departement_names=names)
    ids, _, default = data.load(surveys.choices, scope, FED, published_only=False)
    survey = data.load(surveys.build, scope, FED, survey_id=ids[default], breakdown=None,
                       departement_names=names, published_only=False)
    before = [pickle.dumps(fac), pickle.dumps(survey)]
    drawn: list[int] = []
    seen = render.seen

    def recording(v: object) -> object:
        drawn.append(id(v))
        return seen(v)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "seen", recording)
    for role in (None, "lecture"):
        if role is not None:
            sign_in(role)
        for page in ("pages/facilitations.py", "pages/enquetes.py"):
            at = _open(demo_db, page, monkeypatch)
            for key in menu_keys(at):
                at.session_state[key] = True
            at.run()
            assert not at.exception, at.exception
    assert drawn.count(id(fac)) >= 4  # both roles, before and after the menus opened
    assert drawn.count(id(survey)) >= 2  # the admin's (a reader's: published surveys only)
    reader = render._as_seen(fac, "lecture", None, 5)
    assert reader.figures and reader is not fac
    assert [pickle.dumps(fac), pickle.dumps(survey)] == before
