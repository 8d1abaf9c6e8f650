"""Portrait of the member teams, from the membership forms (memberships + membership_choices).

Every distribution comes with the number of teams that answered (a non-null answer, or at least
one choice for a multiple-choice field) among the member teams of the scope.
"""

from __future__ import annotations

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql

# Multiple-choice fields of the membership form, as membership_choices.field names them.
CHOICE_FIELDS = ("profession", "mission", "protocol")
# Answers kept in memberships, one per team and year.
SINGLE_FIELDS = ("information_system", "coordination", "coordination_fte", "pacte_trained",
                 "protocols_count")
STATUS_RANK = "CASE {c} WHEN 'en_projet' THEN 1 WHEN 'labellisee' THEN 2 WHEN 'sous_aci' THEN 3 END"


def histogram_sql(values: str, bins: int = 8) -> str:
    """SQL that bins ``values`` (a query with columns ``grp`` and ``x``) per ``grp``.

    About ``bins`` bins of a round width (1, 2 or 5 × 10^k) starting at multiples of it; returns
    ``grp, bin_start, bin_end, n`` (empty bins are absent: a histogram shows them as gaps).
    """
    return f"""
        WITH v AS ({values}),
        r AS (SELECT grp, min(x) AS lo, max(x) AS hi FROM v WHERE x IS NOT NULL GROUP BY grp),
        s AS (SELECT grp, CASE WHEN hi > lo THEN (hi - lo) / {bins} ELSE 1 END AS raw FROM r),
        m AS (SELECT grp, raw, pow(10, floor(log10(raw))) AS mag FROM s),
        w AS (SELECT grp, CASE WHEN raw <= mag THEN mag WHEN raw <= 2 * mag THEN 2 * mag
                               WHEN raw <= 5 * mag THEN 5 * mag ELSE 10 * mag END AS width
              FROM m)
        SELECT v.grp, floor(v.x / w.width + 1e-9) * w.width AS bin_start,
               bin_start + w.width AS bin_end, count(*) AS n
        FROM v JOIN w ON v.grp = w.grp WHERE v.x IS NOT NULL
        GROUP BY ALL ORDER BY v.grp, bin_start
    """


def status_counts(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Member teams per team type and status (one membership form per team and year)."""
    where, params = scope_sql(scope, federation)
    return store.query(
        f"SELECT team_type, status, count(*) AS teams, sum(professionals) AS professionals "
        f"FROM memberships WHERE {where} GROUP BY ALL ORDER BY team_type, status",
        params,
        db=db,
    )


def status_history(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Member teams per year and status, every year (the scope's year filter is not applied)."""
    where, params = scope_sql(scope, federation, year=False)
    return store.query(
        f"SELECT year, status, count(*) AS teams FROM memberships WHERE {where} "
        "GROUP BY ALL ORDER BY year, status",
        params,
        db=db,
    )


def transitions(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Teams per (status in year N-1 → status in year N) for teams that were members both years.

    The scope applies to the year-N form (its département and type); with a scope year, only the
    pair ending that year. ``step`` is +1 per status gained (en projet → labellisée → sous ACI).
    """
    where, params = scope_sql(scope, federation, alias="b", year_column="year")
    return store.query(
        f"""
        SELECT a.year AS from_year, b.year AS to_year, a.status AS from_status,
               b.status AS to_status,
               {STATUS_RANK.format(c='b.status')} - {STATUS_RANK.format(c='a.status')} AS step,
               count(*) AS teams
        FROM memberships b JOIN memberships a ON a.team_id = b.team_id AND a.year = b.year - 1
        WHERE {where}
        GROUP BY ALL ORDER BY to_year, from_status, to_status
        """,
        params,
        db=db,
    )


def aci(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """ACI amounts per team type: member teams, teams with an amount, total, mean, median."""
    where, params = scope_sql(scope, federation)
    return store.query(
        f"""
        SELECT team_type, count(*) AS teams, count(aci_amount) AS answered,
               count(*) FILTER (WHERE status = 'sous_aci') AS under_aci,
               sum(aci_amount) AS total, avg(aci_amount) AS mean,
               median(aci_amount) AS median
        FROM memberships WHERE {where}
        GROUP BY team_type HAVING count(aci_amount) > 0 ORDER BY total DESC
        """,
        params,
        db=db,
    )


def aci_histogram(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Teams per ACI amount bin, bins computed per team type (MSP and CPTS amounts differ)."""
    where, params = scope_sql(scope, federation)
    values = (f"SELECT team_type AS grp, aci_amount AS x FROM memberships "
              f"WHERE {where} AND aci_amount IS NOT NULL")
    return store.query(histogram_sql(values), params, db=db).rename(columns={"grp": "team_type"})


# Every answer of the membership form as one row: ``field, team_id, year, departement,
# team_type, sort_key, value`` from the forms ``m`` (a CTE the caller defines). The shared
# information system's free-text ``Autre`` answers count as ``Autre``; the PACTE question
# counts teams with a coordination function only; a multiple-choice field gives a row per
# choice.
ANSWERS_SQL = """
    SELECT 'information_system' AS field, team_id, year, departement, team_type,
           NULL::DOUBLE AS sort_key,
           CASE WHEN information_system_other IS NOT NULL
                  OR lower(information_system) LIKE 'autre%' THEN 'Autre'
                ELSE information_system END AS value
    FROM m WHERE information_system IS NOT NULL OR information_system_other IS NOT NULL
    UNION ALL
    SELECT 'coordination', team_id, year, departement, team_type, NULL, coordination FROM m
    WHERE coordination IS NOT NULL
    UNION ALL
    SELECT 'coordination_fte', team_id, year, departement, team_type, coordination_fte,
           CAST(round(coordination_fte, 2) AS VARCHAR) FROM m
    WHERE coordination_fte IS NOT NULL
    UNION ALL
    SELECT 'pacte_trained', team_id, year, departement, team_type, NULL,
           CASE WHEN pacte_trained THEN 'Oui' ELSE 'Non' END
    FROM m WHERE pacte_trained IS NOT NULL AND coalesce(coordination, '') <> 'Aucune'
    UNION ALL
    SELECT 'protocols_count', team_id, year, departement, team_type, protocols_count,
           CAST(protocols_count AS VARCHAR)
    FROM m WHERE protocols_count IS NOT NULL
    UNION ALL
    SELECT c.field, c.team_id, m.year, m.departement, m.team_type, NULL, c.value
    FROM membership_choices c JOIN m ON m.team_id = c.team_id AND m.year = c.year
"""


def distributions(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Teams per answer of every form question; ``value IS NULL`` rows hold who answered.

    Columns: ``field, value, sort_key, teams``. ``field = 'members'`` gives the member teams of
    the scope (``ANSWERS_SQL`` says how each answer is read).
    """
    where, params = scope_sql(scope, federation)
    return store.query(
        f"""
        WITH m AS (SELECT * EXCLUDE (email) FROM memberships WHERE {where}),
        long AS ({ANSWERS_SQL})
        SELECT field, value, any_value(sort_key) AS sort_key, count(DISTINCT team_id) AS teams
        FROM long GROUP BY GROUPING SETS ((field, value), (field))
        UNION ALL
        SELECT 'members', NULL, NULL, count(*) FROM m
        ORDER BY field, value NULLS FIRST
        """,
        params,
        db=db,
    )
