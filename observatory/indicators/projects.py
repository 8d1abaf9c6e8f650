"""Projects followed from first contact to validation: pipeline, validations, time to validation.

A project's stage at the end of a year is the last stage it had reached by 31 December (the
latest of its dates on or before that day, in the order of ``vocabulary.STAGES``); a project
with no date by then is not in the pipeline yet. The year's validations, files and medians
count ESP and MSP (``vocabulary.PROJECT_TYPES``), or the scope's team type when it names one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.vocabulary import PROJECT_TYPES, STAGES

# Days in an average month: a delay in days reads as months.
MONTH_DAYS = 365.25 / 12


def _where(scope: Scope, federation: Federation, alias: str = "p") -> tuple[str, dict[str, Any]]:
    """The scope's départements and team type (never its year: stages have their own dates)."""
    clauses = [f"list_contains($deps, {alias}.departement)"]
    params: dict[str, Any] = {"deps": list(scope.departements(federation))}
    if scope.team_type:
        clauses.append(f"{alias}.team_type = $team_type")
        params["team_type"] = scope.team_type
    return " AND ".join(clauses), params


def _stage_at(day: str) -> str:
    """SQL: the code of the last stage a project ``p`` had reached on ``day`` (NULL: none)."""
    whens = " ".join(f"WHEN p.{s} <= {day} THEN '{s}'" for s in reversed(STAGES))
    return f"CASE {whens} END"


def has_projects(federation: Federation, db: DB = None) -> bool:
    """Whether the store follows any project of the federation (else figures are unknown)."""
    found = store.query("SELECT count(*) AS n FROM projects WHERE list_contains($deps, "
                        "departement)", {"deps": list(federation.departements)}, db=db)
    return bool(found["n"].iloc[0])


def year_span(federation: Federation, db: DB = None) -> tuple[int, int] | None:
    """The first and last years with a stage date anywhere in the federation."""
    dates = ", ".join(f"year({s})" for s in STAGES)
    found = store.query(
        f"SELECT min(least({dates})) AS lo, max(greatest({dates})) AS hi FROM projects "
        "WHERE list_contains($deps, departement)", {"deps": list(federation.departements)},
        db=db)
    lo, hi = found["lo"].iloc[0], found["hi"].iloc[0]
    return None if pd.isna(lo) else (int(lo), int(hi))


def pipeline(scope: Scope, federation: Federation, db: DB = None,
             until: int | None = None) -> pd.DataFrame:
    """Projects at each stage at the end of each year of the sheet, or up to ``until`` when
    later (year, stage, projects), every year × stage present (0 where none)."""
    span = year_span(federation, db)
    if span is None:
        return pd.DataFrame({"year": [], "stage": [], "projects": []})
    where, params = _where(scope, federation)
    params.update(lo=span[0], hi=max(span[1], until or span[1]), stages=list(STAGES))
    return store.query(
        f"""
        WITH years AS (SELECT unnest(range($lo, $hi + 1)) AS year),
        grid AS (SELECT year, unnest($stages::VARCHAR[]) AS stage FROM years),
        at_end AS (
            SELECT y.year, {_stage_at("make_date(y.year, 12, 31)")} AS stage
            FROM projects p, years y WHERE {where})
        SELECT g.year, g.stage, count(a.stage) AS projects
        FROM grid g LEFT JOIN at_end a ON a.year = g.year AND a.stage = g.stage
        GROUP BY g.year, g.stage ORDER BY g.year, list_position($stages::VARCHAR[], g.stage)
        """, params, db=db)


def entering(scope: Scope, federation: Federation, db: DB = None,
             until: int | None = None) -> pd.DataFrame:
    """Projects reaching each stage during each year of the sheet (or up to ``until``):
    year, stage, projects, 0 where none."""
    span = year_span(federation, db)
    if span is None:
        return pd.DataFrame({"year": [], "stage": [], "projects": []})
    where, params = _where(scope, federation)
    params.update(lo=span[0], hi=max(span[1], until or span[1]), stages=list(STAGES))
    reached = " UNION ALL ".join(
        f"SELECT year(p.{s}) AS year, '{s}' AS stage FROM projects p "
        f"WHERE p.{s} IS NOT NULL AND {where}" for s in STAGES)
    return store.query(
        f"""
        WITH years AS (SELECT unnest(range($lo, $hi + 1)) AS year),
        grid AS (SELECT year, unnest($stages::VARCHAR[]) AS stage FROM years),
        reached AS ({reached})
        SELECT g.year, g.stage, count(r.stage) AS projects
        FROM grid g LEFT JOIN reached r ON r.year = g.year AND r.stage = g.stage
        GROUP BY g.year, g.stage ORDER BY g.year, list_position($stages::VARCHAR[], g.stage)
        """, params, db=db)


def _types(scope: Scope) -> list[str]:
    return [scope.team_type] if scope.team_type else list(PROJECT_TYPES)


def year_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """The scope's year (all years when it has none), ESP and MSP unless a type is chosen:

    - ``projects_validated``: projects whose health project the ARS validated in the year;
    - ``accompanied_files``: projects accompanied by the federation whose file was filed in
      the year (the filing date, else the validation date when the filing was not dated);
    - ``accompanied_validated``: those of them validated (at whatever date);
    - ``accompanied_validated_share``: the second over the first (None without a file);
    - ``median_months_to_validation``: over the year's validations with a first contact, the
      median months from first contact to validation, and ``validations_with_contact``, its n;
    - ``projects_followed``: projects in the pipeline at the end of the year.
    """
    where, params = _where(scope, federation)
    params["types"] = _types(scope)
    year = "true"
    filed_year = "true"
    end = "DATE '9999-12-31'"
    if scope.year is not None:
        params["year"] = scope.year
        year = "year(p.validated) = $year"
        filed_year = "year(coalesce(p.filed, p.validated)) = $year"
        end = "make_date($year, 12, 31)"
    found = store.query(
        f"""
        SELECT
            count(*) FILTER (WHERE {year} AND list_contains($types, p.team_type))
                AS projects_validated,
            count(*) FILTER (WHERE p.accompanied AND {filed_year}
                             AND coalesce(p.filed, p.validated) IS NOT NULL
                             AND list_contains($types, p.team_type)) AS accompanied_files,
            count(*) FILTER (WHERE p.accompanied AND {filed_year} AND p.validated IS NOT NULL
                             AND list_contains($types, p.team_type)) AS accompanied_validated,
            median(date_diff('day', p.first_contact, p.validated))
                FILTER (WHERE {year} AND list_contains($types, p.team_type))
                AS median_days,
            count(p.first_contact) FILTER (WHERE {year} AND p.validated IS NOT NULL
                                           AND list_contains($types, p.team_type))
                AS validations_with_contact,
            count(*) FILTER (WHERE least({", ".join(f"p.{s}" for s in STAGES)}) <= {end})
                AS projects_followed
        FROM projects p WHERE {where}
        """, params, db=db).iloc[0]
    files = int(found["accompanied_files"])
    validated = int(found["accompanied_validated"])
    days = found["median_days"]
    return {
        "projects_validated": int(found["projects_validated"]),
        "accompanied_files": files,
        "accompanied_validated": validated,
        "accompanied_validated_share": validated / files if files else None,
        "median_months_to_validation": None if pd.isna(days) else float(days) / MONTH_DAYS,
        "validations_with_contact": int(found["validations_with_contact"]),
        "projects_followed": int(found["projects_followed"]),
    }


def by_departement(scope: Scope, federation: Federation, year: int,
                   db: DB = None) -> pd.DataFrame:
    """Projects at each stage at the end of ``year`` per département of the scope
    (departement, stage, projects), every département × stage present."""
    where, params = _where(scope, federation)
    params.update(stages=list(STAGES), year=year)
    return store.query(
        f"""
        WITH grid AS (SELECT unnest($deps::VARCHAR[]) AS departement),
        cells AS (SELECT departement, unnest($stages::VARCHAR[]) AS stage FROM grid),
        at_end AS (SELECT p.departement, {_stage_at("make_date($year, 12, 31)")} AS stage
                   FROM projects p WHERE {where})
        SELECT c.departement, c.stage, count(a.stage) AS projects
        FROM cells c LEFT JOIN at_end a ON a.departement = c.departement AND a.stage = c.stage
        GROUP BY c.departement, c.stage
        ORDER BY c.departement, list_position($stages::VARCHAR[], c.stage)
        """, params, db=db)


def projects_at(scope: Scope, federation: Federation, year: int, db: DB = None) -> pd.DataFrame:
    """Each project of the scope in the pipeline at the end of ``year``: its name, type,
    département, commune (INSEE code), whether accompanied, its dates and its stage then.
    Organisations' names only; staff see them, never readers."""
    where, params = _where(scope, federation)
    params["year"] = year
    return store.query(
        f"""
        SELECT p.project_id, p.name, p.team_type, p.departement, p.commune, p.accompanied,
               {", ".join(f"p.{s}" for s in STAGES)},
               {_stage_at("make_date($year, 12, 31)")} AS stage,
               p.team_id IS NOT NULL AND p.team_id IN (SELECT team_id FROM memberships)
                   AS member
        FROM projects p WHERE {where} AND {_stage_at("make_date($year, 12, 31)")} IS NOT NULL
        ORDER BY p.departement, p.name, p.project_id
        """, params, db=db)
