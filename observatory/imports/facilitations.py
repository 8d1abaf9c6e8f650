"""Facilitation logs: one row per facilitation, possibly involving several teams (joined by ``;``).

Staff keep one growing spreadsheet, or one file per month. A new import REPLACES the
facilitations (and their team links) of the months present in the file and leaves the other
months alone; ``replace="year"`` (``--replace-year``) replaces every facilitation of the file's
years. An import that would remove more facilitations than it adds is refused unless that is
confirmed (``replace="confirm"`` or ``"year"``); the preview says how many it would remove.

Each team cited is matched to a known team by external id, else by normalised name within the
facilitation's département (never by name alone: two teams of one name in two départements are
two teams). An unknown team is created without any membership row: it is a facilitated team that
is not (yet) a member. Teams no longer cited by anything are removed, and counted in the report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import privacy, store, vocabulary
from observatory.formats import MONTHS
from observatory.imports import normalise as n
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Field, HeaderMatch
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Parsed,
    Row,
    checkbox_column,
    finish,
    outcome,
    outside_federation,
    rows_of,
    start_parse,
)
from observatory.imports.storage import (
    TeamIndex,
    delete_orphan_teams,
    id_key,
    insert_rows,
    looks_like_external_id,
    name_key,
    normalise_external_id,
)

FIELDS = (
    Field("date", "Date", ("Date", "Date de la facilitation", "Date de l'intervention"),
          required=True),
    Field("departement", "Département", (
        "Département", "Dept", "Dépt", "Dép", "N° département", "Code département"),
          required=True),
    Field("teams", "Équipe(s)", (
        "Équipe(s)", "Équipes", "Structure(s)", "Structures", "Équipe facilitée",
        "Équipes facilitées", "Nom de l'équipe", "Nom de la structure"), required=True),
    Field("team_type", "Type de structure", ("Type de structure", "Type d'équipe")),
    Field("team_profile", "Profil de l'équipe", ("Profil de l'équipe", "Stade", "Profil")),
    Field("kind", "Type de facilitation", (
        "Type de facilitation", "Nature", "Nature de la facilitation"), required=True),
    Field("facilitators", "Facilitateur(s)", ("Facilitateur(s)", "Facilitateurs", "Binôme")),
    Field("mode", "Format", ("Format", "Modalité")),
    Field("duration", "Durée (h)", (
        "Durée", "Durée (h)", "Durée en heures", "Temps passé", "Heures", "Nombre d'heures")),
    Field("volunteer", "Bénévole", ("Bénévole", "Temps bénévole", "Bénévolat")),
)


@dataclass
class Facilitation:
    """One facilitation as logged, normalised."""

    line: int
    date: dt.date | None  # None on a rejected row only
    departement: str
    teams: list[str]
    team_type: str | None
    team_profile: str | None
    kind: str
    mode: str | None
    facilitators: str | None
    duration: float | None = None  # hours
    volunteer: bool | None = None
    facilitator_keys: list[str] = dataclasses.field(default_factory=list)


# How a log joins the people of one facilitation (« Marie Curie / Paul Bert », « A et B »).
_PEOPLE = re.compile(r"\s*(?:[;,/&+\n]|\bet\b)\s*", re.IGNORECASE)


def facilitator_keys(cell: str) -> list[str]:
    """The people of a facilitators cell, each as a normalised name (case, accents and
    punctuation ignored): what counting distinct facilitators compares."""
    return list(dict.fromkeys(k for part in _PEOPLE.split(cell) if (k := n.team_name_key(part))))


def split_teams(cell: str) -> list[str]:
    """The teams of one facilitation: names or ids joined by ``;`` (or line breaks)."""
    seen, out = set(), []
    for part in _TEAM_SEPARATORS.split(cell):
        name = part.strip()
        key = n.team_name_key(name)
        if name and key not in seen:
            seen.add(key)
            out.append(name)
    return out


_TEAM_SEPARATORS = re.compile(r"[;\n]")


# What people also join teams with in one cell; a team's own name may hold them too
# ("Maison de santé Rhône et Loire"), so a cell is split only where its parts are known teams.
_JOINS = re.compile(r"(\s*,\s*|\s*/\s*|\s+et\s+|\s*&\s*)")
# The first words of a team's name: parts that all start so look like several teams.
_TEAM_WORDS = ("msp", "cpts", "esp", "cds", "maison", "pole", "centre", "equipe", "communaute")


def _segments(pieces: list[str], joins: list[str], known: Callable[[str], bool],
              start: int = 0) -> list[list[str]]:
    """The ways (at most two) of reading pieces[start:] as a run of known teams."""
    if start == len(pieces):
        return [[]]
    found: list[list[str]] = []
    text = ""
    for end in range(start, len(pieces)):
        text = pieces[end] if end == start else f"{text}{joins[end - 1]}{pieces[end]}"
        if known(text):
            for rest in _segments(pieces, joins, known, end + 1):
                found.append([text, *rest])
                if len(found) > 1:
                    return found
    return found


def split_joined(ref: str, known: Callable[[str], bool]) -> tuple[list[str], str | None]:
    """A cited team that may be several joined by ``,``, `` et ``, ``/`` or ``&``.

    Returns the teams and what to say: ``None`` (nothing to say), ``"split"`` (read as several
    known teams), ``"one"`` (kept as one unknown team: the report flags it) or an error message
    (the reading is ambiguous: the row is refused).
    """
    tokens = _JOINS.split(ref)
    pieces, joins = tokens[0::2], tokens[1::2]
    if len(pieces) < 2 or any(not p.strip() for p in pieces) or "(" in ref:
        return [ref], None
    readings = _segments(pieces, joins, known)
    if len(readings) == 1:
        return readings[0], (None if len(readings[0]) == 1 else "split")
    if readings:
        ways = " ou ".join(" + ".join(f"« {t} »" for t in r) for r in readings)
        return [ref], (f"« {ref} » se lit de deux façons ({ways}) : séparez les équipes "
                       "par « ; » pour dire lesquelles")
    unknown = [p for p in pieces if not known(p)]
    if len(unknown) < len(pieces) or all(
            n.team_name_key(p).split(" ")[0] in _TEAM_WORDS for p in pieces):
        return [ref], (f"« {ref} » : plusieurs équipes ? « {unknown[0]} » n'est pas une équipe "
                       "connue de ce département ; séparez les équipes par « ; » (ou écrivez "
                       "le nom exact de l'équipe)")
    return [ref], "one"


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a facilitation log (no store access)."""
    match, parsed = start_parse(table, FIELDS, "un journal des facilitations", options)
    parsed.extra["replace"] = options.replace
    excel = table.container == "xlsx"
    years = options.plausibility.years()
    rows = rows_of(table, match, {"duration": n.DECIMAL}, parsed.notes, dates=("date",))
    checkbox = checkbox_column(table, match.columns.get("volunteer"))
    hours_max = options.plausibility.facilitation_hours_max
    read: list[tuple[Row, Facilitation]] = []
    for row in rows:
        moment = row.require("date", row.date("date", excel, years), "date")
        # a log cites the same teams and people again and again: each cell is split once
        teams = list(_once(row, split_teams, row.text("teams")))
        for team in teams:
            if privacy.looks_like_formula(team):
                row.error(row.column("teams"), team, n.formula_message(team, "une équipe"))
        if not teams:
            row.require("teams", None, "équipe")
        record = Facilitation(
            line=row.line,
            date=moment.date() if moment else None,
            departement=row.require(
                "departement", row.parse("departement", n.parse_departement), "département"),
            teams=teams,
            team_type=row.parse("team_type", n.parse_team_type, facilitation=True),
            team_profile=row.parse("team_profile", n.parse_status),
            kind=row.require("kind", row.parse("kind", n.parse_kind), "type de facilitation"),
            mode=row.parse("mode", n.parse_mode),
            facilitators=row.text("facilitators") or None,
            duration=_duration(row, hours_max),
            volunteer=row.parse("volunteer", n.parse_yes_no, checkbox=checkbox),
            facilitator_keys=list(_once(row, facilitator_keys, row.text("facilitators"))),
        )
        read.append((row, record))
    _split_joined_teams(read, options, parsed)
    parsed.records = [record for row, record in read if not row.errors]
    finish(parsed, rows)
    months = covered_months(parsed.records)
    if months:
        parsed.notes.append(
            "Les facilitations déjà enregistrées pour " + months_text(months)
            + " seront remplacées par celles de ce fichier (les autres mois restent)."
            if options.replace != "year" else
            "Les facilitations déjà enregistrées pour " + ", ".join(
                str(y) for y in sorted({y for y, _ in months}))
            + " seront toutes remplacées par celles de ce fichier (--replace-year).")
    links = sum(len(r.teams) for r in parsed.records)
    parsed.notes.append(
        f"{len(parsed.records)} facilitation(s) valides citant {links} équipe(s)."
    )
    _people_notes(parsed, match)
    outside_federation(parsed, [r.departement for r in parsed.records], options)
    parsed.preview = pd.DataFrame([
        {"line": r.line, "date": r.date, "departement": r.departement,
         "teams": "; ".join(r.teams), "team_type": r.team_type, "team_profile": r.team_profile,
         "kind": r.kind, "mode": r.mode, "duration": r.duration, "volunteer": r.volunteer}
        for r in parsed.records[:20]
    ])
    return parsed


def _once(row: Row, split: Callable[[str], list[str]], cell: str) -> tuple[str, ...]:
    """``split(cell)``, computed once per distinct cell of the file (the rows' shared memo;
    the splitters raise nothing, so the outcome is always a value)."""
    return outcome(row.memo, (split, cell), lambda: tuple(split(cell)))[1]


def _duration(row: Row, hours_max: float) -> float | None:
    """The facilitation's duration in hours, when given: more than 0, at most ``hours_max``."""
    hours = row.number("duration", n.parse_duration)
    if hours == 0:
        row.error(row.column("duration"), row.text("duration"),
                  f"« {row.text('duration')} » n'est pas une durée plausible (une facilitation "
                  "dure plus de 0 heure ; laissez la case vide si la durée n'est pas connue)")
        return None
    return row.within("duration", hours, 0, hours_max,
                      "une durée plausible en heures (« 90 min » pour des minutes)")


def _people_notes(parsed: Parsed, match: HeaderMatch) -> None:
    """What the report says of the time and the people: never a facilitator's name."""
    records = parsed.records
    if "facilitators" in match.columns:
        people = {k for r in records for k in r.facilitator_keys}
        single = [r.line for r in records if any(" " not in k for k in r.facilitator_keys)]
        parsed.notes.append(f"{len(people)} facilitateur(s) distinct(s) cité(s) (leurs noms ne "
                            "sont jamais affichés ni exportés).")
        if single:
            parsed.notes.append(
                f"{len(single)} ligne(s) citent un facilitateur d'un seul mot (lignes "
                f"{', '.join(map(str, single[:10]))}{'…' if len(single) > 10 else ''}) : un "
                "prénom ou un nom seul est compté comme une autre personne que le nom complet ; "
                "écrivez « Prénom Nom » et séparez les personnes par « ; ».")
    if "duration" in match.columns:
        hours = sum(r.duration for r in records if r.duration is not None)
        missing = sum(1 for r in records if r.duration is None)
        parsed.notes.append(f"Durée : {n.plain_number(round(hours, 2))} heure(s) au total"
                            + (f", {missing} facilitation(s) sans durée" if missing else "")
                            + ".")
    if "volunteer" in match.columns:
        volunteer = [r for r in records if r.volunteer]
        hours = sum(r.duration for r in volunteer if r.duration is not None)
        parsed.notes.append(f"{len(volunteer)} facilitation(s) en temps bénévole"
                            + (f", {n.plain_number(round(hours, 2))} heure(s)"
                               if "duration" in match.columns else "") + ".")


def _split_joined_teams(read: list[tuple[Row, Facilitation]], options: Options,
                        parsed: Parsed) -> None:
    """Cells naming several teams with ``,``, `` et ``, ``/``: split where the parts are teams
    of the store or teams the file cites alone, in the facilitation's département."""
    joined = {t: bool(_JOINS.search(t)) for _, r in read for t in r.teams}
    alone = {(n.team_name_key(t), r.departement) for _, r in read for t in r.teams
             if not joined[t]}
    split, kept = [], []
    for row, record in read:
        if row.errors or not any(joined[t] for t in record.teams):
            continue
        dep = record.departement

        def known(name: str, dep: str = dep) -> bool:
            key = (n.team_name_key(name), dep)
            return looks_like_external_id(name) or key in alone or key in options.known_teams

        teams: list[str] = []
        for ref in record.teams:
            found, said = split_joined(ref, known)
            if said == "split":
                split.append(row.line)
            elif said == "one":
                kept.append(f"« {ref} » (ligne {row.line})")
            elif said is not None:
                row.error(row.column("teams"), row.text("teams"), said)
            teams += found
        record.teams = list(dict.fromkeys(teams))
    if split:
        parsed.notes.append(
            f"{len(split)} cellule(s) citant plusieurs équipes connues jointes par « , », "
            f"« et » ou « / » (lignes {', '.join(map(str, split[:10]))}"
            f"{'…' if len(split) > 10 else ''}) : lues comme autant d'équipes.")
    if kept:
        parsed.notes.append(
            "À vérifier : " + ", ".join(kept[:10]) + (" …" if len(kept) > 10 else "")
            + " : enregistrée(s) comme une seule équipe ; s'il s'agit de plusieurs équipes, "
            "séparez-les par « ; » et importez le fichier à nouveau.")


def covered_months(records: list[Facilitation]) -> list[tuple[int, int]]:
    """The (year, month) the file's facilitations fall in."""
    return sorted({(r.date.year, r.date.month) for r in records if r.date is not None})


def months_text(months: list[tuple[int, int]]) -> str:
    """``janvier à mars 2025, décembre 2025``: months in French, runs of a year merged."""
    by_year: dict[int, list[int]] = {}
    for year, month in months:
        by_year.setdefault(year, []).append(month)
    parts = []
    for year, ms in by_year.items():
        if len(ms) == 12:
            parts.append(f"toute l'année {year}")
            continue
        runs: list[list[int]] = []
        for m in ms:
            if runs and m == runs[-1][-1] + 1:
                runs[-1].append(m)
            else:
                runs.append([m])
        parts += [f"{MONTHS[r[0] - 1]} {year}" if len(r) == 1 else
                  f"{MONTHS[r[0] - 1]} à {MONTHS[r[-1] - 1]} {year}" for r in runs]
    return ", ".join(parts)


FACILITATION_SCHEMA = (
    ("facilitation_id", pa.int32()), ("fac_date", pa.date32()), ("year", pa.int32()),
    ("departement", pa.string()), ("team_type", pa.string()), ("team_profile", pa.string()),
    ("kind", pa.string()), ("mode", pa.string()), ("facilitators", pa.string()),
    ("batch_id", pa.int32()), ("source_line", pa.int32()), ("duration_hours", pa.float64()),
    ("volunteer", pa.bool_()), ("facilitator_keys", pa.list_(pa.string())),
)
LINK_SCHEMA = (("facilitation_id", pa.int32()), ("team_id", pa.int32()))


@dataclass
class Scope:
    """What one way of replacing would do: facilitations removed, added, kept, teams removed."""

    label: str  # "décembre 2025", "2025"
    removed: int = 0
    added: int = 0
    unchanged: int = 0
    teams_removed: int = 0

    def text(self) -> str:
        return (f"{self.label} : {self.removed} facilitation(s) enregistrée(s) retirée(s), "
                f"{self.added} ajoutée(s), {self.unchanged} inchangée(s)"
                + (f", {self.teams_removed} équipe(s) plus citée(s) nulle part retirée(s)"
                   if self.teams_removed else ""))


@dataclass
class Plan:
    """A log's replacement: by the months it covers (the default) or by its whole years."""

    months: Scope
    year: Scope
    month_list: list[tuple[int, int]]
    years: list[int]
    team_ids: list[list[int]]  # the teams of each record, as matched (or created in ``index``)
    index: TeamIndex

    def chosen(self, replace: str | None) -> Scope:
        return self.year if replace == "year" else self.months

    def summary(self) -> dict[str, Any]:
        """What the report keeps: both scopes, for the preview's choice."""
        return {"months": dataclasses.asdict(self.months), "year": dataclasses.asdict(self.year)}


def plan(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int = 0) -> Plan:
    """Match the file's teams and compare its facilitations with the stored ones (read only:
    teams to create are only held in the returned index)."""
    records = parsed.records
    index = TeamIndex(con, batch_id)
    team_ids = [list(dict.fromkeys(_team(index, ref, r) for ref in r.teams)) for r in records]
    months = covered_months(records)
    years = sorted({y for y, _ in months})
    stored = con.execute(
        "SELECT f.facilitation_id, f.fac_date, f.year, month(f.fac_date), f.departement, f.kind, "
        "list(ft.team_id ORDER BY ft.team_id) FILTER (WHERE ft.team_id IS NOT NULL) "
        "FROM facilitations f LEFT JOIN facilitation_teams ft USING (facilitation_id) "
        "WHERE list_contains(?, f.year) GROUP BY ALL", [years]).fetchall()
    new = Counter((r.date, r.departement, r.kind, tuple(sorted(ids)))
                  for r, ids in zip(records, team_ids, strict=True))
    covered = set(months)
    scopes = {}
    for name, rows in (("months", [s for s in stored if (s[2], s[3]) in covered]),
                       ("year", stored)):
        old = Counter((d, dep, kind, tuple(t or ())) for _, d, _, _, dep, kind, t in rows)
        same = sum((old & new).values())
        scope = Scope(months_text(months) if name == "months" else ", ".join(map(str, years)),
                      removed=len(rows) - same, added=len(records) - same, unchanged=same)
        scope.teams_removed = _orphans(con, [s[0] for s in rows],
                                       {t for ids in team_ids for t in ids})
        scopes[name] = scope
    return Plan(scopes["months"], scopes["year"], months, years, team_ids, index)


def _orphans(con: duckdb.DuckDBPyConnection, removed: list[int], cited: set[int]) -> int:
    """Teams that removing these facilitations would leave cited by nothing."""
    if not removed:
        return 0
    found = con.execute(
        "SELECT DISTINCT team_id FROM facilitation_teams WHERE list_contains($f, facilitation_id) "
        "AND team_id NOT IN (SELECT team_id FROM facilitation_teams "
        "                    WHERE NOT list_contains($f, facilitation_id)) "
        "AND team_id NOT IN (SELECT team_id FROM memberships) "
        "AND team_id NOT IN (SELECT team_id FROM fiches WHERE team_id IS NOT NULL) "
        "AND team_id NOT IN (SELECT team_id FROM projects WHERE team_id IS NOT NULL)",
        {"f": removed}).fetchall()
    return len({t for (t,) in found} - cited)


def refusal(scope: Scope, plan: Plan) -> str:
    """Why an import that removes more than it adds waits for a confirmation, in French."""
    return (f"Cet import retirerait {scope.removed} facilitation(s) déjà enregistrée(s) pour "
            f"{scope.label} et n'en ajouterait que {scope.added} : rien n'a été importé. Si c'est "
            "voulu (fichier corrigé, lignes rejetées…), confirmez-le : --confirm-deletions pour "
            f"remplacer seulement {plan.months.label} ({plan.months.removed} retirée(s)), ou "
            f"--replace-year pour remplacer toutes les facilitations de {plan.year.label} "
            f"({plan.year.removed} retirée(s)).")


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace what the file covers and link each facilitation to its teams → (notes, created)."""
    replace = parsed.extra.get("replace")
    found = plan(con, parsed, batch_id)
    parsed.extra["plan"] = found.summary()
    scope = found.chosen(replace)
    if scope.removed > scope.added and replace is None:
        raise ImportRefused(refusal(scope, found))
    if replace == "year":
        where, params = "list_contains(?, year)", [found.years]
    else:
        where = "list_contains(?, year * 100 + month(fac_date))"
        params = [[y * 100 + m for y, m in found.month_list]]
    replaced = store.scalar(con, f"SELECT count(*) FROM facilitations WHERE {where}", params)
    con.execute(
        "DELETE FROM facilitation_teams WHERE facilitation_id IN "
        f"(SELECT facilitation_id FROM facilitations WHERE {where})", params)
    con.execute(f"DELETE FROM facilitations WHERE {where}", params)
    # fetched whole: a pending result would block the bulk inserts on this connection
    next_id = con.execute(
        "SELECT coalesce(max(facilitation_id), 0) + 1 FROM facilitations").fetchall()[0][0]
    index = found.index
    facilitations, links = [], []
    for offset, (r, team_ids) in enumerate(zip(parsed.records, found.team_ids, strict=True)):
        fid = next_id + offset
        facilitations.append((
            fid, r.date, r.date.year, r.departement, r.team_type, r.team_profile, r.kind, r.mode,
            r.facilitators, batch_id, r.line, r.duration, r.volunteer,
            r.facilitator_keys or None,
        ))
        links += [(fid, tid) for tid in team_ids]
    index.flush()
    insert_rows(con, "facilitations", FACILITATION_SCHEMA, facilitations)
    insert_rows(con, "facilitation_teams", LINK_SCHEMA, links)
    removed = delete_orphan_teams(con)
    notes = []
    if replaced:
        notes.append(
            f"{replaced} facilitation(s) enregistrée(s) auparavant pour {scope.label} "
            f"remplacée(s) : {scope.removed} retirée(s), {scope.unchanged} inchangée(s), "
            f"{scope.added} nouvelle(s).")
    if index.created:
        shown = ", ".join(f"« {name} »" for name in index.created_names[:20])
        more = f" et {index.created - 20} autres" if index.created > 20 else ""
        notes.append(
            f"{index.created} équipe(s) facilitée(s) inconnue(s) créée(s) : elles ne sont pas "
            f"(encore) adhérentes ({shown}{more})."
        )
        namesakes = _namesakes(index)
        if namesakes:
            notes.append(
                "Même nom qu'une équipe d'un autre département, enregistrée(s) comme une autre "
                "équipe : " + ", ".join(namesakes[:20]) + (" …" if len(namesakes) > 20 else "")
                + " (un identifiant FINESS ou SIRET dans le journal les rapprocherait).")
    if removed:
        notes.append(f"{removed} équipe(s) qui n'étaient plus citées nulle part retirée(s).")
    return notes, index.created


def _namesakes(index: TeamIndex) -> list[str]:
    """The teams created whose name a team of another département already has."""
    out = []
    for team_id in index.created_ids:
        team = index.teams[team_id]
        others = sorted({index.teams[t].departement or "?" for t in index.by_name(team.name)
                         if t != team_id and index.teams[t].departement != team.departement})
        if others:
            out.append(f"« {team.name} » ({team.departement}, homonyme en {', '.join(others)})")
    return out


def _team(index: TeamIndex, ref: str, r: Facilitation) -> int:
    """A cited team: by external id, else by name in the département, else created."""
    external = normalise_external_id(ref) if looks_like_external_id(ref) else None
    if external is not None:
        found = index.by_external.get(external)
        if found is not None:
            return found
        return index.create(id_key(external), ref, external_id=external, departement=r.departement,
                            team_type=r.team_type if r.team_type in vocabulary.TEAM_TYPES else None)
    local = index.by_name(ref, r.departement)
    if local:
        return local[0]
    return index.create(name_key(ref, r.departement), ref, departement=r.departement,
                        team_type=r.team_type if r.team_type in vocabulary.TEAM_TYPES else None)
