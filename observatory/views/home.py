"""The home page: key figures for the scope, each with its difference from the previous year."""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import charts, formats, indicators
from observatory.config import Federation
from observatory.filters import Scope
from observatory.views import Metric, Table, View
from observatory.vocabulary import KIND_LABELS, STATUS_LABELS

SOURCES = {
    "adhesions": "formulaires d'adhésion",
    "facilitations": "journal des facilitations",
    "surveys": "enquêtes flash",
}


def _metric(label: str, now: float, before: float | None, help_text: str) -> Metric:
    return Metric(label, formats.number(now), formats.delta(now, before), help_text)


def key_metrics(now: dict[str, Any], before: dict[str, Any] | None,
                year: int | None) -> list[Metric]:
    """The five key figures of ``indicators.key_figures``, each with its one-year difference."""
    # A difference only where the year before has data from the same source: no "+241
    # respondents" against a year whose surveys were never imported.
    present = {"adherent_teams": "adherent_teams", "aci_total_eur": "adherent_teams",
               "facilitations": "facilitations", "facilitated_teams": "facilitations",
               "survey_respondents": "surveys"}

    def prev(key: str) -> float | None:
        return before[key] if before and before[present[key]] else None

    return [
        _metric("Équipes adhérentes", now["adherent_teams"], prev("adherent_teams"),
                f"Équipes ayant rempli le formulaire d'adhésion {year}. Source : "
                f"{SOURCES['adhesions']}."),
        _metric("Facilitations", now["facilitations"], prev("facilitations"),
                "Interventions sur site ; une facilitation compte une fois quel que soit le "
                f"nombre d'équipes. Source : {SOURCES['facilitations']}."),
        _metric("Équipes facilitées (uniques)", now["facilitated_teams"],
                prev("facilitated_teams"),
                f"Équipes distinctes facilitées en {year}. Source : {SOURCES['facilitations']}."),
        _metric("Répondants aux enquêtes flash", now["survey_respondents"],
                prev("survey_respondents"),
                f"Réponses complètes aux {now['surveys']} enquêtes de {year}. "
                f"Source : {SOURCES['surveys']}."),
        Metric("Montant ACI déclaré", formats.euros(now["aci_total_eur"]),
               formats.delta(now["aci_total_eur"], prev("aci_total_eur")),
               f"Somme des montants ACI déclarés par {now['aci_teams']} équipes. Source : "
               f"{SOURCES['adhesions']}.", count=now["aci_teams"]),
    ]


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
    view.metrics = key_metrics(now, before, year)

    rows = []
    for key, n in now["adherent_teams_by_type"].items():
        rows.append({"Type": key, "Année": str(year), "Équipes": n})
    if before and year is not None:
        for key, n in before["adherent_teams_by_type"].items():
            rows.append({"Type": key, "Année": str(year - 1), "Équipes": n})
    by_type = pd.DataFrame(rows)
    chart = charts.columns(by_type, "Type", "Équipes", x_title="Type d'équipe",
                           value_title="Équipes adhérentes", color="Année",
                           color_title="Année", offset=True)
    members = (now["adherent_teams"], "équipes", f"{SOURCES['adhesions']} {year}")
    view.figures.append(charts.figure("adherents_par_type", "Équipes adhérentes par type", chart,
                                      by_type, *members))

    labels = {**STATUS_LABELS, indicators.UNKNOWN: indicators.UNKNOWN_LABEL}
    status = pd.DataFrame(
        [{"Statut": labels.get(k, k), "Équipes": n}
         for k, n in now["adherent_teams_by_status"].items()]
    )
    chart = charts.bars(status, "Statut", "Équipes", category_title="Statut",
                        value_title="Équipes adhérentes", sort=list(labels.values()))
    view.figures.append(charts.figure("adherents_par_statut", "Équipes adhérentes par statut",
                                      chart, status, *members))

    kinds = pd.DataFrame(
        [{"Type de facilitation": KIND_LABELS.get(k, k), "Facilitations": n}
         for k, n in now["facilitations_by_kind"].items()]
    )
    chart = charts.bars(kinds, "Type de facilitation", "Facilitations",
                        category_title="Type de facilitation", value_title="Facilitations")
    view.figures.append(charts.figure(
        "facilitations_par_type", "Facilitations par type d'intervention", chart, kinds,
        now["facilitations"], "facilitations", f"{SOURCES['facilitations']} {year}"))

    per_dep = pd.DataFrame(
        [{"Code": code, "Département": d["name"], "Équipes adhérentes": d["adherent_teams"],
          "Facilitations": d["facilitations"], "Équipes facilitées": d["facilitated_teams"]}
         for code, d in now["by_departement"].items()]
    )
    view.tables.append(Table("par_departement", "Par département", per_dep,
                             f"Sources : {SOURCES['adhesions']}, {SOURCES['facilitations']} "
                             f"{year}."))
    return view
