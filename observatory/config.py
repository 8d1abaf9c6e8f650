"""Federation profiles and project paths: one TOML file per federation in observatory/federations/."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from observatory import settings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
FEDERATIONS_DIR = PACKAGE_DIR / "federations"
DATA_DIR = PROJECT_DIR / "data"
DEMO_DIR = DATA_DIR / "demo"
DEFAULT_DB: Path = settings.setting("db").default


HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# The fonts every export can draw (vl-convert bundles Liberation Sans; office suites map Arial
# to it): a brand font goes first and falls back on these.
BASE_FONTS = ("Liberation Sans", "Arial", "Helvetica", "sans-serif")


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0–1) of the way towards ``other`` (``#RRGGBB`` both)."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class Brand:
    """A federation's look: its logo, two colours and, optionally, its font.

    ``primary`` draws the federation's own series (a single series, the latest year) and its
    titles; ``accent`` only decorates (rules, bands), so that it never reads as a category.
    """

    primary: str = "#0072B2"
    accent: str = "#E69F00"
    # a PNG, relative to the profile's folder, else to observatory/federations/ (the shipped
    # logos); its SVG sibling is used where a vector fits
    logo: str = ""
    font: str = ""

    @property
    def logo_path(self) -> Path | None:
        """The logo as PNG (slides, PDF, the app's sidebar), None without one."""
        if not self.logo:
            return None
        path = Path(self.logo)
        return path if path.is_absolute() and path.is_file() else None

    @property
    def logo_svg(self) -> Path | None:
        """The logo's vector sibling (``logo.svg`` next to ``logo.png``), if shipped."""
        path = self.logo_path
        svg = path.with_suffix(".svg") if path else None
        return svg if svg is not None and svg.is_file() else None

    @property
    def fonts(self) -> tuple[str, ...]:
        """The font families to ask for, the brand's first."""
        return ((self.font,) if self.font else ()) + BASE_FONTS

    @property
    def font_stack(self) -> str:
        """The families as one CSS / Vega font list."""
        return ", ".join(self.fonts)

    def tint(self, amount: float = 0.55) -> str:
        """The primary colour lightened towards white (the year before, a light band)."""
        return mix(self.primary, "#FFFFFF", amount)

    def shade(self, amount: float = 0.35) -> str:
        """The primary colour darkened towards black (text on a light tint)."""
        return mix(self.primary, "#000000", amount)


def _brand(raw: dict, source: Path) -> Brand:
    values = {k: str(v) for k, v in raw.items() if k in ("primary", "accent", "logo", "font")}
    for key in ("primary", "accent"):
        if key in values and not HEX_COLOUR.match(values[key]):
            raise ValueError(f"{source.name} : couleur [brand] {key} invalide « {values[key]} » "
                             "(attendu : #RRGGBB).")
    if values.get("logo"):
        found = next((folder / values["logo"] for folder in (source.parent, PACKAGE_DIR /
                                                             "federations")
                      if (folder / values["logo"]).is_file()), None)
        if found is None:  # a typo must not leave the exports without their logo unnoticed
            raise ValueError(f"{source.name} : logo [brand] introuvable « {values['logo']} ».")
        values["logo"] = str(found.resolve())
    return Brand(**values)


# What an imported value may plausibly be, unless the profile's [plausibility] says otherwise.
FIRST_YEAR = 2000
ACI_MAX = {"MSP": 300_000.0, "CDS": 300_000.0, "ESP": 100_000.0, "CPTS": 1_000_000.0}
PROFESSIONALS_MAX = 5_000
COORDINATION_FTE_MAX = 20.0
# A facilitation's duration: a « résidence » of three days is about 21 hours of work.
FACILITATION_HOURS_MAX = 24.0


@dataclass(frozen=True)
class Plausibility:
    """The ranges an imported value must fall in (a federation profile's [plausibility])."""

    first_year: int = FIRST_YEAR
    aci_max: dict[str, float] = field(default_factory=lambda: dict(ACI_MAX))
    professionals_max: int = PROFESSIONALS_MAX
    coordination_fte_max: float = COORDINATION_FTE_MAX
    facilitation_hours_max: float = FACILITATION_HOURS_MAX

    def years(self, today: dt.date | None = None) -> range:
        """From the first year to next year, both included."""
        return range(self.first_year, (today or dt.date.today()).year + 2)


@dataclass(frozen=True)
class Federation:
    """A regional federation: its départements and territories (groups of départements), and
    its look (``brand``)."""

    id: str
    name: str
    region: str
    region_code: str
    departements: tuple[str, ...]
    territories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    brand: Brand = field(default_factory=Brand)
    plausibility: Plausibility = field(default_factory=Plausibility)

    def territory_of(self, departement: str) -> str | None:
        for name, codes in self.territories.items():
            if departement in codes:
                return name
        return None


def _load(path: Path) -> Federation:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    territories = {k: tuple(str(c) for c in v) for k, v in raw.get("territories", {}).items()}
    given = raw.get("plausibility", {})
    plausibility = Plausibility(
        first_year=int(given.get("first_year", FIRST_YEAR)),
        aci_max={**ACI_MAX, **{k: float(v) for k, v in given.get("aci_max", {}).items()}},
        professionals_max=int(given.get("professionals_max", PROFESSIONALS_MAX)),
        coordination_fte_max=float(given.get("coordination_fte_max", COORDINATION_FTE_MAX)),
        facilitation_hours_max=float(given.get("facilitation_hours_max",
                                               FACILITATION_HOURS_MAX)),
    )
    return Federation(
        id=raw["id"],
        name=raw["name"],
        region=raw["region"],
        region_code=str(raw.get("region_code", "")),
        departements=tuple(str(c) for c in raw["departements"]),
        territories=territories,
        brand=_brand(raw.get("brand", {}), path),
        plausibility=plausibility,
    )


@cache
def federations() -> dict[str, Federation]:
    """Every federation profile shipped in observatory/federations/, by id."""
    found = {}
    for path in sorted(FEDERATIONS_DIR.glob("*.toml")):
        fed = _load(path)
        found[fed.id] = fed
    return found


def default_federation_id() -> str:
    for path in sorted(FEDERATIONS_DIR.glob("*.toml")):
        if tomllib.loads(path.read_text(encoding="utf-8")).get("default"):
            return path.stem
    return next(iter(federations()))


def get_federation(federation_id: str | None = None) -> Federation:
    """The profile for ``federation_id`` (default: the one flagged ``default = true``)."""
    fid = federation_id or default_federation_id()
    try:
        return federations()[fid]
    except KeyError:
        known = ", ".join(sorted(federations()))
        raise ValueError(f"Fédération inconnue « {fid} » (connues : {known})") from None


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The store file: explicit path, else $OBSERVATORY_DB, else data/observatory.duckdb."""
    return Path(path) if path else settings.value("db")
