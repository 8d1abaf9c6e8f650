"""Facilitations: interventions and unique teams by period, team type, profile, kind and place.

A facilitation counts once whatever the number of teams; "équipes uniques" counts distinct teams.
Privacy: no query here ever selects ``facilitations.facilitators`` (personal data) nor any e-mail;
the base CTE lists the columns it keeps, and every other query reads from it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql

# The axes ``breakdowns`` groups by (the column of the base CTE each one reads).
AXES = ("team_type", "team_profile", "kind", "departement", "territory", "month")


def _base(scope: Scope, federation: Federation, *, year: bool = True,
          years: tuple[int, ...] | None = None) -> tuple[str, dict[str, Any]]:
    """``WITH terr AS (…), fac AS (…), ft AS (…)``: facilitations in scope, their territory, teams.

    ``fac`` holds one row per facilitation, ``ft`` one row per (facilitation, team).
    """
    where, params = scope_sql(scope, federation, alias="f", year=year and years is None)
    if years is not None:
        where += " AND list_contains($years, f.year)"
        params["years"] = list(years)
    codes = [c for codes in federation.territories.values() for c in codes]
    names = [t for t, codes in federation.territories.items() for _ in codes]
    params.update(t_codes=codes, t_names=names)
    cte = f"""
        WITH terr AS (SELECT unnest($t_codes::VARCHAR[]) AS code,
                             unnest($t_names::VARCHAR[]) AS territory),
        fac AS (
            SELECT f.facilitation_id, f.fac_date, f.year, f.departement, f.team_type,
                   f.team_profile, f.kind, terr.territory,
                   strftime(f.fac_date, '%Y-%m') AS month
            FROM facilitations f LEFT JOIN terr ON terr.code = f.departement
            WHERE {where}),
        ft AS (SELECT fac.*, x.team_id FROM fac
               LEFT JOIN facilitation_teams x USING (facilitation_id))
    """
    return cte, params


def breakdowns(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Facilitations and unique teams per value of each axis (``axis``, ``key``), plus the total.

    The row with ``axis = 'total'`` holds the scope's totals.
    """
    cte, params = _base(scope, federation)
    parts = [
        f"SELECT '{axis}' AS axis, CAST({axis} AS VARCHAR) AS key, "
        "count(DISTINCT facilitation_id) AS facilitations, count(DISTINCT team_id) AS teams "
        "FROM ft GROUP BY ALL"
        for axis in AXES
    ]
    parts.append(
        "SELECT 'total', NULL, count(DISTINCT facilitation_id), count(DISTINCT team_id) FROM ft"
    )
    # in a stable order: the same scope gives the same rows in the same order (CSV exports)
    return store.query(cte + "SELECT * FROM (" + "\nUNION ALL\n".join(parts)
                       + ") ORDER BY axis, key", params, db=db)


def by_month(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Facilitations and unique teams per month, months without any kept at zero.

    With a year: its months up to the last one the log covers in the federation (twelve for a
    finished year; a year under way stops at its last month logged, not at zeros to come);
    without: every month from the first to the last facilitation.
    """
    cte, params = _base(scope, federation)
    if scope.year is not None:
        params["all_deps"] = list(federation.departements)
        span = ("SELECT make_date($year, 1, 1) AS lo, coalesce((SELECT CAST(date_trunc("
                "'month', max(fac_date)) AS DATE) FROM facilitations WHERE year = $year AND "
                "list_contains($all_deps, departement) AND NOT EXISTS (SELECT 1 FROM "
                "facilitations WHERE year > $year AND list_contains($all_deps, departement))), "
                "make_date($year, 12, 1)) AS hi")
    else:
        span = ("SELECT date_trunc('month', min(fac_date)) AS lo, "
                "date_trunc('month', max(fac_date)) AS hi FROM fac")
    return store.query(
        cte + f""",
        span AS ({span}),
        months AS (SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 1 MONTH)) AS DATE)
                          AS month FROM span WHERE lo IS NOT NULL),
        counts AS (SELECT CAST(date_trunc('month', fac_date) AS DATE) AS month,
                          count(DISTINCT facilitation_id) AS facilitations,
                          count(DISTINCT team_id) AS teams
                   FROM ft GROUP BY ALL)
        SELECT months.month, coalesce(counts.facilitations, 0) AS facilitations,
               coalesce(counts.teams, 0) AS teams
        FROM months LEFT JOIN counts USING (month) ORDER BY months.month
        """,
        params,
        db=db,
    )


def by_year(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Facilitations and unique teams per year (the scope's year filter is not applied)."""
    cte, params = _base(scope, federation, year=False)
    return store.query(
        cte + """
        SELECT year, count(DISTINCT facilitation_id) AS facilitations,
               count(DISTINCT team_id) AS teams
        FROM ft GROUP BY year ORDER BY year
        """,
        params,
        db=db,
    )


def comparison_years(scope: Scope, federation: Federation, db: DB = None) -> tuple[int, int] | None:
    """(N-1, N): the scope's year and the one before, or the latest year with facilitations."""
    if scope.year is not None:
        return scope.year - 1, scope.year
    cte, params = _base(scope, federation, year=False)
    df = store.query(cte + "SELECT max(year) AS y FROM fac", params, db=db)
    latest = df["y"].iloc[0]
    return None if pd.isna(latest) else (int(latest) - 1, int(latest))


def comparison(scope: Scope, federation: Federation, previous: int, current: int,
               db: DB = None) -> pd.DataFrame:
    """Facilitations per area × team type for two years, with area and overall totals.

    The area is the département when the scope is one département or the federation has no
    territories, the territory otherwise: a row never names a wider area than it counts.
    ``level`` is 0 for a detail row, 1 for an area total and 2 for the overall total.
    """
    cte, params = _base(scope, federation, years=(previous, current))
    params.update(prev=previous, cur=current)
    area = "territory" if federation.territories and not scope.departement else "departement"
    return store.query(
        cte + f"""
        SELECT {area} AS area, team_type,
               grouping({area}) + grouping(team_type) AS level,
               count(*) FILTER (WHERE year = $prev) AS n_prev,
               count(*) FILTER (WHERE year = $cur) AS n_cur
        FROM fac
        GROUP BY GROUPING SETS (({area}, team_type), ({area}), ())
        ORDER BY grouping({area}), {area}, grouping(team_type), team_type
        """,
        params,
        db=db,
    )


def top_teams(scope: Scope, federation: Federation, db: DB = None,
              limit: int = 15) -> pd.DataFrame:
    """The teams facilitated most often in the scope (organisations: their names are public)."""
    cte, params = _base(scope, federation)
    params["limit"] = limit
    return store.query(
        cte + """
        SELECT t.name AS team, coalesce(t.team_type, any_value(ft.team_type)) AS team_type,
               coalesce(t.departement, any_value(ft.departement)) AS departement,
               count(DISTINCT ft.facilitation_id) AS facilitations,
               min(ft.fac_date) AS first_date, max(ft.fac_date) AS last_date,
               -- a facilitated team with no membership form is not (yet) a member
               t.team_id IN (SELECT team_id FROM memberships) AS member
        FROM ft JOIN teams t USING (team_id)
        GROUP BY t.team_id, t.name, t.team_type, t.departement
        ORDER BY facilitations DESC, last_date DESC, team
        LIMIT $limit
        """,
        params,
        db=db,
    )
