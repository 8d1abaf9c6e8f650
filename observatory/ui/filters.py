"""The shared sidebar: year, territory, département and team type, mirrored in the URL."""

from __future__ import annotations

import streamlit as st

from observatory.config import Federation
from observatory.filters import FIELDS, Scope
from observatory.vocabulary import TEAM_TYPES

KEYS = {"year": "f_annee", "territory": "f_territoire", "departement": "f_dep",
        "team_type": "f_type"}
PENDING_DEP = "_pending_departement"  # set by a click on the map, applied before the widgets


def request_departement(code: str | None) -> None:
    """Ask the sidebar to select ``code`` on the next run (widgets can't change once drawn)."""
    st.session_state[PENDING_DEP] = code or ""
    st.rerun()


def _reset(default_year: int | None) -> None:
    st.session_state[KEYS["year"]] = default_year
    for key in ("territory", "departement", "team_type"):
        st.session_state[KEYS[key]] = None


def sidebar(federation: Federation, years: list[int], names: dict[str, str],
            shown: tuple[str, ...] = FIELDS) -> Scope:
    """Draw the filters that apply to the page (``shown``) once per run and return the scope
    they describe; the others keep their values for the pages they apply to."""
    state = st.session_state
    default_year = years[0] if years else None
    if "_filters_loaded" not in state:
        initial = Scope.from_query_params(st.query_params.to_dict(), federation)
        state[KEYS["year"]] = initial.year if initial.year in years else default_year
        state[KEYS["territory"]] = initial.territory
        state[KEYS["departement"]] = initial.departement
        state[KEYS["team_type"]] = initial.team_type
        state["_filters_loaded"] = True
    if PENDING_DEP in state:
        code = state.pop(PENDING_DEP) or None
        state[KEYS["departement"]] = code
        if code and federation.territories:
            state[KEYS["territory"]] = federation.territory_of(code)
    if state.get(KEYS["year"]) not in years:
        state[KEYS["year"]] = default_year

    for name in set(FIELDS) - set(shown):
        # Streamlit forgets the value of a widget that a run does not draw: keep it as a plain
        # value, so that a filter chosen on Facilitations is still there after the Import page.
        state[KEYS[name]] = state.get(KEYS[name])
    scope = Scope()
    if shown:
        scope = _draw(federation, years, names, shown, default_year)
    st.query_params.from_dict(scope.to_query_params())
    return scope


def _draw(federation: Federation, years: list[int], names: dict[str, str],
          shown: tuple[str, ...], default_year: int | None) -> Scope:
    state = st.session_state
    year = territory = departement = team_type = None
    with st.sidebar:
        st.subheader("Filtres")
        if "year" in shown:
            choices: list[int | None] = [*years] or [None]
            year = st.selectbox("Année", choices, key=KEYS["year"],
                                format_func=lambda y: "—" if y is None else str(y))
        if federation.territories and "territory" in shown:
            territory = st.selectbox(
                "Territoire", [None, *federation.territories], key=KEYS["territory"],
                format_func=lambda t: "Toute la région" if t is None else t,
                placeholder="Toute la région")
        if "departement" in shown:
            deps = federation.territories.get(territory, federation.departements) if territory \
                else federation.departements
            if state.get(KEYS["departement"]) not in (None, *deps):
                state[KEYS["departement"]] = None
            departement = st.selectbox(
                "Département", [None, *deps], key=KEYS["departement"],
                format_func=lambda c: "Tous les départements" if c is None
                else f"{c} – {names.get(c, c)}", placeholder="Tous les départements")
        if "team_type" in shown:
            team_type = st.selectbox(
                "Type d'équipe", [None, *TEAM_TYPES], key=KEYS["team_type"],
                format_func=lambda t: "Tous les types" if t is None else t,
                placeholder="Tous les types")
        st.button("Réinitialiser les filtres", on_click=_reset, args=(default_year,),
                  width="stretch")
    return Scope(year=year, territory=territory, departement=departement, team_type=team_type)
