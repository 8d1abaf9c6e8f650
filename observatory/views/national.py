"""The pages of a national store, from the federations' packages (``indicators.national``).

The pages the aggregates allow are built here (key figures per federation, the portrait, the
surveys, the yearly facilitations), with the pages' own chart builders; a page that needs
team-level data says so. A masked figure (a federation's package masked it) is never drawn nor
summed: it reads « masqué ». Every rate per 100,000 inhabitants stands next to France's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from observatory import charts, formats, privacy
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, UNKNOWN
from observatory.indicators import national as ind
from observatory.views import Metric, Table, View
from observatory.views import portrait as portrait_view
from observatory.views import surveys as survey_view
from observatory.vocabulary import STATUS_LABELS, TEAM_TYPES, UNKNOWN_LABEL

SOURCE = "paquets des fédérations"
MASKED_NOTE = ("Valeurs masquées par les fédérations (secret statistique : moins de "
               "{t} équipes ou répondants, ou valeur qui permettrait de les retrouver) : "
               "elles ne sont ni dessinées ni additionnées.")
TEAM_LEVEL = ("Cette page a besoin des données des équipes ({what}), que les paquets des "
              "fédérations ne contiennent pas : la base nationale n'en reçoit que des agrégats. "
              "Consultez-la dans l'observatoire de chaque fédération.")


def is_national(db: DB) -> bool:
    return ind.is_national(db)


def label(scope: Scope, federation: Federation, names: dict[str, str] | None = None) -> str:
    """The scope as the national pages name it: France, a region, a département."""
    parts = [scope.label(federation, names).split(" · ")[0].removeprefix("Territoire ")]
    if scope.team_type:
        parts.append(scope.team_type)
    if scope.year:
        parts.append(str(scope.year))
    return " · ".join(parts)


def team_level(title: str, what: str, scope: Scope, federation: Federation) -> View:
    """A page that a national store cannot show, saying why."""
    return View(title=title, scope_label=label(scope, federation),
                empty_message=TEAM_LEVEL.format(what=what))


def _masked_note() -> str:
    return MASKED_NOTE.format(t=privacy.threshold())


def shown(value: Any, fmt: str = "number") -> str:
    """A figure as a page writes it, « masqué » for a masked one."""
    if value is None or pd.isna(value):
        return privacy.MASKED_VALUE
    if fmt == "euros":
        return formats.euros(float(value))
    if fmt == "rate":
        return formats.number(float(value), 1)
    return formats.number(value)


def _source(scope: Scope) -> str:
    return SOURCE + (f" {scope.year}" if scope.year else "")


def per_100k(teams: Any, population: Any) -> float | None:
    if teams is None or pd.isna(teams) or not population or pd.isna(population):
        return None
    return float(teams) / float(population) * 100_000


def rate_metric(scope: Scope, teams: Any, population: Any, where: str,
                db: DB, *, reference_only: bool = False) -> Metric | None:
    """Member teams per 100,000 inhabitants of the scope, next to France's (the national
    store's own figure, or the national package a regional store loaded as reference).
    ``reference_only``: none without France's to compare with."""
    reference = ind.reference(scope.year, scope.team_type, db)
    rate = per_100k(teams, population)
    if (rate is None or reference_only) and reference is None:
        return None
    france = reference.per_100k if reference is not None else None
    help_text = (f"Équipes adhérentes pour 100 000 habitants : {where}. Population : INSEE "
                 "(populations municipales).")
    if reference is not None:
        help_text += (f" {reference.label} : {shown(france, 'rate')} pour 100 000 habitants "
                      "(population des départements couverts).")
    delta = None if france is None else f"France : {shown(france, 'rate')}"
    return Metric("Équipes adhérentes pour 100 000 hab.", shown(rate, "rate"), delta, help_text)


def federations_table(scope: Scope, federation: Federation, db: DB) -> Table:
    """Each federation of the scope with its region and figures: who publishes what."""
    members = ind.cells("members", scope, federation, ("federation",), db)
    fac = ind.cells("facilitations", scope, federation, ("federation",), db)
    deps = ind.coverage(scope, federation, db)
    pop = deps.dropna(subset=["federation"]).groupby("federation")["population"].sum()
    loaded = ind.packages(db).set_index("federation")
    rows = []
    for fid in sorted(set(members["federation"]) | set(fac["federation"])):
        m = members[members["federation"] == fid]
        f = fac[fac["federation"] == fid]
        teams = m["teams"].iloc[0] if len(m) else 0
        rows.append({
            "Région": loaded.at[fid, "region"] if fid in loaded.index else "",
            "Fédération": loaded.at[fid, "name"] if fid in loaded.index else fid,
            "Équipes adhérentes": shown(teams),
            "Pour 100 000 hab.": shown(per_100k(teams, pop.get(fid)), "rate"),
            "Facilitations": shown(f["facilitations"].iloc[0] if len(f) else 0),
            "Équipes facilitées": shown(f["facilitated_teams"].iloc[0] if len(f) else 0),
            "Montant ACI (€)": shown(m["aci_total_eur"].iloc[0] if len(m) else 0, "euros"),
            "Paquet du": (formats.day(loaded.at[fid, "created_at"].date())
                          if fid in loaded.index else ""),
        })
    return Table("par_federation", "Par région et fédération", pd.DataFrame(rows),
                 f"Source : {_source(scope)} (les chiffres de chaque fédération, tels qu'elle "
                 "les a publiés).")


def home_extras(view: View, scope: Scope, federation: Federation, db: DB,
                figures: dict[str, Any]) -> None:
    """What the home page of a national store shows beyond a region's: the rate next to
    France's, the federations table; no kind of facilitation (not in the packages)."""
    deps = ind.coverage(scope, federation, db)
    population = deps.dropna(subset=["federation"])["population"].sum()
    metric = rate_metric(scope, figures["adherent_teams"], population,
                         label(scope, federation).split(" · ")[0], db)
    if metric is not None:
        view.metrics.insert(1, metric)
    view.figures = [f for f in view.figures if f.key != "facilitations_par_type"]
    view.tables = [federations_table(scope, federation, db)]
    if figures.get("aci_teams") is None:
        view.notes.append(_masked_note())
    view.notes.append("Les types d'intervention ne sont pas dans les paquets : voir "
                      "l'observatoire de chaque fédération.")


# -- portrait ---------------------------------------------------------------------------------
def _known(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[df[column].notna()]


def portrait(scope: Scope, federation: Federation, db: DB = None,
             departement_names: dict[str, str] | None = None) -> View:
    """Counts by type and status, statuses over the years, ACI by type, the form's answers."""
    where = label(scope, federation, departement_names)
    view = View(title="Portrait des équipes", scope_label=where)
    counts = ind.cells("members", scope, federation, ("team_type", "status"), db)
    if not len(counts) or not counts["teams"].fillna(0).sum():
        view.empty_message = f"Aucune équipe adhérente pour {where}."
        return view
    source = _source(scope)
    counts = counts.assign(status=counts["status"].replace(UNKNOWN, None))
    history = ind.cells("members", scope, federation, ("year", "status"), db, year=False)
    history = history.assign(status=history["status"].replace(UNKNOWN, None))
    view.figures = portrait_view.status_figures(counts, history, source,
                                               federation.brand)
    by_type = ind.cells("members", scope, federation, ("team_type",), db)
    under = counts[counts["status"] == "sous_aci"].set_index("team_type")["teams"]
    answered = by_type["aci_teams"]
    view.tables.append(Table("montants_aci", "Montants ACI par type d'équipe", pd.DataFrame({
        "Type d'équipe": by_type["team_type"],
        "Équipes adhérentes": [shown(v) for v in by_type["teams"]],
        "Équipes sous ACI": [shown(under.get(t, 0)) for t in by_type["team_type"]],
        "Équipes ayant déclaré un montant": [shown(v) for v in answered],
        "Total (€)": [shown(v, "euros") for v in by_type["aci_total_eur"]],
        "Moyenne (€)": [shown(t / a if a else None, "euros") if not pd.isna(a) else
                        privacy.MASKED_VALUE for t, a in zip(by_type["aci_total_eur"], answered,
                                                             strict=True)],
    }), f"Source : {source}. Montants déclarés par les équipes ; les paquets ne publient pas "
        "de médiane (elle serait le montant d'une équipe)."))
    totals = ind.cells("members", scope, federation, (), db)
    members = int(totals["teams"].sum())
    view.metrics = [
        Metric("Équipes adhérentes", formats.number(members), None,
               f"Équipes ayant rempli le formulaire d'adhésion de leur fédération. Source : "
               f"{source}."),
        Metric("Équipes sous ACI", formats.number(int(under.sum())), None,
               f"{formats.percent(under.sum() / members)} des équipes adhérentes."),
        Metric("Montant ACI déclaré", shown(None if totals["aci_total_eur"].isna().any()
                                            else totals["aci_total_eur"].sum(), "euros"),
               None, "Somme des montants déclarés (masquée si une fédération en masque une "
               "part)."),
    ]
    answers = ind.cells("portrait", scope, federation, ("field", "value", "sort_key"), db)
    masked = answers["teams"].isna()
    rows = answers[~masked | answers["value"].isna()]
    rows = pd.concat([rows, pd.DataFrame([{"field": "members", "value": None,
                                           "sort_key": None, "teams": members}])])
    rows = rows[rows["teams"].notna()].astype({"teams": int}).sort_values(
        ["field", "value"], na_position="first").reset_index(drop=True)
    view.figures += portrait_view.form_figures(portrait_view.Answers(rows), scope,
                                              federation.brand)
    if masked.any() or totals["aci_total_eur"].isna().any():
        view.notes.append(_masked_note())
    view.notes.append("Évolutions de statut d'une équipe d'une année à l'autre et montants ACI "
                      "équipe par équipe : non publiés dans les paquets (données des équipes).")
    return view


# -- surveys ----------------------------------------------------------------------------------
def survey_choices(scope: Scope, federation: Federation, db: DB = None
                   ) -> tuple[tuple[str, ...], dict[str, str], int | None]:
    df = ind.surveys(Scope(), federation, db)
    ids = tuple(df["key"])
    labels = {r.key: f"{survey_view._month(r.month)} · {r.title} ({r.federation_name})"
              for r in df.itertuples(index=False)}
    if not ids:
        return ids, labels, None
    in_year = [i for i, m in enumerate(df["month"]) if scope.year and m.year == scope.year]
    return ids, labels, in_year[0] if in_year else 0


def survey_catalogue(scope: Scope, federation: Federation, db: DB = None,
                     departement_names: dict[str, str] | None = None) -> View:
    where = label(scope, federation, departement_names)
    view = View(title="Enquêtes flash", scope_label=where)
    df = ind.surveys(scope, federation, db)
    if not len(df):
        view.empty_message = (f"Aucune enquête flash publiée par les fédérations pour {where}.")
        return view
    respondents = df["respondents"]
    view.metrics = [
        Metric("Enquêtes flash publiées", formats.number(len(df)), None,
               "Enquêtes dont l'infographie est publiée, dans les paquets des fédérations."),
        Metric("Répondants", shown(None if respondents.isna().any() else respondents.sum()),
               None, "Réponses complètes des départements du périmètre."),
    ]
    table = pd.DataFrame({
        "Date": df["month"].map(survey_view._month), "Fédération": df["federation_name"],
        "Titre": df["title"], "Thème": df["theme"], "Objectif": df["objective"],
        "Réponses complètes": [shown(v) for v in respondents],
    })
    view.tables.append(Table("catalogue", "Enquêtes flash publiées par les fédérations", table,
                             f"Source : {SOURCE}. Seules les enquêtes publiées y figurent."))
    return view


def survey(scope: Scope, federation: Federation, db: DB = None, survey_id: str | None = None,
           breakdown: str | None = None,
           departement_names: dict[str, str] | None = None) -> View:
    """One published survey's infographic, from its federation's package."""
    names = departement_names or {}
    where = label(scope, federation, names)
    if survey_id is None:
        ids, _, default = survey_choices(scope, federation, db)
        survey_id = ids[default] if default is not None else None
    catalogue = ind.surveys(Scope(), federation, db)
    found = catalogue[catalogue["key"] == survey_id] if survey_id else catalogue.iloc[0:0]
    if not len(found):
        return View(title="Infographie", scope_label=where,
                    empty_message="Aucune enquête flash publiée à afficher." if survey_id is None
                    else f"Enquête inconnue : {survey_id}.")
    s = found.iloc[0]
    when = survey_view._month(s["month"])
    view = View(title=f"{s['title']} ({when})", scope_label=f"{s['federation_name']}")
    total = s["respondents"]
    if pd.isna(total) or int(total) < privacy.threshold():
        view.empty_message = (f"Moins de {privacy.threshold()} réponses complètes : les "
                              "résultats ne sont pas publiés.")
        return view
    source = f"enquête flash « {s['title']} » de {s['federation_name']}, {when}"
    view.metrics = [Metric("Répondants", formats.number(int(total)), None,
                           "Réponses complètes. " + source)]
    if isinstance(s["objective"], str) and s["objective"]:
        view.notes.append(f"Objectif : {s['objective']}")
    resp = ind.survey_rows(str(survey_id), "survey_respondents", db)
    for key, column, title in (("profession", "Profession", "Répondants par profession"),
                               ("departement", "Département", "Répondants par département")):
        part = _known(resp[resp["grain"] == key], "respondents")
        values = part[key].map(lambda v, k=key: UNKNOWN_LABEL if v == UNKNOWN else (
            survey_view._dep_label(v, names) if k == "departement" else v))
        data = pd.DataFrame({column: values, survey_view.RESPONDENTS:
                             part["respondents"].astype(int)}).reset_index(drop=True)
        chart = charts.bars(data, column, survey_view.RESPONDENTS, category_title=column,
                            value_title=survey_view.RESPONDENTS)
        view.figures.append(charts.figure(f"repondants_par_{key}", title, chart, data,
                                          int(total), "répondants", source,
                                          survey_view.COMPLETE_ONLY, brand=federation.brand))
    questions = ind.survey_rows(str(survey_id), "survey_questions", db).sort_values("position")
    answers = ind.survey_rows(str(survey_id), "survey_answers", db)
    masked = bool(resp["respondents"].isna().any() or answers["respondents"].isna().any())
    for q in questions.to_dict("records"):
        rows = answers[answers["question_id"] == q["question_id"]]
        rows = rows[rows["respondents"].notna()].rename(columns={"respondents": "n"})
        answered = rows[rows["value"].isna() & rows["bin_start"].isna()]
        if q["qtype"] in survey_view.ind.CHOICE_TYPES and len(answered):
            rows = rows.assign(grp=None)[["grp", "value", "n"]].astype({"n": int})
            rows = pd.concat([rows[rows["value"].isna()], rows[rows["value"].notna()]
                              .sort_values(["n", "value"], ascending=[False, True])])
            fig, card = survey_view._choice_figure(q, rows, None, source, names,
                                                   federation.brand)
            view.figures.append(fig)
            view.cards.append(card)
        elif q["qtype"] == "number" and len(answered):
            bins = rows[rows["bin_start"].notna()].astype({"n": int})
            fig, card = survey_view._number_figure(q, bins, pd.DataFrame(), source,
                                                   federation.brand)
            # a package holds the histogram, not the answers: no median nor range to state
            view.figures.append(dataclasses.replace(fig, takeaway=""))
            view.cards.append(dataclasses.replace(card, value="", value_label="", takeaway=""))
    if masked:
        view.notes.append(_masked_note())
    view.notes.append("Réponses libres et ventilations par département ou profession des "
                      "réponses : non publiées dans les paquets.")
    return view


# -- facilitations ----------------------------------------------------------------------------
def facilitations(scope: Scope, federation: Federation, db: DB = None,
                  departement_names: dict[str, str] | None = None) -> View:
    """Facilitations and unique teams per year, type, profile and federation."""
    where = label(scope, federation, departement_names)
    view = View(title="Facilitations", scope_label=where)
    total = ind.cells("facilitations", scope, federation, (), db).iloc[0]
    if not total["facilitations"]:
        view.empty_message = f"Aucune facilitation dans les paquets pour {where}."
        return view
    n = int(total["facilitations"])
    source = _source(scope)
    view.metrics = [
        Metric("Facilitations", formats.number(n), None,
               "Une facilitation compte une fois quel que soit le nombre d'équipes. "
               f"Source : {source}."),
        Metric("Équipes uniques facilitées", formats.number(int(total["facilitated_teams"])),
               None, "Équipes distinctes (chaque équipe relève d'une fédération)."),
    ]
    if not pd.isna(total["volunteer_hours"]):
        view.metrics.append(Metric("Heures bénévoles", formats.number(
            float(total["volunteer_hours"]), 0), None, "Heures de facilitation bénévoles "
            "déclarées dans les journaux des fédérations qui les tiennent."))
    years = ind.cells("facilitations", scope, federation, ("year",), db, year=False)
    data = pd.DataFrame({"Année": years["year"].astype(int),
                         "Facilitations": years["facilitations"].astype(int)})
    chart = charts.columns(data, "Année", "Facilitations", x_title="Année",
                           value_title="Facilitations")
    view.figures.append(charts.figure("facilitations_par_annee", "Facilitations par année",
                                      chart, data, int(data["Facilitations"].sum()),
                                      "facilitations", SOURCE,
                                      "Toutes les années ; les autres filtres s'appliquent.",
                                      brand=federation.brand))
    for key, dim, title, labels in (
        ("facilitations_par_type_equipe", "team_type", "Par type d'équipe", None),
        ("facilitations_par_profil", "team_profile",
         "Par profil de l'équipe le jour de la facilitation", STATUS_LABELS),
    ):
        part = ind.cells("facilitations", scope, federation, (dim,), db)
        values = part[dim].map(lambda v, lab=labels: UNKNOWN_LABEL if v == UNKNOWN
                               else (lab or {}).get(v, v))
        data = pd.DataFrame({"Catégorie": values,
                             "Facilitations": part["facilitations"].astype(int)})
        chart = charts.bars(data, "Catégorie", "Facilitations", category_title=title,
                            value_title="Facilitations",
                            sort=list(TEAM_TYPES) if dim == "team_type" else "-x")
        view.figures.append(charts.figure(key, title, chart, data, n, "facilitations",
                                          source, brand=federation.brand))
    view.tables.append(federations_table(scope, federation, db))
    view.notes.append("Le détail par mois, par type d'intervention et par équipe reste dans "
                      "le journal de chaque fédération : les paquets n'en publient que les "
                      "totaux annuels.")
    return view


