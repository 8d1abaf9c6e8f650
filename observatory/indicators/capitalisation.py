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
from observatory.indicators.publication import fiche_public_summary, fiche_published


def _where(scope: Scope, federation: Federation,
           published_only: bool = False) -> tuple[str, dict[str, Any]]:
    """The fiches ``f`` in scope (``published_only``: those published)."""
    whole = not scope.departement and not scope.territory
    clause = "(list_contains($deps, f.departement) OR ($whole AND f.departement IS NULL))"
    if published_only:
        clause += f" AND {fiche_published('f')}"
    return clause, {"deps": list(scope.departements(federation)), "whole": whole}


def themes(scope: Scope, federation: Federation, db: DB = None,
           published_only: bool = False) -> list[str]:
    """The themes of the fiches in scope, alphabetically."""
    where, params = _where(scope, federation, published_only)
    df = store.query(f"SELECT DISTINCT theme FROM fiches f WHERE {where} AND theme IS NOT NULL "
                     "ORDER BY theme", params, db=db)
    return list(df["theme"])


def _matching(scope: Scope, federation: Federation, query: str,
              theme: str | None, published_only: bool = False) -> tuple[str, dict[str, Any]]:
    """The clause keeping the fiches ``f`` in scope that match the search and the theme; the
    public (``published_only``) searches what it reads: title and public summary."""
    where, params = _where(scope, federation, published_only)
    params.update(q=query.strip(), theme=theme)
    searched = (f"f.title, {fiche_public_summary('f')}" if published_only
                else "f.title, f.summary, f.body")
    return where + f"""
          AND ($theme IS NULL OR f.theme = $theme)
          AND ($q = '' OR contains(
                strip_accents(lower(concat_ws(' ', {searched}))),
                strip_accents(lower($q))))""", params


def fiches(scope: Scope, federation: Federation, db: DB = None, query: str = "",
           theme: str | None = None, published_only: bool = False) -> pd.DataFrame:
    """Fiches in scope whose title, summary or body contains ``query`` (case and accents
    ignored); ``public_summary`` is what the public reads of each."""
    where, params = _matching(scope, federation, query, theme, published_only)
    return store.query(
        f"""
        SELECT f.fiche_id, f.title, f.team_name, f.departement, d.name AS departement_name,
               f.theme, f.year, f.summary, f.body,
               {fiche_public_summary('f')} AS public_summary
        FROM fiches f LEFT JOIN departements d ON d.code = f.departement
        WHERE {where}
        ORDER BY f.year DESC NULLS LAST, f.title
        """,
        params,
        db=db,
    )


def by_theme(scope: Scope, federation: Federation, db: DB = None, query: str = "",
             theme: str | None = None, published_only: bool = False) -> pd.DataFrame:
    """Matching fiches per theme (``theme, fiches``)."""
    where, params = _matching(scope, federation, query, theme, published_only)
    return store.query(
        f"SELECT coalesce(f.theme, 'Sans thème') AS theme, count(*) AS fiches FROM fiches f "
        f"WHERE {where} GROUP BY ALL ORDER BY fiches DESC, theme",
        params,
        db=db,
    )


def fiche_count(scope: Scope, federation: Federation, db: DB = None,
                published_only: bool = False) -> int:
    """Fiches in scope before the search."""
    where, params = _where(scope, federation, published_only)
    return int(store.query(f"SELECT count(*) AS n FROM fiches f WHERE {where}", params,
                           db=db)["n"].iloc[0])
