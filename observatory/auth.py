"""Who sees what: roles, password hashes in the server's secrets file, and page permissions.

Users live in the secrets file (``.streamlit/secrets.toml`` by default), never in the repository:

    [observatoire.users.marie]
    role = "equipe"
    password_hash = "$argon2id$v=19$..."

With no user configured the app runs in a clearly labelled local demo mode.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from observatory import settings

ROLES = ("lecture", "equipe", "admin")
ROLE_LABELS = {
    "lecture": "Lecture (agrégats)", "equipe": "Équipe (salariés)", "admin": "Administration",
}
DEMO_ROLE = "admin"  # local demo mode: no account configured, the person at the keyboard owns it
DEFAULT_SECRETS: Path = settings.setting("secrets").default
SECTION = settings.SECRETS_SECTION
log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_hasher = PasswordHasher()


def rank(role: str | None) -> int:
    """Order of roles: lecture < equipe < admin; unknown roles rank below everything."""
    return ROLES.index(role) if role in ROLES else -1


def allows(role: str | None, needed: str) -> bool:
    return rank(role) >= rank(needed)


def can_see_team_details(role: str | None) -> bool:
    """Team lists, directory contacts, facilitation details: staff and administrators."""
    return allows(role, "equipe")


def users(secrets: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The configured accounts (name → role, password_hash) from parsed secrets."""
    found = settings.secret(secrets, "users")
    return {str(name): {"role": str(u.get("role", "")), "password_hash": str(u.get("password_hash", ""))}
            for name, u in found.items() if isinstance(u, Mapping)}


def accounts(secrets: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, role) of every configured account, sorted by name: what the user list shows."""
    return sorted((name, u["role"]) for name, u in users(secrets).items())


def uses_st_login(secrets: Mapping[str, Any]) -> bool:
    """True when sign-in goes through Streamlit's st.login (an OpenID Connect provider)."""
    return settings.has_secret(secrets, "auth") and bool(settings.secret(secrets, "use_st_login"))


def role_name(text: str) -> str:
    """A role as people write it (``équipe``, ``Lecture``…) → its code; unknown → ValueError."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.strip().casefold())
                     if not unicodedata.combining(c))
    if folded not in ROLES:
        raise ValueError(f"Rôle inconnu « {text} » (rôles : lecture, équipe, admin).")
    return folded


def verify(secrets: Mapping[str, Any], name: str, password: str) -> str | None:
    """The user's role when the password matches its hash, else None (same cost either way)."""
    account = users(secrets).get(name)
    stored = account["password_hash"] if account else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        log.warning("connexion refusée : identifiant ou mot de passe incorrect")
        return None
    if account is None or account["role"] not in ROLES:
        log.warning("connexion refusée : compte sans rôle valide")
        return None
    log.info("connexion réussie (rôle %s)", account["role"])  # never the account's name
    return account["role"]


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("Mot de passe trop court : 10 caractères au moins.")
    return _hasher.hash(password)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_user(name: str, role: str, password: str, secrets_path: Path | None = None) -> Path:
    """Write (or replace) one account in the secrets file, keeping everything else in it."""
    if not _NAME.match(name):
        raise ValueError("Nom d'utilisateur invalide : lettres, chiffres, « . », « _ » ou « - ».")
    role = role_name(role)
    path = secrets_file(secrets_path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    tomllib.loads(text)  # refuse to touch a file we could not read back
    header = f"[{SECTION}.users.{name}]"
    hashed = _toml_string(hash_password(password))
    block = f"{header}\nrole = {_toml_string(role)}\npassword_hash = {hashed}\n"
    text = _user_block(name).sub("", text).rstrip("\n")  # replaces an existing account
    _write_secrets(path, f"{text}\n\n{block}" if text else block)
    log.info("compte de rôle %s enregistré dans %s", role, path)  # its name is personal
    return path


def secrets_file(explicit: Path | None = None) -> Path:
    """The secrets file: explicit path, else $OBSERVATORY_SECRETS, else .streamlit/secrets.toml."""
    return Path(explicit or settings.value("secrets"))


def _user_block(name: str) -> re.Pattern[str]:
    """One account's table in the secrets file, up to the next table header."""
    return re.compile(rf"^\[{re.escape(SECTION)}\.users\.{re.escape(name)}\]\n(?:(?!\[).*\n?)*",
                      re.M)


def _write_secrets(path: Path, text: str) -> None:
    """Replace the secrets file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def remove_user(name: str, secrets_path: Path | None = None) -> bool:
    """Remove one account from the secrets file; False when there was none by that name."""
    path = secrets_file(secrets_path)
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    tomllib.loads(text)
    kept = _user_block(name).sub("", text)
    if kept == text:
        return False
    _write_secrets(path, kept.rstrip("\n") + "\n")
    log.info("un compte retiré de %s", path)
    return True


_DUMMY_HASH = _hasher.hash("observatoire-no-such-user")
