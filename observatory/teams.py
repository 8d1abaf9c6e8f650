"""A team's data on request: find a team, and erase everything the store holds about it.

Erasure (``delete``) is one atomic write, then the store file is rewritten so that no deleted
byte survives in its free space:

- the team, its membership forms and their answers, its links to facilitations (the
  facilitations themselves stay: they are the federation's activity, counted without it), its
  capitalisation fiches, its rows of the project follow-up sheet;
- its name in survey responses (the anonymous answers stay);
- the original files of the imports that carried it (their SHA-256 stays, so that importing the
  same file again does not bring the team back), its rejected rows, its name in import reports;
- every undo copy of the store, and the copy a restore kept (they hold the team too): imports
  before the erasure can no longer be undone;
- the publication of its fiches, and its name wherever the audit log holds it (the erasure
  itself is logged by the team's number only).

Backups made before the erasure still hold the team: the README says how to deal with them.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import audit, store
from observatory.config import db_path
from observatory.vocabulary import team_name_key

ERASED = "[équipe supprimée]"
log = logging.getLogger(__name__)


@dataclass
class Erasure:
    """What an erasure removed, for the command's report."""

    team_id: int
    name: str
    memberships: int = 0
    facilitation_links: int = 0
    fiches: int = 0
    projects: int = 0
    survey_responses: int = 0
    rejected_rows: int = 0
    reference_entries: int = 0
    originals_purged: list[int] = field(default_factory=list)
    undo_copies_removed: int = 0

    def to_text(self) -> str:
        purged = ", ".join(map(str, self.originals_purged)) or "aucun"
        return "\n".join([
            f"Équipe « {self.name} » (n° {self.team_id}) supprimée :",
            f"  formulaires d'adhésion : {self.memberships}",
            f"  participations à des facilitations : {self.facilitation_links} (les "
            "facilitations restent, sans cette équipe)",
            f"  fiches de capitalisation : {self.fiches}",
            f"  projets du suivi des projets : {self.projects}",
            f"  réponses d'enquête dont le nom d'équipe est effacé : {self.survey_responses}",
            f"  lignes rejetées : {self.rejected_rows}",
            f"  lignes de listes des équipes existantes : {self.reference_entries} (les "
            "nombres d'équipes existantes restent)",
            f"  fichiers d'origine effacés (lots) : {purged}",
            f"  copies de la base supprimées (annulation, restauration) : "
            f"{self.undo_copies_removed} (les imports antérieurs ne peuvent plus être annulés)",
            "Les sauvegardes faites avant cette suppression contiennent encore l'équipe.",
        ])


def find(text: str, db: str | os.PathLike | None = None,
         departement: str | None = None) -> pd.DataFrame:
    """Teams whose name (ignoring case and accents), FINESS/SIRET or number matches ``text``."""
    key = team_name_key(text)
    teams = store.query(
        """
        SELECT t.team_id, t.name, t.external_id, t.departement, t.team_type,
               (SELECT list(DISTINCT year ORDER BY year) FROM memberships m
                WHERE m.team_id = t.team_id) AS years,
               (SELECT count(*) FROM facilitation_teams f WHERE f.team_id = t.team_id)
                   AS facilitations
        FROM teams t ORDER BY t.name, t.team_id
        """, db=db)
    compact = re.sub(r"[\s.\-]", "", text).upper()
    hit = (teams["name"].map(team_name_key).str.contains(key, regex=False) if key else False) | (
        teams["external_id"].fillna("") == compact) | (teams["team_id"].astype(str) == text.strip())
    if departement:
        hit &= teams["departement"] == departement
    return teams[hit].reset_index(drop=True)


def names(db: str | os.PathLike | None = None) -> dict[int, str]:
    """Every team's name by number ({} without a store)."""
    if not store.exists(db):
        return {}
    df = store.query("SELECT team_id, name FROM teams", db=db)
    return dict(zip(df["team_id"].astype(int), df["name"], strict=True))


def _needle_bytes(*texts: str | None) -> list[bytes]:
    """How a name or an identifier appears inside an exported file's bytes."""
    found = []
    for text in texts:
        if not text:
            continue
        for encoding in ("utf-8", "cp1252"):
            try:
                found.append(text.encode(encoding))
            except UnicodeEncodeError:
                continue
    return found


def delete(team_id: int, db: str | os.PathLike | None = None) -> Erasure:
    """Erase one team's data (see the module's docstring); ValueError for an unknown team."""
    path = db_path(db).resolve()
    with store.writing(path, compact=True) as con:
        row = con.execute("SELECT name, external_id FROM teams WHERE team_id = ?",
                          [team_id]).fetchone()
        if row is None:
            raise ValueError(f"Aucune équipe n° {team_id} dans la base.")
        name, external_id = row
        done = Erasure(team_id, name)
        batches = {b for (b,) in con.execute(
            """SELECT batch_id FROM memberships WHERE team_id = $t
               UNION SELECT created_batch FROM teams WHERE team_id = $t
               UNION SELECT f.batch_id FROM facilitations f JOIN facilitation_teams x
                     USING (facilitation_id) WHERE x.team_id = $t
               UNION SELECT batch_id FROM fiches WHERE team_id = $t
               UNION SELECT batch_id FROM projects WHERE team_id = $t""",
            {"t": team_id}).fetchall() if b is not None}
        done.memberships = store.scalar(
            con, "SELECT count(*) FROM memberships WHERE team_id = ?", [team_id])
        con.execute("DELETE FROM membership_choices WHERE team_id = ?", [team_id])
        con.execute("DELETE FROM memberships WHERE team_id = ?", [team_id])
        done.facilitation_links = store.scalar(
            con, "SELECT count(*) FROM facilitation_teams WHERE team_id = ?", [team_id])
        con.execute("DELETE FROM facilitation_teams WHERE team_id = ?", [team_id])
        key = team_name_key(name)
        fiches = con.execute("SELECT fiche_id, team_name, team_id FROM fiches").fetchall()
        gone = [f for f, n, t in fiches if t == team_id or (n and team_name_key(n) == key)]
        done.fiches = len(gone)
        con.execute("DELETE FROM fiches WHERE list_contains(?, fiche_id)", [gone])
        projects = con.execute(
            "SELECT project_id, name, team_id, departement FROM projects").fetchall()
        team_dep = con.execute("SELECT departement FROM teams WHERE team_id = ?",
                               [team_id]).fetchone()
        ended = [p for p, n, t, d in projects
                 if t == team_id or (team_name_key(n) == key and d == (team_dep or [None])[0])]
        done.projects = len(ended)
        con.execute("DELETE FROM projects WHERE list_contains(?, project_id)", [ended])
        responses = con.execute(
            "SELECT DISTINCT team_name FROM survey_responses WHERE team_name IS NOT NULL"
        ).fetchall()
        named = [n for (n,) in responses if team_name_key(n) == key]
        done.survey_responses = store.scalar(
            con, "SELECT count(*) FROM survey_responses WHERE list_contains(?, team_name)",
            [named])
        con.execute("UPDATE survey_responses SET team_name = NULL "
                    "WHERE list_contains(?, team_name)", [named])
        # its rows in lists of existing teams: matched to it, or of its name in its département
        departement = store.scalar(con, "SELECT departement FROM teams WHERE team_id = ?",
                                   [team_id])
        listed = [[y, r] for y, r, t, n, d in con.execute(
            "SELECT year, ref_id, team_id, name, departement FROM reference_teams").fetchall()
            if t == team_id or (team_name_key(n) == key and d == departement)]
        done.reference_entries = len(listed)
        for table in ("reference_team_communes", "reference_teams"):
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, [year, ref_id])", [listed])
        needles = [name, *([external_id] if external_id else [])]
        pattern = "|".join(re.escape(n) for n in needles)
        done.rejected_rows = store.scalar(
            con, "SELECT count(*) FROM rejected_rows WHERE regexp_matches(coalesce(raw, '') || ' ' || "
            "coalesce(value, ''), ?, 'i')", [pattern])
        con.execute("DELETE FROM rejected_rows WHERE regexp_matches(coalesce(raw, '') || ' ' || "
                    "coalesce(value, ''), ?, 'i')", [pattern])
        # original files: those that brought the team in, and any other holding its name
        stored = con.execute(
            "SELECT batch_id, original FROM import_batches WHERE original IS NOT NULL").fetchall()
        needle_bytes = [n.lower() for n in _needle_bytes(name, external_id)]
        for batch_id, original in stored:
            lowered = bytes(original).lower()
            if batch_id in batches or any(n in lowered for n in needle_bytes):
                done.originals_purged.append(batch_id)
        done.originals_purged.sort()
        con.execute("UPDATE import_batches SET original = NULL "
                    "WHERE list_contains(?, batch_id)", [done.originals_purged])
        con.execute("UPDATE import_batches SET report = regexp_replace(report, ?, ?, 'gi'), "
                    "options = regexp_replace(options, ?, ?, 'gi')",
                    [pattern, ERASED, pattern, ERASED])
        snapshots = [Path(s).name for (s,) in con.execute(
            "SELECT snapshot FROM import_batches WHERE snapshot IS NOT NULL").fetchall()]
        con.execute("UPDATE import_batches SET snapshot = NULL")
        # what staff wrote to publish its fiches, and its name wherever the audit log has it
        con.execute("DELETE FROM publications WHERE kind = 'fiche' AND list_contains(?, item_id)",
                    [gone])
        con.execute("UPDATE audit_log SET target = regexp_replace(target, ?, ?, 'gi'), "
                    "detail = regexp_replace(detail, ?, ?, 'gi')",
                    [pattern, ERASED, pattern, ERASED])
        audit.record(con, "erasure", f"équipe n° {team_id}",
                     f"{done.memberships} formulaire(s), {done.facilitation_links} lien(s) de "
                     f"facilitation, {done.fiches} fiche(s) effacés à sa demande")
        con.execute("DELETE FROM teams WHERE team_id = ?", [team_id])
    # every undo copy holds the team, whatever the batch it was taken for, and so does the copy
    # a restore kept of the store it replaced
    copies = {*snapshots, *(p.name for p in path.parent.glob(f"{path.name}.undo-*")),
              f"{path.name}.before-restore"}
    for copy in copies:
        target = path.with_name(copy)
        if target.exists():
            target.unlink()
            done.undo_copies_removed += 1
    # the team's number only: its name is what was erased
    log.info("équipe n° %d effacée : %d adhésions, %d liens de facilitation, %d fiches, "
             "%d réponses, %d fichiers d'origine purgés", team_id, done.memberships,
             done.facilitation_links, done.fiches, done.survey_responses,
             len(done.originals_purged))
    return done
