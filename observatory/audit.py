"""The audit log: who changed what, and when — publications, imports, undos, erasures, accounts.

Each entry is written in the store (``audit_log``), in the same write as the change it records
when there is one (an import, a publication), so that neither exists without the other. Undoing
an import or restoring a backup never takes entries away. An entry names the account that acted
(or the system user of a command), the object by its identifier (a survey's, a fiche's, a batch's
number, never a team's name: an erased team must not live on here), and never holds a password
or a hash.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable

import duckdb
import pandas as pd

from observatory import store

ACTIONS = {
    "publication": "Publication", "import": "Import", "undo": "Annulation d'import",
    "erasure": "Effacement d'une équipe", "account": "Compte", "restore": "Restauration",
}
COLUMNS = {"done_at": "Date", "actor": "Qui", "action": "Action", "target": "Objet",
           "detail": "Détail"}

# Who is acting, as the app knows it (the signed-in account of the running session); None
# outside the app, where the command line's system user acts.
_actor_source: Callable[[], str | None] | None = None


def use_actor_source(source: Callable[[], str | None]) -> None:
    """Let the app say who acts (called once by the UI when it loads)."""
    global _actor_source
    _actor_source = source


def actor() -> str:
    """The account acting now, else « ligne de commande (utilisateur système X) »."""
    found = _actor_source() if _actor_source is not None else None
    if found:
        return found
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a system user without a name (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return f"ligne de commande (utilisateur système « {user} »)"


def record(con: duckdb.DuckDBPyConnection, action: str, target: str, detail: str = "") -> None:
    """Write one entry inside the current write (``store.writing``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    con.execute("INSERT INTO audit_log SELECT coalesce(max(event_id), 0) + 1, ?, ?, ?, ?, ? "
                "FROM audit_log",
                [dt.datetime.now().replace(microsecond=0), actor(), action, target, detail])


def record_event(db: str | os.PathLike | None, action: str, target: str,
                 detail: str = "") -> bool:
    """One entry in a write of its own (account changes, a restore); False without a store."""
    if not store.exists(db):
        return False
    with store.writing_side(db) as con:
        record(con, action, target, detail)
    return True


def entries(db: str | os.PathLike | None = None) -> pd.DataFrame:
    """The log, newest first, with French column names (what the administration page shows
    and its CSV holds)."""
    if not store.exists(db):
        return pd.DataFrame(columns=list(COLUMNS.values()))
    df = store.query("SELECT done_at, actor, action, target, detail FROM audit_log "
                     "ORDER BY event_id DESC", db=db)
    df["action"] = df["action"].map(lambda a: ACTIONS.get(a, a))
    return df.rename(columns=COLUMNS)
