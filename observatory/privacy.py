"""What may leave the server: no personal data, no small counts, no formulas. Every rule here.

Importers, views (what a role may see) and exports (every file) all go through these rules.

- **Personal data.** Columns whose name says they hold people's contact or identity (e-mail,
  courriel, contact, téléphone, facilitateur·rice) are dropped from whatever leaves, whatever the
  view put in them; the store fields that hold personal data (``PERSONAL_FIELDS``) never reach a
  preview or a report; survey columns that name a person outright (``is_personal_header``) are not
  imported at all; any e-mail address left inside a text is replaced by ``[courriel masqué]``.
- **Suppression of small counts.** Counts of teams or respondents below the small-count threshold
  (``threshold``) become ``< 5``; shares, means, amounts on the same row are masked too (they
  give the count away). This is primary suppression; every suppression rule belongs in the
  "suppression" section below, so that what is masked is decided in one place.
- **Formulas.** A text cell that a spreadsheet would run is refused by the importers
  (``looks_like_formula``) and neutralised in every exported cell (``neutralise``: a leading
  apostrophe). Numbers are never touched: ``-3`` stays the number -3.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from observatory import settings
from observatory.formats import is_missing
from observatory.vocabulary import header_key

# -- personal data ---------------------------------------------------------------------------
# "facilitat" alone would also drop the aggregate columns "Facilitations" and "Équipes
# facilitées": only the person nouns (facilitateur, facilitatrice, facilitator) are personal.
PERSONAL_COLUMN = re.compile(
    r"e-?mail|courriel|contact|facilitat(?:eur|rice|or)|telephone|phone|portable|messagerie",
    re.IGNORECASE,
)
# An import's headers are other people's text ("Avez-vous contacté l'ARS ?" is a question):
# a survey column is left out when its whole header names a person or a contact.
PERSONAL_HEADERS = frozenset(header_key(h) for h in (
    "Email", "E-mail", "Courriel", "Adresse e-mail", "Adresse mail", "Nom", "Prénom",
    "Nom et prénom", "Nom prénom", "Téléphone", "Numéro de téléphone",
    "Adresse de messagerie",  # Microsoft Forms: the respondent's account
))
# Store fields holding personal data: stored, never shown in a preview nor written in a report.
PERSONAL_FIELDS = ("email", "facilitators")
PERSONAL_MASK = "[donnée personnelle masquée]"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_MASK = "[courriel masqué]"


def _plain(name: Any) -> str:
    text = unicodedata.normalize("NFKD", str(name))
    return "".join(c for c in text if not unicodedata.combining(c))


def is_personal_column(name: Any) -> bool:
    """True when a column we name (a view's, a stored row's) holds people's contact or identity."""
    return bool(PERSONAL_COLUMN.search(_plain(name)))


def is_personal_header(header: str) -> bool:
    """True when an imported file's header names a person outright (such a column is not read)."""
    return header_key(header) in PERSONAL_HEADERS


def drop_personal_columns(df: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in df.columns if not is_personal_column(c)]
    return df if len(keep) == len(df.columns) else df.loc[:, keep]


def redact_emails(text: str) -> str:
    return EMAIL.sub(EMAIL_MASK, text) if "@" in text else text


def without_personal_cells(raw: str | None) -> str | None:
    """A rejected row kept as JSON, its personal cells masked and e-mails redacted (to show it)."""
    if not raw:
        return raw
    row = json.loads(raw)
    return json.dumps({k: (PERSONAL_MASK if (is_personal_column(k) or is_personal_header(k)) and v
                           else redact_emails(v) if isinstance(v, str) else v)
                       for k, v in row.items()}, ensure_ascii=False)


# -- formulas --------------------------------------------------------------------------------
# What a spreadsheet runs: "=…", "@SOMME(…)", and the "+cmd|…" / "-2+3+cmd|…" forms of
# formula injection. "+33 MSP", "- la coordination" or "-12,5" are text or numbers: an import
# keeps them. An exported cell is neutralised more widely (any leading trigger), since whoever
# opens it may type after it; every text ``looks_like_formula`` flags starts with a trigger.
_FORMULA = re.compile(r"^(?:=.|@\w+\(|[+-].*(?:\||\b[A-Za-z_][\w.]*\())", re.DOTALL)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would run this cell as a formula (an import refuses it)."""
    return bool(_FORMULA.match(text))


# A signed number as the product writes a change (« +120 % », « -3 », « +2 360 711 € »): a
# spreadsheet reads it as the number it is, and nothing in it can run.
# (« +33 6 00 », a telephone number, is not one: its groups are not thousands.)
_SIGNED_NUMBER = re.compile(
    r"^[+-]\d{1,3}(?:[\u00a0\u202f ]\d{3})*(?:,\d+)?(?:[\u00a0\u202f ]?[%€])?$")


def neutralise(text: str) -> str:
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: a spreadsheet shows it, never runs it."""
    if text.startswith(FORMULA_TRIGGERS) and not _SIGNED_NUMBER.match(text):
        return "'" + text
    return text


def clean_text(value: Any) -> Any:
    """A text cell made safe for export; any other value unchanged."""
    if isinstance(value, str):
        return neutralise(redact_emails(value))
    return value


# -- suppression: small counts and what gives them away --------------------------------------
# Columns derived from a count on the same row (a share or a mean of 3 people is still 3 people;
# the ACI total of 2 teams is still their two amounts).
DERIVED_COLUMN = re.compile(
    r"%|\bpart\b|pourcentage|proportion|taux|moyenne|mediane|score|share|mean|median|ratio"
    r"|montant|total|€",
    re.IGNORECASE,
)


def threshold(value: int | None = None) -> int:
    """The small-count threshold: explicit value, else the setting read at call time."""
    return int(settings.value("small_count") if value is None else value)


def mask_label(limit: int | None = None) -> str:
    return f"< {threshold(limit)}"


def masked_note(limit: int | None = None) -> str:
    return f"valeurs < {threshold(limit)} masquées"


# What a masked amount, share or total reads on screen and in every export (a masked count
# reads « < 5 »).
MASKED_VALUE = DERIVED_MASK = "masqué"


def too_few(limit: int | None = None, unit: str = "équipes ou répondants") -> str:
    """Why a figure is not shown: masked, which is neither "no data" nor zero."""
    return f"effectif trop faible pour être affiché (moins de {threshold(limit)} {unit})"


def is_derived_column(name: Any) -> bool:
    return bool(DERIVED_COLUMN.search(_plain(name)))


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or is_missing(value):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str | bytes)


@dataclass(frozen=True)
class Margin:
    """A sum of count cells a reader sees beside them, or can work out: a total, a chart's n,
    the denominator of the shares shown (count ÷ share). One sum per value of ``by`` (the
    grand total when empty), over the rows where the boolean column ``where`` is true (all rows
    when the frame has no such column: it holds the scope's rows only).

    A cell hidden in a group whose sum is known can be worked out by subtraction unless another
    cell of the group is hidden too: complementary (secondary) suppression.
    """

    by: tuple[str, ...] = ()
    where: str | None = None


# What a figure or a table shows unless it says otherwise: the total of each count column.
GRAND_TOTAL = (Margin(),)


def _groups(df: pd.DataFrame, margins: Iterable[Margin]) -> list[np.ndarray]:
    """The row positions of each group whose sum a reader knows."""
    groups = []
    for margin in margins:
        rows = np.ones(len(df), dtype=bool)
        if margin.where and margin.where in df.columns:
            rows = df[margin.where].fillna(False).astype(bool).to_numpy()
        by = [c for c in margin.by if c in df.columns]
        if not by:
            groups.append(np.flatnonzero(rows))
            continue
        keys = df[by].astype(str).agg("\x1f".join, axis=1).to_numpy()
        for key in dict.fromkeys(keys[rows]):
            groups.append(np.flatnonzero(rows & (keys == key)))
    return [g for g in groups if len(g)]


def _determined(masked: np.ndarray, groups: list[np.ndarray]) -> list[int]:
    """The hidden cells the known sums determine exactly (by adding and subtracting them).

    Cell ``i`` is determined when the unit vector ``e_i`` lies in the row space of the
    groups' incidence matrix restricted to the hidden cells.
    """
    hidden = np.flatnonzero(masked)
    if not len(hidden) or not groups:
        return []
    index = {cell: k for k, cell in enumerate(hidden)}
    rows = []
    for group in groups:
        row = np.zeros(len(hidden))
        for cell in group:
            if cell in index:
                row[index[cell]] = 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for k, cell in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(int(cell))
    return found


def _complement(values: np.ndarray, masked: np.ndarray, group: np.ndarray) -> int | None:
    """The cell to hide beside a hidden one: the smallest shown count of the group above 0
    (else a 0), the first such row on a tie; None when the group has nothing left to hide."""
    shown = [i for i in group if not masked[i] and not np.isnan(values[i])]
    if not shown:
        return None
    positive = [i for i in shown if values[i] > 0]
    pool = positive or shown
    return min(pool, key=lambda i: (values[i], i))


class Unprotectable(Exception):
    """A hidden count that no other cell can protect: its group's sum alone gives it away."""


def suppression(df: pd.DataFrame, count_columns: Iterable[str],
                margins: Iterable[Margin] = GRAND_TOTAL,
                limit: int | None = None) -> dict[str, np.ndarray]:
    """The count cells to hide, per count column: primary and complementary suppression.

    Primary: a count of 1 to threshold − 1 (0 is shown: "none" gives nobody away). A cell
    already written ``< 5`` counts as hidden. Complementary: as long as a known sum
    (``margins``) determines a hidden cell exactly, the smallest shown count of that group is
    hidden too — the rule of official statistics (INSEE, CASD: primary threshold, secondary
    suppression). Raises Unprotectable when a group has no cell left to hide.
    """
    t = threshold(limit)
    margins = tuple(margins)
    out = {}
    for col in count_columns:
        if col not in df.columns:
            continue
        raw = df[col]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        already = raw.map(lambda v: isinstance(v, str) and v.startswith("<")).to_numpy(bool)
        masked = already | ((values > 0) & (values < t))
        groups = _groups(df, margins)
        while True:
            cells = set(_determined(masked, groups))
            if not cells:
                break
            candidates = [c for g in groups if cells.intersection(g.tolist())
                          if (c := _complement(values, masked, g)) is not None]
            if not candidates:
                raise Unprotectable(col)
            masked[min(candidates, key=lambda i: (values[i], i))] = True
        out[col] = masked
    return out


def count_masked(df: pd.DataFrame | None, count_columns: Iterable[str],
                 limit: int | None = None, margins: Iterable[Margin] = GRAND_TOTAL) -> int:
    """How many count cells of ``df`` an export masks."""
    if df is None or not len(df):
        return 0
    return int(sum(m.sum() for m in suppression(df, count_columns, margins, limit).values()))


def mask_small_counts(df: pd.DataFrame, count_columns: Iterable[str],
                      limit: int | None = None, margins: Iterable[Margin] = GRAND_TOTAL
                      ) -> tuple[pd.DataFrame, int]:
    """Hidden counts (``suppression``) become ``< 5``, derived figures on their rows ``masqué``.

    Returns the masked copy and the number of masked count cells.
    """
    count_columns = tuple(count_columns)
    hidden = suppression(df, count_columns, margins, limit)
    if not any(m.any() for m in hidden.values()):
        return df, 0
    out = df.copy()
    label = mask_label(limit)
    any_row = np.zeros(len(df), dtype=bool)
    masked = 0
    for col, rows in hidden.items():
        if rows.any():
            out[col] = out[col].astype(object)
            out.loc[rows, col] = label
            masked += int(rows.sum())
            any_row |= rows
    for col in out.columns:
        if col not in count_columns and is_derived_column(col):
            hit = any_row & df[col].map(_is_number).to_numpy(bool)
            if hit.any():
                out[col] = out[col].astype(object)
                out.loc[hit, col] = DERIVED_MASK
    return out, masked


# -- the gate: every table, chart's data and image spec that leaves the server ----------------
def safe_frame(df: pd.DataFrame | None, count_columns: Iterable[str] = (),
               limit: int | None = None, margins: Iterable[Margin] = GRAND_TOTAL
               ) -> tuple[pd.DataFrame, int]:
    """The one gate before any table leaves the server: drop, mask, redact, neutralise.

    Returns the safe copy (column names cleaned too) and the number of masked count cells.
    """
    if df is None:
        return pd.DataFrame(), 0
    out = drop_personal_columns(df.reset_index(drop=True))
    out, masked = mask_small_counts(out, count_columns, limit, margins)
    out = out.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(clean_text).astype(object)
    out.columns = [clean_text(str(c)) for c in out.columns]
    return out, masked


def safe_records(records: list[dict[str, Any]], count_columns: Iterable[str],
                 limit: int | None = None, margins: Iterable[Margin] = GRAND_TOTAL
                 ) -> tuple[list[dict[str, Any]], int]:
    """A chart's inline data made safe for an image: personal fields dropped, e-mails redacted,
    hidden counts (``suppression``) removed so that no mark is drawn for them.

    A record whose counts are all hidden is dropped (a null summed by the chart would be drawn
    as a bar of 0); otherwise its hidden counts, and the derived figures on its row, become null.
    """
    count_columns = tuple(count_columns)
    rows = [{k: (redact_emails(v) if isinstance(v, str) else v)
             for k, v in record.items() if not is_personal_column(k)} for record in records]
    present = [c for c in count_columns if any(c in row for row in rows)]
    if not present:
        return rows, 0
    hidden = suppression(pd.DataFrame.from_records(rows), present, margins, limit)
    masked = 0
    out = []
    for i, row in enumerate(rows):
        small = [c for c in present if hidden[c][i]]
        if small:
            masked += len(small)
            if len(small) == sum(1 for c in count_columns if c in row):
                continue
            for c in small:
                row[c] = None
            for k in row:
                if k not in count_columns and is_derived_column(k) and _is_number(row[k]):
                    row[k] = None
        out.append(row)
    return out, masked


def safe_spec(spec: dict[str, Any], count_columns: Iterable[str],
              limit: int | None = None, margins: Iterable[Margin] = GRAND_TOTAL) -> int:
    """A Vega-Lite spec's inline data made safe in place (``safe_records`` on every dataset and
    every inline ``values``, lookups included); returns the count cells masked."""
    count_columns = tuple(count_columns)
    masked = 0
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        for name, records in datasets.items():
            if isinstance(records, list):
                datasets[name], n = safe_records(records, count_columns, limit, margins)
                masked += n

    def walk(node: Any) -> None:
        nonlocal masked
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list) and all(
                    isinstance(r, dict) for r in data["values"]):
                data["values"], n = safe_records(data["values"], count_columns, limit,
                                                 margins)
                masked += n
            for key, value in node.items():
                if key != "datasets":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return masked
