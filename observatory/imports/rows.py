"""What every kind's parser shares: import options, per-row cell access, the parse result."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from observatory import privacy
from observatory.config import Federation, Plausibility
from observatory.imports import mapping as mappings
from observatory.imports import normalise as n
from observatory.imports.errors import ImportRefused, RowError
from observatory.imports.normalise import (
    Field,
    HeaderMatch,
    clean_cell,
    formula_message,
    match_headers,
)
from observatory.imports.reading import RawTable
from observatory.privacy import looks_like_formula


@dataclass
class Options:
    """What the user said at import time, besides the file."""

    file_name: str | None = None
    source_path: Path | None = None  # the file on disk, when there is one (survey sidecar)
    year: int | None = None
    survey_meta: dict[str, Any] | None = None
    federation: Federation | None = None
    kind: str | None = None
    # the store's teams as (normalised name, département): which names cited are known
    known_teams: frozenset[tuple[str, str | None]] = frozenset()
    # what may be deleted: None (nothing more than the file adds), "confirm" (the deletions the
    # default scope brings), "year" (facilitations: every one of the file's years)
    replace: str | None = None
    # which column is which field: the user's choice (field reference -> column title), the
    # name to save it under, and the mappings saved in the store for this kind
    mapping: dict[str, str] | None = None
    mapping_name: str | None = None
    saved_mappings: tuple[mappings.SavedMapping, ...] = ()

    @property
    def plausibility(self) -> Plausibility:
        return self.federation.plausibility if self.federation else Plausibility()


# Errors kept one by one (with their row, for the report and the rejected rows of a valid-rows
# only import): past them, rejected rows are counted only, and the original file (kept whole
# with its batch) holds them. A file of 200,000 broken rows must not take gigabytes to refuse.
MAX_KEPT_ERRORS = 10_000


@dataclass
class Parsed:
    """A file read and validated: valid records for the writer, everything else for the report."""

    header_mapping: dict[str, str]
    ignored_columns: list[str]
    rows_total: int
    records: list[Any] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)  # line -> the row as JSON
    notes: list[str] = field(default_factory=list)
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: dict[str, Any] = field(default_factory=dict)
    more_rejected: int = 0  # rejected rows past MAX_KEPT_ERRORS: counted, not kept

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected) + self.more_rejected

    def reject(self, row: Row) -> None:
        """Take a row's errors (and its content, while under the cap) into the result."""
        kept = [e for e in row.errors if e is not DROPPED]
        if kept:
            self.errors.extend(kept)
            self.rejected[row.line] = row.raw_json()
        else:
            self.more_rejected += 1


Outcome = tuple[bool, Any]  # (True, value) or (False, the French message of its ValueError)


def outcome(memo: dict[Hashable, Outcome], key: Hashable, compute: Callable[[], Any]) -> Outcome:
    """``compute()`` or its ValueError's message, computed once per key of ``memo``.

    Exports repeat the same few values (types, stages, départements, options) thousands of
    times: each distinct cell of a column is normalised once per file, then looked up. Only for
    pure computations whose result is never changed in place.
    """
    found = memo.get(key)
    if found is None:
        try:
            found = (True, compute())
        except ValueError as exc:
            found = (False, str(exc))
        memo[key] = found
    return found


_NO_FORMULAS: frozenset[int] = frozenset()
# Marks a row in error once the file's errors kept reached MAX_KEPT_ERRORS.
DROPPED = RowError(None, None, None, "")


class Budget:
    """How many errors the rows of one file have kept so far (see MAX_KEPT_ERRORS)."""

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept = 0


DATE_ORDER = "date order"  # the key of the file's date order among the conventions


def date_order(table: RawTable, columns: list[int], notes: list[str] | None) -> str:
    """The order of the dates in ``columns`` (normalise.date_order: one file is written one
    way, so its date columns share one, a project's stages), said in ``notes`` when not French."""
    found = n.date_order(cells[i] for cells in table.rows for i in columns)
    note = found.note([table.header[i] for i in columns])
    if note and notes is not None:
        notes.append(note)
    return found.order


class Row:
    """One data row: cells by canonical field; parse helpers record errors instead of raising."""

    __slots__ = ("budget", "cells", "cleaned", "conventions", "errors", "line", "match", "memo",
                 "numbers", "table", "uncomputed")

    def __init__(self, table: RawTable, index: int, match: HeaderMatch,
                 memo: dict[Hashable, Outcome] | None = None,
                 cleaned: dict[str, str] | None = None, budget: Budget | None = None,
                 conventions: dict[str, str | None] | None = None) -> None:
        self.table = table
        self.line = table.lines[index]
        self.cells = table.rows[index]
        self.match = match
        self.errors: list[RowError] = []
        # shared by the rows of one file (rows_of): outcomes of parsers, cells as clean_cell gives
        self.memo = {} if memo is None else memo
        self.cleaned = {} if cleaned is None else cleaned
        self.budget = Budget() if budget is None else budget
        # columns holding a formula saved without its value (xlsx)
        self.uncomputed = table.formulas.get(self.line, _NO_FORMULAS)
        # columns holding a number cell (xlsx), and how each number column writes its numbers
        self.numbers = table.numbers.get(self.line, _NO_FORMULAS)
        self.conventions = {} if conventions is None else conventions

    def column(self, field_name: str) -> str | None:
        """The file's own header for a field (what error messages quote)."""
        i = self.match.columns.get(field_name)
        return self.table.header[i] if i is not None else None

    def text(self, field_name: str) -> str:
        i = self.match.columns.get(field_name)
        return self.cell(i) if i is not None else ""

    def cell(self, index: int) -> str:
        """A cell's text; a workbook formula Excel never computed is an error, not a value."""
        raw = self.cells[index]
        text = self.cleaned.get(raw)
        if text is None:
            text = self.cleaned[raw] = clean_cell(raw)
        if index in self.uncomputed:
            self.error(self.table.header[index], text,
                       f"« {text} » est une formule sans valeur calculée : ouvrez le classeur "
                       "dans Excel ou LibreOffice, enregistrez-le, puis importez-le à nouveau")
            return ""
        return text

    def name(self, field_name: str, what: str) -> str:
        """A name (a team's…): a spreadsheet formula there is an error, never a name."""
        text = self.text(field_name)
        if looks_like_formula(text):
            self.error(self.column(field_name), text, formula_message(text, what))
            return ""
        return text

    def parse(self, field_name: str, parser: Callable[..., Any], **kwargs: Any) -> Any:
        """``parser(cell)``; on ValueError the row gets an error and None is returned.

        ``parser`` is a pure function returning an immutable value: it runs once per distinct
        cell of the file, the other rows look its outcome up (see ``outcome``).
        """
        i = self.match.columns.get(field_name)
        if i is None or i in self.uncomputed:
            self.text(field_name)  # a formula without its value is the row's error
            raw = ""
        else:
            raw = self.cells[i]
        key = (parser, raw, *kwargs.items()) if kwargs else (parser, raw)
        found = self.memo.get(key)
        if found is None:
            found = outcome(self.memo, key, lambda: parser(clean_cell(raw), **kwargs))
        if found[0]:
            return found[1]
        self.error(self.column(field_name), clean_cell(raw), found[1])
        return None

    def number(self, field_name: str, parser: Callable[..., Any] = n.parse_number) -> Any:
        """A number field, read in its column's convention (a number cell needs none)."""
        i = self.match.columns.get(field_name)
        convention = n.EN if i in self.numbers else self.conventions.get(field_name)
        return self.parse(field_name, parser, convention=convention)

    def within(self, field_name: str, value: Any, low: float, high: float, what: str) -> Any:
        """``value`` when it lies in [low, high], else None and the row's error saying so;
        ``what``: "un montant ACI plausible pour une MSP"."""
        if value is None or low <= value <= high:
            return value
        self.error(self.column(field_name), self.text(field_name),
                   f"« {self.text(field_name)} » n'est pas {what} (attendu de "
                   f"{n.plain_number(low)} à {n.plain_number(high)})")
        return None

    def date(self, field_name: str, excel: bool, years: range) -> dt.datetime | None:
        """A date or date-time whose year is plausible (else None and the row's error)."""
        moment = self.parse(field_name, n.parse_date, excel_serial=excel,
                            order=self.conventions.get(DATE_ORDER) or n.DAY_FIRST)
        if moment is None or moment.year in years:
            return moment
        self.error(self.column(field_name), self.text(field_name),
                   f"« {self.text(field_name)} » n'est pas une date plausible (année attendue "
                   f"{n.years_text(years)})")
        return None

    def require(self, field_name: str, value: Any, label: str) -> Any:
        """Record an error when an obligatory value is missing (and was not already in error)."""
        if value is None or value == "":
            column = self.column(field_name)
            if not any(e.column == column for e in self.errors):
                self.error(column, self.text(field_name), f"valeur obligatoire manquante ({label})")
        return value

    def error(self, column: str | None, value: str | None, message: str) -> None:
        if self.budget.kept >= MAX_KEPT_ERRORS:
            if not self.errors:
                self.errors.append(DROPPED)  # the row is rejected all the same
            return
        error = RowError(self.line, column, value, message)
        if error not in self.errors:  # a cell read twice is reported once
            self.errors.append(error)
            self.budget.kept += 1

    def raw_json(self) -> str:
        return raw_json(self.table, self.cells)


def rows_of(table: RawTable, match: HeaderMatch, numbers: dict[str, str] | None = None,
            notes: list[str] | None = None, dates: tuple[str, ...] = ()) -> list[Row]:
    """Every data row of a file, sharing one memo of normalised values.

    ``numbers``: field -> kind of number (normalise.DECIMAL, MONEY, INTEGER) of the columns
    whose convention is decided from the whole column; ``dates``: the date fields, whose order
    (day or month first) is decided the same way; what was decided goes into ``notes``.
    """
    memo: dict[Hashable, Outcome] = {}
    cleaned: dict[str, str] = {}
    conventions: dict[str, str | None] = {}
    for field_name, kind in (numbers or {}).items():
        i = match.columns.get(field_name)
        if i is None:
            continue
        found = n.number_convention(
            (cells[i] for cells, line in zip(table.rows, table.lines, strict=True)
             if i not in table.numbers.get(line, _NO_FORMULAS)), kind)
        conventions[field_name] = found.convention
        note = found.note(table.header[i])
        if note and notes is not None:
            notes.append(note)
    date_columns = [i for i in (match.columns.get(f) for f in dates) if i is not None]
    if date_columns:
        conventions[DATE_ORDER] = date_order(table, date_columns, notes)
    budget = Budget()
    return [Row(table, i, match, memo, cleaned, budget, conventions)
            for i in range(len(table.rows))]


_CHECK_MARKS = frozenset({"x", "✓", "✔"})


def checkbox_column(table: RawTable, index: int | None) -> bool:
    """A yes/no column of check marks (« x », « ✓ ») or nothing: there, an empty cell means
    no; elsewhere it means unknown."""
    if index is None:
        return False
    marks = {clean_cell(cells[index]).casefold() for cells in table.rows} - {""}
    return bool(marks) and marks <= _CHECK_MARKS


def raw_json(table: RawTable, cells: list[str]) -> str:
    """A row as it was in the file (header → cell), kept with rejected rows."""
    return json.dumps(dict(zip(table.header, cells, strict=False)), ensure_ascii=False)


def start_parse(table: RawTable, fields: tuple[Field, ...], what: str,
                options: Options) -> tuple[HeaderMatch, Parsed]:
    """Header matching (with the user's or a saved mapping) and the parse result to fill.

    A file without the required columns is refused, naming them in French; the refusal carries
    what the import page needs to ask which column is which (``ImportRefused.request``).
    """
    applied = mappings.Applied(saved=mappings.closest(options.saved_mappings, table.header))
    chosen: dict[str, str] = dict(applied.saved.columns) if applied.saved else {}
    if options.mapping:
        given = {mappings.field_named(k, fields, what).name: v for k, v in options.mapping.items()}
        chosen.update(given)
        applied.chosen = given
    fixed = mappings.resolve(chosen, table.header, fields, what)
    match = match_headers(table.header, fields, fixed=fixed, by_keywords=True)
    request = mappings.request(table.header, table.rows, fields, match, applied.saved)
    if match.missing:
        missing = ", ".join(f"« {f.label} »" for f in match.missing)
        found = ", ".join(f"« {h} »" for h in table.header[:30])
        example = match.missing[0].label
        raise ImportRefused(
            f"Ce fichier ne ressemble pas à {what} : colonne(s) obligatoire(s) introuvable(s) "
            f"{missing}. Colonnes trouvées : {found}. Si le fichier les a sous un autre titre, "
            f"indiquez laquelle est laquelle (--map \"{example}=Titre de la colonne\", ou "
            "l'étape « Correspondance des colonnes » de la page d'import).",
            request=request,
        )
    parsed = Parsed(match.mapping, match.ignored, len(table.rows))
    parsed.notes += mappings.applied_notes(applied, match, fields)
    parsed.notes += [f"Colonne « {h} » : donnée personnelle, non importée."
                     for h in match.ignored
                     if privacy.is_personal_column(h) or privacy.is_personal_header(h)]
    parsed.extra["mapping"] = {
        "chosen": {f: c for f, c in chosen.items()} if options.mapping else {},
        "header": list(table.header), "name": options.mapping_name,
        "saved": applied.saved.name if applied.saved else None}
    parsed.extra["mapping_request"] = request
    return match, parsed


def finish(parsed: Parsed, rows: list[Row]) -> None:
    """Move the rows' errors into the parse result (rejected rows keep their raw content)."""
    for row in rows:
        if row.errors:
            parsed.reject(row)
    parsed.errors.sort(key=lambda e: (e.line or 0))


def outside_federation(parsed: Parsed, departements: list[str], options: Options) -> None:
    """A note (not an error) when rows concern départements the federation does not cover."""
    fed = options.federation
    if fed is None:
        return
    outside = sorted({d for d in departements if d and d not in fed.departements})
    if outside:
        parsed.notes.append(
            f"{len([d for d in departements if d in outside])} ligne(s) concernent des "
            f"départements hors de {fed.name} ({', '.join(outside)}) : importées, mais absentes "
            "des tableaux de la fédération."
        )
