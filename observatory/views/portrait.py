"""Portrait des équipes: who the member teams are, from their membership forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from observatory import charts, formats
from observatory.config import Brand, Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import portrait as ind
from observatory.views import Metric, Table, View, national
from observatory.vocabulary import STATUS_LABELS, TEAM_TYPES, status_label

STATUS_ORDER = list(STATUS_LABELS.values())
MULTIPLE = "Plusieurs réponses possibles : les parts ne s'additionnent pas à 100 %."


def _source(scope: Scope) -> str:
    return "formulaires d'adhésion" + (f" {scope.year}" if scope.year else "")


def _status(values: pd.Series) -> pd.Series:
    return values.map(status_label)


class Answers:
    """The distributions query, split per form field."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        # split once, in order: a row without value counts who answered, the others each answer
        members = None
        self._answered: dict[str, int] = {}
        self._rows: dict[str, list[int]] = {}
        unanswered = df["value"].isna().tolist()
        for i, (field, teams) in enumerate(zip(df["field"], df["teams"].tolist(), strict=True)):
            if field == "members" and members is None:
                members = int(teams)
            if unanswered[i]:
                self._answered.setdefault(field, int(teams))
            else:
                self._rows.setdefault(field, []).append(i)
        self.members = members or 0

    def answered(self, field: str) -> int:
        return self._answered.get(field, 0)

    def counts(self, field: str) -> pd.DataFrame:
        rows = self.df.take(self._rows.get(field, []))
        n = self.answered(field)
        return rows.assign(share=rows["teams"] / n if n else 0.0)

    def columns(self, field: str) -> tuple[Any, np.ndarray, int]:
        """The answers of ``field`` (values, teams) and how many teams answered it."""
        rows = self._rows.get(field, [])
        return (self.df["value"].array.take(rows), self.df["teams"].to_numpy()[rows],
                self.answered(field))


def _distribution(answers: Answers, field: str, key: str, title: str, category: str,
                  scope: Scope, brand: Brand, *, multiple: bool = False, numeric: bool = False,
                  unit: str = "", notes: str = "") -> charts.Figure:
    """Bars of the share of answering teams per answer of one form question."""
    sort: list[str] | str = "-x"
    if numeric:
        rows = answers.counts(field).sort_values("sort_key")
        labels = rows["sort_key"].map(
            lambda v: formats.number(v, 0 if float(v).is_integer() else 1) + unit)
        rows = rows.assign(value=labels).reset_index(drop=True)
        sort = list(labels)
        data = pd.DataFrame({category: rows["value"], "Équipes": rows["teams"].astype(int),
                             "Part des équipes": rows["share"]})
    else:  # from the arrays, in the query's order: eight of these per page
        values, teams, n = answers.columns(field)
        data = pd.DataFrame({category: values, "Équipes": teams.astype(int),
                             "Part des équipes": teams / n if n else 0.0})
    chart = charts.share_bars(data, category, "Part des équipes", "Équipes",
                                    category_title=category, sort=sort,
                                    value_title="Part des équipes", count_title="Équipes")
    n = answers.answered(field)
    parts = [f"Équipes ayant répondu, sur {formats.number(answers.members)} adhérentes"]
    if multiple:
        parts.append(MULTIPLE)
    if notes:
        parts.append(notes)
    # a bar is a count of teams giving one answer: masked below the threshold like any count of
    # teams, with a complement even where several answers each make the bars add up to no n
    # the caption shows (their sum may be shown elsewhere: the number of answers)
    return charts.figure(key, title, chart, data, n, "équipes", _source(scope),
                         " ".join(p.rstrip(".") + "." for p in parts), sensitive=True,
                         count_columns=("Équipes",), brand=brand)


def _transitions(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Années": df["from_year"].astype(str) + " → " + df["to_year"].astype(str),
        "Statut avant": _status(df["from_status"]),
        "Statut après": _status(df["to_status"]),
        "Évolution": df["step"].map(lambda s: "Progression" if s > 0 else "Recul" if s < 0
                                    else "Stable", na_action="ignore").fillna("Non renseigné"),
        "Équipes": df["teams"].astype(int),
    })


def _metrics(counts: pd.DataFrame, answers: Answers, aci: pd.DataFrame,
             source: str) -> list[Metric]:
    """Members, teams under ACI, the ACI total, professionals, PACTE-trained coordinators."""
    members = int(counts["teams"].sum())
    under_aci = int(counts.loc[counts["status"] == "sous_aci", "teams"].sum())
    pacte = answers.counts("pacte_trained")
    pacte_share = pacte.loc[pacte["value"] == "Oui", "share"].sum()
    return [
        Metric("Équipes adhérentes", formats.number(members), None,
               f"Équipes ayant rempli le formulaire d'adhésion. Source : {source}."),
        Metric("Équipes sous ACI", formats.number(under_aci), None,
               f"{formats.percent(under_aci / members)} des équipes adhérentes."),
        Metric("Montant ACI déclaré", formats.euros(float(aci["total"].sum())), None,
               f"Somme déclarée par {formats.number(int(aci['answered'].sum()))} équipes.",
               count=int(aci["answered"].sum())),
        Metric("Professionnels de santé", formats.number(counts["professionals"].sum()), None,
               "Somme des professionnels déclarés par les équipes.", count=members),
        Metric("Coordinateurs formés PACTE",
               formats.percent(pacte_share) if answers.answered("pacte_trained") else "–",
               None, f"Parmi {answers.answered('pacte_trained')} équipes ayant une fonction "
               "de coordination et ayant répondu.", count=answers.answered("pacte_trained")),
    ]


def status_figures(counts: pd.DataFrame, history: pd.DataFrame,
                    source: str, brand: Brand) -> list[charts.Figure]:
    """Members by type and status this year, and the statuses year after year."""
    data = pd.DataFrame({"Type": counts["team_type"], "Statut": _status(counts["status"]),
                         "Équipes": counts["teams"].astype(int)})
    chart = charts.bars(data, "Type", "Équipes", category_title="Type d'équipe",
                        value_title="Équipes adhérentes", color="Statut",
                        color_title="Statut", sort=list(TEAM_TYPES))
    by_type = charts.figure(
        "equipes_par_type_statut", "Équipes adhérentes par type et statut",
        chart, data, int(counts["teams"].sum()), "équipes", source, brand=brand)
    data = pd.DataFrame({"Année": history["year"].astype(int), "Statut": _status(history["status"]),
                         "Équipes": history["teams"].astype(int)})
    chart = charts.columns(data, "Année", "Équipes", x_title="Année",
                           value_title="Équipes adhérentes", color="Statut", color_title="Statut")
    by_year = charts.figure(
        "statut_par_annee", "Statut des équipes adhérentes au fil des années",
        chart, data, int(history["teams"].sum()), "formulaires",
        "formulaires d'adhésion", "Toutes les années ; les autres filtres s'appliquent.",
        brand=brand)
    return [by_type, by_year]


def _transition_figure(moves: pd.DataFrame, every: pd.DataFrame, brand: Brand) -> charts.Figure:
    """Status changes between the last two years (``every``: all pairs of years, shown)."""
    latest = (moves["to_year"] == moves["to_year"].max()).to_numpy()
    last, data = moves[latest], every[latest]
    data = data.assign(Parcours=data["Statut avant"] + " → " + data["Statut après"])
    # one colour: the path says whether it is a step forward (the table keeps « Évolution »)
    chart = charts.bars(data, "Parcours", "Équipes", category_title="Statut avant → après",
                        value_title="Équipes adhérentes les deux années")
    pair = data["Années"].iloc[0]
    return charts.figure(
        "transitions_statut", f"Évolution du statut des équipes ({pair})", chart, data,
        int(last["teams"].sum()), "équipes", f"formulaires d'adhésion {pair}",
        "Équipes adhérentes les deux années consécutives.", brand=brand)


def _aci_figures(bins: pd.DataFrame, source: str, brand: Brand) -> list[charts.Figure]:
    """One histogram of the declared ACI amounts per team type."""
    found = set(bins["team_type"])
    figures = []
    for team_type in [t for t in TEAM_TYPES if t in found] + sorted(found - set(TEAM_TYPES)):
        part = bins[bins["team_type"] == team_type]
        data = pd.DataFrame({"De": part["bin_start"], "À": part["bin_end"],
                             "Équipes": part["n"].astype(int)})
        chart = charts.histogram(data, "De", "À", "Équipes",
                                 value_title="Montant ACI déclaré (€)",
                                 count_title="Équipes", value_format=",.0f")
        figures.append(charts.figure(
            f"aci_{team_type.lower()}", f"Montants ACI déclarés : {team_type}", chart, data,
            int(part["n"].sum()), "équipes", source,
            f"Équipes {team_type} ayant déclaré un montant ACI.", sensitive=True,
            count_columns=("Équipes",), brand=brand))
    return figures


def form_figures(answers: Answers, scope: Scope, brand: Brand) -> list[charts.Figure]:
    """The answers to the form's questions: systems, professions, coordination, missions…"""
    return [
        _distribution(answers, "information_system", "si_partage", "Système d'information partagé",
                      "Logiciel", scope, brand,
                      notes="Les réponses libres « Autre » sont regroupées."),
        _distribution(answers, "profession", "professions", "Professions représentées",
                      "Profession", scope, brand, multiple=True),
        _distribution(answers, "coordination", "coordination", "Fonction de coordination",
                      "Coordination", scope, brand),
        _distribution(answers, "coordination_fte", "etp_coordination",
                      "Temps de coordination (ETP)", "ETP", scope, brand, numeric=True),
        _distribution(answers, "pacte_trained", "pacte", "Coordinateur formé PACTE",
                      "Formé PACTE", scope, brand,
                      notes="Équipes ayant une fonction de coordination."),
        _distribution(answers, "mission", "missions", "Missions de santé publique", "Mission",
                      scope, brand, multiple=True),
        _distribution(answers, "protocol", "protocoles", "Protocoles pluriprofessionnels",
                      "Protocole", scope, brand, multiple=True),
        _distribution(answers, "protocols_count", "nombre_protocoles", "Nombre de protocoles",
                      "Protocoles", scope, brand, numeric=True),
    ]


def aci_table(aci: pd.DataFrame, source: str) -> Table:
    return Table("montants_aci", "Montants ACI par type d'équipe", pd.DataFrame({
        "Type d'équipe": aci["team_type"],
        "Équipes adhérentes": aci["teams"].astype(int),
        "Équipes sous ACI": aci["under_aci"].astype(int),
        "Équipes ayant déclaré un montant": aci["answered"].astype(int),
        "Total (€)": aci["total"].round(0),
        "Moyenne (€)": aci["mean"].round(0),
        "Médiane (€)": aci["median"].round(0),
    }), f"Source : {source}. Montants déclarés par les équipes.",
        count_columns=("Équipes ayant déclaré un montant",))


# Who the page describes: the member teams, or every existing team (estimated).
EQUIPES = {"adherentes": "Équipes adhérentes",
           "toutes": "Toutes les équipes de la région (estimation)"}


def build(scope: Scope, federation: Federation, db: DB = None,
          departement_names: dict[str, str] | None = None, equipes: str = "adherentes") -> View:
    """Counts, status history, ACI, information systems, professions, coordination, missions;
    ``equipes="toutes"``: the same questions estimated for every existing team."""
    if national.is_national(db):
        return national.portrait(scope, federation, db, departement_names)
    if equipes == "toutes":
        from observatory.views import estimation

        return estimation.build(scope, federation, db, departement_names)
    label = scope.label(federation, departement_names or {})
    view = View(title="Portrait des équipes", scope_label=label)
    counts = ind.status_counts(scope, federation, db)
    if not int(counts["teams"].sum()):
        view.empty_message = f"Aucune équipe adhérente pour {label}."
        return view
    source = _source(scope)
    answers = Answers(ind.distributions(scope, federation, db))
    aci = ind.aci(scope, federation, db)
    view.metrics = _metrics(counts, answers, aci, source)
    brand = federation.brand
    view.figures = status_figures(counts, ind.status_history(scope, federation, db), source,
                                  brand)
    moves = ind.transitions(scope, federation, db)
    every = _transitions(moves) if len(moves) else None
    if every is not None:
        view.figures.append(_transition_figure(moves, every, brand))
    view.figures += _aci_figures(ind.aci_histogram(scope, federation, db), source, brand)
    view.figures += form_figures(answers, scope, brand)
    view.tables.append(aci_table(aci, source))
    if every is not None:
        view.tables.append(Table(
            "transitions_statut", "Évolution du statut d'une année à l'autre",
            every, "Source : formulaires d'adhésion. Équipes adhérentes deux "
            "années consécutives ; le périmètre s'applique à la seconde année."))
    return view
