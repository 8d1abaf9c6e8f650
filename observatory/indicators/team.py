"""One member team as SQL: its forms year by year, its facilitations and fiches, and where it
stands among the teams of its type (in the federation, in its département).

Every query is for one ``team_id`` given by the caller; who may ask for which team is decided
above (``views.access``). Nothing here returns a contact e-mail or a facilitator's name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.indicators import DB
from observatory.indicators.publication import fiche_published

# The form's answers a team is compared on: choices (the share of the group giving the same
# answer) and numbers (the group's median).
CHOICE_FIELDS = ("status", "information_system", "coordination", "pacte_trained")
NUMBER_FIELDS = ("aci_amount", "professionals", "coordination_fte", "protocols_count",
                 "n_profession", "n_mission", "n_protocol")


def team(team_id: int, db: DB = None) -> pd.DataFrame:
    """The team (``team_id, name, team_type, departement, departement_name, commune``): one row,
    none for an unknown number."""
    return store.query(
        "SELECT t.team_id, t.name, t.team_type, t.departement, d.name AS departement_name, "
        "t.commune FROM teams t LEFT JOIN departements d ON d.code = t.departement "
        "WHERE t.team_id = ?", [team_id], db=db)


def teams(federation: Federation, db: DB = None) -> pd.DataFrame:
    """The federation's teams with a membership form (``team_id, name, departement``), by name:
    what staff pick from."""
    return store.query(
        "SELECT DISTINCT t.team_id, t.name, t.departement FROM teams t "
        "JOIN memberships m USING (team_id) WHERE list_contains(?, m.departement) "
        "ORDER BY t.name, t.team_id", [list(federation.departements)], db=db)


def memberships(team_id: int, db: DB = None) -> pd.DataFrame:
    """Its membership forms, oldest first, without the contact e-mail."""
    return store.query(
        "SELECT * EXCLUDE (email, batch_id, submitted_at) FROM memberships WHERE team_id = ? "
        "ORDER BY year", [team_id], db=db)


def choices(team_id: int, db: DB = None) -> pd.DataFrame:
    """Its multiple-choice answers (``year, field, value``): professions, missions, protocols."""
    return store.query(
        "SELECT year, field, value FROM membership_choices WHERE team_id = ? "
        "ORDER BY year, field, value", [team_id], db=db)


def facilitations(team_id: int, db: DB = None) -> pd.DataFrame:
    """The facilitations it took part in, newest first (``fac_date, year, kind, mode,
    team_profile, departement``): never who facilitated."""
    return store.query(
        "SELECT f.fac_date, f.year, f.kind, f.mode, f.team_profile, f.departement "
        "FROM facilitations f JOIN facilitation_teams x USING (facilitation_id) "
        "WHERE x.team_id = ? ORDER BY f.fac_date DESC, f.facilitation_id DESC",
        [team_id], db=db)


def fiches(team_id: int, db: DB = None) -> pd.DataFrame:
    """The capitalisation fiches about it (``fiche_id, title, theme, year, summary,
    published``)."""
    return store.query(
        f"SELECT f.fiche_id, f.title, f.theme, f.year, f.summary, {fiche_published('f')} "
        "AS published FROM fiches f WHERE f.team_id = ? ORDER BY f.year DESC NULLS LAST, f.title",
        [team_id], db=db)


def comparison(team_id: int, year: int, team_type: str, departements: list[str],
               db: DB = None) -> pd.DataFrame:
    """Each compared answer of ``year`` among the group (teams of ``team_type`` whose form puts
    them in ``departements``): ``field, answered`` (teams of the group who answered), ``same``
    (of them, with the team's own answer; choices), ``median`` (numbers), ``mine_text``,
    ``mine_number`` (the team's own answer). The team is one of its group."""
    params: dict[str, Any] = {"year": year, "type": team_type, "deps": departements,
                              "team": team_id}
    return store.query(
        """
        WITH g AS (SELECT * EXCLUDE (email) FROM memberships
                   WHERE year = $year AND team_type = $type AND list_contains($deps, departement)),
        long AS (
            SELECT team_id, 'status' AS field, status AS txt, NULL::DOUBLE AS num FROM g
            WHERE status IS NOT NULL
            UNION ALL
            SELECT team_id, 'information_system',
                   CASE WHEN information_system_other IS NOT NULL
                          OR lower(information_system) LIKE 'autre%' THEN 'Autre'
                        ELSE information_system END, NULL FROM g
            WHERE information_system IS NOT NULL OR information_system_other IS NOT NULL
            UNION ALL
            SELECT team_id, 'coordination', coordination, NULL FROM g
            WHERE coordination IS NOT NULL
            UNION ALL
            SELECT team_id, 'pacte_trained', CASE WHEN pacte_trained THEN 'Oui' ELSE 'Non' END,
                   NULL FROM g
            WHERE pacte_trained IS NOT NULL AND coalesce(coordination, '') <> 'Aucune'
            UNION ALL SELECT team_id, 'aci_amount', NULL, aci_amount FROM g
            WHERE aci_amount IS NOT NULL
            UNION ALL SELECT team_id, 'professionals', NULL, professionals FROM g
            WHERE professionals IS NOT NULL
            UNION ALL SELECT team_id, 'coordination_fte', NULL, coordination_fte FROM g
            WHERE coordination_fte IS NOT NULL
            UNION ALL SELECT team_id, 'protocols_count', NULL, protocols_count FROM g
            WHERE protocols_count IS NOT NULL
            UNION ALL
            SELECT g.team_id, 'n_' || c.field, NULL, count(*) FROM g
            JOIN membership_choices c ON c.team_id = g.team_id AND c.year = g.year
            GROUP BY ALL
        ),
        mine AS (SELECT field, txt, num FROM long WHERE team_id = $team)
        SELECT l.field, count(*) AS answered,
               count(*) FILTER (WHERE l.txt = mine.txt) AS same, median(l.num) AS median,
               any_value(mine.txt) AS mine_text, any_value(mine.num) AS mine_number
        FROM long l LEFT JOIN mine USING (field)
        GROUP BY l.field ORDER BY l.field
        """, params, db=db)
