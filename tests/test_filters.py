"""The filter model: scope resolution and the URL round trip."""

from __future__ import annotations

from observatory.config import federations, get_federation
from observatory.filters import Scope


def test_federation_profiles() -> None:
    aura = get_federation()
    assert aura.id == "femasaura" and len(aura.departements) == 12
    assert aura.territories["Ouest"] == ("03", "15", "43", "63")
    assert aura.territory_of("38") == "Est"
    fecop = federations()["fecop"]
    assert len(fecop.departements) == 13 and fecop.territories == {}


def test_scope_departements() -> None:
    aura = get_federation("femasaura")
    assert Scope(territory="Centre").departements(aura) == ("01", "07", "42", "69")
    assert Scope(departement="38").departements(aura) == ("38",)
    assert Scope(departement="31").departements(aura) == ()  # not a member département
    assert len(Scope().departements(aura)) == 12


def test_query_params_round_trip_and_junk() -> None:
    aura = get_federation("femasaura")
    scope = Scope(year=2025, territory="Est", departement="38", team_type="MSP")
    params = scope.to_query_params()
    assert params == {"annee": "2025", "territoire": "Est", "dep": "38", "type": "MSP"}
    assert Scope.from_query_params(params, aura) == scope
    junk = {"annee": "20x5", "territoire": "Nord", "dep": "99", "type": "Hôpital"}
    assert Scope.from_query_params(junk, aura) == Scope()
    assert Scope.from_query_params({"dep": ["01", "38"]}, aura).departement == "38"
