"""Annuaire: member teams and their expertise (protocols, public-health missions, information system).

Each team appears once, with its latest membership form in the scope (the scope's year when one is
chosen). The contact e-mail is selected only when the caller asks for it (staff viewers).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql

# The shared information system as the directory groups it: free-text "Autre" answers as Autre.
SYSTEM = ("CASE WHEN m.information_system_other IS NOT NULL "
          "OR lower(m.information_system) LIKE 'autre%' THEN 'Autre' "
          "ELSE m.information_system END")


def _latest(scope: Scope, federation: Federation,
            contacts: bool = False) -> tuple[str, dict[str, Any]]:
    """``WITH m AS (…)``: each team's latest membership form within the scope.

    The contact e-mail is in ``m`` only when ``contacts`` is true.
    """
    where, params = scope_sql(scope, federation)
    columns = "*" if contacts else "* EXCLUDE (email)"
    return f"""
        WITH m AS (SELECT {columns} FROM memberships WHERE {where}
                   QUALIFY row_number() OVER (PARTITION BY team_id ORDER BY year DESC) = 1),
        ch AS (SELECT c.team_id, c.field,
                      list_sort(list_distinct(list(c.value))) AS raw,
                      list_sort(list_distinct(list(
                          CASE WHEN c.value = 'Autre' AND coalesce(c.other_text, '') <> ''
                               THEN 'Autre : ' || c.other_text ELSE c.value END))) AS shown
               FROM membership_choices c JOIN m ON m.team_id = c.team_id AND m.year = c.year
               GROUP BY ALL)
    """, params


def filter_options(scope: Scope, federation: Federation, db: DB = None) -> dict[str, list[str]]:
    """The values the directory's filters offer: statuses, protocols, missions, systems."""
    cte, params = _latest(scope, federation)
    df = store.query(
        cte + f"""
        SELECT 'statuses' AS what, status AS value FROM m WHERE status IS NOT NULL
        UNION SELECT 'systems', {SYSTEM} FROM m WHERE m.information_system IS NOT NULL
        UNION SELECT 'protocols', unnest(raw) FROM ch WHERE field = 'protocol'
        UNION SELECT 'missions', unnest(raw) FROM ch WHERE field = 'mission'
        ORDER BY 1, 2
        """,
        params,
        db=db,
    )
    return {what: list(df.loc[df["what"] == what, "value"])
            for what in ("statuses", "protocols", "missions", "systems")}


def members(
    scope: Scope,
    federation: Federation,
    db: DB = None,
    *,
    statuses: tuple[str, ...] = (),
    protocols: tuple[str, ...] = (),
    missions: tuple[str, ...] = (),
    systems: tuple[str, ...] = (),
    query: str = "",
    show_contacts: bool = False,
) -> pd.DataFrame:
    """Member teams matching every given criterion, by name.

    A team must have all the chosen protocols and all the chosen missions, one of the chosen
    statuses and one of the chosen systems; ``query`` matches the name ignoring case and accents.
    """
    cte, params = _latest(scope, federation, contacts=show_contacts)
    params.update(statuses=list(statuses), protocols=list(protocols), missions=list(missions),
                  systems=list(systems), q=query.strip())
    email = ", m.email" if show_contacts else ""
    return store.query(
        cte + f"""
        SELECT t.name, m.team_type, m.status, m.departement, d.name AS departement_name,
               coalesce(m.commune, t.commune) AS commune, m.professionals, m.year,
               coalesce(array_to_string(p.shown, ', '), '') AS protocols,
               coalesce(array_to_string(mi.shown, ', '), '') AS missions,
               coalesce(array_to_string(pr.shown, ', '), '') AS professions,
               coalesce('Autre : ' || nullif(m.information_system_other, ''),
                        m.information_system) AS information_system{email}
        FROM m
        JOIN teams t ON t.team_id = m.team_id
        LEFT JOIN departements d ON d.code = m.departement
        LEFT JOIN ch p ON p.team_id = m.team_id AND p.field = 'protocol'
        LEFT JOIN ch mi ON mi.team_id = m.team_id AND mi.field = 'mission'
        LEFT JOIN ch pr ON pr.team_id = m.team_id AND pr.field = 'profession'
        WHERE (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses::VARCHAR[], m.status))
          AND (len($systems::VARCHAR[]) = 0
               OR list_contains($systems::VARCHAR[], {SYSTEM}))
          AND list_has_all(coalesce(p.raw, []::VARCHAR[]), $protocols::VARCHAR[])
          AND list_has_all(coalesce(mi.raw, []::VARCHAR[]), $missions::VARCHAR[])
          AND ($q = '' OR contains(strip_accents(lower(t.name)), strip_accents(lower($q))))
        ORDER BY strip_accents(lower(t.name))
        """,
        params,
        db=db,
    )


def member_count(scope: Scope, federation: Federation, db: DB = None) -> int:
    """Member teams in the scope, before the directory's own criteria."""
    cte, params = _latest(scope, federation)
    return int(store.query(cte + "SELECT count(*) AS n FROM m", params, db=db)["n"].iloc[0])
