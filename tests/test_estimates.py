"""Estimates for every existing team: a synthetic region whose every team's answer is known.

The region's existing teams are drawn with their answers; a member sample is drawn from them
with a known bias (teams under ACI join more, and they answer differently); both go through
the real importers (a membership export and a list of existing teams). The estimate must
recover the truth within its interval where the members' own share does not. The intervals'
coverage is then measured over many fixed seeds: deterministic, so it cannot flake.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from observatory import cli, exportfiles, geo, imports, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.indicators import estimates as est

FED = get_federation("femasaura")
YEAR = 2025
SOFTWARE = ("Logiciel A", "Logiciel B")


@dataclass
class Existing:
    """One existing team of the synthetic region, and its true answers."""

    name: str
    team_type: str
    departement: str
    commune: str
    finess: str
    aci: bool
    software: str
    amount: float | None
    member: bool


def region(seed: int, *, join_aci: float = 0.85, join_other: float = 0.35) -> list[Existing]:
    """Every existing MSP and CPTS of the federation: under ACI more often in some départements,
    and then more often on software A, with an ACI amount; members drawn with the bias."""
    rng = random.Random(seed)
    communes = geo.communes()
    teams: list[Existing] = []
    for d, dep in enumerate(FED.departements):
        codes = communes.loc[communes["departement"] == dep, "code"].tolist()
        aci_rate = 0.3 + 0.4 * (d % 3) / 2  # 30 %, 50 %, 70 % of the teams under ACI
        for team_type, count in (("MSP", rng.randint(25, 45)), ("CPTS", rng.randint(6, 12))):
            for i in range(count):
                aci = rng.random() < aci_rate
                software = SOFTWARE[0] if rng.random() < (0.7 if aci else 0.25) else SOFTWARE[1]
                amount = round(rng.gauss(90_000 if aci else 0, 20_000)) if aci else None
                teams.append(Existing(
                    f"{team_type} {dep}-{i:03d}", team_type, dep, rng.choice(codes),
                    f"{dep}{len(teams):07d}", aci, software,
                    None if amount is None else max(1_000.0, float(amount)),
                    rng.random() < (join_aci if aci else join_other)))
    return teams


def write_files(teams: list[Existing], folder: Path) -> tuple[Path, Path]:
    """The members' export (a spreadsheet's ';' CSV) and the ARS list of every team."""
    header = "Nom de la structure;N° FINESS;Type de structure;Stade;Département;Montant ACI;" \
             "Système d'information partagé\n"
    rows = [f"{t.name};{t.finess};{t.team_type};{'Sous ACI' if t.aci else 'Labellisée'};"
            f"{t.departement};{'' if t.amount is None else int(t.amount)};{t.software}\n"
            for t in teams if t.member]
    forms = folder / "adhesions.csv"
    forms.write_text(header + "".join(rows), encoding="utf-8")
    names = dict(zip(geo.communes()["code"], geo.communes()["name"], strict=True))
    listed = folder / "liste.csv"
    listed.write_bytes(exportfiles.reference_list_export([
        exportfiles.ListedTeam(t.name, {"MSP": "603", "CPTS": "604"}[t.team_type], t.commune,
                               names[t.commune], t.departement, t.finess, t.aci)
        for t in teams]))
    return forms, listed


def synthetic_store(teams: list[Existing], folder: Path, template: Path) -> Path:
    db = folder / "region.duckdb"
    shutil.copyfile(template, db)
    forms, listed = write_files(teams, folder)
    imports.import_file("adhesions", forms, db=db, year=YEAR)
    imports.import_file("references", listed, db=db, year=YEAR)
    return db


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store.init(tmp_path_factory.mktemp("template") / "empty.duckdb", "femasaura")


def truth(teams: list[Existing], value: str) -> float:
    return sum(t.software == value for t in teams) / len(teams)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_estimate_recovers_the_truth_the_member_share_misses(
        tmp_path: Path, template: Path, seed: int) -> None:
    teams = region(seed)
    db = synthetic_store(teams, tmp_path, template)
    found = est.estimate(Scope(year=YEAR), FED, "information_system", db)
    assert found.existing_teams == len(teams)
    assert found.member_teams == sum(t.member for t in teams)
    share = next(s for s in found.shares if s.value == SOFTWARE[0])
    true = truth(teams, SOFTWARE[0])
    members = [t for t in teams if t.member]
    assert share.member_share == pytest.approx(truth(members, SOFTWARE[0]))
    assert share.ci_low <= true <= share.ci_high, (true, share)
    assert not share.ci_low <= share.member_share <= share.ci_high  # the bias, corrected
    assert share.estimated_teams == pytest.approx(share.estimated_share * len(teams))
    assert all(s.aci is not None for s in found.strata)  # split by the list's ACI status


def test_every_team_a_member_is_a_census(tmp_path: Path, template: Path) -> None:
    """The finite-population correction: when every existing team answered, the estimate is
    the truth and its interval has no width."""
    teams = region(7, join_aci=1.0, join_other=1.0)
    db = synthetic_store(teams, tmp_path, template)
    found = est.estimate(Scope(year=YEAR), FED, "information_system", db)
    share = next(s for s in found.shares if s.value == SOFTWARE[0])
    assert share.estimated_share == pytest.approx(truth(teams, SOFTWARE[0]))
    assert share.ci_low == pytest.approx(share.ci_high)
    assert found.coverage == 1


def test_amounts_and_the_command_line(tmp_path: Path, template: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    teams = region(11)
    db = synthetic_store(teams, tmp_path, template)
    under_aci = [t.amount for t in teams if t.team_type == "MSP" and t.amount is not None]
    found = est.estimate(Scope(year=YEAR, team_type="MSP"), FED, "aci_amount", db)
    mean, median = found.amounts
    assert mean.ci_low <= sum(under_aci) / len(under_aci) <= mean.ci_high
    ordered = sorted(under_aci)
    assert median.ci_low <= ordered[len(ordered) // 2] <= median.ci_high
    assert found.estimated_teams == pytest.approx(len(under_aci), rel=0.25)
    assert cli.main(["estimate", "--year", "2025", "--field", "status", "--territory", "Est",
                     "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"existing_teams", "member_teams", "coverage", "method", "values"} <= set(out)
    assert set(out["values"][0]) == {"value", "members", "member_share", "estimated_teams",
                                     "estimated_share", "ci_low", "ci_high"}
    est_teams = [t for t in teams if FED.territory_of(t.departement) == "Est"]
    assert out["existing_teams"] == len(est_teams)
    assert sum(v["estimated_teams"] for v in out["values"]) == pytest.approx(len(est_teams),
                                                                             abs=0.5)
    assert cli.main(["estimate", "--year", "2025", "--field", "nope", "--db", str(db)]) == 2


def test_small_strata_are_pooled_and_too_small_ones_not_estimated(tmp_path: Path,
                                                                    template: Path) -> None:
    teams = region(5)
    # Cantal's CPTS: one member only, pooled with the other small ones of the Ouest
    for t in teams:
        if t.departement == "15" and t.team_type == "CPTS":
            t.member = t.name.endswith("000")
    db = synthetic_store(teams, tmp_path, template)
    found = est.estimate(Scope(year=YEAR), FED, "information_system", db)
    cantal = [s for s in found.strata if "15" in s.departements and s.team_type == "CPTS"]
    assert cantal and all(len(s.departements) > 1 and s.estimated for s in cantal)
    # in Cantal alone there is nowhere to pool them: not estimated, and said so
    alone = est.estimate(Scope(year=YEAR, departement="15"), FED, "information_system", db)
    assert any(s.team_type == "CPTS" and not s.estimated for s in alone.strata)
    assert any("Non estimé" in n and "CPTS" in n for n in alone.notes)
    assert alone.estimated_population < alone.existing_teams


def test_without_a_frame_there_is_no_estimate(tmp_path: Path, template: Path) -> None:
    db = tmp_path / "empty.duckdb"
    shutil.copyfile(template, db)
    found = est.estimate(Scope(year=YEAR), FED, "status", db)
    assert found.unavailable and not found.shares


# -- the intervals over many seeds ------------------------------------------------------------
def _strata_sample(rng: random.Random, shares: list[float], sizes: list[int],
                   rates: list[float]) -> tuple[float, list[tuple[int, int, int]]]:
    """A population of strata with the given true shares, a simple random sample without
    replacement of each: (the true share, (N_h, m_h, y_h) per stratum)."""
    strata, positives = [], 0
    for p, n, rate in zip(shares, sizes, rates, strict=True):
        values = [1] * round(p * n) + [0] * (n - round(p * n))
        positives += sum(values)
        m = max(5, round(rate * n))
        strata.append((n, m, sum(rng.sample(values, m))))
    return positives / sum(sizes), strata


@pytest.mark.parametrize(("shares", "expected"), [
    ([0.5, 0.3, 0.7, 0.45, 0.6], (0.93, 0.995)),
    ([0.05, 0.02, 0.08, 0.03, 0.04], (0.90, 1.0)),  # near 0: the Wilson interval holds
])
def test_intervals_cover_the_truth_over_many_seeds(shares: list[float],
                                                   expected: tuple[float, float]) -> None:
    sizes, rates = [40, 25, 60, 15, 30], [0.5, 0.3, 0.6, 0.5, 0.25]
    covered = 0
    for seed in range(400):
        true, strata = _strata_sample(random.Random(seed), shares, sizes, rates)
        _, low, high = est.share_estimate(strata)
        covered += low <= true <= high
    assert expected[0] <= covered / 400 <= expected[1], covered / 400


def test_a_wald_interval_would_not_hold_near_zero() -> None:
    """The control: the normal interval p ± 1.96 se misses far more often near 0."""
    shares, sizes, rates = [0.05, 0.02, 0.08, 0.03, 0.04], [40, 25, 60, 15, 30], \
        [0.5, 0.3, 0.6, 0.5, 0.25]
    wald = wilson = 0
    for seed in range(400):
        true, strata = _strata_sample(random.Random(seed), shares, sizes, rates)
        p, low, high = est.share_estimate(strata)
        total = sum(n for n, _, _ in strata)
        var = sum((n / total) ** 2 * (1 - m / n) * (y / m) * (1 - y / m) / (m - 1)
                  for n, m, y in strata)
        wald += p - 1.96 * math.sqrt(var) <= true <= p + 1.96 * math.sqrt(var)
        wilson += low <= true <= high
    assert wald < 0.95 * 400 <= wilson


def test_mean_intervals_cover_over_many_seeds() -> None:
    covered = 0
    for seed in range(300):
        rng = random.Random(seed)
        groups, population = [], []
        for n, mean in ((50, 60_000.0), (30, 90_000.0), (20, 120_000.0)):
            values = [rng.gauss(mean, 25_000) for _ in range(n)]
            population += values
            sample = rng.sample(values, n // 2)
            groups.append(est._Group(n, len(sample), sample))
        r, variance, df = est.ratio_estimate(groups)
        half = est.t_quantile(df) * math.sqrt(variance)
        covered += r - half <= sum(population) / len(population) <= r + half
    assert 0.92 <= covered / 300 <= 0.99


def test_the_student_quantile() -> None:
    assert est.t_quantile(math.inf) == pytest.approx(1.959964, abs=1e-6)
    for df, exact in ((3, 3.182446), (5, 2.570582), (10, 2.228139), (30, 2.042272)):
        assert est.t_quantile(df) == pytest.approx(exact, rel=2e-3)
