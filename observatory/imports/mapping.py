"""Column mappings: which column of a file is which field, as the user said, saved for next time.

A mapping is given on the command line (``--map "Type de structure=Quel est le type…"``, or a
TOML file of such pairs), or on the import page when a required field is not recognised. Once
an import with it succeeds, it is saved in the store under a name, for that kind and that set of
headers, and applied by itself to a later file whose headers are the same or nearly so (next
year's export of the same form): every column it names is there, and the two header sets share
at least ``OVERLAP`` of their headers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Field, HeaderMatch, clean_cell, header_key

# Share of headers (common / all, by meaning) a file must have with a saved mapping's headers.
OVERLAP = 0.75
NO_COLUMN = ""  # a field mapped to no column: not even matched automatically


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved in the store: field -> the header of its column ('' for none)."""

    name: str
    headers: tuple[str, ...]
    columns: dict[str, str]
    saved_at: dt.datetime | None = None


@dataclass
class MappingRequest:
    """What the import page needs to let the user say which column is which field."""

    fields: list[tuple[str, str, bool]]  # (name, French label, required)
    columns: list[tuple[str, list[str]]]  # (header, its first distinct values)
    proposed: dict[str, str]  # field -> header, as matched (automatically or saved)
    missing: list[str]  # required fields without a column
    saved: str | None = None  # the name of the saved mapping applied


@dataclass
class Applied:
    """How a file's columns were mapped: what the user chose, and what to say about it."""

    chosen: dict[str, str] = field(default_factory=dict)  # field -> header the user gave
    saved: SavedMapping | None = None
    notes: list[str] = field(default_factory=list)


def from_arguments(values: Sequence[str]) -> dict[str, str]:
    """``--map "Champ=Colonne du fichier"`` (repeatable) → {field reference: column}."""
    out: dict[str, str] = {}
    for value in values:
        target, sep, column = value.partition("=")
        if not sep or not target.strip():
            raise ImportRefused(
                f"Correspondance « {value} » illisible : attendu « Champ=Colonne du fichier », "
                "par exemple --map \"Type de structure=Quel est le type de votre structure ?\".")
        out[target.strip()] = column.strip()
    return out


def from_file(path: Path) -> dict[str, str]:
    """A TOML file of ``"Champ" = "Colonne du fichier"`` pairs (at the top or under
    ``[colonnes]``) → {field reference: column}."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRefused(f"Fichier de correspondance introuvable : {path}") from None
    except (OSError, UnicodeDecodeError):
        raise ImportRefused(
            f"Fichier de correspondance « {path.name} » illisible : enregistrez-le en texte "
            "UTF-8.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f" (ligne {line.group(1)})" if line else ""
        raise ImportRefused(
            f"Fichier de correspondance « {path.name} » mal écrit{where} : attendu une ligne "
            "par champ, « \"Type de structure\" = \"Quel est le type de votre structure ?\" ».",
        ) from None
    pairs = raw.get("colonnes", raw)
    bad = [k for k, v in pairs.items() if not isinstance(v, str)]
    if bad:
        raise ImportRefused(
            f"Fichier de correspondance « {path.name} » : la valeur de « {bad[0]} » doit être le "
            "titre d'une colonne, entre guillemets.")
    return {k: v for k, v in pairs.items() if isinstance(v, str)}


def field_named(text: str, fields: Sequence[Field], what: str) -> Field:
    """The field a user means by its label, its code or any of its synonyms."""
    key = header_key(text)
    for f in fields:
        if key in {header_key(s) for s in (f.name, f.label, *f.synonyms)}:
            return f
    known = ", ".join(f"« {f.label} »" for f in fields)
    raise ImportRefused(f"Correspondance refusée : « {text} » n'est pas un champ connu "
                        f"(champs d'{what} : {known}).")


def column_index(header: Sequence[str], text: str) -> int | None:
    """The column a user names: its exact title, else the one title of the same meaning."""
    if text in header:
        return header.index(text)
    same = [i for i, h in enumerate(header) if header_key(h) == header_key(text)]
    return same[0] if len(same) == 1 else None


def resolve(chosen: Mapping[str, str], header: Sequence[str], fields: Sequence[Field],
            what: str) -> dict[str, int | None]:
    """{field reference: column} → {field name: column index, or None for no column}."""
    out: dict[str, int | None] = {}
    used: dict[int, str] = {}
    for target, column in chosen.items():
        f = field_named(target, fields, what)
        if column == NO_COLUMN:
            out[f.name] = None
            continue
        i = column_index(header, column)
        if i is None:
            shown = ", ".join(f"« {h} »" for h in header[:30])
            raise ImportRefused(
                f"Correspondance refusée : la colonne « {column} » (pour « {f.label} ») n'existe "
                f"pas dans ce fichier. Colonnes du fichier : {shown}.")
        if i in used and used[i] != f.name:
            raise ImportRefused(
                f"Correspondance refusée : la colonne « {header[i]} » est indiquée pour deux "
                f"champs (« {_label(used[i], fields)} » et « {f.label} »).")
        out[f.name], used[i] = i, f.name
    return out


def _label(name: str, fields: Sequence[Field]) -> str:
    return next((f.label for f in fields if f.name == name), name)


def overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Common headers over all headers (by meaning) of two files."""
    ka, kb = {header_key(h) for h in a}, {header_key(h) for h in b}
    return len(ka & kb) / len(ka | kb) if ka | kb else 0.0


def closest(saved: Sequence[SavedMapping], header: Sequence[str]) -> SavedMapping | None:
    """The saved mapping made for these headers (or nearly these), if any: the most alike,
    then the newest."""
    fitting = [
        m for m in saved
        if overlap(m.headers, header) >= OVERLAP
        and all(c == NO_COLUMN or column_index(header, c) is not None for c in m.columns.values())
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda m: (overlap(m.headers, header),
                                       m.saved_at or dt.datetime.min))


def applied_notes(applied: Applied, match: HeaderMatch, fields: Sequence[Field]) -> list[str]:
    """What the report says about the columns the user or a saved mapping chose."""
    notes = []
    if applied.saved is not None:
        when = f" du {applied.saved.saved_at:%d/%m/%Y}" if applied.saved.saved_at else ""
        notes.append(
            f"Correspondance des colonnes enregistrée « {applied.saved.name} »{when} appliquée "
            "(mêmes colonnes qu'un fichier déjà importé) : "
            + _pairs(applied.saved.columns, fields) + ".")
    if applied.chosen:
        notes.append("Correspondance indiquée : " + _pairs(applied.chosen, fields) + ".")
    for name in match.by_keywords:
        notes.append(f"Colonne « {name} » reconnue comme « {_label(match.mapping[name], fields)} » "
                     "par ses mots clés : vérifiez-le dans la correspondance des colonnes.")
    return notes


def _pairs(columns: Mapping[str, str], fields: Sequence[Field]) -> str:
    return ", ".join(f"« {c} » → {_label(f, fields)}" if c else f"{_label(f, fields)} : aucune"
                     for f, c in columns.items())


def request(header: Sequence[str], rows: Sequence[Sequence[str]], fields: Sequence[Field],
            match: HeaderMatch, saved: SavedMapping | None) -> MappingRequest:
    """The mapping step's content: every field, every column with its first values."""
    from observatory import privacy

    columns = []
    for i, h in enumerate(header):
        values: list[str] = []
        for row in rows[:200]:
            value = clean_cell(row[i]) if i < len(row) else ""
            if value and value not in values:
                values.append(value[:60])
            if len(values) == 3:
                break
        # personal data is not shown, even to the admin choosing columns
        personal = privacy.is_personal_column(h) or privacy.is_personal_header(h)
        columns.append((h, ["(donnée personnelle)"] if personal and values else values))
    proposed = {f: header[i] for f, i in match.columns.items()}
    return MappingRequest([(f.name, f.label, f.required) for f in fields], columns, proposed,
                          [f.name for f in match.missing], saved.name if saved else None)


def default_name(kind_label: str, file_name: str | None) -> str:
    """The name a mapping is saved under when the user gives none."""
    stem = (file_name or "fichier").rsplit(".", 1)[0]
    return f"{kind_label} — {stem}"[:120]


def load(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[SavedMapping, ...]:
    """The mappings saved for one kind of import."""
    rows = con.execute(
        "SELECT name, headers, columns, saved_at FROM column_mappings WHERE kind = ? "
        "ORDER BY saved_at DESC, name", [kind]).fetchall()
    return tuple(SavedMapping(name, tuple(headers), json.loads(columns), saved_at)
                 for name, headers, columns, saved_at in rows)


def save(con: duckdb.DuckDBPyConnection, kind: str, name: str, header: Sequence[str],
         columns: Mapping[str, str], batch_id: int) -> None:
    """Save (or replace) a named mapping for a kind and a set of headers."""
    con.execute("DELETE FROM column_mappings WHERE kind = ? AND name = ?", [kind, name])
    con.execute(
        "INSERT INTO column_mappings (kind, name, headers, columns, saved_at, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [kind, name, list(header), json.dumps(dict(columns), ensure_ascii=False),
         dt.datetime.now().replace(microsecond=0), batch_id])
