"""Capitalisation: the fiches of remarkable actions, searchable by text and theme."""

from __future__ import annotations

import pandas as pd

from observatory import charts, formats
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import capitalisation as ind
from observatory.views import Metric, Table, View, national

SOURCE = "fiches de capitalisation"
# Cards drawn under the table: past twenty they cost more to draw than they help (the
# table above lists every fiche, and a search narrows them down).
CARDS_SHOWN = 20
# Columns of the fiches table, in order; the page shows each fiche from the same rows.
COLUMNS = ("Titre", "Équipe", "Département", "Thème", "Année", "Résumé", "Description")
# What the public reads of a published fiche: no team named, no description.
PUBLIC_COLUMNS = ("Titre", "Département", "Thème", "Année", "Résumé")


def themes(scope: Scope, federation: Federation, db: DB = None,
           published_only: bool = False) -> list[str]:
    """The themes the page's theme picker offers."""
    if national.is_national(db):
        return []
    return ind.themes(scope, federation, db, published_only)


def build(scope: Scope, federation: Federation, db: DB = None, query: str = "",
          theme: str | None = None, departement_names: dict[str, str] | None = None,
          published_only: bool = False) -> View:
    """Fiches of the scope's départements matching ``query`` and ``theme``.

    ``published_only``: what the public reads, the published fiches by their public summary
    (no team, no description). User text (titles, summaries, bodies) is data: the page shows it
    as plain text.
    """
    if national.is_national(db):
        return national.team_level("Capitalisation", "les fiches de capitalisation", scope,
                                   federation)
    label = scope.label(federation, departement_names or {})
    view = View(title="Capitalisation", scope_label=label, publication="fiche",
                published_only=published_only)
    total = ind.fiche_count(scope, federation, db, published_only)
    if not total:
        what = "publiée" if published_only else "de capitalisation"
        view.empty_message = f"Aucune fiche {what} pour {label}."
        return view
    df = ind.fiches(scope, federation, db, query=query, theme=theme,
                    published_only=published_only)
    view.metrics = [
        Metric("Fiches trouvées", formats.number(len(df)), None,
               "Fiches répondant à la recherche et au thème choisis."),
        Metric("Fiches publiées" if published_only else "Fiches du périmètre",
               formats.number(total), None, "Toutes années ; filtre : départements du périmètre."),
    ]
    if not published_only:
        view.metrics.append(Metric("Équipes", formats.number(df["team_name"].nunique()), None,
                                   "Équipes ayant rédigé les fiches trouvées."))
    if not len(df):
        searched = [f"« {query.strip()} »"] if query.strip() else []
        if theme:
            searched.append(f"le thème « {theme} »")
        view.empty_message = ("Aucune fiche ne correspond à "
                              f"{' et '.join(searched) or 'ces critères'}.")
        return view
    dep = df["departement"].fillna("")
    table = pd.DataFrame({
        "Titre": df["title"],
        "Équipe": df["team_name"].fillna(""),
        "Département": dep.where(df["departement_name"].isna(),
                                 dep + " – " + df["departement_name"].fillna("")),
        "Thème": df["theme"].fillna(""),
        "Année": df["year"].astype("Int64"),
        "Résumé": df["public_summary" if published_only else "summary"].fillna(""),
        "Description": df["body"].fillna(""),
    })[list(PUBLIC_COLUMNS if published_only else COLUMNS)]
    themes_df = ind.by_theme(scope, federation, db, query=query, theme=theme,
                             published_only=published_only)
    by_theme = pd.DataFrame({"Thème": themes_df["theme"], "Fiches": themes_df["fiches"]})
    chart = charts.bars(by_theme, "Thème", "Fiches", category_title="Thème",
                        value_title="Fiches")
    view.figures.append(charts.figure("fiches_par_theme", "Fiches par thème", chart,
                                      by_theme, len(table), "fiches", SOURCE,
                                      brand=federation.brand))
    if published_only:  # what the federation chose to publish, as it chose to word it
        view.tables.append(Table("fiches_publiees", "Fiches publiées", table,
                                 f"Source : {SOURCE}, résumés publiés par la fédération."))
    else:
        view.tables.append(Table("fiches", "Fiches de capitalisation", table,
                                 f"Source : {SOURCE}. Texte brut, tel que saisi par les équipes.",
                                 # a fiche tells what one team did, by name: staff and
                                 # member teams, whose library it is
                                 detail=True, members=True))
    return view


def cards(view: View) -> list[dict[str, str]]:
    """Each fiche of a built view as plain strings: title, meta line, summary, body (empty for
    the public's fiches, which have no description)."""
    if not view.tables:
        return []
    df = view.tables[0].data
    year = df["Année"].astype("string").fillna("")
    blank = pd.Series([""] * len(df), index=df.index)
    team, body = df.get("Équipe", blank), df.get("Description", blank)
    # column by column, not pandas' row-wise apply: this runs on every rerun, warm ones too
    return [{"title": t, "meta": " · ".join(v for v in meta if v), "summary": s, "body": b}
            for t, *meta, s, b in zip(df["Titre"], team, df["Département"], df["Thème"],
                                      year, df["Résumé"], body, strict=True)]
