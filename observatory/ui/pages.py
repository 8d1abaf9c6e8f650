"""The body of every page: check the role, read the page's own controls, build the view, lay out.

The files in ``pages/`` only call these functions, so that Streamlit is imported under
``observatory/ui/`` alone and every page checks its role the same way (``shell.context``).
"""

from __future__ import annotations

import streamlit as st

from observatory import auth
from observatory.filters import STATUS_LABELS
from observatory.ui import data, render, shell
from observatory.ui.filters import request_departement
from observatory.ui.text import plain
from observatory.views import capitalisation as capitalisation_view
from observatory.views import carte as carte_view
from observatory.views import directory, home, surveys
from observatory.views import facilitations as facilitations_view
from observatory.views import portrait as portrait_view


def accueil() -> None:
    """Chiffres clés: key figures of the filtered scope."""
    ctx = shell.context("pages/accueil.py")
    render.view(data.load(home.build, ctx.scope, ctx.federation, departement_names=ctx.names))


def carte() -> None:
    """Carte des équipes: choropleth of the chosen indicator; a click selects the département."""
    ctx = shell.context("pages/carte.py")
    header = st.container()
    indicator = st.selectbox("Indicateur", list(carte_view.INDICATORS), key="carte_indicateur",
                             format_func=lambda k: carte_view.INDICATORS[k].label)
    view = data.load(carte_view.build, ctx.scope, ctx.federation, indicator=indicator)
    render.map_view(view, selection=carte_view.SELECTION, on_click=request_departement,
                    current=ctx.scope.departement, header=header)


def facilitations() -> None:
    """Facilitations: interventions and unique teams by period, type, profile, kind and place."""
    ctx = shell.context("pages/facilitations.py")
    render.view(data.load(facilitations_view.build, ctx.scope, ctx.federation,
                          departement_names=ctx.names))


def portrait() -> None:
    """Portrait des équipes: counts, status history, ACI, information systems, coordination."""
    ctx = shell.context("pages/portrait.py")
    render.view(data.load(portrait_view.build, ctx.scope, ctx.federation,
                          departement_names=ctx.names))


def enquetes() -> None:
    """Enquêtes flash: the catalogue, then the chosen survey's infographic."""
    ctx = shell.context("pages/enquetes.py")
    render.view(data.load(surveys.catalogue, ctx.scope, ctx.federation,
                          departement_names=ctx.names))
    ids, labels, default = data.load(surveys.choices, ctx.scope, ctx.federation)
    st.divider()
    pick, split = st.columns(2)
    survey_id = pick.selectbox("Enquête", ids, index=default, format_func=labels.get,
                               key="enquete", placeholder="Aucune enquête")
    breakdown = split.selectbox(
        "Ventiler par", [None, *surveys.BREAKDOWN_LABELS], key="ventiler",
        format_func=lambda b: "Pas de ventilation" if b is None else surveys.BREAKDOWN_LABELS[b],
        placeholder="Pas de ventilation")
    render.view(data.load(surveys.build, ctx.scope, ctx.federation, survey_id=survey_id,
                          breakdown=breakdown, departement_names=ctx.names))


def annuaire() -> None:
    """Annuaire et expertises: member teams by place, type, status, protocol, mission, system."""
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
    # Contacts for a signed-in staff account only: the local demo mode (admin, nobody signed
    # in) may hold real data, so it shows none.
    staff = auth.can_see_team_details(ctx.role) and bool(st.session_state.get("user"))
    render.view(data.load(
        directory.build, ctx.scope, ctx.federation, statuses=tuple(statuses),
        protocols=tuple(protocols), missions=tuple(missions), systems=tuple(systems),
        query=query, show_contacts=staff, departement_names=ctx.names))


def capitalisation() -> None:
    """Capitalisation: the fiches of remarkable actions, searchable; user text as plain text."""
    ctx = shell.context("pages/capitalisation.py")
    themes = data.load(capitalisation_view.themes, ctx.scope, ctx.federation)
    with st.sidebar:
        st.subheader("Rechercher une fiche")
        query = st.text_input("Texte (titre, résumé, description)", key="fiches_texte")
        theme = st.selectbox("Thème", [None, *themes], key="fiches_theme",
                             format_func=lambda t: "Tous les thèmes" if t is None else t,
                             placeholder="Tous les thèmes")
    view = data.load(capitalisation_view.build, ctx.scope, ctx.federation, query=query,
                     theme=theme, departement_names=ctx.names)
    shown = render.view(view)  # as the role may see it: the cards come from the same rows
    for fiche in capitalisation_view.cards(shown):
        with st.container(border=True):
            st.text(fiche["title"])
            st.text(fiche["meta"])
            st.text(fiche["summary"])
            with st.expander(plain("Lire la fiche complète")):
                st.text(fiche["body"])


def importer() -> None:
    """Importer des données: upload an export, check the preview, confirm; history and undo."""
    from observatory.ui import importer as page

    shell.context("pages/import.py")
    page.page()


def administration() -> None:
    """Administration: accounts (names and roles, never their hashes) and the server settings."""
    from observatory.ui import admin

    ctx = shell.context("pages/administration.py")
    admin.page(ctx)
