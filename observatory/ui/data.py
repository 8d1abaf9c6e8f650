"""Cached access to the core, keyed on the store's version so that a new import invalidates it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import astuple
from typing import Any

import streamlit as st

from observatory import geo, store
from observatory.config import Federation, db_path, get_federation
from observatory.filters import Scope


def current_db() -> str:
    return str(db_path())


@st.cache_data(show_spinner=False, max_entries=2000)
def _call(module: str, name: str, version: str, scope: tuple, federation_id: str, db: str,
          kwargs: tuple, _reference: dict[str, Any]) -> Any:
    fn = getattr(importlib.import_module(module), name)
    return fn(Scope(*scope), get_federation(federation_id), db, **{**dict(kwargs), **_reference})


# Stands in the cache key for the reference names of the départements (below).
REFERENCE_NAMES = "noms de référence des départements"


def load(fn: Callable[..., Any], scope: Scope, federation: Federation, **kwargs: Any) -> Any:
    """``fn(scope, federation, db, **kwargs)`` through the cache: the pages' one way to the core."""
    db = current_db()
    # The names of the hundred départements are the same on every run: hashed entry by entry
    # for the cache key, they cost a millisecond a call. The key says "the reference names".
    reference = {}
    if kwargs.get("departement_names") == departement_names():
        reference["departement_names"] = kwargs.pop("departement_names")
        kwargs["departement_names"] = REFERENCE_NAMES
    return _call(fn.__module__, fn.__name__, store.version(db), astuple(scope), federation.id, db,
                 tuple(sorted(kwargs.items())), reference)


@st.cache_data(show_spinner=False, max_entries=20)
def _store_info(version: str, db: str) -> dict[str, Any]:
    from observatory import indicators

    return {"federation": store.federation_id(db), "years": indicators.available_years(db)}


def store_info() -> dict[str, Any]:
    """The store's federation and years with data (cached until the next import)."""
    db = current_db()
    return _store_info(store.version(db), db)


def departement_names() -> dict[str, str]:
    deps = geo.departements()
    return dict(zip(deps["code"], deps["name"], strict=True))
