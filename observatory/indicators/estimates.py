"""Every existing team of a scope, estimated from the member teams' forms: post-stratification.

The frame is the year's existing teams per team type and département (``reference_team_counts``:
typed-in counts, or those a list of existing teams gave), split by ACI status where the list says
it for every team of a type. Each stratum's member teams that answered a question stand for all
its existing teams (README, « Estimations pour toutes les équipes »: estimator, variance with
the finite-population correction, Wilson intervals on the effective sample size, collapse rule).
Counts come from the store in one query per estimate; the few strata are combined in Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from observatory import formats, store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, scope_sql
from observatory.indicators.portrait import ANSWERS_SQL

# The questions of the membership form an estimate is made for, as the store names them.
FIELDS = {
    "status": "Statut", "information_system": "Système d'information partagé",
    "coordination": "Fonction de coordination", "profession": "Professions représentées",
    "mission": "Missions de santé publique", "protocol": "Protocoles pluriprofessionnels",
    "aci_amount": "Montant ACI",
}
MULTIPLE = ("profession", "mission", "protocol")
# A stratum is estimated from at least this many answering members, covering at least this
# share of its existing teams; smaller ones are pooled (collapse rule), else not estimated.
MIN_RESPONDENTS = 5
MIN_COVERAGE = 0.2
Z = 1.959963984540054  # the normal quantile of a two-sided 95 % interval
METHOD = ("post-stratification par type d'équipe × département (× statut ACI quand la liste le "
          "donne), strates trop petites regroupées par territoire puis sur le périmètre ; "
          "intervalles de Wilson à 95 % sur l'effectif efficace, avec correction de population "
          "finie")
LEVELS = ("département", "territoire", "périmètre")


@dataclass
class Stratum:
    """A group of existing teams whose answering members stand for all of them."""

    team_type: str
    aci: bool | None  # None: not split by ACI status
    departements: tuple[str, ...]
    level: str  # LEVELS: a département's own, pooled in its territory, pooled in the scope
    existing: int
    members: int
    respondents: int
    estimated: bool = True
    reason: str = ""

    @property
    def coverage(self) -> float:
        return self.respondents / self.existing if self.existing else 0.0

    def label(self, names: dict[str, str] | None = None) -> str:
        """« MSP sous ACI · Cantal, Haute-Loire »."""
        kind = self.team_type + {True: " sous ACI", False: " hors ACI", None: ""}[self.aci]
        where = ", ".join((names or {}).get(d, d) for d in self.departements)
        return f"{kind} · {where}"


@dataclass
class Share:
    """One answer of a question: among members, and estimated for every existing team."""

    value: str
    members: int
    member_share: float
    estimated_teams: float
    estimated_share: float
    ci_low: float
    ci_high: float


@dataclass
class Amount:
    """A mean or a median of the ACI amounts, among members and estimated for every team."""

    statistic: str  # "mean" or "median"
    members: int
    member_value: float | None
    estimated_value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass
class Estimate:
    """One question's estimate for a scope, with what it rests on and what it leaves out."""

    question: str  # a key of FIELDS
    year: int
    existing_teams: int = 0  # in the frame, for the scope
    member_teams: int = 0  # members of the frame's types in the scope
    respondents: int = 0  # members who answered, in the estimated strata
    estimated_population: int = 0  # existing teams of the estimated strata
    method: str = METHOD
    strata: list[Stratum] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    estimated_teams: float | None = None  # aci_amount: teams estimated to declare an amount
    notes: list[str] = field(default_factory=list)
    unavailable: str = ""  # why there is no estimate at all

    @property
    def coverage(self) -> float | None:
        """Share of the frame's existing teams that are members (the coverage it rests on)."""
        return self.member_teams / self.existing_teams if self.existing_teams else None

    @property
    def excluded(self) -> list[Stratum]:
        return [s for s in self.strata if not s.estimated]

    def to_json(self) -> dict[str, Any]:
        """What ``observatory estimate --json`` prints."""
        out: dict[str, Any] = {
            "field": self.question, "year": self.year, "existing_teams": self.existing_teams,
            "member_teams": self.member_teams, "coverage": _round(self.coverage),
            "respondents": self.respondents, "estimated_population": self.estimated_population,
            "method": self.method, "notes": self.notes}
        if self.unavailable:
            out["unavailable"] = self.unavailable
        if self.question == "aci_amount":
            out["estimated_teams"] = _round(self.estimated_teams, 1)
            out["values"] = [{k: v if isinstance(v, str | int) else _round(v, 2)
                              for k, v in asdict(a).items()} for a in self.amounts]
        else:
            out["values"] = [
                {"value": s.value, "members": s.members, "member_share": _round(s.member_share),
                 "estimated_teams": _round(s.estimated_teams, 1),
                 "estimated_share": _round(s.estimated_share), "ci_low": _round(s.ci_low),
                 "ci_high": _round(s.ci_high)} for s in self.shares]
        out["strata"] = [{
            "team_type": s.team_type, "aci": s.aci, "departements": list(s.departements),
            "level": s.level, "existing_teams": s.existing, "member_teams": s.members,
            "respondents": s.respondents, "coverage": _round(s.coverage),
            "estimated": s.estimated, **({"reason": s.reason} if s.reason else {})}
            for s in self.strata]
        return out


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


# -- the store: frame, members and their answers, per finest cell --------------------------
def _members_sql(scope: Scope, federation: Federation) -> tuple[str, dict[str, Any]]:
    """CTE ``m``: the year's membership forms, each in its stratum — the type, département and
    ACI status of the list team it was matched to, else its own form's."""
    where, params = scope_sql(scope, federation, year=False)
    params["year"] = scope.year
    return f"""
        base AS (
            SELECT f.* EXCLUDE (email, team_type, departement),
                   coalesce(r.team_type, f.team_type) AS team_type,
                   coalesce(r.departement, f.departement) AS departement,
                   coalesce(r.aci, CASE WHEN f.status = 'sous_aci' THEN true
                                        WHEN f.status IN ('en_projet', 'labellisee')
                                        THEN false END) AS aci
            FROM memberships f
            LEFT JOIN reference_teams r ON r.team_id = f.team_id AND r.year = f.year
            WHERE f.year = $year),
        m AS (SELECT * FROM base WHERE {where})""", params


def _answers_sql(fields: Iterable[str]) -> str:
    """CTE ``long`` (``field, team_id, sort_key, value``) of the questions ``fields``."""
    wanted = ", ".join(f"'{f}'" for f in fields if f in FIELDS)
    return f"""
        SELECT field, team_id, sort_key, value FROM ({ANSWERS_SQL}) WHERE field IN ({wanted or "''"})
        UNION ALL
        SELECT 'status', team_id, NULL, status FROM m
        WHERE status IS NOT NULL AND 'status' IN ({wanted or "''"})"""


@dataclass
class Inputs:
    """What the store holds for the estimates of a scope, per finest cell (``team_type,
    departement, aci``): the frame of existing teams (``teams`` per type and département,
    ``from_list``; from the list, per ACI status), the members' forms, their answers to each
    question (``field, value, teams``; value NULL: the cell's respondents) and their ACI amounts
    (one row per declaring member, ``x``). One query each, whatever the questions."""

    frame: pd.DataFrame
    members: pd.DataFrame
    answers: pd.DataFrame
    amounts: pd.DataFrame

    def of_type(self, team_type: str) -> Inputs:
        """The same inputs for one team type (a scope with a type filter reads the same)."""
        return Inputs(*(df[df["team_type"] == team_type].reset_index(drop=True)
                        for df in (self.frame, self.members, self.answers, self.amounts)))


def inputs(scope: Scope, federation: Federation, db: DB = None,
           fields: Iterable[str] = tuple(FIELDS)) -> Inputs:
    """The store's inputs of the estimates of ``fields`` for the scope (see ``Inputs``)."""
    fields = tuple(fields)
    where, params = scope_sql(scope, federation, year=False)
    params["year"] = scope.year
    frame = store.query(f"""
        WITH c AS (SELECT * FROM reference_team_counts WHERE year = $year AND {where}),
        l AS (SELECT departement, team_type, aci, count(*) AS teams FROM reference_teams
              WHERE year = $year AND {where} GROUP BY ALL)
        SELECT departement, team_type, NULL::BOOLEAN AS aci, teams, from_list,
               'count' AS kind FROM c
        UNION ALL SELECT departement, team_type, aci, teams, NULL, 'list' FROM l
        ORDER BY ALL""", params, db=db)
    members_cte, params = _members_sql(scope, federation)
    members = store.query(f"""
        WITH {members_cte}
        SELECT team_type, departement, aci, count(*) AS members FROM m GROUP BY ALL
        ORDER BY ALL""", params, db=db)
    answers = store.query(f"""
        WITH {members_cte}, long AS ({_answers_sql(fields)})
        SELECT long.field, m.team_type, m.departement, m.aci, long.value,
               count(DISTINCT long.team_id) AS teams
        FROM long JOIN m USING (team_id)
        GROUP BY GROUPING SETS ((long.field, m.team_type, m.departement, m.aci, long.value),
                                (long.field, m.team_type, m.departement, m.aci))
        ORDER BY ALL""", params, db=db)
    amounts = store.query(f"""
        WITH {members_cte}
        SELECT team_type, departement, aci, aci_amount AS x FROM m
        WHERE aci_amount IS NOT NULL AND $amounts ORDER BY ALL""",
                          {**params, "amounts": "aci_amount" in fields}, db=db)
    return Inputs(frame, members, answers, amounts)


# -- strata --------------------------------------------------------------------------------
Cell = tuple[str, bool | None, str]  # team type, ACI status (None: not split), département


@dataclass
class _Frame:
    """Existing teams and members per finest cell, for the types the frame covers."""

    existing: dict[Cell, int]
    members: dict[Cell, int]
    respondents: dict[Cell, int]
    notes: list[str]


def splittable(frame: pd.DataFrame) -> set[str]:
    """The types whose every existing team (in every département of the frame) has an ACI
    status in the list: their cells may be split by it."""
    counts = frame[frame["kind"] == "count"]
    listed = frame[frame["kind"] == "list"]
    known: dict[tuple[str, str], int] = defaultdict(int)
    unknown: set[tuple[str, str]] = set()
    for t, d, a, n in zip(listed["team_type"], listed["departement"], listed["aci"],
                          listed["teams"], strict=True):
        if pd.isna(a):
            unknown.add((t, d))
        else:
            known[(t, d)] += int(n)
    by_type: dict[str, bool] = {}
    for t, d, n, from_list in zip(counts["team_type"], counts["departement"], counts["teams"],
                                  counts["from_list"], strict=True):
        ok = bool(from_list) and (t, d) not in unknown and known.get((t, d), 0) == int(n)
        by_type[t] = by_type.get(t, True) and ok
    return {t for t, ok in by_type.items() if ok}


def _aci(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


@dataclass
class _Counts:
    """The inputs as plain tuples, read once: existing teams per (type, département) and per
    ACI status, members and respondents per (type, ACI status, département)."""

    total: dict[tuple[str, str], int]
    by_aci: dict[tuple[str, str], dict[bool | None, int]]
    members: list[tuple[str, str, bool | None, int]]
    respondents: dict[tuple[str, bool | None, str], int]

    @classmethod
    def of(cls, frame: pd.DataFrame, members: pd.DataFrame,
           respondents: dict[tuple[str, bool | None, str], int]) -> _Counts:
        total: dict[tuple[str, str], int] = {}
        by_aci: dict[tuple[str, str], dict[bool | None, int]] = defaultdict(dict)
        for t, d, a, n, kind in frame[["team_type", "departement", "aci", "teams",
                                       "kind"]].itertuples(index=False):
            if kind == "count":
                total[(t, d)] = int(n)
            else:
                by_aci[(t, d)][_aci(a)] = int(n)
        rows = [(t, d, _aci(a), int(n)) for t, d, a, n in members[
            ["team_type", "departement", "aci", "members"]].itertuples(index=False)]
        return cls(total, by_aci, rows, respondents)


def _cells(counts: _Counts, names: dict[str, str], split: set[str],
           types: set[str] | None = None) -> tuple[_Frame, int, int]:
    """The finest cells (of ``types``, default all), split by ACI status for the types of
    ``split``; (cells, members outside the frame, members whose ACI status is unknown in a
    split type)."""
    cells = _Frame({}, {}, {}, [])
    for (t, d), n in counts.total.items():
        if types is not None and t not in types:
            continue
        if t in split:
            for status in (True, False):
                cells.existing[(t, status, d)] = counts.by_aci.get((t, d), {}).get(status, 0)
        else:
            cells.existing[(t, None, d)] = n
    outside = unknown = 0
    for t, d, member_aci, n in counts.members:
        if types is not None and t not in types:
            continue
        if (t, d) not in counts.total:
            outside += n
            continue
        if t in split and member_aci is None:
            unknown += n
            continue
        key = (t, member_aci if t in split else None, d)
        cells.members[key] = cells.members.get(key, 0) + n
        cells.respondents[key] = cells.respondents.get(key, 0) + counts.respondents.get(
            (t, member_aci, d), 0)
    for key, n in list(cells.members.items()):
        if n > cells.existing.get(key, 0):
            t, cell_aci, d = key
            which = {True: " sous ACI", False: " hors ACI", None: ""}[cell_aci]
            cells.notes.append(
                f"{names.get(d, d)} : {n} {t}{which} adhérente(s) pour "
                f"{cells.existing.get(key, 0)} existante(s) selon la référence, qui est donc "
                f"incomplète : {n} comptée(s).")
            cells.existing[key] = n
    return cells, outside, unknown


def _adequate(respondents: int, existing: int) -> bool:
    return existing > 0 and respondents >= MIN_RESPONDENTS and \
        respondents / existing >= MIN_COVERAGE


def _strata(cells: _Frame, federation: Federation, scope: Scope) -> list[Stratum]:
    """The collapse rule: a département's cell is its own stratum when it is large enough;
    the cells too small are pooled with the other small ones of their territory, then with the
    scope's; a pool still too small joins the smallest stratum of its type and status; what
    remains too small is not estimated."""
    territories = bool(federation.territories) and not scope.departement and not scope.territory
    groups: dict[tuple[str, bool | None], list[str]] = defaultdict(list)
    for (t, aci, d) in sorted(cells.existing, key=lambda c: (c[0], str(c[1]), c[2])):
        if cells.existing[(t, aci, d)] or cells.members.get((t, aci, d)):
            groups[(t, aci)].append(d)
    out: list[Stratum] = []

    def make(t: str, aci: bool | None, deps: Iterable[str], level: str) -> Stratum:
        deps = tuple(deps)
        return Stratum(t, aci, deps, level, sum(cells.existing[(t, aci, d)] for d in deps),
                       sum(cells.members.get((t, aci, d), 0) for d in deps),
                       sum(cells.respondents.get((t, aci, d), 0) for d in deps))

    for (t, aci), deps in groups.items():
        mine = [make(t, aci, [d], LEVELS[0]) for d in deps]
        kept = [s for s in mine if _adequate(s.respondents, s.existing)]
        small = [s for s in mine if not _adequate(s.respondents, s.existing)]
        if territories and small:
            pools: dict[str, list[str]] = defaultdict(list)
            for s in small:
                pools[federation.territory_of(s.departements[0]) or ""].append(s.departements[0])
            small = []
            for deps_of in pools.values():
                pooled = make(t, aci, deps_of, LEVELS[1])
                (kept if _adequate(pooled.respondents, pooled.existing) and len(deps_of) > 1
                 else small).append(pooled)
        if small:
            rest = make(t, aci, [d for s in small for d in s.departements], LEVELS[2])
            if not _adequate(rest.respondents, rest.existing) and kept:
                smallest = min(kept, key=lambda s: (s.existing, s.departements))
                joined = make(t, aci, smallest.departements + rest.departements, LEVELS[2])
                if _adequate(joined.respondents, joined.existing):
                    kept.remove(smallest)
                    rest = joined
            if not _adequate(rest.respondents, rest.existing):
                rest.estimated = False
                rest.reason = (f"{rest.respondents} adhérente(s) ayant répondu pour "
                               f"{rest.existing} équipe(s) existante(s) : il en faut au moins "
                               f"{MIN_RESPONDENTS} et {formats.percent(MIN_COVERAGE)} des "
                               "existantes")
            kept.append(rest)
        for s in kept:
            s.departements = tuple(sorted(s.departements))
        out += sorted(kept, key=lambda s: s.departements)
    return out


# -- the estimators -------------------------------------------------------------------------
def wilson(p: float, n_eff: float, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a share ``p`` on an effective sample size ``n_eff``
    (infinite: the share is known exactly)."""
    if math.isinf(n_eff):
        return p, p
    z2 = z * z / n_eff
    centre = (p + z2 / 2) / (1 + z2)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / (1 + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


def share_estimate(strata: list[tuple[int, int, int]], z: float = Z) -> tuple[float, float, float]:
    """(estimated share, interval low, high) from (existing N_h, respondents m_h, answering
    y_h) per stratum: p = Σ W_h y_h/m_h, W_h = N_h/N; V = Σ W_h² (1 − m_h/N_h) p_h(1 − p_h) /
    (m_h − 1); Wilson on n_eff = min(p(1 − p)/V, n_0), n_0 = 1/Σ W_h² (1 − m_h/N_h)/(m_h − 1)
    (the effective size if every stratum had the same share: used when p is 0 or 1)."""
    total = sum(n for n, _, _ in strata)
    p = variance = inverse_n0 = 0.0
    for n, m, y in strata:
        w, f, p_h = n / total, min(1.0, m / n), y / m
        p += w * p_h
        if m > 1:
            variance += w * w * (1 - f) * p_h * (1 - p_h) / (m - 1)
            inverse_n0 += w * w * (1 - f) / (m - 1)
    n0 = math.inf if inverse_n0 <= 0 else 1 / inverse_n0
    n_eff = n0 if variance <= 0 or p in (0.0, 1.0) else min(p * (1 - p) / variance, n0)
    low, high = wilson(min(1.0, max(0.0, p)), n_eff, z)
    return p, low, high


def t_quantile(df: float) -> float:
    """The Student quantile of a two-sided 95 % interval (Cornish–Fisher expansion around the
    normal one, within 0.15 % of the exact value from 3 degrees of freedom)."""
    if math.isinf(df) or df > 1e6:
        return Z
    df = max(df, 1.0)
    z = Z
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


@dataclass
class _Group:
    """The members of one stratum for the ACI amounts: every member, and their amounts."""

    existing: int
    members: int
    amounts: list[float]


def ratio_estimate(groups: list[_Group], indicator: Any = None) -> tuple[float, float, float]:
    """(R, variance of R, Satterthwaite degrees of freedom) of the domain ratio
    R = Σ N_h ȳ_h / Σ N_h x̄_h over every member i of stratum h, with x_i = 1 for a member in
    the domain (declaring an amount) and y_i its amount (or ``indicator(amount)``); variance
    by linearisation, e_i = y_i − R x_i, V = Σ N_h² (1 − n_h/N_h) s²_e,h / n_h / X̂²."""
    value = indicator or (lambda a: a)
    y_total = sum(g.existing / g.members * sum(value(a) for a in g.amounts) for g in groups)
    x_total = sum(g.existing / g.members * len(g.amounts) for g in groups)
    r = y_total / x_total
    parts = []
    for g in groups:
        residuals = [value(a) - r for a in g.amounts] + [0.0] * (g.members - len(g.amounts))
        if g.members < 2:
            continue
        mean = sum(residuals) / g.members
        s2 = sum((e - mean) ** 2 for e in residuals) / (g.members - 1)
        f = min(1.0, g.members / g.existing)
        parts.append((g.existing ** 2 * (1 - f) * s2 / g.members, g.members - 1))
    variance = sum(a for a, _ in parts) / x_total ** 2
    denominator = sum(a * a / d for a, d in parts if d > 0)
    df = (sum(a for a, _ in parts) ** 2 / denominator) if denominator > 0 else math.inf
    return r, variance, df


def _median(groups: list[_Group]) -> tuple[float, float, float]:
    """The weighted median of the amounts and Woodruff's interval: the share below a value is
    a ratio whose interval, read back on the weighted distribution, bounds the median."""
    values = sorted({a for g in groups for a in g.amounts})

    def cdf(x: float) -> float:
        return ratio_estimate(groups, lambda a: 1.0 if a <= x else 0.0)[0]

    def quantile(q: float) -> float:
        return next((v for v in values if cdf(v) >= q - 1e-12), values[-1])

    median = quantile(0.5)
    _, variance, _ = ratio_estimate(groups, lambda a: 1.0 if a <= median else 0.0)
    half = Z * math.sqrt(max(variance, 0.0))
    return median, quantile(max(0.0, 0.5 - half)), quantile(min(1.0, 0.5 + half))


# -- the estimate of one question ----------------------------------------------------------
def estimate(scope: Scope, federation: Federation, field_name: str, db: DB = None,
             departement_names: dict[str, str] | None = None,
             given: Inputs | None = None) -> Estimate:
    """The estimate of ``field_name`` (a key of FIELDS) for every existing team of the scope
    (``given``: its inputs, read once for several questions)."""
    if field_name not in FIELDS:
        raise ValueError(f"Question inconnue « {field_name} » (connues : {', '.join(FIELDS)})")
    if scope.year is None:
        raise ValueError("Une estimation porte sur une année : indiquez-la.")
    names = departement_names or {}
    result = Estimate(field_name, scope.year)
    found = given or inputs(scope, federation, db, (field_name,))
    frame, members = found.frame, found.members
    answers = found.amounts if field_name == "aci_amount" else \
        found.answers[found.answers["field"] == field_name]
    if not (frame["kind"] == "count").any():
        result.unavailable = (f"Aucun décompte ni liste des équipes existantes pour "
                              f"{scope.year} dans ce périmètre : pas d'estimation possible.")
        return result
    amounts = field_name == "aci_amount"
    respondents: dict[tuple, int] = {}
    if not amounts:
        whole = answers[answers["value"].isna()]
        respondents = {(t, None if pd.isna(a) else bool(a), d): int(n) for t, d, a, n in zip(
            whole["team_type"], whole["departement"], whole["aci"], whole["teams"], strict=True)}
    if amounts:  # every member is in the sample: those who declare form the domain
        respondents = {(t, None if pd.isna(a) else bool(a), d): int(n) for t, d, a, n in zip(
            members["team_type"], members["departement"], members["aci"], members["members"],
            strict=True)}
    # split by ACI status where the list allows it, unless that leaves more teams unestimated
    counts = _Counts.of(frame, members, respondents)
    split = set()
    for team_type in splittable(frame):
        lost = []
        for chosen in ({team_type}, set()):
            trial = _strata(_cells(counts, names, chosen, {team_type})[0], federation, scope)
            lost.append(sum(s.existing for s in trial if not s.estimated))
        if lost[0] < lost[1] or lost[0] == lost[1] == 0:
            split.add(team_type)
    cells, outside, unknown = _cells(counts, names, split)
    framed = set(zip(frame["team_type"], frame["departement"], strict=True))
    outside_types = sorted({t for t, d in zip(members["team_type"], members["departement"],
                                              strict=True) if (t, d) not in framed})
    result.notes += cells.notes
    result.existing_teams = sum(cells.existing.values())
    result.member_teams = sum(cells.members.values())
    if outside:
        result.notes.append(f"{outside} adhérente(s) d'un type ou d'un département dont la "
                            "référence ne donne pas le nombre d'équipes existantes "
                            f"({', '.join(outside_types)}) : hors de l'estimation.")
    if unknown:
        result.notes.append(f"{unknown} adhérente(s) au statut ACI inconnu, alors que la liste "
                            "le donne pour toutes les équipes de leur type : hors de "
                            "l'estimation.")
    result.strata = _strata(cells, federation, scope)
    used = [s for s in result.strata if s.estimated]
    result.estimated_population = sum(s.existing for s in used)
    result.respondents = sum(s.respondents for s in used) if not amounts else 0
    pooled = [s for s in used if s.level != LEVELS[0]]
    if pooled:
        result.notes.append(f"{len(pooled)} strate(s) regroupant plusieurs départements, faute "
                            "d'assez d'adhérentes ayant répondu dans chacun.")
    if result.excluded:
        result.notes.append("Non estimé, couverture trop faible : " + " ; ".join(
            f"{s.label(names)} ({s.reason})" for s in result.excluded) + ".")
    if not used:
        result.unavailable = ("Couverture trop faible dans chaque strate : pas "
                              "d'estimation possible pour ce périmètre.")
        return result
    if amounts:
        _amounts(result, used, answers)
    else:
        _shares(result, used, answers)
    return result


def _in(stratum: Stratum, team_type: str, aci: Any, departement: str) -> bool:
    return (team_type == stratum.team_type and departement in stratum.departements
            and (stratum.aci is None or (not pd.isna(aci) and bool(aci) == stratum.aci)))


def _shares(result: Estimate, used: list[Stratum], answers: pd.DataFrame) -> None:
    rows = answers[answers["value"].notna()]
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t, d, a, value, n in zip(rows["team_type"], rows["departement"], rows["aci"],
                                 rows["value"], rows["teams"], strict=True):
        for i, s in enumerate(used):
            if _in(s, t, a, d):
                counts[str(value)][i] += int(n)
    respondents = sum(s.respondents for s in used)
    for value, by_stratum in counts.items():
        members = sum(by_stratum.values())
        triples = [(s.existing, s.respondents, by_stratum.get(i, 0))
                   for i, s in enumerate(used) if s.respondents]
        p, low, high = share_estimate(triples)
        result.shares.append(Share(value, members, members / respondents if respondents else 0,
                                   p * result.estimated_population, p, low, high))
    result.shares.sort(key=lambda s: (-s.estimated_share, s.value))


def _amounts(result: Estimate, used: list[Stratum], answers: pd.DataFrame) -> None:
    groups = [_Group(s.existing, s.members, []) for s in used]
    for t, d, a, x in zip(answers["team_type"], answers["departement"], answers["aci"],
                          answers["x"], strict=True):
        for i, s in enumerate(used):
            if _in(s, t, a, d):
                groups[i].amounts.append(float(x))
    groups = [g for g in groups if g.members]
    declared = [a for g in groups for a in g.amounts]
    if len(declared) < MIN_RESPONDENTS:
        result.unavailable = (f"{len(declared)} adhérente(s) déclarant un montant ACI : trop "
                              "peu pour une estimation.")
        return
    result.respondents = len(declared)
    result.estimated_teams = sum(g.existing / g.members * len(g.amounts) for g in groups)
    mean, variance, df = ratio_estimate(groups)
    half = t_quantile(df) * math.sqrt(max(variance, 0.0))
    plain_mean = sum(declared) / len(declared)
    result.amounts.append(Amount("mean", len(declared), plain_mean, mean, max(0.0, mean - half),
                                 mean + half))
    median, low, high = _median(groups)
    ordered = sorted(declared)
    middle = len(ordered) // 2
    plain_median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1]
                                                             + ordered[middle]) / 2
    result.amounts.append(Amount("median", len(declared), plain_median, median, low, high))


def unmatched_members(scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """The scope's member teams of the year that the year's list (of their type) does not
    hold, or holds under another name: for staff to check. Columns: name, team_type,
    departement, external_id."""
    where, params = scope_sql(scope, federation, alias="m", year=False)
    params["year"] = scope.year
    return store.query(f"""
        SELECT t.name, m.team_type, m.departement, t.external_id
        FROM memberships m JOIN teams t USING (team_id)
        WHERE m.year = $year AND {where}
          AND m.team_type IN (SELECT DISTINCT team_type FROM reference_teams WHERE year = $year)
          AND m.team_id NOT IN (SELECT team_id FROM reference_teams
                                WHERE year = $year AND team_id IS NOT NULL)
        ORDER BY m.departement, t.name""", params, db=db)
