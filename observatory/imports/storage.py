"""Writing helpers shared by the kinds: bulk inserts and the one way teams are found or created."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from observatory import store
from observatory.imports.normalise import team_name_key


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: Sequence[tuple[str, pa.DataType]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert many rows at once through an Arrow table (typed: None stays NULL, never NaN)."""
    if not rows:
        return
    transposed = list(zip(*rows, strict=True))  # in C: a third faster than a list per column
    if len(transposed) != len(schema):
        raise ValueError(f"{table}: rows of {len(transposed)} values for {len(schema)} columns")
    columns = {name: pa.array(values, type=kind)
               for values, (name, kind) in zip(transposed, schema, strict=True)}
    # Read by its name in the SQL (DuckDB scans a variable of the frame calling execute, this
    # one): registering a view and dropping it cost 1–3 ms an insert, 500 of them at national
    # scale.
    _arrow_rows = pa.table(columns)
    names = ", ".join(name for name, _ in schema)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _arrow_rows")


def normalise_external_id(value: str) -> str | None:
    """A FINESS or SIRET as a key: spaces dropped, upper case, leading zero restored.

    Spreadsheets store FINESS and SIRET as numbers and drop the leading zero of départements
    01-09 (010001234 → 10001234): 8 and 13 digits are therefore padded back to 9 and 14.
    """
    text = _SEPARATORS.sub("", value).upper()
    if not text:
        return None
    if text.isdigit() and len(text) in (8, 13):
        text = "0" + text
    return text


def looks_like_external_id(value: str) -> bool:
    """A FINESS (9 characters, 2A/2B allowed) or a SIRET (14 digits)."""
    return bool(_EXTERNAL_ID.fullmatch(_SEPARATORS.sub("", value).upper()))


_SEPARATORS = re.compile(r"[\s.\-]")
_EXTERNAL_ID = re.compile(r"\d{8,9}|\d{2}[AB]\d{6}|\d{13,14}")


@dataclass
class Team:
    team_id: int
    team_key: str
    name: str
    external_id: str | None
    departement: str | None
    team_type: str | None = None
    commune: str | None = None


TEAM_SCHEMA = (
    ("team_id", pa.int32()), ("team_key", pa.string()), ("name", pa.string()),
    ("external_id", pa.string()), ("team_type", pa.string()), ("departement", pa.string()),
    ("commune", pa.string()), ("created_batch", pa.int32()),
)


class TeamIndex:
    """The store's teams by key, external id or normalised name, inside a write transaction.

    New teams are written in one bulk insert, and changed names and places in one bulk update,
    by ``flush`` (the kinds' ``write`` calls it before reading the teams table again): one
    statement per team cost a millisecond each at national scale.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        self.con = con
        self.batch_id = batch_id
        self.teams: dict[int, Team] = {}
        self.by_key: dict[str, int] = {}
        self.by_external: dict[str, int] = {}
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._pending: dict[int, Team] = {}  # created, not yet inserted
        self._changed: set[int] = set()  # stored teams whose columns changed, not yet updated
        self._rekeyed: set[int] = set()  # those of them whose team_key changed
        self.created = 0
        self.created_names: list[str] = []
        self.created_ids: list[int] = []
        for row in con.execute(
            "SELECT team_id, team_key, name, external_id, departement, team_type, commune "
            "FROM teams ORDER BY team_id"
        ).fetchall():
            self._index(Team(*row))
        self.next_id = max(self.teams, default=0) + 1

    def _index(self, team: Team) -> None:
        self.teams[team.team_id] = team
        self.by_key[team.team_key] = team.team_id
        if team.external_id:
            self.by_external[team.external_id] = team.team_id
        self._by_name[team_name_key(team.name)].append(team.team_id)

    def _unindex(self, team: Team) -> None:
        self.by_key.pop(team.team_key, None)
        if team.external_id:
            self.by_external.pop(team.external_id, None)
        self._by_name[team_name_key(team.name)].remove(team.team_id)

    def by_name(self, name: str, departement: str | None = None) -> list[int]:
        """Teams whose normalised name matches, within a département when one is given."""
        ids = self._by_name.get(team_name_key(name), [])
        if departement is None:
            return list(ids)
        return [i for i in ids if self.teams[i].departement == departement]

    def create(
        self,
        key: str,
        name: str,
        *,
        external_id: str | None = None,
        team_type: str | None = None,
        departement: str | None = None,
        commune: str | None = None,
    ) -> int:
        team_id = self.next_id
        self.next_id += 1
        team = Team(team_id, key, name, external_id, departement, team_type, commune)
        self._pending[team_id] = team
        self._index(team)
        self.created += 1
        self.created_names.append(name)
        self.created_ids.append(team_id)
        return team_id

    def update(self, team_id: int, **values: Any) -> None:
        """Change some of a team's columns (None values, and unchanged ones, are left as they are)."""
        team = self.teams[team_id]
        values = {k: v for k, v in values.items() if v is not None and getattr(team, k) != v}
        if not values:
            return
        if team_id not in self._pending:
            self._changed.add(team_id)
            if "team_key" in values:
                self._rekeyed.add(team_id)
        self._unindex(team)
        for k, v in values.items():
            setattr(team, k, v)
        self._index(team)

    def flush(self) -> None:
        """Insert the teams created and update those changed since the last flush."""
        insert_rows(self.con, "teams", TEAM_SCHEMA, [
            (t.team_id, t.team_key, t.name, t.external_id, t.team_type, t.departement, t.commune,
             self.batch_id) for t in self._pending.values()])
        self._pending.clear()
        # The unique team_key is set only where it changed (to a key no team has: see
        # by_key), the other columns of every changed team as they now are.
        self._update(sorted(self._rekeyed), with_key=True)
        self._update(sorted(self._changed - self._rekeyed), with_key=False)
        self._changed.clear()
        self._rekeyed.clear()

    def _update(self, team_ids: list[int], *, with_key: bool) -> None:
        if not team_ids:
            return
        schema = (*CHANGED_SCHEMA, ("team_key", pa.string())) if with_key else CHANGED_SCHEMA
        teams = [self.teams[i] for i in team_ids]
        self.con.register("_changed_teams", pa.table({
            name: pa.array([getattr(t, name) for t in teams], type=kind) for name, kind in schema}))
        try:
            sets = ", ".join(f"{name} = u.{name}" for name, _ in schema if name != "team_id")
            self.con.execute(f"UPDATE teams SET {sets} FROM _changed_teams u "
                             "WHERE teams.team_id = u.team_id")
        finally:
            self.con.unregister("_changed_teams")


# What ``TeamIndex.update`` may change besides the team_key, written in bulk by ``flush``.
CHANGED_SCHEMA = (
    ("team_id", pa.int32()), ("name", pa.string()), ("external_id", pa.string()),
    ("team_type", pa.string()), ("departement", pa.string()), ("commune", pa.string()),
)


def name_key(name: str, departement: str | None) -> str:
    """The identity of a team known only by its name: ``name:<normalised name>|<département>``."""
    return f"name:{team_name_key(name)}|{departement or ''}"


def id_key(external_id: str) -> str:
    return f"id:{external_id}"


def delete_orphan_teams(con: duckdb.DuckDBPyConnection) -> int:
    """Remove teams nothing refers to any more (e.g. a misspelt name corrected in a new log)."""
    orphans = """
        FROM teams WHERE team_id NOT IN (SELECT team_id FROM memberships)
          AND team_id NOT IN (SELECT team_id FROM facilitation_teams)
          AND team_id NOT IN (SELECT team_id FROM fiches WHERE team_id IS NOT NULL)
          AND team_id NOT IN (SELECT team_id FROM projects WHERE team_id IS NOT NULL)
    """
    count = store.scalar(con, f"SELECT count(*) {orphans}")
    if count:
        con.execute(f"DELETE {orphans}")
    return int(count)
