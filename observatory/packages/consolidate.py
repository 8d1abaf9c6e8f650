"""Loading packages into a store: the regions into a national store, France into a regional one.

Every package is verified whole (``files.opened``) before anything is written, and all of them
are written in one copy-on-write transaction (``store.writing``): a refused package leaves the
store exactly as it was. A newer package of a federation replaces that federation's rows and
nothing else; two federations may not cover the same département in the same year.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from observatory import store
from observatory.packages import TABLES, PackageRefused, files, store_table

log = logging.getLogger(__name__)
DB = str | os.PathLike | None
NATIONAL_FEDERATION = "avecsante"


@dataclass
class Loaded:
    """What loading one federation's rows did (what the command and the page print)."""

    federation: str
    name: str
    years: list[int]
    created_at: str
    replaced: str | None  # the creation time of the package it replaced, if any
    rows: dict[str, int] = field(default_factory=dict)

    def to_text(self) -> str:
        years = ", ".join(map(str, self.years))
        what = (f"remplace le paquet du {_french(self.replaced)}" if self.replaced
                else "nouvelle fédération")
        total = sum(self.rows.values())
        return (f"{self.name} ({self.federation}) : années {years}, paquet du "
                f"{_french(self.created_at)} ({what}), {total} lignes")


def _french(stamp: str | None) -> str:
    if not stamp:
        return "–"
    return dt.datetime.fromisoformat(stamp).strftime("%d/%m/%Y à %H:%M UTC")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _sha(package: files.Package) -> str:
    return hashlib.sha256(files.sealed({k: v for k, v in package.manifest.items()
                                        if k != "checksum"})).hexdigest()


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """« 30 en 2025 » when two federations' packages cover a département in a year, else None."""
    deps = sorted(set(a["departements"]) & set(b["departements"]))
    years = sorted(set(int(y) for y in a["years"]) & set(int(y) for y in b["years"]))
    if deps and years:
        return f"{', '.join(deps[:5])}{'…' if len(deps) > 5 else ''} en {', '.join(map(str, years))}"
    return None


def _insert(con: duckdb.DuckDBPyConnection, package: files.Package, ids: list[str],
            source: str | None) -> dict[str, dict[str, int]]:
    """The package's rows of the federations ``ids`` into the store tables; rows per table."""
    counts: dict[str, dict[str, int]] = {f: {} for f in ids}
    for table in package.tables:
        path = _sql_path(package.path(table))
        columns = ", ".join(f'"{c}"' for c, _ in TABLES[table])
        con.execute(f"INSERT INTO {store_table(table)} ({columns}) SELECT {columns} FROM "
                    f"read_parquet('{path}') WHERE list_contains($ids, federation)", {"ids": ids})
        for fid, n in con.execute(f"SELECT federation, count(*) FROM read_parquet('{path}') "
                                  "WHERE list_contains($ids, federation) GROUP BY ALL",
                                  {"ids": ids}).fetchall():
            counts[fid][table] = int(n)
    sha = _sha(package)
    for entry in package.federations:
        if entry["id"] not in ids:
            continue
        con.execute(
            "INSERT INTO packages VALUES ($id, $name, $region, $code, $deps, $years, $schema, "
            "$version, $created, $threshold, $register, $hours, $sha, $source, now())",
            {"id": entry["id"], "name": entry["name"], "region": entry.get("region"),
             "code": entry.get("region_code"), "deps": list(entry["departements"]),
             "years": [int(y) for y in entry["years"]],
             "schema": package.manifest["schema_version"],
             "version": package.manifest.get("product_version"),
             "created": dt.datetime.fromisoformat(entry["created_at"]),
             "threshold": int(entry["threshold"]), "register": bool(entry.get("team_register")),
             "hours": bool(entry.get("volunteer_hours")), "sha": sha, "source": source})
    return counts


def _delete(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> None:
    """The rows of the federations ``ids`` (all of them for None) out of every package table."""
    where = "" if ids is None else " WHERE list_contains($ids, federation)"
    params = {} if ids is None else {"ids": ids}
    for table in (*TABLES, None):
        name = "packages" if table is None else store_table(table)
        con.execute(f"DELETE FROM {name}{where}", params)


def consolidate(paths: Sequence[str | os.PathLike], db: DB,
                federation_id: str = NATIONAL_FEDERATION) -> list[Loaded]:
    """Build or update the national store ``db`` from the regions' packages ``paths``.

    Each package is verified (checksums, schema version, one package per federation, no
    two federations on one département and year, not older than the one already loaded);
    then all are written in one transaction: a federation's rows replace its previous ones.
    """
    path = store.db_path(db)
    if path.exists():
        if store.kind(path) != store.NATIONAL:
            raise PackageRefused(
                f"« {path} » est la base d'une fédération ({store.federation_id(path)}), pas "
                "une base nationale : pour y charger le paquet national comme référence, "
                "utilisez « observatory reference PAQUET ».")
        loaded = {r["federation"]: r for r in store.query(
            "SELECT federation, departements, years, created_at FROM packages", db=path
        ).to_dict("records")}
    else:
        loaded = {}
    with contextlib.ExitStack() as stack:
        packages = [stack.enter_context(files.opened(p)) for p in paths]
        incoming: dict[str, dict[str, Any]] = {}
        for package in packages:
            if package.national:
                raise PackageRefused(
                    f"« {package.source.name} » est un paquet national : il se charge comme "
                    "référence dans la base d'une fédération (observatory reference), il ne "
                    "se consolide pas.")
            for entry in package.federations:
                if entry["id"] in incoming:
                    raise PackageRefused(f"Deux paquets de {entry['name']} : consolidez-en un "
                                         "seul à la fois (le plus récent).")
                incoming[entry["id"]] = entry
        for fid, entry in incoming.items():
            before = loaded.get(fid)
            created = dt.datetime.fromisoformat(entry["created_at"])
            if before is not None and created < before["created_at"]:
                raise PackageRefused(
                    f"Le paquet de {entry['name']} ({package_date(entry)}) est plus ancien que "
                    f"celui déjà consolidé (du {before['created_at']:%d/%m/%Y à %H:%M}) : rien "
                    "n'a été importé.")
            others = [({"departements": list(r["departements"]), "years": list(r["years"])}, g)
                      for g, r in loaded.items() if g not in incoming]
            others += [(e, g) for g, e in incoming.items() if g != fid]
            for other, gid in others:
                where = _overlap(entry, other)
                if where:
                    name = incoming[gid]["name"] if gid in incoming else gid
                    raise PackageRefused(
                        f"Le paquet de {entry['name']} couvre {where}, déjà couvert par "
                        f"{name} : deux fédérations ne peuvent pas couvrir le même "
                        "département la même année. Rien n'a été importé.")
        reports = []
        with store.writing(path) as con:
            if not loaded:
                store.initialise(con, federation_id, store.NATIONAL)
            for package in packages:
                ids = [e["id"] for e in package.federations]
                _delete(con, ids)
                counts = _insert(con, package, ids, None)
                for entry in package.federations:
                    before = loaded.get(entry["id"])
                    reports.append(Loaded(
                        entry["id"], entry["name"], [int(y) for y in entry["years"]],
                        entry["created_at"],
                        before["created_at"].isoformat() if before is not None else None,
                        counts[entry["id"]]))
    for report in reports:
        log.info("paquet consolidé : %s, %d lignes", report.federation, sum(report.rows.values()))
    return reports


def package_date(entry: dict[str, Any]) -> str:
    return f"du {_french(entry['created_at'])}"


def load_reference(source: str | os.PathLike, db: DB) -> list[Loaded]:
    """Give a federation's store the national package as its reference (replacing any)."""
    path = store.db_path(db)
    if not path.exists():
        with store.reading(path):
            pass  # the French "no store" message
    if store.kind(path) == store.NATIONAL:
        raise PackageRefused("Cette base est nationale : consolidez-y les paquets des régions "
                             "(observatory consolidate) plutôt qu'une référence.")
    with files.opened(source) as package:
        if not package.national:
            raise PackageRefused(
                f"« {package.source.name} » est le paquet d'une fédération "
                f"({package.federations[0]['name']}), pas le paquet national : demandez à "
                "l'équipe nationale son paquet (observatory publish sur la base nationale).")
        ids = [e["id"] for e in package.federations]
        with store.writing(path) as con:
            _delete(con, None)
            counts = _insert(con, package, ids, package.manifest["federation"]["id"])
    log.info("référence nationale chargée : %d fédérations", len(ids))
    return [Loaded(e["id"], e["name"], [int(y) for y in e["years"]], e["created_at"], None,
                   counts[e["id"]]) for e in package.federations]


def loaded_packages(db: DB) -> list[dict[str, Any]]:
    """The packages a store holds (federation, name, years, created_at, source), by name."""
    return store.query("SELECT federation, name, region, years, created_at, team_register, "
                       "source, loaded_at FROM packages ORDER BY name", db=db).to_dict("records")


