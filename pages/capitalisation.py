"""Capitalisation: the fiches of remarkable actions, searchable; user text shown as plain text."""

import streamlit as st

from observatory.ui import data, render, shell
from observatory.views import access, capitalisation

ctx = shell.context("pages/capitalisation.py")
published = access.published_only(ctx.role, "fiche")  # the public: published fiches only
themes = data.load(capitalisation.themes, ctx.scope, ctx.federation, published_only=published)
with st.sidebar:
    st.subheader("Rechercher une fiche")
    query = st.text_input("Texte (titre, résumé, description)", key="fiches_texte")
    theme = st.selectbox("Thème", [None, *themes], key="fiches_theme",
                         format_func=lambda t: "Tous les thèmes" if t is None else t,
                         placeholder="Tous les thèmes")
view = data.load(capitalisation.build, ctx.scope, ctx.federation, query=query, theme=theme,
                 departement_names=ctx.names, published_only=published)
shown = render.view(view)  # as the role may see it: the cards come from the same rows
cards = capitalisation.cards(shown)
for fiche in cards[:capitalisation.CARDS_SHOWN]:
    with st.container(border=True):
        st.text(fiche["title"])
        st.text(fiche["meta"])
        st.text(fiche["summary"])
        if fiche["body"]:
            with st.expander("Lire la fiche complète"):
                st.text(fiche["body"])
if len(cards) > capitalisation.CARDS_SHOWN:
    st.caption(f"… et {len(cards) - capitalisation.CARDS_SHOWN} autres fiches, toutes dans le "
               "tableau ci-dessus\u202f: précisez la recherche ou le thème pour les afficher ici.")
