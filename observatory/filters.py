"""The one filter model (year, territory, département, team type) and its URL format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from observatory.config import Federation
from observatory.vocabulary import TEAM_TYPES


@dataclass(frozen=True)
class Scope:
    """What the user is looking at. ``None`` means "all" for every field but the year."""

    year: int | None = None
    territory: str | None = None
    departement: str | None = None
    team_type: str | None = None

    def departements(self, federation: Federation) -> tuple[str, ...]:
        """The INSEE codes this scope covers within the federation."""
        if self.departement:
            return (self.departement,) if self.departement in federation.departements else ()
        if self.territory:
            return federation.territories.get(self.territory, ())
        return federation.departements

    def previous_year(self) -> Scope:
        return replace(self, year=None if self.year is None else self.year - 1)

    def label(self, federation: Federation, departement_names: Mapping[str, str] | None = None) -> str:
        """A French description of the scope, for captions and export titles."""
        if self.departement:
            name = (departement_names or {}).get(self.departement, "")
            where = f"{name} ({self.departement})" if name else f"Département {self.departement}"
        elif self.territory:
            where = f"Territoire {self.territory}"
        else:
            where = federation.region
        parts = [where]
        if self.team_type:
            parts.append(self.team_type)
        if self.year:
            parts.append(str(self.year))
        return " · ".join(parts)

    def to_query_params(self) -> dict[str, str]:
        """The URL form of the scope: the only place the query-string format lives."""
        params = {}
        if self.year is not None:
            params["annee"] = str(self.year)
        if self.territory:
            params["territoire"] = self.territory
        if self.departement:
            params["dep"] = self.departement
        if self.team_type:
            params["type"] = self.team_type
        return params

    @classmethod
    def from_query_params(
        cls, params: Mapping[str, str | list[str]], federation: Federation
    ) -> Scope:
        """Parse URL parameters, silently dropping values the federation does not know."""

        def one(key: str) -> str | None:
            value = params.get(key)
            if isinstance(value, list):
                value = value[-1] if value else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        year = one("annee")
        territory = one("territoire")
        departement = one("dep")
        team_type = one("type")
        return cls(
            year=int(year) if year and year.isdigit() and len(year) == 4 else None,
            territory=territory if territory in federation.territories else None,
            departement=departement if departement in federation.departements else None,
            team_type=team_type if team_type in TEAM_TYPES else None,
        )


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Scope))  # the filters, in sidebar order
