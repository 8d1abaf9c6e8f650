"""One reading layer for every kind: container, encoding, delimiter and size checks → RawTable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from observatory import settings
from observatory.imports.errors import ImportRefused
from observatory.imports.layout import Layout, Records, shape

# Rows of data one file may hold: four times the largest national file of any kind (a year of
# facilitations, a survey). A file is read whole, at about 1 KB of memory per row: past this,
# a 20 MB file of short lines (ten million of them) would take gigabytes.
MAX_ROWS = 200_000


def size_limit() -> int:
    """The size limit of an imported file in bytes (setting import_max_mb, read at each call)."""
    return int(settings.value("import_max_mb") * 1024 * 1024)


# An .xlsx is a zip: its sheets may inflate far beyond the file size. Real workbooks compress
# about 5-10x; anything past this ratio of the size limit is treated as a zip bomb.
XLSX_INFLATE_FACTOR = 10

CONTAINERS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
              ".ods": "ods"}
CONTAINER_LABELS = {"csv": "un fichier texte (CSV)", "xlsx": "un classeur Excel (.xlsx)",
                    "ods": "un classeur LibreOffice (.ods)"}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
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
    container: str  # "csv", "xlsx" or "ods"
    encoding: str | None = None  # csv only: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None  # csv only
    sheet: str | None = None  # workbooks only
    header_line: int = 1
    notes: list[str] = field(default_factory=list)
    # xlsx only: line -> columns holding a formula saved without its computed value
    formulas: dict[int, set[int]] = field(default_factory=dict)
    # workbooks only: line -> columns holding a number cell (its text is Python's: 1234.5, never
    # grouped), told apart from a number typed as text ("1.234,5") whose writing must be read
    numbers: dict[int, set[int]] = field(default_factory=dict)


def size_limit_message(size: int, max_bytes: int) -> str:
    return (
        f"Le fichier est trop volumineux ({size / 1024 / 1024:.1f} Mo) : la limite est de "
        f"{max_bytes / 1024 / 1024:.0f} Mo. Exportez une période plus courte ou retirez les "
        "colonnes inutiles."
    )


def container_of(data: bytes, file_name: str | None) -> tuple[str, str | None]:
    """("csv", "xlsx" or "ods", a note when the name's extension says otherwise), by content.

    What the bytes are decides, not the name: an upload renamed by a browser, a workbook saved
    as « .csv » by mistake. What no reader takes is refused, named for what it is.
    """
    suffix = os.path.splitext(file_name or "")[1].lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003, or a password-protected one
        raise ImportRefused(
            "Les classeurs Excel anciens (.xls) et les classeurs protégés par un mot de passe ne "
            "sont pas pris en charge : enregistrez le fichier au format .xlsx (sans mot de "
            "passe) ou .csv."
        )
    if data.startswith(b"PK\x03\x04"):
        found = _zip_kind(data, suffix)
    else:
        if _looks_like_html(data):
            raise ImportRefused(
                "Ce fichier est une page web (HTML), pas un export de tableur : enregistrez-le "
                "depuis l'outil au format .csv ou .xlsx.")
        if suffix == ".xls":
            raise ImportRefused(
                "Les classeurs Excel anciens (.xls) ne sont pas pris en charge : enregistrez le "
                "fichier au format .xlsx ou .csv."
            )
        found = "csv"
    expected = CONTAINERS.get(suffix)
    if expected is None or expected == found:
        return found, None
    return found, (f"Le fichier porte l'extension {suffix} mais c'est {CONTAINER_LABELS[found]} "
                   ": il est lu comme tel.")


def _zip_kind(data: bytes, suffix: str) -> str:
    """"xlsx" or "ods" for a zip archive; refuses another archive, named for what it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError):
        what = {".ods": ".ods"}.get(suffix, ".xlsx")
        raise ImportRefused(
            f"Ce fichier {what} est illisible (archive endommagée ou fichier d'un autre type) : "
            "ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau, ou exportez-le "
            "en .csv.") from None
    if mimetype.startswith(ODS_MIMETYPE):
        return "ods"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise ImportRefused("Ce fichier est un document OpenDocument qui n'est pas un tableur "
                            "(texte ou présentation) : exportez le tableau en .ods, .xlsx ou .csv.")
    if any(n.startswith(("word/", "ppt/")) for n in names):
        raise ImportRefused("Ce fichier est un document Word ou PowerPoint, pas un classeur : "
                            "exportez le tableau en .xlsx ou .csv.")
    raise ImportRefused("Ce fichier est une archive zip, pas un classeur : extrayez-en le fichier "
                        "à importer (.csv, .xlsx ou .ods).")


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) and (
        b"<html" in head or b"<table" in head)


def read_table(
    data: bytes,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
    layout: Layout | None = None,
) -> RawTable:
    """Read any supported file into a RawTable, or refuse it with a French message.

    ``layout`` (what the kind being imported knows of its columns) helps find the header row
    below a title and the columns written once per block (see ``layout.shape``).
    """
    limit = size_limit() if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ImportRefused(size_limit_message(len(data), limit))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportRefused("Le fichier est vide.")
    container, renamed = container_of(data, file_name)
    if container == "xlsx":
        table = _read_xlsx(data, sheet=sheet, max_bytes=limit, layout=layout)
    elif container == "ods":
        table = _read_ods(data, sheet=sheet, max_bytes=limit, layout=layout)
    else:
        try:
            text, encoding = decode(data)
        except ImportRefused:
            workbook = CONTAINERS.get(os.path.splitext(file_name or "")[1].lower())
            if workbook in ("xlsx", "ods"):  # neither a workbook nor text: a damaged workbook
                raise ImportRefused(_damaged(workbook)) from None
            raise
        table = _read_csv(text, encoding, file_name, layout)
    if renamed:
        table.notes.insert(0, renamed)
    return table


def _table(found: Records, layout: Layout | None, container: str) -> RawTable:
    header, rows, lines, header_line, notes = shape(found, layout, csv=container == "csv")
    return RawTable(header, rows, lines, container=container, header_line=header_line,
                    notes=notes)


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
                # « ;;;;; » is an empty row of six cells, not a one-cell row holding « ;;;;; »
                if len(record) > 1 or any(c.strip() for c in record):
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


def _read_csv(text: str, encoding: str, file_name: str | None,
              layout: Layout | None = None) -> RawTable:
    delimiter = sniff_delimiter(text, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    found = Records()
    records, blanks = found.rows, found.blanks
    start = 1
    try:
        for record in reader:
            if _filled(record):
                records.append((start, record))
                if len(records) > MAX_ROWS:
                    raise ImportRefused(too_many_rows_message())
            elif blanks and blanks[-1][1] == start - 1:
                blanks[-1] = (blanks[-1][0], reader.line_num)
            else:
                blanks.append((start, reader.line_num))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRefused(_csv_error_message(str(exc), start, reader.line_num)) from None
    table = _table(found, layout, "csv")
    table.encoding, table.delimiter = encoding, delimiter
    return table


def too_many_rows_message() -> str:
    return (f"Le fichier compte plus de {MAX_ROWS:,} lignes de données".replace(",", "\u202f")
            + " : découpez-le (par année, par exemple) et importez les morceaux un à un.")


def _csv_error_message(error: str, start: int, line: int) -> str:
    """Python's csv error, said in French for the person who exported the file."""
    if "field larger than field limit" in error:
        return (f"Ligne {start} : cellule trop longue (plus de {csv.field_size_limit():,} "
                "caractères".replace(",", "\u202f")
                + ") : ce n'est pas une cellule de tableur ordinaire. Vérifiez que le fichier "
                "est bien l'export attendu.")
    if "end of data" in error or "EOF" in error:
        return (f"Le fichier semble tronqué : un champ entre guillemets ouvert ligne {start} "
                "n'est jamais refermé. Exportez à nouveau le fichier complet.")
    if "NUL" in error or "null byte" in error:
        return (f"Ligne {line} : le fichier contient un caractère nul (octet 0), ce n'est pas "
                "un fichier texte ordinaire. Exportez-le à nouveau au format « CSV UTF-8 ».")
    return (f"Ligne {start} illisible : guillemets mal placés (un guillemet au milieu d'une "
            "cellule doit être doublé, « \"\" »). Vérifiez que le fichier est bien un export CSV.")


# -- xlsx ------------------------------------------------------------------------------------
def _check_zip(data: bytes, max_bytes: int, what: str = ".xlsx") -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise ImportRefused(
            f"Ce fichier {what} est illisible (archive endommagée ou fichier d'un autre type)."
        ) from None
    with archive:
        inflated = sum(info.file_size for info in archive.infolist())
        if inflated > XLSX_INFLATE_FACTOR * max_bytes:
            raise ImportRefused(
                f"Classeur refusé : une fois décompressé il ferait {inflated / 1024 / 1024:.0f} "
                f"Mo, au-delà de la limite de {XLSX_INFLATE_FACTOR * max_bytes / 1024 / 1024:.0f}"
                " Mo (fichier anormal ou piégé)."
            )
        # every part inflated once and checked against its CRC: a damaged part (the styles
        # that make a number a date…) would otherwise be skipped by a reader, silently
        try:
            damaged = archive.testzip()
        except Exception:
            damaged = "?"
    if damaged is not None:
        raise ImportRefused(_damaged("ods" if what == ".ods" else "xlsx"))


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


def _calamine_records(data: bytes, ws: Any, numbers: dict[int, set[int]] | None = None,
                      merges: list[tuple[int, int, int]] | None = None
                      ) -> list[tuple[int, list[str]]] | None:
    """What ``_openpyxl_records(ws)`` gives, read by calamine; None where it might differ.

    openpyxl reads a sheet one cell object at a time, a quarter of a national import; calamine
    (Rust) reads the same values about fifteen times faster. openpyxl has still opened the
    workbook and chosen the sheet: its names, its errors and the ``<dimension>`` bounding what
    it reads stay the same. ``merges`` receives the sheet's merged ranges (``_xlsx_merges``),
    read from the same parse of the sheet.
    """
    if not hasattr(ws, "iter_rows"):  # a chart sheet: openpyxl's own path says what it does
        return None
    try:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            found = book.get_sheet_by_name(ws.title)
            rows = found.to_python(skip_empty_area=False)
            ranges = found.merged_cell_ranges or []
    except Exception:  # whatever calamine cannot read, openpyxl reads or refuses as before
        return None
    if ws.max_row is not None:
        rows = rows[:ws.max_row]
    width = ws.max_column
    numbers = {} if numbers is None else numbers
    records: list[tuple[int, list[str]]] = []
    for line, values in enumerate(rows, start=1):
        cells: list[str] = []
        for col, value in enumerate(values[:width] if width is not None else values):
            if isinstance(value, str):
                cells.append(value)
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                if isinstance(value, float) and abs(value) >= 1e15:
                    return None  # openpyxl keeps a large whole number as an int: digits differ
                numbers.setdefault(line, set()).add(col)
            cells.append(_cell_text(value))
        if _filled(cells):
            records.append((line, cells))
            if len(records) > MAX_ROWS:
                raise ImportRefused(too_many_rows_message())
    if merges is not None:
        merges[:] = _merged_rows(ranges)
    return records


def _xlsx_merges(data: bytes, title: str) -> list[tuple[int, int, int]]:
    """(first line, column, last line) of the ranges of a sheet merged over several rows."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # openpyxl read what calamine cannot open: its merges would be lost
        raise ImportRefused(_damaged("xlsx")) from None
    try:
        with book:
            ranges = book.get_sheet_by_name(title).merged_cell_ranges or []
    except Exception:  # a sheet calamine does not read (a chart sheet): no merged cells
        return []
    return _merged_rows(ranges)


def _merged_rows(ranges: list[Any]) -> list[tuple[int, int, int]]:
    return [(r0 + 1, c0, r1 + 1) for (r0, c0), (r1, _) in ranges if r1 > r0]


def _open_workbook(data: bytes, *, values: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=values)
    except Exception:  # openpyxl raises many types for damaged workbooks
        raise ImportRefused(_damaged("xlsx")) from None


def sheet_names(data: bytes, *, max_bytes: int | None = None) -> list[str]:
    """The sheets of a workbook, in order (what the import page lets the user pick from)."""
    container = "ods" if data.startswith(b"PK\x03\x04") and _zip_kind(data, "") == "ods" \
        else "xlsx"
    _check_zip(data, size_limit() if max_bytes is None else max_bytes, "." + container)
    try:
        if container == "ods":
            from python_calamine import CalamineWorkbook

            with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
                return list(book.sheet_names)
        wb = _open_workbook(data, values=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(_damaged(container)) from None


def _read_xlsx(data: bytes, *, sheet: str | None, max_bytes: int,
               layout: Layout | None = None) -> RawTable:
    _check_zip(data, max_bytes)
    try:
        return _xlsx_table(data, sheet, layout)
    except ImportRefused:
        raise
    except Exception:  # a damaged part (a flipped byte): zlib, XML or openpyxl errors
        raise ImportRefused(_damaged("xlsx")) from None


def _damaged(container: str) -> str:
    what = {"xlsx": "Ce classeur .xlsx", "ods": "Ce classeur .ods"}[container]
    return (f"{what} est endommagé : une partie de son contenu est illisible. Ouvrez-le dans "
            "Excel ou LibreOffice (qui proposent de le réparer), enregistrez-le à nouveau, ou "
            "exportez-le en .csv, puis importez-le.")


def _xlsx_table(data: bytes, sheet: str | None, layout: Layout | None) -> RawTable:
    wb = _open_workbook(data, values=True)
    formulas, calamine_alike = _scan_parts(data)
    # A formula saved by a tool that does not compute it (a script, some exports) has no value:
    # read alone it would be an empty cell, silently. The formulas' own pass finds them.
    formulas_wb = _open_workbook(data, values=False) if formulas else None
    uncomputed: dict[int, set[int]] = {}
    numbers: dict[int, set[int]] = {}
    merges: list[tuple[int, int, int]] = []
    try:
        ws = _worksheet(wb, sheet)
        fast = (_calamine_records(data, ws, numbers, merges)
                if calamine_alike and formulas_wb is None else None)
        if fast is None:
            numbers.clear()
        records = (fast if fast is not None
                   else _openpyxl_records(ws, formulas_wb, uncomputed, numbers))
        title, sheets = ws.title, wb.sheetnames
    finally:
        wb.close()
        if formulas_wb is not None:
            formulas_wb.close()
    table = _workbook_table(records, merges if fast is not None else _xlsx_merges(data, title),
                            layout, "xlsx", title, sheet, sheets)
    table.formulas, table.numbers = uncomputed, numbers
    if uncomputed:
        table.notes.append(
            f"{sum(len(c) for c in uncomputed.values())} cellule(s) contiennent une formule "
            "enregistrée sans sa valeur : signalées en erreur sur leur ligne.")
    return table


def _worksheet(wb: Any, sheet: str | None) -> Any:
    if sheet is None:
        return wb.worksheets[0]
    if sheet not in wb.sheetnames:
        raise ImportRefused(_no_sheet(sheet, wb.sheetnames))
    return wb[sheet]


def _no_sheet(sheet: str, names: list[str]) -> str:
    known = ", ".join(f"« {n} »" for n in names)
    return f"Feuille « {sheet} » absente du classeur (feuilles : {known})."


def _workbook_table(records: list[tuple[int, list[str]]], merges: list[tuple[int, int, int]],
                    layout: Layout | None, container: str, title: str, sheet: str | None,
                    sheets: list[str]) -> RawTable:
    """A workbook's records as a table; a sheet without data names the others."""
    found = Records(records, _gaps(records), merges)
    try:
        table = _table(found, layout, container)
    except ImportRefused as exc:
        if sheet is None and len(sheets) > 1:  # the data may sit on another sheet
            others = ", ".join(f"« {n} »" for n in sheets[1:])
            exc.message = (f"{exc.message} (première feuille « {title} » ; autres feuilles : "
                           f"{others} — indiquez laquelle importer)")
        raise
    table.sheet = title
    return table


def _gaps(records: list[tuple[int, list[str]]]) -> list[tuple[int, int]]:
    """The runs of blank rows between a sheet's filled rows (a sheet row is one line)."""
    return [(a + 1, b - 1) for (a, _), (b, _) in itertools.pairwise(records)
            if b > a + 1]


# -- ods (LibreOffice) -----------------------------------------------------------------------
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _read_ods(data: bytes, *, sheet: str | None, max_bytes: int,
              layout: Layout | None = None) -> RawTable:
    """A LibreOffice workbook, read by calamine: the values LibreOffice saved with each cell."""
    _check_zip(data, max_bytes, ".ods")
    try:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            sheets = list(book.sheet_names)
            if not sheets:
                raise ImportRefused("Ce classeur .ods ne contient aucune feuille.")
            if sheet is not None and sheet not in sheets:
                raise ImportRefused(_no_sheet(sheet, sheets))
            title = sheet if sheet is not None else sheets[0]
            values = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        records: list[tuple[int, list[str]]] = []
        numbers: dict[int, set[int]] = {}
        for line, row in enumerate(values, start=1):
            cells = [v if type(v) is str else _cell_text(v) for v in row]
            typed = {col for col, v in enumerate(row) if type(v) is float or type(v) is int}
            if typed:
                numbers[line] = typed
            if _filled(cells):
                records.append((line, cells))
                if len(records) > MAX_ROWS:
                    raise ImportRefused(too_many_rows_message())
        merges = _ods_merges(data, title)
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(_damaged("ods")) from None
    table = _workbook_table(records, merges, layout, "ods", title, sheet, sheets)
    table.numbers = numbers
    return table


def _ods_merges(data: bytes, title: str) -> list[tuple[int, int, int]]:
    """(first line, column, last line) of the cells of sheet ``title`` spanning several rows.

    calamine reads the values of an .ods, not its merged cells: they are in content.xml as
    ``table:number-rows-spanned``, the covered cells below them holding nothing.
    """
    from xml.etree.ElementTree import iterparse

    t = _ODS_TABLE
    merges: list[tuple[int, int, int]] = []
    inside, depth, row, col = False, 0, 0, 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as part:
        for event, el in iterparse(part, events=("start", "end")):
            tag = el.tag
            if tag == t + "table":
                if event == "start":
                    depth += 1
                    if depth == 1:
                        inside, row = el.get(t + "name") == title, 0
                else:
                    depth -= 1
                    if depth == 0 and inside:
                        break
            elif not inside or depth != 1:
                pass
            elif tag == t + "table-row":
                if event == "start":
                    col = 0
                else:
                    row += int(el.get(t + "number-rows-repeated") or 1)
                    el.clear()
            elif event == "start" and tag in (t + "table-cell", t + "covered-table-cell"):
                span = int(el.get(t + "number-rows-spanned") or 1)
                if span > 1 and tag == t + "table-cell":
                    merges.append((row + 1, col, row + span))
                col += int(el.get(t + "number-columns-repeated") or 1)
    return merges


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
