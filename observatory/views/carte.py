"""The map page: a choropleth of the federation's départements for the indicator chosen."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from observatory import charts, formats, geo, indicators
from observatory.charts import Figure
from observatory.config import Federation, get_federation
from observatory.filters import Scope
from observatory.privacy import Margin
from observatory.views import Table, View

SELECTION = "departement_clique"
# How many teams an ACI amount sums: a département's total of one or two teams is their amounts,
# masked for readers and in exports like any small count.
ACI_TEAMS = "Équipes ayant déclaré un montant ACI"


@dataclass(frozen=True)
class MapIndicator:
    label: str
    column: str
    source: str
    fmt: str = ",d"


INDICATORS: dict[str, MapIndicator] = {
    "adherent_teams": MapIndicator("Équipes adhérentes", "adherent_teams", "formulaires d'adhésion"),
    "en_projet": MapIndicator("Équipes adhérentes en projet", "en_projet", "formulaires d'adhésion"),
    "labellisee": MapIndicator("Équipes adhérentes labellisées", "labellisee",
                               "formulaires d'adhésion"),
    "sous_aci": MapIndicator("Équipes adhérentes sous ACI", "sous_aci", "formulaires d'adhésion"),
    "per_100k": MapIndicator("Équipes adhérentes pour 100 000 habitants", "per_100k",
                             "formulaires d'adhésion ; INSEE, populations municipales", ",.1f"),
    "facilitations": MapIndicator("Facilitations", "facilitations", "journal des facilitations"),
    "facilitated_teams": MapIndicator("Équipes facilitées (uniques)", "facilitated_teams",
                                      "journal des facilitations"),
    "aci_total_eur": MapIndicator("Montant ACI déclaré (€)", "aci_total_eur",
                                  "formulaires d'adhésion", ",.0f"),
    "coverage": MapIndicator("Part des équipes existantes adhérentes", "coverage",
                             "formulaires d'adhésion ; décompte de référence", ".0%"),
}


@functools.cache
def territory_borders(federation_id: str) -> dict[str, Any]:
    """Outlines of the federation's territories (unions of départements), computed once."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    federation = get_federation(federation_id)
    shapes = geo.departement_shapes(federation.departements)
    by_code = {f["properties"]["code"]: shape(f["geometry"]) for f in shapes["features"]}
    features = []
    for name, codes in federation.territories.items():
        outline = unary_union([by_code[c] for c in codes if c in by_code]).boundary
        features.append({"type": "Feature", "properties": {"territory": name},
                         "geometry": mapping(outline.simplify(0.002))})
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def _borders_topojson(federation_id: str) -> str:
    return geo.topojson(territory_borders(federation_id)["features"], "territories")


def _values(scope: Scope, federation: Federation, db: indicators.DB) -> pd.DataFrame:
    whole = Scope(year=scope.year, team_type=scope.team_type)  # the map always shows the region
    df = indicators.by_departement(whole, federation, db)
    df["per_100k"] = (df["adherent_teams"] / df["population"].astype(float) * 100_000).round(1)
    ref = df["reference_teams"].astype(float)
    # members of the types the reference counts, over that count (no ESP against MSP counts)
    df["coverage"] = (df["reference_members"] / ref).where(ref > 0)
    df["territory"] = [federation.territory_of(c) or "" for c in df["departement"]]
    df["in_scope"] = df["departement"].isin(scope.departements(federation))
    return df


def map_chart(df: pd.DataFrame, federation: Federation, ind: MapIndicator, title: str,
              caption: str) -> charts.Spec:
    """Choropleth of ``ind`` with the values joined in the spec (not repeated per feature)."""
    extra = ["aci_teams"] if ind.column == "aci_total_eur" else []
    values = df[["departement", "name", ind.column, "in_scope", *extra]].rename(
        columns={ind.column: "value"})
    deps = geo.departements()
    labels = df.merge(deps[["code", "lon", "lat"]], left_on="departement", right_on="code")
    labels = labels[["departement", "lon", "lat", ind.column, "in_scope", *extra]].rename(
        columns={ind.column: "v"})
    chart = charts.choropleth(
        geo.departement_topojson(frozenset(federation.departements)), values, labels,
        label=ind.label, fmt=ind.fmt, selection=SELECTION,
        borders=_borders_topojson(federation.id) if federation.territories else None,
        partial=not bool(df["in_scope"].all()), brand=federation.brand)
    return charts.titled(chart, title, caption, federation.brand)


def _scope_value(shown: pd.DataFrame, ind: MapIndicator) -> str:
    """The indicator over the whole scope, as the subtitle states it: a total, or a rate."""
    if ind.column == "per_100k":
        population = float(shown["population"].sum())
        rate = shown["adherent_teams"].sum() / population * 100_000 if population else None
        return f"Ensemble : {formats.number(rate, 1)} pour 100 000 habitants"
    if ind.column == "coverage":
        ref = shown["reference_teams"].sum()
        if not shown["reference_teams"].notna().any() or not ref:
            return "Ensemble : non calculable sans décompte de référence"
        return f"Ensemble : {formats.percent(shown['reference_members'].sum() / ref)}"
    total = shown[ind.column].sum()
    if ind.column == "aci_total_eur":
        return f"Total : {formats.euros(total)}"
    return f"Total : {formats.number(total)}"


def _lead(shown: pd.DataFrame, ind: MapIndicator) -> str:
    """The département where the indicator is highest: « Isère (38) en tête : 40 »."""
    values = shown[ind.column].astype(float)
    if len(shown) < 2 or not values.notna().any() or not values.max():
        return ""
    top = values.idxmax()
    value = values[top]
    where = f"{shown.loc[top, 'name']} ({shown.loc[top, 'departement']}) en tête"
    unit = charts.unit_of(ind.label)
    if ind.fmt == ",d":
        said = charts.counted(value, unit)
    elif ind.column == "per_100k":
        said = f"{formats.number(value, 1)} {unit}"
    else:
        said = f"{unit} de " + (formats.percent(value) if ind.fmt.endswith("%")
                                else formats.euros(value))
    return formats.typography(f"{where} : {said}.")


def build(scope: Scope, federation: Federation, db: indicators.DB = None,
          indicator: str = "adherent_teams") -> View:
    """The map of the chosen indicator and the table of the same figures.

    The map shows the whole federation, for comparison; its n and total count the scope only,
    and the départements outside the scope are faded."""
    ind = INDICATORS.get(indicator, INDICATORS["adherent_teams"])
    df = _values(scope, federation, db)
    label = scope.label(federation, dict(zip(df["departement"], df["name"], strict=True)))
    view = View(title="Carte des équipes", scope_label=label)
    if indicator == "coverage" and df["reference_teams"].isna().all():
        view.notes.append("Aucun décompte de référence des équipes existantes n'est chargé : "
                          "la part des équipes adhérentes ne peut pas être calculée.")
    shown = df[df["in_scope"]]
    facilitation = ind.column in ("facilitations", "facilitated_teams")
    n = int(shown["facilitations" if facilitation else "adherent_teams"].sum())
    n_label = "facilitations" if facilitation else "équipes"
    year = scope.year or ""
    title = f"{ind.label} par département, {year}".strip(", ")
    aci = ind.column == "aci_total_eur"
    columns = ["departement", "name", ind.column] + (["aci_teams"] if aci else [])
    partial = not bool(df["in_scope"].all())
    where = label.split(" · ")[0]
    notes = [_scope_value(shown, ind)]
    if partial:  # the n and the total are the scope's, the colours the whole federation's
        notes.insert(0, f"Périmètre : {where}, autres départements estompés")
    # The figure's data (its CSV) is the scope's départements, whose total the subtitle
    # gives; the map's own data is every département's, the scope's among them (``in_scope``).
    fig = Figure("carte", title, None, shown[columns].rename(
        columns={"departement": "Code", "name": "Département", ind.column: ind.label,
                 "aci_teams": ACI_TEAMS}).reset_index(drop=True),
        n, n_label, f"{ind.source} {year}".strip(), " · ".join(notes),
        count_columns=(ACI_TEAMS, "aci_teams") if aci else (),
        margins=(Margin(where="in_scope"),))
    fig.chart = map_chart(df, federation, ind, title, fig.caption)
    fig.takeaway = _lead(shown, ind)
    view.figures.append(fig)
    shown = df[df["in_scope"]]
    table = pd.DataFrame({
        "Code": shown["departement"], "Département": shown["name"],
        "Territoire": shown["territory"], "Équipes adhérentes": shown["adherent_teams"],
        "En projet": shown["en_projet"], "Labellisées": shown["labellisee"],
        "Sous ACI": shown["sous_aci"], "Pour 100 000 hab.": shown["per_100k"],
        "Facilitations": shown["facilitations"], "Équipes facilitées": shown["facilitated_teams"],
        "Montant ACI (€)": shown["aci_total_eur"].round(0),
        ACI_TEAMS: shown["aci_teams"],
    })
    view.tables.append(Table("carte_table", "Chiffres par département", table,
                             f"Sources : formulaires d'adhésion, journal des facilitations {year}; "
                             "population : INSEE (populations municipales).",
                             count_columns=(ACI_TEAMS,)))
    return view
