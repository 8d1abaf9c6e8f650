"""Shared fixtures: a real demo store built once per test session through the real importers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT.parent / "shared" / "domain" / "published"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from data/demo by `observatory demo` logic; read-only for tests."""
    from observatory import demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path)
    return path


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store for tests that write."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, path)
    return path
