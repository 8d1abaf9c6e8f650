"""Portrait des équipes: counts, status history, ACI, information systems, coordination; the
member teams, or every existing team of the region (estimated)."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.views import portrait

ctx = shell.context("pages/portrait.py")
equipes = st.segmented_control("Équipes décrites", list(portrait.EQUIPES), key="portrait_equipes",
                               format_func=portrait.EQUIPES.__getitem__, default="adherentes")
# Four charts drawn at once, the other nine when the reader opens them: in Chromium on the national
# store the page's fresh load went from 7.4 s to 3.2 s (median, same runs; README, Performance).
render.view(data.load(portrait.build, ctx.scope, ctx.federation, departement_names=ctx.names,
                      equipes=equipes or "adherentes"), first=4)
