"""Who is using the app, on every run: the session cookie set by the sign-in form
(``ui.server``), Streamlit's st.login (OpenID Connect), public access, or the local demo mode.

The cookie is checked again on every run (signature, age, account, role, team, password), so a
removed, demoted or re-passworded account loses its rights at its next rerun. Without a good
session, a server that requires signing in shows nothing but the way to the sign-in form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import streamlit as st

from observatory import audit, auth, settings
from observatory.ui import server
from observatory.ui.text import plain

ROLE_KEY = "role"
USER_KEY = "user"
TEAM_KEY = "team"
TITLE = "Observatoire de l'exercice coordonné"


def secrets() -> dict[str, Any]:
    """The server's secrets file (the one ``observatory user`` writes), read when it changes."""
    return auth.load_secrets()


def request_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when it opened this session (HttpOnly ones included)."""
    return st.context.cookies


def _here() -> str:
    """The page and filters the browser shows now (path and query), to come back to."""
    url = st.context.url or "/"
    parts = url.split("://", 1)[-1]
    path = "/" + parts.split("/", 1)[1] if "/" in parts else "/"
    base = server.base_path()
    if base and path.startswith(base):
        path = path[len(base):] or "/"
    return server.safe_target(path)


def _oidc_role(secrets: dict[str, Any]) -> str:
    """With [auth] configured for st.login, roles come from [observatoire.oidc_roles] by e-mail."""
    if not st.user.get("is_logged_in"):  # absent until the provider answered: signed out
        st.title(TITLE)
        st.button("Se connecter", on_click=st.login, type="primary")
        st.stop()
    roles = settings.secret(secrets, "oidc_roles")
    email = str(st.user.get("email", "")).lower()
    try:
        role = auth.role_name(str(roles.get(email, roles.get("*", "lecture"))))
    except ValueError:  # a typo in the configuration grants the least, not an error page
        return "lecture"
    return "lecture" if role == "adherent" else role  # a member team needs its team: accounts


def go_to(url: str) -> None:
    """Send the browser to ``url`` in this tab, the way st.login and st.logout send it to
    Streamlit's own sign-in routes (a link button would open another tab)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)


def _sign_in_button(where: Any = st, **kwargs: Any) -> None:
    where.button("Se connecter", key="sign_in", on_click=go_to,
                 args=(server.sign_in_url(_here()),), **kwargs)


def _signed_out() -> NoReturn:
    """All a visitor without a session sees on a server that requires signing in."""
    st.title(TITLE)
    st.info("Connectez-vous pour accéder à l'observatoire (votre session a pu prendre fin).")
    _sign_in_button(type="primary")
    st.stop()


def current_role() -> str:
    """The role of this run; shows the way to sign in and stops the run when there is none."""
    try:
        configured = secrets()
        auth.public_access(configured)  # read here: a value of the wrong type is said now
        auth.session_seconds(configured)
    except settings.SettingError as exc:  # a typo on the server: nothing opens, said plainly
        st.title(TITLE)
        st.error(plain(f"Configuration du serveur à corriger : {exc}"))
        st.stop()
    state = st.session_state
    state[TEAM_KEY] = None
    if auth.uses_st_login(configured):
        state[ROLE_KEY] = _oidc_role(configured)
        state[USER_KEY] = str(st.user.get("email", "")) or None
        return state[ROLE_KEY]
    if auth.demo_mode(configured):
        state[ROLE_KEY], state[USER_KEY] = auth.DEMO_ROLE, None
        return auth.DEMO_ROLE
    found = auth.session(configured, request_cookies().get(auth.COOKIE))
    if found is not None:
        state[ROLE_KEY], state[USER_KEY], state[TEAM_KEY] = found.role, found.user, found.team
        return found.role
    state[ROLE_KEY], state[USER_KEY] = None, None
    if auth.public_access(configured):
        state[ROLE_KEY] = "public"
        return "public"
    _signed_out()


def current_team() -> int | None:
    """The member team of the signed-in ``adherent`` account (None for every other role)."""
    return st.session_state.get(TEAM_KEY)


def _actor() -> str | None:
    """Who acts in the audit log when this run changes something (None outside the app)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    user = st.session_state.get(USER_KEY)
    if user:
        return str(user)
    return "application (mode démonstration locale)" if st.session_state.get(ROLE_KEY) == \
        auth.DEMO_ROLE else "application (sans compte)"


audit.use_actor_source(_actor)


def sidebar_badge(role: str) -> None:
    """Who is signed in, and the way out (or in, for the public)."""
    configured = secrets()
    user = st.session_state.get(USER_KEY)
    if user is None and role == auth.DEMO_ROLE and auth.demo_mode(configured):
        st.sidebar.warning("Mode démonstration locale : aucun compte n'est configuré, toutes les "
                           "pages sont ouvertes. Voir « observatory user add ».")
        return
    if role == "public":
        st.sidebar.caption("Accès public : chiffres publiés par la fédération.")
        if auth.users(configured):  # else there is nothing to sign in to
            _sign_in_button(st.sidebar)
        return
    st.sidebar.caption(plain(f"Connecté : {user or 'compte fédéré'} — {auth.ROLE_LABELS[role]}"))
    if auth.uses_st_login(configured):
        st.sidebar.button("Se déconnecter", key="logout", on_click=st.logout)
    else:
        st.sidebar.button("Se déconnecter", key="logout", on_click=go_to,
                          args=(server.base_path() + server.SIGN_OUT,))


def require(allowed: bool) -> None:
    """Server-side check at the top of a page: hiding a menu entry is not protection."""
    if not allowed:
        st.error("Cette page est réservée : votre rôle ne permet pas d'y accéder.")
        st.stop()
