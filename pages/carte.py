"""Carte des équipes: choropleth of the chosen indicator; a click selects the département."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.ui.filters import request_departement
from observatory.views import carte

ctx = shell.context("pages/carte.py")
header = st.container()
indicator = st.selectbox("Indicateur", list(carte.INDICATORS), key="carte_indicateur",
                         format_func=lambda k: carte.INDICATORS[k].label)
view = data.load(carte.build, ctx.scope, ctx.federation, indicator=indicator)
render.map_view(view, selection=carte.SELECTION, on_click=request_departement,
                current=ctx.scope.departement, header=header, scope=ctx.scope)
