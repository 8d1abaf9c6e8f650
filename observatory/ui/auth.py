"""The sign-in gate: password accounts from secrets, Streamlit's st.login (OIDC), or demo mode."""

from __future__ import annotations

from typing import Any

import streamlit as st

from observatory import auth, settings
from observatory.ui.text import plain

ROLE_KEY = "role"
USER_KEY = "user"


def secrets() -> dict[str, Any]:
    """The server's secrets (empty without a secrets file: demo mode)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file at all: demo mode
        return {}


def _oidc_role(secrets: dict[str, Any]) -> str:
    """With [auth] configured for st.login, roles come from [observatoire.oidc_roles] by e-mail."""
    if not st.user.get("is_logged_in"):  # absent until the provider answered: signed out
        st.title("Observatoire de l'exercice coordonné")
        st.button("Se connecter", on_click=st.login, type="primary")
        st.stop()
    roles = settings.secret(secrets, "oidc_roles")
    email = str(st.user.get("email", "")).lower()
    try:
        return auth.role_name(str(roles.get(email, roles.get("*", "lecture"))))
    except ValueError:  # a typo in the configuration grants the least, not an error page
        return "lecture"


def _password_form(secrets: dict[str, Any]) -> None:
    st.title("Observatoire de l'exercice coordonné")
    with st.form("connexion"):
        name = st.text_input("Identifiant", key="login_name")
        password = st.text_input("Mot de passe", type="password", key="login_password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        role = auth.verify(secrets, name.strip(), password)
        if role:
            st.session_state[ROLE_KEY] = role
            st.session_state[USER_KEY] = name.strip()
            st.rerun()
        st.error("Identifiant ou mot de passe incorrect.")
    st.stop()


def _logout() -> None:
    for key in (ROLE_KEY, USER_KEY):
        st.session_state.pop(key, None)


def current_role() -> str:
    """The signed-in user's role; shows the sign-in form and stops the run when there is none."""
    configured = secrets()
    if auth.uses_st_login(configured):
        st.session_state[ROLE_KEY] = _oidc_role(configured)
        return st.session_state[ROLE_KEY]
    if not auth.users(configured):
        st.session_state[ROLE_KEY] = auth.DEMO_ROLE
        st.session_state[USER_KEY] = None
        return auth.DEMO_ROLE
    role = st.session_state.get(ROLE_KEY)
    user = st.session_state.get(USER_KEY)
    # the account must still exist with that role: a removed or demoted account loses its rights
    # at its next rerun, not at its next sign-in
    if role not in auth.ROLES or user is None or dict(auth.accounts(configured)).get(user) != role:
        _password_form(configured)
    return st.session_state[ROLE_KEY]


def sidebar_badge(role: str) -> None:
    user = st.session_state.get(USER_KEY)
    if user is None and role == auth.DEMO_ROLE and not auth.users(secrets()):
        st.sidebar.warning("Mode démonstration locale : aucun compte n'est configuré, toutes les "
                           "pages sont ouvertes. Voir « observatory user add ».")
        return
    st.sidebar.caption(plain(f"Connecté : {user or 'compte fédéré'} — {auth.ROLE_LABELS[role]}"))
    st.sidebar.button("Se déconnecter", key="logout",
                      on_click=st.logout if auth.uses_st_login(secrets()) else _logout)


def require(role: str | None, needed: str) -> None:
    """Server-side check at the top of a page: hiding a menu entry is not protection."""
    if not auth.allows(role, needed):
        st.error("Cette page est réservée : votre rôle ne permet pas d'y accéder.")
        st.stop()
