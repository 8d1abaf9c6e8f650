"""Replicas: two servers on one store, a third process importing; both serve the new data."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from observatory import formats, indicators, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.ui.probe import Session, serve

ROOT = Path(__file__).resolve().parents[1]
LABEL = "Équipes adhérentes"


def _expected(db: Path) -> str:
    federation = get_federation(store.federation_id(db))
    return formats.number(indicators.key_figures(Scope(year=2025), federation, db)["adherent_teams"])


async def _home(url: str) -> str:
    async with Session(url, "", "annee=2025", timeout=120) as session:
        run = await session.run()
    assert not run.errors, run.errors
    return run.metrics[LABEL]


async def _scenario(urls: list[str], db: Path, new_team: Path) -> tuple[list[str], list[str]]:
    before = [await _home(url) for url in urls]
    readers = [await Session(url, "", "annee=2025", timeout=120).__aenter__() for url in urls]
    importer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "observatory", "import", "adhesions", str(new_team), "--db", str(db),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    waiting = asyncio.ensure_future(importer.communicate())
    while not waiting.done():  # both servers keep serving while the import writes
        for reader in readers:
            run = await reader.run()
            assert not run.errors, run.errors
    assert importer.returncode == 0, waiting.result()[1].decode()
    # a session opened before the import, rerun, and a new session: both see the import
    after = [(await reader.run()).metrics[LABEL] for reader in readers]
    for reader in readers:
        await reader.__aexit__()
    assert after == [await _home(url) for url in urls]
    return before, after


def test_two_servers_on_one_store_serve_what_a_third_process_imports(demo_copy: Path,
                                                                    tmp_path: Path) -> None:
    new_team = tmp_path / "adhesion.csv"
    new_team.write_text("Nom de la structure,Type de structure,Stade,Département,Année\n"
                        "MSP Réplique Zzqx,MSP,Sous ACI,15,2025\n", encoding="utf-8")
    expected_before = _expected(demo_copy)
    version = store.version(demo_copy)
    with serve(ROOT / "server.py", demo_copy, tmp_path / "a") as a, \
            serve(ROOT / "server.py", demo_copy, tmp_path / "b") as b:
        before, after = asyncio.run(_scenario([a.url, b.url], demo_copy, new_team))
        for server in (a, b):
            assert server.process.poll() is None
            assert "Traceback" not in server.log.read_text(errors="replace")
    assert store.version(demo_copy) != version
    assert before == [expected_before] * 2
    assert after == [_expected(demo_copy)] * 2
    assert int(after[0].replace("\u202f", "").replace("\xa0", "")) == int(
        before[0].replace("\u202f", "").replace("\xa0", "")) + 1
