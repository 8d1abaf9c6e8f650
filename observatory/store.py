"""The DuckDB store: schema, forward migrations, read connections and atomic copy-on-write writes.

Writers never touch the live file: they copy it, change the copy inside one transaction,
checkpoint it and atomically rename it over the live file. A killed import therefore leaves
the store exactly as it was, readers are never blocked by a writer, and the file's identity
(inode, mtime, size) is a free version stamp for caches.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from observatory import settings
from observatory.config import db_path

log = logging.getLogger(__name__)

try:  # POSIX advisory lock; on other systems writers are not serialised across processes.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

class StoreError(Exception):
    """A store problem worth a French message to the user (missing file, busy, too new)."""


# Each migration takes the store from version N-1 to N. Never edit a released one: add a new one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
        CREATE TABLE departements (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region_code VARCHAR,
            region_name VARCHAR, population BIGINT);
        CREATE TABLE import_batches (
            batch_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR,
            sha256 VARCHAR NOT NULL, size_bytes BIGINT, rows_total INTEGER, rows_imported INTEGER,
            rows_rejected INTEGER, imported_at TIMESTAMP NOT NULL, options VARCHAR, report VARCHAR,
            original BLOB, undone BOOLEAN NOT NULL DEFAULT false, snapshot VARCHAR);
        CREATE TABLE rejected_rows (
            batch_id INTEGER NOT NULL, line INTEGER, column_name VARCHAR, value VARCHAR,
            message VARCHAR NOT NULL, raw VARCHAR);
        CREATE TABLE teams (
            team_id INTEGER PRIMARY KEY, team_key VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
            external_id VARCHAR, team_type VARCHAR, departement VARCHAR, commune VARCHAR,
            created_batch INTEGER);
        CREATE TABLE memberships (
            team_id INTEGER NOT NULL, year INTEGER NOT NULL, submitted_at TIMESTAMP,
            team_type VARCHAR NOT NULL, status VARCHAR, departement VARCHAR NOT NULL,
            commune VARCHAR, aci_amount DOUBLE, professionals INTEGER,
            information_system VARCHAR, information_system_other VARCHAR, coordination VARCHAR,
            coordination_fte DOUBLE, pacte_trained BOOLEAN, protocols_count INTEGER,
            email VARCHAR, batch_id INTEGER, PRIMARY KEY (team_id, year));
        CREATE TABLE membership_choices (
            team_id INTEGER NOT NULL, year INTEGER NOT NULL, field VARCHAR NOT NULL,
            value VARCHAR NOT NULL, other_text VARCHAR);
        CREATE TABLE facilitations (
            facilitation_id INTEGER PRIMARY KEY, fac_date DATE NOT NULL, year INTEGER NOT NULL,
            departement VARCHAR NOT NULL, team_type VARCHAR, team_profile VARCHAR, kind VARCHAR,
            mode VARCHAR, facilitators VARCHAR, batch_id INTEGER, source_line INTEGER);
        CREATE TABLE facilitation_teams (facilitation_id INTEGER NOT NULL, team_id INTEGER NOT NULL);
        CREATE TABLE surveys (
            survey_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, theme VARCHAR, month DATE,
            objective VARCHAR, published BOOLEAN, batch_id INTEGER);
        CREATE TABLE survey_questions (
            survey_id VARCHAR NOT NULL, question_id VARCHAR NOT NULL, position INTEGER,
            text VARCHAR, qtype VARCHAR, options VARCHAR[]);
        CREATE TABLE survey_responses (
            survey_id VARCHAR NOT NULL, response_id INTEGER NOT NULL, complete BOOLEAN NOT NULL,
            submitted_at TIMESTAMP, profession VARCHAR, departement VARCHAR, team_name VARCHAR,
            team_type VARCHAR);
        CREATE TABLE survey_answers (
            survey_id VARCHAR NOT NULL, response_id INTEGER NOT NULL, question_id VARCHAR NOT NULL,
            value VARCHAR, value_num DOUBLE);
        CREATE TABLE fiches (
            fiche_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, team_name VARCHAR,
            team_id INTEGER, departement VARCHAR, theme VARCHAR, year INTEGER, summary VARCHAR,
            body VARCHAR, batch_id INTEGER);
        """,
    ),
    (
        2,
        """
        -- Reference counts of existing teams (e.g. from the ARS), so the map can show coverage.
        CREATE TABLE reference_team_counts (
            departement VARCHAR NOT NULL, team_type VARCHAR NOT NULL, year INTEGER NOT NULL,
            teams INTEGER NOT NULL, source VARCHAR, PRIMARY KEY (departement, team_type, year));
        CREATE INDEX memberships_year ON memberships (year);
        CREATE INDEX facilitations_year ON facilitations (year);
        CREATE INDEX facilitation_teams_fac ON facilitation_teams (facilitation_id);
        CREATE INDEX survey_answers_q ON survey_answers (survey_id, question_id);
        """,
    ),
    (
        3,
        """
        -- Which column of a file is which field, as the user said: proposed again for a file
        -- of the same kind with the same (or nearly the same) headers. columns is JSON:
        -- field -> the file's header ('' for no column).
        CREATE TABLE column_mappings (
            kind VARCHAR NOT NULL, name VARCHAR NOT NULL, headers VARCHAR[] NOT NULL,
            columns VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL, batch_id INTEGER,
            PRIMARY KEY (kind, name));
        """,
    ),
    (
        4,
        """
        -- What staff chose to publish, kept apart from the imported rows so that a new import
        -- of the same survey or fiche keeps the choice: a survey's infographic, a fiche and its
        -- public summary. kind: 'survey' or 'fiche'.
        CREATE TABLE publications (
            kind VARCHAR NOT NULL, item_id VARCHAR NOT NULL, published BOOLEAN NOT NULL,
            public_summary VARCHAR, changed_at TIMESTAMP NOT NULL, changed_by VARCHAR NOT NULL,
            PRIMARY KEY (kind, item_id));
        -- Who did what, when: publications, imports, undos, erasures, account changes.
        CREATE TABLE audit_log (
            event_id BIGINT PRIMARY KEY, done_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
            action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR);
        """,
    ),
    (
        5,
        """
        -- Issue 18 (national packages): the federations' packages a store holds, one per
        -- federation — in a national store (meta kind = 'national') the consolidated regions,
        -- in a regional one the national reference. Their tables keep the packages' rows as
        -- published (a NULL count is masked); grain names the dimensions a row gives, the
        -- others being summed over (observatory/packages/__init__.py).
        CREATE TABLE packages (
            federation VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR,
            region_code VARCHAR, departements VARCHAR[] NOT NULL, years INTEGER[] NOT NULL,
            schema_version INTEGER NOT NULL, product_version VARCHAR,
            created_at TIMESTAMP NOT NULL, threshold INTEGER NOT NULL,
            team_register BOOLEAN NOT NULL, volunteer_hours BOOLEAN NOT NULL,
            manifest_sha256 VARCHAR NOT NULL, source VARCHAR, loaded_at TIMESTAMP NOT NULL);
        CREATE TABLE package_members (
            federation VARCHAR NOT NULL, year INTEGER NOT NULL, grain VARCHAR NOT NULL,
            departement VARCHAR, team_type VARCHAR, status VARCHAR, teams BIGINT,
            aci_teams BIGINT, aci_total_eur DOUBLE);
        CREATE TABLE package_facilitations (
            federation VARCHAR NOT NULL, year INTEGER NOT NULL, grain VARCHAR NOT NULL,
            departement VARCHAR, team_type VARCHAR, team_profile VARCHAR, facilitations BIGINT,
            facilitated_teams BIGINT, volunteer_hours DOUBLE);
        CREATE TABLE package_portrait (
            federation VARCHAR NOT NULL, year INTEGER NOT NULL, grain VARCHAR NOT NULL,
            departement VARCHAR, team_type VARCHAR, field VARCHAR NOT NULL, value VARCHAR,
            sort_key DOUBLE, teams BIGINT);
        CREATE TABLE package_surveys (
            federation VARCHAR NOT NULL, survey_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
            theme VARCHAR, month DATE, objective VARCHAR, respondents BIGINT);
        CREATE TABLE package_survey_questions (
            federation VARCHAR NOT NULL, survey_id VARCHAR NOT NULL,
            question_id VARCHAR NOT NULL, position INTEGER, text VARCHAR, qtype VARCHAR,
            options VARCHAR[]);
        CREATE TABLE package_survey_answers (
            federation VARCHAR NOT NULL, survey_id VARCHAR NOT NULL,
            question_id VARCHAR NOT NULL, value VARCHAR, bin_start DOUBLE, bin_end DOUBLE,
            respondents BIGINT);
        CREATE TABLE package_survey_respondents (
            federation VARCHAR NOT NULL, survey_id VARCHAR NOT NULL, grain VARCHAR NOT NULL,
            departement VARCHAR, profession VARCHAR, respondents BIGINT);
        CREATE TABLE package_team_register (
            federation VARCHAR NOT NULL, finess VARCHAR NOT NULL, team_type VARCHAR,
            commune VARCHAR);
        """,
    ),
    (
        6,
        """
        -- Issue 17 (projects and facilitation time). The project follow-up sheet: one row per
        -- project, the date of each stage reached (NULL: not reached); commune is an INSEE
        -- code; team_id links the project to its team once one exists (by FINESS/SIRET or name).
        CREATE TABLE projects (
            project_id INTEGER PRIMARY KEY, project_key VARCHAR NOT NULL UNIQUE,
            name VARCHAR NOT NULL, team_type VARCHAR NOT NULL, departement VARCHAR NOT NULL,
            commune VARCHAR, accompanied BOOLEAN, external_id VARCHAR, team_id INTEGER,
            first_contact DATE, awareness DATE, filed DATE, validated DATE, aci_signed DATE,
            batch_id INTEGER, source_line INTEGER);
        -- A facilitation's duration in hours, whether it was volunteer time, and its
        -- facilitators as normalised names (to count distinct people; never shown).
        ALTER TABLE facilitations ADD COLUMN duration_hours DOUBLE;
        ALTER TABLE facilitations ADD COLUMN volunteer BOOLEAN;
        ALTER TABLE facilitations ADD COLUMN facilitator_keys VARCHAR[];
        """,
    ),
    (
        7,
        """
        -- What a survey's sidecar says of a question beyond its text: a short label for the
        -- infographic's card, and which end of a scale is positive ('first' or 'last' option).
        ALTER TABLE survey_questions ADD COLUMN label VARCHAR;
        ALTER TABLE survey_questions ADD COLUMN positive VARCHAR;
        """,
    ),
    (
        8,
        r"""
        -- Reference lists of existing teams (issue 21: "reference establishments"), one row per
        -- team of a year's list (ARS, Assurance Maladie, FINESS): the frame of the estimates,
        -- the denominator of coverage and the points of the map. commune is an INSEE code.
        -- aci: under ACI or not, when the list says (status, yes/no, or a signature date).
        -- team_id/matched_by: the member team it was matched to (by id, or by name), refreshed
        -- whenever the list or a membership form of its year is imported.
        CREATE TABLE reference_teams (
            year INTEGER NOT NULL, ref_id INTEGER NOT NULL, name VARCHAR NOT NULL,
            team_type VARCHAR NOT NULL, departement VARCHAR NOT NULL, commune VARCHAR,
            external_id VARCHAR, legal_id VARCHAR, status VARCHAR, aci BOOLEAN, aci_since DATE,
            source VARCHAR, batch_id INTEGER, source_line INTEGER, team_id INTEGER,
            matched_by VARCHAR, PRIMARY KEY (year, ref_id));
        -- The communes a CPTS of a list says it covers (its perimeter), INSEE codes.
        CREATE TABLE reference_team_communes (
            year INTEGER NOT NULL, ref_id INTEGER NOT NULL, commune VARCHAR NOT NULL);
        -- Counts a list gave (its types x départements) are written beside typed-in counts:
        -- from_list tells them apart, so that a new list replaces its own counts only.
        ALTER TABLE reference_team_counts ADD COLUMN from_list BOOLEAN DEFAULT false;
        -- A form's commune as an INSEE code, when its text reads as a commune of its
        -- département (where the team is on the map, and whose population it covers).
        ALTER TABLE memberships ADD COLUMN commune_code VARCHAR;
        UPDATE memberships SET commune_code = upper(commune)
        WHERE regexp_full_match(commune, '(?i)\d{5}|2[ab]\d{3}');
        """,
    ),
]
# Tables of decisions about the data rather than data from files: undoing an import keeps them
# as they are (a publication made since stays; the audit log never goes back).
SIDE_TABLES = ("publications", "audit_log")
SCHEMA_VERSION = MIGRATIONS[-1][0]


def scalar(con: duckdb.DuckDBPyConnection, sql: str,
           params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
    """The one value of a query that always returns one row (a count, a max, a setting), on an
    open connection (a write's, or a read's); ``query`` is the helper for everything else."""
    # fetched whole: a result left half-read blocks the connection's next registration
    rows = con.execute(sql, params if params is not None else []).fetchall()
    if not rows:  # an aggregate always returns a row: none means the query is wrong
        raise LookupError(f"no row returned by: {sql}")
    return rows[0][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for an empty file)."""
    has_meta = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
    if not has_meta:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the store's version; returns the number applied."""
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"Ce fichier de données (schéma v{current}) vient d'une version plus récente "
            f"d'Observatoire (schéma v{SCHEMA_VERSION}) : mettez le logiciel à jour."
        )
    applied = 0
    for version, sql in MIGRATIONS:
        if version <= current:
            continue
        con.execute(sql)
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
        )
        applied += 1
    return applied


def version(db: str | os.PathLike | None = None) -> str:
    """A stamp that changes whenever the store changes (every write replaces the file)."""
    path = db_path(db)
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def exists(db: str | os.PathLike | None = None) -> bool:
    return db_path(db).exists()


@contextlib.contextmanager
def reading(db: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the live store, closed on exit."""
    path = db_path(db)
    if not path.exists():
        raise StoreError(
            f"Aucune base de données à « {path} » : lancez « observatory demo » "
            "ou « observatory init » d'abord."
        )
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


# Opening the store costs more than most of the app's queries (15–25 ms): query() keeps one
# read-only attachment per store file and version. The store is attached to an in-memory
# database rather than opened by path, because DuckDB shares one instance per path within a
# process: a new version (a new file renamed over the old one) must never be served by the
# instance still reading the old file, and the attachment keeps reading the file it opened.
_OPEN: dict[str, tuple[str, duckdb.DuckDBPyConnection]] = {}
_OPEN_MAX = 4
_OPEN_LOCK = threading.Lock()


def _attached(path: Path) -> duckdb.DuckDBPyConnection:
    key, stamp = str(path.resolve()), version(path)
    with _OPEN_LOCK:
        found = _OPEN.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
    con = duckdb.connect()
    con.execute(f"ATTACH '{_sql_path(Path(key))}' AS store (READ_ONLY)")
    with _OPEN_LOCK:
        _OPEN.pop(key, None)  # the previous version closes once its last cursor is done
        _OPEN[key] = (stamp, con)
        while len(_OPEN) > _OPEN_MAX:
            _OPEN.pop(next(iter(_OPEN)))
    return con


def query(
    sql: str,
    params: Sequence[Any] | dict[str, Any] | None = None,
    *,
    db: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Run one read query on the store and return a DataFrame: the project's one query helper."""
    path = db_path(db)
    if not path.exists():
        with reading(path):
            pass  # raises the French "no store" message
    cursor = _attached(path).cursor()  # a cursor per query: sessions run in threads
    try:
        cursor.execute("USE store")
        return cursor.execute(sql, params if params is not None else []).df()
    finally:
        cursor.close()


def meta(db: str | os.PathLike | None = None) -> dict[str, str]:
    return dict(query("SELECT key, value FROM meta", db=db).itertuples(index=False))


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path, timeout: float) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        "Un autre import est en cours sur cette base : réessayez dans un instant."
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_copies(path: Path) -> None:
    """Drop copies left by writers that were killed (their pid no longer runs)."""
    for tmp in path.parent.glob(f".tmp-{path.name}-*"):
        try:
            pid = int(tmp.name.split("-")[-2])
        except (ValueError, IndexError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass


@contextlib.contextmanager
def writing(
    db: str | os.PathLike | None = None,
    *,
    timeout: float | None = None,
    base: Path | None = None,
    keep_previous: Path | None = None,
    transaction: bool = True,
    compact: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One atomic write: yields a connection inside a transaction on a private copy of the store.

    On normal exit the copy is committed and renamed over the live file; on any exception (or a
    kill) the live file is untouched. Concurrent writers wait for each other, up to ``timeout``.
    ``base`` starts from another file than the live one (undo restores a kept state);
    ``keep_previous`` keeps the replaced live file under that name (what undo goes back to);
    ``transaction=False`` leaves the transactions to the caller (several files, one transaction
    each, in one copy): the live file is still replaced only once, on normal exit;
    ``compact`` rewrites the result into a fresh file: DuckDB leaves deleted rows' bytes in
    free blocks, and an erasure on request must leave none behind.
    """
    path = db_path(db).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with _exclusive_lock(lock, settings.value("lock_timeout") if timeout is None else timeout):
        _remove_stale_copies(path)
        tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        source = base if base is not None else path
        if source.exists():
            shutil.copyfile(source, tmp)
        con = duckdb.connect(str(tmp))
        try:
            migrate(con)
            if transaction:
                con.execute("BEGIN TRANSACTION")
            yield con
            if not transaction:
                con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('data_version', "
                "CAST(COALESCE((SELECT CAST(value AS INTEGER) FROM meta "
                "WHERE key = 'data_version'), 0) + 1 AS VARCHAR))"
            )
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            if compact:
                tmp = _rewritten(tmp)
            _fsync(tmp)
            if keep_previous is not None and path.exists():
                # a hard link costs no copy; the rename makes it appear atomically
                link = keep_previous.with_name(keep_previous.name + ".partial")
                link.unlink(missing_ok=True)
                os.link(path, link)
                os.replace(link, keep_previous)
            os.replace(tmp, path)
            _fsync(path.parent)
            log.info("base écrite : %s", path)
        except BaseException:
            with contextlib.suppress(Exception):
                con.close()
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise


MARK_UNDOABLE = (
    "INSERT OR REPLACE INTO meta VALUES ('import_data_version', CAST(COALESCE((SELECT "
    "CAST(value AS INTEGER) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR))"
)


def keep_undoable(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a write: the data version it commits is one an undo of the last import may go
    back from (an import's own write, or a write of the side tables only)."""
    con.execute(MARK_UNDOABLE)


@contextlib.contextmanager
def writing_side(db: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write of the side tables only (``SIDE_TABLES``): the last import stays undoable."""
    with writing(db) as con:
        undoable = scalar(con, "SELECT count(*) FROM meta a JOIN meta b ON a.value = b.value "
                               "WHERE a.key = 'data_version' AND b.key = 'import_data_version'")
        yield con
        if undoable:
            keep_undoable(con)


def carry_side_tables(con: duckdb.DuckDBPyConnection, live: duckdb.DuckDBPyConnection,
                      tables: Sequence[str] = SIDE_TABLES) -> None:
    """Inside a write that starts from another state (undo, restore): the side tables as the
    live store (``live``, read-only) has them now."""
    for table in tables:
        if not scalar(live, "SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = ?", [table]):
            continue  # a store from before the table existed: nothing to carry
        rows = live.execute(f"SELECT * FROM {table}").df()
        con.execute(f"DELETE FROM {table}")
        con.register("_carried", rows)
        con.execute(f"INSERT INTO {table} SELECT * FROM _carried")
        con.unregister("_carried")


# Versions of store files already found current: the app checks the store on every rerun.
_CURRENT: set[str] = set()


def _rewritten(tmp: Path) -> Path:
    """A fresh copy of ``tmp`` holding its tables and nothing else; ``tmp`` is removed."""
    fresh = tmp.with_name(tmp.name + "c")  # same pid field: stale-copy cleanup still applies
    try:
        con = duckdb.connect(str(fresh))
        try:
            target = scalar(con, "SELECT current_database()")
            con.execute(f"ATTACH '{_sql_path(tmp)}' AS previous (READ_ONLY)")
            con.execute(f'COPY FROM DATABASE previous TO "{target.replace(chr(34), chr(34) * 2)}"')
            con.execute("DETACH previous")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    tmp.unlink()
    return fresh


def ensure_current(db: str | os.PathLike | None = None) -> bool:
    """Migrate an existing store made by an older release; True when something was applied."""
    path = db_path(db)
    if not path.exists():
        return False
    stamp = f"{path.resolve()}:{version(path)}"
    if stamp in _CURRENT:
        return False
    with reading(path) as con:
        if schema_version(con) == SCHEMA_VERSION:
            _CURRENT.add(stamp)
            return False
    with writing(path):
        pass  # writing() migrates the copy before its transaction
    return True


def init(db: str | os.PathLike | None = None, federation_id: str | None = None) -> Path:
    """Create (or migrate) the store, load the reference départements and record the federation."""
    path = db_path(db)
    with writing(path) as con:
        initialise(con, federation_id)
    return path


def initialise(con: duckdb.DuckDBPyConnection, federation_id: str | None = None,
               kind: str | None = None) -> None:
    """Within a write: the reference départements, the federation and (national) the kind."""
    from observatory import geo
    from observatory.config import get_federation

    federation = get_federation(federation_id)
    deps = geo.departements()
    con.register("_deps", deps)
    con.execute("DELETE FROM departements")
    con.execute(
        "INSERT INTO departements SELECT code, name, region_code, region_name, population "
        "FROM _deps"
    )
    con.unregister("_deps")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('federation', ?)", [federation.id])
    if kind is not None:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('kind', ?)", [kind])


# A store built by consolidating federations' packages (``observatory consolidate``) rather
# than by importing a federation's own files.
NATIONAL = "national"
REGIONAL = "regional"


def kind(db: str | os.PathLike | None = None) -> str:
    """``national`` for a consolidated store, ``regional`` for a federation's own."""
    return meta(db).get("kind", REGIONAL)


def federation_id(db: str | os.PathLike | None = None) -> str | None:
    return meta(db).get("federation")


def backup(db: str | os.PathLike | None, destination: str | os.PathLike) -> Path:
    """A consistent snapshot of every table as Parquet (DuckDB's EXPORT DATABASE)."""
    dest = Path(destination).resolve()
    if dest.exists() and any(dest.iterdir()):
        raise StoreError(f"Le dossier de sauvegarde « {dest} » n'est pas vide.")
    dest.mkdir(parents=True, exist_ok=True)
    with reading(db) as con:  # the live file is only ever replaced whole: this is a snapshot
        con.execute(f"EXPORT DATABASE '{_sql_path(dest)}' (FORMAT parquet)")
    log.info("sauvegarde de %s écrite dans %s", db_path(db), dest)
    return dest


def restore(source: str | os.PathLike, db: str | os.PathLike | None = None) -> Path:
    """Replace the store by a backup, atomically (the previous file is kept as ``.before-restore``)."""
    src = Path(source).resolve()
    if not (src / "schema.sql").exists():
        raise StoreError(f"« {src} » n'est pas une sauvegarde Observatoire (schema.sql absent).")
    path = db_path(db).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path.with_name(path.name + ".lock"), settings.value("lock_timeout")):
        tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            con = duckdb.connect(str(tmp))
            con.execute(f"IMPORT DATABASE '{_sql_path(src)}'")
            migrate(con)  # a backup made by an older release opens in this one
            if path.exists():  # the audit log goes on from the store it replaces
                with reading(path) as live:
                    carry_side_tables(con, live, ("audit_log",))
            con.execute("CHECKPOINT")
            con.close()
            if path.exists():
                os.replace(path, path.with_name(path.name + ".before-restore"))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    log.info("base %s restaurée depuis %s", path, src)
    return path


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
