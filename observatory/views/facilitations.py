"""Facilitations page: interventions and unique teams by period, type, profile, kind and place."""

from __future__ import annotations

import pandas as pd

from observatory import charts, formats, indicators
from observatory.config import Brand, Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import facilitations as ind
from observatory.views import Metric, Table, View, national
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


# What the value axis of facilitations and unique teams counts, side by side.
COUNTED = "Facilitations ou équipes"


def _bars(key: str, title: str, part: pd.DataFrame, category: str, total: int, scope: Scope,
          brand: Brand, sort: list[str] | str = "-x", notes: str = COUNTING,
          category_title: str | None = None) -> charts.Figure:
    """Facilitations and unique teams side by side per value of one axis."""
    data = _long(part.rename(columns={"key": category}), category)
    chart = charts.grouped_bars(
        data, category, "Nombre", "Mesure", category_title=category_title or category,
        value_title=COUNTED, group_title=None, sort=sort, group_order=MEASURES,
        colors=charts.measure_colors(MEASURES, brand), groups_are_units=True)
    return charts.figure(key, title, chart, data, total, "facilitations", _source(scope),
                         notes, brand=brand)


def _area_label(area: object, federation: Federation, names: dict[str, str]) -> str:
    """A comparison row's area as the reader knows it: « Isère (38) », « Est »."""
    code = str(area)
    if federation.territories and code in federation.territories:
        return code
    return f"{names[code]} ({code})" if code in names else code


def comparison_table(scope: Scope, federation: Federation, db: DB = None,
                     departement_names: dict[str, str] | None = None) -> Table | None:
    """Facilitations per area × team type, year N-1 against year N, like the activity report.

    Every label names what its number counts: one département's rows are that département's
    (not its territory's), a team-type filter shows in the totals, and a year the log does not
    cover is not a column of zeros.
    """
    years = ind.comparison_years(scope, federation, db)
    if years is None:
        return None
    prev, cur = years
    covered = indicators.source_years(federation, db)["facilitations"]
    df = ind.comparison(scope, federation, prev, cur, db)
    names = departement_names or {}
    by_departement = bool(scope.departement) or not federation.territories
    area_title = "Département" if by_departement else "Territoire"
    areas = df["area"].map(lambda a: "" if a is None or a != a
                           else _area_label(a, federation, names))
    all_types = scope.team_type or "Tous types"
    single_area = df.loc[df["level"] == 0, "area"].nunique() <= 1
    keep = (df["level"] < 2) | (not single_area)  # one area: its total is the overall total
    area_col = [f"Total {a}" if level == 1 else
                f"Total {scope.label(federation, names).split(' · ')[0]}" if level == 2 else a
                for a, level in zip(areas, df["level"], strict=True)]
    out = pd.DataFrame({
        area_title: area_col,
        "Type d'équipe": df["team_type"].astype("object").where(df["level"] == 0, all_types),
    })
    notes = [f"Source : journal des facilitations {prev}–{cur}." if prev in covered
             else f"Source : journal des facilitations {cur}.", COUNTING]
    if prev in covered:
        out[str(prev)] = df["n_prev"].astype(int)
        out[str(cur)] = df["n_cur"].astype(int)
        out["Évolution"] = (df["n_cur"] - df["n_prev"]).astype(int)
        out["Évolution (%)"] = [formats.change(c, p) for c, p
                                in zip(df["n_cur"], df["n_prev"], strict=True)]
        title = f"Facilitations par {area_title.lower()} et type d'équipe : {prev} et {cur}"
    else:
        out[str(cur)] = df["n_cur"].astype(int)
        title = f"Facilitations par {area_title.lower()} et type d'équipe, {cur}"
        notes.insert(1, f"Le journal ne couvre pas {prev} : pas de comparaison.")
    return Table("comparaison_annuelle", title, out[keep.to_numpy()].reset_index(drop=True),
                 " ".join(notes))


def _metrics(scope: Scope, federation: Federation, df: pd.DataFrame, years: pd.DataFrame,
             db: DB) -> list[Metric]:
    """Facilitations, unique teams (each against the year before, where the log covers it)
    and the share of facilitations of teams in project."""
    total_row = df[df["axis"] == "total"]
    total = int(total_row["facilitations"].iloc[0])
    teams = int(total_row["teams"].iloc[0])
    before: dict[str, int] | None = None
    covered = indicators.source_years(federation, db)["facilitations"]
    if scope.year is not None and scope.year - 1 in covered:
        prev = years[years["year"] == scope.year - 1]
        before = {"facilitations": int(prev["facilitations"].sum()),
                  "teams": int(prev["teams"].sum())}
    profiles = _axis(df, "team_profile", STATUS_LABELS)
    project = profiles.loc[profiles["key"] == STATUS_LABELS["en_projet"], "facilitations"].sum()
    return [
        Metric("Facilitations", formats.number(total),
               formats.delta(total, None if before is None else before["facilitations"]),
               f"Interventions sur site ou en visio. {COUNTING} Source : {_source(scope)}."),
        Metric("Équipes uniques facilitées", formats.number(teams),
               formats.delta(teams, None if before is None else before["teams"]),
               f"Équipes distinctes facilitées. Source : {_source(scope)}."),
        Metric("Facilitations d'équipes en projet", formats.percent(project / total),
               None, "Part des facilitations dont l'équipe était en projet le jour même."),
        *_time_metrics(scope, federation, db),
    ]


def _time_metrics(scope: Scope, federation: Federation, db: DB) -> list[Metric]:
    """For projects and teams in operation, facilitators and volunteer hours, where the log
    says them (a log without durations shows no hours, not zero)."""
    found = indicators.facilitation_figures(scope, federation, db)
    out = [
        Metric("Pour accompagner des projets", formats.number(found["facilitations_projects"]),
               help="Facilitations dont l'équipe était en projet le jour même."),
        Metric("Auprès d'équipes en fonctionnement",
               formats.number(found["facilitations_functioning"]),
               help="Facilitations dont l'équipe était labellisée ou sous ACI le jour même ; "
                    "celles sans profil renseigné (élus, collectivités…) ne sont dans aucune "
                    "des deux."),
    ]
    if found["facilitators"] is not None:
        out.append(Metric("Facilitateurs et facilitatrices", formats.number(found["facilitators"]),
                          help="Personnes distinctes citées comme facilitateurs dans le journal "
                               "(jamais nommées ici).", count=found["facilitators"]))
    hours = found["volunteer_hours"]
    if hours is not None:
        untimed = found["volunteer_facilitations_without_duration"]
        out.append(Metric(
            "Heures bénévoles", f"{formats.number(hours, 0 if float(hours).is_integer() else 1)}"
            "\u00a0h", help="Durées des facilitations en temps bénévole."
            + (f" {untimed} facilitation(s) bénévole(s) sans durée n'y sont pas comptées."
               if untimed else ""), count=found["volunteer_facilitators"]))
    return out


def _time_figures(scope: Scope, federation: Federation, total: int, years: pd.DataFrame,
                  db: DB) -> list[charts.Figure]:
    """Facilitations and unique teams per month of the period, and per year."""
    brand = federation.brand
    colors = charts.measure_colors(MEASURES, brand)
    months = ind.by_month(scope, federation, db)
    data = _long(months.rename(columns={"month": "Mois"}), "Mois")
    chart = charts.line(data, "Mois", "Nombre", x_title="Mois", value_title=COUNTED,
                        color="Mesure", color_title=None, colors=colors)
    by_month = charts.figure(
        "facilitations_par_mois", "Facilitations et équipes uniques par mois", chart, data,
        total, "facilitations", _source(scope), COUNTING, brand=brand)
    data = _long(years.rename(columns={"year": "Année"}), "Année")
    chart = charts.measure_columns(data, "Année", "Nombre", "Mesure", x_title="Année",
                                   value_title=COUNTED, measure_order=MEASURES, colors=colors)
    by_year = charts.figure(
        "facilitations_par_annee", "Facilitations et équipes uniques par année", chart, data,
        int(years["facilitations"].sum()), "facilitations", "journal des facilitations",
        "Toutes les années ; les autres filtres s'appliquent. " + COUNTING, brand=brand)
    return [by_month, by_year]


def _breakdown_figures(scope: Scope, federation: Federation, df: pd.DataFrame, total: int,
                       names: dict[str, str]) -> list[charts.Figure]:
    """Facilitations and unique teams by team type, profile, kind, territory and département
    (types, profiles and territories in their own order, kinds and départements by value)."""
    brand = federation.brand
    figures = [
        _bars("facilitations_par_type_equipe", "Par type d'équipe", _axis(df, "team_type"),
              "Type", total, scope, brand, sort=list(FACILITATION_TEAM_TYPES),
              category_title="Type d'équipe"),
        _bars("facilitations_par_profil", "Par profil de l'équipe le jour de la facilitation",
              _axis(df, "team_profile", STATUS_LABELS), "Profil", total, scope, brand,
              sort=list(STATUS_LABELS.values()),
              notes="Statut de l'équipe au jour de la facilitation. " + COUNTING),
        _bars("facilitations_par_nature", "Par type de facilitation",
              _axis(df, "kind", KIND_LABELS), "Type de facilitation", total, scope, brand),
    ]
    if federation.territories and not scope.departement:
        figures.append(_bars("facilitations_par_territoire", "Par territoire",
                             _axis(df, "territory"), "Territoire", total, scope, brand,
                             sort=list(federation.territories)))
    deps = _axis(df, "departement")
    deps = deps.assign(key=deps["key"].map(lambda c: f"{c} – {names[c]}" if c in names else c))
    figures.append(_bars("facilitations_par_departement", "Par département", deps,
                         "Département", total, scope, brand))
    return figures


def _top_teams(scope: Scope, federation: Federation, db: DB) -> Table:
    """The teams facilitated most often (staff only: a list of teams)."""
    top = ind.top_teams(scope, federation, db)
    top_table = pd.DataFrame({
        "Équipe": top["team"],
        "Type": top["team_type"],
        "Département": top["departement"],
        "Facilitations": top["facilitations"].astype(int),
        "Première": pd.to_datetime(top["first_date"]).map(formats.day),
        "Dernière": pd.to_datetime(top["last_date"]).map(formats.day),
        "Adhérente": top["member"].map({True: "Oui", False: "Non (pas encore)"}),
    })
    return Table("equipes_les_plus_facilitees", "Équipes les plus facilitées", top_table,
                 f"Source : {_source(scope)}. Les {len(top)} équipes facilitées le plus souvent "
                 "dans le périmètre.", detail=True)


def build(scope: Scope, federation: Federation, db: DB = None,
          departement_names: dict[str, str] | None = None) -> View:
    """Every facilitation figure of ``scope`` (never a facilitator's name)."""
    if national.is_national(db):
        return national.facilitations(scope, federation, db, departement_names)
    names = departement_names or {}
    label = scope.label(federation, names)
    view = View(title="Facilitations", scope_label=label)
    df = ind.breakdowns(scope, federation, db)
    total_row = df[df["axis"] == "total"]
    total = int(total_row["facilitations"].iloc[0]) if len(total_row) else 0
    if not total:
        view.empty_message = f"Aucune facilitation enregistrée pour {label}."
        return view
    years = ind.by_year(scope, federation, db)
    view.metrics = _metrics(scope, federation, df, years, db)
    view.figures += _time_figures(scope, federation, total, years, db)
    view.figures += _breakdown_figures(scope, federation, df, total, names)
    table = comparison_table(scope, federation, db, names)
    if table is not None:
        view.tables.append(table)
    view.tables.append(_top_teams(scope, federation, db))
    return view
