"""Every figure of the observatory as SQL over the store: a Scope in, plain data or a DataFrame out.

This module holds the shared scope filter and the key figures; each page's own figures live in a
sibling module (facilitations, portrait, surveys, directory, capitalisation, maps).
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.vocabulary import KINDS, STATUSES, TEAM_TYPES

DB = str | os.PathLike | None


def scope_sql(
    scope: Scope,
    federation: Federation,
    *,
    alias: str = "",
    year: bool = True,
    team_type: bool = True,
    year_column: str = "year",
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (and its parameters) that restricts a table to a scope.

    Every table filtered here has ``departement``, ``team_type`` and a year column.
    """
    p = f"{alias}." if alias else ""
    clauses = [f"list_contains($deps, {p}departement)"]
    params: dict[str, Any] = {"deps": list(scope.departements(federation))}
    if year and scope.year is not None:
        clauses.append(f"{p}{year_column} = $year")
        params["year"] = scope.year
    if team_type and scope.team_type:
        clauses.append(f"{p}team_type = $team_type")
        params["team_type"] = scope.team_type
    return " AND ".join(clauses), params


def national_store(db: DB) -> bool:
    """Whether ``db`` is a national store: its figures come from ``indicators.national``."""
    return store.kind(db) == store.NATIONAL


def available_years(db: DB = None) -> list[int]:
    """Years with any membership form or facilitation, newest first."""
    if national_store(db):
        from observatory.indicators import national

        return national.available_years(db)
    df = store.query(
        "SELECT year FROM memberships UNION SELECT year FROM facilitations "
        "UNION SELECT year(month) FROM surveys WHERE month IS NOT NULL ORDER BY 1 DESC",
        db=db,
    )
    return [int(y) for y in df["year"]]


# The key of answers left empty in the figures' counts: unknown is counted, and labelled
# "Non renseigné" (vocabulary.UNKNOWN_LABEL), never a category named "nan" or "None".
UNKNOWN = "non_renseigne"


def source_years(federation: Federation, db: DB = None) -> dict[str, frozenset[int]]:
    """For each source (``adhesions``, ``facilitations``, ``surveys``), the years it covers
    anywhere in the federation. A year outside them has no data, which is not zero: no figure
    compares with it nor shows it as a column of zeros."""
    if national_store(db):
        from observatory.indicators import national

        return national.source_years(db)
    df = store.query(
        """
        SELECT DISTINCT 'adhesions' AS source, year FROM memberships
        WHERE list_contains($deps, departement)
        UNION SELECT DISTINCT 'facilitations', year FROM facilitations
        WHERE list_contains($deps, departement)
        UNION SELECT DISTINCT 'surveys', year(month) FROM surveys WHERE month IS NOT NULL
        """, {"deps": list(federation.departements)}, db=db)
    found: dict[str, set[int]] = {"adhesions": set(), "facilitations": set(), "surveys": set()}
    for source, year in zip(df["source"], df["year"], strict=True):
        found[source].add(int(year))
    return {k: frozenset(v) for k, v in found.items()}


def _counts(df: pd.DataFrame, keys: tuple[str, ...], column: str) -> dict[str, int]:
    """Counts by ``keys`` (0 where absent), then any other value, then the unknown ones."""
    found: dict[str, int] = {}
    for key, n in zip(df[column], df["n"], strict=True):
        name = UNKNOWN if key is None or pd.isna(key) else str(key)
        found[name] = found.get(name, 0) + int(n)
    out = {k: found.pop(k, 0) for k in keys}
    unknown = found.pop(UNKNOWN, 0)
    out.update(found)
    if unknown:
        out[UNKNOWN] = unknown
    return out


def membership_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """Member teams (one membership form per team and year), by type and status, and ACI total."""
    where, params = scope_sql(scope, federation)
    df = store.query(
        f"""
        SELECT team_type, status, count(*) AS n, sum(aci_amount) AS aci,
               count(aci_amount) AS aci_n
        FROM memberships WHERE {where} GROUP BY ALL
        """,
        params,
        db=db,
    )
    by_type = df.groupby("team_type", as_index=False)["n"].sum()
    by_status = df.groupby("status", as_index=False, dropna=False)["n"].sum()
    aci = df["aci"].sum() if len(df) else 0.0
    return {
        "adherent_teams": int(df["n"].sum()),
        "adherent_teams_by_type": _counts(by_type, TEAM_TYPES, "team_type"),
        "adherent_teams_by_status": _counts(by_status, STATUSES, "status"),
        "aci_total_eur": round(float(aci), 2) if pd.notna(aci) else 0.0,
        "aci_teams": int(df["aci_n"].sum()),
    }


def facilitation_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """Facilitations (each counted once) and distinct facilitated teams, by team type and kind,
    for projects and teams in operation, and their time and people (``facilitation_time``)."""
    where, params = scope_sql(scope, federation, alias="f")
    df = store.query(
        f"""
        SELECT 'type' AS axis, f.team_type AS key, count(*) AS n FROM facilitations f
        WHERE {where} GROUP BY ALL
        UNION ALL
        SELECT 'kind', f.kind, count(*) FROM facilitations f WHERE {where} GROUP BY ALL
        UNION ALL
        SELECT 'profile', f.team_profile, count(*) FROM facilitations f WHERE {where} GROUP BY ALL
        UNION ALL
        SELECT 'total', NULL, count(*) FROM facilitations f WHERE {where}
        UNION ALL
        SELECT 'teams', NULL, count(DISTINCT ft.team_id)
        FROM facilitations f JOIN facilitation_teams ft USING (facilitation_id) WHERE {where}
        """,
        params,
        db=db,
    )

    def axis(name: str) -> pd.DataFrame:
        return df[df["axis"] == name].rename(columns={"key": name})

    total = axis("total")["n"]
    teams = axis("teams")["n"]
    profiles = _counts(axis("profile"), STATUSES, "profile")
    return {
        "facilitations": int(total.iloc[0]) if len(total) else 0,
        "facilitated_teams": int(teams.iloc[0]) if len(teams) else 0,
        "facilitations_by_team_type": _counts(axis("type"), ("MSP", "ESP", "CPTS"), "type"),
        "facilitations_by_kind": _counts(axis("kind"), KINDS, "kind"),
        "facilitations_projects": profiles["en_projet"],
        "facilitations_functioning": profiles["labellisee"] + profiles["sous_aci"],
        **facilitation_time(scope, federation, db),
    }


def facilitation_time(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """Volunteer hours (durations of the facilitations marked volunteer time) and distinct
    facilitators, with how many facilitations each comes from; None where the log of the scope
    says nothing (no duration with a volunteer answer, no facilitator named). Never a name: the
    facilitators' compared names are only ever counted, never selected."""
    where, params = scope_sql(scope, federation, alias="f")
    row = store.query(
        f"""
        SELECT sum(f.duration_hours) FILTER (WHERE f.volunteer) AS volunteer_hours,
               count(*) FILTER (WHERE f.duration_hours IS NOT NULL AND f.volunteer IS NOT NULL)
                   AS timed,
               count(*) FILTER (WHERE f.volunteer) AS volunteer_facilitations,
               count(*) FILTER (WHERE f.volunteer AND f.duration_hours IS NULL)
                   AS volunteer_untimed,
               count(f.facilitator_keys) AS named,
               (SELECT count(DISTINCT k) FROM (SELECT unnest(f.facilitator_keys) AS k
                                               FROM facilitations f WHERE {where}))
                   AS people,
               (SELECT count(DISTINCT k) FROM (SELECT unnest(f.facilitator_keys) AS k
                                               FROM facilitations f WHERE {where} AND f.volunteer))
                   AS volunteers
        FROM facilitations f WHERE {where}
        """, params, db=db).iloc[0]
    hours = row["volunteer_hours"]
    timed = int(row["timed"])
    return {
        "volunteer_hours": (round(float(hours), 2) if pd.notna(hours) else 0.0) if timed else None,
        "volunteer_facilitations": int(row["volunteer_facilitations"]),
        "volunteer_facilitations_without_duration": int(row["volunteer_untimed"]),
        "facilitators": int(row["people"]) if int(row["named"]) else None,
        "volunteer_facilitators": int(row["volunteers"]) if int(row["named"]) else None,
    }


def respondent_sql(scope: Scope, federation: Federation) -> tuple[str, dict[str, Any]]:
    """The clause keeping a survey response ``r`` of the scope, and its parameters: a response
    without a département counts for the whole federation, never for a part of it."""
    whole = not scope.departement and not scope.territory
    clause = "(list_contains($deps, r.departement) OR ($whole AND r.departement IS NULL))"
    return clause, {"deps": list(scope.departements(federation)), "whole": whole}


def survey_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """Flash surveys of the year and their complete responses within the scope (the same
    responses the survey catalogue counts)."""
    clause, params = respondent_sql(scope, federation)
    year_clause = ""
    if scope.year is not None:
        year_clause = "AND year(s.month) = $year"
        params["year"] = scope.year
    df = store.query(
        f"""
        SELECT count(DISTINCT s.survey_id) FILTER (WHERE r.response_id IS NOT NULL) AS surveys,
               count(r.response_id) AS respondents
        FROM surveys s
        LEFT JOIN survey_responses r ON r.survey_id = s.survey_id AND r.complete AND {clause}
        WHERE true {year_clause}
        """,
        params,
        db=db,
    )
    return {"surveys": int(df["surveys"].iloc[0]),
            "survey_respondents": int(df["respondents"].iloc[0])}


def by_departement(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Per département of the scope: member teams (and by status), facilitations, facilitated
    teams, ACI total (and how many teams declared it), and the reference count of existing
    teams where one was loaded, with the members of the types that count covers (the numerator
    of the share of teams that are members).
    """
    if national_store(db):
        from observatory.indicators import national

        return national.by_departement(scope, federation, db)
    m_where, params = scope_sql(scope, federation, alias="m")
    f_where, _ = scope_sql(scope, federation, alias="f")
    return store.query(
        f"""
        WITH deps AS (SELECT code, name, population FROM departements
                      WHERE list_contains($deps, code)),
        m AS (SELECT departement, count(*) AS adherent_teams, sum(aci_amount) AS aci_total_eur,
                     count(aci_amount) AS aci_teams,
                     count(*) FILTER (WHERE status = 'en_projet') AS en_projet,
                     count(*) FILTER (WHERE status = 'labellisee') AS labellisee,
                     count(*) FILTER (WHERE status = 'sous_aci') AS sous_aci
              FROM memberships m WHERE {m_where} GROUP BY ALL),
        r AS (SELECT departement, sum(teams) AS reference_teams FROM reference_team_counts m
              WHERE {m_where} GROUP BY ALL),
        rm AS (SELECT m.departement, count(*) AS reference_members
               FROM memberships m JOIN reference_team_counts c
                 ON c.departement = m.departement AND c.team_type = m.team_type
                AND c.year = m.year
               WHERE {m_where} GROUP BY ALL),
        f AS (SELECT departement, count(*) AS facilitations FROM facilitations f
              WHERE {f_where} GROUP BY ALL),
        t AS (SELECT f.departement, count(DISTINCT ft.team_id) AS facilitated_teams
              FROM facilitations f JOIN facilitation_teams ft USING (facilitation_id)
              WHERE {f_where} GROUP BY ALL)
        SELECT deps.code AS departement, deps.name, deps.population,
               coalesce(m.adherent_teams, 0) AS adherent_teams,
               coalesce(m.aci_total_eur, 0) AS aci_total_eur,
               coalesce(m.aci_teams, 0) AS aci_teams,
               coalesce(m.en_projet, 0) AS en_projet, coalesce(m.labellisee, 0) AS labellisee,
               coalesce(m.sous_aci, 0) AS sous_aci, r.reference_teams,
               coalesce(rm.reference_members, 0) AS reference_members,
               coalesce(f.facilitations, 0) AS facilitations,
               coalesce(t.facilitated_teams, 0) AS facilitated_teams
        FROM deps
        LEFT JOIN m ON m.departement = deps.code
        LEFT JOIN f ON f.departement = deps.code
        LEFT JOIN t ON t.departement = deps.code
        LEFT JOIN r ON r.departement = deps.code
        LEFT JOIN rm ON rm.departement = deps.code
        ORDER BY deps.code
        """,
        params,
        db=db,
    )


PROJECT_FIGURES = ("projects_validated", "accompanied_files", "accompanied_validated",
                   "accompanied_validated_share")


def project_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """The year's project figures (``indicators.projects.year_figures``); None for each when the
    store follows no project of the federation (no sheet is not zero)."""
    from observatory.indicators import projects

    if not projects.has_projects(federation, db):
        return dict.fromkeys(PROJECT_FIGURES)
    found = projects.year_figures(scope, federation, db)
    return {key: found[key] for key in PROJECT_FIGURES}


def key_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """The figures of the home page and of ``observatory figures``, for one scope."""
    if national_store(db):
        from observatory.indicators import national

        return national.key_figures(scope, federation, db)
    figures: dict[str, Any] = {"year": scope.year}
    figures.update(membership_figures(scope, federation, db))
    figures.update(facilitation_figures(scope, federation, db))
    figures.update(survey_figures(scope, federation, db))
    figures.update(project_figures(scope, federation, db))
    from observatory.indicators import population  # a sibling that needs this module's helpers

    figures.update(population.coverage(scope, federation, db).figures())
    per_dep = by_departement(scope, federation, db)
    figures["by_departement"] = {
        row.departement: {
            "name": row.name,
            "adherent_teams": int(row.adherent_teams),
            "facilitations": int(row.facilitations),
            "facilitated_teams": int(row.facilitated_teams),
        }
        for row in per_dep.itertuples(index=False)
    }
    return figures
