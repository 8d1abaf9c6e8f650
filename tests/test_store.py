"""The store: schema creation, forward migrations, atomic writes and the version stamp."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from observatory import store


def test_init_creates_current_schema_with_departements(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store.init(db, "fecop")
    with store.reading(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
    assert store.federation_id(db) == "fecop"
    deps = store.query("SELECT code FROM departements ORDER BY code", db=db)
    assert len(deps) == 101 and "2A" in set(deps["code"]) and "01" in set(deps["code"])


def test_store_from_older_release_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(store.MIGRATIONS[0][1])  # exactly what release 0.0 (schema v1) created
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('federation', 'femasaura')")
    con.execute("INSERT INTO teams (team_id, team_key, name) VALUES (1, 'name:a|38', 'A')")
    con.close()
    assert store.ensure_current(db) is True
    with store.reading(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("SELECT name FROM teams").fetchall() == [("A",)]
        assert con.execute("SELECT count(*) FROM reference_team_counts").fetchone() == (0,)
    assert store.ensure_current(db) is False


def test_a_store_before_projects_gains_them_and_facilitation_time(tmp_path: Path) -> None:
    # the migration of issue 17, looked up: its number follows whatever main had before it
    number = next(n for n, sql in store.MIGRATIONS if "CREATE TABLE projects" in sql)
    db = tmp_path / "before.duckdb"
    con = duckdb.connect(str(db))
    for n, sql in store.MIGRATIONS:  # what the release before issue 17 created
        if n < number:
            con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('federation', 'fecop')",
                [str(number - 1)])
    con.execute("INSERT INTO facilitations (facilitation_id, fac_date, year, departement, kind) "
                "VALUES (1, DATE '2025-03-03', 2025, '31', 'conseil')")
    con.close()
    assert store.ensure_current(db) is True
    with store.reading(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("SELECT kind, duration_hours, volunteer, facilitator_keys "
                           "FROM facilitations").fetchall() == [("conseil", None, None, None)]
        assert con.execute("SELECT count(*) FROM projects").fetchone() == (0,)


def test_newer_store_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    store.init(db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(store.StoreError, match="plus récente"):
        store.ensure_current(db)


def test_failed_write_leaves_store_untouched(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store.init(db)
    before = db.read_bytes()
    stamp = store.version(db)
    with pytest.raises(RuntimeError), store.writing(db) as con:
        con.execute("INSERT INTO teams (team_id, team_key, name) VALUES (1, 'k', 'n')")
        raise RuntimeError("boom")
    assert db.read_bytes() == before and store.version(db) == stamp
    assert not list(tmp_path.glob(".tmp-*"))


def test_write_changes_version_and_readers_see_it(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store.init(db)
    stamp = store.version(db)
    with store.writing(db) as con:
        con.execute("INSERT INTO teams (team_id, team_key, name) VALUES (1, 'k', 'n')")
    assert store.version(db) != stamp
    assert store.query("SELECT count(*) AS n FROM teams", db=db)["n"][0] == 1


# The writer runs in a plain subprocess, not multiprocessing's "spawn": spawn re-imports the
# parent's __main__, which after an AppTest is app.py (it would build the default store).
SLOW_WRITER = """
import sys, time
from observatory import store
with store.writing(sys.argv[1]) as con:
    con.execute("INSERT INTO teams (team_id, team_key, name) VALUES (1, 'k', 'n')")
    print("ready", flush=True)
    time.sleep(60)
"""


def test_killed_writer_leaves_store_as_before_and_readers_work(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store.init(db)
    before = db.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(db)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    # readers keep working while the write is under way
    assert store.query("SELECT count(*) AS n FROM teams", db=db)["n"][0] == 0
    # a second writer waits, then is refused clearly
    with pytest.raises(store.StoreError, match="Un autre import"), store.writing(db, timeout=0.5):
        pass
    child.kill()  # SIGKILL: no cleanup code runs
    child.wait()
    assert db.read_bytes() == before
    with store.writing(db) as con:  # the lock died with the process; stale copies are cleaned
        con.execute("INSERT INTO teams (team_id, team_key, name) VALUES (2, 'k2', 'n2')")
    assert not list(tmp_path.glob(".tmp-*"))
    assert store.query("SELECT count(*) AS n FROM teams", db=db)["n"][0] == 1
