"""Enquêtes flash: the catalogue, and one survey's infographic (one chart per question)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from observatory import charts, formats, privacy
from observatory.config import Brand, Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import surveys as ind
from observatory.privacy import Margin
from observatory.views import Metric, Table, View

RESPONDENTS = "Répondants"
SHARE = "Part des répondants"
BREAKDOWN_LABELS = {"departement": "Département", "profession": "Profession"}
COMPLETE_ONLY = "Réponses complètes uniquement."


def _month(value: object) -> str:
    if value is None or pd.isna(value):
        return "–"
    return formats.month(pd.Timestamp(value).date())


def _dep_label(code: object, names: dict[str, str]) -> str:
    if code is None or pd.isna(code) or code == "Non renseigné":
        return "Non renseigné"
    return f"{code} – {names[code]}" if code in names else str(code)


def choices(scope: Scope, federation: Federation,
            db: DB = None) -> tuple[tuple[str, ...], dict[str, str], int | None]:
    """What the survey picker offers: ids newest first, their labels, and the default index.

    The default is the latest survey of the scope's year, else the latest one.
    """
    df = ind.survey_list(db)
    ids = tuple(df["survey_id"])
    labels = {row.survey_id: f"{_month(row.month)} · {row.title}"
              for row in df.itertuples(index=False)}
    if not ids:
        return ids, labels, None
    in_year = (df["year"] == scope.year).to_numpy().nonzero()[0]
    return ids, labels, int(in_year[0]) if len(in_year) else 0


def catalogue(scope: Scope, federation: Federation, db: DB = None,
              departement_names: dict[str, str] | None = None) -> View:
    """The surveys of the scope's year with their complete and incomplete respondents."""
    label = scope.label(federation, departement_names or {})
    view = View(title="Enquêtes flash", scope_label=label)
    df = ind.catalogue(scope, federation, db)
    if not len(df):
        when = f"en {scope.year}" if scope.year else "dans la base"
        view.empty_message = f"Aucune enquête flash {when}."
        return view
    complete = int(df["complete"].sum())
    view.metrics = [
        Metric("Enquêtes flash", formats.number(len(df)), None,
               "Enquêtes dont le mois tombe dans l'année choisie."),
        Metric("Répondants", formats.number(complete), None,
               "Réponses complètes des départements du périmètre. Source : enquêtes flash.",
               count=complete, total_of=("catalogue", "Réponses complètes")),
        Metric("Réponses incomplètes", formats.number(int(df["incomplete"].sum())), None,
               "Questionnaires commencés mais non terminés : exclus des résultats.",
               count=int(df["incomplete"].sum()),
               total_of=("catalogue", "Réponses incomplètes")),
    ]
    table = pd.DataFrame({
        "Date": df["month"].map(_month),
        "Titre": df["title"],
        "Thème": df["theme"],
        "Objectif": df["objective"],
        "Réponses complètes": df["complete"].astype(int),
        "Réponses incomplètes": df["incomplete"].astype(int),
        "Infographie publiée": df["published"].map({True: "Oui", False: "Non"}).fillna("–"),
    })
    view.tables.append(Table("catalogue", "Catalogue des enquêtes flash", table,
                             "Source : enquêtes flash. Répondants des départements du périmètre.",
                             count_columns=("Réponses complètes", "Réponses incomplètes"),
                             # each survey's count is its infographic's headline: a hidden
                             # one is protected by masking the totals above, not a neighbour
                             margins=()))
    return view


def _key(question_id: str, position: object) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", str(question_id).lower()).strip("_")[:30]
    return f"question_{position}_{slug}"


def _title(q: Mapping[str, Any]) -> str:
    return str(q["text"] or q["question_id"])


def _choice_figure(q: Mapping[str, Any], rows: pd.DataFrame, breakdown: str | None, source: str,
                   names: dict[str, str], brand: Brand | None = None) -> charts.Figure:
    """Bars of one choice question: shares sorted by frequency; a diverging bar for a scale."""
    if breakdown == "departement":
        rows = rows.assign(grp=rows["grp"].map(lambda c: _dep_label(c, names)))
    answered = rows["value"].isna().to_numpy()
    n = int(rows["n"].to_numpy()[answered].sum())
    scale = q["qtype"] == "scale"
    if breakdown:  # shares within each group
        options = rows[~answered]
        data = pd.DataFrame({"Réponse": options["value"], RESPONDENTS: options["n"].astype(int)})
        data.insert(0, BREAKDOWN_LABELS[breakdown], options["grp"])
        data[SHARE] = data[RESPONDENTS] / options["grp"].map(
            rows[answered].set_index("grp")["n"])
        data = data.reset_index(drop=True)
    else:  # one frame from the arrays: a page draws a dozen of these
        counts = rows["n"].to_numpy()[~answered].astype(int)
        data = pd.DataFrame({**({"Question": "Ensemble"} if scale else {}),
                             "Réponse": rows["value"].array[~answered], RESPONDENTS: counts,
                             SHARE: counts / n if n else 0.0})
    notes = [COMPLETE_ONLY]
    if scale:
        listed = [str(o) for o in (q["options"] if q["options"] is not None else [])]
        order = listed + sorted(set(data["Réponse"]) - set(listed))
        category = BREAKDOWN_LABELS[breakdown] if breakdown else "Question"
        chart = charts.diverging_bars(data, category, "Réponse", RESPONDENTS, order,
                                            category_title=category if breakdown else "")
        notes.append("Échelle ordonnée : réponses négatives à gauche, positives à droite.")
    else:
        group = BREAKDOWN_LABELS[breakdown] if breakdown else None
        chart = charts.share_bars(data, "Réponse", SHARE, RESPONDENTS,
                                        category_title="Réponse", group=group,
                                        group_title=group)
        if q["qtype"] == "multiple":
            notes.append("Plusieurs réponses possibles : les parts ne s'additionnent pas à "
                         "100 %.")
        notes.append("Parts calculées sur les personnes ayant répondu à la question.")
    # What a reader can add up: the n (single choice and scales: the counts sum to it), and
    # with a breakdown each group's respondents (a shown count over its share gives it).
    margins: tuple[Margin, ...] = ()  # several answers each: the counts add up to nothing
    if q["qtype"] != "multiple":
        margins = (Margin((BREAKDOWN_LABELS[breakdown],)),) if breakdown else (Margin(),)
    return charts.figure(_key(q["question_id"], q["position"]), _title(q), chart, data, n,
                         "répondants à la question", source, " ".join(notes),
                         count_columns=(RESPONDENTS,), sensitive=True, margins=margins,
                         brand=brand)


def _number_figure(q: Mapping[str, Any], rows: pd.DataFrame, source: str,
                   brand: Brand | None = None) -> charts.Figure:
    data = pd.DataFrame({"De": rows["bin_start"], "À": rows["bin_end"],
                         RESPONDENTS: rows["n"].astype(int)})
    chart = charts.histogram(data, "De", "À", RESPONDENTS, value_title="Réponse",
                                   count_title=RESPONDENTS, value_format=",.0f")
    return charts.figure(_key(q["question_id"], q["position"]), _title(q), chart, data,
                               int(data[RESPONDENTS].sum()), "répondants à la question", source,
                               COMPLETE_ONLY, count_columns=(RESPONDENTS,), sensitive=True,
                               brand=brand)


def _by_question(df: pd.DataFrame) -> Callable[[str], pd.DataFrame]:
    """``df``'s rows of one question (an empty frame for none), split once for all of them."""
    rows = df.groupby("question_id", sort=False).indices if len(df) else {}

    def part(qid: str) -> pd.DataFrame:
        found = rows.get(qid, [])
        if len(found) and found[-1] - found[0] == len(found) - 1:  # together: a slice
            return df.iloc[found[0]:found[-1] + 1]
        return df.take(found)

    return part


def build(scope: Scope, federation: Federation, db: DB = None, survey_id: str | None = None,
          breakdown: str | None = None,
          departement_names: dict[str, str] | None = None) -> View:
    """One survey's infographic for the scope's départements (default: the latest survey).

    ``breakdown`` (``departement`` or ``profession``) splits every choice question by it.
    """
    names = departement_names or {}
    label = scope.label(federation, names)
    breakdown = breakdown if breakdown in ind.BREAKDOWNS else None
    if survey_id is None:
        ids, _, default = choices(scope, federation, db)
        survey_id = ids[default] if default is not None else None
    meta = ind.survey(survey_id, db) if survey_id else pd.DataFrame()
    if survey_id is None or not len(meta):
        return View(title="Infographie", scope_label=label,
                    empty_message="Aucune enquête flash à afficher : importez-en une d'abord."
                    if survey_id is None else f"Enquête inconnue : {survey_id}.")
    s = meta.iloc[0]
    when = _month(s["month"])
    view = View(title=f"{s['title']} ({when})", scope_label=label)
    if isinstance(s["objective"], str) and s["objective"]:
        view.notes.append(f"Objectif : {s['objective']}")
    resp = ind.respondents(survey_id, scope, federation, db)
    axis, counts = resp["axis"].to_numpy(), resp["n"].to_numpy()
    total = int(counts[axis == "total"].sum())
    limit = privacy.threshold()
    if total < max(1, limit):  # the message never states the small count it withholds
        view.empty_message = (
            f"Aucune réponse complète à cette enquête pour {label}." if not total else
            f"Moins de {limit} réponses complètes pour {label} : les résultats ne sont pas "
            "affichés afin de préserver l'anonymat des répondants.")
        return view
    source = f"enquête flash « {s['title']} », {when}"
    professions = resp[axis == "profession"]
    deps = resp[axis == "departement"]
    incomplete = int(counts[axis == "incomplete"].sum())
    view.metrics = [
        Metric("Répondants", formats.number(total), None, "Réponses complètes. " + source,
               count=total),
        Metric("Réponses incomplètes", formats.number(incomplete), None,
               "Exclues des résultats.", count=incomplete),
        Metric("Professions", formats.number(int(professions["key"].notna().sum())), None,
               "Professions différentes parmi les répondants."),
        Metric("Départements", formats.number(int(deps["key"].notna().sum())), None,
               "Départements différents parmi les répondants."),
    ]
    for key, title, column, part, values in (
        ("profession", "Répondants par profession", "Profession", professions,
         professions["key"].fillna("Non renseignée")),
        ("departement", "Répondants par département", "Département", deps,
         deps["key"].map(lambda c: _dep_label(c, names))),
    ):
        data = pd.DataFrame({column: values, RESPONDENTS: part["n"].astype(int)}).reset_index(
            drop=True)
        chart = charts.bars(data, column, RESPONDENTS, category_title=column,
                            value_title=RESPONDENTS)
        view.figures.append(charts.figure(
            f"repondants_par_{key}", title, chart, data, total, "répondants", source,
            COMPLETE_ONLY, count_columns=(RESPONDENTS,), brand=federation.brand))

    qs = ind.questions(survey_id, db)
    counts = _by_question(ind.choice_counts(survey_id, scope, federation, db, breakdown))
    bins = _by_question(ind.number_bins(survey_id, scope, federation, db))
    texts = _by_question(ind.texts(survey_id, scope, federation, db))
    for q in qs.to_dict("records"):  # one figure per question
        qid = q["question_id"]
        if q["qtype"] in ind.CHOICE_TYPES:
            view.figures.append(_choice_figure(q, counts(qid), breakdown, source, names,
                                               federation.brand))
        elif q["qtype"] == "number":
            view.figures.append(_number_figure(q, bins(qid), source, federation.brand))
        else:
            answers = texts(qid)[["value"]]
            view.tables.append(Table(
                _key(qid, q["position"]), f"Réponses libres : {_title(q)}",
                answers.rename(columns={"value": "Réponse"}).reset_index(drop=True),
                f"n = {formats.number(len(answers))} réponses · Source : {source}. "
                "Texte brut, tel que saisi par les répondants.", detail=True))
    if breakdown:
        view.notes.append(f"Questions à choix ventilées par {BREAKDOWN_LABELS[breakdown].lower()} ; "
                          "les petits effectifs sont masqués dans les exports.")
    return view
