"""Existing teams, members or not (ARS, health insurance, FINESS): counts, or a list of teams.

Two formats of one kind (``observatory import references``):

- *counts*: one row per département, team type and year, how many teams exist, so that the map
  can show the share of them that are members. A new file replaces the counts of the same
  département, type and year; other counts stay.
- *list*: one row per existing team (name, type in full or as FINESS codes, commune, optional
  département, FINESS/SIRET, status or ACI signature date, CPTS communes). A new list replaces
  the year's teams of the départements and types it covers, and its counts per département and
  type (0 where it has none of a type it lists elsewhere): the frame of the estimates. Member
  teams are then matched to it (``match_members``), again after each membership import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import geo, store
from observatory.imports import mapping as mappings
from observatory.imports import normalise as n
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Field, header_key, match_headers
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Parsed,
    Row,
    finish,
    outside_federation,
    rows_of,
    start_parse,
)
from observatory.imports.storage import (
    TeamIndex,
    insert_rows,
    normalise_external_id,
)
from observatory.vocabulary import team_name_key

COUNT_FIELDS = (
    Field("departement", "Département", ("Département", "Dept", "Dép", "N° département"),
          required=True),
    Field("team_type", "Type de structure",
          ("Type de structure", "Type d'équipe", "Type d'exercice coordonné", "Type"),
          required=True),
    Field("teams", "Nombre d'équipes",
          ("Nombre d'équipes", "Nombre de structures", "Nombre", "Effectif", "Équipes existantes"),
          required=True),
    Field("year", "Année", ("Année",)),
    Field("source", "Source", ("Source", "Origine")),
)
# The headers ARS and Assurance Maladie lists use, and FINESS extractions (data.gouv.fr's
# « etalab » file: nofinesset, rs, categetab, commune on 3 digits with departement).
LIST_FIELDS = (
    Field("name", "Nom de l'équipe", (
        "Nom", "Raison sociale", "Nom de la structure", "Libellé", "Nom de l'établissement",
        "Nom de l'équipe", "Dénomination", "Raison sociale longue", "rslongue", "rs",
        "Libellé de l'établissement", "Structure"), required=True),
    Field("team_type", "Type de structure", (
        "Type", "Catégorie", "Type de structure", "Catégorie d'établissement",
        "Code catégorie", "Catégorie FINESS", "categetab", "Libellé catégorie", "libcategetab",
        "Type d'équipe", "Type d'exercice coordonné"), required=True),
    # declared before the commune: a file with both a code and a name column reads its code
    # as the commune and checks the name against it
    Field("commune_name", "Libellé commune", (
        "Libellé commune", "Nom de la commune", "Libellé de la commune", "libcommune")),
    Field("commune", "Commune", (
        "Commune", "Code commune", "Code INSEE", "Code INSEE commune", "Code officiel géographique",
        "COG", "Ville", "com_code", "Commune d'implantation"), required=True),
    Field("departement", "Département", (
        "Département", "Code département", "Dept", "Dép", "N° département", "departement")),
    Field("external_id", "N° FINESS", (
        "N° FINESS", "FINESS", "FINESS ET", "N° FINESS ET", "Numéro FINESS", "nofinesset",
        "FINESS géographique", "Identifiant")),
    Field("legal_id", "FINESS EJ ou SIRET", (
        "FINESS EJ", "N° FINESS EJ", "nofinessej", "FINESS juridique", "SIRET", "N° SIRET",
        "Numéro SIRET", "siret")),
    Field("status", "Statut", (
        "Statut", "Stade", "Statut ACI", "Signataire ACI", "ACI", "Signataire de l'ACI")),
    Field("aci_since", "Date de signature ACI", (
        "Date de signature ACI", "Date signature ACI", "Date ACI", "Date de signature de l'ACI",
        "Date d'adhésion à l'ACI")),
    Field("communes_covered", "Communes couvertes", (
        "Communes couvertes", "Territoire", "Périmètre", "Communes du territoire",
        "Codes communes", "Communes")),
    Field("year", "Année", ("Année",)),
    Field("source", "Source", ("Source", "Origine")),
)
# What the kind scoring, the reading layer and the report know of this kind: both formats.
FORMATS = (COUNT_FIELDS, LIST_FIELDS)
FIELDS = COUNT_FIELDS + tuple(f for f in LIST_FIELDS
                              if f.name not in {c.name for c in COUNT_FIELDS})
WHAT = {"counts": "un décompte des équipes existantes",
        "list": "une liste des équipes existantes"}

COUNT_MAX = 100_000  # existing teams of one type in one département: a sanity bound


@dataclass
class Count:
    line: int
    departement: str
    team_type: str
    year: int
    teams: int
    source: str | None


@dataclass
class Entry:
    """One existing team of a list."""

    line: int
    name: str
    team_type: str
    departement: str
    commune: str
    year: int
    external_id: str | None
    legal_id: str | None
    status: str | None
    aci: bool | None
    aci_since: dt.date | None
    source: str | None
    covered: list[str] = field(default_factory=list)


def _which(table: RawTable, options: Options) -> str:
    """``counts`` or ``list``: what the user's mapping names, else the columns found."""
    named: set[str] = set()
    for reference in (options.mapping or {}):
        key = header_key(reference)
        for fmt, fields in (("counts", COUNT_FIELDS), ("list", LIST_FIELDS)):
            if any(key in {header_key(s) for s in (f.name, f.label, *f.synonyms)}
                   for f in fields if f.name in ("teams", "name", "commune")):
                named.add(fmt)
    if len(named) == 1:
        return named.pop()
    saved = mappings.closest(options.saved_mappings, table.header)
    if saved is not None and ("name" in saved.columns or "teams" in saved.columns):
        return "list" if "name" in saved.columns else "counts"
    counts = match_headers(table.header, COUNT_FIELDS, by_keywords=True)
    listed = match_headers(table.header, LIST_FIELDS, by_keywords=True)
    if "teams" in counts.columns:
        return "counts"
    if "name" in listed.columns:
        return "list"
    found = {fmt: sum(1 for f in fields if f.required and f.name in m.columns)
             for fmt, fields, m in (("counts", COUNT_FIELDS, counts),
                                    ("list", LIST_FIELDS, listed))}
    return "list" if found["list"] > found["counts"] else "counts"


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a reference file, counts or list (no store access)."""
    if _which(table, options) == "list":
        return _parse_list(table, options)
    return _parse_counts(table, options)


def _parse_counts(table: RawTable, options: Options) -> Parsed:
    match, parsed = start_parse(table, COUNT_FIELDS, WHAT["counts"], options)
    parsed.extra["format"] = "counts"
    rows = rows_of(table, match, {"teams": n.INTEGER}, parsed.notes)
    seen: dict[tuple[str, str, int], int] = {}
    for row in rows:
        dep = row.require(
            "departement", row.parse("departement", n.parse_departement), "département")
        team_type = row.require("team_type", row.parse("team_type", n.parse_team_type), "type")
        teams = row.require("teams", row.within(
            "teams", row.number("teams", n.parse_int), 0, COUNT_MAX,
            "un nombre d'équipes plausible"), "nombre d'équipes")
        year = _year(row, options)
        if row.errors:
            continue
        key = (dep, team_type, year)
        if key in seen:
            row.error(row.column("teams"), row.text("teams"),
                      f"décompte en double : même département, type et année que la ligne "
                      f"{seen[key]}")
            continue
        seen[key] = row.line
        parsed.records.append(Count(row.line, dep, team_type, year, teams,
                                    row.text("source") or options.file_name))
    finish(parsed, rows)
    outside_federation(parsed, [c.departement for c in parsed.records], options)
    parsed.preview = pd.DataFrame([
        {"line": c.line, "departement": c.departement, "team_type": c.team_type,
         "year": c.year, "teams": c.teams, "source": c.source}
        for c in parsed.records[:20]
    ])
    return parsed


def _year(row: Row, options: Options) -> int:
    if options.year is not None:
        return options.year
    return row.require("year", row.parse("year", n.parse_year,
                                         years=options.plausibility.years()),
                       "année (ou --year)")


_COMMUNE_LIST = re.compile(r"[;,\s]+")


def _parse_list(table: RawTable, options: Options) -> Parsed:
    fields: tuple[Field, ...] = LIST_FIELDS
    keys = {header_key(h) for h in table.header}
    name_keys = {header_key(s) for s in LIST_FIELDS[2].synonyms + (LIST_FIELDS[2].label,)}
    code_keys = {header_key(s) for s in LIST_FIELDS[3].synonyms + (LIST_FIELDS[3].label,)}
    if not keys & code_keys and keys & name_keys:
        # only a commune name column: it is the commune
        fields = tuple(Field(f.name, f.label, f.synonyms + LIST_FIELDS[2].synonyms, f.required)
                       if f.name == "commune" else f
                       for f in LIST_FIELDS if f.name != "commune_name")
    match, parsed = start_parse(table, fields, WHAT["list"], options)
    parsed.extra["format"] = "list"
    parsed.extra["file_name"] = options.file_name
    if options.year is None and "year" not in match.columns:
        raise ImportRefused("Année inconnue : la liste n'a pas de colonne « Année » ; indiquez "
                            "l'année de la liste à l'import (--year).")
    excel = table.container == "xlsx"
    rows = rows_of(table, match, None, parsed.notes, dates=("aci_since",))
    seen: dict[tuple, int] = {}
    ignored_perimeters = 0
    for row in rows:
        entry = _entry(row, options, excel)
        if entry is None or row.errors:
            continue
        if entry.covered and entry.team_type != "CPTS":
            ignored_perimeters += 1
            entry.covered = []
        keys_of: list[tuple] = [("id", entry.year, entry.external_id)] if entry.external_id else []
        keys_of.append(("name", entry.year, team_name_key(entry.name), entry.commune,
                        entry.team_type))
        twice = next((k for k in keys_of if k in seen), None)
        if twice is not None:
            what = "même FINESS" if twice[0] == "id" else "même nom, type et commune"
            row.error(row.column("external_id" if twice[0] == "id" else "name"),
                      entry.external_id if twice[0] == "id" else entry.name,
                      f"équipe en double dans la liste ({what} que la ligne {seen[twice]})")
            continue
        for k in keys_of:
            seen[k] = row.line
        parsed.records.append(entry)
    finish(parsed, rows)
    if ignored_perimeters:
        parsed.notes.append(f"{ignored_perimeters} ligne(s) qui ne sont pas des CPTS donnent des "
                            "communes couvertes : seules celles des CPTS sont gardées.")
    _status_note(parsed)
    outside_federation(parsed, [e.departement for e in parsed.records], options)
    parsed.preview = pd.DataFrame([
        {"line": e.line, "name": e.name, "team_type": e.team_type, "departement": e.departement,
         "commune": e.commune, "external_id": e.external_id, "status": e.status, "aci": e.aci,
         "aci_since": e.aci_since, "communes_covered": len(e.covered) or None, "year": e.year}
        for e in parsed.records[:20]])
    return parsed


def _entry(row: Row, options: Options, excel: bool) -> Entry | None:
    name = row.require("name", row.name("name", "un nom d'équipe"), "nom de l'équipe")
    team_type = row.require("team_type", row.parse("team_type", n.parse_reference_type),
                            "type de structure")
    errors = len(row.errors)
    given = row.parse("departement", n.parse_departement)
    if len(row.errors) > errors:
        return None  # the commune cannot be read without its département
    commune = row.require("commune", row.parse("commune", n.parse_commune, departement=given),
                          "commune")
    if commune and "commune_name" in row.match.columns and row.text("commune_name"):
        dep = geo.commune_departement(commune)
        named = row.parse("commune_name", n.parse_commune, departement=dep)
        if named is not None and named != commune:
            row.error(row.column("commune_name"), row.text("commune_name"),
                      f"« {row.text('commune_name')} » ({named}) n'est pas la commune du code "
                      f"« {row.text('commune')} » ({commune}) : un code postal pris pour un "
                      "code INSEE ?")
    year = _year(row, options)
    found = row.parse("status", n.parse_aci_status)
    status, aci = found if found else (None, None)
    since = row.date("aci_since", excel, options.plausibility.years())
    if since is not None:
        if aci is False:
            row.error(row.column("aci_since"), row.text("aci_since"),
                      f"date de signature ACI pour une équipe dite « {row.text('status')} »")
        status, aci = status or "sous_aci", True
    covered = []
    for code in _COMMUNE_LIST.split(row.text("communes_covered")):
        if not code:
            continue
        try:
            found_code = n.parse_commune(code)
        except ValueError as exc:
            row.error(row.column("communes_covered"), code, str(exc))
            continue
        if found_code is not None:
            covered.append(found_code)
    if row.errors or not (name and team_type and commune and year):
        return None
    return Entry(row.line, name, team_type, given or geo.commune_departement(commune), commune,
                 year, normalise_external_id(row.name("external_id", "un identifiant")),
                 normalise_external_id(row.name("legal_id", "un identifiant")), status, aci,
                 since.date() if since else None, row.text("source") or options.file_name,
                 list(dict.fromkeys(covered)))


def _status_note(parsed: Parsed) -> None:
    """Whether the list says which teams are under ACI: the estimates use it when every team of
    a type has it."""
    by_type: dict[str, list[bool | None]] = defaultdict(list)
    for e in parsed.records:
        by_type[e.team_type].append(e.aci)
    unknown = {t: sum(1 for a in v if a is None) for t, v in by_type.items()}
    if any(len(v) > unknown[t] for t, v in by_type.items()):
        parts = [f"{t} : {len(v) - unknown[t]} sur {len(v)}" for t, v in sorted(by_type.items())]
        parsed.notes.append("Statut ACI connu par la liste (" + ", ".join(parts) + ") ; les "
                            "estimations séparent les équipes sous ACI des autres pour les types "
                            "dont toutes les équipes ont ce statut.")


# -- writing ----------------------------------------------------------------------------------
SCHEMA = (
    ("departement", pa.string()), ("team_type", pa.string()), ("year", pa.int32()),
    ("teams", pa.int32()), ("source", pa.string()), ("from_list", pa.bool_()),
)
ENTRY_SCHEMA = (
    ("year", pa.int32()), ("ref_id", pa.int32()), ("name", pa.string()),
    ("team_type", pa.string()), ("departement", pa.string()), ("commune", pa.string()),
    ("external_id", pa.string()), ("legal_id", pa.string()), ("status", pa.string()),
    ("aci", pa.bool_()), ("aci_since", pa.date32()), ("source", pa.string()),
    ("batch_id", pa.int32()), ("source_line", pa.int32()),
)
COVERED_SCHEMA = (("year", pa.int32()), ("ref_id", pa.int32()), ("commune", pa.string()))


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    if parsed.extra.get("format") == "list":
        return _write_list(con, parsed, batch_id), 0
    return _write_counts(con, parsed.records), 0


_CELL = "list_contains(?, departement || '|' || team_type || '|' || CAST(year AS VARCHAR))"


def _write_counts(con: duckdb.DuckDBPyConnection, counts: list[Count],
                  from_list: bool = False) -> list[str]:
    """Replace the counts of the same département, type and year."""
    keys = [f"{c.departement}|{c.team_type}|{c.year}" for c in counts]
    replaced = store.scalar(con, f"SELECT count(*) FROM reference_team_counts WHERE {_CELL}",
                            [keys])
    listed = store.scalar(
        con, f"SELECT count(*) FROM reference_team_counts WHERE {_CELL} AND from_list", [keys])
    con.execute(f"DELETE FROM reference_team_counts WHERE {_CELL}", [keys])
    insert_rows(con, "reference_team_counts", SCHEMA, [
        (c.departement, c.team_type, c.year, c.teams, c.source, from_list) for c in counts])
    notes = [f"{replaced} décompte(s) déjà présent(s) remplacé(s)."] if replaced else []
    if listed and not from_list:
        notes.append(f"dont {listed} tiré(s) d'une liste des équipes existantes : la liste reste, "
                     "mais ce décompte la remplace comme nombre d'équipes existantes.")
    return notes


def _write_list(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> list[str]:
    """Replace the year's teams of the départements and types the list covers, derive its
    counts, then match the members of its years to it."""
    entries: list[Entry] = parsed.records
    notes: list[str] = []
    years = sorted({e.year for e in entries})
    for year in years:
        mine = [e for e in entries if e.year == year]
        deps = sorted({e.departement for e in mine})
        types = sorted({e.team_type for e in mine})
        cells = [f"{d}|{t}" for d in deps for t in types]
        where = "year = ? AND list_contains(?, departement || '|' || team_type)"
        before = store.scalar(con, f"SELECT count(*) FROM reference_teams WHERE {where}",
                              [year, cells])
        con.execute("DELETE FROM reference_team_communes c USING reference_teams r WHERE "
                    "c.year = r.year AND c.ref_id = r.ref_id AND r.year = ? AND "
                    "list_contains(?, r.departement || '|' || r.team_type)", [year, cells])
        con.execute(f"DELETE FROM reference_teams WHERE {where}", [year, cells])
        start = store.scalar(
            con, "SELECT coalesce(max(ref_id), 0) + 1 FROM reference_teams WHERE year = ?", [year])
        rows, covered = [], []
        for i, e in enumerate(mine):
            rows.append((year, start + i, e.name, e.team_type, e.departement, e.commune,
                         e.external_id, e.legal_id, e.status, e.aci, e.aci_since, e.source,
                         batch_id, e.line))
            covered += [(year, start + i, c) for c in e.covered]
        insert_rows(con, "reference_teams", ENTRY_SCHEMA, rows)
        insert_rows(con, "reference_team_communes", COVERED_SCHEMA, covered)
        per_cell: dict[tuple[str, str], int] = defaultdict(int)
        for e in mine:
            per_cell[(e.departement, e.team_type)] += 1
        source = f"liste : {parsed.extra.get('file_name') or mine[0].source or ''}".strip()
        counts = [Count(0, d, t, year, per_cell.get((d, t), 0), source)
                  for d in deps for t in types]
        replaced = _write_counts(con, counts, from_list=True)
        notes.append(
            f"Liste {year} : {len(mine)} équipe(s) existante(s) ({', '.join(types)}) dans "
            f"{len(deps)} département(s)" + (f", remplaçant les {before} de la liste déjà "
                                             "chargée pour ces départements et types"
                                             if before else "") + " ; nombre d'équipes "
            "existantes par département et type tiré de la liste (0 là où elle n'en compte "
            "aucune d'un type qu'elle recense ailleurs).")
        notes += [f"Liste {year} : {r}" for r in replaced]
    notes += match_members(con, years, batch_id)
    return notes


# -- matching member teams to the list --------------------------------------------------------
SHOWN_UNMATCHED = 30  # names listed in an import report; the Portrait page lists them all


@dataclass
class Matching:
    """How the member teams of one year were matched to that year's list."""

    year: int
    members: int = 0  # of the types the list covers
    by_id: int = 0
    by_name: int = 0
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)  # name, dép., type
    other_types: int = 0  # members of a type the list does not cover

    def note(self) -> str:
        text = (f"Rapprochement avec la liste {self.year} : {self.by_id + self.by_name} des "
                f"{self.members} équipe(s) adhérente(s) des types qu'elle recense retrouvée(s) "
                f"(par identifiant : {self.by_id}, par nom et commune ou département : "
                f"{self.by_name})")
        if self.other_types:
            text += f" ; {self.other_types} adhérente(s) d'un type qu'elle ne recense pas"
        if self.unmatched:
            shown = ", ".join(f"« {name} » ({dep}, {kind})"
                              for name, dep, kind in self.unmatched[:SHOWN_UNMATCHED])
            more = len(self.unmatched) - SHOWN_UNMATCHED
            text += (f". Non retrouvée(s), à vérifier (nom différent, ou absente de la "
                     f"liste) : {shown}" + (f" et {more} autre(s)" if more > 0 else ""))
        return text + "."


MATCH_SCHEMA = (("year", pa.int32()), ("ref_id", pa.int32()), ("team_id", pa.int32()),
                ("matched_by", pa.string()))


def match_members(con: duckdb.DuckDBPyConnection, years: list[int], batch_id: int) -> list[str]:
    """Match the member teams of ``years`` to those years' lists, in the write transaction:
    by FINESS/SIRET (either of the list's two identifiers), else by normalised name within
    the département (same type; same commune when both are known). A name several members or
    several list teams share is left unmatched. Returns one note per year with a list."""
    index = TeamIndex(con, batch_id)
    notes = []
    for year in years:
        refs = con.execute(
            "SELECT ref_id, name, team_type, departement, commune, external_id, legal_id "
            "FROM reference_teams WHERE year = ? ORDER BY ref_id", [year]).fetchall()
        if not refs:
            continue
        members = {team_id: (team_type, dep, commune) for team_id, team_type, dep, commune in
                   con.execute("SELECT team_id, team_type, departement, commune_code "
                               "FROM memberships WHERE year = ?", [year]).fetchall()}
        matching = Matching(year)
        types = {r[2] for r in refs}
        matching.other_types = sum(1 for t, _, _ in members.values() if t not in types)
        matching.members = len(members) - matching.other_types
        pairs: dict[int, tuple[int, str]] = {}  # ref_id -> (team_id, how)
        taken: set[int] = set()
        for ref_id, _, _, _, _, external_id, legal_id in refs:
            for key in (external_id, legal_id):
                team_id = index.by_external.get(key) if key else None
                if team_id is not None and team_id in members and team_id not in taken:
                    pairs[ref_id] = (team_id, "id")
                    taken.add(team_id)
                    break
        left = [r for r in refs if r[0] not in pairs]
        namesakes = Counter((r[3], r[2], team_name_key(r[1])) for r in left)
        for ref_id, name, team_type, dep, commune, _, _ in left:
            found = [t for t in index.by_name(name, dep) if t in members and t not in taken
                     and members[t][0] == team_type
                     and members[t][2] in (None, commune)]
            if len(found) == 1 and namesakes[(dep, team_type, team_name_key(name))] == 1:
                pairs[ref_id] = (found[0], "name")
                taken.add(found[0])
        matching.by_id = sum(1 for _, how in pairs.values() if how == "id")
        matching.by_name = len(pairs) - matching.by_id
        matching.unmatched = sorted(
            (index.teams[t].name, dep, team_type) for t, (team_type, dep, _) in members.items()
            if t not in taken and team_type in types)
        con.execute("UPDATE reference_teams SET team_id = NULL, matched_by = NULL WHERE year = ?",
                    [year])
        con.execute("CREATE TEMP TABLE _matches (year INTEGER, ref_id INTEGER, team_id INTEGER, "
                    "matched_by VARCHAR)")
        insert_rows(con, "_matches", MATCH_SCHEMA,
                    [(year, ref_id, t, how) for ref_id, (t, how) in pairs.items()])
        con.execute("UPDATE reference_teams r SET team_id = m.team_id, matched_by = m.matched_by "
                    "FROM _matches m WHERE r.year = m.year AND r.ref_id = m.ref_id")
        con.execute("DROP TABLE _matches")
        notes.append(matching.note())
    return notes


def list_years(con: duckdb.DuckDBPyConnection, years: list[int]) -> list[int]:
    """Those of ``years`` that have a list of existing teams (their members are matched)."""
    return [y for (y,) in con.execute(
        "SELECT DISTINCT year FROM reference_teams WHERE list_contains(?, year) ORDER BY year",
        [years]).fetchall()]
