"""Population covered by the teams, computed again here from the files themselves (the commune
file, the demo's list and forms), and the teams on the map: named for staff only."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import pytest

from observatory import cli, store
from observatory.config import DEMO_DIR, PACKAGE_DIR, get_federation
from observatory.filters import Scope
from observatory.formats import typography
from observatory.views import access, carte

FED = get_federation("femasaura")


def _communes() -> dict[str, tuple[str, int]]:
    """code → (département, population), read from the shipped file with the csv module."""
    with gzip.open(PACKAGE_DIR / "data" / "geo" / "communes.csv.gz", "rt", encoding="utf-8") as f:
        return {r["code"]: (r["departement"], int(r["population"] or 0))
                for r in csv.DictReader(f)}


def _demo_rows(name: str, delimiter: str) -> list[dict[str, str]]:
    text = (DEMO_DIR / name).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def expected(departements: set[str]) -> dict[str, float]:
    """The four shares, from the demo's list (where each team is, which CPTS covers which
    communes) and its 2025 forms (which teams are members: by FINESS, or a CPTS by its name)."""
    communes = _communes()
    listed = _demo_rows("liste_equipes_existantes_2025.csv", ";")
    forms = _demo_rows("adhesions_2025.csv", ",")
    finess = {r["Identifiant"] for r in forms if r["Identifiant"]}
    cpts_names = {r["Nom de l'équipe"] for r in forms if "territoriale" in
                  r["Type d'exercice coordonné"]}
    sited = [r for r in listed if r["Catégorie"] in ("603", "124")]
    # every member MSP or centre de santé of the demo is in the list, by its FINESS
    assert all(r["Identifiant"] in {s["N° FINESS ET"] for s in sited} for r in forms
               if r["Identifiant"])
    members = {r["Code commune"] for r in sited if r["N° FINESS ET"] in finess}
    existing = {r["Code commune"] for r in sited}
    cpts = [r for r in listed if r["Catégorie"] == "604"]
    in_member = {c for r in cpts if r["Raison sociale"] in cpts_names
                 for c in r["Communes couvertes"].split(",") if c}
    in_any = {c for r in cpts for c in r["Communes couvertes"].split(",") if c}
    total = sum(p for d, p in communes.values() if d in departements)

    def share(codes: set[str]) -> float:
        return sum(p for c, (d, p) in communes.items() if c in codes and d in departements) / total

    return {"population_covered_share": share(members),
            "population_covered_share_all": share(existing),
            "population_in_member_cpts_share": share(in_member),
            "population_in_cpts_share": share(in_any)}


@pytest.mark.parametrize("options", [[], ["--territory", "Est"], ["--departement", "63"]])
def test_figures_give_the_population_covered(demo_db: Path, capsys: pytest.CaptureFixture,
                                             options: list[str]) -> None:
    assert cli.main(["figures", "--year", "2025", "--db", str(demo_db), "--json",
                     *options]) == 0
    figures = json.loads(capsys.readouterr().out)
    scope = Scope(year=2025, territory=options[1] if "--territory" in options else None,
                  departement=options[1] if "--departement" in options else None)
    for key, value in expected(set(scope.departements(FED))).items():
        assert figures[key] == pytest.approx(value, abs=1e-4), key
    assert 0 < figures["population_covered_share"] < figures["population_covered_share_all"]


def test_the_map_shows_each_departement_s_share(demo_db: Path) -> None:
    view = carte.build(Scope(year=2025), FED, demo_db, indicator="population_covered_all")
    data = view.figures[0].data.set_index("Code")
    label = carte.INDICATORS["population_covered_all"].label
    for dep in ("38", "15", "69"):
        assert data.loc[dep, label] == pytest.approx(expected({dep})[
            "population_covered_share_all"], abs=1e-9)
    assert typography("Ensemble : 31 %") in typography(view.figures[0].caption)


def test_without_a_list_the_shares_it_gives_are_null(demo_copy: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    with store.writing(demo_copy) as con:  # the counts stay, the list goes
        con.execute("DELETE FROM reference_team_communes")
        con.execute("DELETE FROM reference_teams")
    assert cli.main(["figures", "--year", "2025", "--db", str(demo_copy), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["population_covered_share_all"] is None
    assert figures["population_in_member_cpts_share"] is None
    # the members' own communes (their forms) still say where they are
    assert 0 < figures["population_covered_share"] < 1
    view = carte.build(Scope(year=2025), FED, demo_copy, indicator="population_covered_all")
    assert any("sans liste des équipes existantes" in n for n in view.notes)


def test_a_rate_per_100k_stands_next_to_the_federation_s(demo_db: Path) -> None:
    view = carte.build(Scope(year=2025, departement="38"), FED, demo_db, indicator="per_100k")
    assert typography(f"({FED.name} : 2,2)") in typography(view.figures[0].caption)
    assert typography(f"{FED.name} : 2,2") in typography(view.tables[0].caption)


def test_teams_on_the_map_are_named_for_staff_only(demo_db: Path, tmp_path: Path) -> None:
    from observatory.exports import images, presentation
    from observatory.exports.common import ExportContext

    view = carte.build(Scope(year=2025), FED, demo_db, indicator="adherent_teams", points=True)
    forms = _demo_rows("adhesions_2025.csv", ",")
    names = {r["Nom de l'équipe"] for r in forms}
    staff = json.dumps(access.for_role(view, "equipe").figures[0].chart.to_dict(),
                       ensure_ascii=False)
    assert sum(name in staff for name in names) > 100  # the members, named
    reader = access.for_role(view, "lecture")
    spec = reader.figures[0].chart.to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert not any(name in text for name in names)
    assert "equipes_existantes" in text and "Équipe existante" in text  # the list's points
    assert "equipes_localisees" not in {t.key for t in reader.tables}
    context = ExportContext("Auvergne-Rhône-Alpes · 2025", FED.name)
    exported = json.dumps(images.export_spec(view.figures[0], context), ensure_ascii=False)
    assert not any(name in exported for name in names)  # no file names a team either
    deck = presentation.deck(view, FED)
    assert not any(name.encode() in deck for name in names)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_map_pages_draw_the_points_for_each_role(demo_db: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from matrix import signed_in_app

    for role in ("lecture", "equipe"):
        at = signed_in_app(demo_db, role, monkeypatch)
        at.switch_page("pages/carte.py").run()
        at.checkbox(key="carte_points").check().run()
        assert not at.exception
        (chart, *_) = [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]
        spec = json.loads(chart.proto.spec)
        layers = {layer.get("name") for layer in spec["layer"]}
        assert ("detail_adherentes" in layers) is (role == "equipe"), role
        at.switch_page("pages/portrait.py").run()
        at.segmented_control(key="portrait_equipes").set_value("toutes").run()
        assert not at.exception
        labels = [m.label for m in at.metric]
        assert labels[:3] == ["Équipes existantes", "Équipes adhérentes recensées", "Couverture"]
        tables = [t.value for t in at.dataframe]
        assert any("Regroupement" in t.columns for t in tables)
        assert any("Équipe" in t.columns for t in tables) is (role == "equipe")
