"""The département sheet: a two-page A4 PDF to hand to a département's partners.

Page 1: key figures of the year (with the change over one year), the département on the regional
map with its rank among the federation's départements, and the facilitation trend. Page 2: member
teams by status and team type.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import altair as alt
import pandas as pd
from fpdf.enums import XPos, YPos

from observatory import charts, formats, geo, indicators
from observatory.config import Federation
from observatory.exports import images
from observatory.exports.common import ExportContext, today
from observatory.exports.document import GREY, Document
from observatory.filters import Scope
from observatory.indicators import sheets
from observatory.views import access
from observatory.views.home import key_metrics
from observatory.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    STATUSES,
    TEAM_TYPES,
    UNKNOWN_LABEL,
    status_label,
)

log = logging.getLogger(__name__)
OTHER = "#d9d9d9"
SHAPES = "departement_shapes"


def _code(code: str, federation: Federation) -> str:
    normalised = geo.normalise_departement(code)
    if normalised is None or normalised not in federation.departements:
        known = ", ".join(federation.departements)
        raise ValueError(f"Département inconnu pour {federation.name} : « {code} » "
                         f"(départements de la fédération : {known}).")
    return normalised


def map_spec(code: str, federation: Federation, size: int = 330) -> dict[str, Any]:
    """Vega-Lite spec of the federation's départements, ``code`` highlighted, codes as labels.

    The shapes go straight into the spec's datasets: Altair would walk every coordinate.
    """
    features = [
        {**f, "properties": {**f["properties"],
                             "selected": "oui" if f["properties"]["code"] == code else "non"}}
        for f in geo.departement_shapes(federation.departements)["features"]
    ]
    deps = geo.departements()
    labels = deps[deps["code"].isin(federation.departements)][["code", "lon", "lat"]].copy()
    labels["selected"] = (labels["code"] == code).map({True: "oui", False: "non"})
    shapes_layer = alt.Chart(alt.NamedData(name=SHAPES)).mark_geoshape(
        stroke="white", strokeWidth=1.2).encode(
        color=alt.Color("properties.selected:N", legend=None,
                        scale=alt.Scale(domain=["oui", "non"],
                                        range=[federation.brand.primary, OTHER])))
    text = alt.Chart(labels).mark_text(fontSize=13, fontWeight="bold").encode(
        longitude="lon:Q", latitude="lat:Q", text="code:N",
        color=alt.Color("selected:N", legend=None,
                        scale=alt.Scale(domain=["oui", "non"], range=["white", "#333333"])))
    spec = alt.layer(shapes_layer, text).project(type="mercator").properties(
        width=size, height=size).to_dict()
    spec.setdefault("datasets", {})[SHAPES] = features
    return spec


def _rank(per_dep: pd.DataFrame, code: str, column: str) -> tuple[int, int]:
    ranks = per_dep[column].rank(ascending=False, method="min")
    row = per_dep.index[per_dep["departement"] == code]
    return (int(ranks.loc[row[0]]) if len(row) else 0), len(per_dep)


def _ordinal(n: int) -> str:
    return "1er" if n == 1 else f"{n}e"


def _position_lines(code: str, per_dep: pd.DataFrame) -> list[str]:
    row = per_dep[per_dep["departement"] == code].iloc[0]
    lines = []
    population = row["population"]
    if pd.notna(population) and population:
        lines.append(f"Population : {formats.number(int(population))} habitants")
        rate = 100_000 * row["adherent_teams"] / population
        total_pop = per_dep["population"].sum()
        region = 100_000 * per_dep["adherent_teams"].sum() / total_pop if total_pop else None
        text = f"Équipes adhérentes pour 100 000 habitants : {formats.number(rate, 1)}"
        if region is not None:
            text += f" (ensemble de la fédération : {formats.number(region, 1)})"
        lines.append(text)
    for column, label in (("adherent_teams", "équipes adhérentes"),
                          ("facilitations", "facilitations")):
        rank, total = _rank(per_dep, code, column)
        if rank:
            lines.append(f"Rang pour les {label} : {_ordinal(rank)} sur {total} départements")
    return lines


def _trend(code: str, year: int, federation: Federation, db: indicators.DB) -> pd.DataFrame:
    df = sheets.facilitations_per_year(Scope(departement=code), federation, db)
    first = int(df["year"].min()) if len(df) else year
    years = pd.DataFrame({"year": range(min(first, year), year + 1)})
    df = years.merge(df[df["year"] <= year], on="year", how="left").fillna(0)
    return pd.DataFrame({"Année": df["year"].astype(str),
                         "Facilitations": df["facilitations"].astype(int),
                         "Équipes facilitées": df["facilitated_teams"].astype(int)})


def _status(code: str, year: int, federation: Federation, db: indicators.DB) -> pd.DataFrame:
    df = sheets.memberships_by_status(Scope(year=year, departement=code), federation, db)
    df["Statut"] = df["status"].map(status_label)
    return df.rename(columns={"team_type": "Type", "teams": "Équipes"})[
        ["Statut", "Type", "Équipes"]]


def _status_table(df: pd.DataFrame) -> pd.DataFrame:
    pivot = df.pivot_table(index="Statut", columns="Type", values="Équipes", aggfunc="sum",
                           fill_value=0)
    order = [STATUS_LABELS[s] for s in STATUSES] + [UNKNOWN_LABEL]
    pivot = pivot.reindex([s for s in order if s in pivot.index])
    types = [t for t in TEAM_TYPES if t in pivot.columns] + \
        [t for t in pivot.columns if t not in TEAM_TYPES]
    pivot = pivot[types]
    pivot["Total"] = pivot.sum(axis=1)
    out = pivot.reset_index()
    total = {"Statut": "Total", **{c: int(pivot[c].sum()) for c in pivot.columns}}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out.columns.name = None
    return out


def departement_sheet(code: str, year: int, federation: Federation, db: indicators.DB = None,
                      *, export_date: dt.date | None = None, compress: bool = True,
                      unicode_font: bool | None = None) -> bytes:
    """A one-to-two-page PDF about département ``code`` for ``year``."""
    code = _code(code, federation)
    scope = Scope(year=year, departement=code)
    now = indicators.key_figures(scope, federation, db)
    before = indicators.key_figures(scope.previous_year(), federation, db)
    per_dep = indicators.by_departement(Scope(year=year), federation, db)
    name = geo.departement_name(code)
    context = ExportContext(scope.label(federation, {code: name}), federation.name,
                            export_date or today())
    doc = Document(context, footer_title=f"{federation.name} — fiche département",
                   orientation="P", unicode_font=unicode_font, brand=federation.brand)
    brand = federation.brand
    doc.add_page()
    doc.logo(doc.w - doc.r_margin - 52, 10, 11)

    doc.line_text("Fiche département", 10, color=GREY, height=5)
    doc.line_text(f"{name} ({code})", 24, bold=True, color=doc.dark, height=11)
    territory = federation.territory_of(code)
    where = f" · territoire {territory}" if territory else ""
    doc.line_text(f"{federation.name}{where} · année {year} · exportée le {context.date_text}",
                  10, color=GREY, height=5)
    doc.ln(4)

    doc.line_text(f"Chiffres clés {year}", 13, bold=True, color=doc.dark, height=7)
    metrics = key_metrics(now, before, year, indicators.source_years(federation, db))
    doc.metric_boxes(access.protect_metrics(metrics), per_row=3, box_h=27, help_text=False)
    if not (now["adherent_teams"] or now["facilitations"] or now["survey_respondents"]):
        doc.line_text(f"Aucune donnée pour {name} en {year}.", 10, color=GREY)

    doc.line_text("Place dans la région", 13, bold=True, color=doc.dark, height=7)
    top = doc.get_y()
    doc.figure_image(images.chart_png(map_spec(code, federation)), 85, 80, x=doc.l_margin)
    bottom = doc.get_y()
    doc.set_y(top + 6)
    doc.font(10)
    for line in _position_lines(code, per_dep):
        doc.set_x(doc.l_margin + 92)
        doc.multi_cell(doc.epw - 92, 5, doc.t(line), align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        doc.set_y(doc.get_y() + 2)
    doc.set_xy(doc.l_margin, max(bottom, doc.get_y()) + 2)

    trend = _trend(code, year, federation, db)
    doc.line_text("Facilitations par année", 13, bold=True, color=doc.dark, height=7)
    chart = charts.branded(charts.columns(trend, "Année", "Facilitations", x_title="Année",
                                          value_title="Facilitations"), brand
                           ).properties(height=170)
    room = doc.h - doc.b_margin - doc.get_y() - 8
    doc.figure_image(images.chart_png(chart, width=620), doc.epw, max(room, 40))
    doc.line_text(f"Source : journal des facilitations, {trend['Année'].iloc[0]}–{year}. "
                  "Une facilitation compte une fois quel que soit le nombre d'équipes.",
                  8, color=GREY, height=4)

    doc.add_page()
    status = _status(code, year, federation, db)
    doc.line_text(f"Équipes adhérentes par statut, {year}", 13, bold=True, color=doc.dark, height=7)
    if len(status):
        # team types in their colours, as on every page
        chart = charts.branded(charts.bars(status, "Statut", "Équipes", category_title="Statut",
                                           value_title="Équipes adhérentes", color="Type",
                                           color_title="Type d'équipe",
                                           sort=[STATUS_LABELS[s] for s in STATUSES]), brand)
        doc.figure_image(images.chart_png(chart, width=600), doc.epw, 90)
        doc.ln(2)
        doc.data_table(_status_table(status), size=9)
    else:
        doc.line_text(f"Aucun formulaire d'adhésion pour {name} en {year}.", 10, color=GREY)
    doc.ln(1)
    doc.line_text(f"Source : formulaires d'adhésion {year} (une réponse par équipe et par an).",
                  8, color=GREY, height=4)
    doc.ln(6)
    doc.line_text(f"Facilitations par type d'intervention, {year}", 13, bold=True, color=doc.dark, height=7)
    kinds = pd.DataFrame(
        [{"Type d'intervention": KIND_LABELS.get(k, k), "Facilitations": n}
         for k, n in now["facilitations_by_kind"].items()])
    kinds = pd.concat([kinds, pd.DataFrame([{"Type d'intervention": "Total",
                                             "Facilitations": now["facilitations"]}])],
                      ignore_index=True)
    doc.data_table(kinds, size=9)
    doc.ln(1)
    doc.line_text(f"Source : journal des facilitations {year}. Équipes facilitées distinctes : "
                  f"{formats.number(now['facilitated_teams'])}.", 8, color=GREY, height=4)
    data = doc.finish(compress)
    log.info("fiche département %s (%d) : %d octets", code, year, len(data))
    return data

