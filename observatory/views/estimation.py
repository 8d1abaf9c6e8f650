"""Portrait of every existing team of the scope, estimated from the members' forms."""

from __future__ import annotations

import pandas as pd

from observatory import charts, formats
from observatory.config import Brand, Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import estimates as est
from observatory.views import Metric, Table, View
from observatory.vocabulary import TEAM_TYPES, status_label

# The questions shown, in the page's order: (field, key, title, category column).
QUESTIONS = (
    ("status", "estimation_statut", "Statut des équipes", "Statut"),
    ("information_system", "estimation_si", "Système d'information partagé", "Logiciel"),
    ("profession", "estimation_professions", "Professions représentées", "Profession"),
    ("coordination", "estimation_coordination", "Fonction de coordination", "Coordination"),
    ("mission", "estimation_missions", "Missions de santé publique", "Mission"),
    ("protocol", "estimation_protocoles", "Protocoles pluriprofessionnels", "Protocole"),
)
SHARE, LOW, HIGH = "Part estimée", "Part estimée, borne basse", "Part estimée, borne haute"
TEAMS, MEMBERS, MEMBER_SHARE = "Équipes estimées", "Adhérentes", "Part chez les adhérentes"
LEVEL_LABELS = {"département": "département seul",
                "territoire": "départements regroupés dans leur territoire",
                "périmètre": "départements regroupés sur le périmètre"}
METHOD_NOTE = (
    "Estimation : dans chaque strate (type d'équipe × département, et statut ACI quand la liste "
    "de référence le donne), les adhérentes qui ont répondu représentent toutes les équipes "
    "existantes de la strate ; les strates trop petites sont regroupées. Elle suppose que, dans "
    "une strate, les adhérentes ressemblent aux autres équipes (voir la méthode dans le "
    "README). Intervalles de confiance à 95 %.")


def _source(year: int) -> str:
    return f"formulaires d'adhésion {year} ; liste ou décompte des équipes existantes {year}"


def _figure(found: est.Estimate, key: str, title: str, category: str,
            names: dict[str, str], brand: Brand) -> charts.Figure:
    """Estimated shares with their intervals, and the members' own shares."""
    values = [status_label(s.value) if found.question == "status" else s.value
              for s in found.shares]
    data = pd.DataFrame({
        category: values, SHARE: [s.estimated_share for s in found.shares],
        LOW: [s.ci_low for s in found.shares], HIGH: [s.ci_high for s in found.shares],
        TEAMS: [round(s.estimated_teams) for s in found.shares],
        MEMBERS: [s.members for s in found.shares],
        MEMBER_SHARE: [s.member_share for s in found.shares]})
    data[TEAMS] = data[TEAMS].astype(float)
    chart = charts.estimate_bars(data, category, SHARE, LOW, HIGH, MEMBER_SHARE,
                                 category_title=category, tooltip=(TEAMS, MEMBERS))
    parts = [f"Estimation pour {formats.number(found.estimated_population)} équipes existantes, "
             f"d'après {formats.number(found.respondents)} adhérentes ayant répondu "
             f"({formats.percent(found.respondents / found.estimated_population)})",
             "Barre : part estimée et son intervalle à 95 % ; losange : part chez les adhérentes"]
    if found.question in est.MULTIPLE:
        parts.append("Plusieurs réponses possibles : les parts ne s'additionnent pas à 100 %")
    if found.excluded:
        parts.append("Non estimé (couverture trop faible) : " + ", ".join(
            s.label(names) for s in found.excluded))
    return charts.figure(key, f"{title} (toutes les équipes, estimation)", chart, data,
                         found.respondents, "équipes", _source(found.year),
                         " · ".join(parts) + ".", count_columns=(MEMBERS,), sensitive=True,
                         brand=brand)


def _aci_table(scope: Scope, federation: Federation, db: DB, types: list[str],
               notes: list[str], given: est.Inputs) -> Table | None:
    """The mean and median ACI amounts per team type, estimated for every existing team."""
    rows = []
    for team_type in types:
        found = est.estimate(Scope(scope.year, scope.territory, scope.departement, team_type),
                             federation, "aci_amount", db, given=given.of_type(team_type))
        if found.unavailable or not found.amounts:
            notes.append(f"Montant ACI des {team_type} : pas d'estimation "
                         f"({found.unavailable or 'aucun montant déclaré'})")
            continue
        mean, median = found.amounts
        rows.append({
            "Type d'équipe": team_type, "Adhérentes ayant déclaré un montant": mean.members,
            "Moyenne chez les adhérentes (€)": round(mean.member_value or 0),
            "Moyenne estimée (€)": round(mean.estimated_value or 0),
            "Moyenne estimée, borne basse (€)": round(mean.ci_low or 0),
            "Moyenne estimée, borne haute (€)": round(mean.ci_high or 0),
            "Médiane estimée (€)": round(median.estimated_value or 0),
            "Médiane estimée, borne basse (€)": round(median.ci_low or 0),
            "Médiane estimée, borne haute (€)": round(median.ci_high or 0),
            "Équipes estimées déclarant un montant": round(found.estimated_teams or 0)})
    if not rows:
        return None
    return Table("estimation_aci", "Montants ACI, toutes les équipes (estimation)",
                 pd.DataFrame(rows), f"Source : {_source(scope.year or 0)}. Moyenne et médiane "
                 "des montants déclarés, estimées pour toutes les équipes qui en perçoivent ; "
                 "intervalles à 95 % (moyenne : loi de Student ; médiane : méthode de Woodruff).",
                 count_columns=("Adhérentes ayant déclaré un montant",))


def _strata_table(found: est.Estimate, names: dict[str, str]) -> Table:
    data = pd.DataFrame({
        "Type d'équipe": [s.team_type for s in found.strata],
        "Statut ACI": [{True: "Sous ACI", False: "Hors ACI", None: "Tous"}[s.aci]
                       for s in found.strata],
        "Départements": [", ".join(names.get(d, d) for d in s.departements)
                         for s in found.strata],
        "Regroupement": [LEVEL_LABELS[s.level] for s in found.strata],
        "Équipes existantes": [s.existing for s in found.strata],
        "Adhérentes": [s.members for s in found.strata],
        "Part des existantes adhérentes": [s.members / s.existing if s.existing else 0.0
                                           for s in found.strata],
        "Estimée": ["Oui" if s.estimated else formats.typography(f"Non : {s.reason}")
                    for s in found.strata]})
    return Table("estimation_strates", "Strates de l'estimation", data,
                 f"Source : {_source(found.year)}. Strates de la question du statut ; chaque "
                 "question a les siennes selon les adhérentes qui y ont répondu.")


def build(scope: Scope, federation: Federation, db: DB = None,
          departement_names: dict[str, str] | None = None) -> View:
    """Every question of the form estimated for all existing teams, with what it rests on."""
    names = departement_names or {}
    label = scope.label(federation, names)
    view = View(title="Portrait des équipes",
                scope_label=f"{label} · toutes les équipes (estimation)")
    if scope.year is None:
        view.empty_message = "Choisissez une année : une estimation porte sur une année."
        return view
    given = est.inputs(scope, federation, db)
    status = est.estimate(scope, federation, "status", db, names, given)
    if not status.existing_teams:
        view.empty_message = (
            f"{status.unavailable} Importez une liste des équipes existantes (ARS, Assurance "
            "Maladie, FINESS) ou leur décompte par département et type (page « Importer des "
            "données », équipes existantes) pour estimer le portrait de toutes les équipes.")
        return view
    types = [t for t in TEAM_TYPES if any(s.team_type == t for s in status.strata)]
    under_aci = next((s for s in status.shares if s.value == "sous_aci"), None)
    view.metrics = [
        Metric("Équipes existantes", formats.number(status.existing_teams), None,
               f"{', '.join(types)} selon la référence {scope.year} (liste ou décompte)."),
        Metric("Équipes adhérentes recensées", formats.number(status.member_teams), None,
               "Adhérentes des types et départements que la référence recense."),
        Metric("Couverture", formats.percent(status.coverage), None,
               "Part des équipes existantes qui sont adhérentes."),
    ]
    if under_aci is not None:
        view.metrics.append(Metric(
            "Équipes sous ACI (estimation)", formats.percent(under_aci.estimated_share), None,
            f"Intervalle à 95 % : {formats.percent(under_aci.ci_low)} à "
            f"{formats.percent(under_aci.ci_high)}, soit environ "
            f"{formats.number(under_aci.estimated_teams)} équipes ; "
            f"{formats.percent(under_aci.member_share)} chez les adhérentes.",
            count=under_aci.members))
    notes = list(status.notes)  # the frame's: the same for every question
    if status.unavailable:
        notes.append(status.unavailable)
        view.tables.append(_strata_table(status, names))
        view.notes = [METHOD_NOTE, *notes]
        return view
    for field_name, key, title, category in QUESTIONS:
        found = status if field_name == "status" else est.estimate(
            scope, federation, field_name, db, names, given)
        if found.unavailable or not found.shares:
            notes.append(f"{title} : pas d'estimation ({found.unavailable or 'aucune réponse'})")
            continue
        view.figures.append(_figure(found, key, title, category, names, federation.brand))
    aci = _aci_table(scope, federation, db, types, notes, given)
    if aci is not None:
        view.tables.append(aci)
    view.tables.append(_strata_table(status, names))
    unmatched = est.unmatched_members(scope, federation, db)
    if len(unmatched):
        view.tables.append(Table(
            "adherentes_non_retrouvees", "Adhérentes non retrouvées dans la liste de référence",
            pd.DataFrame({"Équipe": unmatched["name"], "Type": unmatched["team_type"],
                          "Département": unmatched["departement"],
                          "Identifiant": unmatched["external_id"].fillna("—")}),
            "Ni leur FINESS/SIRET ni leur nom (dans leur département, même type) ne figurent "
            "dans la liste : nom écrit autrement, ou équipe absente de la liste. À vérifier.",
            detail=True))
    view.notes = [METHOD_NOTE, *notes]
    return view
