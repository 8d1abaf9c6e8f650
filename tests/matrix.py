"""The page × scope matrix the scope and disclosure tests walk: scopes of every kind, each page
as the views it lays out together, and every text a view puts on screen or in a file."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from observatory.config import get_federation
from observatory.filters import Scope
from observatory.views import (
    View,
    capitalisation,
    carte,
    facilitations,
    home,
    portrait,
    projects,
    surveys,
)
from observatory.vocabulary import TEAM_TYPES

FED = get_federation("femasaura")
YEAR = 2025


def scopes() -> list[Scope]:
    """The region, each territory, each département and each team type (2025), and a few
    département × type pairs where the groups are smallest."""
    out = [Scope(year=YEAR)]
    out += [Scope(year=YEAR, territory=t) for t in FED.territories]
    out += [Scope(year=YEAR, departement=d) for d in FED.departements]
    out += [Scope(year=YEAR, team_type=t) for t in TEAM_TYPES]
    out += [Scope(year=YEAR, departement=d, team_type=t)
            for d, t in (("15", "CPTS"), ("38", "MSP"), ("07", "CPTS"))]
    return out


def one_per_kind() -> list[Scope]:
    """One scope of each kind: region, territory, département, team type, and both at once."""
    return [Scope(year=YEAR), Scope(year=YEAR, territory="Est"),
            Scope(year=YEAR, departement="38"), Scope(year=YEAR, team_type="CPTS"),
            Scope(year=YEAR, departement="15", team_type="CPTS")]


def pages(scope: Scope, db: Path, names: dict[str, str] | None = None) -> dict[str, list[View]]:
    """Each page of the scope (and each of its selections) as the views it lays out."""
    out = {"home": [home.build(scope, FED, db, names)],
           "facilitations": [facilitations.build(scope, FED, db, names)],
           "portrait": [portrait.build(scope, FED, db, names)],
           "capitalisation": [capitalisation.build(scope, FED, db, departement_names=names)]}
    # every existing team, estimated: the same questions for the region's teams
    out["portrait/estimation"] = [portrait.build(scope, FED, db, names, equipes="toutes")]
    for indicator in carte.INDICATORS:
        out[f"carte/{indicator}"] = [carte.build(scope, FED, db, indicator=indicator)]
    for year in sorted({None, *projects.map_years(scope, FED, db)[-3:]}, key=lambda y: y or 0):
        out[f"projets/{year}"] = [projects.build(scope, FED, db, names, map_year=year)]
    if scope in one_per_kind():  # the teams' marks depend on the year and type only
        out["carte/points"] = [carte.build(scope, FED, db, indicator="population_covered",
                                           points=True)]
    catalogue = surveys.catalogue(scope, FED, db, names)
    ids, _, _ = surveys.choices(scope, FED, db)
    for survey_id, breakdown in itertools.product(ids, (None, *surveys.BREAKDOWN_LABELS)):
        out[f"enquetes/{survey_id}/{breakdown}"] = [catalogue, surveys.build(
            scope, FED, db, survey_id=survey_id, breakdown=breakdown, departement_names=names)]
    return out


def texts(view: View, *, cells: bool = True) -> Iterator[str]:
    """Every text the view shows or writes: titles, captions, notes, metrics, cells, labels
    (``cells=False``: only what the product writes itself, not the data's cells)."""
    yield from (view.title, view.scope_label, view.empty_message or "", *view.notes)
    for m in view.metrics:
        yield from (m.label, m.value, m.delta or "", m.help)
    for fig in view.figures:
        yield from (fig.title, fig.caption, fig.withheld, fig.takeaway, fig.lead)
        if cells:
            yield from _cells(fig.data, missing=False)  # a chart leaves a masked mark out
        if fig.chart is not None:
            title = fig.chart.spec.get("title", {})
            for part in (title.get("text"), title.get("subtitle")) if isinstance(title, dict) \
                    else (title,):
                yield from ([part] if isinstance(part, str) else part or [])
    for table in view.tables:
        yield from (table.title, table.caption, *map(str, table.data.columns))
        if cells:
            yield from _cells(table.data, missing=True)
    for card in view.cards:
        yield from (card.title, card.value, card.value_label, card.takeaway, card.groups,
                    card.withheld)


def _cells(df: pd.DataFrame | None, *, missing: bool) -> Iterator[str]:
    if df is None:
        return
    for col in df.columns:
        for value in df[col]:
            if isinstance(value, str):
                yield value
            elif missing and (value is None or (isinstance(value, float) and value != value)):
                yield repr(value)  # a table on screen writes a missing cell « None »


def chart_subtitles(at: object) -> list[str]:
    """The subtitle lines (n, source, notes) of every chart an AppTest page drew: a chart
    carries them itself, the page does not repeat them under it."""
    import json

    lines: list[str] = []
    for chart in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:  # type: ignore[attr-defined]
        title = json.loads(chart.proto.spec).get("title", {})
        subtitle = title.get("subtitle", []) if isinstance(title, dict) else []
        lines.append(" ".join([subtitle] if isinstance(subtitle, str) else subtitle))
    return lines


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def signed_in_app(db: Path, role: str, monkeypatch: object,
                  params: dict[str, str] | None = None) -> object:
    """The app on ``db`` as an account of ``role`` (the URL holding ``params``), run once."""
    from accounts import sign_in_as
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OBSERVATORY_DB", str(db))  # type: ignore[attr-defined]
    at = AppTest.from_file(APP, default_timeout=120)
    sign_in_as(monkeypatch, role)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at

