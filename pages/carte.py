"""Carte des équipes: choropleth of the chosen indicator; a click selects the département; the
teams as points at their commune, on request."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.ui.filters import request_departement
from observatory.views import carte

ctx = shell.context("pages/carte.py")
header = st.container()
indicator = st.selectbox("Indicateur", list(carte.INDICATORS), key="carte_indicateur",
                         format_func=lambda k: carte.INDICATORS[k].label)
points = st.checkbox("Afficher les équipes à leur commune", key="carte_points")
view = data.load(carte.build, ctx.scope, ctx.federation, indicator=indicator, points=points)
render.map_view(view, selection=carte.SELECTION, on_click=request_departement,
                current=ctx.scope.departement, header=header, scope=ctx.scope)
