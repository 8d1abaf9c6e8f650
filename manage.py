#!/usr/bin/env python3
"""The project's two commands, with nothing but Python and pip on the machine.

    python manage.py run    set up .venv (requirements.lock), build the demo store if needed, start the app
    python manage.py test   set up .venv (requirements-test.lock, and the headless browser), run ruff, mypy
                            and every test
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from observatory import settings  # standard library only: readable before .venv exists

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
# `run` installs what the app needs; `test` adds the tests' tools (Playwright, pytest, ruff, mypy…:
# a third of the download). The test lock includes the run lock (`-r`): each version is pinned once.
LOCKS = {"run": ROOT / "requirements.lock", "test": ROOT / "requirements-test.lock"}
UV = "uv==0.13.9"  # the installer's own pin (it installs the locks, it is in neither)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of the commands started here. Where PYTHONDONTWRITEBYTECODE is set, every
    process — the demo build, the server, each test's subprocess — compiled pandas, streamlit…
    again (about 4 s of CPU each on this machine): their compiled modules are kept, in .venv
    rather than beside the sources (PYTHONPYCACHEPREFIX), which is what the variable protects."""
    env = dict(os.environ, **extra)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env.setdefault("PYTHONPYCACHEPREFIX", str(VENV / "pycache"))
    return env


def sh(*cmd: str | Path, check: bool = True, **kw) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    kw.setdefault("env", child_env())
    return subprocess.run([str(c) for c in cmd], check=check, cwd=ROOT, **kw).returncode


def bundled_pip() -> Path | None:
    """The pip wheel Python ships for ensurepip: pip runs straight from it (``wheel/pip``), so
    .venv needs no pip of its own (installing and compiling one took 18 s of an 83 s first run)."""
    import ensurepip

    return next(iter(sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))),
                None)


def _digest(kind: str) -> str:
    """What the ``kind`` environment is made from: its lock, the locks it includes, pyproject."""
    files = [LOCKS["run"], ROOT / "pyproject.toml"] + ([LOCKS["test"]] if kind == "test" else [])
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def setup(kind: str = "test") -> None:
    """Create .venv and install the pinned dependencies of ``kind`` (run, or test: run and the
    tests' tools), once per change of what they are made from."""
    wheel = bundled_pip()
    if not PY.exists():
        venv.create(VENV, with_pip=wheel is None)
    stamp = VENV / f".installed-{kind}"
    if stamp.exists() and stamp.read_text() == _digest(kind):
        return
    lock = LOCKS[kind]
    pip = [PY, *([wheel / "pip"] if wheel else ["-m", "pip"]), "install", "--quiet",
           "--disable-pip-version-check"]
    # uv installs the locked tree in parallel, several times faster than pip on a first run
    # (the same pinned versions from the same index); pip remains the way where uv can't go.
    uv = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if not uv.exists():
        sh(*pip, UV, check=False)
    if uv.exists() and sh(uv, "pip", "install", "--quiet", "--python", PY, "-r", lock,
                          check=False) == 0:
        sh(uv, "pip", "install", "--quiet", "--python", PY, "--no-deps", "--no-build-isolation",
           "-e", ".")
    else:
        sh(*pip, "-r", lock)
        sh(*pip, "--no-deps", "--no-build-isolation", "-e", ".")
    for done in ("run", "test") if kind == "test" else ("run",):  # the test tree holds the run's
        (VENV / f".installed-{done}").write_text(_digest(done))


def browser() -> None:
    """Debian's Chromium for the end-to-end tests (no browser download from elsewhere)."""
    if shutil.which("chromium") or settings.value("no_browser_install"):
        return
    apt = shutil.which("apt-get")
    if not apt:
        print("apt-get absent : les tests navigateur seront ignorés (Chromium introuvable).")
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if sh(*sudo, apt, "update", "-qq", check=False, env=env) == 0:
        sh(*sudo, apt, "install", "-y", "-qq", "--no-install-recommends", "chromium",
           "chromium-driver", check=False, env=env)


def run() -> int:
    """``run [--federation fecop] [streamlit options]``: the app on the demo store of that
    federation (data/demo_fecop.duckdb unless OBSERVATORY_DB says otherwise), built if absent."""
    setup("run")
    options = sys.argv[2:]
    federation = "femasaura"
    if "--federation" in options:
        at = options.index("--federation")
        federation = options[at + 1] if at + 1 < len(options) else ""
        del options[at:at + 2]
    db, extra = settings.value("db"), {}
    if federation != "femasaura" and db == settings.setting("db").default:
        db = ROOT / "data" / f"demo_{federation}.duckdb"
        extra["OBSERVATORY_DB"] = str(db)
    if not db.exists() and sh(BIN / "observatory", "demo", "--federation", federation,
                              "--db", db, check=False):
        return 2
    return sh(BIN / "streamlit", "run", ROOT / "server.py", "--browser.gatherUsageStats", "false",
              *options, check=False, env=child_env(**extra))


def test() -> int:
    setup()
    browser()
    if sh(BIN / "ruff", "check", ".", check=False):
        return 1
    if sh(BIN / "mypy", check=False):  # files and settings: [tool.mypy] in pyproject.toml
        return 1
    return sh(PY, "-m", "pytest", *sys.argv[2:], check=False)


if __name__ == "__main__":
    commands = {"run": run, "test": test, "setup": lambda: setup() or 0}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
