"""Capitalisation: the fiches of remarkable actions, searchable by text and theme."""

from __future__ import annotations

import pandas as pd

from observatory import charts, formats
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import capitalisation as ind
from observatory.views import Metric, Table, View

SOURCE = "fiches de capitalisation"
# Cards drawn under the table: past a few dozen they cost more to draw than they help (the
# table above lists every fiche, and a search narrows them down).
CARDS_SHOWN = 50
# Columns of the fiches table, in order; the page shows each fiche from the same rows.
COLUMNS = ("Titre", "Équipe", "Département", "Thème", "Année", "Résumé", "Description")


def themes(scope: Scope, federation: Federation, db: DB = None) -> list[str]:
    """The themes the page's theme picker offers."""
    return ind.themes(scope, federation, db)


def build(scope: Scope, federation: Federation, db: DB = None, query: str = "",
          theme: str | None = None, departement_names: dict[str, str] | None = None) -> View:
    """Fiches of the scope's départements matching ``query`` and ``theme``.

    User text (titles, summaries, bodies) is data: the page shows it as plain text.
    """
    label = scope.label(federation, departement_names or {})
    view = View(title="Capitalisation", scope_label=label)
    total = ind.fiche_count(scope, federation, db)
    if not total:
        view.empty_message = f"Aucune fiche de capitalisation pour {label}."
        return view
    df = ind.fiches(scope, federation, db, query=query, theme=theme)
    view.metrics = [
        Metric("Fiches trouvées", formats.number(len(df)), None,
               "Fiches répondant à la recherche et au thème choisis."),
        Metric("Fiches du périmètre", formats.number(total), None,
               "Toutes années ; filtre : départements du périmètre."),
        Metric("Équipes", formats.number(df["team_name"].nunique()), None,
               "Équipes ayant rédigé les fiches trouvées."),
    ]
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
        "Résumé": df["summary"].fillna(""),
        "Description": df["body"].fillna(""),
    })[list(COLUMNS)]
    themes_df = ind.by_theme(scope, federation, db, query=query, theme=theme)
    by_theme = pd.DataFrame({"Thème": themes_df["theme"], "Fiches": themes_df["fiches"]})
    chart = charts.bars(by_theme, "Thème", "Fiches", category_title="Thème",
                        value_title="Fiches")
    view.figures.append(charts.figure("fiches_par_theme", "Fiches par thème", chart,
                                      by_theme, len(table), "fiches", SOURCE,
                                      brand=federation.brand))
    view.tables.append(Table("fiches", "Fiches de capitalisation", table,
                             f"Source : {SOURCE}. Texte brut, tel que saisi par les équipes.",
                             # a fiche tells what one team did, by name: staff only
                             detail=True))
    return view


def cards(view: View) -> list[dict[str, str]]:
    """Each fiche of a built view as plain strings: title, meta line, summary, body."""
    if not view.tables:
        return []
    df = view.tables[0].data
    year = df["Année"].astype("string").fillna("")
    # column by column, not pandas' row-wise apply: this runs on every rerun, warm ones too
    return [{"title": t, "meta": " · ".join(v for v in meta if v), "summary": s, "body": b}
            for t, *meta, s, b in zip(df["Titre"], df["Équipe"], df["Département"], df["Thème"],
                                      year, df["Résumé"], df["Description"], strict=True)]
