"""Hand-kept spreadsheets: find the header row, fill merged cells, skip blank, label and total rows.

Staff keep logs and tables by hand: a title above the header, blocks separated by blank rows or
by a row holding only their name (« Territoire Est », « Janvier »), a département written once
for a block (a merged cell, or blank cells below it once saved as CSV) and a total at the bottom.
``shape`` turns the filled records a reader found into a RawTable of data rows only, and says in
its notes every row it skipped or completed, with its line, and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import (
    DAY_FIRST,
    MONTH_FIRST,
    header_key,
    option_key,
    parse_date,
    parse_number,
)

# The header is looked for among the first records: a title block is a few lines, never more.
HEADER_SEARCH = 30
# Line numbers listed in a note before "…": the report stays readable on large files.
SHOWN_LINES = 12
_WORDS = re.compile(r"^[^\W_]")  # a label starts with a letter or a digit
_TOTAL = re.compile(r"^(?:sous )?(?:total|totaux|somme|ensemble)(?: [a-z0-9]+){0,3}$")


@dataclass(frozen=True)
class Layout:
    """What the reading layer may know of the columns of the kind being imported."""

    known: frozenset[str] = frozenset()  # header keys of every kind's fields: the header row
    block_keys: frozenset[str] = frozenset()  # header keys of columns written once per block


@dataclass
class Records:
    """What a reader found: the filled records with their line, blank runs, merged ranges."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    blanks: list[tuple[int, int]] = field(default_factory=list)  # first and last line of a run
    # workbooks: (first line, column, last line) of each range merged over several rows
    merges: list[tuple[int, int, int]] = field(default_factory=list)


def lines_text(lines: Sequence[int]) -> str:
    """``3, 4, 7–9`` (at most SHOWN_LINES numbers, then « … »)."""
    runs: list[list[int]] = []
    for line in sorted(lines):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    shown = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:SHOWN_LINES]]
    return ", ".join(shown) + (" …" if len(runs) > SHOWN_LINES else "")


def _header_index(rows: list[tuple[int, list[str]]], layout: Layout) -> int:
    """Which of the first records is the header.

    The first one, unless a later one names more known columns (a title block above), or the
    first ones hold a single cell each while a later one holds three or more (a title above
    columns no kind knows).
    """
    candidates = rows[:HEADER_SEARCH]
    if layout.known:
        scores = [len({header_key(c) for c in cells if c.strip()} & layout.known)
                  for _, cells in candidates]
        best = max(scores)
        if best >= 2 and scores[0] < best:
            return scores.index(best)
    for i, (_, cells) in enumerate(candidates[:10]):
        filled = _count_filled(cells)
        if filled > 1:  # a title is one cell; a header worth moving to names several columns
            return i if filled >= 3 else 0
    return 0


def _count_filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def _is_number(text: str) -> bool:
    try:
        return parse_number(text) is not None
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    for order in (DAY_FIRST, MONTH_FIRST):  # « 3/13/2025 14:02:11 » is a date too
        try:
            return parse_date(text, order=order) is not None
        except ValueError:
            continue
    return False


def _label(cells: list[str]) -> str | None:
    """The text of a row holding one cell of words (a block's name), else None."""
    filled = [c.strip() for c in cells if c.strip()]
    if len(filled) != 1 or not _WORDS.match(filled[0]) or _is_number(filled[0]) \
            or _is_date(filled[0]):
        return None  # an error cell (#N/A), a number or a date alone is a row missing the rest
    return filled[0]


def _total(cells: list[str]) -> bool:
    """A row labelled « Total », « TOTAL », « Sous-total Est »… whose other cells are numbers."""
    joined = "\x1f".join(cells)  # most rows: a few substring searches in C, no case folding
    if "otal" not in joined and "OTAL" not in joined and "omme" not in joined \
            and "OMME" not in joined and "nsemble" not in joined and "NSEMBLE" not in joined:
        return False
    filled = [c.strip() for c in cells if c.strip()]
    labels = [c for c in filled if _TOTAL.match(option_key(c))]
    return len(labels) == 1 and all(c in labels or _is_number(c) for c in filled)


def _sums(cells: list[str], above: list[list[str]]) -> bool:
    """The last row holding, in at most half the columns, only the sums of the columns above."""
    filled = [(i, c) for i, c in enumerate(cells) if c.strip()]
    if not filled or len(filled) > max(1, len(cells) // 2) or not above:
        return False
    read: dict[str, float | None] = {}  # a column repeats a few values (a scale's 1–5)

    def number(text: str) -> float | None:
        if text not in read:
            read[text] = parse_number(text)
        return read[text]

    for i, text in filled:
        try:
            value = parse_number(text)
            column = [number(r[i]) or 0.0 for r in above if r[i].strip()]
        except ValueError:
            return False
        if value is None or len(column) < 2 or abs(sum(column) - value) > 0.005:
            return False
    return True


def _unique_names(header: list[str]) -> list[str]:
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
    return names


def shape(found: Records, layout: Layout | None = None, *, csv: bool = False) -> tuple[
        list[str], list[list[str]], list[int], int, list[str]]:
    """(header, data rows, their lines, header line, notes); refuses empty and header-only files."""
    layout = layout or Layout()
    records = found.rows
    if not records:
        raise ImportRefused("Le fichier est vide.")
    start = _header_index(records, layout)
    notes: list[str] = []
    if start:
        titles = " ; ".join(f"« {_short(c)} »" for _, cells in records[:start]
                            for c in cells if c.strip())
        notes.append(f"Ligne(s) {lines_text([line for line, _ in records[:start]])} au-dessus "
                     f"de l'en-tête ignorée(s) (titre : {titles}).")
    header_line, header = records[start]
    header = [h.strip().lstrip("\ufeff") for h in header]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ImportRefused("Le fichier est vide.")
    names = _unique_names(header)
    width = len(names)
    filled_in = _fill_merged(records[start + 1:], found.merges, header_line, width)
    rows: list[list[str]] = []
    lines: list[int] = []
    beyond: list[int] = []
    labels: list[tuple[int, str]] = []
    totals: list[int] = []
    for line, cells in records[start + 1:]:  # the readers keep only rows holding something
        if len(cells) > width:
            if "".join(cells[width:]).strip():
                beyond.append(line)
            cells = cells[:width]
            if not "".join(cells).strip():
                continue
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        # cheap tests first: most rows are data, with many cells filled and no « total »
        if width > 2 and width - cells.count("") <= 1 and (text := _label(cells)) is not None:
            labels.append((line, text))
            continue
        if _total(cells):
            totals.append(line)
            continue
        rows.append(cells)
        lines.append(line)
    if len(rows) > 2 and _sums(rows[-1], rows[:-1]):
        totals.append(lines.pop())
        rows.pop()
    if beyond:
        notes.append(f"Ligne(s) {lines_text(beyond)} : cellules au-delà de la dernière colonne "
                     "nommée ignorées.")
    if lines:
        notes += _blank_note(found.blanks, header_line, lines[-1])
    if labels:
        shown = " ; ".join(f"« {_short(t)} »" for _, t in labels[:SHOWN_LINES])
        notes.append(f"Ligne(s) {lines_text([line for line, _ in labels])} : une seule cellule "
                     f"remplie, lue comme un titre de bloc et ignorée ({shown}).")
    if totals:
        notes.append(f"Ligne(s) {lines_text(totals)} : ligne de total, ignorée (les totaux sont "
                     "recalculés à partir des lignes).")
    for col in sorted({c for c, _ in filled_in}):
        notes.append(f"Colonne « {names[col]} » : cellules fusionnées, valeur recopiée sur les "
                     f"ligne(s) {lines_text([line for c, line in filled_in if c == col])}.")
    if csv and layout.block_keys and rows:
        separators = sorted({line for line, _ in labels} | {a for a, _ in found.blanks})
        notes += _fill_blocks(names, rows, lines, layout.block_keys, separators)
    if not rows:
        raise ImportRefused(
            "Le fichier ne contient que la ligne d'en-tête : aucune ligne de données à importer."
        )
    return names, rows, lines, header_line, notes


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _blank_note(blanks: list[tuple[int, int]], header_line: int, last: int) -> list[str]:
    """Blank rows between the header and the last data row (trailing ones are no news)."""
    inside = [(max(a, header_line + 1), min(b, last - 1)) for a, b in blanks
              if b > header_line and a < last]
    inside = [(a, b) for a, b in inside if a <= b]
    if not inside:
        return []
    count = sum(b - a + 1 for a, b in inside)
    text = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in inside[:SHOWN_LINES])
    more = " …" if len(inside) > SHOWN_LINES else ""
    return [f"{count} ligne(s) vide(s) entre les données ignorée(s) (ligne(s) {text}{more})."]


def _fill_merged(records: list[tuple[int, list[str]]], merges: list[tuple[int, int, int]],
                 header_line: int, width: int) -> list[tuple[int, int]]:
    """Copy the value of each range merged over several rows into the rows below, in place;
    returns the (column, line) filled.

    Only the range's first column (a range also merged across columns holds one value, in
    the cell where it is written), and only rows holding something else: a merged
    département beside blank rows does not make them data.
    """
    if not merges:
        return []
    at = {line: cells for line, cells in records}
    filled = []
    for first, col, last in merges:
        top = at.get(first)
        if first <= header_line or col >= width or top is None or col >= len(top) \
                or not top[col].strip():
            continue
        for line in range(first + 1, last + 1):
            cells = at.get(line)
            if cells is not None and col < len(cells) and not cells[col].strip():
                cells[col] = top[col]
                filled.append((col, line))
    return filled


def _fill_blocks(names: list[str], rows: list[list[str]], lines: list[int],
                 block_keys: frozenset[str], separators: list[int]) -> list[str]:
    """In a CSV, a block-key column (Département…) left blank below a value: merged cells saved
    as text. Filled down within a block (blank and label rows end one) and only where the
    column reads as merged: a value never follows the same value in its block (a merged layout
    writes it once). Elsewhere a blank stays blank (an error where the value is required)."""
    notes = []
    for col, name in enumerate(names):
        if header_key(name) not in block_keys:
            continue
        fills: list[tuple[int, str]] = []
        current: str | None = None
        repeats = False
        k = 0
        for index, line in enumerate(lines):
            if k < len(separators) and separators[k] < line:
                while k < len(separators) and separators[k] < line:
                    k += 1
                current = None  # a new block restates its key
            value = rows[index][col]
            if value.strip():
                repeats = repeats or value.strip() == (current or "").strip()
                current = value
            elif current is not None:
                fills.append((index, current))
        if not fills or repeats:
            continue
        for index, value in fills:
            rows[index][col] = value
        notes.append(
            f"Colonne « {name} » : écrite une fois par bloc (cellules fusionnées enregistrées en "
            f"CSV) ; {len(fills)} cellule(s) vide(s) remplie(s) par la valeur au-dessus, "
            f"ligne(s) {lines_text([lines[i] for i, _ in fills])}.")
    return notes
