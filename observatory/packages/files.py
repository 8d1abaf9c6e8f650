"""Packages on disk: writing a folder or a .zip, and reading one back only when every byte checks.

A folder holds the Parquet files and ``manifest.json``; a ``.zip`` holds the same, stored
uncompressed (a package of aggregates is small, and its bytes stay readable to a search), its
comment giving the SHA-256 of every byte before it. The manifest lists each file's SHA-256,
bytes and rows and carries its own checksum, and is written in one canonical form: a changed,
added, missing or truncated byte anywhere is refused before anything is read from the files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from observatory.packages import (
    FORMAT,
    GRAIN_DIMENSIONS,
    MANIFEST,
    OPTIONAL_TABLES,
    SCHEMA_VERSION,
    TABLES,
    TOTAL,
    PackageRefused,
    file_name,
)

log = logging.getLogger(__name__)

ZIP_COMMENT = b"observatoire-sha256:"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MAX_BYTES = 500 * 1024 * 1024


def canonical(manifest: dict[str, Any]) -> bytes:
    """The one way a manifest is written (its checksum is over this form, without itself)."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(canonical(body)).hexdigest()


def sealed(manifest: dict[str, Any]) -> bytes:
    """``manifest`` with its checksum, as the bytes of manifest.json."""
    return canonical({**manifest, "checksum": _checksum(manifest)})


def write(out: Path, manifest: dict[str, Any], files: dict[str, bytes]) -> Path:
    """Write the package: a .zip when ``out`` ends with .zip, else a new (or empty) folder.

    ``manifest`` gets each file's SHA-256, bytes and rows are the caller's (``files`` maps
    names to Parquet bytes); the package appears whole or not at all.
    """
    entries = {MANIFEST: sealed(manifest), **files}
    out = Path(out)
    if out.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = 0o644 << 16
                archive.writestr(info, entries[name])
        data = buffer.getvalue()
        # an archive without a comment ends with its (zero) comment length: replace it
        body = data[:-2]
        comment = ZIP_COMMENT + hashlib.sha256(body).hexdigest().encode()
        data = body + len(comment).to_bytes(2, "little") + comment
        tmp = out.with_name(f".{out.name}.partial")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(out)
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise PackageRefused(f"« {out} » existe déjà et n'est pas un dossier vide : "
                                 "choisissez un autre nom (ou un .zip).")
        tmp = out.with_name(f".{out.name}.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, data in entries.items():
            (tmp / name).write_bytes(data)
        if out.exists():
            out.rmdir()
        tmp.replace(out)
    log.info("paquet écrit : %s (%d fichiers)", out, len(entries))
    return out


def describe(files: dict[str, bytes], rows: dict[str, int]) -> dict[str, dict[str, Any]]:
    """The manifest's ``files`` entry: SHA-256, bytes and rows of each file."""
    return {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                   "rows": rows[name]} for name, data in sorted(files.items())}


@dataclass(frozen=True)
class Package:
    """A verified package: its manifest and the folder its files were read into."""

    manifest: dict[str, Any]
    folder: Path
    source: Path

    @property
    def tables(self) -> list[str]:
        return [t for t in TABLES if file_name(t) in self.manifest["files"]]

    def path(self, table: str) -> Path:
        return self.folder / file_name(table)

    @property
    def federations(self) -> list[dict[str, Any]]:
        return list(self.manifest["federations"])

    @property
    def national(self) -> bool:
        return bool(self.manifest.get("national"))


def _refuse(source: Path, why: str) -> PackageRefused:
    return PackageRefused(f"Paquet « {source.name} » refusé : {why}. Rien n'a été importé.")


def _zip_entries(source: Path) -> dict[str, bytes]:
    data = source.read_bytes()
    end = 22 + len(ZIP_COMMENT) + 64
    tail = data[-end:] if len(data) >= end else b""
    comment = tail[22:]
    if (not tail.startswith(b"PK\x05\x06") or int.from_bytes(tail[20:22], "little") != len(comment)
            or not comment.startswith(ZIP_COMMENT)):
        raise _refuse(source, "ce n'est pas une archive de paquet complète (tronquée, "
                              "modifiée ou d'un autre logiciel)")
    if hashlib.sha256(data[:-len(comment) - 2]).hexdigest().encode() != comment[len(ZIP_COMMENT):]:
        raise _refuse(source, "l'archive a été modifiée ou abîmée depuis sa création "
                              "(empreinte SHA-256 différente)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(set(names)) != len(names) or any("/" in n or "\\" in n for n in names):
                raise _refuse(source, "l'archive contient des dossiers ou des doublons")
            return {n: archive.read(n) for n in names}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(source, f"archive illisible ({type(exc).__name__})") from None


def _folder_entries(source: Path) -> dict[str, bytes]:
    entries = {}
    for path in sorted(source.iterdir()):
        if not path.is_file() or path.is_symlink():
            raise _refuse(source, f"« {path.name} » n'est pas un fichier du paquet")
        entries[path.name] = path.read_bytes()
    return entries


def _manifest(source: Path, entries: dict[str, bytes]) -> dict[str, Any]:
    raw = entries.get(MANIFEST)
    if raw is None:
        raise _refuse(source, f"{MANIFEST} est absent (est-ce bien un paquet Observatoire ?)")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(source, f"{MANIFEST} est illisible (modifié ou tronqué)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(source, f"{MANIFEST} n'est pas celui d'un paquet Observatoire")
    if canonical(manifest) != raw or manifest.get("checksum") != _checksum(manifest):
        raise _refuse(source, f"{MANIFEST} a été modifié depuis sa création (sa somme de "
                              "contrôle ne correspond plus)")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        raise _refuse(source, f"version de schéma {version} ({'plus récente que' if newer else 'inconnue de'}"
                              f" ce logiciel, qui lit la version {SCHEMA_VERSION})"
                              + (" : mettez Observatoire à jour" if newer else ""))
    return manifest


def _check_files(source: Path, manifest: dict[str, Any], entries: dict[str, bytes]) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise _refuse(source, "le manifeste ne liste pas ses fichiers")
    known = {file_name(t) for t in TABLES}
    required = {file_name(t) for t in TABLES if t not in OPTIONAL_TABLES}
    if not required <= set(listed) or not set(listed) <= known:
        raise _refuse(source, "le manifeste ne liste pas les tables attendues")
    extra = set(entries) - set(listed) - {MANIFEST}
    missing = set(listed) - set(entries)
    if extra or missing:
        which = ", ".join(sorted(missing)) or ", ".join(sorted(extra))
        raise _refuse(source, f"fichier(s) {'manquant(s)' if missing else 'en trop'} : {which}")
    for name, info in listed.items():
        data = entries[name]
        if len(data) != info.get("bytes") or hashlib.sha256(data).hexdigest() != info.get("sha256"):
            raise _refuse(source, f"« {name} » a été modifié ou tronqué depuis la création du "
                                  "paquet (empreinte SHA-256 différente)")


def _check_tables(source: Path, package: Package) -> None:
    """Each file is the table it says it is: columns, types, rows, and values in their place."""
    manifest = package.manifest
    federations = {f["id"]: f for f in package.federations}
    con = duckdb.connect()
    try:
        for table in package.tables:
            path = str(package.path(table)).replace("'", "''")
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
                rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()
            except duckdb.Error:
                raise _refuse(source, f"« {file_name(table)} » n'est pas un fichier Parquet "
                                      "lisible") from None
            columns = tuple((name, kind) for name, kind, *_ in described)
            if columns != TABLES[table]:
                raise _refuse(source, f"« {file_name(table)} » n'a pas les colonnes de la "
                                      f"table {table} (schéma {SCHEMA_VERSION})")
            if rows is None or rows[0] != manifest["files"][file_name(table)]["rows"]:
                raise _refuse(source, f"« {file_name(table)} » n'a pas le nombre de lignes "
                                      "annoncé")
            wrong = _wrong_values(con, path, table, federations)
            if wrong:
                raise _refuse(source, f"« {file_name(table)} » : {wrong}")
    finally:
        con.close()


def _wrong_values(con: duckdb.DuckDBPyConnection, path: str, table: str,
                  federations: dict[str, dict[str, Any]]) -> str | None:
    """The first value out of place in a table, said in French (None when all are right)."""
    cols = dict(TABLES[table])
    fed = con.execute(f"SELECT DISTINCT federation FROM read_parquet('{path}')").fetchall()
    unknown = sorted(str(f) for (f,) in fed if f not in federations)
    if unknown:
        return f"fédération non déclarée dans le manifeste ({', '.join(unknown)})"
    checks = []
    params: dict[str, Any] = {}
    for i, (fid, info) in enumerate(federations.items()):
        params[f"f{i}"], params[f"d{i}"], params[f"y{i}"] = (
            fid, list(info["departements"]), [int(y) for y in info["years"]])
        if "departement" in cols:
            checks.append((f"federation = $f{i} AND departement IS NOT NULL AND departement "
                           f"<> 'non_renseigne' AND NOT list_contains($d{i}, departement)",
                           "département hors des départements de sa fédération"))
        if "year" in cols:
            checks.append((f"federation = $f{i} AND NOT list_contains($y{i}, year)",
                           "année hors des années du paquet"))
    for col, kind in cols.items():
        if kind in ("BIGINT", "DOUBLE") and col not in ("sort_key", "bin_start", "bin_end"):
            checks.append((f"{col} < 0", f"valeur négative dans {col}"))
    dims = GRAIN_DIMENSIONS.get(table)
    if dims:
        names = {"+".join(d for d, keep in zip(dims, mask, strict=True) if keep) or TOTAL: mask
                 for mask in _masks(len(dims))}
        consistent = " OR ".join(
            "(grain = '{g}' AND {c})".format(g=g, c=" AND ".join(
                f"{d} IS {'NOT ' if keep else ''}NULL" for d, keep in zip(dims, mask, strict=True)))
            for g, mask in names.items())
        checks.append((f"NOT ({consistent})", "grain inconnu ou incohérent avec les colonnes"))
    for condition, message in checks:
        found = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE {condition}",
                            {k: v for k, v in params.items() if f"${k}" in condition}).fetchone()
        if found and found[0]:
            return f"{message} ({found[0]} ligne(s))"
    return None


def _masks(n: int) -> list[tuple[bool, ...]]:
    return [tuple(bool(i >> k & 1) for k in range(n)) for i in range(2 ** n)]


def _check_federations(source: Path, manifest: dict[str, Any]) -> None:
    feds = manifest.get("federations")
    if not isinstance(feds, list) or not feds:
        raise _refuse(source, "le manifeste ne dit pas de quelle fédération il vient")
    for f in feds:
        if not isinstance(f, dict) or not {"id", "name", "departements", "years", "created_at",
                                            "threshold"} <= set(f):
            raise _refuse(source, "une fédération du manifeste est incomplète")
        try:
            dt.datetime.fromisoformat(str(f["created_at"]))
        except ValueError:
            raise _refuse(source, "date de création illisible") from None
    ids = [f["id"] for f in feds]
    if len(set(ids)) != len(ids):
        raise _refuse(source, "une fédération y figure deux fois")


@contextlib.contextmanager
def opened(source: str | os.PathLike) -> Iterator[Package]:
    """The package at ``source`` (folder or .zip), verified whole; PackageRefused otherwise.

    The files are read once, checked against the manifest, then written to a private folder
    that the caller reads (and that disappears after), so that nothing can change in between.
    """
    source = Path(source)
    if not source.exists():
        raise PackageRefused(f"Aucun paquet à « {source} ».")
    size = (sum(p.stat().st_size for p in source.iterdir()) if source.is_dir()
            else source.stat().st_size)
    if size > MAX_BYTES:
        raise _refuse(source, f"plus de {MAX_BYTES // 1024 // 1024} Mo")
    entries = _folder_entries(source) if source.is_dir() else _zip_entries(source)
    manifest = _manifest(source, entries)
    _check_federations(source, manifest)
    _check_files(source, manifest, entries)
    with tempfile.TemporaryDirectory(prefix="observatoire-paquet-") as tmp:
        folder = Path(tmp)
        for name, data in entries.items():
            (folder / name).write_bytes(data)
        package = Package(manifest, folder, source)
        _check_tables(source, package)
        yield package
