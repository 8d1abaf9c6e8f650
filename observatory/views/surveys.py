"""Enquêtes flash: the catalogue, and one survey's infographic (one chart per question)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from observatory import charts, formats, privacy
from observatory.config import Brand, Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import surveys as ind
from observatory.privacy import Margin
from observatory.views import Card, Metric, Table, View, national, takeaways
from observatory.vocabulary import team_name_key

RESPONDENTS = "Répondants"
SHARE = "Part des répondants"
# the share's 95 % Wilson interval (files read them as percentages, like the share)
LOW, HIGH = "Part basse IC95", "Part haute IC95"
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


def choices(scope: Scope, federation: Federation, db: DB = None, published_only: bool = False
            ) -> tuple[tuple[str, ...], dict[str, str], int | None]:
    """What the survey picker offers: ids newest first, their labels, and the default index
    (``published_only``: the published infographics only).

    The default is the latest survey of the scope's year, else the latest one.
    """
    if national.is_national(db):
        return national.survey_choices(scope, federation, db)
    df = ind.survey_list(db, published_only)
    ids = tuple(df["survey_id"])
    labels = {row.survey_id: f"{_month(row.month)} · {row.title}"
              for row in df.itertuples(index=False)}
    if not ids:
        return ids, labels, None
    in_year = (df["year"] == scope.year).to_numpy().nonzero()[0]
    return ids, labels, int(in_year[0]) if len(in_year) else 0


def catalogue(scope: Scope, federation: Federation, db: DB = None,
              departement_names: dict[str, str] | None = None,
              published_only: bool = False) -> View:
    """The surveys of the scope's year with their complete and incomplete respondents
    (``published_only``: those whose infographic is published)."""
    if national.is_national(db):
        return national.survey_catalogue(scope, federation, db, departement_names)
    label = scope.label(federation, departement_names or {})
    view = View(title="Enquêtes flash", scope_label=label, publication="survey",
                published_only=published_only)
    df = ind.catalogue(scope, federation, db, published_only)
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


def _label(q: Mapping[str, Any]) -> str:
    """The card's title: the sidecar's short label, else the question itself."""
    label = q.get("label")
    return str(label) if isinstance(label, str) and label else _title(q)


def _listed(q: Mapping[str, Any]) -> list[str]:
    return [str(o) for o in (q["options"] if q["options"] is not None else [])]


def _positive(q: Mapping[str, Any]) -> str:
    return "first" if q.get("positive") == "first" else "last"


def _sides(options: list[str], positive: str) -> tuple[list[str], list[str]]:
    """(favourable, unfavourable) options of a scale; an odd middle is neither."""
    half = len(options) // 2
    low, high = options[:half], options[len(options) - half:]
    return (low, high) if positive == "first" else (high, low)


def _with_intervals(data: pd.DataFrame, k: pd.Series, n: pd.Series) -> pd.DataFrame:
    """The share's 95 % Wilson interval beside it (tooltip and files)."""
    bounds = [takeaways.wilson(int(a), int(b)) for a, b in zip(k, n, strict=True)]
    data[LOW] = [b[0] for b in bounds]
    data[HIGH] = [b[1] for b in bounds]
    return data


def _answer_order(q: Mapping[str, Any], data: pd.DataFrame) -> list[str] | None:
    """Answers in the scale's or oui/non's order (None: by share)."""
    if q["qtype"] not in ("scale", "yesno"):
        return None
    listed = _listed(q)
    return listed + sorted(set(data["Réponse"]) - set(listed))


def _headline(q: Mapping[str, Any], totals: dict[str, int]) -> list[str]:
    """The answers a card's number adds up: oui, a scale's favourable side, the top answer."""
    if q["qtype"] == "yesno":
        return ["Oui"]
    if q["qtype"] == "scale":
        return _sides(_listed(q), _positive(q))[0]
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return [ranked[0][0]] if ranked else []


def _choice_card(q: Mapping[str, Any], key: str, totals: dict[str, int], n: int,
                 rows_of: Callable[[list[str]], tuple[int, ...]]) -> Card:
    """The big number and takeaway of a choice question, from its overall counts."""
    kind = q["qtype"]
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    if kind == "yesno":
        value, what, text = takeaways.yes_no(_title(q), totals.get("Oui", 0), n)
        used = ["Oui"]
    elif kind == "scale":
        good, bad = _sides(_listed(q), _positive(q))
        value, what, text = takeaways.scale(good, sum(totals.get(o, 0) for o in good), bad,
                                            sum(totals.get(o, 0) for o in bad), n)
        used = good + bad
    elif kind == "multiple":
        value, what, text = takeaways.multiple(ranked, n)
        used = [o for o, _ in ranked[:3]]
    else:
        value, what, text = takeaways.single(ranked, n)
        used = [o for o, c in ranked if ranked and c == ranked[0][1]]
    return Card(key, _label(q), value, what, text, rows_of(used))


def _choice_figure(q: Mapping[str, Any], rows: pd.DataFrame, breakdown: str | None, source: str,
                   names: dict[str, str], brand: Brand) -> tuple[charts.Figure, Card]:
    """One choice question: bars of its answers' shares (a heat table of groups × answers
    with a breakdown), and its card."""
    if breakdown == "departement":
        rows = rows.assign(grp=rows["grp"].map(lambda c: _dep_label(c, names)))
    answered = rows["value"].isna().to_numpy()
    n = int(rows["n"].to_numpy()[answered].sum())
    options = rows[~answered]
    totals = {str(k): int(v) for k, v in options.groupby("value")["n"].sum().items()}
    key = _key(q["question_id"], q["position"])
    group = BREAKDOWN_LABELS[breakdown] if breakdown else None
    if group:  # shares within each group
        sizes = options["grp"].map(rows[answered].set_index("grp")["n"])
        data = pd.DataFrame({group: options["grp"], "Réponse": options["value"],
                             RESPONDENTS: options["n"].astype(int)})
        data[SHARE] = data[RESPONDENTS] / sizes
        data = _with_intervals(data, data[RESPONDENTS], sizes).reset_index(drop=True)
    else:  # one frame from the arrays: a page draws a dozen of these
        counts = rows["n"].to_numpy()[~answered].astype(int)
        data = pd.DataFrame({"Réponse": rows["value"].array[~answered], RESPONDENTS: counts,
                             SHARE: counts / n if n else 0.0})
        data = _with_intervals(data, data[RESPONDENTS], pd.Series([n] * len(data)))
    order = _answer_order(q, data)
    colors = None
    if q["qtype"] == "scale":
        colors = charts.side_colors(order or [], _positive(q))
    elif q["qtype"] == "yesno":
        colors = {"Oui": brand.primary, "Non": charts.NEUTRAL_BAR}
    notes = [COMPLETE_ONLY]
    if q["qtype"] == "scale":
        good = _sides(_listed(q), _positive(q))[0]
        notes.append("Échelle ordonnée ; réponses favorables : "
                     f"{takeaways.joined([takeaways.quoted(o) for o in good], 'et')}.")
    if q["qtype"] == "multiple":
        notes.append("Plusieurs réponses possibles : les parts ne s'additionnent pas à 100 %.")
    if q["qtype"] not in ("scale", "yesno"):
        notes.append("Parts calculées sur les personnes ayant répondu à la question.")
    headline = _headline(q, totals)

    def rows_of(answers: list[str]) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(data["Réponse"].isin(answers).to_numpy()))

    card = _choice_card(q, key, totals, n, rows_of)
    if group:
        per_group = data.assign(hit=data["Réponse"].isin(headline)).groupby(group)
        k = per_group.apply(lambda g: int(g.loc[g["hit"], RESPONDENTS].sum()),
                            include_groups=False)
        size = rows[answered].set_index("grp")["n"]
        stats = [(str(g), int(k.get(g, 0)), int(size.get(g, 0))) for g in size.index]
        row_order = [g for g, _, _ in sorted(
            stats, key=lambda s: (-(s[1] / s[2]) if s[2] else 0.0, -s[2], s[0]))]
        columns = order or [a for a, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
        chart = charts.heat_table(data, group, "Réponse", SHARE, RESPONDENTS,
                                  row_order=row_order, column_order=columns, row_title=group,
                                  low=LOW, high=HIGH)
        what = takeaways.joined([takeaways.quoted(a) for a in headline], "ou")
        # the card states each answer's total over the groups: a margin the suppression
        # protects (below), so its numbers need no cell of their own
        card = dataclasses.replace(card, rows=(), groups=takeaways.difference(
            stats, what, group.lower()), group_rows=rows_of(headline))
        notes.append(f"Une ligne par {group.lower()}, triées par part de {what}.")
    else:
        chart = charts.share_bars(data, "Réponse", SHARE, RESPONDENTS, category_title="Réponse",
                                  sort=order or "-x", colors=colors, low=LOW, high=HIGH)
    # What a reader can add up: the n (single choice and scales: the counts sum to it), and
    # with a breakdown each group's respondents (a shown count over its share gives it).
    margins: tuple[Margin, ...] = ()  # several answers each: the counts add up to nothing
    if q["qtype"] != "multiple":
        margins = (Margin((group,)),) if group else (Margin(),)
    if group:  # and the card's totals of each answer over the groups
        margins += (Margin(("Réponse",)),)
    fig = charts.figure(key, _title(q), chart, data, n, "répondants à la question", source,
                        " ".join(notes), count_columns=(RESPONDENTS,), sensitive=True,
                        margins=margins, takeaway=card.takeaway, brand=brand)
    return fig, card


def _number_figure(q: Mapping[str, Any], rows: pd.DataFrame, stats: pd.DataFrame,
                   source: str, brand: Brand) -> tuple[charts.Figure, Card]:
    data = pd.DataFrame({"De": rows["bin_start"], "À": rows["bin_end"],
                         RESPONDENTS: rows["n"].astype(int)}).reset_index(drop=True)
    chart = charts.histogram(data, "De", "À", RESPONDENTS, value_title="Réponse",
                             count_title=RESPONDENTS, value_format=",.0f")
    key = _key(q["question_id"], q["position"])
    if len(stats):
        s = stats.iloc[0]
        value, what, text = takeaways.number(int(s["n"]), float(s["q1"]), float(s["median"]),
                                             float(s["q3"]), float(s["lo"]), float(s["hi"]),
                                             int(s["n_lo"]), int(s["n_hi"]))
    else:
        value, what, text = "", "", takeaways.too_few(0)
    fig = charts.figure(key, _title(q), chart, data, int(data[RESPONDENTS].sum()),
                        "répondants à la question", source, COMPLETE_ONLY,
                        count_columns=(RESPONDENTS,), sensitive=True, takeaway=text,
                        brand=brand)
    return fig, Card(key, _label(q), value, what, text)


def _free_text(q: Mapping[str, Any], wordings: pd.DataFrame, pairs: pd.DataFrame,
               source: str) -> Table:
    """A free-text question for staff: identical and near-identical answers merged, counted."""
    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[tuple[str, str, int]]] = {}
    for key, value, n in zip(wordings["key"], wordings["value"], wordings["n"], strict=True):
        groups.setdefault(root(str(key)) if key else f"\x00{value}", []).append(
            (str(key), str(value), int(n)))
    rows = []
    for found in groups.values():
        # shown as the most written wording of the most written key (capitalised on a tie)
        per_key: dict[str, int] = {}
        for key, _, n in found:
            per_key[key] = per_key.get(key, 0) + n
        best = min(per_key, key=lambda k: (-per_key[k], k))
        shown = min((w for w in found if w[0] == best), key=lambda w: (-w[2], w[1]))[1]
        rows.append({"Réponse": shown, "Réponses": sum(n for *_, n in found),
                     "Formulations regroupées": len(found)})
    table = pd.DataFrame(rows, columns=["Réponse", "Réponses", "Formulations regroupées"])
    table = table.sort_values(["Réponses", "Réponse"], ascending=[False, True],
                              ignore_index=True)
    answers = int(table["Réponses"].sum()) if len(table) else 0
    return Table(
        _key(q["question_id"], q["position"]), f"Réponses libres : {_title(q)}", table,
        f"n = {formats.number(answers)} réponses, {formats.number(len(table))} distinctes · "
        f"Source : {source}. Réponses identiques ou presque (casse, accents, ponctuation, "
        "fautes de frappe) regroupées et comptées ; réservé à l'équipe de la fédération.",
        detail=True)


def _by_question(df: pd.DataFrame) -> Callable[[str], pd.DataFrame]:
    """``df``'s rows of one question (an empty frame for none), split once for all of them."""
    rows = df.groupby("question_id", sort=False).indices if len(df) else {}

    def part(qid: str) -> pd.DataFrame:
        found = rows.get(qid, [])
        if len(found) and found[-1] - found[0] == len(found) - 1:  # together: a slice
            return df.iloc[found[0]:found[-1] + 1]
        return df.take(found)

    return part


TYPE_PLURALS = {"MSP": "MSP", "CPTS": "CPTS", "ESP": "ESP", "CDS": "centres de santé"}


def response_rate(survey_id: str, month: object, scope: Scope, federation: Federation,
                  db: DB = None) -> Metric | None:
    """The share of the scope's member teams (membership forms of the survey's year) that at
    least one complete respondent named as their team, among the team types they belong to.

    None when the member base gives no denominator: no month, no respondent naming a member
    team of that year (a survey without a team question, or of non-members only)."""
    if month is None or pd.isna(month):
        return None
    year = pd.Timestamp(month).year
    members = ind.member_teams(year, scope, federation, db)
    named = ind.respondent_teams(survey_id, scope, federation, db)
    if not len(members) or not len(named):
        return None
    keys = {(team_name_key(str(t)), d) for t, d in zip(named["team_name"], named["departement"],
                                                        strict=True)}
    member_keys = [(team_name_key(str(t)), d) for t, d in zip(members["name"],
                                                             members["departement"], strict=True)]
    hit = np.array([k in keys for k in member_keys], dtype=bool)
    if not hit.any():
        return None
    types = sorted(set(members["team_type"][hit]))
    base = members["team_type"].isin(types).to_numpy()
    k, n = int(hit.sum()), int(base.sum())
    kinds = ", ".join(TYPE_PLURALS.get(t, t) for t in types)
    # the help states no count: a masked rate (too few teams) must not be told in its help
    return Metric(
        "Taux de réponse", formats.percent(k / n), None,
        f"Part des équipes adhérentes en {year} du périmètre ({kinds}) dont au moins un "
        "répondant a nommé l'équipe (reconnue par son nom et son département). Source : "
        "formulaires d'adhésion et enquête.", count=k)


def build(scope: Scope, federation: Federation, db: DB = None, survey_id: str | None = None,
          breakdown: str | None = None,
          departement_names: dict[str, str] | None = None,
          published_only: bool = False) -> View:
    """One survey's infographic for the scope's départements (default: the latest survey).

    ``breakdown`` (``departement`` or ``profession``) splits every choice question by it;
    ``published_only``: an unpublished survey is not shown (nor said to exist).
    """
    if national.is_national(db):
        return national.survey(scope, federation, db, survey_id, breakdown, departement_names)
    names = departement_names or {}
    label = scope.label(federation, names)
    breakdown = breakdown if breakdown in ind.BREAKDOWNS else None
    if survey_id is None:
        ids, _, default = choices(scope, federation, db, published_only)
        survey_id = ids[default] if default is not None else None
    meta = ind.survey(survey_id, db) if survey_id else pd.DataFrame()
    if published_only and len(meta) and not bool(meta["published"].iloc[0]):
        meta = meta.iloc[0:0]
    if survey_id is None or not len(meta):
        if published_only:  # the same words for an unknown and an unpublished survey
            empty = ("Aucune infographie publiée à afficher." if survey_id is None else
                     f"Aucune infographie publiée pour « {survey_id} ».")
        else:
            empty = ("Aucune enquête flash à afficher : importez-en une d'abord."
                     if survey_id is None else f"Enquête inconnue : {survey_id}.")
        return View(title="Infographie", scope_label=label, publication="survey",
                    published_only=published_only, empty_message=empty)
    s = meta.iloc[0]
    when = _month(s["month"])
    view = View(title=f"{s['title']} ({when})", scope_label=label, publication="survey",
                published_only=published_only)
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
    rate = response_rate(survey_id, s["month"], scope, federation, db)
    if rate is not None:
        view.metrics.append(rate)
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
    stats = _by_question(ind.number_stats(survey_id, scope, federation, db))
    wordings, pairs = ind.text_keys(survey_id, scope, federation, db)
    words, near = _by_question(wordings), _by_question(pairs)
    for q in qs.to_dict("records"):  # one figure and one card per question
        qid = q["question_id"]
        if q["qtype"] in ind.CHOICE_TYPES:
            fig, card = _choice_figure(q, counts(qid), breakdown, source, names,
                                       federation.brand)
        elif q["qtype"] == "number":
            fig, card = _number_figure(q, bins(qid), stats(qid), source, federation.brand)
        else:
            view.tables.append(_free_text(q, words(qid), near(qid), source))
            continue
        view.figures.append(fig)
        view.cards.append(card)
    if breakdown:
        view.notes.append(f"Questions à choix ventilées par {BREAKDOWN_LABELS[breakdown].lower()} ; "
                          "les petits effectifs sont masqués dans les exports.")
    return view
