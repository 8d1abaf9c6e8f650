"""Facilitations page: interventions and unique teams by period, type, profile, kind and place."""

from __future__ import annotations

import pandas as pd

from observatory import charts, formats
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import facilitations as ind
from observatory.views import Metric, Table, View
from observatory.vocabulary import FACILITATION_TEAM_TYPES, KIND_LABELS, STATUS_LABELS

FACILITATIONS = "Facilitations"
TEAMS = "Équipes uniques"
MEASURES = [FACILITATIONS, TEAMS]
COUNTING = ("Une facilitation compte une fois quel que soit le nombre d'équipes ; "
            "équipes uniques : équipes distinctes sur la période.")


def _source(scope: Scope) -> str:
    return "journal des facilitations" + (f" {scope.year}" if scope.year else "")


def _long(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Facilitations and unique teams as one ``Mesure``/``Nombre`` pair per row (for charts)."""
    out = df.rename(columns={"facilitations": FACILITATIONS, "teams": TEAMS})
    return out.melt(id_vars=[key], value_vars=MEASURES, var_name="Mesure", value_name="Nombre")


def _axis(df: pd.DataFrame, axis: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    part = df[df["axis"] == axis][["key", "facilitations", "teams"]]
    part = part.assign(key=part["key"].fillna("Non renseigné"))
    if labels:
        part = part.assign(key=part["key"].map(lambda k: labels.get(k, k)))
    return part


def _bars(key: str, title: str, part: pd.DataFrame, category: str, total: int, scope: Scope,
          sort: list[str] | str = "-x", notes: str = COUNTING,
          category_title: str | None = None) -> charts.Figure:
    """Facilitations and unique teams side by side per value of one axis."""
    data = _long(part.rename(columns={"key": category}), category)
    chart = charts.grouped_bars(
        data, category, "Nombre", "Mesure", category_title=category_title or category,
        value_title="Nombre",
        group_title="Mesure", sort=sort, group_order=MEASURES)
    return charts.figure(key, title, chart, data, total, "facilitations", _source(scope),
                               notes)


def comparison_table(scope: Scope, federation: Federation, db: DB = None) -> Table | None:
    """Facilitations per territory × team type, year N-1 against year N, like the report."""
    years = ind.comparison_years(scope, federation, db)
    if years is None:
        return None
    prev, cur = years
    df = ind.comparison(scope, federation, prev, cur, db)
    area_title = "Territoire" if federation.territories else "Département"
    area = df["area"].astype("object").where(df["level"] < 2, "Total")
    area = area.where(df["level"] != 1, "Total " + df["area"].astype("object").fillna(""))
    team_type = df["team_type"].astype("object").where(df["level"] == 0, "Tous types")
    diff = df["n_cur"] - df["n_prev"]
    pct = (100 * diff / df["n_prev"]).where(df["n_prev"] > 0).round(0)
    out = pd.DataFrame({
        area_title: area,
        "Type d'équipe": team_type,
        str(prev): df["n_prev"].astype(int),
        str(cur): df["n_cur"].astype(int),
        "Évolution": diff.astype(int),
        "Évolution (%)": pct,
    })
    return Table("comparaison_annuelle",
                 f"Facilitations par {area_title.lower()} et type d'équipe : {prev} et {cur}",
                 out, f"Source : journal des facilitations {prev}–{cur}. {COUNTING}")


def build(scope: Scope, federation: Federation, db: DB = None,
          departement_names: dict[str, str] | None = None) -> View:
    """Every facilitation figure of ``scope`` (never a facilitator's name)."""
    names = departement_names or {}
    label = scope.label(federation, names)
    view = View(title="Facilitations", scope_label=label)
    df = ind.breakdowns(scope, federation, db)
    total_row = df[df["axis"] == "total"]
    total = int(total_row["facilitations"].iloc[0]) if len(total_row) else 0
    teams = int(total_row["teams"].iloc[0]) if len(total_row) else 0
    if not total:
        view.empty_message = f"Aucune facilitation enregistrée pour {label}."
        return view

    years = ind.by_year(scope, federation, db)
    prev = years[years["year"] == scope.year - 1] if scope.year is not None else years.iloc[:0]
    before = prev.iloc[0] if len(prev) else None
    profiles = _axis(df, "team_profile", STATUS_LABELS)
    project = profiles.loc[profiles["key"] == STATUS_LABELS["en_projet"], "facilitations"].sum()
    view.metrics = [
        Metric("Facilitations", formats.number(total),
               formats.delta(total, None if before is None else before["facilitations"]),
               f"Interventions sur site ou en visio. {COUNTING} Source : {_source(scope)}."),
        Metric("Équipes uniques facilitées", formats.number(teams),
               formats.delta(teams, None if before is None else before["teams"]),
               f"Équipes distinctes facilitées. Source : {_source(scope)}."),
        Metric("Facilitations d'équipes en projet", formats.percent(project / total),
               None, "Part des facilitations dont l'équipe était en projet le jour même."),
    ]

    months = ind.by_month(scope, federation, db)
    data = _long(months.rename(columns={"month": "Mois"}), "Mois")
    chart = charts.line(data, "Mois", "Nombre", x_title="Mois", value_title="Nombre",
                        color="Mesure", color_title="Mesure")
    view.figures.append(charts.figure(
        "facilitations_par_mois", "Facilitations et équipes uniques par mois", chart, data,
        total, "facilitations", _source(scope), COUNTING))

    data = _long(years.rename(columns={"year": "Année"}), "Année")
    chart = charts.measure_columns(data, "Année", "Nombre", "Mesure", x_title="Année",
                                         value_title="Nombre", measure_order=MEASURES)
    view.figures.append(charts.figure(
        "facilitations_par_annee", "Facilitations et équipes uniques par année", chart, data,
        int(years["facilitations"].sum()), "facilitations", "journal des facilitations",
        "Toutes les années ; les autres filtres s'appliquent. " + COUNTING))

    view.figures.append(_bars("facilitations_par_type_equipe", "Par type d'équipe",
                              _axis(df, "team_type"), "Type", total, scope,
                              sort=list(FACILITATION_TEAM_TYPES),
                              category_title="Type d'équipe"))
    view.figures.append(_bars(
        "facilitations_par_profil", "Par profil de l'équipe le jour de la facilitation",
        profiles, "Profil", total, scope, sort=list(STATUS_LABELS.values()),
        notes="Statut de l'équipe au jour de la facilitation. " + COUNTING))
    view.figures.append(_bars("facilitations_par_nature", "Par type de facilitation",
                              _axis(df, "kind", KIND_LABELS), "Type de facilitation", total,
                              scope))
    if federation.territories and not scope.departement:
        view.figures.append(_bars("facilitations_par_territoire", "Par territoire",
                                  _axis(df, "territory"), "Territoire", total, scope,
                                  sort=list(federation.territories)))
    deps = _axis(df, "departement")
    deps = deps.assign(key=deps["key"].map(lambda c: f"{c} – {names[c]}" if c in names else c))
    view.figures.append(_bars("facilitations_par_departement", "Par département", deps,
                              "Département", total, scope, sort="ascending"))

    table = comparison_table(scope, federation, db)
    if table is not None:
        view.tables.append(table)
    top = ind.top_teams(scope, federation, db)
    top_table = pd.DataFrame({
        "Équipe": top["team"],
        "Type": top["team_type"],
        "Département": top["departement"],
        "Facilitations": top["facilitations"].astype(int),
        "Première": pd.to_datetime(top["first_date"]).dt.date,
        "Dernière": pd.to_datetime(top["last_date"]).dt.date,
        "Adhérente": top["member"].map({True: "Oui", False: "Non (pas encore)"}),
    })
    view.tables.append(Table("equipes_les_plus_facilitees", "Équipes les plus facilitées",
                             top_table, f"Source : {_source(scope)}. Les {len(top)} équipes "
                             "facilitées le plus souvent dans le périmètre.", detail=True))
    return view
