"""What the federation publishes: a survey's infographic, a fiche and its public summary.

The choice is stored in the store (``publications``), apart from the imported rows: importing a
survey again keeps it. A survey never decided on here is published when its import said so
(``--published``, the sidecar's ``published``); a fiche is published only once staff publish it.
Every change is written to the audit log in the same write. Only staff reach the page that calls
this (the page checks the role; this module trusts its caller).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from observatory import audit, store

KINDS = {"survey": ("surveys", "survey_id", "enquête"), "fiche": ("fiches", "fiche_id", "fiche")}
SUMMARY_MAX = 1500  # characters of a public summary: a paragraph, not a second fiche


KEEP = object()  # a change that leaves the public summary as it is


@dataclass(frozen=True)
class Change:
    """One publication decision: publish or withdraw an item, and a fiche's public summary
    (``KEEP``: unchanged; empty or None: the fiche's own summary is shown)."""

    kind: str
    item_id: str
    published: bool
    public_summary: Any = KEEP


def _apply(con: Any, change: Change) -> bool:
    table, column, noun = KINDS[change.kind]
    if not store.scalar(con, f"SELECT count(*) FROM {table} WHERE {column} = ?",
                        [change.item_id]):
        raise ValueError(f"Aucune {noun} « {change.item_id} » dans la base.")
    row = con.execute("SELECT published, public_summary FROM publications "
                      "WHERE kind = ? AND item_id = ?", [change.kind, change.item_id]).fetchone()
    before = (bool(row[0]), row[1]) if row else (None, None)
    summary = before[1] if change.public_summary is KEEP else (
        str(change.public_summary or "").strip() or None)
    if summary is not None and len(summary) > SUMMARY_MAX:
        raise ValueError(f"Résumé public trop long : {len(summary)} caractères "
                         f"({SUMMARY_MAX} au plus).")
    if before == (change.published, summary):
        return False  # nothing changes: nothing to write nor to log
    con.execute("INSERT OR REPLACE INTO publications VALUES (?, ?, ?, ?, ?, ?)",
                [change.kind, change.item_id, change.published, summary,
                 dt.datetime.now().replace(microsecond=0), audit.actor()])
    done = []
    if before[0] != change.published:
        done.append("publiée" if change.published else "retirée de la publication")
    if before[1] != summary:
        done.append("résumé public modifié")
    what = "infographie" if change.kind == "survey" else "fiche"
    audit.record(con, "publication", f"{noun} « {change.item_id} »",
                 f"{what} {', '.join(done)}")
    return True


def publish(db: str | os.PathLike | None, changes: Sequence[Change]) -> int:
    """Apply the changes in one write (all or none); returns how many changed something."""
    if not changes:
        return 0
    with store.writing_side(db) as con:
        return sum(_apply(con, c) for c in changes)


def set_survey(db: str | os.PathLike | None, survey_id: str, published: bool) -> bool:
    """Publish (or withdraw) a survey's infographic; False when it already was so."""
    return publish(db, [Change("survey", survey_id, published)]) > 0


def set_fiche(db: str | os.PathLike | None, fiche_id: str, published: bool,
              public_summary: str | None = None) -> bool:
    """Publish (or withdraw) a fiche with its public summary (empty: the fiche's own summary is
    shown); False when nothing changed."""
    return publish(db, [Change("fiche", fiche_id, published, public_summary)]) > 0
