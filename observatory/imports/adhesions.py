"""Membership forms (formulaire d'adhésion): one row per member team and year.

Identity across years: ``id:<FINESS/SIRET/identifiant>`` when the form gives one, else
``name:<normalised name>|<département>``; a team already known under its name (e.g. created by a
facilitation log) is recognised too. When a team answered twice the same year, the latest
``Horodateur`` wins. A new export of a year replaces that year's answers of the teams it contains
and leaves the other teams' answers alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import store
from observatory.config import Plausibility
from observatory.imports import normalise as n
from observatory.imports import references
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Choice, Field
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Parsed,
    Row,
    finish,
    outcome,
    outside_federation,
    rows_of,
    start_parse,
)
from observatory.imports.storage import (
    TeamIndex,
    id_key,
    insert_rows,
    name_key,
    normalise_external_id,
)

PROFESSIONS = (
    "Médecin généraliste", "Infirmier·e", "Masseur-kinésithérapeute", "Pharmacien·ne",
    "Sage-femme", "Chirurgien-dentiste", "Orthophoniste", "Podologue", "Diététicien·ne",
    "Psychologue", "Ergothérapeute", "Orthoptiste", n.OTHER,
)
PROFESSION_ALIASES = {
    "Médecin": "Médecin généraliste", "MG": "Médecin généraliste",
    "Médecins généralistes": "Médecin généraliste",
    "Infirmière": "Infirmier·e", "Infirmier(e)": "Infirmier·e", "IDE": "Infirmier·e",
    "Infirmiers": "Infirmier·e", "Pharmacienne": "Pharmacien·ne",
    "Kinésithérapeute": "Masseur-kinésithérapeute", "Kiné": "Masseur-kinésithérapeute",
    "MK": "Masseur-kinésithérapeute", "Sage femme": "Sage-femme", "Dentiste": "Chirurgien-dentiste",
    "Pédicure-podologue": "Podologue", "Diététicienne": "Diététicien·ne",
}
COORDINATION = (
    "Salarié·e de la structure", "Prestataire", "Professionnel·le de santé de l'équipe", "Aucune",
)
# multi-valued field -> value of membership_choices.field
CHOICE_FIELDS = {"professions": "profession", "missions": "mission", "protocols": "protocol"}

FIELDS = (
    Field("team_name", "Nom de l'équipe", (
        "Nom de la structure", "Nom de l'équipe", "Structure", "Raison sociale", "Équipe"),
        required=True),
    Field("external_id", "Identifiant", (
        "Identifiant", "N° FINESS", "FINESS", "SIRET", "Numéro FINESS", "N° SIRET",
        "Numéro SIRET")),
    Field("team_type", "Type de structure", (
        "Type de structure", "Type d'exercice coordonné", "Type", "Type d'équipe"), required=True),
    Field("status", "Stade", ("Stade", "Statut", "Stade du projet")),
    Field("departement", "Département", (
        "Département", "Dept", "Dépt", "Dép", "N° département", "Code département",
        "Numéro de département"), required=True),
    Field("commune", "Commune", ("Commune", "Ville", "Code commune", "Code INSEE")),
    Field("year", "Année", ("Année", "Année d'adhésion")),
    Field("submitted_at", "Horodateur", (
        "Horodateur", "Date de soumission", "Date de réponse", "Horodatage",
        "Heure de fin",  # Microsoft Forms: when the answer was sent
        "Timestamp", "Completion time")),  # the same tools in English (dates month first)
    # Microsoft Forms, when respondents may edit their answer: the later of the two wins
    Field("modified_at", "Heure de la dernière modification", (
        "Heure de la dernière modification", "Last modified time")),
    Field("aci_amount", "Montant ACI", ("Montant ACI", "Montant de l'ACI perçu", "ACI (€)")),
    Field("professionals", "Nombre de professionnels", (
        "Nombre de professionnels", "Nb de PS", "Nombre de PS")),
    Field("professions", "Professions représentées", (
        "Professions représentées", "Catégories professionnelles"), multi=True),
    Field("information_system", "Système d'information partagé", (
        "Système d'information partagé", "Logiciel", "SI partagé")),
    Field("coordination", "Fonction de coordination", (
        "Fonction de coordination", "Coordinateur", "Coordination")),
    Field("coordination_fte", "ETP coordination", ("ETP coordination", "ETP de coordination")),
    Field("pacte_trained", "Coordinateur formé PACTE", (
        "Coordinateur formé PACTE", "Formation PACTE")),
    Field("missions", "Missions de santé publique", ("Missions de santé publique",), multi=True),
    Field("protocols", "Protocoles pluriprofessionnels", (
        "Protocoles pluriprofessionnels", "Thèmes des protocoles"), multi=True),
    Field("protocols_count", "Nombre de protocoles", ("Nombre de protocoles",)),
    Field("email", "Adresse e-mail", (
        "Email", "Courriel", "Adresse e-mail", "E-mail", "Adresse mail", "Mail",
        "Adresse électronique")),
)


@dataclass
class Membership:
    """One team's answer for one year, normalised."""

    line: int
    key: str
    name: str
    external_id: str | None
    team_type: str
    status: str | None
    departement: str
    commune: str | None
    commune_code: str | None  # its INSEE code, when the text reads as a commune of its dép.
    year: int
    submitted_at: dt.datetime | None
    aci_amount: float | None
    professionals: int | None
    information_system: str | None
    information_system_other: str | None
    coordination: str | None
    coordination_fte: float | None
    pacte_trained: bool | None
    protocols_count: int | None
    email: str | None
    choices: dict[str, list[Choice]] = field(default_factory=dict)


def parse(table: RawTable, options: Options) -> Parsed:
    """Read and validate a membership export (no store access)."""
    match, parsed = start_parse(table, FIELDS, "un formulaire d'adhésion", options)
    if options.year is None and "year" not in match.columns:
        raise ImportRefused(
            "Année inconnue : le fichier n'a pas de colonne « Année » ; indiquez l'année des "
            "adhésions à l'import."
        )
    if options.year is not None and "year" in match.columns:
        parsed.notes.append(
            f"Année {options.year} indiquée à l'import : la colonne "
            f"« {table.header[match.columns['year']]} » n'est pas utilisée."
        )
    if "status" not in match.columns:
        parsed.notes.append("Pas de colonne « Stade » : le stade des équipes restera inconnu.")
    excel = table.container == "xlsx"
    rows = rows_of(table, match, NUMBERS, parsed.notes, dates=("submitted_at", "modified_at"))
    records = []
    limits = options.plausibility
    years = limits.years()
    for row in rows:
        record = _record(row, options, limits, years, excel)
        if not row.errors:
            records.append(record)
    parsed.records = _latest_answers(records, rows, parsed)
    finish(parsed, rows)
    note = _unlocated_note(parsed.records)
    if note:
        parsed.notes.append(note)
    outside_federation(parsed, [r.departement for r in parsed.records], options)
    parsed.preview = _preview(parsed.records)
    return parsed


# Number columns and what their numbers are: one convention per column (normalise.number_convention).
NUMBERS = {"aci_amount": n.MONEY, "professionals": n.INTEGER, "coordination_fte": n.DECIMAL,
           "protocols_count": n.INTEGER}
COUNT_MAX = 10_000  # protocols: a sanity bound, no team has that many


def _record(row: Row, options: Options, limits: Plausibility, years: range,
            excel: bool) -> Membership:
    name = row.require("team_name", row.name("team_name", "un nom d'équipe"), "nom de l'équipe")
    team_type = row.require(
        "team_type", row.parse("team_type", n.parse_team_type), "type de structure")
    dep = row.require("departement", row.parse("departement", n.parse_departement), "département")
    year = options.year if options.year is not None else row.require(
        "year", row.parse("year", n.parse_year, years=years), "année")
    external_id = normalise_external_id(row.name("external_id", "un identifiant"))
    info, info_other = _single_with_other(row.text("information_system"))
    submitted = row.date("submitted_at", excel, years)
    modified = row.date("modified_at", excel, years)
    if submitted is None or (modified is not None and modified > submitted):
        submitted = modified
    aci_max = limits.aci_max.get(team_type or "", max(limits.aci_max.values()))
    record = Membership(
        line=row.line,
        key=id_key(external_id) if external_id else name_key(name or "", dep),
        name=name,
        external_id=external_id,
        team_type=team_type,
        status=row.parse("status", n.parse_status),
        departement=dep,
        commune=commune_code(row.text("commune")),
        commune_code=_located(row, dep),
        year=year,
        submitted_at=submitted,
        aci_amount=row.within(
            "aci_amount", row.number("aci_amount", n.parse_money), 0, aci_max,
            f"un montant ACI plausible pour {_a(team_type)}"),
        professionals=row.within(
            "professionals", row.number("professionals", n.parse_int), 0,
            limits.professionals_max, "un nombre de professionnels plausible"),
        information_system=info,
        information_system_other=info_other,
        coordination=row.parse("coordination", n.parse_choice, options=COORDINATION,
                               what="un mode de coordination"),
        coordination_fte=row.within(
            "coordination_fte", row.number("coordination_fte"), 0, limits.coordination_fte_max,
            "un ETP de coordination plausible"),
        pacte_trained=row.parse("pacte_trained", n.parse_yes_no),
        protocols_count=row.within(
            "protocols_count", row.number("protocols_count", n.parse_int), 0, COUNT_MAX,
            "un nombre de protocoles plausible"),
        email=row.text("email") or None,
    )
    for multi in CHOICE_FIELDS:
        record.choices[multi] = _choices(row, multi)
    return record


def _a(team_type: str | None) -> str:
    """« une MSP », « un CDS »: the article of a team type (any team when unknown)."""
    if team_type is None:
        return "une équipe"
    return f"un {team_type}" if team_type == "CDS" else f"une {team_type}"


def _located(row: Row, departement: str | None) -> str | None:
    """The INSEE code of the form's commune; one that does not read as a commune of the
    département is kept as written, not located (the parse's note lists them)."""
    text = row.text("commune")
    if not text or departement is None:
        return None
    found = outcome(row.memo, ("commune", text, departement),
                    lambda: n.parse_commune(text, departement=departement))
    return found[1] if found[0] else None


def _unlocated_note(records: list[Membership]) -> str | None:
    missed = [r for r in records if r.commune and not r.commune_code]
    if not missed:
        return None
    shown = ", ".join(f"« {r.commune} » (ligne {r.line})" for r in missed[:5])
    more = f" et {len(missed) - 5} autre(s)" if len(missed) > 5 else ""
    return (f"{len(missed)} commune(s) non reconnue(s) dans leur département : {shown}{more}. "
            "Ces équipes ne sont ni placées sur la carte ni comptées dans la couverture de la "
            "population (donnez le nom exact ou le code INSEE de la commune).")


def commune_code(text: str) -> str | None:
    """A commune as written, or its INSEE code with the leading zero a spreadsheet dropped."""
    if _FOUR_DIGITS.fullmatch(text):  # 1053 was 01053: no commune code has four characters
        return "0" + text
    return text.upper() if _COMMUNE_CODE.fullmatch(text) else (text or None)


_FOUR_DIGITS = re.compile(r"\d{4}")
_COMMUNE_CODE = re.compile(r"(?:\d{5}|2[AaBb]\d{3})")


def _single_with_other(text: str) -> tuple[str | None, str | None]:
    """A single choice that may be ``Autre : texte``."""
    if not text:
        return None, None
    other = n.parse_other(text)
    if other is not None:
        return n.OTHER, other or None
    return text, None


def _choices(row: Row, multi: str) -> list[Choice]:
    """A multiple-choice field from its joined cell and/or its one-column-per-option layout."""
    known = PROFESSIONS if multi == "professions" else ()
    aliases = PROFESSION_ALIASES if multi == "professions" else None
    found = n.split_multi(row.text(multi), known, aliases=aliases)
    columns = row.match.option_columns.get(multi, [])
    if not columns:
        return found  # split_multi's answers are distinct already
    for index, option in columns:
        cell = row.cell(index)
        if not cell:
            continue
        try:
            chosen = n.parse_yes_no(cell, checkbox=True)
        except ValueError:  # a "[Autre]" column holds the free text itself
            if n.option_key(option) in (n.option_key(n.OTHER), "other"):
                found.append(Choice(n.OTHER, cell))
                continue
            row.error(row.table.header[index], cell,
                      f"« {cell} » n'est pas une case cochée (x, Oui, 1)")
            continue
        if chosen:
            found += n.split_multi(option, known, aliases=aliases) or [Choice(option)]
    return list(dict.fromkeys(found))  # Choice is frozen: equal answers are one


def _latest_answers(records: list[Membership], rows: list[Row], parsed: Parsed) -> list[Membership]:
    """One answer per team and year: the latest time stamp wins.

    When the answers of a team cannot be ordered (no time stamp, or the same one), none of them
    is taken: each is its row's error, so that importing the valid rows only never keeps one
    of them by chance.
    """
    by_line = {row.line: row for row in rows}
    slots: dict[tuple[str, int], list[Membership]] = {}
    for record in sorted(records, key=lambda r: r.line):
        slots.setdefault((record.key, record.year), []).append(record)
    kept = []
    for answers in slots.values():
        if len(answers) == 1:
            kept.append(answers[0])
            continue
        moments = [a.submitted_at for a in answers]
        latest = max((m for m in moments if m is not None), default=None)
        if None not in moments and moments.count(latest) == 1:
            winner = answers[moments.index(latest)]
            kept.append(winner)
            for loser in answers:
                if loser is not winner:
                    parsed.notes.append(
                        f"ligne {loser.line} : réponse de « {loser.name} » pour {loser.year} "
                        f"remplacée par sa réponse plus récente (ligne {winner.line}).")
            continue
        why = "sans horodatage pour départager" if None in moments else "même horodatage"
        lines = [a.line for a in answers]
        for record in answers:
            near = [line for line in lines[:4] if line != record.line][:3]
            others = ", ".join(map(str, near)) + (
                f" et {len(lines) - 1 - len(near)} autre(s)" if len(lines) - 1 > len(near)
                else "")
            row = by_line[record.line]
            row.error(
                row.column("team_name"), record.name,
                f"équipe en double : « {record.name} » a aussi une réponse pour {record.year} "
                f"ligne {others} ({why}) : aucune de ces réponses n'est importée",
            )
    return sorted(kept, key=lambda r: r.line)


def _preview(records: list[Membership], limit: int = 20) -> pd.DataFrame:
    out = []
    for r in records[:limit]:
        out.append({
            "line": r.line, "team_name": r.name, "external_id": r.external_id,
            "team_type": r.team_type, "status": r.status, "departement": r.departement,
            "commune": r.commune, "year": r.year, "submitted_at": r.submitted_at,
            "aci_amount": r.aci_amount, "professionals": r.professionals,
            "professions": "; ".join(_label(c) for c in r.choices["professions"]),
            "information_system": r.information_system, "coordination": r.coordination,
            "coordination_fte": r.coordination_fte, "pacte_trained": r.pacte_trained,
            "missions": "; ".join(_label(c) for c in r.choices["missions"]),
            "protocols": "; ".join(_label(c) for c in r.choices["protocols"]),
            "protocols_count": r.protocols_count,
        })
    return pd.DataFrame(out)


def _label(choice: Choice) -> str:
    return f"{choice.value} : {choice.other_text}" if choice.other_text else choice.value


MEMBERSHIP_SCHEMA = (
    ("team_id", pa.int32()), ("year", pa.int32()), ("submitted_at", pa.timestamp("us")),
    ("team_type", pa.string()), ("status", pa.string()), ("departement", pa.string()),
    ("commune", pa.string()), ("commune_code", pa.string()), ("aci_amount", pa.float64()),
    ("professionals", pa.int32()),
    ("information_system", pa.string()), ("information_system_other", pa.string()),
    ("coordination", pa.string()), ("coordination_fte", pa.float64()),
    ("pacte_trained", pa.bool_()), ("protocols_count", pa.int32()), ("email", pa.string()),
    ("batch_id", pa.int32()),
)
CHOICE_SCHEMA = (
    ("team_id", pa.int32()), ("year", pa.int32()), ("field", pa.string()),
    ("value", pa.string()), ("other_text", pa.string()),
)


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Find or create each team, then replace its answers for that year → (notes, teams created)."""
    index = TeamIndex(con, batch_id)
    latest_year = dict(con.execute(
        "SELECT team_id, max(year) FROM memberships GROUP BY team_id").fetchall())
    stored_at = {(t, y): at for t, y, at in con.execute(
        "SELECT team_id, year, submitted_at FROM memberships WHERE submitted_at IS NOT NULL"
    ).fetchall()}
    memberships, choices, pairs, notes = [], [], [], []
    for r in parsed.records:
        known = _known_team(index, r)
        before = stored_at.get((known, r.year)) if known is not None else None
        if before is not None and r.submitted_at is not None and r.submitted_at < before:
            # the latest answer wins across files too: an older export does not undo it
            notes.append(
                f"ligne {r.line} : réponse de « {r.name} » pour {r.year} du "
                f"{r.submitted_at:%d/%m/%Y %H:%M}, plus ancienne que celle déjà enregistrée "
                f"(du {before:%d/%m/%Y %H:%M}) : gardée telle quelle.")
            continue
        team_id = _team(index, r, latest_year)
        pairs.append((team_id, r.year))
        memberships.append((
            team_id, r.year, r.submitted_at, r.team_type, r.status, r.departement, r.commune,
            r.commune_code,
            r.aci_amount, r.professionals, r.information_system, r.information_system_other,
            r.coordination, r.coordination_fte, r.pacte_trained, r.protocols_count, r.email,
            batch_id,
        ))
        for multi, stored in CHOICE_FIELDS.items():
            choices += [(team_id, r.year, stored, c.value, c.other_text) for c in r.choices[multi]]
    index.flush()
    pair_schema = (("team_id", pa.int32()), ("year", pa.int32()))
    con.execute("CREATE TEMP TABLE _pairs (team_id INTEGER, year INTEGER)")
    insert_rows(con, "_pairs", pair_schema, pairs)
    replaced = store.scalar(
        con, "SELECT count(*) FROM memberships m JOIN _pairs p USING (team_id, year)")
    for table in ("memberships", "membership_choices"):
        con.execute(
            f"DELETE FROM {table} t USING _pairs p WHERE t.team_id = p.team_id AND t.year = p.year"
        )
    con.execute("DROP TABLE _pairs")
    insert_rows(con, "memberships", MEMBERSHIP_SCHEMA, memberships)
    insert_rows(con, "membership_choices", CHOICE_SCHEMA, choices)
    if replaced:
        notes.append(f"{replaced} réponse(s) déjà présentes pour ces équipes et années remplacées.")
    if index.created:
        notes.append(f"{index.created} nouvelle(s) équipe(s) enregistrée(s).")
    # the members of a year with a list of existing teams are matched to it again
    years = references.list_years(con, sorted({year for _, year in pairs}))
    notes += references.match_members(con, years, batch_id)
    return notes, index.created


def _known_team(index: TeamIndex, r: Membership) -> int | None:
    """The stored team of an answer: same key, else the one team of that name and département."""
    team_id = index.by_key.get(r.key)
    if team_id is not None:
        return team_id
    # an identifier on one side only does not make two teams; two different identifiers do
    same_name = [
        t for t in index.by_name(r.name, r.departement)
        if None in (index.teams[t].external_id, r.external_id)
        or index.teams[t].external_id == r.external_id
    ]
    return same_name[0] if len(same_name) == 1 else None


def _team(index: TeamIndex, r: Membership, latest_year: dict[int, int]) -> int:
    """The team of an answer (created when unknown), its name and place brought up to date."""
    team_id = _known_team(index, r)
    if team_id is None:
        team_id = index.create(r.key, r.name, external_id=r.external_id, team_type=r.team_type,
                               departement=r.departement, commune=r.commune)
        latest_year[team_id] = r.year
        return team_id
    if r.external_id and index.teams[team_id].external_id is None:
        # known by name until now: from now on the identifier is its key
        index.update(team_id, team_key=r.key, external_id=r.external_id)
    if r.year >= latest_year.get(team_id, r.year):  # an older year does not rename a team
        index.update(team_id, name=r.name, team_type=r.team_type, departement=r.departement,
                     commune=r.commune)
        latest_year[team_id] = r.year
    return team_id
