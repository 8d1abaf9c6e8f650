"""Offline reference geography of France: départements (table, shapes, population) and communes."""

from __future__ import annotations

import functools
import itertools
import json
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"

# Only empty cells are missing: "NA", "None"… are not values here but could be names one day.
_CSV_OPTIONS: dict[str, Any] = {"keep_default_na": False, "na_values": [""]}

# Written forms of "code and name together": "38 - Isère", "2A Corse-du-Sud", "Isère (38)",
# "Isère - 38", "Isère 38". The code part is checked against the name part: both must agree.
_CODE_PART = r"(?P<code>0?2[AB]|[0-9]{1,3}(?:\.0+)?)"
_COMBINED = [
    re.compile(rf"{_CODE_PART}\s*[-–—:,;|/.]?\s*(?P<name>[^\W\d].*)", re.IGNORECASE),
    re.compile(rf"(?P<name>.*?[^\W\d].*?)\s*[(\[]\s*{_CODE_PART}\s*[)\]]", re.IGNORECASE),
    re.compile(rf"(?P<name>.*?[^\W\d].*?)\s*[-–—:,;|/]?\s*{_CODE_PART}", re.IGNORECASE),
]
_MAX_TEXT = 120
# Usual short forms of official names.
_ALIASES = {"reunion": "974"}


@functools.cache
def departements() -> pd.DataFrame:
    """Every département (101): code, name, region_code, region_name, population, lon, lat.

    Codes are strings ("01", "2A", "971"). `population` is nullable: the source has none for
    Mayotte (976). lon/lat is a point inside the département for labels. The frame is shared
    between callers: copy it before changing it.
    """
    return pd.read_csv(
        GEO_DIR / "departements.csv",
        dtype={
            "code": str,
            "name": str,
            "region_code": str,
            "region_name": str,
            "population": "Int64",
            "lon": float,
            "lat": float,
        },
        **_CSV_OPTIONS,
    )


@functools.cache
def departement_name(code: str) -> str:
    """Name of a département from its code (or any form `normalise_departement` accepts)."""
    normalised = normalise_departement(code)
    if normalised is None:
        raise KeyError(code)
    return _names()[normalised]


def departement_shapes(codes: Iterable[str] | None = None) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the départements in `codes` (all when None), in code order.

    Properties are code, name, region_code. Exterior rings are clockwise, as Vega-Lite expects.
    Codes may be written in any form `normalise_departement` accepts; unknown ones raise KeyError.
    The result is cached and shared: treat it as read-only.
    """
    if codes is None:
        return _shapes(None)
    if isinstance(codes, str):
        codes = [codes]
    wanted = []
    for code in codes:
        normalised = normalise_departement(code)
        if normalised is None:
            raise KeyError(code)
        wanted.append(normalised)
    return _shapes(frozenset(wanted))


@functools.cache
def communes() -> pd.DataFrame:
    """Every commune (about 35,000): code, name, departement, population, lon, lat.

    Paris, Lyon and Marseille are single communes (no arrondissements). `population` is nullable
    (none in the source for Mayotte) and lon/lat are missing for 4 Cantal communes restored in
    2024 that have no shape yet. The frame is shared between callers: copy it before changing it.
    """
    return pd.read_csv(
        GEO_DIR / "communes.csv.gz",
        dtype={
            "code": str,
            "name": str,
            "departement": str,
            "population": "Int64",
            "lon": float,
            "lat": float,
        },
        **_CSV_OPTIONS,
    )


# A commune written as staff write it: « Saint-Girons », « ST GIRONS », « St-Girons (09) »,
# « Vigan (Le) » (the INSEE article-last form), or its INSEE code « 09261 ».
_COMMUNE_CODE = re.compile(r"(?:[0-9]{5}|2[AB][0-9]{3})")
_ARTICLE_LAST = re.compile(r"^(?P<name>.+?)\s*\((?P<article>l'|le|la|les)\)$", re.IGNORECASE)
_DEPARTEMENT_HINT = re.compile(r"^(?P<name>.*?\S)\s*\((?P<code>0?2[AB]|[0-9]{2,3})\)$",
                               re.IGNORECASE)
_WORD_FORMS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@functools.lru_cache(maxsize=65536)
def commune_key(text: str) -> str:
    """A commune name's identity: case, accents, hyphens, apostrophes, spaces ignored, « St » read
    as « Saint », an article written last (« Vigan (Le) ») put first."""
    m = _ARTICLE_LAST.match(text.strip())
    if m:
        text = f"{m['article']} {m['name']}"
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe").casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(_WORD_FORMS.get(w, w) for w in re.findall(r"[a-z0-9]+", plain))


@functools.cache
def _commune_index() -> dict[str, tuple[str, ...]]:
    """Commune key → the INSEE codes of the communes so named (one per département at most)."""
    table = communes()
    found: dict[str, list[str]] = {}
    for code, name in zip(table["code"].tolist(), table["name"].tolist(), strict=True):
        found.setdefault(commune_key(name), []).append(code)
    return {key: tuple(codes) for key, codes in found.items()}


@functools.cache
def _commune_table() -> dict[str, tuple[str, str]]:
    table = communes()
    return {code: (name, dep) for code, name, dep
            in zip(table["code"].tolist(), table["name"].tolist(), table["departement"].tolist(),
                   strict=True)}


def find_communes(value: object, departement: str | None = None) -> list[str]:
    """The INSEE codes a written commune may be, within ``departement`` when given.

    Accepts an INSEE code (``31555``, ``2A004``), a name as people write it (``Saint-Girons``,
    ``ST GIRONS``, ``Vigan (Le)``) and a name followed by its département (``Figeac (46)``, which
    must then agree with ``departement``). No match gives ``[]``; a name several départements
    share, asked without a département, gives all of them: the caller says which is meant.
    """
    if value is None or isinstance(value, bool):
        return []
    text = str(value).strip()
    if not text or len(text) > _MAX_TEXT:
        return []
    if _COMMUNE_CODE.fullmatch(text.upper()):
        code = text.upper()
        found = _commune_table().get(code)
        return [code] if found and departement in (None, found[1]) else []
    hint = _DEPARTEMENT_HINT.match(text)
    if hint and not _ARTICLE_LAST.match(text):
        given = _code_from_text(hint["code"])
        if given is None or (departement is not None and given != departement):
            return []
        text, departement = hint["name"], given
    codes = _commune_index().get(commune_key(text), ())
    return [c for c in codes if departement is None or _commune_table()[c][1] == departement]


def commune_name(code: str) -> str:
    """The official name of a commune from its INSEE code (KeyError for an unknown code)."""
    return _commune_table()[code][0]


def commune_points(codes: Iterable[str]) -> pd.DataFrame:
    """The point of each commune of ``codes`` (unknown codes left out): code, name,
    departement, lon, lat, in the order given; a commune without a point has NaN lon/lat."""
    wanted = list(dict.fromkeys(codes))
    table = communes()
    found = table[table["code"].isin(wanted)].set_index("code")
    order = [c for c in wanted if c in found.index]
    return found.loc[order, ["name", "departement", "lon", "lat"]].reset_index()


@functools.cache
def population_by_departement() -> dict[str, int]:
    """Municipal population by département code; départements without one (Mayotte) are absent."""
    table = departements().dropna(subset=["population"])
    return {code: int(pop) for code, pop in zip(table["code"], table["population"], strict=True)}


def normalise_departement(value: object) -> str | None:
    """INSEE code of a département written in any usual form, or None when it is not one.

    Accepts codes ("38", "038", "1", 1, 38.0, "2a", "971"), names in any case with or without
    accents, hyphens, apostrophes or spaces ("Isère", "ISERE", "Cotes d Armor") and both together
    ("38 - Isère", "Isère (38)"). Ambiguous or unknown values give None: "20" (Corsica is 2A and
    2B), "Isèr", "3800", "".
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return _code_from_number(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            return None
        return _code_from_number(int(number))
    if not isinstance(value, str):
        if _is_missing(value):
            return None
        value = str(value)
    text = value.strip()
    if not text or len(text) > _MAX_TEXT:
        return None
    code = _code_from_text(text)
    if code is not None:
        return code
    code = _code_from_name(text)
    if code is not None:
        return code
    for pattern in _COMBINED:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        by_code = _code_from_text(match["code"])
        if by_code is not None and by_code == _code_from_name(match["name"]):
            return by_code
    return None


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        # Array-likes have no single truth value: they are not a département either way.
        return False


def _code_from_number(number: int) -> str | None:
    code = f"{number:02d}" if number >= 0 else ""
    return code if code in _names() else None


def _code_from_text(text: str) -> str | None:
    text = text.strip().upper()
    corsica = re.fullmatch(r"0?2([AB])", text)
    if corsica:
        return "2" + corsica[1]
    digits = re.fullmatch(r"([0-9]{1,3})(?:\.0+)?", text)
    if digits:
        return _code_from_number(int(digits[1]))
    return None


def _code_from_name(text: str) -> str | None:
    return _name_index().get(_key(text))


def _key(text: str) -> str:
    """Compare names ignoring case, accents, hyphens, apostrophes and spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


@functools.cache
def _names() -> dict[str, str]:
    table = departements()
    return dict(zip(table["code"], table["name"], strict=True))


@functools.cache
def _name_index() -> dict[str, str]:
    index = {_key(name): code for code, name in _names().items()}
    if len(index) != len(_names()):
        raise RuntimeError("Two département names compare equal once normalised")
    return {**_ALIASES, **index}


@functools.cache
def _feature_collection() -> dict[str, Any]:
    return json.loads((GEO_DIR / "departements.geojson").read_text(encoding="utf-8"))


@functools.cache
def _shapes(codes: frozenset[str] | None) -> dict[str, Any]:
    features = _feature_collection()["features"]
    if codes is not None:
        features = [f for f in features if f["properties"]["code"] in codes]
    return {"type": "FeatureCollection", "features": features}


# Grid of the quantised coordinates: 10^6 steps over the bounding box (about 10 m over all of
# France with its overseas départements, finer than the shapes' own simplification).
QUANTISATION = 1_000_000


def topojson(features: list[dict[str, Any]], name: str) -> str:
    """Polygon and line features as compact TopoJSON text (one object ``name``).

    Coordinates are quantised on a grid and delta-encoded: the text is about a third of the
    GeoJSON's. Vega-Lite reads it as inline data (``format: topojson``); passed as one string,
    Altair and Streamlit do not walk the coordinates on every rerun.
    """
    def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
        kind, coords = geometry["type"], geometry["coordinates"]
        if kind == "Polygon":
            return list(coords)
        if kind == "MultiPolygon":
            return [ring for polygon in coords for ring in polygon]
        if kind == "LineString":
            return [coords]
        if kind == "MultiLineString":
            return list(coords)
        raise ValueError(f"Unsupported geometry type: {kind}")

    points = [p for f in features for line in rings(f["geometry"]) for p in line]
    x0 = min((p[0] for p in points), default=0.0)
    y0 = min((p[1] for p in points), default=0.0)
    kx = (max((p[0] for p in points), default=1.0) - x0) / (QUANTISATION - 1) or 1.0
    ky = (max((p[1] for p in points), default=1.0) - y0) / (QUANTISATION - 1) or 1.0
    arcs: list[list[list[int]]] = []

    def arc(line: list[list[float]]) -> int:
        grid = [(round((x - x0) / kx), round((y - y0) / ky)) for x, y, *_ in line]
        arcs.append([list(grid[0])] + [[x - px, y - py] for (x, y), (px, py)
                                       in zip(grid[1:], grid[:-1], strict=True)])
        return len(arcs) - 1

    geometries = []
    for f in features:
        kind, coords = f["geometry"]["type"], f["geometry"]["coordinates"]
        if kind == "Polygon":
            encoded: list[Any] = [[arc(ring)] for ring in coords]
        elif kind == "MultiPolygon":
            encoded = [[[arc(ring)] for ring in polygon] for polygon in coords]
        elif kind == "LineString":
            encoded = [arc(coords)]
        else:
            encoded = [[arc(line)] for line in coords]
        geometries.append({"type": kind, "arcs": encoded, "properties": f["properties"]})
    return json.dumps({
        "type": "Topology", "transform": {"scale": [kx, ky], "translate": [x0, y0]},
        "objects": {name: {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }, separators=(",", ":"), ensure_ascii=False)


@functools.cache
def departement_topojson(codes: frozenset[str] | None = None) -> str:
    """``departement_shapes(codes)`` as TopoJSON text, object ``departements`` (cached)."""
    return topojson(_shapes(codes)["features"], "departements")


# -- the map of France with the overseas départements in insets -------------------------------
# At their real places the overseas départements are a few pixels lost in an ocean-wide map.
# As on INSEE's maps, each is drawn enlarged in a box beside the mainland (a column to its
# west, top to bottom in code order): its shape is moved and scaled in Mercator coordinates —
# the projection the maps use — so it keeps its proportions, then written back as longitudes
# and latitudes, so that the map stays one projection, one layer, clickable like any other.
OVERSEAS = ("971", "972", "973", "974", "976")
_INSET_MARGIN = 0.08  # of a box, around the shape


def _x(lon: float) -> float:
    return math.radians(lon)


def _y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _lon(x: float) -> float:
    return math.degrees(x)


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def _points(geometry: dict[str, Any]) -> list[list[float]]:
    coords = geometry["coordinates"]
    rings = coords if geometry["type"] == "Polygon" else [r for p in coords for r in p]
    return [p for ring in rings for p in ring]


@functools.cache
def inset_boxes() -> dict[str, tuple[float, float, float, float]]:
    """Each overseas département's box, (x0, y0, x1, y1) in Mercator coordinates."""
    mainland = [p for f in _feature_collection()["features"]
                if f["properties"]["code"] not in OVERSEAS for p in _points(f["geometry"])]
    xs = [_x(p[0]) for p in mainland]
    ys = [_y(p[1]) for p in mainland]
    top, bottom, west = max(ys), min(ys), min(xs)
    slot = (top - bottom) / len(OVERSEAS)
    height = slot * 0.9
    width = height * 1.2
    right = west - width * 0.35
    return {code: (right - width, top - (i + 1) * slot + (slot - height) / 2, right,
                   top - i * slot - (slot - height) / 2) for i, code in enumerate(OVERSEAS)}


@functools.cache
def _inset_transform(code: str) -> tuple[float, float, float, float, float]:
    """(scale, shape's centre x, y, box's centre x, y) moving ``code`` into its box."""
    feature = next(f for f in _feature_collection()["features"]
                   if f["properties"]["code"] == code)
    xs = [_x(p[0]) for p in _points(feature["geometry"])]
    ys = [_y(p[1]) for p in _points(feature["geometry"])]
    x0, y0, x1, y1 = inset_boxes()[code]
    inner = 1 - 2 * _INSET_MARGIN
    scale = min((x1 - x0) * inner / (max(xs) - min(xs)), (y1 - y0) * inner / (max(ys) - min(ys)))
    return (scale, (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2, (x0 + x1) / 2,
            (y0 + y1) / 2)


def inset_point(code: str, lon: float, lat: float) -> tuple[float, float]:
    """Where a point of département ``code`` is drawn on the map with insets (unchanged on
    the mainland and in Corsica)."""
    if code not in OVERSEAS:
        return lon, lat
    scale, cx, cy, bx, by = _inset_transform(code)
    return (_lon(bx + (_x(lon) - cx) * scale), _lat(by + (_y(lat) - cy) * scale))


def _moved(code: str, coords: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return list(inset_point(code, coords[0], coords[1]))
    return [_moved(code, c) for c in coords]


@functools.cache
def inset_shapes(codes: frozenset[str] | None = None) -> dict[str, Any]:
    """``departement_shapes(codes)`` with the overseas départements moved into their insets
    (cached and shared: treat it as read-only)."""
    features = []
    for f in _shapes(codes)["features"]:
        code = f["properties"]["code"]
        if code in OVERSEAS:
            f = {**f, "geometry": {"type": f["geometry"]["type"],
                                   "coordinates": _moved(code, f["geometry"]["coordinates"])}}
        features.append(f)
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def france_topojson(codes: frozenset[str] | None = None) -> str:
    """``departement_topojson`` with the overseas départements in their insets."""
    return topojson(inset_shapes(codes)["features"], "departements")


@functools.cache
def inset_frames_topojson(codes: frozenset[str] | None = None) -> str:
    """The insets' frames as lines (object ``insets``), each edge cut in short steps so that
    it is drawn straight (a map draws long edges as arcs of great circles)."""
    features = []
    for code, (x0, y0, x1, y1) in inset_boxes().items():
        if codes is not None and code not in codes:
            continue
        steps = 24
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        line = [[_lon(ax + (bx - ax) * k / steps), _lat(ay + (by - ay) * k / steps)]
                for (ax, ay), (bx, by) in itertools.pairwise(corners)
                for k in range(steps)] + [[_lon(x0), _lat(y0)]]
        features.append({"type": "Feature", "properties": {"code": code},
                         "geometry": {"type": "LineString", "coordinates": line}})
    return topojson(features, "insets")


def label_points(insets: bool = False) -> pd.DataFrame:
    """``code, lon, lat`` of every département's label, moved into the insets when asked."""
    deps = departements()[["code", "lon", "lat"]].copy()
    if insets:
        moved = [inset_point(c, lon, lat) for c, lon, lat in
                 zip(deps["code"], deps["lon"], deps["lat"], strict=True)]
        deps["lon"] = [p[0] for p in moved]
        deps["lat"] = [p[1] for p in moved]
    return deps


# -- communes: what the teams of a list cover --------------------------------------------------
# Paris, Lyon and Marseille are single communes here: an arrondissement's code (what FINESS and
# the ARS lists often give) stands for its city.
_ARRONDISSEMENTS = ((re.compile(r"751(?:0[1-9]|1\d|20)"), "75056"),
                    (re.compile(r"6938[1-9]"), "69123"),
                    (re.compile(r"132(?:0[1-9]|1[0-6])"), "13055"))


def city_of_arrondissement(code: str) -> str | None:
    """``75108`` → ``75056``: the city of a Paris, Lyon or Marseille arrondissement's code."""
    return next((city for pattern, city in _ARRONDISSEMENTS if pattern.fullmatch(code)), None)


def commune_departement(code: str) -> str:
    """The département of a commune from its INSEE code (KeyError for an unknown code)."""
    return _commune_table()[code][1]


@functools.cache
def _commune_arrays() -> tuple[dict[str, int], Any, Any, tuple[str, ...]]:
    """(code → row, each row's département index, population, the départements)."""
    import numpy as np

    table = communes()
    deps = tuple(sorted(set(table["departement"])))
    position = {d: i for i, d in enumerate(deps)}
    return ({c: i for i, c in enumerate(table["code"])},
            np.array([position[d] for d in table["departement"]]),
            table["population"].fillna(0).to_numpy(dtype="float64"), deps)


def population_in(codes: Iterable[str]) -> dict[str, int]:
    """Per département, the population of those of its communes that are in ``codes`` (all of
    them with ``codes=None``): what a share of the population covered is made of."""
    import numpy as np

    rows, dep_of, population, deps = _commune_arrays()
    mask = np.zeros(len(population), dtype=bool)
    mask[[rows[c] for c in set(codes) if c in rows]] = True
    sums = np.bincount(dep_of, weights=np.where(mask, population, 0.0), minlength=len(deps))
    return {d: int(np.rint(v)) for d, v in zip(deps, sums, strict=True)}


@functools.cache
def population_by_commune_departement() -> dict[str, int]:
    """Per département, the population of all its communes."""
    import numpy as np

    _, dep_of, population, deps = _commune_arrays()

    sums = np.bincount(dep_of, weights=population, minlength=len(deps))
    return {d: int(np.rint(v)) for d, v in zip(deps, sums, strict=True)}
