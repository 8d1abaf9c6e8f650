"""What is published, as SQL: a survey's infographic, a fiche and its public summary.

A survey staff never decided on is published when its import said so; a fiche only once staff
published it. A published fiche shows its public summary, else its own summary.
"""

from __future__ import annotations

import pandas as pd

from observatory import store
from observatory.indicators import DB


def survey_published(alias: str = "s") -> str:
    """SQL: whether the survey ``alias`` is published."""
    return (f"coalesce((SELECT p.published FROM publications p WHERE p.kind = 'survey' "
            f"AND p.item_id = {alias}.survey_id), {alias}.published, false)")


def fiche_published(alias: str = "f") -> str:
    """SQL: whether the fiche ``alias`` is published."""
    return (f"coalesce((SELECT p.published FROM publications p WHERE p.kind = 'fiche' "
            f"AND p.item_id = {alias}.fiche_id), false)")


def fiche_public_summary(alias: str = "f") -> str:
    """SQL: what the public reads of the fiche ``alias``."""
    return (f"coalesce((SELECT p.public_summary FROM publications p WHERE p.kind = 'fiche' "
            f"AND p.item_id = {alias}.fiche_id), {alias}.summary)")


def surveys(db: DB = None) -> pd.DataFrame:
    """Every survey with its publication: ``survey_id, title, month, imported`` (what its import
    said), ``published`` (in force), ``changed_at, changed_by`` (staff's last change)."""
    return store.query(
        f"""
        SELECT s.survey_id, s.title, s.month, s.published AS imported,
               {survey_published('s')} AS published, p.changed_at, p.changed_by
        FROM surveys s LEFT JOIN publications p ON p.kind = 'survey' AND p.item_id = s.survey_id
        ORDER BY s.month DESC NULLS LAST, s.survey_id DESC
        """, db=db)


def fiches(db: DB = None) -> pd.DataFrame:
    """Every fiche with its publication: ``fiche_id, title, team_name, departement, theme,
    year, summary, published, public_summary`` (staff's text, NULL: the summary), ``changed_at,
    changed_by``."""
    return store.query(
        f"""
        SELECT f.fiche_id, f.title, f.team_name, f.departement, f.theme, f.year, f.summary,
               {fiche_published('f')} AS published, p.public_summary, p.changed_at, p.changed_by
        FROM fiches f LEFT JOIN publications p ON p.kind = 'fiche' AND p.item_id = f.fiche_id
        ORDER BY f.year DESC NULLS LAST, f.title
        """, db=db)
