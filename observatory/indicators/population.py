"""Teams at their commune, and the population they cover (INSEE populations of the communes).

A member team is at the commune of the list team it was matched to, else of its form
(``memberships.commune_code``); the list's other teams at their own. The share of population
covered is the population of the communes with such a team (MSP or centre de santé) over the
population of the scope's communes; a CPTS covers the communes of its perimeter, where the list
gives one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from observatory import geo, store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql

# The teams a commune's population is covered by: those that care for it where they are.
SITED_TYPES = ("MSP", "CDS")


def latest_year(db: DB = None) -> int | None:
    found = store.query("SELECT max(year) AS y FROM memberships", db=db)["y"].iloc[0]
    return None if pd.isna(found) else int(found)


def located_teams(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """The scope's teams of its year at their commune: ``member`` (with ``team_id``, its name,
    type and status from its form) or the list's other teams (``team_id`` NULL); ``commune`` is
    NULL for a member its form and the list do not locate. Columns: member, team_id, name,
    team_type, status, departement, commune, ref_id."""
    year = scope.year if scope.year is not None else latest_year(db)
    m_where, params = scope_sql(scope, federation, alias="m", year=False)
    r_where, _ = scope_sql(scope, federation, alias="r", year=False)
    params["year"] = year
    return store.query(f"""
        SELECT true AS member, m.team_id, t.name, m.team_type, m.status, m.departement,
               coalesce(r.commune, m.commune_code) AS commune, r.ref_id
        FROM memberships m JOIN teams t USING (team_id)
        LEFT JOIN reference_teams r ON r.team_id = m.team_id AND r.year = m.year
        WHERE m.year = $year AND {m_where}
        UNION ALL
        SELECT false, NULL::INTEGER, r.name, r.team_type, r.status, r.departement, r.commune,
               r.ref_id
        FROM reference_teams r WHERE r.year = $year AND r.team_id IS NULL AND {r_where}
        ORDER BY 1 DESC, departement, name""", params, db=db)


def perimeters(scope: Scope, db: DB = None) -> pd.DataFrame:
    """The communes inside a CPTS perimeter of the year's list (``member``: of a member CPTS)."""
    year = scope.year if scope.year is not None else latest_year(db)
    return store.query("""
        SELECT DISTINCT c.commune, r.team_id IS NOT NULL AS member
        FROM reference_team_communes c JOIN reference_teams r USING (year, ref_id)
        WHERE r.year = $year AND r.team_type = 'CPTS'""", {"year": year}, db=db)


@dataclass
class Coverage:
    """The population of the scope's communes, and the part of it a kind of team covers."""

    by_departement: pd.DataFrame  # departement, population, members, existing, member_cpts, cpts
    with_list: bool
    with_perimeters: bool
    types: tuple[str, ...]
    unlocated_members: int = 0
    notes: list[str] = field(default_factory=list)

    def share(self, column: str, rows: pd.DataFrame | None = None) -> float | None:
        """The covered share of the population of ``rows`` (default: the scope)."""
        df = self.by_departement if rows is None else rows
        if not self.types and column in ("members", "existing"):
            return None
        if (column == "existing" and not self.with_list) or (
                column in ("member_cpts", "cpts") and not self.with_perimeters):
            return None
        total = float(df["population"].sum())
        return float(df[column].sum()) / total if total else None

    def figures(self) -> dict[str, Any]:
        """What ``observatory figures --json`` gives of it (None where it cannot be said)."""
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {"population_covered_share": rounded(self.share("members")),
                "population_covered_share_all": rounded(self.share("existing")),
                "population_in_member_cpts_share": rounded(self.share("member_cpts")),
                "population_in_cpts_share": rounded(self.share("cpts"))}


def coverage(scope: Scope, federation: Federation, db: DB = None) -> Coverage:
    """Per département of the scope: its communes' population, and the population of those with
    a member MSP or CDS (``members``), with any existing one (``existing``, members included),
    inside a member CPTS's perimeter (``member_cpts``) or any CPTS's (``cpts``)."""
    types = SITED_TYPES if scope.team_type is None else tuple(
        t for t in SITED_TYPES if t == scope.team_type)
    teams = located_teams(Scope(scope.year, scope.territory, scope.departement), federation, db)
    sited = teams[teams["team_type"].isin(types)]
    cpts = perimeters(scope, db)
    members = sited[sited["member"]]
    deps = list(scope.departements(federation))
    everyone = geo.population_by_commune_departement()
    columns = {
        "members": geo.population_in(members["commune"].dropna()),
        "existing": geo.population_in(sited["commune"].dropna()),
        "member_cpts": geo.population_in(cpts.loc[cpts["member"], "commune"]),
        "cpts": geo.population_in(cpts["commune"])}
    frame = pd.DataFrame({"departement": deps, "population": [everyone.get(d, 0) for d in deps],
                          **{k: [v.get(d, 0) for d in deps] for k, v in columns.items()}})
    # a list "covers" a type when it holds teams of it for the scope's départements
    with_list = bool(sited["ref_id"].notna().any())
    found = Coverage(frame, with_list, bool(len(cpts)), types)
    found.unlocated_members = int(members["commune"].isna().sum())
    if found.unlocated_members:
        found.notes.append(f"{found.unlocated_members} équipe(s) adhérente(s) sans commune "
                           "reconnue (ni dans leur formulaire, ni dans la liste) : non comptées.")
    return found
