"""The figures of the département sheet that the other modules do not already compute."""

from __future__ import annotations

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql


def facilitations_per_year(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Facilitations (each counted once) and distinct facilitated teams per year, every year.

    The scope's year is ignored (this is a trend); its départements and team type apply.
    Columns: year, facilitations, facilitated_teams.
    """
    where, params = scope_sql(scope, federation, alias="f", year=False)
    return store.query(
        f"""
        SELECT f.year AS year, count(DISTINCT f.facilitation_id) AS facilitations,
               count(DISTINCT ft.team_id) AS facilitated_teams
        FROM facilitations f LEFT JOIN facilitation_teams ft USING (facilitation_id)
        WHERE {where}
        GROUP BY f.year ORDER BY f.year
        """,
        params,
        db=db,
    )


def memberships_by_status(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Member teams of the scope's year by status and team type.

    Columns: status (en_projet, labellisee, sous_aci or NULL), team_type, teams.
    """
    where, params = scope_sql(scope, federation)
    return store.query(
        f"""
        SELECT status, team_type, count(*) AS teams
        FROM memberships WHERE {where}
        GROUP BY ALL ORDER BY status, team_type
        """,
        params,
        db=db,
    )
