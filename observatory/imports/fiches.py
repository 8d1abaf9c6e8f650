"""Capitalisation fiches: one row per remarkable action; ``fiche_id`` = slug(title)-département.

Re-importing a fiche with the same id replaces it; other fiches stay. The team is linked when its
name matches a known team (the département's first, else a unique one), never created.
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
from observatory.imports.rows import (
    Options,
    Parsed,
    finish,
    outside_federation,
    rows_of,
    start_parse,
)
from observatory.imports.storage import TeamIndex, insert_rows

FIELDS = (
    Field("title", "Titre", ("Titre", "Titre de l'action", "Action"), required=True),
    Field("team_name", "Équipe", ("Équipe", "Structure", "Nom de l'équipe", "Nom de la structure")),
    Field("departement", "Département", ("Département", "Dept", "Dép"), required=True),
    Field("theme", "Thème", ("Thème", "Thématique")),
    Field("year", "Année", ("Année",)),
    Field("summary", "Résumé", ("Résumé", "Synthèse")),
    Field("body", "Description", ("Description", "Texte", "Contenu")),
)


@dataclass
class Fiche:
    line: int
    fiche_id: str
    title: str
    team_name: str | None
    departement: str
    theme: str | None
    year: int | None
    summary: str | None
    body: str | None


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a fiches file (no store access)."""
    match, parsed = start_parse(table, FIELDS, "un fichier de fiches de capitalisation", options)
    rows = rows_of(table, match)
    seen: dict[str, int] = {}
    for row in rows:
        title = row.require("title", row.text("title"), "titre")
        dep = row.require(
            "departement", row.parse("departement", n.parse_departement), "département")
        year = row.parse("year", n.parse_year, years=options.plausibility.years())
        if row.errors:
            continue
        fiche_id = f"{n.slugify(title)}-{dep.lower()}"
        if fiche_id in seen:
            row.error(row.column("title"), title,
                      f"fiche en double : même titre et département que la ligne {seen[fiche_id]}")
            continue
        seen[fiche_id] = row.line
        parsed.records.append(Fiche(
            row.line, fiche_id, title, row.text("team_name") or None, dep,
            row.text("theme") or None, year, row.text("summary") or None,
            row.text("body") or None,
        ))
    finish(parsed, rows)
    outside_federation(parsed, [f.departement for f in parsed.records], options)
    parsed.preview = pd.DataFrame([
        {"line": f.line, "fiche_id": f.fiche_id, "title": f.title, "team_name": f.team_name,
         "departement": f.departement, "theme": f.theme, "year": f.year, "summary": f.summary}
        for f in parsed.records[:20]
    ])
    return parsed


FICHE_SCHEMA = (
    ("fiche_id", pa.string()), ("title", pa.string()), ("team_name", pa.string()),
    ("team_id", pa.int32()), ("departement", pa.string()), ("theme", pa.string()),
    ("year", pa.int32()), ("summary", pa.string()), ("body", pa.string()), ("batch_id", pa.int32()),
)


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace the fiches of the same ids, linking each to its team when the name is known."""
    index = TeamIndex(con, batch_id)
    ids = [f.fiche_id for f in parsed.records]
    replaced = store.scalar(
        con, "SELECT count(*) FROM fiches WHERE list_contains(?, fiche_id)", [ids])
    con.execute("DELETE FROM fiches WHERE list_contains(?, fiche_id)", [ids])
    rows = []
    for f in parsed.records:
        team_id = None
        if f.team_name:
            # a name is a team only with its département: namesakes elsewhere are other teams
            local = index.by_name(f.team_name, f.departement)
            team_id = local[0] if local else None
        rows.append((f.fiche_id, f.title, f.team_name, team_id, f.departement, f.theme, f.year,
                     f.summary, f.body, batch_id))
    insert_rows(con, "fiches", FICHE_SCHEMA, rows)
    return ([f"{replaced} fiche(s) déjà présente(s) remplacée(s)."] if replaced else []), 0
