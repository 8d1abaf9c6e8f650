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

import itertools
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
    r"|montant|total|€|estim",
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


@dataclass(frozen=True)
class Cube:
    """A table that publishes its own margins (a federation's package): each row gives the
    dimensions ``dims`` it is broken down by and leaves the others empty (None), being the sum
    of the rows under it; the rows giving every dimension are the finest cells. The margins are
    cells like the others: a small one is masked too, and a hidden margin must not be worked
    out from the cells shown under it any more than a hidden cell from the margins above it.
    Rows of distinct values of ``within`` (a year, a question) are independent tables. The
    boolean column ``published``, when given, marks the rows that leave: the others are
    unknowns to whoever reads the table (finest cells nobody sees) and need no protection.
    """

    dims: tuple[str, ...]
    within: tuple[str, ...] = ()
    published: str | None = None


# A known sum: the cells it adds up, with their signs (+1 and, in a cube, the parent's −1 …
# each child +1: the difference is known to be 0).
Equation = tuple[np.ndarray, np.ndarray]


def _groups(df: pd.DataFrame, margins: Iterable[Margin]) -> list[Equation]:
    """The sums a reader knows beside the table: the row positions of each group."""
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
    return [(g, np.ones(len(g))) for g in groups if len(g)]


def _cube_keys(df: pd.DataFrame, cube: Cube) -> list[tuple[Any, ...]]:
    dims = list(cube.dims)
    if not dims:
        return [()] * len(df)
    return [tuple(r) for r in df[dims].astype(object).where(df[dims].notna(), None).to_numpy()]


def _cube_equations(keys: list[tuple[Any, ...]], rows: np.ndarray) -> list[Equation]:
    """Within one table of a cube: each row minus the rows one dimension finer under it is 0."""
    index = {keys[r]: int(r) for r in rows}
    children: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        key = keys[r]
        for d, value in enumerate(key):
            if value is None:
                continue
            parent = index.get(key[:d] + (None,) + key[d + 1:])
            if parent is not None:
                children.setdefault((parent, d), []).append(int(r))
    return [(np.array([parent, *under]), np.array([-1.0] + [1.0] * len(under)))
            for (parent, _), under in children.items()]


def _determined(masked: np.ndarray, groups: list[Equation]) -> list[int]:
    """The hidden cells the known sums determine exactly (by adding and subtracting them).

    Cell ``i`` is determined when the unit vector ``e_i`` lies in the row space of the known
    sums restricted to the hidden cells, i.e. when every vector of its null space (every way
    the hidden cells can move with no known sum changing) leaves ``i`` still. Hidden cells no
    sum links (directly or through other hidden cells) are independent blocks: the matrix is
    block-diagonal in them, its null space the blocks' null spaces side by side, so each block
    is solved on its own (``_block_determined``), the same answer for a fraction of the cost.
    """
    hidden = np.flatnonzero(masked)
    if not len(hidden) or not groups:
        return []
    index = {int(cell): k for k, cell in enumerate(hidden)}
    rows: list[tuple[list[int], list[float]]] = []
    for cells, signs in groups:
        row = {k: float(sign) for cell, sign in zip(cells, signs, strict=True)
               if (k := index.get(int(cell))) is not None}
        if row:
            rows.append((list(row), list(row.values())))
    if not rows:
        return []
    root = list(range(len(hidden)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for columns, _ in rows:
        first = find(columns[0])
        for k in columns[1:]:
            other = find(k)
            if other != first:
                root[other] = first
    blocks: dict[int, list[tuple[list[int], list[float]]]] = {}
    for sums in rows:
        blocks.setdefault(find(sums[0][0]), []).append(sums)
    out = []
    for block in blocks.values():
        out += [int(hidden[k]) for k in _block_determined(block)]
    return sorted(out)


def _block_determined(rows: list[tuple[list[int], list[float]]]) -> list[int]:
    """Within one block of linked hidden cells (columns), those its sums determine."""
    columns = sorted({k for cols, _ in rows for k in cols})
    position = {k: j for j, k in enumerate(columns)}
    matrix = np.zeros((len(rows), len(columns)))
    for i, (cols, signs) in enumerate(rows):
        matrix[i, [position[k] for k in cols]] = signs
    # the full V only when there are fewer sums than cells (else it is square already): a
    # full U of thousands of sums would cost seconds for nothing
    _, singular, vt = np.linalg.svd(matrix, full_matrices=matrix.shape[0] < matrix.shape[1])
    tolerance = singular.max(initial=0.0) * max(matrix.shape) * np.finfo(float).eps
    null = vt[int((singular > tolerance).sum()):]
    if not len(null):
        return columns
    still = np.abs(null).max(axis=0) < 1e-9
    return [k for k, s in zip(columns, still, strict=True) if s]


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


def _complete(values: np.ndarray, masked: np.ndarray, groups: list[Equation],
              protect: np.ndarray, col: str) -> None:
    """Complementary suppression, in place: as long as the known sums determine a hidden cell
    of ``protect`` exactly, the smallest shown count of one of its sums is hidden too."""
    while True:
        cells = {c for c in _determined(masked, groups) if protect[c]}
        if not cells:
            return
        candidates = [c for g, _ in groups if cells.intersection(g.tolist())
                      if (c := _complement(values, masked, g)) is not None]
        if not candidates:
            raise Unprotectable(col)
        masked[min(candidates, key=lambda i: (values[i], i))] = True


def _primary(raw: pd.Series, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The counts as numbers, and primary suppression: 1 to threshold − 1 (0 is shown: "none"
    gives nobody away); a cell already written ``< 5`` counts as hidden."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    already = raw.map(lambda v: isinstance(v, str) and v.startswith("<")).to_numpy(bool)
    return values, already | ((values > 0) & (values < t))


def suppression(df: pd.DataFrame, count_columns: Iterable[str],
                margins: Iterable[Margin] = GRAND_TOTAL,
                limit: int | None = None, cube: Cube | None = None) -> dict[str, np.ndarray]:
    """The count cells to hide, per count column: primary and complementary suppression.

    Primary: a count of 1 to threshold − 1 (``_primary``). Complementary: as long as a known
    sum determines a hidden cell exactly, the smallest shown count of that sum is hidden too —
    the rule of official statistics (INSEE, CASD: primary threshold, secondary suppression).
    The known sums are ``margins`` (totals shown beside the table), or, for a ``cube`` (a table
    holding its margins as rows, which ``margins`` then does not describe), each row's equality
    with the rows under it; there the first complements of each hidden count are its cheapest
    hypercube pattern (``_hypercube``), whose moves prove the table safe (``_certified``), else
    the full check completes it. Raises Unprotectable when a sum has no cell left to hide.
    """
    t = threshold(limit)
    margins = tuple(margins)
    out = {}
    for col in count_columns:
        if col not in df.columns:
            continue
        values, masked = _primary(df[col], t)
        if cube is None:
            _complete(values, masked, _groups(df, margins), np.ones(len(df), dtype=bool), col)
            out[col] = masked
        else:
            out[col] = _cube_suppression(df, values, masked, cube, col)
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


# -- team-level marks in a chart: staff only ---------------------------------------------------
# A layer of a chart whose name starts so draws one mark per team, with its name (the teams on
# the map): never in what a reader sees nor in any exported file.
DETAIL_LAYER = "detail_"


def without_detail_layers(spec: dict[str, Any]) -> bool:
    """Remove from a full spec its team-level layers and the datasets only they read; True
    when there were some."""
    layers = spec.get("layer")
    if not isinstance(layers, list):
        return False
    kept = [layer for layer in layers
            if not str(layer.get("name", "")).startswith(DETAIL_LAYER)]
    if len(kept) == len(layers):
        return False
    spec["layer"] = kept
    used = json.dumps(kept) + json.dumps({k: v for k, v in spec.items()
                                          if k not in ("layer", "datasets")})
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        spec["datasets"] = {name: rows for name, rows in datasets.items()
                            if f'"{name}"' in used}
    return True


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


# -- a cube's complements: the hypercube method ----------------------------------------------
# The hypercube method of official statistics (Repsilber, *Preservation of confidentiality in
# aggregated data*, 1994; the HYPERCUBE method of τ-ARGUS): each hidden count gets a pattern of
# hidden cells along which it can move without any count shown changing, so no sum or
# difference of shown counts gives it back. It hides far fewer margins than cell-by-cell
# complements would. The patterns' moves then prove the result (``_certified``: each hidden
# count moves along one, no known sum changing); when they do not, ``_complete`` checks it by
# linear algebra and completes it.
def _rollup(key: tuple[Any, ...], keep: Iterable[int]) -> tuple[Any, ...]:
    kept = set(keep)
    return tuple(v if d in kept else None for d, v in enumerate(key))


Move = dict[int, float]  # a way hidden rows can change together, no known sum changing


@dataclass
class _Table:
    """One table of a cube, indexed for the hypercube search: each row's key, the row of each
    key, each finest cell's rows at every grain (itself rolled up), the finest cells under
    each row, and the values each dimension takes."""

    keys: list[tuple[Any, ...]]
    index: dict[tuple[Any, ...], int]
    up: dict[int, dict[tuple[int, ...], int]]
    under: dict[int, list[int]]
    alternatives: list[list[Any]]

    @classmethod
    def of(cls, keys: list[tuple[Any, ...]]) -> _Table:
        index = {k: i for i, k in enumerate(keys)}
        n = len(keys[0]) if keys else 0
        grains = [g for k in range(n + 1) for g in itertools.combinations(range(n), k)]
        finest = [i for i, k in enumerate(keys) if all(x is not None for x in k)]
        up: dict[int, dict[tuple[int, ...], int]] = {}
        under: dict[int, list[int]] = {}
        for f in finest:
            up[f] = {g: i for g in grains if (i := index.get(_rollup(keys[f], g))) is not None}
            for i in up[f].values():
                under.setdefault(i, []).append(f)
        alternatives = [sorted({keys[f][d] for f in finest}, key=str) for d in range(n)]
        return cls(keys, index, up, under, alternatives)


def _hypercube(row: int, table: _Table, values: np.ndarray, hidden: np.ndarray
               ) -> Move | None:
    """The cheapest pattern of rows whose masking lets ``row`` move unseen, as that move (each
    row of the pattern and the sign it moves with), or None.

    A pattern picks, for each dimension of a set S' among those ``row`` gives, a second value,
    and values for the other dimensions: the 2^|S'| finest cells so chosen (the corners) take
    +ε and −ε in turn. Every margin summing over a dimension of S' is unchanged; the rows that
    change are the corners' rows at every grain giving all of S', which the pattern masks.
    Corners must be published or unpublished cells that exist (an absent cell is a known 0),
    and the corners taking −ε must hold at least 1. S' is all of the row's dimensions when
    that is possible (the classic hypercube), else fewer.
    """
    keys, index, up = table.keys, table.index, table.up
    key = keys[row]
    n = len(key)
    given = [d for d in range(n) if key[d] is not None]
    under = table.under.get(row, [])
    for size in range(len(given), -1, -1):
        best: tuple[float, int, Move] | None = None
        for moving in itertools.combinations(given, size):
            grains = [g for k in range(size, n + 1) for g in itertools.combinations(range(n), k)
                      if set(moving) <= set(g)]
            for f in under:
                base = keys[f]
                # a second value is only worth trying where the corner one step away exists
                viable = [[a for a in table.alternatives[d] if a != base[d]
                           and base[:d] + (a,) + base[d + 1:] in index] for d in moving]
                for alt in itertools.product(*viable):
                    found, signs = [], []
                    for picks in itertools.product((False, True), repeat=size):
                        corner = list(base)
                        for d, a, pick in zip(moving, alt, picks, strict=True):
                            if pick:
                                corner[d] = a
                        found.append(index.get(tuple(corner)))
                        signs.append(sum(picks) % 2)
                    if any(i is None for i in found):
                        continue
                    cells = [int(i) for i in found if i is not None]
                    if not any(all(values[c] >= 1 for c, s in zip(cells, signs, strict=True)
                                   if s == parity) for parity in (0, 1)):
                        continue
                    pattern = {i: -1.0 if sign else 1.0
                               for c, sign in zip(cells, signs, strict=True)
                               for g in grains if (i := up[c].get(g)) is not None}
                    new = [i for i in pattern if not hidden[i]]
                    cost = (float(sum(values[i] for i in new)), len(new), pattern)
                    if best is None or cost[:2] < best[:2]:
                        best = cost
                        if not new:  # nothing more to mask: no pattern is cheaper
                            return pattern
        if best is not None:
            return best[2]
    return None


def _certified(moves: list[Move], equations: list[Equation], hidden: np.ndarray,
               protect: np.ndarray) -> bool:
    """Whether the moves prove that no known sum determines a hidden row of ``protect``: each
    move changes hidden rows only and leaves every known sum as it is (exactly: ±1 entries,
    summed in floating point without rounding), and every such row changes in one of them.

    A row that some move changes is not determined (the move is a vector of the null space
    ``_determined`` looks for), so this is ``_determined`` finding nothing, checked for the
    cost of one product of the sums by the moves instead of a singular value decomposition.
    """
    n = len(hidden)
    vectors = np.zeros((n, len(moves)))
    for j, m in enumerate(moves):
        vectors[list(m), j] = list(m.values())
    changed = (vectors != 0).any(axis=1)
    if (changed & ~hidden).any() or (hidden & protect & ~changed).any():
        return False
    if not equations:
        return True
    matrix = np.zeros((len(equations), n))
    for e, (cells, signs) in enumerate(equations):
        matrix[e, cells] = signs
    return not (matrix @ vectors).any()


def _cube_suppression(df: pd.DataFrame, values: np.ndarray, primary: np.ndarray, cube: Cube,
                      col: str) -> np.ndarray:
    """``suppression`` of one count column of a cube: the rows of ``cube.published`` to hide."""
    shown = (df[cube.published].fillna(False).astype(bool).to_numpy() if cube.published
             else np.ones(len(df), dtype=bool))
    primary = shown & primary
    hidden = primary | ~shown
    keys = _cube_keys(df, cube)
    within = list(cube.within)
    parts = (df.groupby([df[c].astype(str) for c in within], sort=False).indices.values()
             if within else [np.arange(len(df))])
    for part in parts:
        rows = np.asarray(part)
        local_keys = [keys[r] for r in rows]
        v, local = values[rows], hidden[rows].copy()
        table = _Table.of(local_keys)
        covered = np.zeros(len(rows), dtype=bool)
        order = sorted(np.flatnonzero(primary[rows]),
                       key=lambda i: (-sum(x is not None for x in local_keys[i]), v[i], i))
        moves = []
        for r in order:
            if covered[r]:
                continue
            pattern = _hypercube(int(r), table, v, local)
            if pattern is None:
                raise Unprotectable(col)
            cells = list(pattern)
            local[cells] = True
            covered[cells] = True
            moves.append(pattern)
        equations = _cube_equations(local_keys, np.arange(len(rows)))
        # the patterns' moves usually prove the table safe; else the full check completes it
        if not _certified(moves, equations, local, shown[rows]):
            _complete(v, local, equations, shown[rows], col)
        hidden[rows] = local
    return hidden & shown


OTHER_LABEL = "Autre"


def common_labels(labels: Iterable[Any], counts: Iterable[float], limit: int | None = None
                  ) -> dict[Any, Any]:
    """Labels people typed themselves (a software's name, a profession, an « Autre » text) as
    they may leave in a package: one given by fewer teams or respondents than the threshold,
    over the whole package, becomes « Autre ». Returns label → label shown."""
    totals: dict[Any, float] = {}
    for label, n in zip(labels, counts, strict=True):
        totals[label] = totals.get(label, 0) + float(n)
    t = threshold(limit)
    return {label: label if total >= t else OTHER_LABEL for label, total in totals.items()}
