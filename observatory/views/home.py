"""The home page: key figures for the scope, each with its difference from the previous year."""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import charts, formats, geo, indicators, privacy
from observatory.config import Federation
from observatory.filters import Scope
from observatory.views import Metric, Table, View, national
from observatory.vocabulary import KIND_LABELS, STATUS_LABELS, UNKNOWN_LABEL

SOURCES = {
    "adhesions": "formulaires d'adhésion",
    "facilitations": "journal des facilitations",
    "surveys": "enquêtes flash",
}


def _source(source: str, year: int | None) -> str:
    return f"{SOURCES[source]} {year}" if year else SOURCES[source]


def _metric(label: str, now: float | None, before: float | None, help_text: str) -> Metric:
    if now is None:  # masked by a federation's package (a national store)
        return Metric(label, privacy.MASKED_VALUE, None, help_text)
    return Metric(label, formats.number(now), formats.delta(now, before), help_text)


# The source each key figure comes from (``indicators.source_years``' keys).
SOURCE_OF = {"adherent_teams": "adhesions", "aci_total_eur": "adhesions",
             "facilitations": "facilitations", "facilitated_teams": "facilitations",
             "survey_respondents": "surveys"}


def key_metrics(now: dict[str, Any], before: dict[str, Any] | None, year: int | None,
                covered: dict[str, frozenset[int]]) -> list[Metric]:
    """The five key figures of ``indicators.key_figures``, each with its one-year difference.

    A difference only where the year before has data from the same source (``covered``, from
    ``indicators.source_years``): no "+241 respondents" against a year whose surveys were never
    imported, and a true 0 where the source covers that year but not this scope.
    """
    def prev(key: str) -> float | None:
        if before is None or year is None or year - 1 not in covered[SOURCE_OF[key]]:
            return None
        return before[key]

    return [
        _metric("Équipes adhérentes", now["adherent_teams"], prev("adherent_teams"),
                f"Équipes ayant rempli le formulaire d'adhésion {year}. Source : "
                f"{SOURCES['adhesions']}."),
        _metric("Facilitations", now["facilitations"], prev("facilitations"),
                "Interventions sur site ; une facilitation compte une fois quel que soit le "
                f"nombre d'équipes. Source : {SOURCES['facilitations']}."),
        _metric("Équipes facilitées", now["facilitated_teams"],
                prev("facilitated_teams"),
                f"Équipes distinctes (uniques) facilitées en {year}. Source : "
                f"{SOURCES['facilitations']}."),
        _metric("Répondants aux enquêtes", now["survey_respondents"],
                prev("survey_respondents"),
                f"Réponses complètes aux {now['surveys']} enquêtes flash de {year}. "
                f"Source : {SOURCES['surveys']}."),
        Metric("Montant ACI déclaré", privacy.MASKED_VALUE if now["aci_total_eur"] is None
               else formats.euros(now["aci_total_eur"]),
               None if now["aci_total_eur"] is None
               else formats.delta(now["aci_total_eur"], prev("aci_total_eur"), "€"),
               f"Somme des montants ACI déclarés par {now['aci_teams']} équipes. Source : "
               f"{SOURCES['adhesions']}.", count=now["aci_teams"]),
    ]


def _type_columns(by_type: pd.DataFrame, federation: Federation) -> charts.Spec:
    return charts.columns(by_type, "Type", "Équipes", x_title="Type d'équipe",
                          value_title="Équipes adhérentes", color="Année", color_title="Année",
                          offset=True,
                          colors=charts.year_colors(by_type["Année"], federation.brand))


def _by_type(now: dict[str, Any], before: dict[str, Any] | None, year: int | None,
             covered: dict[str, frozenset[int]], federation: Federation) -> charts.Figure:
    """Member teams per type, beside the year before where the forms cover it."""
    rows = [{"Type": key, "Année": str(year) if year else "Toutes années", "Équipes": n}
            for key, n in now["adherent_teams_by_type"].items()]
    if before is None or year is None or year - 1 not in covered["adhesions"]:
        by_type = pd.DataFrame(rows)
        return charts.figure("adherents_par_type", "Équipes adhérentes par type",
                             _type_columns(by_type, federation), by_type,
                             now["adherent_teams"], "équipes", _source("adhesions", year),
                             brand=federation.brand)
    rows += [{"Type": key, "Année": str(year - 1), "Équipes": n}
             for key, n in before["adherent_teams_by_type"].items()]
    by_type = pd.DataFrame(rows)
    return charts.figure(
        "adherents_par_type", "Équipes adhérentes par type",
        _type_columns(by_type, federation), by_type,
        now["adherent_teams"], f"équipes en {year} ({formats.number(before['adherent_teams'])} "
        f"en {year - 1})", f"{SOURCES['adhesions']} {year - 1} et {year}",
        brand=federation.brand)


def build(scope: Scope, federation: Federation, db: indicators.DB = None,
          departement_names: dict[str, str] | None = None) -> View:
    """Key figures of ``scope`` and of the year before, with per-type and per-status charts."""
    label = scope.label(federation, departement_names)
    now = indicators.key_figures(scope, federation, db)
    before = indicators.key_figures(scope.previous_year(), federation, db) if scope.year else None
    view = View(title="Chiffres clés", scope_label=label)
    if not (now["adherent_teams"] or now["facilitations"] or now["survey_respondents"]):
        view.empty_message = f"Aucune donnée pour {label}."
        return view

    year = scope.year
    covered = indicators.source_years(federation, db)
    view.metrics = key_metrics(now, before, year, covered)
    view.figures.append(_by_type(now, before, year, covered, federation))
    members = (now["adherent_teams"], "équipes", _source("adhesions", year))

    labels = {**STATUS_LABELS, indicators.UNKNOWN: UNKNOWN_LABEL}
    status = pd.DataFrame(
        [{"Statut": labels.get(k, k), "Équipes": n}
         for k, n in now["adherent_teams_by_status"].items()]
    )
    chart = charts.bars(status, "Statut", "Équipes", category_title="Statut",
                        value_title="Équipes adhérentes", sort=list(labels.values()),
                        color="Statut")
    view.figures.append(charts.figure("adherents_par_statut", "Équipes adhérentes par statut",
                                      chart, status, *members, brand=federation.brand))

    # a national store has no kinds (packages do not carry them): an empty frame, its columns
    kinds = pd.DataFrame(
        [{"Type de facilitation": KIND_LABELS.get(k, k), "Facilitations": n}
         for k, n in now["facilitations_by_kind"].items()],
        columns=["Type de facilitation", "Facilitations"],
    )
    chart = charts.bars(kinds, "Type de facilitation", "Facilitations",
                        category_title="Type de facilitation", value_title="Facilitations")
    view.figures.append(charts.figure(
        "facilitations_par_type", "Facilitations par type d'intervention", chart, kinds,
        now["facilitations"], "facilitations", _source("facilitations", year),
        brand=federation.brand))

    per_dep = pd.DataFrame(
        [{"Code": code, "Département": d["name"], "Équipes adhérentes": d["adherent_teams"],
          "Facilitations": d["facilitations"], "Équipes facilitées": d["facilitated_teams"]}
         for code, d in now["by_departement"].items()]
    )
    view.tables.append(Table("par_departement", "Par département", per_dep,
                             f"Sources : {SOURCES['adhesions']}, "
                             f"{_source('facilitations', year)}."))
    if national.is_national(db):
        national.home_extras(view, scope, federation, db, now)
    else:  # next to France's, when the national package is loaded as reference
        population = sum(geo.population_by_departement().get(c, 0)
                         for c in scope.departements(federation))
        metric = national.rate_metric(scope, now["adherent_teams"], population,
                                      label.split(" · ")[0], db, reference_only=True)
        if metric is not None:
            view.metrics.insert(1, metric)
    return view
