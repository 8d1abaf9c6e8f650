"""Mon équipe: one member team's own answers year by year, set against the teams of its type in
the federation and in its département, its status history, facilitations and fiches.

The view carries its team (``View.team_id``): ``views.access`` shows it to that team's account
and to staff only. The team's own rows are shown in full; the comparisons are aggregates of other
teams, masked below the small-count threshold like every aggregate.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import charts, formats
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import team as ind
from observatory.views import Metric, Table, View
from observatory.vocabulary import KIND_LABELS, status_label

SOURCE = "formulaires d'adhésion"
LABELS = {
    "status": "Statut", "information_system": "Système d'information partagé",
    "coordination": "Coordination", "pacte_trained": "Coordinateur formé PACTE",
    "aci_amount": "Montant ACI déclaré (€)", "professionals": "Professionnels de santé",
    "coordination_fte": "Temps de coordination (ETP)", "protocols_count": "Nombre de protocoles",
    "n_profession": "Professions présentes (nombre)",
    "n_mission": "Missions de santé publique (nombre)", "n_protocol": "Protocoles (nombre)",
}
CHOICE_LISTS = {"profession": "Professions présentes", "mission": "Missions de santé publique",
                "protocol": "Protocoles"}
ANSWERED = "Équipes du groupe ayant répondu"
SAME = "Dont la même réponse que vous"
SHARE = "Part ayant la même réponse (%)"
MEDIAN = "Médiane du groupe"
NOT_FOUND = "Aucune équipe n° {team} dans la base."


def _text(field: str, value: Any) -> str:
    """One of the team's answers as the page writes it."""
    if formats.is_missing(value):
        return "–"
    if field == "status":
        return status_label(value)
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if field == "aci_amount":
        return formats.euros(float(value))
    if field == "coordination_fte":
        return formats.number(float(value), 1)
    if isinstance(value, int | float):
        return formats.number(float(value))
    return str(value)


def _answers(forms: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Its answers, one column per year: what it declared, as it declared it."""
    rows: dict[str, dict[str, str]] = {}
    for form in forms.to_dict("records"):
        year = str(form["year"])
        rows.setdefault("Type d'équipe", {})[year] = str(form["team_type"])
        rows.setdefault("Département", {})[year] = str(form["departement"])
        for field in ("status", "aci_amount", "professionals", "information_system",
                      "coordination", "coordination_fte", "pacte_trained", "protocols_count"):
            value = form[field]
            if field == "information_system" and not formats.is_missing(
                    form["information_system_other"]):
                value = f"{value} ({form['information_system_other']})"
            rows.setdefault(LABELS[field].replace(" (€)", ""), {})[year] = _text(field, value)
        for field, label in CHOICE_LISTS.items():
            picked = chosen[(chosen["year"] == form["year"]) & (chosen["field"] == field)]
            rows.setdefault(label, {})[year] = ", ".join(picked["value"]) or "–"
    years = [str(y) for y in forms["year"]]
    return pd.DataFrame([{"Question": q, **{y: values.get(y, "–") for y in years}}
                         for q, values in rows.items()], columns=["Question", *years])


def _comparisons(team_id: int, form: dict[str, Any], federation: Federation,
                 where: str, db: DB) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Its answers of the year beside its type in the federation and in its département
    (``where``: that département as the page names it)."""
    team_type, dep = str(form["team_type"]), str(form["departement"])
    groups = ((f"{team_type} de la fédération", list(federation.departements)),
              (f"{team_type} du département {where}", [dep]))
    choice_rows, number_rows = [], []
    for label, deps in groups:
        df = ind.comparison(team_id, int(form["year"]), team_type, deps, db)
        found = {row["field"]: row for row in df.to_dict("records")}
        for field in ind.CHOICE_FIELDS:
            row = found.get(field)
            if row is None or formats.is_missing(row["mine_text"]):
                continue  # it did not answer: nothing of its own to compare
            answered, same = int(row["answered"]), int(row["same"])
            choice_rows.append({"Question": LABELS[field], "Groupe": label,
                                "Votre réponse": _text(field, row["mine_text"]),
                                ANSWERED: answered, SAME: same,
                                SHARE: round(100 * same / answered, 1)})
        for field in ind.NUMBER_FIELDS:
            row = found.get(field)
            if row is None or formats.is_missing(row["mine_number"]):
                continue
            number_rows.append({"Question": LABELS[field], "Groupe": label,
                                "Votre équipe": float(row["mine_number"]),
                                ANSWERED: int(row["answered"]),
                                MEDIAN: round(float(row["median"]), 1)})
    return (pd.DataFrame(choice_rows, columns=["Question", "Groupe", "Votre réponse", ANSWERED,
                                                SAME, SHARE]),
            pd.DataFrame(number_rows, columns=["Question", "Groupe", "Votre équipe", ANSWERED,
                                                MEDIAN]))


def _facilitations(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Date": pd.to_datetime(df["fac_date"]).dt.date,
        "Type d'intervention": df["kind"].map(lambda k: KIND_LABELS.get(k, k or "–")),
        "Modalité": df["mode"].fillna("–"),
        "Statut de l'équipe ce jour-là": df["team_profile"].map(status_label),
    })


def build(scope: Scope, federation: Federation, db: DB = None, team_id: int | None = None,
          departement_names: dict[str, str] | None = None) -> View:
    """The page of team ``team_id`` for the scope's year (the other filters do not apply: the
    team is the scope)."""
    names = departement_names or {}
    if team_id is None:
        return View(title="Mon équipe", scope_label="", empty_message="Aucune équipe choisie.")
    found = ind.team(team_id, db)
    if not len(found):
        return View(title="Mon équipe", scope_label="", team_id=team_id,
                    empty_message=NOT_FOUND.format(team=team_id))
    t = found.iloc[0]
    forms = ind.memberships(team_id, db)
    year = scope.year if scope.year is not None else (
        int(forms["year"].max()) if len(forms) else None)
    dep = str(t["departement"] or "")
    where = f"{dep} – {names.get(dep, t['departement_name'] or dep)}" if dep else "–"
    view = View(title=str(t["name"]), scope_label=f"{t['team_type'] or 'Équipe'} · {where}"
                + (f" · {year}" if year else ""), team_id=team_id)
    this_year = forms[forms["year"] == year].to_dict("records") if year else []
    visits = ind.facilitations(team_id, db)
    fiches = ind.fiches(team_id, db)
    years = [int(y) for y in forms["year"]]
    view.metrics = [
        Metric(f"Statut {year}" if year else "Statut",
               status_label(this_year[0]["status"]) if this_year else "pas de formulaire",
               None, f"Déclaré dans le formulaire d'adhésion {year}." if year else ""),
        Metric("Adhérente depuis", str(min(years)) if years else "–", None,
               f"{formats.number(len(years))} formulaire(s) d'adhésion."),
        Metric("Facilitations reçues", formats.number(len(visits)), None,
               "Toutes années. Source : journal des facilitations."),
        Metric("Fiches de capitalisation", formats.number(len(fiches)), None,
               "Fiches qui décrivent une action de votre équipe."),
    ]
    if len(visits):
        per_year = visits.groupby("year").size()
        trend = pd.DataFrame({"Année": [str(y) for y in per_year.index],
                              "Facilitations": per_year.to_numpy().astype(int)})
        chart = charts.columns(trend, "Année", "Facilitations", x_title="Année",
                               value_title="Facilitations")
        view.figures.append(charts.figure("facilitations_equipe", "Facilitations reçues par année",
                                          chart, trend, len(visits), "facilitations",
                                          "journal des facilitations"))
    if this_year:
        form = this_year[0]
        form_dep = str(form["departement"])
        choices_df, numbers_df = _comparisons(
            team_id, form, federation,
            where if form_dep == dep else f"{form_dep} – {names.get(form_dep, form_dep)}", db)
        note = (f"Source : {SOURCE} {year}. Votre équipe fait partie du groupe ; moins de 5 "
                "équipes : masqué.")
        view.tables.append(Table(
            "comparaison_reponses", f"Vos réponses {year} face aux autres équipes",
            choices_df, note, count_columns=(ANSWERED, SAME), margins=()))
        view.tables.append(Table(
            "comparaison_nombres", f"Vos chiffres {year} face à la médiane des autres équipes",
            numbers_df, note, count_columns=(ANSWERED,), margins=()))
    elif year:
        view.notes.append(f"Pas de formulaire d'adhésion de votre équipe en {year} : pas de "
                          "comparaison pour cette année.")
    if len(forms):
        view.tables.append(Table(
            "reponses", "Vos réponses au formulaire d'adhésion, année par année",
            _answers(forms, ind.choices(team_id, db)), f"Source : {SOURCE}."))
        view.tables.append(Table("statuts", "Historique du statut", pd.DataFrame({
            "Année": forms["year"].astype(int), "Type d'équipe": forms["team_type"],
            "Statut": forms["status"].map(status_label)}), f"Source : {SOURCE}."))
    if len(visits):
        view.tables.append(Table("facilitations", "Vos facilitations", _facilitations(visits),
                                 "Source : journal des facilitations (sans le nom des "
                                 "facilitateurs)."))
    if len(fiches):
        view.tables.append(Table("fiches", "Vos fiches de capitalisation", pd.DataFrame({
            "Titre": fiches["title"], "Thème": fiches["theme"].fillna("–"),
            "Année": fiches["year"].astype("Int64"), "Résumé": fiches["summary"].fillna(""),
            "Publiée": fiches["published"].map({True: "Oui", False: "Non"})}),
            "Source : fiches de capitalisation."))
    if not len(forms) and not len(visits) and not len(fiches):
        view.empty_message = f"Aucune donnée pour {t['name']} dans la base."
    return view


def choices(scope: Scope, federation: Federation,
            db: DB = None) -> tuple[tuple[int, ...], dict[int, str]]:
    """The teams staff may open (those with a membership form), by name, and their labels."""
    df = ind.teams(federation, db)
    ids = tuple(int(i) for i in df["team_id"])
    return ids, {int(i): f"{n} ({d}, n° {i})" for i, n, d in
                 zip(df["team_id"], df["name"], df["departement"], strict=True)}
