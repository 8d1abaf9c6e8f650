"""Capitalisation fiches: remarkable actions written down by teams, searchable by text and theme.

The scope's départements apply (fiches without a département only when the scope is the whole
federation); the year and team type do not: the fiches are a library, not a yearly count.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB


def _where(scope: Scope, federation: Federation) -> tuple[str, dict[str, Any]]:
    whole = not scope.departement and not scope.territory
    return ("(list_contains($deps, f.departement) OR ($whole AND f.departement IS NULL))",
            {"deps": list(scope.departements(federation)), "whole": whole})


def themes(scope: Scope, federation: Federation, db: DB = None) -> list[str]:
    """The themes of the fiches in scope, alphabetically."""
    where, params = _where(scope, federation)
    df = store.query(f"SELECT DISTINCT theme FROM fiches f WHERE {where} AND theme IS NOT NULL "
                     "ORDER BY theme", params, db=db)
    return list(df["theme"])


def _matching(scope: Scope, federation: Federation, query: str,
              theme: str | None) -> tuple[str, dict[str, Any]]:
    """The clause keeping the fiches ``f`` in scope that match the search and the theme."""
    where, params = _where(scope, federation)
    params.update(q=query.strip(), theme=theme)
    return where + """
          AND ($theme IS NULL OR f.theme = $theme)
          AND ($q = '' OR contains(
                strip_accents(lower(concat_ws(' ', f.title, f.summary, f.body))),
                strip_accents(lower($q))))""", params


def fiches(scope: Scope, federation: Federation, db: DB = None, query: str = "",
           theme: str | None = None) -> pd.DataFrame:
    """Fiches in scope whose title, summary or body contains ``query`` (case and accents ignored)."""
    where, params = _matching(scope, federation, query, theme)
    return store.query(
        f"""
        SELECT f.fiche_id, f.title, f.team_name, f.departement, d.name AS departement_name,
               f.theme, f.year, f.summary, f.body
        FROM fiches f LEFT JOIN departements d ON d.code = f.departement
        WHERE {where}
        ORDER BY f.year DESC NULLS LAST, f.title
        """,
        params,
        db=db,
    )


def by_theme(scope: Scope, federation: Federation, db: DB = None, query: str = "",
             theme: str | None = None) -> pd.DataFrame:
    """Matching fiches per theme (``theme, fiches``)."""
    where, params = _matching(scope, federation, query, theme)
    return store.query(
        f"SELECT coalesce(f.theme, 'Sans thème') AS theme, count(*) AS fiches FROM fiches f "
        f"WHERE {where} GROUP BY ALL ORDER BY fiches DESC, theme",
        params,
        db=db,
    )


def fiche_count(scope: Scope, federation: Federation, db: DB = None) -> int:
    """Fiches in scope before the search."""
    where, params = _where(scope, federation)
    return int(store.query(f"SELECT count(*) AS n FROM fiches f WHERE {where}", params,
                           db=db)["n"].iloc[0])
