"""End-to-end fixtures: one real Streamlit server and one Debian Chromium for the whole session.

The server runs ``streamlit run server.py`` (the app behind its sign-in routes) on a free loopback
port against a private copy of the demo store (the session's ``demo_db`` is never written to), in
the local demo mode; ``auth_server`` is a second one, with accounts, for the sign-in tests.
Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright's Python package; Playwright's own
browser download is never used. Each test gets a new browser context (empty cookies and storage)
at 1440×900.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
# What works as root on this kind of machine: no sandbox, no GPU, and no background traffic
# (the network is closed: Chromium's own connections would only produce refusals). Playwright
# gives every launch a new empty user-data-dir itself (it refuses a --user-data-dir argument).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Streamlit's frontend, opened directly on a page URL (/carte), first probes
# /carte/_stcore/health and /carte/_stcore/host-config, gets 404, then uses /_stcore/…
# (streamlit/streamlit#7074). The browser logs each 404 as a console error: benign noise.
BENIGN_CONSOLE_URL = re.compile(r"/[^/?#]+/_stcore/(health|host-config)(\?.*)?$")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Run the browser tests after every other test (pytest would collect tests/e2e first)."""
    items.sort(key=lambda item: HERE in Path(str(item.path)).parents)


# -- the server ---------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    db: Path
    log: Path
    process: subprocess.Popen
    touched: bool = False  # a browser has opened a page of this server
    warmed: bool = False  # a browser has opened "/" (the entry point, hence st.navigation)


@pytest.fixture(scope="session")
def e2e_store(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo store: the import test writes to it, demo_db stays intact."""
    path = tmp_path_factory.mktemp("e2e-store") / "observatory.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@contextlib.contextmanager
def running(store_path: Path, folder: Path, secrets: Path) -> Iterator[Server]:
    """``streamlit run server.py`` (``probe.serve``, the one way a server is started) with its
    own store and secrets file (never the machine's)."""
    from observatory.ui.probe import ServerError, serve

    try:
        with serve(ROOT / "server.py", store_path, folder, secrets=secrets) as started:
            yield Server(started.url, store_path, started.log, started.process)
    except ServerError as exc:
        pytest.fail(f"Le serveur Streamlit n'a pas démarré : {exc}")


@pytest.fixture(scope="session")
def server(e2e_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app in its local demo mode (no account), on a copy of the demo store."""
    folder = tmp_path_factory.mktemp("e2e-server")
    secrets = folder / "secrets.toml"
    # No account configured: the app's local demo mode, whatever ~/.streamlit holds.
    secrets.write_text("# vide : mode démonstration locale pour les tests navigateur\n")
    with running(e2e_store, folder, secrets) as started:
        yield started


# The accounts of the server that requires signing in (``auth_server``).
ACCOUNTS = {"marie": ("equipe", None), "paul": ("lecture", None), "lac": ("adherent", 48)}
E2E_PASSWORD = "mot de passe du navigateur"


@pytest.fixture(scope="session")
def auth_server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app with accounts (``ACCOUNTS``): nothing but the sign-in form before signing in.
    Started on first use, so that its first request is a test's."""
    from observatory import auth

    folder = tmp_path_factory.mktemp("e2e-auth")
    store_path = folder / "observatory.duckdb"
    shutil.copyfile(demo_db, store_path)
    secrets = folder / "secrets.toml"
    for name, (role, team) in ACCOUNTS.items():
        auth.add_user(name, role, E2E_PASSWORD, secrets, team=team)
    with running(store_path, folder, secrets) as started:
        yield started


# -- the browser --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless; the tests are skipped (with the reason) if it cannot start."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium indisponible : {CHROMIUM} absent (paquet Debian « chromium »)")
    from playwright.sync_api import Error, sync_playwright  # a missing package is an error

    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS, timeout=30_000)
        except Error as exc:
            pytest.skip(f"Chromium indisponible : {exc}")
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class App:
    """One browser context on the app, with what the page logged."""

    server: Server
    browser: Any
    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return self.server.url + path

    def watch(self, page: Any) -> Any:
        """Collect console errors and uncaught exceptions of ``page`` into ``errors``."""

        def on_console(message: Any) -> None:
            if message.type != "error":
                return
            where = (message.location or {}).get("url", "")
            if BENIGN_CONSOLE_URL.search(where) and "404" in message.text:
                return
            self.errors.append(f"console : {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror : {exc}"))
        return page

    def new_context(self) -> Any:
        """Another, fresh browser context (as a second visitor would open the app)."""
        context = self.browser.new_context(viewport=VIEWPORT, locale="fr-FR",
                                           timezone_id="Europe/Paris", accept_downloads=True)
        context.set_default_timeout(20_000)
        return context


def _new_app(browser: Any, server: Server) -> App:
    shell = App(server, browser, None, None)
    shell.context = shell.new_context()
    shell.page = shell.watch(shell.context.new_page())
    server.touched = True
    return shell


@pytest.fixture
def app(browser: Any, server: Server) -> Iterator[App]:
    """A new browser context and page for one test (the browser and server are shared).

    The server is first warmed by opening "/": with a ``pages/`` folder beside app.py, a fresh
    Streamlit server runs a page URL such as /carte as a lone script (legacy pages/ mode) until
    the entry point has run once. That is tested once, by ``fresh_app``; the other tests must not
    depend on which test happened to open the server first.
    """
    shell = _new_app(browser, server)
    try:
        if not server.warmed:
            warm = shell.context.new_page()
            warm.goto(server.url + "/")
            warm.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
            warm.close()
            server.warmed = True
        yield shell
    finally:
        shell.context.close()


@pytest.fixture
def fresh_app(browser: Any, server: Server) -> Iterator[App]:
    """Like ``app`` on a server no browser has opened yet (the first browser test asks for it)."""
    if server.touched:
        pytest.skip("le serveur a déjà servi une page : ce test doit être le premier test "
                    "navigateur de la session (ordre du fichier)")
    shell = _new_app(browser, server)
    try:
        yield shell
    finally:
        shell.context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """test-artifacts/screenshots at the repository root (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
