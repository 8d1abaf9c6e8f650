"""Projets page: projects followed from first contact to validation, and the map of them.

Readers see the pipeline, the year's validations and a map of the projects counted per
département (« en cours », « validés »), small counts masked: a point at a named commune would
point at one team. Staff also see each project at its commune, named, and its dates.
"""

from __future__ import annotations

import math

import pandas as pd

from observatory import charts, formats, geo
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import projects as ind
from observatory.privacy import GRAND_TOTAL, Margin
from observatory.views import Metric, Table, View
from observatory.vocabulary import PROJECT_TYPES, STAGE_COLORS, STAGE_LABELS, STAGES

SOURCE = "suivi des projets"
SELECTION = "projet_clique"
STAGE = "Étape"
PROJECTS = "Projets"
# The readers' map: two groups of stages, so that fewer counts are too small to show.
IN_PROGRESS, VALIDATED = "En cours", "Validés"
GROUP_OF = {"first_contact": IN_PROGRESS, "awareness": IN_PROGRESS, "filed": IN_PROGRESS,
            "validated": VALIDATED, "aci_signed": VALIDATED}
GROUP_COLORS = {IN_PROGRESS: STAGE_COLORS["awareness"], VALIDATED: STAGE_COLORS["aci_signed"]}
# The two groups of a département side by side around its point: a share of the width of the
# federation, so that they stay apart in a half-width column.
GROUP_SIDE = {IN_PROGRESS: -1, VALIDATED: 1}
GROUP_SPACING = 0.045
STAGE_COLUMNS = {s: STAGE_LABELS[s] for s in STAGES}
ID = "N°"
LIST_KEY = "projets_suivis"
END_NOTE = "Étape atteinte au 31 décembre (la dernière franchie)."


def _types_text(scope: Scope) -> str:
    return scope.team_type or "/".join(PROJECT_TYPES)


def map_years(scope: Scope, federation: Federation, db: DB = None) -> list[int]:
    """The years the map's slider offers: from the first stage dated to the last (or the
    scope's year, when later)."""
    span = ind.year_span(federation, db)
    if span is None:
        return []
    last = max(span[1], scope.year or span[1])
    return list(range(span[0], last + 1))


def _long(df: pd.DataFrame, years_as_text: bool = True) -> pd.DataFrame:
    return pd.DataFrame({
        "Année": df["year"].astype(int).astype(str) if years_as_text else df["year"],
        STAGE: df["stage"].map(STAGE_LABELS), PROJECTS: df["projects"].astype(int)})


def _share_count(found: dict) -> int:
    """What the share of validated files counts: its validated files, or all its files when
    none was validated (« 0 % » of one file would say that file was not)."""
    validated, files = found["accompanied_validated"], found["accompanied_files"]
    return validated if validated else files


def _metrics(scope: Scope, federation: Federation, year: int, db: DB) -> list[Metric]:
    found = ind.year_figures(Scope(year, scope.territory, scope.departement, scope.team_type),
                             federation, db)
    types = _types_text(scope)
    share = found["accompanied_validated_share"]
    months = found["median_months_to_validation"]
    return [
        Metric(f"Projets validés en {year}", formats.number(found["projects_validated"]),
               help=f"Projets {types} dont le projet de santé a été validé par l'ARS en {year}. "
                    f"Source : {SOURCE}.", count=found["projects_validated"]),
        Metric("Dossiers accompagnés validés", formats.number(found["accompanied_validated"]),
               help=f"Dossiers {types} accompagnés par la fédération et déposés en {year} (date "
                    "de dépôt, à défaut de validation) qui ont été validés par l'ARS.",
               count=found["accompanied_validated"]),
        Metric("Part des dossiers validés",
               "–" if share is None else formats.percent(share, 1),
               help=f"Dossiers accompagnés par la fédération déposés en {year} et validés, sur "
                    "tous les dossiers accompagnés déposés cette année-là (les dossiers encore en attente "
                    "comptent comme non validés).", count=_share_count(found)),
        Metric("Délai médian de validation",
               "–" if months is None else f"{formats.number(months)}\u00a0mois",
               help=f"Médiane, sur les projets {types} validés en {year} dont le premier contact "
                    "est daté, du temps écoulé du premier contact à la validation par l'ARS.",
               count=found["validations_with_contact"]),
        Metric(f"Projets suivis fin {year}", formats.number(found["projects_followed"]),
               help=f"Projets ayant franchi au moins une étape au 31 décembre {year}, tous "
                    "types (sauf filtre).", count=found["projects_followed"]),
    ]


def _pipeline_figures(scope: Scope, federation: Federation, year: int,
                      db: DB) -> list[charts.Figure]:
    """Projects at each stage at the end of each year, and entering each stage each year."""
    colors = {STAGE_LABELS[s]: STAGE_COLORS[s] for s in STAGES}
    pipe = _long(ind.pipeline(scope, federation, db, until=year))
    chart = charts.columns(pipe, "Année", PROJECTS, x_title="Année", value_title="Projets",
                           color=STAGE, colors=colors)
    at_end = int(pipe.loc[pipe["Année"] == str(year), PROJECTS].sum())
    pipeline = charts.figure(
        "projets_etapes_fin_annee", "Projets à chaque étape en fin d'année", chart, pipe, at_end,
        "projets", SOURCE, f"n : projets suivis fin {year}. {END_NOTE} Toutes les années ; les "
        "autres filtres s'appliquent.", count_columns=(PROJECTS,),
        margins=(Margin(by=("Année",)),))
    entries = _long(ind.entering(scope, federation, db, until=year))
    chart = charts.columns(entries, "Année", PROJECTS, x_title="Année", value_title="Projets",
                           color=STAGE, offset=True, colors=colors)
    entered = int(entries.loc[entries["Année"] == str(year), PROJECTS].sum())
    entering = charts.figure(
        "projets_entrees_etape", "Projets entrant dans chaque étape, par année", chart, entries,
        entered, f"étapes franchies en {year}", SOURCE,
        "Une barre par étape : les projets l'ayant franchie dans l'année. Toutes les années ; "
        "les autres filtres s'appliquent.", count_columns=(PROJECTS,),
        margins=(Margin(by=("Année",)),))
    return [pipeline, entering]


def _shapes(federation: Federation) -> str:
    return geo.departement_topojson(frozenset(federation.departements))


def _departement_map(scope: Scope, federation: Federation, year: int, names: dict[str, str],
                     db: DB) -> charts.Figure:
    """Projects per département and group of stages at the end of ``year``: what readers see."""
    cells = ind.by_departement(scope, federation, year, db)
    cells["group"] = cells["stage"].map(GROUP_OF)
    grouped = cells.groupby(["departement", "group"], as_index=False, sort=False)["projects"].sum()
    points = geo.departements().set_index("code")
    lon = points.loc[list(federation.departements), "lon"]
    offset = GROUP_SPACING * (float(lon.max() - lon.min()) + 1)
    data = pd.DataFrame({
        "Code": grouped["departement"],
        "Département": grouped["departement"].map(lambda c: names.get(c, c)),
        STAGE: grouped["group"], PROJECTS: grouped["projects"].astype(int)})
    drawn = data.assign(
        lon=[points.at[c, "lon"] + offset * GROUP_SIDE[g]
             for c, g in zip(data["Code"], data[STAGE], strict=True)],
        lat=[points.at[c, "lat"] for c in data["Code"]])
    chart = charts.points_map(
        _shapes(federation), drawn, color=STAGE, colors=GROUP_COLORS, color_title=STAGE,
        tooltip=[("Département", "Département"), (STAGE, STAGE), (PROJECTS, PROJECTS)],
        size=PROJECTS, label=PROJECTS)
    return charts.figure(
        "carte_projets_departements", f"Projets par département, fin {year}", chart, data,
        int(data[PROJECTS].sum()), "projets", SOURCE,
        f"{END_NOTE} En cours : premier contact, sensibilisation ou projet déposé ; validés : "
        "projet validé par l'ARS, ACI signé ou non.", count_columns=(PROJECTS,),
        margins=(*GRAND_TOTAL, Margin(by=(STAGE,))))


def _spread(points: pd.DataFrame) -> pd.DataFrame:
    """Projects of one commune spread on a small spiral around its point (same every time)."""
    rank = points.groupby("commune").cumcount().to_numpy()
    angle = rank * 2.39996  # the golden angle: no two projects of a commune overlap
    radius = 0.012 * rank ** 0.5
    return points.assign(lon=points["lon"] + radius * [math.cos(a) for a in angle],
                         lat=points["lat"] + radius * [math.sin(a) for a in angle])


def _project_list(scope: Scope, federation: Federation, year: int, names: dict[str, str],
                  db: DB) -> pd.DataFrame:
    """Each project in the pipeline at the end of ``year``, as staff read it."""
    found = ind.projects_at(scope, federation, year, db)
    communes = geo.commune_points(found["commune"].dropna()).set_index("code")
    out = pd.DataFrame({
        ID: found["project_id"].astype(int), "Projet": found["name"],
        "Type": found["team_type"],
        "Département": found["departement"].map(lambda c: f"{names.get(c, c)} ({c})"),
        "Commune": found["commune"].map(lambda c: communes.at[c, "name"]
                                        if isinstance(c, str) and c in communes.index else "–"),
        "Accompagné": found["accompanied"].map({True: "Oui", False: "Non"}).fillna("–"),
        f"Étape fin {year}": found["stage"].map(STAGE_LABELS),
        **{label: pd.to_datetime(found[s]).map(formats.day) for s, label in STAGE_COLUMNS.items()},
        "Adhérente": found["member"].map({True: "Oui", False: "Non"}),
    })
    out["lon"] = found["commune"].map(lambda c: communes.at[c, "lon"]
                                      if isinstance(c, str) and c in communes.index else None)
    out["lat"] = found["commune"].map(lambda c: communes.at[c, "lat"]
                                      if isinstance(c, str) and c in communes.index else None)
    out["commune"] = found["commune"]
    return out


def _project_map(listed: pd.DataFrame, federation: Federation, year: int) -> charts.Figure:
    """Each project at its commune, coloured by its stage at the end of ``year`` (staff)."""
    stage = f"Étape fin {year}"
    placed = _spread(listed.dropna(subset=["lon", "lat"]))
    colors = {STAGE_LABELS[s]: STAGE_COLORS[s] for s in STAGES}
    drawn = placed.rename(columns={stage: STAGE})[
        [ID, "Projet", "Type", "Commune", "Accompagné", STAGE, "lon", "lat"]]
    chart = charts.points_map(
        _shapes(federation), drawn, color=STAGE, colors=colors, color_title=STAGE,
        tooltip=[("Projet", "Projet"), ("Type", "Type"), ("Commune", "Commune"),
                 (STAGE, STAGE), ("Accompagné", "Accompagné par la fédération")],
        selection=SELECTION, key=ID)
    missing = len(listed) - len(placed)
    notes = END_NOTE + " Un clic sur un projet affiche ses dates."
    if missing:
        notes += f" {missing} projet(s) sans commune ne sont pas sur la carte."
    data = placed[[ID, "Projet", "Type", "Département", "Commune", "Accompagné", stage,
                   "lon", "lat"]].assign(**{PROJECTS: 1}).reset_index(drop=True)
    fig = charts.figure("carte_projets", f"Carte des projets, fin {year}", chart, data,
                        len(placed), "projets placés", SOURCE, notes)
    fig.detail = True
    return fig


def build(scope: Scope, federation: Federation, db: DB = None,
          departement_names: dict[str, str] | None = None, map_year: int | None = None) -> View:
    """The pipeline, the year's validations and the map of the projects at ``map_year``."""
    deps = geo.departements()
    names = departement_names or dict(zip(deps["code"], deps["name"], strict=True))
    label = scope.label(federation, names)
    view = View(title="Projets", scope_label=label)
    years = map_years(scope, federation, db)
    if not years:
        view.empty_message = ("Aucun projet suivi pour l'instant : importez le suivi des projets "
                              "(page « Importer des données », type « Suivi des projets »).")
        return view
    year = scope.year if scope.year is not None else years[-1]
    shown = map_year if map_year in years else year
    if not ind.year_figures(Scope(None, scope.territory, scope.departement, scope.team_type),
                            federation, db)["projects_followed"]:
        view.empty_message = f"Aucun projet suivi pour {label}."
        return view
    view.metrics = _metrics(scope, federation, year, db)
    view.figures = _pipeline_figures(scope, federation, year, db)
    view.figures.append(_departement_map(scope, federation, shown, names, db))
    listed = _project_list(scope, federation, shown, names, db)
    view.figures.append(_project_map(listed, federation, shown))
    view.tables.append(Table(
        LIST_KEY, f"Projets suivis fin {shown}",
        listed.drop(columns=["lon", "lat", "commune"]).reset_index(drop=True),
        f"Source : {SOURCE}. {END_NOTE}", detail=True))
    return view


def clicked(view: View, project_id: object) -> Table | None:
    """The dates of the project clicked on the map (staff: from the list of projects)."""
    listed = next((t for t in view.tables if t.key == LIST_KEY), None)
    if listed is None or project_id is None:
        return None
    row = listed.data[listed.data[ID] == project_id]
    if row.empty:
        return None
    one = row.iloc[0]
    dates = pd.DataFrame({STAGE: list(STAGE_COLUMNS.values()),
                          "Date": [one[label] for label in STAGE_COLUMNS.values()]})
    return Table("projet_choisi", f"{one['Projet']} ({one['Type']}, {one['Commune']})", dates,
                 f"Accompagné par la fédération : {one['Accompagné']}. Source : {SOURCE}.",
                 detail=True)
