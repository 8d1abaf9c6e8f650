"""Accounts for the tests: real ones (argon2 hashes) in the test's own secrets file."""

from __future__ import annotations

from observatory import auth

PASSWORD = "mot de passe de test"


def add_account(name: str, role: str, team: int | None = None) -> auth.Account:
    """Write the account to the secrets file the test points at; returns it."""
    auth.add_user(name, role, PASSWORD, team=team)
    return auth.users(auth.load_secrets())[name]
