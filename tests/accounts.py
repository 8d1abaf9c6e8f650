"""Accounts for the tests: real ones (argon2 hashes) in the test's own secrets file."""

from __future__ import annotations

from observatory import auth

PASSWORD = "mot de passe de test"


def add_account(name: str, role: str, team: int | None = None) -> auth.Account:
    """Write the account to the secrets file the test points at; returns it."""
    auth.add_user(name, role, PASSWORD, team=team)
    return auth.users(auth.load_secrets())[name]


def sign_in_as(monkeypatch: object, role: str, name: str = "alice",
               team: int | None = None) -> str:
    """The AppTest runs of this test come from a browser signed in as a real account of
    ``role``, with a real session token (``auth.issue``, what the sign-in form sets) as its
    cookie: AppTest sends no cookie, so the token is handed to
    ``observatory.ui.auth.request_cookies``, where the app reads the browser's cookies."""
    from observatory.ui import auth as ui_auth

    account = add_account(name, role, team)
    token = auth.issue(auth.load_secrets(), account)
    monkeypatch.setattr(ui_auth, "request_cookies", lambda: {auth.COOKIE: token})  # type: ignore[attr-defined]
    return token
