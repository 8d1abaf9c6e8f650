"""The cheaper suppression search keeps every masked count unrecoverable.

Two shortcuts of ``privacy``: the determinacy check solves independent blocks of hidden cells
apart (``_determined``), and a cube's hypercube patterns prove the table safe by their moves
(``_certified``) instead of a singular value decomposition. Each is checked against the whole
computation: the blocks against one decomposition of the whole matrix, the proofs against an
attacker solving every published row as a linear system (``test_packages._recoverable``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from test_packages import _recoverable

from observatory import privacy


def _dense_determined(masked: np.ndarray, groups: list[privacy.Equation]) -> list[int]:
    """The reference: one SVD of every known sum over every hidden cell."""
    hidden = np.flatnonzero(masked)
    column = {int(c): k for k, c in enumerate(hidden)}
    rows = []
    for cells, signs in groups:
        row = np.zeros(len(hidden))
        for cell, sign in zip(cells, signs, strict=True):
            if int(cell) in column:
                row[column[int(cell)]] = sign
        rows.append(row)
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=True)
    null = vt[int((singular > 1e-9).sum()):]
    return [int(c) for k, c in enumerate(hidden) if not len(null) or
            np.abs(null[:, k]).max() < 1e-9]


@pytest.mark.parametrize("seed", range(40))
def test_blocks_solved_apart_find_the_cells_the_whole_matrix_finds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = int(rng.integers(6, 40))
    groups = []
    # a few independent tables (blocks) and sums within each, some with signs as a cube's
    starts = sorted(rng.choice(np.arange(1, cells), size=int(rng.integers(0, 4)), replace=False))
    for lo, hi in itertools.pairwise([0, *starts, cells]):
        for _ in range(int(rng.integers(1, 6))):
            members = rng.choice(np.arange(lo, hi), size=int(rng.integers(1, hi - lo + 1)),
                                 replace=False)
            signs = rng.choice([-1.0, 1.0], size=len(members))
            groups.append((np.array(members), signs))
    masked = rng.random(cells) < 0.5
    if not masked.any():
        masked[0] = True
    assert privacy._determined(masked, groups) == _dense_determined(masked, groups)


def _cube(rng: np.random.Generator, dims: list[str], sizes: tuple[int, ...], years: int,
          fill: float) -> pd.DataFrame:
    """Several years of a table published at every grain (as a package publishes it)."""
    parts = []
    for year in range(years):
        fine = pd.DataFrame([(*(f"{d}{v}" for d, v in zip(dims, combo, strict=True)),
                              int(rng.integers(1, 15)))
                             for combo in itertools.product(*(range(s) for s in sizes))
                             if rng.random() < fill], columns=[*dims, "n"])
        for k in range(len(dims) + 1):
            for combo in itertools.combinations(dims, k):
                grouped = (fine.groupby(list(combo), as_index=False)["n"].sum() if combo
                           else pd.DataFrame({"n": [fine["n"].sum()]}))
                parts.append(grouped.reindex(columns=[*dims, "n"]).assign(year=year))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", range(30))
def test_tables_proved_safe_by_their_patterns_leave_nothing_to_recover(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1000 + seed)
    dims = ["d", "t", "s"][:int(rng.integers(2, 4))]
    sizes = tuple(int(rng.integers(2, 6)) for _ in dims)
    cube = _cube(rng, dims, sizes, years=int(rng.integers(1, 4)), fill=float(rng.uniform(0.4, 1)))
    proofs = []
    original = privacy._certified

    def certified(*args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
        proofs.append(original(*args, **kwargs))
        return proofs[-1]

    monkeypatch.setattr(privacy, "_certified", certified)
    hidden = privacy.suppression(cube, ["n"], cube=privacy.Cube(tuple(dims), ("year",)))["n"]
    assert (hidden >= cube["n"].between(1, 4).to_numpy()).all()
    assert proofs  # each year's table went through the proof
    for _, part in cube.assign(hidden=hidden).groupby("year"):
        shown = part.assign(n=part["n"].where(~part["hidden"])).reset_index(drop=True)
        assert _recoverable(shown, "n", dims) == []


def test_the_patterns_prove_the_tables_of_a_package_safe_without_the_full_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The proof is what runs (the full check is the fallback), and what it passes is safe."""
    def never(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("the full check ran: the patterns did not prove the table safe")

    rng = np.random.default_rng(7)
    cube = _cube(rng, ["d", "t", "s"], (6, 4, 3), years=3, fill=0.8)
    monkeypatch.setattr(privacy, "_complete", never)
    hidden = privacy.suppression(cube, ["n"], cube=privacy.Cube(("d", "t", "s"), ("year",)))["n"]
    assert hidden.sum() > cube["n"].between(1, 4).sum()  # complements were hidden
    for _, part in cube.assign(hidden=hidden).groupby("year"):
        shown = part.assign(n=part["n"].where(~part["hidden"])).reset_index(drop=True)
        assert _recoverable(shown, "n", ["d", "t", "s"]) == []


def test_a_move_that_proves_nothing_is_refused() -> None:
    """Rows 0–3 are a 2 × 2 table's cells, 4–5 its row sums, 6–7 its column sums, 8 its total."""
    keys = [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("a", None), ("b", None),
            (None, "x"), (None, "y"), (None, None)]
    equations = privacy._cube_equations(keys, np.arange(len(keys)))
    square = {0: 1.0, 1: -1.0, 2: -1.0, 3: 1.0}  # the classic pattern: every sum unchanged
    hidden = np.array([True] * 4 + [False] * 5)
    everything = np.ones(len(keys), dtype=bool)
    assert privacy._certified([square], equations, hidden, everything)
    # a row sum changes: the move is not one the sums allow
    assert not privacy._certified([{0: 1.0, 1: -1.0, 2: -1.0, 3: 2.0}], equations, hidden,
                                  everything)
    # the move changes a row shown to the reader
    shown_margin = {**square, 4: 1.0}
    assert not privacy._certified([shown_margin], equations, hidden, everything)
    # a hidden row that no move changes is not proved safe
    assert not privacy._certified([square], equations, hidden | (np.arange(9) == 8), everything)
    # the same hidden row is not the proof's business when it is never published
    assert privacy._certified([square], equations, hidden | (np.arange(9) == 8),
                              np.arange(9) != 8)
