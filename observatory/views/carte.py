"""The map page: a choropleth of the federation's départements for the indicator chosen."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from observatory import charts, formats, geo, indicators, privacy
from observatory.charts import Figure
from observatory.config import Federation, get_federation
from observatory.filters import Scope
from observatory.indicators import national as ind_national
from observatory.indicators import population
from observatory.privacy import Margin
from observatory.views import Table, View, national
from observatory.vocabulary import status_label

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


POPULATION_SOURCE = "formulaires d'adhésion ; INSEE, populations municipales des communes"
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
    "existing_per_100k": MapIndicator("Équipes existantes pour 100 000 habitants",
                                      "existing_per_100k", "décompte ou liste de référence ; "
                                      "INSEE, populations municipales", ",.1f"),
    "population_covered": MapIndicator(
        "Part de la population vivant dans une commune avec une MSP ou un centre de santé "
        "adhérent", "population_covered", POPULATION_SOURCE, ".0%"),
    "population_covered_all": MapIndicator(
        "Part de la population vivant dans une commune avec une MSP ou un centre de santé",
        "population_covered_all", "liste de référence ; " + POPULATION_SOURCE, ".0%"),
    "population_member_cpts": MapIndicator(
        "Part de la population sur le territoire d'une CPTS adhérente", "population_member_cpts",
        "liste de référence (communes des CPTS) ; " + POPULATION_SOURCE, ".0%"),
}
# The rates whose numerator and denominator the scope's total is the ratio of the sums of.
RATES = {"per_100k": ("adherent_teams", "population", 100_000),
         "existing_per_100k": ("reference_teams", "population", 100_000),
         "coverage": ("reference_members", "reference_teams", 1),
         "population_covered": ("covered_members", "communes_population", 1),
         "population_covered_all": ("covered_existing", "communes_population", 1),
         "population_member_cpts": ("covered_member_cpts", "communes_population", 1)}
# Why a rate cannot be computed: what it needs that the store does not hold.
MISSING = {"coverage": "sans décompte de référence",
           "existing_per_100k": "sans décompte ni liste de référence",
           "population_covered_all": "sans liste des équipes existantes",
           "population_member_cpts": "sans communes des CPTS dans la liste de référence",
           "population_covered": "pour ce type d'équipe (les MSP et centres de santé "
                                 "couvrent la population de leur commune)"}


@functools.cache
def territory_borders(federation_id: str, insets: bool = False) -> dict[str, Any]:
    """Outlines of the federation's territories (unions of départements), computed once;
    ``insets``: on the map whose overseas départements are drawn beside the mainland."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    federation = get_federation(federation_id)
    shapes = (geo.inset_shapes(frozenset(federation.departements)) if insets
              else geo.departement_shapes(federation.departements))
    by_code = {f["properties"]["code"]: shape(f["geometry"]) for f in shapes["features"]}
    features = []
    for name, codes in federation.territories.items():
        outline = unary_union([by_code[c] for c in codes if c in by_code]).boundary
        features.append({"type": "Feature", "properties": {"territory": name},
                         "geometry": mapping(outline.simplify(0.002))})
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def _borders_topojson(federation_id: str, insets: bool = False) -> str:
    return geo.topojson(territory_borders(federation_id, insets)["features"], "territories")


def _values(scope: Scope, federation: Federation, db: indicators.DB) -> pd.DataFrame:
    whole = Scope(year=scope.year, team_type=scope.team_type)  # the map always shows the region
    df = indicators.by_departement(whole, federation, db)
    df["per_100k"] = (df["adherent_teams"] / df["population"].astype(float) * 100_000).round(1)
    ref = df["reference_teams"].astype(float)
    # members of the types the reference counts, over that count (no ESP against MSP counts)
    df["coverage"] = (df["reference_members"] / ref).where(ref > 0)
    df["existing_per_100k"] = (ref / df["population"].astype(float) * 100_000).round(1)
    covered = population.coverage(whole, federation, db)
    shares = covered.by_departement.rename(columns={
        "population": "communes_population", "members": "covered_members",
        "existing": "covered_existing", "member_cpts": "covered_member_cpts",
        "cpts": "covered_cpts"})
    df = df.merge(shares, on="departement", how="left")
    for column, needed in (("population_covered", "covered_members"),
                           ("population_covered_all", "covered_existing"),
                           ("population_member_cpts", "covered_member_cpts")):
        known = covered.share(needed.removeprefix("covered_")) is not None
        df[column] = (df[needed] / df["communes_population"]).where(
            known & (df["communes_population"] > 0))
    df["territory"] = [federation.territory_of(c) or "" for c in df["departement"]]
    df["in_scope"] = df["departement"].isin(scope.departements(federation))
    if "federation_name" in df.columns:  # a national store: each region with its federation
        df["region"] = [f"{r} ({f})" if isinstance(f, str) else f"{r} (aucun paquet)"
                        for r, f in zip(df["region_name"], df["federation_name"], strict=True)]
    return df


def map_chart(df: pd.DataFrame, federation: Federation, ind: MapIndicator, title: str,
              caption: str, *, insets: bool = False) -> charts.Spec:
    """Choropleth of ``ind`` with the values joined in the spec (not repeated per feature).

    ``insets``: the overseas départements drawn in boxes beside the mainland (France's map);
    a ``region`` column of ``df`` shows in the tooltip."""
    extra = ["aci_teams"] if ind.column == "aci_total_eur" else []
    extra += ["region"] if "region" in df.columns else []
    values = df[["departement", "name", ind.column, "in_scope", *extra]].rename(
        columns={ind.column: "value"})
    codes = frozenset(federation.departements)
    deps = geo.label_points(insets)
    labels = df.merge(deps, left_on="departement", right_on="code")
    labels = labels[["departement", "lon", "lat", ind.column, "in_scope",
                     *(c for c in extra if c != "region")]].rename(columns={ind.column: "v"})
    chart = charts.choropleth(
        geo.france_topojson(codes) if insets else geo.departement_topojson(codes), values,
        labels, label=ind.label, fmt=ind.fmt, selection=SELECTION,
        borders=_borders_topojson(federation.id, insets) if federation.territories else None,
        partial=not bool(df["in_scope"].all()),
        insets=geo.inset_frames_topojson(codes) if insets else None, brand=federation.brand)
    return charts.titled(chart, title, caption, federation.brand)


def _rate(rows: pd.DataFrame, column: str) -> float | None:
    """A rate over ``rows``: the ratio of the sums of its numerator and denominator."""
    numerator, denominator, per = RATES[column]
    if not rows[column].notna().any():
        return None
    rows = rows[rows[numerator].notna()]  # a masked département (a national store's) counts for none
    below = float(rows[denominator].sum())
    return float(rows[numerator].sum()) / below * per if below else None


def _scope_value(shown: pd.DataFrame, ind: MapIndicator, every: pd.DataFrame,
                 federation: Federation, year: int | None, team_type: str | None,
                 db: indicators.DB) -> str:
    """The indicator over the whole scope, as the subtitle states it: a total, or a rate (a
    rate per 100,000 inhabitants next to its reference: the federation's, France's).
    Départements without data (a national store's, outside every package) count for none;
    a masked one makes the total masked."""
    shown = shown[shown["federation"].notna()] if "federation" in shown.columns else shown
    if ind.column in RATES:
        rate = _rate(shown, ind.column)
        if rate is None:
            return f"Ensemble : non calculable {MISSING[ind.column]}"
        if ind.fmt == ".0%":
            return f"Ensemble : {formats.percent(rate)}"
        text = f"Ensemble : {formats.number(rate, 1)} pour 100 000 habitants"
        whole = _rate(every, ind.column)
        if len(shown) < len(every) and whole is not None:
            text += f" ({federation.name} : {formats.number(whole, 1)})"
        reference = ind_national.reference(year, team_type, db) \
            if ind.column == "per_100k" else None
        if reference is not None and reference.per_100k is not None:  # a national reference
            text += f" · {reference.label} : {formats.number(reference.per_100k, 1)}"
        return text
    if ind.column in shown.columns and shown[ind.column].isna().any():
        return f"Total : {privacy.MASKED_VALUE} (une valeur au moins est masquée)"
    total = shown[ind.column].sum()
    if ind.column == "aci_total_eur":
        return f"Total : {formats.euros(total)}"
    return f"Total : {formats.number(total)}"


def _points(scope: Scope, federation: Federation, db: indicators.DB
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The teams at their commune over the whole federation (``in_scope`` marks the scope's):
    the list's teams, unnamed (the public registries they come from name them, but not which
    are members), the members named (staff), and the table of them all (staff)."""
    teams = population.located_teams(Scope(year=scope.year, team_type=scope.team_type),
                                     federation, db)
    located = teams.dropna(subset=["commune"])
    points = geo.commune_points(located["commune"]).dropna(subset=["lon", "lat"]).set_index(
        "code")
    located = located[located["commune"].isin(points.index)]
    at = points.loc[located["commune"]]
    frame = pd.DataFrame({
        "lon": at["lon"].to_numpy(), "lat": at["lat"].to_numpy(),
        "Type": located["team_type"].to_numpy(), "Commune": at["name"].to_numpy(),
        "in_scope": located["departement"].isin(scope.departements(federation)).to_numpy(),
        "Équipe": located["name"].to_numpy(),
        "Statut": located["status"].map(status_label).to_numpy(),
        "member": located["member"].to_numpy(), "listed": located["ref_id"].notna().to_numpy(),
        "Département": located["departement"].to_numpy()})
    existing = frame.loc[frame["listed"], ["lon", "lat", "Type", "Commune", "in_scope"]]
    members = frame.loc[frame["member"], ["lon", "lat", "Type", "Commune", "in_scope", "Équipe",
                                           "Statut"]]
    shown = frame[frame["in_scope"]]
    table = pd.DataFrame({
        "Équipe": shown["Équipe"], "Type": shown["Type"],
        "Adhérente": shown["member"].map({True: "Oui", False: "Non"}),
        "Statut": shown["Statut"].where(shown["member"], "—"),
        "Commune": shown["Commune"], "Département": shown["Département"]})
    return existing.reset_index(drop=True), members.reset_index(drop=True), \
        table.sort_values(["Département", "Équipe"]).reset_index(drop=True)


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
    elif ind.fmt == ",.1f":  # a rate per 100,000 inhabitants
        said = f"{formats.number(value, 1)} {unit}"
    else:
        said = f"{unit} de " + (formats.percent(value) if ind.fmt.endswith("%")
                                else formats.euros(value))
    return formats.typography(f"{where} : {said}.")


def build(scope: Scope, federation: Federation, db: indicators.DB = None,
          indicator: str = "adherent_teams", points: bool = False) -> View:
    """The map of the chosen indicator and the table of the same figures; with ``points``,
    the teams at their commune over it.

    The map shows the whole federation, for comparison; its n and total count the scope only,
    and the départements outside the scope are faded."""
    ind = INDICATORS.get(indicator, INDICATORS["adherent_teams"])
    df = _values(scope, federation, db)
    names = dict(zip(df["departement"], df["name"], strict=True))
    label = (national.label(scope, federation, names) if "region" in df.columns
             else scope.label(federation, names))
    view = View(title="Carte des équipes", scope_label=label)
    if indicator == "coverage" and df["reference_teams"].isna().all():
        view.notes.append("Aucun décompte de référence des équipes existantes n'est chargé : "
                          "la part des équipes adhérentes ne peut pas être calculée.")
    elif ind.column in MISSING and ind.column != "coverage" and not df[ind.column].notna().any():
        view.notes.append(f"{ind.label} : non calculable {MISSING[ind.column]}.")
    shown = df[df["in_scope"]]
    if "federation" in df.columns:  # a national store: the départements some package covers
        shown = shown[shown["federation"].notna()]
    facilitation = ind.column in ("facilitations", "facilitated_teams")
    n = int(shown["facilitations" if facilitation else "adherent_teams"].fillna(0).sum())
    n_label = "facilitations" if facilitation else "équipes"
    year = scope.year or ""
    title = f"{ind.label} par département, {year}".strip(", ")
    aci = ind.column == "aci_total_eur"
    columns = ["departement", "name", ind.column] + (["aci_teams"] if aci else [])
    partial = not bool(df["in_scope"].all())
    where = label.split(" · ")[0]
    notes = [_scope_value(shown, ind, df, federation, scope.year, scope.team_type, db)]
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
    fig.chart = map_chart(df, federation, ind, title, fig.caption,
                          insets=bool(set(federation.departements) & set(geo.OVERSEAS)))
    if points:
        existing, members, located = _points(scope, federation, db)
        fig.chart = charts.with_points(fig.chart, existing, members)
        fig.notes = " · ".join(p for p in (fig.notes, POINTS_NOTE if len(existing) else
                                           NO_LIST_POINTS) if p)
        view.tables.append(Table(
            "equipes_localisees", "Équipes localisées", located,
            "Équipes adhérentes (commune de la liste de référence, sinon de leur formulaire) et "
            "autres équipes de la liste de référence.", detail=True))
    fig.takeaway = _lead(shown, ind)
    view.figures.append(fig)
    table = pd.DataFrame({
        "Code": shown["departement"], "Département": shown["name"],
        "Territoire": shown["territory"], "Équipes adhérentes": shown["adherent_teams"],
        "En projet": shown["en_projet"], "Labellisées": shown["labellisee"],
        "Sous ACI": shown["sous_aci"], "Pour 100 000 hab.": shown["per_100k"],
        "Facilitations": shown["facilitations"], "Équipes facilitées": shown["facilitated_teams"],
        "Montant ACI (€)": shown["aci_total_eur"].round(0),
        ACI_TEAMS: shown["aci_teams"],
    })
    if not federation.territories:  # a federation without territories has no such column
        table = table.drop(columns=["Territoire"])
    if "region" in df.columns:  # a national store: the region and its federation
        table = table.drop(columns="Territoire")
        table.insert(2, "Région", shown["region_name"])
        table.insert(3, "Fédération", shown["federation_name"].fillna("aucun paquet"))
        aci_masked = table["Montant ACI (€)"].isna()
        if aci_masked.any():
            table["Montant ACI (€)"] = table["Montant ACI (€)"].astype(object).where(
                ~aci_masked, privacy.MASKED_VALUE)
    # columns a reference gives, where it gives them for every département shown
    for column, source in (("Équipes existantes", "reference_teams"),
                           ("Part de la population couverte par une adhérente",
                            "population_covered"),
                           ("Part de la population couverte par une équipe existante",
                            "population_covered_all")):
        if len(shown) and shown[source].notna().all():
            table[column] = shown[source]
    rate = _rate(df, "per_100k")
    whole = (f" Pour 100 000 habitants, {federation.name} : {formats.number(rate, 1)}."
             if rate is not None else "")
    view.tables.insert(0, Table(
        "carte_table", "Chiffres par département", table,
        f"Sources : formulaires d'adhésion, journal des facilitations {year}; population : INSEE "
        "(populations municipales) ; couverture : communes ayant une MSP ou un centre de santé."
        + whole, count_columns=(ACI_TEAMS,)))
    return view


POINTS_NOTE = ("Points : les équipes de la liste de référence à leur commune (une équipe "
               "adhérente n'y est pas distinguée pour les lecteurs : dans une petite commune, ce "
               "serait la nommer)")
NO_LIST_POINTS = ("Sans liste des équipes existantes chargée, seule l'équipe de la fédération "
                  "voit les équipes adhérentes sur la carte")
