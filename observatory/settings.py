"""Every setting, declared once: where it is set, its type, default and French description.

Environment variables are read only here, at each call (``value``); keys of the secrets file only
through ``secret``, from the parsed secrets the caller holds (Streamlit's ``st.secrets`` in the
app, the file itself on the command line). The README's settings table (``markdown_table``,
written by ``scripts/settings_table.py``) and the administration page are generated from
``SETTINGS``; tests/test_registries.py fails when a setting is read elsewhere or is undocumented.
Standard library only: manage.py reads it before the virtual environment exists.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The section of the secrets file that holds the observatory's own keys.
SECRETS_SECTION = "observatoire"


class SettingError(ValueError):
    """A setting holds a value of the wrong type (a French message naming it)."""


def _flag(text: str) -> bool:
    folded = text.strip().lower()
    if folded in ("1", "true", "oui", "yes", "on"):
        return True
    if folded in ("0", "false", "non", "no", "off", ""):
        return False
    raise ValueError(text)


_PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "path": (Path, "un chemin de fichier"),
    "int": (int, "un nombre entier"),
    "float": (lambda t: float(t.replace(",", ".")), "un nombre"),
    "bool": (_flag, "oui ou non (1 ou 0)"),
    "text": (str, "un texte"),
}


@dataclass(frozen=True)
class Setting:
    """One setting: an environment variable or a key of the secrets file."""

    name: str
    kind: str  # path, int, float, bool, text, table (a TOML table of the secrets file)
    default: Any
    description: str  # French: what it changes
    env: str | None = None
    secret: tuple[str, ...] | None = None  # its key path in the secrets file
    label: str = ""  # French, on the administration page (empty: not shown there)
    unit: str = ""  # French unit of its value on the administration page

    @property
    def where(self) -> str:
        if self.env:
            return f"`{self.env}`"
        path = self.secret or ()
        table, key = ".".join(path[:-1]), path[-1]
        return (f"`{key}` in `[{table}]` of the secrets file" if table
                else f"`[{key}]` of the secrets file")

    @property
    def key(self) -> str:
        """How a message names it: its variable, or its key in the secrets file."""
        path = self.secret or ()
        return self.env or f"[{'.'.join(path[:-1])}] {path[-1]}"

    def parse(self, text: str) -> Any:
        parser, expected = _PARSERS[self.kind]
        try:
            return parser(text)
        except ValueError:
            raise SettingError(f"{self.key} = « {text} » : {expected} est attendu.") from None

    def shown(self, value: Any) -> str:
        """``value`` as the administration page shows it (French decimal comma, unit)."""
        text = f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
        return f"{text} {self.unit}" if self.unit else text


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "path", PROJECT_DIR / "data" / "observatory.duckdb",
            "Fichier de la base DuckDB ; l'option --db des commandes l'emporte.",
            env="OBSERVATORY_DB", label="Base de données"),
    Setting("small_count", "int", 5,
            "Effectif en dessous duquel un nombre d'équipes ou de répondants est masqué "
            "(« < 5 ») pour le rôle lecture et dans les exports.",
            env="OBSERVATORY_SMALL_COUNT",
            label="Seuil des petits effectifs (masqués en lecture et dans les exports)"),
    Setting("import_max_mb", "float", 20.0,
            "Taille maximale d'un fichier importé, en Mo (page d'import et ligne de commande).",
            env="OBSERVATORY_IMPORT_MAX_MB", label="Taille maximale d'un fichier importé",
            unit="Mo"),
    Setting("lock_timeout", "float", 30.0,
            "Attente maximale, en secondes, d'un import derrière un autre avant d'être refusé.",
            env="OBSERVATORY_LOCK_TIMEOUT", label="Attente maximale derrière un autre import",
            unit="s"),
    Setting("secrets", "path", PROJECT_DIR / ".streamlit" / "secrets.toml",
            "Fichier de secrets (comptes, clé des cookies, accès public) que lisent "
            "l'application et les commandes « observatory user » ; l'option --secrets des "
            "commandes l'emporte.",
            env="OBSERVATORY_SECRETS"),
    Setting("no_browser_install", "bool", False,
            "« manage.py test » n'installe pas Chromium (les tests navigateur sont alors "
            "ignorés s'il manque).",
            env="OBSERVATORY_NO_BROWSER_INSTALL"),
    Setting("users", "table", {},
            "Comptes : [observatoire.users.NOM] avec role (adherent, lecture, equipe, admin), "
            "team (l'équipe d'un compte adherent) et password_hash (argon2), écrits par "
            "« observatory user add ».",
            secret=(SECRETS_SECTION, "users")),
    Setting("public", "bool", False,
            "Accès public sans compte (rôle public) : chiffres clés, carte, infographies "
            "publiées, résumés publics des fiches ; « Se connecter » mène aux autres pages.",
            secret=(SECRETS_SECTION, "public")),
    Setting("cookie_secret", "text", "",
            "Clé qui signe les cookies de session (écrite par « observatory user add » ; la "
            "changer déconnecte tout le monde). Absente : une clé par démarrage du serveur.",
            secret=(SECRETS_SECTION, "cookie_secret")),
    Setting("session_days", "float", 7.0,
            "Durée d'une connexion, en jours : au-delà, le cookie de session n'est plus "
            "accepté et il faut se reconnecter.",
            secret=(SECRETS_SECTION, "session_days"), unit="jours"),
    Setting("use_st_login", "bool", False,
            "Connexion par un fournisseur OpenID Connect (st.login de Streamlit, section "
            "[auth]) au lieu des comptes à mot de passe.",
            secret=(SECRETS_SECTION, "use_st_login")),
    Setting("oidc_roles", "table", {},
            "Avec st.login : le rôle de chaque adresse (\"marie@fede.fr\" = \"equipe\"), "
            "\"*\" pour toutes les autres (lecture sinon).",
            secret=(SECRETS_SECTION, "oidc_roles")),
    Setting("auth", "table", {},
            "La configuration OpenID Connect de st.login (section de Streamlit).",
            secret=("auth",)),
)
BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    return BY_NAME[name]


def value(name: str) -> Any:
    """The value of an environment setting, read now: its variable, else its default."""
    declared = BY_NAME[name]
    if declared.env is None:
        raise KeyError(f"{name} is a key of the secrets file: read it with secret()")
    raw = os.environ.get(declared.env)
    return declared.default if raw is None or not raw.strip() else declared.parse(raw.strip())


def secret(secrets: Mapping[str, Any], name: str) -> Any:
    """A key of the parsed secrets file (its default when absent or empty), of its kind: a
    value written as text (``public = "oui"``) is parsed, a table must be a table."""
    declared = BY_NAME[name]
    if declared.secret is None:
        raise KeyError(f"{name} is an environment variable: read it with value()")
    found: Any = secrets
    for key in declared.secret:
        found = found.get(key) if isinstance(found, Mapping) else None
    if found is None or found == {} or found == "":
        return declared.default
    if declared.kind == "table":
        if not isinstance(found, Mapping):
            raise SettingError(f"{declared.key} : une table TOML est attendue.")
        return found
    if declared.kind == "bool" and isinstance(found, bool):
        return found
    if declared.kind in ("int", "float") and isinstance(found, int | float) \
            and not isinstance(found, bool):
        return type(declared.default)(found)
    return declared.parse(str(found).strip())


def has_secret(secrets: Mapping[str, Any], name: str) -> bool:
    """True when the secrets hold that key (even empty), e.g. Streamlit's [auth] section."""
    found: Any = secrets
    for key in BY_NAME[name].secret or ():
        if not isinstance(found, Mapping) or key not in found:
            return False
        found = found[key]
    return True


def _default_text(s: Setting) -> str:
    if s.kind == "path":
        return f"`{Path(s.default).relative_to(PROJECT_DIR)}`"
    if s.kind in ("table", "text"):
        return "–"
    if s.kind == "bool":
        return "true" if s.default else "false"
    return s.shown(s.default)


def markdown_table() -> str:
    """The README's settings table."""
    lines = ["| setting | set in | default | what it changes |", "|---|---|---|---|"]
    lines += [f"| {s.name} | {s.where} | {_default_text(s)} | {s.description} |"
              for s in SETTINGS]
    return "\n".join(lines) + "\n"
