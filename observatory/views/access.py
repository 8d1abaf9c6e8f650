"""What a role may see of a View: team-level detail for staff only, small groups masked for readers.

The `lecture` role (board, partners) sees aggregates only. A View is built once for everybody
(and cached); ``for_role`` derives what a reader gets from it, on the server, before anything is
laid out or exported:

- tables flagged ``detail`` (lists of teams, verbatim answers, fiches) are removed;
- counts of fewer than ``privacy.threshold()`` teams or respondents are masked in tables
  (``count_columns``), in charts (their data and the chart drawn from it) and in metrics
  (``Metric.count``), with what is derived from them on the same row (shares, amounts);
- a ``sensitive`` figure whose n is below the threshold is withheld whole: with a
  département and a team type chosen, one team's answers would otherwise show as an "aggregate".
"""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd

from observatory import auth, privacy
from observatory.charts import Figure
from observatory.views import Metric, Table, View

DETAIL_NOTE = ("Listes d'équipes, fiches et réponses individuelles réservées à l'équipe de la "
               "fédération (rôle « lecture » : agrégats seulement).")


def masked_note() -> str:
    return (f"Effectifs de moins de {privacy.threshold()} équipes ou répondants masqués "
            "(rôle « lecture »).")


def for_role(view: View, role: str | None) -> View:
    """``view`` as ``role`` may see it (unchanged for staff and administrators)."""
    if auth.can_see_team_details(role):
        return view
    withheld = masked = False
    tables = []
    for table in view.tables:
        if table.detail:
            withheld = True
            continue
        shown, n = _table(table)
        masked |= n > 0
        tables.append(shown)
    figures = []
    for fig in view.figures:
        drawn, n = _figure(fig)
        masked |= n > 0
        figures.append(drawn)
    metrics = []
    for metric in view.metrics:
        told = _metric(metric)
        masked |= told is not metric
        metrics.append(told)
    notes = list(view.notes)
    if withheld:
        notes.append(DETAIL_NOTE)
    if masked:
        notes.append(masked_note())
    return dataclasses.replace(view, tables=tables, figures=figures, metrics=metrics, notes=notes)


def _table(table: Table) -> tuple[Table, int]:
    data, n = privacy.mask_small_counts(table.data, table.count_columns)
    return dataclasses.replace(table, data=data), n


def _metric(metric: Metric) -> Metric:
    if metric.count is None or metric.count >= privacy.threshold():
        return metric
    return dataclasses.replace(metric, value=privacy.mask_label(), delta=None)


def _figure(fig: Figure) -> tuple[Figure, int]:
    """The figure with its small counts masked, or an empty one when its n is too small."""
    limit = privacy.threshold()
    if fig.sensitive and 0 < fig.n < limit:
        empty = fig.data.iloc[0:0]
        notes = " ".join(p for p in (fig.notes, f"Moins de {limit} réponses : non affiché "
                                     "(rôle « lecture »).") if p)
        return dataclasses.replace(fig, chart=None, data=empty, notes=notes), 1
    if not fig.count_columns or fig.data is None or not len(fig.data):
        return fig, 0
    # rows whose counts are all small disappear, other small counts become empty: a chart
    # cannot draw "< 5", and a bar of 0 would be a lie
    records = fig.data.to_dict("records")
    safe_records, n = privacy.safe_records(records, fig.count_columns, limit)
    if not n:
        return fig, 0
    data = pd.DataFrame(safe_records, columns=[c for c in fig.data.columns
                                                if not privacy.is_personal_column(c)])
    chart = fig.chart
    if chart is not None:
        spec = copy.deepcopy(chart.to_dict(validate=False))
        privacy.safe_spec(spec, fig.count_columns, limit)
        title = spec.get("title")
        if isinstance(title, dict) and isinstance(title.get("subtitle"), list):
            title["subtitle"] = [*title["subtitle"], privacy.masked_note(limit)]
        chart = type(chart).from_dict(spec, validate=False)
    notes = " ".join(p for p in (fig.notes, privacy.masked_note(limit).capitalize() + ".") if p)
    return dataclasses.replace(fig, chart=chart, data=data, notes=notes), n
