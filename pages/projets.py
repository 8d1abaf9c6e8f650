"""Projets: the pipeline, the year's validations and the map of the projects, a year slider."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.views import projects

ctx = shell.context("pages/projets.py")
header = st.container()
years = data.load(projects.map_years, ctx.scope, ctx.federation)
year = None
if len(years) > 1:
    year = st.select_slider("Année de la carte", years, key="projets_annee_carte",
                            value=ctx.scope.year if ctx.scope.year in years else years[-1])
view = data.load(projects.build, ctx.scope, ctx.federation, departement_names=ctx.names,
                 map_year=year)
render.detail_view(view, header=header, selection=projects.SELECTION, key=projects.ID,
                   detail=projects.clicked)
