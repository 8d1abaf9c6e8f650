"""Project follow-up sheets: one row per project, the date of each stage it reached.

Staff keep one sheet for the region, or one per département: a new import REPLACES the projects
of the départements the file covers and leaves the others alone. A project absent from the new
file in a covered département is removed; an import that would remove more projects than it
adds waits for a confirmation (``replace="confirm"``). A project is known by its FINESS/SIRET
(or other identifier) when the sheet gives one, else by its name within its département.

A project is linked to its team once one exists (same identifier, else same name in the
département), never creates one: a project is not (yet) a team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple, dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import geo
from observatory.config import Federation
from observatory.imports import normalise as n
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Field
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Parsed,
    Row,
    checkbox_column,
    finish,
    outside_federation,
    rows_of,
    start_parse,
)
from observatory.imports.storage import TeamIndex, id_key, insert_rows, name_key, normalise_external_id
from observatory.vocabulary import STAGE_LABELS, STAGES

WHAT = "un suivi des projets"
ACCOMPANIED = ("Accompagné par la fédération", "Accompagnement", "Accompagné", "Accompagnée",
               "Accompagnement par la fédération", "Accompagné par la fédé",
               "Suivi par la fédération")
FIELDS = (
    Field("name", "Projet", ("Projet", "Nom du projet", "Équipe", "Structure", "Nom de l'équipe",
                             "Nom de la structure", "Équipe ou projet"), required=True),
    Field("team_type", "Type de structure", ("Type", "Type de structure", "Type de projet",
                                             "Type d'exercice coordonné"), required=True),
    Field("departement", "Département", ("Département", "Dept", "Dép", "N° département",
                                         "Code département"), required=True),
    Field("commune", "Commune", ("Commune", "Ville", "Code commune", "Code INSEE",
                                 "Commune d'implantation")),
    Field("accompanied", "Accompagné par la fédération", ACCOMPANIED),
    Field("first_contact", STAGE_LABELS["first_contact"], (
        "Premier contact", "Date du premier contact", "1er contact"), required=True),
    Field("awareness", STAGE_LABELS["awareness"], (
        "Sensibilisation", "Date de sensibilisation", "Réunion de sensibilisation")),
    Field("filed", STAGE_LABELS["filed"], (
        "Projet de santé déposé", "Dépôt du projet de santé", "Projet déposé", "Dépôt ARS",
        "Date de dépôt")),
    Field("validated", STAGE_LABELS["validated"], (
        "Projet validé (ARS)", "Projet validé", "Projet de santé validé", "Validation ARS",
        "Date de validation", "Labellisation"), required=True),
    Field("aci_signed", STAGE_LABELS["aci_signed"], (
        "Signature ACI", "Signature de l'ACI", "ACI signé", "Date de signature ACI")),
    Field("external_id", "Identifiant", ("FINESS", "N° FINESS", "SIRET", "Identifiant")),
)


def fields(federation: Federation | None) -> tuple[Field, ...]:
    """The fields, « Accompagné par Fécop » and the like read as the accompaniment column."""
    if federation is None:
        return FIELDS
    own = tuple(f"{word} {federation.name}" for word in (
        "Accompagné par", "Accompagnement", "Accompagné", "Suivi par"))
    return tuple(Field(f.name, f.label, f.synonyms + own, f.required, f.multi)
                 if f.name == "accompanied" else f for f in FIELDS)


@dataclass
class Project:
    """One project as the sheet follows it, normalised."""

    line: int
    key: str
    name: str
    team_type: str
    departement: str
    commune: str | None  # INSEE code
    accompanied: bool | None
    external_id: str | None
    first_contact: dt.date | None
    awareness: dt.date | None
    filed: dt.date | None
    validated: dt.date | None
    aci_signed: dt.date | None

    def content(self) -> tuple:
        """What the store keeps of it (to tell an unchanged project from an updated one)."""
        return astuple(self)[2:]


# Stages that follow each other: a later one is never dated before an earlier one. Awareness
# may come before the first contact (a public session, then the team asks for help).
_ORDER = (("first_contact", "filed"), ("awareness", "filed"), ("filed", "validated"),
          ("first_contact", "validated"), ("validated", "aci_signed"),
          ("first_contact", "aci_signed"))


def _commune(row: Row, departement: str | None) -> tuple[str | None, str | None]:
    """(INSEE code, département) of the row's commune; an unknown or ambiguous one is an error."""
    text = row.text("commune")
    if not text:
        return None, departement
    codes = geo.find_communes(text, departement)
    if len(codes) == 1:
        code = codes[0]
        return code, departement or geo.commune_points([code])["departement"].iloc[0]
    where = f" du département {departement}" if departement else ""
    if codes:
        row.error(row.column("commune"), text,
                  f"« {text} » : plusieurs communes portent ce nom ; indiquez le département "
                  "ou le code INSEE de la commune")
    else:
        row.error(row.column("commune"), text, f"« {text} » n'est pas une commune connue{where} "
                  "(nom officiel ou code INSEE à 5 caractères)")
    return None, departement


def _dates(row: Row, excel: bool, years: range, today: dt.date) -> dict[str, dt.date | None]:
    """The date of each stage reached; a later stage dated before an earlier one is an error."""
    dates: dict[str, dt.date | None] = {}
    for stage in STAGES:
        moment = row.date(stage, excel, years)
        day = moment.date() if moment else None
        if day is not None and day > today:
            row.error(row.column(stage), row.text(stage),
                      f"« {row.text(stage)} » est une date à venir : une étape est datée une fois "
                      "atteinte (laissez la case vide d'ici là)")
            day = None
        dates[stage] = day
    for before, after in _ORDER:
        a, b = dates[before], dates[after]
        if a is not None and b is not None and b < a:
            row.error(row.column(after), row.text(after),
                      f"« {row.text(after)} » précède la date de l'étape « {STAGE_LABELS[before]} »"
                      f" ({row.text(before)}) : les étapes se suivent, l'une des deux dates est "
                      "sans doute erronée")
    if not row.errors and not any(dates.values()):
        row.error(row.column("first_contact"), "",
                  "aucune étape datée : indiquez au moins la date du premier contact")
    return dates


def parse(table: RawTable, options: Options, today: dt.date | None = None) -> Parsed:
    """Read and validate a project follow-up sheet (no store access)."""
    match, parsed = start_parse(table, fields(options.federation), WHAT, options)
    parsed.extra["replace"] = options.replace
    rows = rows_of(table, match, None, parsed.notes, dates=STAGES)
    excel = table.container == "xlsx"
    years = options.plausibility.years()
    today = today or dt.date.today()
    checkbox = checkbox_column(table, match.columns.get("accompanied"))
    seen: dict[str, int] = {}
    for row in rows:
        name = row.require("name", row.name("name", "un nom de projet"), "projet")
        team_type = row.require("team_type", row.parse("team_type", n.parse_team_type), "type")
        departement = row.parse("departement", n.parse_departement)
        commune = None
        if not row.errors or departement is not None:
            commune, departement = _commune(row, departement)
        departement = row.require("departement", departement, "département")
        accompanied = row.parse("accompanied", n.parse_yes_no, checkbox=checkbox)
        dates = _dates(row, excel, years, today)
        written = row.text("external_id")
        external = normalise_external_id(written) if written else None
        key = (id_key(external) if external else
               name_key(name, departement) if name and departement else None)
        if row.errors or key is None:
            if key is not None:  # its stored project stays: the row could not replace it
                parsed.extra.setdefault("kept", set()).add(key)
            continue
        if key in seen:
            row.error(row.column("name"), name,
                      f"projet en double : même {'identifiant' if external else 'nom et département'}"
                      f" que la ligne {seen[key]}")
            continue
        seen[key] = row.line
        parsed.records.append(Project(row.line, key, name, team_type, departement, commune,
                                      accompanied, external, **dates))
    finish(parsed, rows)
    records: list[Project] = parsed.records
    outside_federation(parsed, [p.departement for p in records], options)
    _notes(parsed, records, "commune" in match.columns, "accompanied" in match.columns)
    parsed.preview = pd.DataFrame([
        {"line": p.line, "name": p.name, "team_type": p.team_type, "departement": p.departement,
         "commune": geo.commune_name(p.commune) if p.commune else None,
         "accompanied": p.accompanied, **{s: getattr(p, s) for s in STAGES}}
        for p in records[:20]
    ])
    return parsed


def _notes(parsed: Parsed, records: list[Project], communes: bool, accompanied: bool) -> None:
    deps = sorted({p.departement for p in records})
    if deps:
        parsed.notes.append(
            f"Les projets déjà enregistrés pour {_departements_text(deps)} seront remplacés par "
            "ceux de ce fichier (les autres départements restent).")
    reached = {s: sum(1 for p in records if getattr(p, s)) for s in STAGES}
    parsed.notes.append(f"{len(records)} projet(s) valides ; étapes datées : " + ", ".join(
        f"{STAGE_LABELS[s]} {reached[s]}" for s in STAGES) + ".")
    without = sum(1 for p in records if p.commune is None)
    if without:
        parsed.notes.append(
            f"{without} projet(s) sans commune" + ("" if communes else " (pas de colonne "
                                                   "« Commune »)")
            + " : comptés partout, mais absents de la carte des projets.")
    if not accompanied:
        parsed.notes.append("Pas de colonne « Accompagné par la fédération » : la part des "
                            "dossiers accompagnés validés ne peut pas être calculée.")
    elif unknown := sum(1 for p in records if p.accompanied is None):
        parsed.notes.append(f"{unknown} projet(s) sans réponse à « Accompagné par la "
                            "fédération » : comptés comme non renseignés, ni accompagnés ni non.")


def _departements_text(codes: list[str]) -> str:
    shown = ", ".join(codes[:13]) + (" …" if len(codes) > 13 else "")
    return f"le département {shown}" if len(codes) == 1 else f"les départements {shown}"


PROJECT_SCHEMA = (
    ("project_id", pa.int32()), ("project_key", pa.string()), ("name", pa.string()),
    ("team_type", pa.string()), ("departement", pa.string()), ("commune", pa.string()),
    ("accompanied", pa.bool_()), ("external_id", pa.string()), ("team_id", pa.int32()),
    *((stage, pa.date32()) for stage in STAGES),
    ("batch_id", pa.int32()), ("source_line", pa.int32()),
)


@dataclass
class Plan:
    """What importing the sheet does to the projects of the départements it covers."""

    label: str
    removed: int
    added: int
    unchanged: int
    updated: int
    departements: list[str]
    kept: list[str]  # keys of rejected rows: their stored projects stay

    def summary(self) -> dict[str, dict]:
        return {"departements": {"label": self.label, "removed": self.removed,
                                 "added": self.added, "unchanged": self.unchanged,
                                 "updated": self.updated}}


def plan(con: duckdb.DuckDBPyConnection, parsed: Parsed) -> Plan:
    """Compare the file's projects with those stored for its départements (read only)."""
    records: list[Project] = parsed.records
    deps = sorted({p.departement for p in records})
    stored = {row[0]: row for row in con.execute(
        "SELECT project_key, name, team_type, departement, commune, accompanied, external_id, "
        f"{', '.join(STAGES)} FROM projects WHERE list_contains(?, departement)",
        [deps]).fetchall()}
    new = {p.key: p for p in records}
    # the stored projects of rows rejected here stay as they are
    kept = ((parsed.extra.get("kept") or set()) - set(new)) & set(stored)
    same = sum(1 for k, p in new.items() if k in stored and stored[k][1:] == p.content())
    both = sum(1 for k in new if k in stored)
    return Plan(", ".join(deps), len(set(stored) - set(new) - kept),
                len(set(new) - set(stored)), same, both - same, deps, sorted(kept))


def refusal(found: Plan) -> str:
    return (f"Cet import retirerait {found.removed} projet(s) déjà enregistré(s) pour "
            f"{_departements_text(found.departements)} (absents du fichier) et n'en ajouterait "
            f"que {found.added} : rien n'a été importé. Si c'est voulu (projets abandonnés "
            "retirés du suivi…), confirmez-le (--confirm-deletions).")


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace the projects of the file's départements, each linked to its team if known."""
    found = plan(con, parsed)
    parsed.extra["plan"] = found.summary()
    if found.removed > found.added and parsed.extra.get("replace") is None:
        raise ImportRefused(refusal(found))
    con.execute("DELETE FROM projects WHERE list_contains(?, departement) "
                "AND NOT list_contains(?, project_key)", [found.departements, found.kept])
    index = TeamIndex(con, batch_id)
    next_id = con.execute("SELECT coalesce(max(project_id), 0) + 1 FROM projects").fetchall()[0][0]
    rows, linked = [], 0
    for offset, p in enumerate(parsed.records):
        team = index.by_external.get(p.external_id) if p.external_id else None
        if team is None:
            local = index.by_name(p.name, p.departement)
            team = local[0] if len(local) == 1 else None
        linked += team is not None
        rows.append((next_id + offset, p.key, p.name, p.team_type, p.departement, p.commune,
                     p.accompanied, p.external_id, team,
                     *(getattr(p, s) for s in STAGES), batch_id, p.line))
    insert_rows(con, "projects", PROJECT_SCHEMA, rows)
    notes = [f"{_departements_text(found.departements).capitalize()} : {found.removed} projet(s) "
             f"retiré(s), {found.added} ajouté(s), {found.updated} mis à jour, {found.unchanged} "
             "inchangé(s)."]
    if found.kept:
        notes.append(f"{len(found.kept)} projet(s) déjà enregistré(s) gardé(s) tels quels : leur "
                     "ligne est rejetée dans ce fichier.")
    if linked:
        notes.append(f"{linked} projet(s) rattaché(s) à une équipe déjà connue (même identifiant, "
                     "ou même nom dans le département).")
    return notes, 0
