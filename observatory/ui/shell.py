"""The app shell: page config, the store check, the shared sidebar, the navigation of the pages."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st

from observatory import logs, store
from observatory.config import Federation, get_federation
from observatory.filters import Scope
from observatory.pages import PAGES, by_file
from observatory.ui import data
from observatory.ui.auth import ROLE_KEY, current_role, current_team, require, sidebar_badge
from observatory.ui.filters import sidebar
from observatory.ui.text import plain


@dataclass(frozen=True)
class Context:
    """What every page needs: the federation, the scope chosen in the sidebar, reference names."""

    federation: Federation
    scope: Scope
    names: dict[str, str]
    years: list[int]
    role: str
    team: int | None = None  # the member team of an `adherent` account
    # the URL's parameters as this run found them, before the sidebar rewrote them
    params: dict[str, str] | None = None


def _ensure_store() -> None:
    db = data.current_db()
    if not store.exists(db):
        from observatory import demo

        with st.spinner("Première ouverture\u202f: construction de la base de démonstration…"):
            demo.build(db)
    store.ensure_current(db)


@functools.cache
def _server_logs() -> None:
    """The library's log lines (imports, sign-ins, exports, writes) in the server's output."""
    logs.to_stderr(logging.INFO)


def run() -> None:
    """Entry point called by app.py."""
    _server_logs()
    st.set_page_config(page_title="Observatoire de l'exercice coordonné", page_icon="🩺",
                       layout="wide")
    role = current_role()
    _ensure_store()
    info = data.store_info()
    federation = get_federation(info["federation"])
    names = data.departement_names()
    pages = [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.id, default=p.default)
             for p in PAGES if p.opens_for(role)]
    nav = st.navigation(pages)
    # The federation's own look, top of the sidebar. The SVG where there is one: Streamlit
    # passes it through, where a PNG is decoded and re-encoded on every rerun (~0.2 s of CPU).
    logo = federation.brand.logo_svg or federation.brand.logo_path
    if logo is not None:
        st.logo(str(logo), size="large")
    params = st.query_params.to_dict()
    st.sidebar.markdown(f"**{plain(federation.name)}** · {plain(federation.region)}")
    sidebar_badge(role)
    shown = next((p.filters for p in PAGES if p.url_path == nav.url_path), ())
    scope = sidebar(federation, info["years"], names, shown)
    st.session_state["_context"] = Context(federation, scope, names, info["years"], role,
                                           current_team(), params)
    nav.run()


def _leave_legacy_pages_mode() -> NoReturn:
    """Rerun through app.py when a page script was started on its own.

    Until ``st.navigation`` has run once in the server process, Streamlit treats a ``pages/``
    folder beside the entry point as a legacy multipage app: a shared link such as /carte on a
    fresh server runs pages/carte.py alone, without the shell. The rerun keeps the page asked for.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def opens_for(page: str, role: str | None) -> bool:
    """Whether ``role`` may open ``page`` (its path, e.g. ``pages/annuaire.py``); an unknown
    page opens to nobody."""
    found = by_file(page)
    return found is not None and found.opens_for(role)


def context(page: str) -> Context:
    """The context app.py prepared for this run, after checking the role ``page`` needs.

    The check runs in the page itself, on the server, whatever brought the page there: the menu
    only lists allowed pages, but a hidden entry is no protection against an edited URL.
    """
    ctx: Context | None = st.session_state.get("_context")
    if ctx is None:
        _leave_legacy_pages_mode()
    require(opens_for(page, ctx.role))
    # and the session's own role: a context left by an earlier run must not lend its rights
    require(opens_for(page, st.session_state.get(ROLE_KEY)))
    return ctx
