"""The committed demo files are exactly what the deterministic generator writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory import demo, demo_fecop
from observatory.config import DEMO_DIR


@pytest.mark.parametrize("federation", demo.DEMOS)
def test_generator_is_deterministic_and_matches_committed_files(tmp_path: Path,
                                                                federation: str) -> None:
    committed = demo.demo_dir(federation)
    written = (demo.generate(tmp_path) if federation == "femasaura"
               else demo_fecop.generate(tmp_path))
    assert {p.name for p in written} == {p.name for p in committed.iterdir() if p.is_file()}
    for path in written:
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name


def test_demo_files_use_the_formats_real_tools_write() -> None:
    raw_2024 = (DEMO_DIR / "adhesions_2024.csv").read_bytes()
    raw_2024.decode("cp1252")  # French Excel
    assert b";" in raw_2024.splitlines()[0]
    text_2025 = (DEMO_DIR / "adhesions_2025.csv").read_text(encoding="utf-8")
    assert text_2025.startswith("Horodateur,")  # online form tool
    assert (DEMO_DIR / "facilitations.xlsx").read_bytes()[:2] == b"PK"
    survey = (DEMO_DIR / "enquete_2025-04-recherche.csv").read_text(encoding="utf-8")
    assert survey.startswith("id,submitdate,lastpage")  # survey tool technical columns
    assert "Q2[SQ001]" in survey.splitlines()[0]
