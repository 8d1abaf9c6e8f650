"""What may be shown of a View: small groups suppressed for readers and in every export.

A View is built once for everybody (and cached). ``protect`` derives what may leave the server
from it; ``for_role`` is what a role sees on screen. Staff and administrators see the View as
built; the `lecture` role (board, partners) and every exported file get ``protect``'s version:

- counts of fewer than ``privacy.threshold()`` teams or respondents are suppressed in tables and
  charts (``count_columns``), with what is derived from them on the same row (shares, amounts),
  and so are the complementary cells that would let a reader work them out from a total shown
  beside them (``privacy.suppression``, the figure's or table's ``margins``);
- a metric counting that few (``Metric.count``), or totalling a column with a hidden cell
  (``Metric.total_of``), is masked;
- a chart's team-level layers (one named mark per team: ``privacy.DETAIL_LAYER``) are
  removed;
- a ``sensitive`` figure whose n is below the threshold is withheld whole: with a
  département and a team type chosen, one team's answers would otherwise show as an
  "aggregate"; so is a chart none of whose marks may be drawn. A withheld chart says so
  (``Figure.withheld``): it is never drawn empty, nor described as having no data.

For readers, ``for_role`` also removes the tables and figures flagged ``detail`` (lists of
teams, verbatim answers, fiches, the map of the projects with their names). The public and member
teams (``adherent``) see like readers, and besides:

- what the federation publishes (survey infographics, fiches) only once published, unless the
  role reads it unpublished (``SEES_UNPUBLISHED``): a view not built from the published items
  alone (``View.published_only``) is refused to them whole, whatever the page asked for;
- a view about one team (``View.team_id``) is refused to everyone but staff and that team's own
  account, who read its own rows in full (its comparisons with other teams stay masked).

An infographic's card (``Card``) shows numbers read from its figure's rows: when its figure is
withheld, or one of those rows masked, the card says so instead of its numbers and takeaway.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from observatory import auth, formats, privacy
from observatory.charts import Figure
from observatory.views import Card, Metric, Table, View

DETAIL_NOTE = ("Listes d'équipes, projets nommés, fiches et réponses individuelles réservés à "
               "l'équipe de la fédération (rôle « lecture » : agrégats seulement).")


def masked_note() -> str:
    return (f"Effectifs de moins de {privacy.threshold()} équipes ou répondants masqués, ainsi "
            "que les cases qui permettraient de les retrouver par différence.")


# Who reads each kind of published content before it is published: the federation's own roles
# (readers as before), and member teams for the fiches, their library; the public never.
SEES_UNPUBLISHED = {"survey": frozenset({"lecture", "equipe", "admin"}),
                    "fiche": frozenset({"adherent", "lecture", "equipe", "admin"})}
NOT_PUBLISHED = formats.typography("Contenu non publié : il n'est pas accessible avec ce rôle.")
NOT_YOUR_TEAM = formats.typography("Cette page ne montre que l'équipe du compte connecté.")
REFUSED_TITLES = {NOT_PUBLISHED: "Contenu non publié", NOT_YOUR_TEAM: "Mon équipe"}


def published_only(role: str | None, kind: str) -> bool:
    """Whether ``role`` sees only the published items of ``kind`` ("survey", "fiche")."""
    return role not in SEES_UNPUBLISHED[kind]


def refusal(view: View, role: str | None, team: int | None = None) -> str | None:
    """Why ``role`` (of ``team``) may not see ``view`` at all, or None."""
    if view.team_id is not None and not auth.can_see_team_details(role) and (
            role != "adherent" or team != view.team_id):
        return NOT_YOUR_TEAM
    if view.publication and not view.published_only and published_only(role, view.publication):
        return NOT_PUBLISHED
    return None


def typeset(view: View) -> View:
    """The view's own texts in French typography (``formats.typography``): what leaves the
    server, on screen or in a file. The data (names, answers, fiches) stays as typed."""
    t = formats.typography

    def metric(m: Metric) -> Metric:
        return dataclasses.replace(m, label=t(m.label), value=t(m.value),
                                   delta=t(m.delta) if m.delta else m.delta, help=t(m.help))

    def figure(f: Figure) -> Figure:
        return dataclasses.replace(f, title=t(f.title), notes=t(f.notes), source=t(f.source),
                                   takeaway=t(f.takeaway), withheld=t(f.withheld))

    def table(tab: Table) -> Table:
        return dataclasses.replace(tab, title=t(tab.title), caption=t(tab.caption))

    def card(c: Card) -> Card:
        return dataclasses.replace(c, title=t(c.title), value=t(c.value), value_label=t(c.value_label),
                                   takeaway=t(c.takeaway), groups=t(c.groups),
                                   withheld=t(c.withheld))

    return dataclasses.replace(
        view, title=t(view.title), scope_label=t(view.scope_label),
        empty_message=t(view.empty_message) if view.empty_message else view.empty_message,
        notes=[t(n) for n in view.notes], metrics=[metric(m) for m in view.metrics],
        figures=[figure(f) for f in view.figures], tables=[table(x) for x in view.tables],
        cards=[card(c) for c in view.cards])


def for_role(view: View, role: str | None, team: int | None = None) -> View:
    """``view`` as ``role`` may see it on screen (staff and administrators: as built), set in
    French typography; ``team``: the member team of an ``adherent`` account."""
    refused = refusal(view, role, team)
    if refused is not None:  # not even its title: another team's name, an unpublished survey's
        return typeset(View(title=REFUSED_TITLES[refused], scope_label="", empty_message=refused))
    if auth.can_see_team_details(role):
        return typeset(view)
    safe = protect(view)
    own = view.team_id is not None  # its own team's page: its rows are its own
    tables = [t for t in safe.tables
              if not t.detail or own or (t.members and role == "adherent")]
    figures = [f for f in safe.figures if not f.detail or own]
    notes = list(safe.notes)
    if len(tables) < len(safe.tables) or len(figures) < len(safe.figures):
        notes.append(formats.typography(DETAIL_NOTE))
    return dataclasses.replace(safe, tables=tables, figures=figures, notes=notes)


def protect(view: View, limit: int | None = None) -> View:
    """``view`` with its small groups suppressed: what a reader sees and every export holds."""
    tables = [protect_table(t, limit) for t in view.tables]
    figures = [protect_figure(f, limit) for f in view.figures]
    hidden = {(t.key, c) for t in tables for c in t.count_columns
              if t.masked_cells and _has_hidden(t.data, c)}
    metrics = protect_metrics(view.metrics, limit, hidden)
    by_key = {f.key: f for f in figures}
    cards = [protect_card(c, by_key.get(c.figure), limit) for c in view.cards]
    masked = (any(t.masked_cells for t in tables) or any(f.masked_cells or f.withheld
                                                         for f in figures)
              or any(a is not b for a, b in zip(metrics, view.metrics, strict=True))
              or any(c.withheld for c in cards))
    notes = list(view.notes)
    if masked and masked_note() not in notes:
        notes.append(masked_note())
    return typeset(dataclasses.replace(view, tables=tables, figures=figures, metrics=metrics,
                                       notes=notes, cards=cards))


CARD_MASKED = ("chiffres masqués : ils permettraient de retrouver un effectif de moins de "
               "{limit} répondants")


def protect_card(card: Card, fig: Figure | None, limit: int | None = None) -> Card:
    """The card as its protected figure allows: its numbers only where every row they come
    from is shown; otherwise why not, in the project's words."""
    if card.withheld:
        return card
    if fig is None or fig.withheld:
        reason = fig.withheld if fig is not None and fig.withheld else privacy.too_few(
            limit, "répondants")
        return dataclasses.replace(card, value="", value_label="", takeaway="", groups="",
                                   withheld=reason)
    if _any_masked(fig, card.rows):
        return dataclasses.replace(card, value="", value_label="", takeaway="", groups="",
                                   withheld=CARD_MASKED.format(limit=privacy.threshold(limit)))
    if card.groups and _any_masked(fig, card.group_rows):
        return dataclasses.replace(card, groups="")
    return card


def _any_masked(fig: Figure, rows: tuple[int, ...]) -> bool:
    """Whether a count of these rows of the protected figure's data is masked."""
    if not rows or not fig.masked_cells:
        return False
    data = fig.data.reset_index(drop=True)
    return any(col in data.columns and i < len(data) and _masked_value(data[col].iloc[i])
               for col in fig.count_columns for i in rows)


def _masked_value(value: object) -> bool:
    return isinstance(value, str) and (value.startswith("<") or value == privacy.MASKED_VALUE)


def _has_hidden(df: pd.DataFrame, column: str) -> bool:
    return column in df.columns and bool(df[column].map(
        lambda v: isinstance(v, str) and v.startswith("<")).any())


def protect_table(table: Table, limit: int | None = None) -> Table:
    """The table with its small counts and their complements masked (``< 5``, ``masqué``)."""
    if table.protected:
        return table
    if not table.count_columns or not len(table.data):
        return dataclasses.replace(table, protected=True)
    try:
        data, n = privacy.mask_small_counts(table.data, table.count_columns, limit,
                                            table.margins)
    except privacy.Unprotectable:  # a total of one hidden cell: every count of it goes
        data, n = _mask_columns(table.data, table.count_columns, limit)
    return dataclasses.replace(table, data=data, protected=True, masked_cells=n)


def _mask_columns(df: pd.DataFrame, columns: tuple[str, ...],
                  limit: int | None) -> tuple[pd.DataFrame, int]:
    out = df.copy()
    masked = 0
    for col in columns:
        if col in out.columns:
            out[col] = privacy.mask_label(limit)
            masked += len(out)
    for col in out.columns:
        if col not in columns and privacy.is_derived_column(col):
            out[col] = privacy.DERIVED_MASK
    return out, masked


def protect_metrics(metrics: list[Metric], limit: int | None = None,
                    hidden: set[tuple[str, str]] | None = None) -> list[Metric]:
    """Key figures as they may leave the server: one counting too few teams or respondents
    is masked, and so is one totalling a table column with a hidden cell (``hidden``: the
    (table key, column) pairs with one)."""
    return [_metric(m, hidden or set(), limit) for m in metrics]


def _metric(metric: Metric, hidden: set[tuple[str, str]], limit: int | None) -> Metric:
    t = privacy.threshold(limit)
    small = metric.count is not None and 0 < metric.count < t
    if not small and (metric.total_of is None or metric.total_of not in hidden):
        return metric
    # a count reads « < 5 »; an amount or a share of that few is masked
    is_count = metric.count is not None and metric.value == formats.number(metric.count)
    why = privacy.too_few(limit) if small else (
        "Total masqué : une des valeurs qui le composent est masquée et s'en déduirait.")
    return dataclasses.replace(metric, value=privacy.mask_label(limit) if small and is_count
                               else privacy.MASKED_VALUE, delta=None,
                               help=" ".join(p for p in (why, metric.help) if p))


def _withheld(fig: Figure, reason: str) -> Figure:
    return dataclasses.replace(fig, chart=None, data=fig.data.iloc[0:0], protected=True,
                               withheld=reason, masked_cells=max(1, fig.masked_cells),
                               takeaway="")


def _unit(fig: Figure) -> str:
    return "répondants" if "répondant" in fig.n_label else "équipes"


def protect_figure(fig: Figure, limit: int | None = None) -> Figure:
    """The figure as it may leave the server: small counts and their complements suppressed in
    its data (``< 5``) and chart (no mark), or withheld whole when nothing may be drawn."""
    if fig.protected:
        return fig
    t = privacy.threshold(limit)
    if fig.sensitive and 0 < fig.n < t:
        return _withheld(fig, privacy.too_few(limit, _unit(fig)))
    if fig.chart is not None:  # one mark per team, named (the map's teams): staff only
        spec = fig.chart.to_dict(validate=False)
        if privacy.without_detail_layers(spec):
            fig = dataclasses.replace(fig, chart=type(fig.chart).from_dict(spec, validate=False))
    if not fig.count_columns or fig.data is None or not len(fig.data):
        return dataclasses.replace(fig, protected=True)
    try:
        data, n = privacy.mask_small_counts(fig.data, fig.count_columns, limit, fig.margins)
    except privacy.Unprotectable:
        return _withheld(fig, privacy.too_few(limit, _unit(fig)))
    if not n:
        return dataclasses.replace(fig, protected=True)
    if fig.statement:  # a sentence stating a masked count: nothing left to say
        return _withheld(fig, privacy.too_few(limit, _unit(fig)))
    chart = fig.chart
    if chart is not None:
        spec = chart.to_dict(validate=False)
        privacy.safe_spec(spec, fig.count_columns, limit, fig.margins)
        if not _has_marks(spec):
            return _withheld(fig, privacy.too_few(limit, _unit(fig)))
        title = spec.get("title")
        if isinstance(title, dict) and isinstance(title.get("subtitle"), list):
            title["subtitle"] = [*title["subtitle"], privacy.masked_note(limit)]
        chart = type(chart).from_dict(spec, validate=False)
    # the takeaway was written from the cells before suppression: it may state a masked one
    return dataclasses.replace(fig, chart=chart, data=data, protected=True, masked_cells=n,
                               takeaway="")


def _has_marks(spec: dict) -> bool:
    """Whether any dataset of the spec still has a row to draw."""
    datasets = spec.get("datasets") or {}
    return not datasets or any(len(rows) for rows in datasets.values())
