"""Enquêtes flash: the catalogue, then the chosen survey as an infographic."""

import streamlit as st

from observatory.ui import data, infographic, render, shell
from observatory.views import access, surveys

ctx = shell.context("pages/enquetes.py")
published = access.published_only(ctx.role, "survey")  # public, member teams: published ones
render.view(data.load(surveys.catalogue, ctx.scope, ctx.federation, departement_names=ctx.names,
                      published_only=published))
ids, labels, default = data.load(surveys.choices, ctx.scope, ctx.federation,
                                 published_only=published)
st.divider()
pick, split = st.columns(2)
survey_id = pick.selectbox("Enquête", ids, index=default, format_func=labels.get,
                           key="enquete", placeholder="Aucune enquête")
breakdown = None if ctx.role == "public" else split.selectbox(  # member teams: in full
    "Ventiler par", [None, *surveys.BREAKDOWN_LABELS], key="ventiler",
    format_func=lambda b: "Pas de ventilation" if b is None else surveys.BREAKDOWN_LABELS[b],
    placeholder="Pas de ventilation")
infographic.survey(data.load(surveys.build, ctx.scope, ctx.federation, survey_id=survey_id,
                             breakdown=breakdown, departement_names=ctx.names,
                             published_only=published))
