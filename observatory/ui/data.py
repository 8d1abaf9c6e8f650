"""Cached access to the core, keyed on the store's version so that a new import invalidates it."""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import astuple
from typing import Any

import streamlit as st

from observatory import geo, store
from observatory.config import Federation, db_path, get_federation
from observatory.filters import Scope


def current_db() -> str:
    return str(db_path())


# Held in the process and shared by every session, not copied per rerun as st.cache_data does:
# unpickling Enquêtes flash's view cost 29 ms a rerun on the national store, more than drawing
# its fifteen charts' specs. What ``load`` returns is read, never changed (views are changed by
# ``dataclasses.replace``, as ``views.access`` does; tests/test_render_cache.py checks it).
@st.cache_resource(show_spinner=False, max_entries=1000)
def _call(module: str, name: str, version: str, scope: tuple, federation_id: str, db: str,
          kwargs: tuple, _reference: dict[str, Any]) -> Any:
    fn = getattr(importlib.import_module(module), name)
    return fn(Scope(*scope), get_federation(federation_id), db, **{**dict(kwargs), **_reference})


# Stands in the cache key for the reference names of the départements (below).
REFERENCE_NAMES = "noms de référence des départements"


def load(fn: Callable[..., Any], scope: Scope, federation: Federation, **kwargs: Any) -> Any:
    """``fn(scope, federation, db, **kwargs)`` through the cache: the pages' one way to the core.

    The value is shared with every session until the next import: read it, never change it."""
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


# What ``derived`` worked out, newest last. A dict, not st.cache_resource: its key is the
# object's identity, and Streamlit's cache spends about a millisecond hashing the arguments of
# each call (15 calls on Enquêtes flash's every rerun).
_DERIVED: OrderedDict[tuple, tuple[Any, Any]] = OrderedDict()
_DERIVED_LOCK = threading.Lock()
DERIVED_ENTRIES = 2000


def derived(fn: Callable[..., Any], obj: Any, *args: Hashable) -> Any:
    """``fn(obj, *args)`` once per object and arguments, shared by every session: for what a
    page works out on each rerun from a value ``load`` shares (a view as a role sees it, a
    chart's spec as sent). ``fn`` depends on ``obj`` and ``args`` alone; ``obj`` is never
    changed, nor is what this returns."""
    key = (fn, id(obj), args)
    with _DERIVED_LOCK:
        found = _DERIVED.get(key)
        if found is not None:
            _DERIVED.move_to_end(key)
            return found[1]
    value = fn(obj, *args)  # outside the lock: two sessions may both work it out, once each
    with _DERIVED_LOCK:
        # the object is kept with its result: while the entry lives, no other object takes its id
        _DERIVED[key] = (obj, value)
        while len(_DERIVED) > DERIVED_ENTRIES:
            _DERIVED.popitem(last=False)
    return value
