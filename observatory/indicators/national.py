"""Figures from the federations' packages: the national store's, and a region's reference.

The package tables (``package_*``, written by ``observatory.packages``) hold each count at every
grain. A figure of a scope takes, from each federation, the coarsest rows that answer it: the
federation's own totals when the scope holds all its départements (exact even where a
département's cell is masked), its départements' rows otherwise. A figure adding a masked
part is masked (None): never a sum short of what its label says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation, get_federation
from observatory.filters import Scope
from observatory.indicators import DB, UNKNOWN
from observatory.vocabulary import STATUSES, TEAM_TYPES

# The dimensions of each package table given at every grain, in grain order (as
# observatory.packages.GRAIN_DIMENSIONS, which this room may not import).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "members": ("departement", "team_type", "status"),
    "facilitations": ("departement", "team_type", "team_profile"),
    "portrait": ("departement", "team_type"),
}
MEASURES: dict[str, tuple[str, ...]] = {
    "members": ("teams", "aci_teams", "aci_total_eur"),
    "facilitations": ("facilitations", "facilitated_teams", "volunteer_hours"),
    "portrait": ("teams",),
}
FRANCE = "avecsante"  # the profile of all of France (its territories are the regions)


def is_national(db: DB = None) -> bool:
    """Whether ``db`` is a national store (consolidated from packages)."""
    return store.kind(db) == store.NATIONAL


def packages(db: DB = None) -> pd.DataFrame:
    """The packages the store holds: federation, name, region, départements, years…"""
    return store.query("SELECT * FROM packages ORDER BY name", db=db)


def _grain(dims: list[str]) -> str:
    return "+".join(dims) or "total"


def cells(table: str, scope: Scope, federation: Federation, by: tuple[str, ...] = (),
          db: DB = None, *, year: bool = True) -> pd.DataFrame:
    """The measures of ``table`` for ``scope``, per value of ``by`` (grain dimensions or other
    columns such as ``field``, ``value``, ``year``), summed over the federations.

    A measure adding a masked part is NULL. Departements outside every package are absent.
    """
    dims = DIMENSIONS[table]
    wanted = set(by) | ({"team_type"} if scope.team_type else set())
    per_dep = "departement" in by
    whole = _grain([d for d in dims if d in wanted and d != "departement"])
    part = _grain([d for d in dims if d in wanted or d == "departement"])
    clauses = ["(CASE WHEN list_has_all($deps, p.departements) AND NOT $per_dep "
               "THEN c.grain = $whole ELSE c.grain = $part "
               "AND list_contains($deps, c.departement) END)"]
    params: dict[str, Any] = {"deps": list(scope.departements(federation)), "whole": whole,
                              "part": part, "per_dep": per_dep}
    if year and scope.year is not None:
        clauses.append("c.year = $year")
        params["year"] = scope.year
    if scope.team_type:
        clauses.append("c.team_type = $team_type")
        params["team_type"] = scope.team_type
    keys = ", ".join(f"c.{k}" for k in by)
    sums = ", ".join(f"CASE WHEN bool_or(c.{m} IS NULL) THEN NULL ELSE sum(c.{m}) END AS {m}"
                     for m in MEASURES[table])
    return store.query(
        f"""
        SELECT {keys + ', ' if keys else ''}{sums}, count(DISTINCT c.federation) AS federations
        FROM package_{table} c JOIN packages p USING (federation)
        WHERE {' AND '.join(clauses)}
        {'GROUP BY ' + keys if keys else ''}
        {'ORDER BY ' + keys if keys else ''}
        """, params, db=db)


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _counts(df: pd.DataFrame, column: str, keys: tuple[str, ...], measure: str
            ) -> dict[str, int | None]:
    found = {str(k): _int(n) for k, n in zip(df[column], df[measure], strict=True)}
    out: dict[str, int | None] = {k: found.pop(k, 0) for k in keys}
    unknown = found.pop(UNKNOWN, 0)
    out.update(found)
    if unknown:
        out[UNKNOWN] = unknown
    return out


def coverage(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """The scope's départements with their population, region and the federation whose
    package covers them in the scope's year (``federation`` NULL: none does)."""
    return store.query(
        """
        WITH cover AS (SELECT unnest(departements) AS code, federation, name AS federation_name
                       FROM packages WHERE $year IS NULL OR list_contains(years, $year))
        SELECT d.code AS departement, d.name, d.region_name, d.population, c.federation,
               c.federation_name
        FROM departements d LEFT JOIN cover c ON c.code = d.code
        WHERE list_contains($deps, d.code) ORDER BY d.code
        """, {"deps": list(scope.departements(federation)), "year": scope.year}, db=db)


def key_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """``indicators.key_figures`` from the packages (None where a part is masked)."""
    totals = cells("members", scope, federation, (), db)
    by_type = cells("members", scope, federation, ("team_type",), db)
    by_status = cells("members", scope, federation, ("status",), db)
    fac = cells("facilitations", scope, federation, (), db)
    fac_type = cells("facilitations", scope, federation, ("team_type",), db)
    row = totals.iloc[0]
    frow = fac.iloc[0]
    figures: dict[str, Any] = {
        "year": scope.year,
        # no row at all: no member team, nothing masked; a row with NULL: masked (None)
        "adherent_teams": _int(row["teams"]) if row["federations"] else 0,
        "adherent_teams_by_type": _counts(by_type, "team_type", TEAM_TYPES, "teams"),
        "adherent_teams_by_status": _counts(by_status, "status", STATUSES, "teams"),
        "aci_total_eur": _float(row["aci_total_eur"]) if row["federations"] else 0.0,
        "aci_teams": _int(row["aci_teams"]) if row["federations"] else 0,
        "facilitations": _int(frow["facilitations"]) if frow["federations"] else 0,
        "facilitated_teams": _int(frow["facilitated_teams"]) if frow["federations"] else 0,
        "facilitations_by_team_type": _counts(fac_type, "team_type", ("MSP", "ESP", "CPTS"),
                                              "facilitations"),
        "facilitations_by_kind": {},
        "volunteer_hours": _float(frow["volunteer_hours"]),
    }
    figures.update(survey_figures(scope, federation, db))
    per_dep = by_departement(scope, federation, db)
    figures["by_departement"] = {
        r.departement: {"name": r.name, "adherent_teams": _int(r.adherent_teams),
                        "facilitations": _int(r.facilitations),
                        "facilitated_teams": _int(r.facilitated_teams)}
        for r in per_dep.itertuples(index=False) if r.federation is not None
        and not pd.isna(r.federation)}
    return figures


def by_departement(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """Per département of the scope, as ``indicators.by_departement`` (with its region and
    the federation covering it; figures NULL where no package covers it, or masked)."""
    deps = coverage(scope, federation, db)
    members = cells("members", scope, federation, ("departement",), db)
    status = cells("members", scope, federation, ("departement", "status"), db)
    fac = cells("facilitations", scope, federation, ("departement",), db)
    covered = deps["federation"].notna().to_numpy()
    out = deps.copy()

    def column(rows: pd.DataFrame, measure: str, key: Any = None) -> pd.Series:
        # a covered département with no row has none (0); a row whose count is NULL is masked
        if key is not None:
            rows = rows[rows["status"] == key]
        found = dict(zip(rows["departement"], pd.to_numeric(rows[measure], errors="coerce"),
                         strict=True))
        return pd.Series([found.get(d, 0.0 if c else None)
                          for d, c in zip(out["departement"], covered, strict=True)],
                         index=out.index, dtype="Float64")

    for col in ("teams", "aci_teams", "aci_total_eur"):
        out[col] = column(members, col)
    for col in ("facilitations", "facilitated_teams"):
        out[col] = column(fac, col)
    for s in STATUSES:
        out[s] = column(status, "teams", s)
    covered = out["federation"].notna()
    out["aci_total_eur"] = out["aci_total_eur"].astype("float64")
    # no reference counts of existing teams travel in a package
    out["reference_teams"] = float("nan")
    out["reference_members"] = 0
    return out.rename(columns={"teams": "adherent_teams"})


def survey_figures(scope: Scope, federation: Federation, db: DB = None) -> dict[str, Any]:
    """Published surveys of the year and their respondents within the scope (None: masked)."""
    df = surveys(scope, federation, db)
    values = df["respondents"]
    return {"surveys": len(df),
            "survey_respondents": None if values.isna().any() else int(values.sum())}


def surveys(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """The published surveys of the federations of the scope, in its year, newest first, with
    their respondents in the scope (the whole survey where the scope holds the federation)."""
    return store.query(
        """
        WITH s AS (SELECT s.*, p.name AS federation_name,
                          list_has_all($deps, p.departements) AS whole
                   FROM package_surveys s JOIN packages p USING (federation)
                   WHERE list_has_any($deps, p.departements)
                     AND ($year IS NULL OR year(s.month) = $year)),
        part AS (SELECT federation, survey_id,
                        CASE WHEN bool_or(respondents IS NULL) THEN NULL
                             ELSE sum(respondents) END AS n
                 FROM package_survey_respondents
                 WHERE grain = 'departement' AND list_contains($deps, departement)
                 GROUP BY ALL)
        SELECT s.federation || '/' || s.survey_id AS key, s.federation, s.federation_name,
               s.survey_id, s.title, s.theme, s.month, s.objective,
               CASE WHEN s.whole THEN s.respondents ELSE coalesce(part.n, 0) END AS respondents
        FROM s LEFT JOIN part USING (federation, survey_id)
        ORDER BY s.month DESC, s.federation, s.survey_id DESC
        """, {"deps": list(scope.departements(federation)), "year": scope.year}, db=db)


def survey_rows(key: str, table: str, db: DB = None) -> pd.DataFrame:
    """The rows of one survey (``federation/survey_id``) in a package survey table."""
    fid, _, sid = key.partition("/")
    return store.query(f"SELECT * FROM package_{table} WHERE federation = $f AND "
                       "survey_id = $s ORDER BY ALL", {"f": fid, "s": sid}, db=db)


def source_years(db: DB = None) -> dict[str, frozenset[int]]:
    """As ``indicators.source_years``: the years each source covers in some package."""
    df = store.query("""
        SELECT DISTINCT 'adhesions' AS source, year FROM package_members
        UNION SELECT DISTINCT 'facilitations', year FROM package_facilitations
        UNION SELECT DISTINCT 'surveys', year(month) FROM package_surveys
        WHERE month IS NOT NULL""", db=db)
    found: dict[str, set[int]] = {"adhesions": set(), "facilitations": set(), "surveys": set()}
    for source, year in zip(df["source"], df["year"], strict=True):
        found[source].add(int(year))
    return {k: frozenset(v) for k, v in found.items()}


def available_years(db: DB = None) -> list[int]:
    """Years some package covers, newest first."""
    df = store.query("SELECT DISTINCT unnest(years) AS year FROM packages ORDER BY 1 DESC",
                     db=db)
    return [int(y) for y in df["year"]]


@dataclass(frozen=True)
class Reference:
    """France's figure next to a region's: from the national store or a loaded reference."""

    year: int
    team_type: str | None
    teams: int | None  # member teams in the federations' packages (None: masked)
    population: int  # of the départements those packages cover
    departements: int
    federations: tuple[str, ...]

    @property
    def per_100k(self) -> float | None:
        if self.teams is None or not self.population:
            return None
        return self.teams / self.population * 100_000

    @property
    def label(self) -> str:
        """« France (2 fédérations, 25 départements) »: what the figure covers."""
        n = len(self.federations)
        return (f"France ({n} fédération{'s' if n > 1 else ''}, {self.departements} "
                "départements couverts)")


def reference(year: int | None, team_type: str | None = None, db: DB = None
              ) -> Reference | None:
    """France's member teams per 100,000 inhabitants for ``year`` (and ``team_type``), from the
    packages the store holds: a national store's, or the national package a regional store
    loaded as its reference (``observatory reference``). None without one for that year.

    The population is that of the départements the packages cover that year: a rate over all
    of France with a third of its regions counted would be wrong.
    """
    if year is None or not len(store.query("SELECT 1 FROM packages LIMIT 1", db=db)):
        return None
    france = get_federation(FRANCE)
    scope = Scope(year=year, team_type=team_type)
    deps = coverage(scope, france, db)
    covered = deps[deps["federation"].notna()]
    if not len(covered):
        return None
    teams = cells("members", scope, france, (), db)["teams"].iloc[0]
    return Reference(year, team_type, _int(teams),
                     int(covered["population"].fillna(0).sum()), len(covered),
                     tuple(sorted(set(covered["federation_name"]))))
