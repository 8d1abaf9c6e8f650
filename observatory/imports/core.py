"""Import entry points: preview a file, import it in one transaction, list and undo batches.

Every import keeps the file byte for byte (with its SHA-256) in ``import_batches`` and the store
as it was before (``<db>.undo-<batch>``), so the last batch can be undone. Importing a file whose
SHA-256 was already imported (and not undone) for the same kind changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import logging
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pyarrow as pa

from observatory import audit, privacy, store
from observatory.config import Federation, Plausibility, db_path, federations, get_federation
from observatory.imports import (
    adhesions,
    facilitations,
    fiches,
    kinds,
    projects,
    references,
    surveys,
)
from observatory.imports import mapping as mappings
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import parse_year, team_name_key
from observatory.imports.reading import read_table, size_limit, size_limit_message
from observatory.imports.report import KIND_LABELS, ImportReport
from observatory.imports.rows import MAX_KEPT_ERRORS, Options, Parsed
from observatory.imports.storage import insert_rows

KINDS = ("adhesions", "facilitations", "survey", "fiches", "references", "projects")
_MODULES: dict[str, ModuleType] = {
    "adhesions": adhesions, "facilitations": facilitations, "survey": surveys, "fiches": fiches,
    "references": references, "projects": projects,
}
# Only the last batch can be undone, one after the other: older snapshots are dropped so that
# the store's folder does not fill up with full copies of the database.
UNDO_KEEP = 5
BATCH_COLUMNS = [
    "batch_id", "kind", "file_name", "sha256", "rows_total", "rows_imported", "rows_rejected",
    "imported_at", "undone",
]
REJECTED_COLUMNS = ["batch_id", "line", "column_name", "value", "message", "raw"]
REJECTED_SCHEMA = tuple(
    (name, pa.int32() if name in ("batch_id", "line") else pa.string())
    for name in REJECTED_COLUMNS
)
Source = Path | str | bytes
log = logging.getLogger(__name__)


def _module(kind: str) -> ModuleType:
    if kind not in _MODULES:
        raise ValueError(f"Type d'import inconnu « {kind} » (connus : {', '.join(KINDS)})")
    return _MODULES[kind]


def safe_file_name(name: str | None) -> str | None:
    """A file name fit to store and show, whatever the system or the browser sent.

    Names that are not valid UTF-8 reach Python as lone surrogates (``adh\\udce9sions.csv`` for
    a Windows-1252 ``adhésions.csv`` on a Linux disk): they are decoded as Windows-1252, then
    any folder part, control character and excess length is dropped.
    """
    if name is None:
        return None
    text = str(name).encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    # each byte UTF-8 could not take is read as Windows-1252 (what French Windows writes)
    text = re.sub("[\udc80-\udcff]",
                  lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", "replace"), text)
    text = unicodedata.normalize("NFC", text.replace("\\", "/").rsplit("/", 1)[-1])
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c == " ").strip()
    if len(text) > 200:  # keep the extension, which says how to read the file
        stem, dot, ext = text.rpartition(".")
        text = f"{stem[:190]}…{dot}{ext[:8]}" if dot else text[:200]
    return text or "fichier"


def _display_path(path: Path) -> str:
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Stamp:
    """A file on disk as it was when read: checked again before an import is committed."""

    path: Path
    size: int
    mtime_ns: int
    sha256: str


def _load(source: Source, file_name: str | None, max_bytes: int) -> tuple[bytes, str | None,
                                                                          Stamp | None]:
    """The file's bytes, its (safe) name and how it was on disk (None for uploaded bytes)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), safe_file_name(file_name), None
    path = Path(source)
    try:
        before = path.stat()
    except FileNotFoundError:
        raise ImportRefused(f"Fichier introuvable : {_display_path(path)}") from None
    except OSError:
        raise ImportRefused(f"Fichier inaccessible : {_display_path(path)}") from None
    if not path.is_file():  # never opened: a FIFO would block, a device would never end
        raise ImportRefused(f"« {_display_path(path)} » n'est pas un fichier (dossier, tube "
                            "ou périphérique) : indiquez le fichier exporté lui-même.")
    if before.st_size > max_bytes:  # refused before reading it into memory
        raise ImportRefused(size_limit_message(before.st_size, max_bytes))
    try:
        data = path.read_bytes()
    except OSError:
        raise ImportRefused(f"Fichier illisible (droits d'accès ?) : {_display_path(path)}") \
            from None
    stamp = Stamp(path, before.st_size, before.st_mtime_ns, hashlib.sha256(data).hexdigest())
    if len(data) != before.st_size:
        raise _changed(path)
    _check_unchanged(stamp, rehash=False)
    return data, safe_file_name(file_name or path.name), stamp


def _changed(path: Path) -> ImportRefused:
    return ImportRefused(
        f"Le fichier « {safe_file_name(path.name)} » a changé pendant sa lecture : il est sans "
        "doute encore en cours d'écriture ou de copie. Rien n'a été importé ; attendez la fin "
        "de l'enregistrement, puis relancez l'import.")


def _check_unchanged(stamp: Stamp | None, *, rehash: bool = True) -> None:
    """Refuse when the file read is no longer the file on disk (size, time, then content)."""
    if stamp is None:
        return
    try:
        now = stamp.path.stat()
    except OSError:
        raise _changed(stamp.path) from None
    if (now.st_size, now.st_mtime_ns) != (stamp.size, stamp.mtime_ns):
        raise _changed(stamp.path)
    if rehash:
        try:
            same = hashlib.sha256(stamp.path.read_bytes()).hexdigest() == stamp.sha256
        except OSError:
            same = False
        if not same:
            raise _changed(stamp.path)


def _federation(value: Federation | str | None) -> Federation | None:
    if value is None or isinstance(value, Federation):
        return value
    return get_federation(value)


@contextlib.contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Parsing and writing a file allocate millions of small objects, none in a reference cycle
    (rows, cells, records), that live until the file is written: each pass of Python's cycle
    collector walks all of them again, a third of a national import. Refcounting frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_without_cycle_collector()
def _prepare(
    kind: str,
    source: Source,
    *,
    file_name: str | None,
    year: int | None,
    survey_meta: dict | None,
    federation: Federation | str | None,
    sheet: str | None,
    max_bytes: int | None,
    choices: Choices | None = None,
    context: dict[str, Any] | None = None,
) -> tuple[ImportReport, Parsed, bytes, Stamp | None]:
    """Read, parse and validate: the report (not yet imported), the parse result, the bytes and
    the file's stamp (to check, before committing, that it did not change meanwhile).

    ``choices``: what the user chose besides the file (mapping, replacement); ``context``: what
    the store already holds that the parser needs (``_context``).
    """
    module = _module(kind)
    choices = choices or Choices()
    limit = size_limit() if max_bytes is None else max_bytes
    data, name, stamp = _load(source, file_name, limit)
    report = ImportReport(kind, name, stamp.sha256 if stamp else hashlib.sha256(data).hexdigest(),
                          len(data))
    report.replace = choices.replace
    try:
        table = read_table(data, file_name=name, sheet=sheet, max_bytes=limit,
                           layout=kinds.layout(kind))
        report.container, report.encoding = table.container, table.encoding
        report.delimiter, report.sheet = table.delimiter, table.sheet
        context = context or {}
        # columns the user said are this kind's (now, or in a mapping saved for these headers)
        mapped = choices.mapping or mappings.closest(context.get("saved_mappings", ()),
                                                     table.header)
        if not mapped:
            kinds.check(kind, table.header)
        fed = _federation(federation)
        if year is not None:
            year = _year_option(year, fed)
        options = Options(name, stamp.path if stamp else None, year, survey_meta, fed,
                          kind=kind, replace=choices.replace, mapping=choices.mapping,
                          mapping_name=choices.mapping_name, **context)
        parsed = module.parse(table, options)
        _check_unchanged(stamp, rehash=False)
    except ImportRefused as exc:
        exc.report = exc.report or report
        if exc.request is not None and exc.report is report:
            report.mapping_request = exc.request
        raise
    report.header_mapping = parsed.header_mapping
    report.ignored_columns = parsed.ignored_columns
    report.rows_total = parsed.rows_total
    report.rows_rejected = parsed.rows_rejected
    report.rows_imported = parsed.rows_total - parsed.rows_rejected
    report.errors = parsed.errors
    report.more_rejected = parsed.more_rejected
    report.notes = table.notes + parsed.notes
    report.incomplete_responses = parsed.extra.get("incomplete", 0)
    preview = parsed.preview
    report.preview = preview.drop(columns=[c for c in privacy.PERSONAL_FIELDS if c in preview.columns])
    report.mapping_request = parsed.extra.get("mapping_request")
    return report, parsed, data, stamp


@dataclass(frozen=True)
class Choices:
    """What the user chose about a file besides its kind and year.

    ``mapping``: field reference -> column title (``--map``, ``--mapping``, the page's mapping
    step), saved under ``mapping_name`` once the import succeeds; ``replace``: what may be
    deleted (None: nothing more than the file adds; "confirm": what the default scope
    removes; "year": facilitations of the file's whole years).
    """

    mapping: dict[str, str] | None = None
    mapping_name: str | None = None
    replace: str | None = None


def _year_option(year: object, federation: Federation | None) -> int | None:
    """The year given at import (an int or its text), checked like a year cell; '' is none."""
    limits = federation.plausibility if federation else Plausibility()
    try:
        return parse_year(str(year), years=limits.years())
    except ValueError as exc:
        raise ImportRefused(f"Année indiquée à l'import : {exc}.") from None


# Kinds whose columns are matched to fields (and may be mapped by the user).
MAPPED_KINDS = ("adhesions", "facilitations", "fiches", "references", "projects")


def _has_mappings(con: Any) -> bool:
    """Whether the store has its saved column mappings (a store not migrated yet has none)."""
    return bool(store.scalar(
        con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'column_mappings'"))


def _context(con: Any, kind: str, has_mappings: bool | None = None) -> dict[str, Any]:
    """What the parser of ``kind`` needs to know of the store: its saved column mappings and,
    for facilitations, its teams (to read a cell naming several teams).

    ``has_mappings``: ``_has_mappings(con)`` when the caller knows it already.
    """
    context: dict[str, Any] = {}
    if has_mappings is None:
        has_mappings = _has_mappings(con)
    if kind in MAPPED_KINDS and has_mappings:
        context["saved_mappings"] = mappings.load(con, kind)
    if kind == "facilitations":
        context["known_teams"] = frozenset(
            (team_name_key(name), dep)
            for name, dep in con.execute("SELECT name, departement FROM teams").fetchall())
    return context


def _store_federation(con: Any) -> str | None:
    found = con.execute("SELECT value FROM meta WHERE key = 'federation'").fetchone()
    return found[0] if found and found[0] in federations() else None

def read_import(
    kind: str,
    source: Source,
    *,
    file_name: str | None = None,
    year: int | None = None,
    survey_meta: dict | None = None,
    federation: Federation | str | None = None,
    db: str | os.PathLike | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
    choices: Choices | None = None,
) -> ImportReport:
    """Parse and validate a file without writing anything (the preview page).

    Row errors are in the report; whole-file problems raise ImportRefused. With ``db``, the
    file is read as an import into that store would read it (its federation, its saved column
    mappings, its teams), and the report also says whether this exact file was already imported
    and what importing it would remove (``replacement``).
    """
    known = db is not None and store.exists(db)
    context: dict[str, Any] = {}
    if known:
        store.ensure_current(db)  # a store of an older release: its schema first, data as is
        with store.reading(db) as con:
            context = _context(con, kind)
            federation = federation or _store_federation(con)
    report, parsed, _, _ = _prepare(
        kind, source, file_name=file_name, year=year, survey_meta=survey_meta,
        federation=federation, sheet=sheet, max_bytes=max_bytes, choices=choices,
        context=context)
    if known:
        previous = _previous_batch(db, kind, report.sha256)
        if previous is not None:
            report.duplicate, report.batch_id = True, previous
        elif parsed.records and hasattr(_module(kind), "plan"):
            with store.reading(db) as con:
                report.replacement = _module(kind).plan(con, parsed).summary()
    return report


def _previous_batch(db: str | os.PathLike | None, kind: str, sha256: str) -> int | None:
    found = store.query(
        "SELECT max(batch_id) AS b FROM import_batches WHERE sha256 = ? AND kind = ? "
        "AND NOT undone", [sha256, kind], db=db)
    value = found["b"].iloc[0]
    return None if pd.isna(value) else int(value)


def _refusal(report: ImportReport) -> ImportRefused:
    lines = len({e.line for e in report.errors if e.line is not None}) + report.more_rejected
    shown = "\n".join(f"  {e}" for e in report.errors[:30])
    more = f"\n  … et {len(report.errors) - 30} autres erreurs" if len(report.errors) > 30 else ""
    if report.more_rejected:
        more += (f"\n  … et {report.more_rejected} autre(s) ligne(s) en erreur, sans détail "
                 f"(au-delà des {MAX_KEPT_ERRORS} premières erreurs)")
    return ImportRefused(
        f"Import refusé : {lines} ligne(s) sur {report.rows_total} comportent des erreurs ; "
        "rien n'a été importé. Corrigez le fichier, ou choisissez d'importer seulement les "
        f"lignes valides (les lignes rejetées seront conservées).\n{shown}{more}",
        list(report.errors),
        report,
    )


def _ensure_store(path: Path, create: bool) -> None:
    """An import goes into an existing store: a mistyped --db must not make an empty one; a
    national store takes the federations' packages only (``observatory consolidate``)."""
    if path.exists():
        if store.kind(path) == store.NATIONAL:
            raise ImportRefused(
                f"« {_display_path(path)} » est une base nationale : elle ne reçoit que les "
                "paquets des fédérations (observatory consolidate), pas leurs fichiers.")
        return
    if not create:
        raise ImportRefused(
            f"Aucune base de données à « {_display_path(path)} » : vérifiez le chemin, ou créez "
            "la base avec « observatory init » (« observatory demo » pour la démonstration).")
    with store.writing(path):
        pass  # an empty store with the current schema


def _import_state(path: Path, kind: str | None = None
                  ) -> tuple[str | None, int, dict[tuple[str, str], int], dict[str, Any]]:
    """The store's federation, the next batch id, the files already imported (not undone) and
    what the parser of ``kind`` needs to know of the store."""
    with store.reading(path) as con:  # one read connection for what the import must know
        federation = _store_federation(con)
        batch_id = store.scalar(
            con, "SELECT coalesce(max(batch_id), 0) + 1 FROM import_batches")
        done = {(kind, sha): batch for kind, sha, batch in con.execute(
            "SELECT kind, sha256, max(batch_id) FROM import_batches WHERE NOT undone "
            "GROUP BY ALL").fetchall()}
        context = _context(con, kind) if kind else {}
    return federation, batch_id, done, context


def _check(report: ImportReport, parsed: Parsed, valid_rows_only: bool) -> None:
    """Refuse a file with row errors (unless valid rows only are asked for) or without rows."""
    if parsed.errors and not valid_rows_only:
        log.info("import %s refusé : %d erreur(s) sur %d ligne(s)", report.kind,
                 len(report.errors), report.rows_total)
        raise _refusal(report)
    if not parsed.records:
        raise ImportRefused("Aucune ligne valide à importer.", list(report.errors), report)


@_without_cycle_collector()
def _write_batch(con: Any, kind: str, report: ImportReport, parsed: Parsed, data: bytes,
                 batch_id: int, options: dict[str, Any], snapshot: Path | None,
                 mark: bool = True) -> list[str]:
    """Write one parsed file as batch ``batch_id``; returns the undo snapshots now too old.

    The caller has checked that ``batch_id`` follows the store's last batch (``_check_batch``).
    ``mark``: the last write of its transaction, which remembers the data version it commits
    (see ``_mark_import_version``) and prunes the snapshots.
    """
    notes, report.created_teams = _module(kind).write(con, parsed, batch_id)
    report.notes += notes
    if parsed.more_rejected:
        report.notes.append(
            f"{parsed.more_rejected} autre(s) ligne(s) rejetée(s) ne sont pas conservées une à "
            f"une (au-delà des {MAX_KEPT_ERRORS} premières erreurs) : le fichier d'origine du lot "
            f"n° {batch_id} les contient (« observatory import original {batch_id} »).")
    report.replacement = parsed.extra.get("plan", {})
    chosen = parsed.extra.get("mapping", {})
    if chosen.get("chosen"):  # the user said which column is which: remembered for next time
        name = (chosen.get("name") or chosen.get("saved")
                or mappings.default_name(KIND_LABELS.get(kind, kind), report.file_name))
        mappings.save(con, kind, name, chosen["header"], chosen["chosen"], batch_id)
        report.notes.append(
            f"Correspondance des colonnes enregistrée sous le nom « {name} » : elle sera "
            "appliquée d'elle-même aux prochains fichiers aux mêmes colonnes.")
    report.batch_id, report.imported = batch_id, True
    pruned = _prune_snapshots(con, batch_id) if mark else []
    con.execute(
        "INSERT INTO import_batches (batch_id, kind, file_name, sha256, size_bytes, "
        "rows_total, rows_imported, rows_rejected, imported_at, options, report, original, "
        "undone, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?)",
        [batch_id, kind, report.file_name, report.sha256, report.size_bytes,
         report.rows_total, report.rows_imported, report.rows_rejected,
         dt.datetime.now().replace(microsecond=0), json.dumps(options, ensure_ascii=False),
         report.to_json(), data, None if snapshot is None else str(snapshot)],
    )
    insert_rows(con, "rejected_rows", REJECTED_SCHEMA, [
        (batch_id, e.line, e.column, e.value, e.message,
         None if e.line is None else parsed.rejected.get(e.line)) for e in parsed.errors])
    audit.record(con, "import", f"lot n° {batch_id}",
                 f"{KIND_LABELS.get(kind, kind)} : {report.rows_imported} ligne(s) importée(s), "
                 f"{report.rows_rejected} rejetée(s)")
    if mark:
        _mark_import_version(con)
    return pruned


def _check_batch(con: Any, batch_id: int) -> None:
    """Refuse a write whose batch number another import took meanwhile."""
    current = store.scalar(
        con, "SELECT coalesce(max(batch_id), 0) + 1 FROM import_batches")
    if current != batch_id:
        raise ImportRefused("Un autre import a eu lieu au même moment : relancez celui-ci.")


def _duplicate(report: ImportReport, previous: int) -> ImportReport:
    report.duplicate, report.batch_id = True, previous
    report.rows_imported = report.rows_rejected = 0
    return report


def import_file(
    kind: str,
    source: Source,
    *,
    file_name: str | None = None,
    db: str | os.PathLike | None = None,
    year: int | None = None,
    survey_meta: dict | None = None,
    valid_rows_only: bool = False,
    sheet: str | None = None,
    max_bytes: int | None = None,
    choices: Choices | None = None,
    create: bool = False,
) -> ImportReport:
    """Import one file in one transaction, or refuse it leaving the store untouched.

    The store must exist unless ``create`` (then an empty one is made first).
    """
    path = db_path(db).resolve()
    _ensure_store(path, create)
    _module(kind)
    federation, batch_id, done, context = _import_state(path, kind)
    report, parsed, data, stamp = _prepare(
        kind, source, file_name=file_name, year=year, survey_meta=survey_meta,
        federation=federation, sheet=sheet, max_bytes=max_bytes, choices=choices,
        context=context)
    previous = done.get((kind, report.sha256))
    if previous is not None:
        return _duplicate(report, previous)
    _check(report, parsed, valid_rows_only)
    snapshot = path.with_name(path.name + f".undo-{batch_id}")
    options = {"year": year, "survey_meta": survey_meta, "valid_rows_only": valid_rows_only,
               "sheet": sheet, "replace": (choices or Choices()).replace}
    try:
        with store.writing(path, keep_previous=snapshot) as con:
            _check_batch(con, batch_id)
            pruned = _write_batch(con, kind, report, parsed, data, batch_id, options, snapshot)
            _check_unchanged(stamp)  # still the file that was read: else nothing is committed
    except ImportRefused as exc:  # e.g. more removed than added, unconfirmed: say how many
        if exc.report is None:
            report.replacement = parsed.extra.get("plan", {})
            exc.report = report
        raise
    for old in pruned:
        Path(old).unlink(missing_ok=True)
    _log_batch(report)
    return report


def _log_batch(report: ImportReport) -> None:
    """What an import did, in counts: never a cell's value (it may be a person's)."""
    log.info("import %s, lot n° %s : %d lignes importées, %d rejetées (sha256 %s)",
             report.kind, report.batch_id, report.rows_imported, report.rows_rejected,
             report.sha256[:12])


@dataclass(frozen=True)
class ImportItem:
    """One file of ``import_files`` with the options ``import_file`` would take for it."""

    kind: str
    source: Path | str
    year: int | None = None
    survey_meta: dict | None = None
    valid_rows_only: bool = False


@_without_cycle_collector()  # once for the series: a pass after each file walked every object
def import_files(
    items: Sequence[ImportItem],
    *,
    db: str | os.PathLike | None = None,
    progress: Callable[[ImportReport, float], None] | None = None,
    create: bool = False,
) -> list[ImportReport]:
    """Import several files in one copy-on-write of the store: all of them, or none.

    Each file is written as ``import_file`` writes it, in its own batch, but the store is copied
    and replaced once for all of them (a copy per file dominates at national scale), in one
    transaction but for the last file's. A refusal or a kill leaves the store as it was. Only
    the last batch keeps the store as it was before it, so undo goes back one file, not through
    the whole series.
    ``progress(report, seconds)`` is called after each file.
    """
    path = db_path(db).resolve()
    _ensure_store(path, create)
    federation, batch_id, done, _ = _import_state(path)
    # the last file actually imported keeps the undo snapshot: duplicates are known by content
    seen, last = set(done), None
    for i, item in enumerate(items):
        key = (item.kind, hashlib.sha256(Path(item.source).read_bytes()).hexdigest())
        if key not in seen:
            seen.add(key)
            last = i
    reports: list[ImportReport] = []
    pruned: list[str] = []
    snapshot: Path | None = None
    try:
        with store.writing(path, transaction=False) as con:
            # one checkpoint at the end, not one each time the log passes 16 MB on a commit
            con.execute("SET checkpoint_threshold = '1GB'")
            # One transaction for the series (a commit per file cost 10 ms each): the private
            # copy is all or nothing anyway. It is committed before the last file only, for
            # the undo snapshot, which needs the store as it is before that file.
            con.execute("BEGIN TRANSACTION")
            has_mappings = _has_mappings(con)  # 2 ms a file: a series does not migrate the store
            _check_batch(con, batch_id)  # once: the series' batches follow in this transaction
            for i, item in enumerate(items):
                started = time.perf_counter()
                try:
                    report, parsed, data, _ = _prepare(
                        item.kind, item.source, file_name=None, year=item.year,
                        survey_meta=item.survey_meta, federation=federation, sheet=None,
                        max_bytes=None, context=_context(con, item.kind, has_mappings))
                    previous = done.get((item.kind, report.sha256))
                    if previous is not None:
                        reports.append(_duplicate(report, previous))
                    else:
                        _check(report, parsed, item.valid_rows_only)
                        if i == last:
                            con.execute("COMMIT")
                            snapshot = path.with_name(path.name + f".undo-{batch_id}")
                            _snapshot(con, snapshot)
                            con.execute("BEGIN TRANSACTION")
                        options = {"year": item.year, "survey_meta": item.survey_meta,
                                   "valid_rows_only": item.valid_rows_only, "sheet": None}
                        # one store version for the whole series: its last batch marks it
                        pruned += _write_batch(con, item.kind, report, parsed, data, batch_id,
                                               options, snapshot if i == last else None,
                                               mark=i == last)
                        done[(item.kind, report.sha256)] = batch_id
                        batch_id += 1
                        reports.append(report)
                        _log_batch(report)
                except ImportRefused as exc:
                    exc.message = f"{Path(item.source).name} : {exc.message}"
                    raise
                if progress is not None:
                    progress(reports[-1], time.perf_counter() - started)
            con.execute("COMMIT")
    except BaseException:
        if snapshot is not None:
            snapshot.unlink(missing_ok=True)
        raise
    for old in pruned:
        Path(old).unlink(missing_ok=True)
    return reports


def _snapshot(con: Any, snapshot: Path) -> None:
    """Copy the write's private file as it is now (checkpointed) to ``snapshot``, atomically."""
    con.execute("CHECKPOINT")
    tmp = store.scalar(con, "SELECT path FROM duckdb_databases() "
                       "WHERE database_name = current_database()")
    partial = snapshot.with_name(snapshot.name + ".partial")
    shutil.copyfile(tmp, partial)
    os.replace(partial, snapshot)


def _mark_import_version(con: Any) -> None:
    """Remember the data version this write will commit: undo checks nothing came after it."""
    store.keep_undoable(con)


def _prune_snapshots(con: Any, batch_id: int) -> list[str]:
    old = con.execute(
        "SELECT snapshot FROM import_batches WHERE snapshot IS NOT NULL AND batch_id <= ?",
        [batch_id - UNDO_KEEP]).fetchall()
    if old:  # else every one of them is NULL already
        con.execute("UPDATE import_batches SET snapshot = NULL WHERE batch_id <= ?",
                    [batch_id - UNDO_KEEP])
    return [row[0] for row in old]


HISTORY_COLUMNS = (
    "batch_id, kind, file_name, sha256, size_bytes, rows_total, rows_imported, rows_rejected, "
    "imported_at, options, report"
)


def undo_last_batch(db: str | os.PathLike | None = None) -> ImportReport | None:
    """Put the store back as it was before its newest (not undone) batch; None if there is none.

    The history keeps the undone batch (marked undone, without its original file).
    """
    path = db_path(db).resolve()
    if not path.exists():
        return None
    with store.reading(path) as con:
        last = con.execute(
            "SELECT batch_id, kind, file_name, sha256, size_bytes, snapshot, report "
            "FROM import_batches WHERE NOT undone ORDER BY batch_id DESC LIMIT 1").fetchone()
    if last is None:
        return None
    batch_id, kind, file_name, sha256, size_bytes, snapshot_name, stored = last
    # looked for beside the store, whatever folder it was in when imported (copies, restores)
    snapshot = path.with_name(Path(snapshot_name).name) if snapshot_name else None
    if snapshot is None or not snapshot.exists():
        raise ImportRefused(
            f"Le lot n° {batch_id} ne peut plus être annulé : la copie de la base d'avant cet "
            "import n'existe plus."
        )
    with store.writing(path, base=snapshot) as con:
        # the live store, read under the writers' lock: nothing can change it meanwhile
        with store.reading(path) as live:
            meta = dict(live.execute("SELECT key, value FROM meta").fetchall())
            history = live.execute(
                f"SELECT {HISTORY_COLUMNS} FROM import_batches ORDER BY batch_id").fetchall()
            # publications and the audit log are kept as they are now, not as they were
            store.carry_side_tables(con, live)
        if meta.get("data_version") != meta.get("import_data_version"):
            raise ImportRefused(
                "La base a été modifiée depuis le dernier import (initialisation, migration ou "
                "autre écriture) : l'annuler effacerait aussi ces changements. Annulation refusée."
            )
        kept = {row[0] for row in con.execute("SELECT batch_id FROM import_batches").fetchall()}
        for row in history:
            if row[0] not in kept:  # the undone batch, and those undone before it
                con.execute(
                    f"INSERT INTO import_batches ({HISTORY_COLUMNS}, original, undone, snapshot) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, true, NULL)", list(row))
        audit.record(con, "undo", f"lot n° {batch_id}",
                     f"{KIND_LABELS.get(kind, kind)} : la base est revenue à son état d'avant")
        _mark_import_version(con)
    snapshot.unlink(missing_ok=True)
    log.info("import %s, lot n° %s annulé", kind, batch_id)
    was = json.loads(stored or "{}")
    report = ImportReport(
        kind, file_name, sha256, size_bytes, container=was.get("container"),
        encoding=was.get("encoding"), delimiter=was.get("delimiter"), sheet=was.get("sheet"),
        rows_total=was.get("rows_total", 0), batch_id=batch_id, undone=True,
        notes=[f"Lot n° {batch_id} annulé : la base est revenue à son état d'avant cet import."],
    )
    return report


def batches(db: str | os.PathLike | None = None) -> pd.DataFrame:
    """The import history, newest first."""
    if not store.exists(db):
        return pd.DataFrame(columns=BATCH_COLUMNS)
    return store.query(
        f"SELECT {', '.join(BATCH_COLUMNS)} FROM import_batches ORDER BY batch_id DESC", db=db)


def rejected_rows(batch_id: int, db: str | os.PathLike | None = None) -> pd.DataFrame:
    """The rows a batch did not import (valid rows only), with line, column, value and message.

    ``raw`` is the row as it was in the file, minus its personal cells (e-mail, facilitators):
    what is shown and downloaded to fix the file. The original file keeps them.
    """
    if not store.exists(db):
        return pd.DataFrame(columns=REJECTED_COLUMNS)
    df = store.query(
        f"SELECT {', '.join(REJECTED_COLUMNS)} FROM rejected_rows WHERE batch_id = ? "
        "ORDER BY line, column_name", [batch_id], db=db)
    df["raw"] = df["raw"].map(privacy.without_personal_cells)
    return df


def original_file(batch_id: int, db: str | os.PathLike | None = None) -> bytes | None:
    """The file of a batch, byte for byte (None once undone)."""
    with store.reading(db) as con:  # fetched as bytes: a DataFrame would wrap them
        found = con.execute(
            "SELECT original FROM import_batches WHERE batch_id = ?", [batch_id]).fetchone()
    return None if found is None or found[0] is None else bytes(found[0])
