"""One reading layer for every kind: container, encoding, delimiter and size checks → RawTable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from observatory.imports.errors import ImportRefused

DEFAULT_MAX_MB = 20


def size_limit() -> int:
    """The size limit of an imported file: $OBSERVATORY_IMPORT_MAX_MB (read at each call), else 20 Mo."""
    return int(float(os.environ.get("OBSERVATORY_IMPORT_MAX_MB") or DEFAULT_MAX_MB) * 1024 * 1024)


# An .xlsx is a zip: its sheets may inflate far beyond the file size. Real workbooks compress
# about 5-10x; anything past this ratio of the size limit is treated as a zip bomb.
XLSX_INFLATE_FACTOR = 10

CONTAINERS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
DELIMITERS = (",", ";", "\t")
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "cp1252": "Windows-1252"}
DELIMITER_LABELS = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}

# A valid UTF-8 multi-byte sequence: seen in a file that is not valid UTF-8 as a whole, it means
# two encodings were mixed (e.g. a UTF-8 export pasted into a Windows-1252 one).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


@dataclass
class RawTable:
    """A file's cells as text, before any meaning is given to them."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # 1-based line (or sheet row) where each row starts; the header is line 1
    container: str  # "csv" or "xlsx"
    encoding: str | None = None  # csv only: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None  # csv only
    sheet: str | None = None  # xlsx only
    header_line: int = 1
    notes: list[str] = field(default_factory=list)
    # xlsx only: line -> columns holding a formula saved without its computed value
    formulas: dict[int, set[int]] = field(default_factory=dict)
    # xlsx only: line -> columns holding a number cell (its text is Python's: 1234.5, never
    # grouped), told apart from a number typed as text ("1.234,5") whose writing must be read
    numbers: dict[int, set[int]] = field(default_factory=dict)


def size_limit_message(size: int, max_bytes: int) -> str:
    return (
        f"Le fichier est trop volumineux ({size / 1024 / 1024:.1f} Mo) : la limite est de "
        f"{max_bytes / 1024 / 1024:.0f} Mo. Exportez une période plus courte ou retirez les "
        "colonnes inutiles."
    )


def container_of(data: bytes, file_name: str | None) -> str:
    """"csv" or "xlsx", from the file name's extension, else from the content."""
    suffix = os.path.splitext(file_name or "")[1].lower()
    if suffix == ".xls":
        raise ImportRefused(
            "Les classeurs Excel anciens (.xls) ne sont pas pris en charge : enregistrez le "
            "fichier au format .xlsx ou .csv."
        )
    if suffix in CONTAINERS:
        return CONTAINERS[suffix]
    # no or unusual extension (an upload renamed by a browser…): the content decides
    return "xlsx" if data.startswith(b"PK\x03\x04") else "csv"


def read_table(
    data: bytes,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
) -> RawTable:
    """Read any supported file into a RawTable, or refuse it with a French message."""
    limit = size_limit() if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ImportRefused(size_limit_message(len(data), limit))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportRefused("Le fichier est vide.")
    if container_of(data, file_name) == "xlsx":
        return _read_xlsx(data, sheet=sheet, max_bytes=limit)
    text, encoding = decode(data)
    return _read_csv(text, encoding, file_name)


# -- text files ------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """The file's text and encoding; refuses what is neither UTF-8 nor plausible Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportRefused(
            "Encodage non pris en charge : le fichier semble être en UTF-16 (« Texte Unicode ») "
            "ou binaire. Enregistrez-le au format « CSV UTF-8 » puis importez-le à nouveau."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc) from None
    if not _plausible_text(text):
        raise _undecodable(data, first_error)
    utf8 = _UTF8_SEQUENCE.search(data)
    if utf8:
        raise ImportRefused(
            "Impossible de lire le texte du fichier : il mélange deux encodages (Windows-1252 "
            f"ligne {_line_at(data, first_error.start)}, UTF-8 ligne "
            f"{_line_at(data, utf8.start())}). Enregistrez-le au format « CSV UTF-8 » puis "
            "importez-le à nouveau."
        )
    return text, "cp1252"


def _plausible_text(text: str) -> bool:
    """Windows-1252 decodes almost any bytes: accept it only when the result reads like text."""
    if _CONTROL.search(text):
        return False
    visible = _SPACE.sub("", text)  # \s is str.isspace(), counted in C, not char by char
    if not visible:
        return True
    high = len(visible) - len(visible.encode("ascii", "ignore"))
    # French text has a few accented letters per hundred characters, random bytes half of them
    return high / len(visible) < 0.2


def _line_at(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _undecodable(data: bytes, exc: UnicodeDecodeError) -> ImportRefused:
    return ImportRefused(
        "Impossible de lire le texte du fichier : ce n'est ni de l'UTF-8 ni du Windows-1252 "
        f"(Excel) ; premier caractère illisible ligne {_line_at(data, exc.start)}. "
        "Enregistrez-le au format « CSV UTF-8 » puis importez-le à nouveau."
    )


def sniff_delimiter(text: str, file_name: str | None = None) -> str:
    """The delimiter giving the most consistent table over the first records."""
    sample = text[:64 * 1024]
    best: tuple[float, int, int] | None = None
    chosen = "\t" if (file_name or "").lower().endswith(".tsv") else ","
    for rank, delim in enumerate(DELIMITERS):
        widths = []
        try:
            for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delim):
                if any(c.strip() for c in record):
                    widths.append(len(record))
                if len(widths) > 50:
                    break
        except csv.Error:
            continue
        # the sample may end mid-record: ignore the last one
        if len(widths) > 2:
            widths = widths[:-1]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for w in widths if w == widths[0]) / len(widths)
        score = (consistent, widths[0], -rank)
        if best is None or score > best:
            best, chosen = score, delim
    return chosen


def _read_csv(text: str, encoding: str, file_name: str | None) -> RawTable:
    delimiter = sniff_delimiter(text, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if _filled(record):
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            raise ImportRefused(
                f"Le fichier semble tronqué : un champ entre guillemets ouvert ligne {start} "
                "n'est jamais refermé. Exportez à nouveau le fichier complet."
            ) from None
        raise ImportRefused(
            f"Ligne {start} illisible : guillemets mal placés ({exc}). Vérifiez que le fichier "
            "est bien un export CSV."
        ) from None
    table = _shape(records)
    table.container, table.encoding, table.delimiter = "csv", encoding, delimiter
    return table


# -- xlsx ------------------------------------------------------------------------------------
def _check_zip(data: bytes, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused(
            "Ce fichier .xlsx est illisible (archive endommagée ou fichier d'un autre type)."
        ) from None
    with archive:
        inflated = sum(info.file_size for info in archive.infolist())
    if inflated > XLSX_INFLATE_FACTOR * max_bytes:
        raise ImportRefused(
            f"Classeur refusé : une fois décompressé il ferait {inflated / 1024 / 1024:.0f} Mo, "
            f"au-delà de la limite de {XLSX_INFLATE_FACTOR * max_bytes / 1024 / 1024:.0f} Mo "
            "(fichier anormal ou piégé)."
        )


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a person would read in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _scan_parts(data: bytes) -> tuple[bool, bool]:
    """(any worksheet stores a formula, calamine reads every cell as openpyxl does).

    A formula (``<f>``) needs openpyxl's second pass, which finds those saved without a value.
    Calamine reads the other cells alike, save a few it reads differently: error cells (``#N/A``,
    read empty), ISO-8601 date cells, negative numbers (a negative date becomes a time),
    ``_xHHHH_`` escapes (decoded, where openpyxl keeps them as written) and phonetic runs.
    """
    formulas, alike = False, True
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = info.filename
            sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if not sheet and not name.endswith("sharedStrings.xml"):
                continue
            with archive.open(info) as part:
                xml = part.read()
            if sheet and (any(tag in xml for tag in (b"<f>", b"<f ", b"<f/")) or (
                    b":f" in xml and re.search(rb"<\w+:f[ >/]", xml))):
                formulas = True
            if any(mark in xml for mark in _CALAMINE_DIFFERS) or (
                    b"_x" in xml and re.search(rb"_x[0-9A-Fa-f]{4}_", xml)):
                alike = False
    return formulas, alike


# What calamine reads differently from openpyxl (see _scan_parts), as it appears in the XML.
_CALAMINE_DIFFERS = (b'<v>-', b':v>-', b't="e"', b"t='e'", b't="d"', b"t='d'", b"rPh")


def _calamine_records(data: bytes, ws: Any, numbers: dict[int, set[int]] | None = None
                      ) -> list[tuple[int, list[str]]] | None:
    """What ``_openpyxl_records(ws)`` gives, read by calamine; None where it might differ.

    openpyxl reads a sheet one cell object at a time, a quarter of a national import; calamine
    (Rust) reads the same values about fifteen times faster. openpyxl has still opened the
    workbook and chosen the sheet: its names, its errors and the ``<dimension>`` bounding what
    it reads stay the same.
    """
    if not hasattr(ws, "iter_rows"):  # a chart sheet: openpyxl's own path says what it does
        return None
    try:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            rows = book.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
    except Exception:  # whatever calamine cannot read, openpyxl reads or refuses as before
        return None
    if ws.max_row is not None:
        rows = rows[:ws.max_row]
    width = ws.max_column
    numbers = {} if numbers is None else numbers
    records: list[tuple[int, list[str]]] = []
    for line, values in enumerate(rows, start=1):
        cells = []
        for col, value in enumerate(values[:width] if width is not None else values):
            kind = type(value)
            if kind is str:
                cells.append(value)
                continue
            if kind is float or kind is int:
                if kind is float and abs(value) >= 1e15:
                    return None  # openpyxl keeps a large whole number as an int: digits differ
                numbers.setdefault(line, set()).add(col)
            cells.append(_cell_text(value))
        if _filled(cells):
            records.append((line, cells))
    return records


def _open_workbook(data: bytes, *, values: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=values)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ImportRefused(f"Ce fichier .xlsx est illisible ({type(exc).__name__}).") from None


def sheet_names(data: bytes, *, max_bytes: int | None = None) -> list[str]:
    """The sheets of a workbook, in order (what the import page lets the user pick from)."""
    _check_zip(data, size_limit() if max_bytes is None else max_bytes)
    wb = _open_workbook(data, values=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _read_xlsx(data: bytes, *, sheet: str | None, max_bytes: int) -> RawTable:
    _check_zip(data, max_bytes)
    wb = _open_workbook(data, values=True)
    formulas, calamine_alike = _scan_parts(data)
    # A formula saved by a tool that does not compute it (a script, some exports) has no value:
    # read alone it would be an empty cell, silently. The formulas' own pass finds them.
    formulas_wb = _open_workbook(data, values=False) if formulas else None
    uncomputed: dict[int, set[int]] = {}
    numbers: dict[int, set[int]] = {}
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                known = ", ".join(f"« {n} »" for n in wb.sheetnames)
                raise ImportRefused(
                    f"Feuille « {sheet} » absente du classeur (feuilles : {known}).")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        fast = (_calamine_records(data, ws, numbers) if calamine_alike and formulas_wb is None
                else None)
        if fast is None:
            numbers.clear()
        records = (fast if fast is not None
                   else _openpyxl_records(ws, formulas_wb, uncomputed, numbers))
        title, sheets = ws.title, wb.sheetnames
    finally:
        wb.close()
        if formulas_wb is not None:
            formulas_wb.close()
    try:
        table = _shape(records)
    except ImportRefused as exc:
        if sheet is None and len(sheets) > 1:  # the data may sit on another sheet
            others = ", ".join(f"« {n} »" for n in sheets[1:])
            exc.message = (f"{exc.message} (première feuille « {title} » ; autres feuilles : "
                           f"{others} — indiquez laquelle importer)")
        raise
    table.container, table.sheet, table.formulas = "xlsx", title, uncomputed
    table.numbers = numbers
    if uncomputed:
        table.notes.append(
            f"{sum(len(c) for c in uncomputed.values())} cellule(s) contiennent une formule "
            "enregistrée sans sa valeur : signalées en erreur sur leur ligne.")
    return table


def _openpyxl_records(ws: Any, formulas_wb: Any, uncomputed: dict[int, set[int]],
                      numbers: dict[int, set[int]] | None = None) -> list[tuple[int, list[str]]]:
    """The non-empty rows of ``ws`` with their sheet row; formulas without a value noted."""
    formula_rows = formulas_wb[ws.title].iter_rows() if formulas_wb is not None else None
    records: list[tuple[int, list[str]]] = []
    for number, row in enumerate(ws.iter_rows(), start=1):
        # read-only sheets pad missing cells with EmptyCell, which has no row number
        line = next((c.row for c in row if getattr(c, "row", None)), number)
        cells = [_cell_text(c.value) for c in row]
        typed = {col for col, c in enumerate(row)
                 if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)}
        if typed and numbers is not None:
            numbers[line] = typed
        written = next(formula_rows, ()) if formula_rows is not None else ()
        for col, (value, stored) in enumerate(zip(row, written, strict=False)):
            text = stored.value
            if value.value is None and isinstance(text, str) and text.startswith("="):
                cells[col] = text
                uncomputed.setdefault(line, set()).add(col)
        if _filled(cells):
            records.append((line, cells))
    return records


def _filled(cells: list[str]) -> bool:
    """Whether any cell holds more than white space (joined, the test runs in C)."""
    return bool("".join(cells).strip())


# -- shape -----------------------------------------------------------------------------------
def _shape(records: list[tuple[int, list[str]]]) -> RawTable:
    """Header + rows of equal width; refuses empty and header-only files."""
    if not records:
        raise ImportRefused("Le fichier est vide.")
    header_line, header = records[0]
    header = [h.strip().lstrip("\ufeff") for h in header]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ImportRefused("Le fichier est vide.")
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header, start=1):
        name = name or f"(colonne {i} sans titre)"
        if name in seen:  # two columns with one title: keep both, told apart
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    width = len(names)
    rows, lines, notes = [], [], []
    for line, cells in records[1:]:  # the readers keep only rows holding something
        if len(cells) > width:
            if _filled(cells[width:]):
                notes.append(f"ligne {line} : cellules au-delà de la dernière colonne nommée "
                             "ignorées")
            cells = cells[:width]
            if not _filled(cells):
                continue
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append(cells)
        lines.append(line)
    if not rows:
        raise ImportRefused(
            "Le fichier ne contient que la ligne d'en-tête : aucune ligne de données à importer."
        )
    return RawTable(names, rows, lines, container="csv", header_line=header_line, notes=notes)
