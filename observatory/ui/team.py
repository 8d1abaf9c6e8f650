"""Mon équipe in the app: which team the page shows (a member team's own, whatever the URL
says; any team for staff) and its sheet as a PDF."""

from __future__ import annotations

from typing import Any

import streamlit as st

from observatory import store
from observatory.config import Federation
from observatory.exports import team_sheet
from observatory.exports.common import slug, today
from observatory.ui import data
from observatory.ui.shell import Context
from observatory.views import View, access, team

PARAM = "equipe"  # the team in the URL, for staff: /mon-equipe?equipe=12
KEY = "mon_equipe_equipe"


def chosen(ctx: Context) -> int | None:
    """The team to show: an ``adherent`` account's own team (asking for another one in the URL
    is refused, nothing shown); for staff, the one picked (or named in the URL)."""
    asked = (ctx.params or {}).get(PARAM)
    if ctx.role == "adherent":
        if asked is not None and asked.strip() != str(ctx.team):
            st.error(access.NOT_YOUR_TEAM)
            st.stop()
        return ctx.team
    ids, labels = data.load(team.choices, ctx.scope, ctx.federation)
    if KEY not in st.session_state and asked and asked.strip().isdigit() \
            and int(asked) in ids:
        st.session_state[KEY] = int(asked)
    with st.sidebar:
        st.subheader("Équipe")
        picked = st.selectbox("Équipe adhérente", [None, *ids], key=KEY,
                              placeholder="Choisir une équipe",
                              format_func=lambda i: "Choisir une équipe" if i is None
                              else labels[i])
    if picked is None:
        st.title("Mon équipe")
        st.info("Choisissez une équipe dans la barre latérale : cette page montre ce que voit "
                "le compte adhérent de l'équipe.")
        return None
    st.query_params[PARAM] = str(picked)
    return picked


@st.cache_data(show_spinner=False, max_entries=50)
def _sheet(team_id: int, title: str, scope_label: str, version: str, day: Any,
           _view: View, _federation: Federation) -> bytes:
    return team_sheet.render(_view, _federation, export_date=day)


def sheet_button(view: View, ctx: Context) -> None:
    """« Fiche équipe (PDF) »: the page as two A4 pages, masked as every export is."""
    if view.team_id is None or view.empty_message or access.refusal(view, ctx.role, ctx.team):
        return
    version = store.version(data.current_db())
    day = today()
    st.download_button(
        "Fiche équipe (PDF)",
        data=lambda: _sheet(int(view.team_id or 0), view.title, view.scope_label, version, day,
                            view, ctx.federation),
        file_name=f"fiche_equipe_{slug(view.title)}.pdf", mime="application/pdf",
        key="dl_fiche_equipe", on_click="ignore", icon=":material/description:",
        help="Deux pages A4 : vos réponses face aux autres équipes, vos facilitations et fiches.")
