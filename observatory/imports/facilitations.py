"""Facilitation logs: one row per facilitation, possibly involving several teams (joined by ``;``).

Staff keep one growing spreadsheet, so a new import of a log REPLACES every facilitation (and its
team links) of the years present in the file, and leaves the other years alone. Each team cited is
matched to a known team (external id, then normalised name within the facilitation's département,
then a unique normalised name anywhere); an unknown team is created without any membership row:
it is a facilitated team that is not (yet) a member. Teams no longer cited by anything are removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import privacy, store, vocabulary
from observatory.imports import normalise as n
from observatory.imports.normalise import Field
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Parsed,
    finish,
    match_or_refuse,
    outside_federation,
    rows_of,
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


def split_teams(cell: str) -> list[str]:
    """The teams of one facilitation: names or ids joined by ``;`` (or line breaks)."""
    seen, out = set(), []
    for part in re.split(r"[;\n]", cell):
        name = part.strip()
        if name and n.team_name_key(name) not in seen:
            seen.add(n.team_name_key(name))
            out.append(name)
    return out


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a facilitation log (no store access)."""
    match = match_or_refuse(table, FIELDS, "un journal des facilitations")
    parsed = Parsed(match.mapping, match.ignored, len(table.rows))
    excel = table.container == "xlsx"
    rows = rows_of(table, match)
    for row in rows:
        moment = row.require("date", row.parse("date", n.parse_date, excel_serial=excel), "date")
        teams = split_teams(row.text("teams"))
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
        )
        if not row.errors:
            parsed.records.append(record)
    finish(parsed, rows)
    years = sorted({r.date.year for r in parsed.records})
    if years:
        parsed.notes.append(
            "Les facilitations déjà enregistrées pour " + ", ".join(map(str, years))
            + " seront remplacées par celles de ce fichier (les autres années restent)."
        )
    links = sum(len(r.teams) for r in parsed.records)
    parsed.notes.append(
        f"{len(parsed.records)} facilitation(s) valides citant {links} équipe(s)."
    )
    outside_federation(parsed, [r.departement for r in parsed.records], options)
    parsed.preview = pd.DataFrame([
        {"line": r.line, "date": r.date, "departement": r.departement,
         "teams": "; ".join(r.teams), "team_type": r.team_type, "team_profile": r.team_profile,
         "kind": r.kind, "mode": r.mode}
        for r in parsed.records[:20]
    ])
    return parsed


FACILITATION_SCHEMA = (
    ("facilitation_id", pa.int32()), ("fac_date", pa.date32()), ("year", pa.int32()),
    ("departement", pa.string()), ("team_type", pa.string()), ("team_profile", pa.string()),
    ("kind", pa.string()), ("mode", pa.string()), ("facilitators", pa.string()),
    ("batch_id", pa.int32()), ("source_line", pa.int32()),
)
LINK_SCHEMA = (("facilitation_id", pa.int32()), ("team_id", pa.int32()))


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace the file's years and link each facilitation to its teams → (notes, teams created)."""
    years = sorted({r.date.year for r in parsed.records})
    replaced = store.scalar(
        con, "SELECT count(*) FROM facilitations WHERE list_contains(?, year)", [years])
    con.execute(
        "DELETE FROM facilitation_teams WHERE facilitation_id IN "
        "(SELECT facilitation_id FROM facilitations WHERE list_contains(?, year))", [years])
    con.execute("DELETE FROM facilitations WHERE list_contains(?, year)", [years])
    next_id = store.scalar(
        con, "SELECT coalesce(max(facilitation_id), 0) + 1 FROM facilitations")
    index = TeamIndex(con, batch_id)
    facilitations, links = [], []
    for offset, r in enumerate(parsed.records):
        fid = next_id + offset
        facilitations.append((
            fid, r.date, r.date.year, r.departement, r.team_type, r.team_profile, r.kind, r.mode,
            r.facilitators, batch_id, r.line,
        ))
        team_ids = dict.fromkeys(_team(index, ref, r) for ref in r.teams)
        links += [(fid, tid) for tid in team_ids]
    index.flush()
    insert_rows(con, "facilitations", FACILITATION_SCHEMA, facilitations)
    insert_rows(con, "facilitation_teams", LINK_SCHEMA, links)
    removed = delete_orphan_teams(con)
    notes = []
    if replaced:
        notes.append(
            f"{replaced} facilitation(s) enregistrée(s) auparavant pour ces années remplacées.")
    if index.created:
        shown = ", ".join(f"« {name} »" for name in index.created_names[:20])
        more = f" et {index.created - 20} autres" if index.created > 20 else ""
        notes.append(
            f"{index.created} équipe(s) facilitée(s) inconnue(s) créée(s) : elles ne sont pas "
            f"(encore) adhérentes ({shown}{more})."
        )
    if removed:
        notes.append(f"{removed} équipe(s) qui n'étaient plus citées nulle part retirée(s).")
    return notes, index.created


def _team(index: TeamIndex, ref: str, r: Facilitation) -> int:
    """A cited team: by external id, by name in the département, by unique name, else created."""
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
    anywhere = index.by_name(ref)
    if len(anywhere) == 1:
        return anywhere[0]
    return index.create(name_key(ref, r.departement), ref, departement=r.departement,
                        team_type=r.team_type if r.team_type in vocabulary.TEAM_TYPES else None)
