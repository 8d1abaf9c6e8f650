"""Fixtures of the importer tests: a real DuckDB store in tmp_path, its state, the corpus."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from observatory import store

CORPUS = Path(__file__).resolve().parent / "corpus"
BAD = Path(__file__).resolve().parent / "bad"
TABLES = (
    "teams", "memberships", "membership_choices", "facilitations", "facilitation_teams",
    "surveys", "survey_questions", "survey_responses", "survey_answers", "fiches",
    "import_batches", "rejected_rows", "meta", "column_mappings", "reference_team_counts",
)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised store, made once: each test gets its own copy of it."""
    return store.init(tmp_path_factory.mktemp("template") / "template.duckdb", "femasaura")


@pytest.fixture
def db(tmp_path: Path, empty_store: Path) -> Path:
    """A fresh store with the reference départements, for FemasAURA&Co."""
    path = tmp_path / "observatoire.duckdb"
    shutil.copyfile(empty_store, path)
    return path


@pytest.fixture
def corpus() -> Path:
    return CORPUS


@pytest.fixture
def bad() -> Path:
    return BAD


def db_state(db: Path) -> tuple[str, dict[str, int]]:
    """The store file's SHA-256 and the row count of every table."""
    with store.reading(db) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return hashlib.sha256(db.read_bytes()).hexdigest(), counts


@pytest.fixture
def state() -> Callable[[Path], tuple[str, dict[str, int]]]:
    return db_state


@pytest.fixture
def count(db: Path) -> Callable[..., int]:
    """``count("SELECT count(*) …", params)``: one integer from the store."""

    def run(sql: str, params: list | None = None) -> int:
        return int(store.query(sql, params, db=db).iloc[0, 0])

    return run
