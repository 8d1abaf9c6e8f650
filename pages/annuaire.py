"""Annuaire et expertises (staff): member teams by place, type, status, protocol, mission or
information system."""

import streamlit as st

from observatory import auth
from observatory.ui import data, render, shell
from observatory.views import directory
from observatory.vocabulary import STATUS_LABELS

ctx = shell.context("pages/annuaire.py")
options = data.load(directory.filter_options, ctx.scope, ctx.federation)
with st.sidebar:
    st.subheader("Rechercher une équipe")
    query = st.text_input("Nom de l'équipe", key="annuaire_nom")
    statuses = st.multiselect("Statut", options["statuses"], key="annuaire_statut",
                              format_func=lambda s: STATUS_LABELS.get(s, s))
    help_all = "Les équipes retenues ont toutes les valeurs choisies."
    protocols = st.multiselect("Protocoles", options["protocols"], key="annuaire_protocoles",
                               help=help_all)
    missions = st.multiselect("Missions de santé publique", options["missions"],
                              key="annuaire_missions", help=help_all)
    systems = st.multiselect("Système d'information partagé", options["systems"],
                             key="annuaire_si")
# Contacts for a signed-in staff account only: the local demo mode (admin, nobody signed in)
# may hold real data, so it shows none.
staff = auth.can_see_team_details(ctx.role) and bool(st.session_state.get("user"))
render.view(data.load(
    directory.build, ctx.scope, ctx.federation, statuses=tuple(statuses),
    protocols=tuple(protocols), missions=tuple(missions), systems=tuple(systems), query=query,
    show_contacts=staff, departement_names=ctx.names))
