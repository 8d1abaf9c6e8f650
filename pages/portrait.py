"""Portrait des équipes: counts, status history, ACI, information systems, coordination; the
member teams, or every existing team of the region (estimated)."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.views import portrait

ctx = shell.context("pages/portrait.py")
equipes = st.segmented_control("Équipes décrites", list(portrait.EQUIPES), key="portrait_equipes",
                               format_func=portrait.EQUIPES.__getitem__, default="adherentes")
render.view(data.load(portrait.build, ctx.scope, ctx.federation, departement_names=ctx.names,
                      equipes=equipes or "adherentes"))
