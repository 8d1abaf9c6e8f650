"""Federation profiles and project paths: one TOML file per federation in observatory/federations/."""

from __future__ import annotations

import datetime as dt
import os
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


# What an imported value may plausibly be, unless the profile's [plausibility] says otherwise.
FIRST_YEAR = 2000
ACI_MAX = {"MSP": 300_000.0, "CDS": 300_000.0, "ESP": 100_000.0, "CPTS": 1_000_000.0}
PROFESSIONALS_MAX = 5_000
COORDINATION_FTE_MAX = 20.0


@dataclass(frozen=True)
class Plausibility:
    """The ranges an imported value must fall in (a federation profile's [plausibility])."""

    first_year: int = FIRST_YEAR
    aci_max: dict[str, float] = field(default_factory=lambda: dict(ACI_MAX))
    professionals_max: int = PROFESSIONALS_MAX
    coordination_fte_max: float = COORDINATION_FTE_MAX

    def years(self, today: dt.date | None = None) -> range:
        """From the first year to next year, both included."""
        return range(self.first_year, (today or dt.date.today()).year + 2)


@dataclass(frozen=True)
class Federation:
    """A regional federation: its départements and territories (groups of départements)."""

    id: str
    name: str
    region: str
    region_code: str
    departements: tuple[str, ...]
    territories: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
    )
    return Federation(
        id=raw["id"],
        name=raw["name"],
        region=raw["region"],
        region_code=str(raw.get("region_code", "")),
        departements=tuple(str(c) for c in raw["departements"]),
        territories=territories,
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
