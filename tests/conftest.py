"""Shared fixtures: a real demo store built once per test session through the real importers."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from accounts import sign_in_as


@pytest.fixture(autouse=True, scope="session")
def _no_real_secrets_for_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Before any fixture runs: the secrets of the session are a file of its own (absent: the
    local demo mode), for the app, the commands, and Streamlit's own st.secrets."""
    from streamlit import config

    path = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATORY_SECRETS", str(path))
        previous = config.get_option("secrets.files")
        config.set_option("secrets.files", [str(path)])
        try:
            yield path
        finally:
            config.set_option("secrets.files", previous)


@pytest.fixture(autouse=True)
def secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test points its secrets at a temporary file of its own (absent until a test adds
    an account): following the README's account set-up on this machine changes no test."""
    path = tmp_path / "secrets" / "secrets.toml"
    monkeypatch.setenv("OBSERVATORY_SECRETS", str(path))
    return path


@pytest.fixture
def sign_in(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """``sign_in(role, name="alice", team=None)``: the AppTest runs of this test come from a
    browser signed in as a real account of the test's secrets file, with a real session token
    (``auth.issue``, what the sign-in form sets) as its cookie. AppTest sends no cookie
    (``st.context.cookies`` is empty there): the token is handed to
    ``observatory.ui.auth.request_cookies``, where the app reads the browser's cookies. The
    cookie itself, set by the form, is tested in a real browser (tests/e2e)."""
    def sign(role: str, name: str = "alice", team: int | None = None) -> str:
        return sign_in_as(monkeypatch, role, name, team)

    return sign


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from data/demo by `observatory demo` logic; read-only for tests."""
    from observatory import demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path)
    return path


@pytest.fixture(scope="session")
def fecop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Occitanie demo store (data/demo/fecop), built through the real importers; read-only."""
    from observatory import demo

    path = tmp_path_factory.mktemp("fecop") / "fecop.duckdb"
    demo.build(path, demo.demo_dir("fecop"))
    return path


@pytest.fixture(scope="session")
def scope_matrix(demo_db: Path) -> dict:
    """Every page of every scope of ``matrix.scopes()`` on the demo store, built once."""
    from matrix import pages, scopes

    from observatory import geo

    deps = geo.departements()
    names = dict(zip(deps["code"], deps["name"], strict=True))
    return {scope: pages(scope, demo_db, names) for scope in scopes()}


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store for tests that write."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(autouse=True)
def _navigation_apps_in_apptest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest run app.py on every rerun, as the real server does.

    The real server sets ``PagesManager.uses_pages_directory = False`` once st.navigation has
    been called and keeps it for the session. AppTest resets it before every run, so with a
    ``pages/`` folder present its reruns execute the page file alone (legacy multipage mode)
    and skip app.py, the sidebar with it. Forcing the flag restores the server's behaviour.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _default_store_untouched() -> Iterator[None]:
    """No test may create or change the user's own store (data/observatory.duckdb)."""
    from observatory.config import DEFAULT_DB

    def stamp() -> tuple[int, int] | None:
        try:
            info = DEFAULT_DB.stat()
        except FileNotFoundError:
            return None
        return info.st_ino, info.st_mtime_ns

    before = stamp()
    yield
    assert stamp() == before, f"a test wrote the default store {DEFAULT_DB}"
