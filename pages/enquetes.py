"""Enquêtes flash: the catalogue, then the chosen survey as an infographic."""

import streamlit as st

from observatory.ui import data, infographic, render, shell
from observatory.views import surveys

ctx = shell.context("pages/enquetes.py")
render.view(data.load(surveys.catalogue, ctx.scope, ctx.federation, departement_names=ctx.names))
ids, labels, default = data.load(surveys.choices, ctx.scope, ctx.federation)
st.divider()
pick, split = st.columns(2)
survey_id = pick.selectbox("Enquête", ids, index=default, format_func=labels.get,
                           key="enquete", placeholder="Aucune enquête")
breakdown = split.selectbox(
    "Ventiler par", [None, *surveys.BREAKDOWN_LABELS], key="ventiler",
    format_func=lambda b: "Pas de ventilation" if b is None else surveys.BREAKDOWN_LABELS[b],
    placeholder="Pas de ventilation")
infographic.survey(data.load(surveys.build, ctx.scope, ctx.federation, survey_id=survey_id,
                             breakdown=breakdown, departement_names=ctx.names))
