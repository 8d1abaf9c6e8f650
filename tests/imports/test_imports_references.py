"""Reference counts of existing teams: import, replacement, errors, and the map's share."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory import cli, imports, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.imports import ImportRefused
from observatory.views import carte

HEADER = "Département;Type de structure;Nombre d'équipes;Année;Source\n"


def write(path: Path, rows: str, encoding: str = "utf-8") -> Path:
    path.write_text(HEADER + rows, encoding=encoding)
    return path


def counts(db: Path) -> dict[tuple[str, str, int], int]:
    df = store.query("SELECT departement, team_type, year, teams FROM reference_team_counts",
                     db=db)
    return {(r.departement, r.team_type, r.year): r.teams for r in df.itertuples()}


def test_import_replaces_the_same_counts_only(db: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "ref1.csv", "38 - Isère;MSP;61;2025;ARS\nIsère;CPTS;12;2025;ARS\n"
                                         "69;Maison de santé pluriprofessionnelle;55;2025;ARS\n")
    report = imports.import_file("references", first, db=db)
    assert report.rows_imported == 3
    second = write(tmp_path / "ref2.csv", "038;MSP;64;2025;ARS\n", encoding="cp1252")
    report = imports.import_file("references", second, db=db)
    assert any("remplacé" in note for note in report.notes)
    assert counts(db) == {("38", "MSP", 2025): 64, ("38", "CPTS", 2025): 12,
                          ("69", "MSP", 2025): 55}


def test_bad_rows_are_refused_with_line_column_and_value(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "ref.csv", "Isèr;MSP;10;2025;\n38;MSP;-2;2025;\n38;MSP;3;2025;\n"
                                       "38;MSP;4;2025;\n")
    with pytest.raises(ImportRefused) as refused:
        imports.import_file("references", path, db=db)
    text = "\n".join(str(e) for e in refused.value.errors)
    assert "ligne 2" in text and "« Isèr »" in text
    assert "ligne 3" in text and "« -2 » n'est pas un nombre d'équipes plausible (attendu de 0" in text
    assert "ligne 5" in text and "en double" in text
    assert counts(db) == {}


def test_cli_takes_the_year_and_the_map_shows_the_share(demo_copy: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "sans_annee.csv"
    path.write_text("Département,Type,Nombre de structures\n38,MSP,42\n38,CPTS,6\n",
                    encoding="utf-8")
    assert cli.main(["import", "references", str(path), "--year", "2025",
                     "--db", str(demo_copy)]) == 0
    assert "2 importée(s)" in capsys.readouterr().out
    members = store.query(
        "SELECT count(*) AS n FROM memberships WHERE year = 2025 AND departement = '38' "
        "AND team_type IN ('MSP', 'CPTS')", db=demo_copy)["n"].iloc[0]
    view = carte.build(Scope(year=2025), get_federation("femasaura"), demo_copy,
                       indicator="coverage")
    data = view.figures[0].data.set_index("Code")
    share = data.loc["38", "Part des équipes existantes adhérentes"]
    assert share == pytest.approx(members / 48)
