"""Reference counts of existing teams per département and type (ARS, health insurance, FINESS).

One row per département, team type and year: how many teams exist, members or not, so that the
map can show the share of them that are members. A new file replaces the counts of the same
département, type and year; other counts stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import store
from observatory.imports import normalise as n
from observatory.imports.normalise import Field
from observatory.imports.reading import RawTable
from observatory.imports.rows import Options, Parsed, finish, outside_federation, rows_of, start_parse
from observatory.imports.storage import insert_rows

FIELDS = (
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


COUNT_MAX = 100_000  # existing teams of one type in one département: a sanity bound


@dataclass
class Count:
    line: int
    departement: str
    team_type: str
    year: int
    teams: int
    source: str | None


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a reference-count file (no store access)."""
    match, parsed = start_parse(table, FIELDS, "un décompte des équipes existantes", options)
    rows = rows_of(table, match, {"teams": n.INTEGER}, parsed.notes)
    seen: dict[tuple[str, str, int], int] = {}
    for row in rows:
        dep = row.require(
            "departement", row.parse("departement", n.parse_departement), "département")
        team_type = row.require("team_type", row.parse("team_type", n.parse_team_type), "type")
        teams = row.require("teams", row.within(
            "teams", row.number("teams", n.parse_int), 0, COUNT_MAX,
            "un nombre d'équipes plausible"), "nombre d'équipes")
        year = options.year if options.year is not None else row.require(
            "year", row.parse("year", n.parse_year, years=options.plausibility.years()),
            "année (ou --year)")
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


SCHEMA = (
    ("departement", pa.string()), ("team_type", pa.string()), ("year", pa.int32()),
    ("teams", pa.int32()), ("source", pa.string()),
)


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace the counts of the same département, type and year."""
    keys = [f"{c.departement}|{c.team_type}|{c.year}" for c in parsed.records]
    where = "list_contains(?, departement || '|' || team_type || '|' || CAST(year AS VARCHAR))"
    replaced = store.scalar(con, f"SELECT count(*) FROM reference_team_counts WHERE {where}",
                           [keys])
    con.execute(f"DELETE FROM reference_team_counts WHERE {where}", [keys])
    insert_rows(con, "reference_team_counts", SCHEMA, [
        (c.departement, c.team_type, c.year, c.teams, c.source) for c in parsed.records])
    return ([f"{replaced} décompte(s) déjà présent(s) remplacé(s)."] if replaced else []), 0
