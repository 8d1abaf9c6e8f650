"""Who sees what: roles, accounts in the server's secrets file, sessions, and sign-in slowdown.

Accounts live in the secrets file (``.streamlit/secrets.toml`` by default, ``OBSERVATORY_SECRETS``
otherwise), never in the repository; the app and ``observatory user`` read the same file:

    [observatoire]
    cookie_secret = "…"          # signs the session cookies (written by `observatory user add`)

    [observatoire.users.marie]
    role = "equipe"
    password_hash = "$argon2id$v=19$..."

    [observatoire.users.msp-du-lac]
    role = "adherent"
    team = 12                     # the member team this account speaks for

A session is a signed, expiring token (``issue``/``session``) naming the account, its role, its
team and a fingerprint of its password hash: removing the account, changing its role, team or
password ends every session made before. With no account configured and public access off, the
app runs in a clearly labelled local demo mode.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets as token_source
import threading
import time
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from observatory import settings

# public: anyone, no account (when the federation turns public access on); adherent: a member
# team's account; lecture < equipe < admin: the federation's own ladder.
ROLES = ("public", "adherent", "lecture", "equipe", "admin")
ACCOUNT_ROLES = ROLES[1:]
LADDER = ("lecture", "equipe", "admin")
ROLE_LABELS = {
    "public": "Public (sans compte)", "adherent": "Équipe adhérente",
    "lecture": "Lecture (agrégats)", "equipe": "Équipe (salariés)", "admin": "Administration",
}
DEMO_ROLE = "admin"  # local demo mode: no account configured, the person at the keyboard owns it
DEFAULT_SECRETS: Path = settings.setting("secrets").default
SECTION = settings.SECRETS_SECTION
COOKIE = "observatoire_session"
log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_hasher = PasswordHasher()


def rank(role: str | None) -> int:
    """Order of the federation's roles: lecture < equipe < admin; public, adherent and unknown
    roles rank below them all (they open only the pages that name them)."""
    return LADDER.index(role) if role in LADDER else -1


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` is ``needed`` or above it on the federation's ladder."""
    return rank(role) >= rank(needed) >= 0


def can_see_team_details(role: str | None) -> bool:
    """Team lists, directory contacts, facilitation details: staff and administrators."""
    return allows(role, "equipe")


def role_name(text: str) -> str:
    """A role as people write it (``équipe``, ``Adhérent``…) → its code; unknown → ValueError."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.strip().casefold())
                     if not unicodedata.combining(c))
    if folded not in ACCOUNT_ROLES:
        raise ValueError(f"Rôle inconnu « {text} » (rôles : adhérent, lecture, équipe, admin).")
    return folded


# -- the secrets file ---------------------------------------------------------------------------
def secrets_file(explicit: Path | None = None) -> Path:
    """The secrets file: explicit path, else $OBSERVATORY_SECRETS, else .streamlit/secrets.toml."""
    return Path(explicit or settings.value("secrets"))


_LOADED: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
_LOADED_LOCK = threading.Lock()


def load_secrets(path: Path | None = None) -> dict[str, Any]:
    """The parsed secrets file ({} when there is none), read again whenever it changes: an
    account removed on the server loses its sessions at their next page load."""
    path = secrets_file(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    key = str(path.resolve())
    with _LOADED_LOCK:
        found = _LOADED.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # nobody gets in on a file nobody can read
        raise settings.SettingError(f"Fichier de secrets illisible ({path}) : {exc}") from None
    with _LOADED_LOCK:
        _LOADED[key] = (stamp, parsed)
    return parsed


@dataclass(frozen=True)
class Account:
    """One configured account: its name, role, password hash and, for a member team, its team."""

    name: str
    role: str
    password_hash: str = field(repr=False)
    team: int | None = None


def _team(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def users(secrets: Mapping[str, Any]) -> dict[str, Account]:
    """The configured accounts by name, from parsed secrets."""
    found = settings.secret(secrets, "users")
    return {str(name): Account(str(name), str(u.get("role", "")),
                               str(u.get("password_hash", "")), _team(u.get("team")))
            for name, u in found.items() if isinstance(u, Mapping)}


def uses_st_login(secrets: Mapping[str, Any]) -> bool:
    """True when sign-in goes through Streamlit's st.login (an OpenID Connect provider)."""
    return settings.has_secret(secrets, "auth") and bool(settings.secret(secrets, "use_st_login"))


def public_access(secrets: Mapping[str, Any]) -> bool:
    """True when anyone may open the public pages without an account."""
    return bool(settings.secret(secrets, "public"))


def demo_mode(secrets: Mapping[str, Any]) -> bool:
    """No account, no provider, no public access: the local demo mode (everything open)."""
    return not users(secrets) and not uses_st_login(secrets) and not public_access(secrets)


def sign_in_required(secrets: Mapping[str, Any]) -> bool:
    """Whether a visitor without a session sees nothing but the sign-in form."""
    return bool(users(secrets)) and not public_access(secrets) and not uses_st_login(secrets)


_PROCESS_SECRET = token_source.token_urlsafe(32)
_warned_secret = False


def cookie_secret(secrets: Mapping[str, Any]) -> str:
    """The key that signs session cookies; without one configured, a key of this process
    (sessions then end when the server restarts: `observatory user add` writes one)."""
    global _warned_secret
    configured = str(settings.secret(secrets, "cookie_secret"))
    if len(configured) >= 16:
        return configured
    if users(secrets) and not _warned_secret:
        _warned_secret = True
        log.warning("aucune clé cookie_secret dans le fichier de secrets : les sessions "
                    "prendront fin au redémarrage du serveur")
    return _PROCESS_SECRET


def pseudonym(secrets: Mapping[str, Any], text: str) -> str:
    """How a log line names an account or a client: a keyed hash, never the name itself (the
    server's key is needed to link it to a name: ``observatory user list`` shows each one)."""
    digest = hmac.new(cookie_secret(secrets).encode(), text.strip().casefold().encode(),
                      hashlib.sha256).hexdigest()
    return "#" + digest[:10]


# -- passwords ----------------------------------------------------------------------------------
def check_password(secrets: Mapping[str, Any], name: str, password: str) -> Account | None:
    """The account when the password matches its hash, else None (same cost either way)."""
    account = users(secrets).get(name)
    stored = account.password_hash if account else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if account is None or account.role not in ACCOUNT_ROLES:
        return None
    if account.role == "adherent" and account.team is None:
        return None  # a member team's account without its team would see no team at all
    return account


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("Mot de passe trop court : 10 caractères au moins.")
    return _hasher.hash(password)


# -- sessions -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    """A signed-in visitor, as the session cookie names them and the secrets file confirms."""

    user: str
    role: str
    team: int | None
    sid: str


def _serializer(secrets: Mapping[str, Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(cookie_secret(secrets), salt="observatoire-session")


def _fingerprint(secrets: Mapping[str, Any], account: Account) -> str:
    """Changes with the password hash, tells nothing of it (keyed by the server's secret)."""
    return hmac.new(cookie_secret(secrets).encode(), account.password_hash.encode(),
                    hashlib.sha256).hexdigest()[:16]


def session_seconds(secrets: Mapping[str, Any]) -> int:
    """How long a sign-in lasts (``session_days``), in seconds."""
    days = float(settings.secret(secrets, "session_days"))
    return max(60, int(days * 86400)) if math.isfinite(days) else 7 * 86400


def issue(secrets: Mapping[str, Any], account: Account) -> str:
    """A new session token for ``account``: what the session cookie holds."""
    return _serializer(secrets).dumps({"u": account.name, "r": account.role, "t": account.team,
                                       "f": _fingerprint(secrets, account),
                                       "s": token_source.token_urlsafe(12)})


def session(secrets: Mapping[str, Any], token: str | None) -> Session | None:
    """The session a token stands for, if it is still good: signed by this server, not expired,
    not closed, and its account still there with the same role, team and password."""
    if not token:
        return None
    try:
        data = _serializer(secrets).loads(token, max_age=session_seconds(secrets))
    except BadSignature:  # SignatureExpired is one: an old cookie is simply no session
        return None
    if not isinstance(data, dict):
        return None
    account = users(secrets).get(str(data.get("u")))
    if account is None or account.role not in ACCOUNT_ROLES or account.role != data.get("r") \
            or account.team != data.get("t") or _fingerprint(secrets, account) != data.get("f"):
        return None
    sid = str(data.get("s", ""))
    if sid in closed_sessions():
        return None
    return Session(account.name, account.role, account.team, sid)


def _closed_file() -> Path:
    return secrets_file().with_name("closed_sessions.json")


def _read_closed(path: Path) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text("utf-8")).items()}
    except (FileNotFoundError, ValueError, AttributeError):
        return {}


_CLOSED: dict[str, tuple[tuple[int, int], dict[str, float]]] = {}
_CLOSED_LOCK = threading.Lock()


def closed_sessions() -> dict[str, float]:
    """Sessions ended by « Se déconnecter » before they expired (id → when they expire), kept
    beside the secrets file so that a restart does not reopen them."""
    path = _closed_file()
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (info.st_mtime_ns, info.st_size)
    with _CLOSED_LOCK:
        found = _CLOSED.get(str(path))
        if found is not None and found[0] == stamp:
            return found[1]
    closed = _read_closed(path)
    with _CLOSED_LOCK:
        _CLOSED[str(path)] = (stamp, closed)
    return closed


def close(secrets: Mapping[str, Any], token: str | None) -> bool:
    """End the session of ``token`` for good (a copy of the cookie is refused from now on)."""
    found = session(secrets, token)
    if found is None:
        return False
    path = _closed_file()
    now = time.time()
    with _CLOSED_LOCK:
        closed = {k: v for k, v in _read_closed(path).items() if v > now}
        closed[found.sid] = now + session_seconds(secrets)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(closed), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    log.info("session fermée (compte %s)", pseudonym(secrets, found.user))
    return True


# -- slowing down repeated failures -------------------------------------------------------------
FREE_FAILURES = 3  # failures allowed before each further attempt has to wait
MAX_WAIT = 300.0  # seconds: the wait doubles from 1 s up to this
FORGET_AFTER = 900.0  # seconds without a failure after which the count starts again


class Throttle:
    """Failed sign-ins per key (an account name, a client address): after ``FREE_FAILURES``,
    the next attempt must wait 1 s, then 2, 4… up to ``MAX_WAIT``. An attempt made during the
    wait is refused without checking its password; a success forgets the key's failures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # key → (count, last failure)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds left before ``key`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
        if count < FREE_FAILURES or now - last > FORGET_AFTER:
            return 0.0
        return max(0.0, last + min(MAX_WAIT, 2.0 ** (count - FREE_FAILURES)) - now)

    def failed(self, key: str, now: float | None = None) -> int:
        """Count one failure of ``key``; returns its failures so far."""
        now = time.monotonic() if now is None else now
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
            count = 1 if now - last > FORGET_AFTER else count + 1
            self._failures[key] = (count, now)
            if len(self._failures) > 10_000:  # forget the oldest: memory stays bounded
                for stale in sorted(self._failures, key=lambda k: self._failures[k][1])[:5000]:
                    del self._failures[stale]
        return count

    def forget(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


THROTTLE = Throttle()


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt gave: the account, or none; whether the password was checked
    (not during a wait), and the seconds to wait before the next attempt."""

    account: Account | None
    checked: bool = True
    wait: float = 0.0


def attempt(secrets: Mapping[str, Any], name: str, password: str, client: str,
            throttle: Throttle = THROTTLE) -> Attempt:
    """One sign-in through the form: slowed down per account and per client after repeated
    failures, logged by pseudonym (never a name, an address or a password). The outcome never
    says whether the account exists."""
    name = name.strip()
    keys = (f"compte:{name.casefold()}", f"client:{client}")
    who = f"compte {pseudonym(secrets, name)}, client {pseudonym(secrets, client)}"
    wait = max(throttle.wait(k) for k in keys)
    if wait > 0:
        log.warning("connexion ralentie : tentative refusée sans vérification (%s, %d s "
                    "d'attente)", who, math.ceil(wait))
        return Attempt(None, checked=False, wait=wait)
    account = check_password(secrets, name, password)
    if account is None:
        counts = [throttle.failed(k) for k in keys]
        log.warning("connexion refusée : identifiant ou mot de passe incorrect (%s, échecs : "
                    "%d pour ce compte, %d pour ce client)", who, *counts)
        return Attempt(None, wait=max(throttle.wait(k) for k in keys))
    for key in keys:
        throttle.forget(key)
    log.info("connexion réussie (rôle %s, %s)", account.role, who)
    return Attempt(account)


# -- writing accounts ---------------------------------------------------------------------------
def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_user(name: str, role: str, password: str, secrets_path: Path | None = None,
             team: int | None = None) -> Path:
    """Write (or replace) one account in the secrets file, keeping everything else in it; the
    first account also gets the key that signs session cookies."""
    if not _NAME.match(name):
        raise ValueError("Nom d'utilisateur invalide : lettres, chiffres, « . », « _ » ou « - ».")
    role = role_name(role)
    if (role == "adherent") != (team is not None):
        raise ValueError("Un compte adhérent est lié à une équipe (--team), et lui seul."
                         if role == "adherent" else
                         "Seul un compte adhérent est lié à une équipe (--team).")
    path = secrets_file(secrets_path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    parsed = tomllib.loads(text)  # refuse to touch a file we could not read back
    header = f"[{SECTION}.users.{name}]"
    hashed = _toml_string(hash_password(password))
    block = f"{header}\nrole = {_toml_string(role)}\n"
    if team is not None:
        block += f"team = {int(team)}\n"
    block += f"password_hash = {hashed}\n"
    text = _user_block(name).sub("", text).rstrip("\n")  # replaces an existing account
    if len(str(settings.secret(parsed, "cookie_secret"))) < 16:
        text = _with_cookie_secret(text)
    _write_secrets(path, f"{text}\n\n{block}" if text else block)
    log.info("compte de rôle %s enregistré dans %s", role, path)  # its name is personal
    return path


def _with_cookie_secret(text: str) -> str:
    """``text`` with a new ``cookie_secret`` in its ``[observatoire]`` table (made if needed)."""
    line = f"cookie_secret = {_toml_string(token_source.token_urlsafe(32))}"
    text = re.sub(r"^cookie_secret\s*=.*\n?", "", text, flags=re.M)
    header = re.compile(rf"^\[{re.escape(SECTION)}\][ \t]*$", re.M)
    if header.search(text):
        return header.sub(lambda m: f"{m.group(0)}\n{line}", text, count=1)
    return f"{text}\n\n[{SECTION}]\n{line}".lstrip("\n")


def _user_block(name: str) -> re.Pattern[str]:
    """One account's table in the secrets file, up to the next table header."""
    return re.compile(rf"^\[{re.escape(SECTION)}\.users\.{re.escape(name)}\]\n(?:(?!\[).*\n?)*",
                      re.M)


def _write_secrets(path: Path, text: str) -> None:
    """Replace the secrets file atomically, readable by its owner only."""
    tomllib.loads(text)  # never write a file the app could not read
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
