"""No masked count can be worked out from what a reader sees: an attacker's test.

For every page × scope × breakdown of the demo store, the reader's view (``lecture``, which is
also what every export holds) is set against the staff's view (the truth). For each chart or
table with masked counts, the sums a reader is given are collected from what is shown — a
column's total when it is the view's key figure, the chart's n, a number of its caption or of a
"Total" row; a group's total when the shown counts and shares of the group give it (count ÷
share) — and the test looks for a combination of them that determines a masked cell exactly by
adding and subtracting. Nothing of the suppression code is used to decide what is known: only
what the view shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matrix import FED, pages, scopes

from observatory import privacy
from observatory.filters import Scope
from observatory.views import View, access

NUMBER = re.compile(r"(?<![\d,])\d{1,3}(?:[\u00a0\u202f ]\d{3})*(?![\d,])")


def _numbers(text: str) -> set[int]:
    return {int(re.sub(r"\D", "", m)) for m in NUMBER.findall(text or "")}


def metric_numbers(view: View) -> set[int]:
    """The totals a view states in its key figures."""
    return {n for m in view.metrics for n in _numbers(m.value)}


def own_numbers(view: View, key: str) -> set[int]:
    """The totals a chart or table states about itself: its n, its caption, its "Total" rows."""
    found: set[int] = set()
    for fig in view.figures:
        if fig.key == key and not fig.withheld:
            found |= {fig.n} | _numbers(fig.caption)
    for card in view.cards:  # « 63 répondants sur 99 »: a card states counts of its figure
        if card.figure == key:
            found |= _numbers(" ".join((card.value, card.takeaway, card.groups)))
    for table in view.tables:
        if table.key != key:
            continue
        found |= _numbers(table.caption)
        data = table.data
        totals = data[data.apply(  # a "Total …" row: sums the reader is given
            lambda row: any(isinstance(v, str) and v.startswith("Total") for v in row),
            axis=1)] if len(data) else data
        for col in totals.columns:
            found |= {int(v) for v in pd.to_numeric(totals[col], errors="coerce").dropna()
                      if float(v).is_integer()}
    return found


def _masked(value: object) -> bool:
    return isinstance(value, str) and (value.startswith("<") or value == privacy.MASKED_VALUE)


def _recoverable(truth: pd.DataFrame, shown: pd.DataFrame, column: str, known: set[int]
                 ) -> list[int]:
    """Rows of ``column`` masked in ``shown`` that known sums determine exactly.

    Known: the column's total when it is among the numbers the page shows; the total of the
    rows sharing one value of a key column when a shown count and its shown share give it."""
    hidden = np.flatnonzero(shown[column].map(_masked).to_numpy(bool))
    if not len(hidden):
        return []
    values = pd.to_numeric(truth[column], errors="coerce").fillna(0).to_numpy()
    keys = [c for c in truth.columns
            if c != column and not privacy.is_derived_column(c)
            and not pd.api.types.is_numeric_dtype(truth[c])]
    # (a share's interval bound is a function of the count and the group's size, which the
    # count and its share already tell: count ÷ bound is no total, only a false lead)
    shares = [c for c in shown.columns if c != column and privacy.is_derived_column(c)
              and "IC95" not in c]

    def derived(group: np.ndarray) -> set[int]:
        """The group's total when its shares are shares of it: every shown count over its
        shown share gives the same number (shares within each département, say)."""
        out = set()
        for share in shares:
            found = {round(float(shown[column].iloc[i]) / shown[share].iloc[i])
                     for i in group if isinstance(shown[share].iloc[i], float)
                     and shown[share].iloc[i] > 0 and not _masked(shown[column].iloc[i])}
            if len(found) == 1:
                out |= found
        return out

    everything = np.arange(len(truth))
    rows_known = []
    # (a one-row column's total is its cell: a number equal to it elsewhere says nothing)
    candidates = [(everything, known if len(truth) > 1 else set())] + [
        (np.asarray(rows), None) for key in keys
        for rows in truth.groupby(key, sort=False).indices.values() if len(rows) < len(truth)]
    for group, numbers in candidates:
        total = round(float(values[group].sum()))
        if total in (numbers or set()) or total in derived(group):
            row = np.isin(hidden, group).astype(float)
            if row.any():
                rows_known.append(row)
    if not rows_known:
        return []
    matrix = np.array(rows_known)
    rank = np.linalg.matrix_rank(matrix)
    return [int(cell) for k, cell in enumerate(hidden)
            if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(hidden))[k]])) == rank]


def _objects(view: View) -> list[tuple[str, pd.DataFrame, tuple[str, ...]]]:
    return ([(f.key, f.data, f.count_columns) for f in view.figures]
            + [(t.key, t.data, t.count_columns) for t in view.tables])


def recovered(by_page: dict[str, list[View]]) -> tuple[int, list[tuple]]:
    """(masked count columns looked at, the masked cells the attack recovers) on the pages."""
    attempts, found_all = 0, []
    for views in by_page.values():
        for raw in views:
            safe = access.for_role(raw, "lecture")
            truths = {key: data for key, data, _ in _objects(raw)}
            for key, data, counts in _objects(safe):
                known = metric_numbers(safe) | own_numbers(safe, key)
                if key not in truths or not len(data):
                    continue
                truth = truths[key].reset_index(drop=True)
                for column in counts:
                    if column not in data.columns or len(truth) != len(data):
                        continue
                    attempts += 1
                    found = _recoverable(truth, data.reset_index(drop=True), column, known)
                    if found:
                        found_all.append((raw.title, key, column, truth.iloc[found].to_dict()))
    return attempts, found_all


@pytest.mark.parametrize("scope", scopes(), ids=lambda s: s.label(FED))
def test_no_masked_count_can_be_worked_out(scope_matrix: dict, scope: Scope) -> None:
    attempts, found = recovered(scope_matrix[scope])
    assert attempts  # the test looked at some masked table
    assert not found, found[:3]


def test_without_complements_the_attack_recovers_cells(demo_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The control on the real pages: primary suppression alone leaves cells to recover."""
    monkeypatch.setattr(privacy, "_determined", lambda masked, groups: [])
    found = [f for scope in (Scope(year=2025), Scope(year=2025, territory="Est"))
             for f in recovered(pages(scope, demo_db))[1]]
    keys = {key for _, key, _, _ in found}
    assert "repondants_par_departement" in keys and any(k.startswith("question_") for k in keys)


def test_the_attack_finds_what_primary_suppression_alone_leaves(demo_db: Path) -> None:
    """The control: with complementary suppression switched off, the attack recovers a cell."""
    df = pd.DataFrame({"Profession": ["Sage-femme", "Médecin", "Infirmier"],
                       "Répondants": [3, 12, 40]})
    primary, _ = privacy.mask_small_counts(df, ["Répondants"], margins=())
    assert _recoverable(df, primary, "Répondants", {55}) == [0]
    protected, _ = privacy.mask_small_counts(df, ["Répondants"])
    assert _recoverable(df, protected, "Répondants", {55}) == []
