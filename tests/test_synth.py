"""The synthetic store generator at small scale: deterministic files, built through the importers."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pytest

from observatory import geo, synth
from observatory.config import get_federation
from observatory.filters import Scope

SMALL = synth.SCALES["small"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    """The small scale's export files and the store built from them."""
    root = tmp_path_factory.mktemp("synth")
    out = root / "exports"
    synth.generate(out, "small")
    db = root / "small.duckdb"
    timings = synth.build(db, out)
    return out, db, timings


def test_national_profile_covers_all_of_france() -> None:
    fed = get_federation(synth.FEDERATION)
    deps = geo.departements()
    assert fed.name == "AVECsanté" and fed.region == "France"
    assert len(fed.departements) == 101
    assert set(fed.departements) == set(deps["code"])
    assert len(fed.territories) == 18
    in_regions = [c for codes in fed.territories.values() for c in codes]
    assert sorted(in_regions) == sorted(fed.departements)  # each département in one region
    for region, codes in fed.territories.items():
        assert set(deps.loc[deps["region_name"] == region, "code"]) == set(codes)


def test_files_are_deterministic(small: tuple[Path, Path, list], tmp_path: Path) -> None:
    out, _, _ = small
    again = synth.generate(tmp_path / "again", "small")
    assert {p.name for p in again} == {p.name for p in out.iterdir()}
    for path in again:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_files_use_the_formats_real_tools_write(small: tuple[Path, Path, list]) -> None:
    out, _, _ = small
    first, last = SMALL.years[0], SMALL.years[-1]
    early = (out / f"adhesions_{first}.csv").read_bytes()
    if first < synth.FORM_FROM:
        early.decode("cp1252")
        assert b";" in early.splitlines()[0]
    form = (out / f"adhesions_{last}.csv").read_text(encoding="utf-8")
    assert form.startswith("Horodateur,")
    assert (out / f"facilitations_{last}.xlsx").read_bytes()[:2] == b"PK"
    surveys = sorted(out.glob("enquete_*.csv"))
    assert len(surveys) == SMALL.surveys
    assert all(p.with_suffix(".toml").exists() for p in surveys)


def test_store_holds_what_the_import_path_wrote(small: tuple[Path, Path, list]) -> None:
    out, db, timings = small
    entries = synth.manifest(out)
    assert [t.file for t in timings] == [e["file"] for e in entries]
    con = duckdb.connect(str(db), read_only=True)
    try:
        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        batches = con.execute(
            "SELECT kind, file_name, rows_imported, rows_rejected, undone FROM import_batches "
            "ORDER BY batch_id").fetchall()
        assert [(b[0], b[1]) for b in batches] == [(e["kind"], e["file"]) for e in entries]
        assert all(b[2] > 0 and b[3] == 0 and not b[4] for b in batches)
        assert one("SELECT value FROM meta WHERE key = 'federation'") == synth.FEDERATION
        assert one("SELECT count(*) FROM facilitations") == SMALL.facilitations
        assert 0.8 * SMALL.teams <= one("SELECT count(*) FROM teams WHERE team_type IS NOT NULL") \
            <= 1.3 * SMALL.teams
        members = one("SELECT count(*) FROM memberships")
        assert SMALL.teams * 0.5 <= members <= SMALL.teams * len(SMALL.years)
        deps = {r[0] for r in con.execute("SELECT DISTINCT departement FROM memberships").fetchall()}
        assert deps <= set(SMALL.departements) and len(deps) >= 3
        assert one("SELECT count(DISTINCT year) FROM memberships") == len(SMALL.years)
        assert one("SELECT count(*) FROM surveys") == SMALL.surveys
        assert one("SELECT count(*) FROM survey_questions") == SMALL.surveys * SMALL.questions
        responses = one("SELECT count(*) FROM survey_responses WHERE complete")
        assert SMALL.surveys * 5 <= responses <= SMALL.surveys * SMALL.respondents * 1.5
        assert one("SELECT count(*) FROM survey_answers") > responses
        assert 1 <= one("SELECT count(*) FROM fiches") <= SMALL.fiches
        # statuses change over the years and facilitations record the status of their day
        assert one("SELECT count(DISTINCT status) FROM memberships") == 3
        assert one("SELECT count(DISTINCT team_profile) FROM facilitations") >= 2
    finally:
        con.close()
    assert sum(t.rows for t in timings) == sum(b[2] for b in batches)


def test_cli_parser() -> None:
    parser = argparse.ArgumentParser()
    synth.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["synth", "--scale", "small", "--db", "x.duckdb"])
    assert (args.scale, args.db, args.out) == ("small", "x.duckdb", None)
    with pytest.raises(SystemExit):
        parser.parse_args(["synth", "--scale", "huge", "--db", "x.duckdb"])


def test_cli_builds_a_consistent_small_store(tmp_path: Path) -> None:
    from observatory import cli, indicators, store

    db = tmp_path / "cli.duckdb"
    assert cli.main(["synth", "--scale", "small", "--db", str(db), "--quiet"]) == 0
    assert store.federation_id(db) == synth.FEDERATION
    assert indicators.available_years(db) == sorted(SMALL.years, reverse=True)
    figures = indicators.key_figures(
        Scope(year=SMALL.years[-1]), get_federation(synth.FEDERATION), db)
    assert figures["facilitations"] > 0 and figures["adherent_teams"] > 0
    assert sum(d["facilitations"] for d in figures["by_departement"].values()) == \
        figures["facilitations"]
    # one series of files, one copy-on-write: only the last batch keeps an undo snapshot
    assert len(list(tmp_path.glob("cli.duckdb.undo-*"))) == 1
