"""The Occitanie demo: Fécop-style export files whose figures are those of Fécop's reports.

Every team and person here is fictitious; the communes are real (the map needs their points).
The files go through the real importers (``demo.build``); what they must reproduce is in
``demo_spec`` (FECOP_*), and README § Demo data says how the reports' loose ends are read.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from observatory import demo_spec as spec
from observatory import exportfiles as ef
from observatory.config import DEMO_DIR, get_federation

SEED = 20260117
FECOP_DIR = DEMO_DIR / "fecop"
FEDERATION = get_federation("fecop")
# Kinds of facilitation (exportfiles.KIND_WORDING order) for projects and for teams in operation.
PROJECT_KINDS = (0, 0, 0, 0, 0, 1, 1, 1, 1, 3)
FUNCTIONING_KINDS = (1, 1, 1, 1, 2, 2, 3, 3, 3, 4)


@dataclass
class Project:
    """A fictitious project, and the team it becomes once validated."""

    key: int
    name: str
    team_type: str
    departement: str
    commune: str  # INSEE code
    accompanied: bool
    first_contact: dt.date
    awareness: dt.date | None = None
    filed: dt.date | None = None
    validated: dt.date | None = None
    aci_signed: dt.date | None = None
    finess: str | None = None
    written: dict[str, str] = field(default_factory=dict)  # how the sheet writes its commune

    def status_on(self, day: dt.date) -> str | None:
        """Its status as a team on ``day`` (None before its first contact)."""
        if self.aci_signed and self.aci_signed <= day:
            return "sous_aci"
        if self.validated and self.validated <= day:
            return "labellisee"
        return "en_projet" if self.first_contact <= day else None


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end``, both included."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class _Occitanie:
    """Fécop's fictitious region: its projects, member teams and facilitations."""

    def __init__(self, seed: int = SEED) -> None:
        from observatory import geo

        self.rng = random.Random(seed)
        self.projects: list[Project] = []
        self.names: set[str] = set()
        communes = geo.communes()
        self.communes = {
            dep: sorted(communes[(communes["departement"] == dep)
                                 & (communes["population"] >= 1000)][["code", "name"]]
                        .itertuples(index=False, name=None))
            for dep in FEDERATION.departements}
        self.deps = list(spec.FECOP_WEIGHTS)
        self.weights = list(spec.FECOP_WEIGHTS.values())
        self.facilitators = self._people(spec.FECOP_2023.facilitators
                                         + spec.FECOP_2025.facilitators - 36)

    def _people(self, n: int) -> list[str]:
        people: set[str] = set()
        while len(people) < n:
            people.add(f"{self.rng.choice(ef.FIRST_NAMES)} {ef.fake_word(self.rng)}")
        return sorted(people)

    def _name(self, team_type: str) -> str:
        while True:
            name = f"{self.rng.choice(ef.TYPE_PREFIX[team_type])} {ef.fake_place(self.rng)}"
            if name.casefold() not in self.names:
                self.names.add(name.casefold())
                return name

    def new_project(self, team_type: str, accompanied: bool, first_contact: dt.date,
                    filed: dt.date | None = None, validated: dt.date | None = None) -> Project:
        rng = self.rng
        dep = rng.choices(self.deps, self.weights)[0]
        code, name = self.communes[dep][rng.randrange(len(self.communes[dep]))]
        written = rng.random()
        commune = (code if written < 0.1 else f"{name} ({dep})" if written < 0.2 else name)
        finess = f"{dep}{rng.randrange(10**6, 10**7):07d}" if team_type == "MSP" else None
        project = Project(len(self.projects), self._name(team_type), team_type, dep, code,
                          accompanied, first_contact, filed=filed, validated=validated,
                          finess=finess, written={"commune": commune})
        awareness = first_contact + dt.timedelta(days=rng.randint(15, 120))
        if rng.random() < 0.8 and (filed is None or awareness < filed) \
                and awareness <= dt.date(2025, 12, 20):
            project.awareness = awareness
        if validated is not None and rng.random() < 0.85:
            aci = validated + dt.timedelta(days=rng.randint(90, 420))
            project.aci_signed = aci if aci <= dt.date(2025, 12, 15) else None
        self.projects.append(project)
        return project

    def _filed(self, team_type: str, accompanied: bool, filed: dt.date,
               validated: dt.date | None) -> None:
        first = filed - dt.timedelta(days=self.rng.randint(270, 900))
        self.new_project(team_type, accompanied, first, filed, validated)

    def cohorts(self) -> None:
        """The files of each filing year, the CPTS files, then the projects not filed yet."""
        rng = self.rng
        for year, (files, validated, late, others) in spec.FECOP_FILES.items():
            for i in range(files + others):
                team_type = "ESP" if rng.random() < 0.25 else "MSP"
                accompanied = i < files
                if not accompanied or i < validated - late:  # validated within the year
                    filed = _day(rng, dt.date(year, 1, 5), dt.date(year, 9, 30))
                    done = min(filed + dt.timedelta(days=rng.randint(30, 100)),
                               dt.date(year, 12, 20))
                elif i < validated:  # filed late in the year, validated early the next
                    filed = _day(rng, dt.date(year, 10, 1), dt.date(year, 11, 30))
                    done = _day(rng, dt.date(year + 1, 1, 10), dt.date(year + 1, 2, 28))
                else:  # still waiting for the ARS, or given up
                    filed, done = _day(rng, dt.date(year, 10, 15), dt.date(year, 12, 15)), None
                self._filed(team_type, accompanied, filed, done)
            if year >= 2019:
                for _ in range(spec.FECOP_CPTS_PER_YEAR):
                    filed = _day(rng, dt.date(year, 1, 5), dt.date(year, 9, 30))
                    done = filed + dt.timedelta(days=rng.randint(60, 150))
                    self._filed("CPTS", True, filed, done if done <= dt.date(2025, 12, 20)
                                else None)
        for year, count in spec.FECOP_EARLY.items():
            for _ in range(count):
                team_type = "ESP" if rng.random() < 0.3 else "MSP"
                first = _day(rng, dt.date(year, 1, 5), dt.date(year, 11, 30))
                self.new_project(team_type, rng.random() < 0.85, first)

    # -- membership ----------------------------------------------------------------------
    def members(self, target: spec.FecopYear) -> list[tuple[Project, str]]:
        """The member teams of a year and their status in the form (as of 31 March)."""
        day = dt.date(target.year, 3, 31)
        ordered = sorted(self.projects, key=lambda p: p.key)
        validated = [p for p in ordered if p.status_on(day) in ("labellisee", "sous_aci")]
        project = [p for p in ordered if p.status_on(day) == "en_projet"
                   and p.first_contact.year >= target.year - 3]
        in_project = round(target.members * 0.13)
        chosen = (self.rng.sample(validated, target.members - in_project)
                  + self.rng.sample(project, in_project))
        return [(p, str(p.status_on(day))) for p in sorted(chosen, key=lambda p: p.key)]

    # -- facilitations -------------------------------------------------------------------
    def facilitations(self, target: spec.FecopYear) -> list[ef.Facilitation]:
        """A year of the log: its facilitations for projects, for teams in operation and with
        elected officials, each team facilitated at least once, volunteer time as reported."""
        rng, year = self.rng, target.year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        ordered = sorted(self.projects, key=lambda p: p.key)
        in_project = [p for p in ordered if p.first_contact <= dt.date(year, 12, 15)
                      and (p.validated is None or p.validated > end)]
        working = [p for p in ordered if p.validated and p.validated <= dt.date(year, 6, 30)]
        teams_project, teams_working = spec.FECOP_FACILITATED[year]
        rows: list[tuple[dt.date, Project | None, str | None, int]] = []
        for pool, teams, count, kinds in (
                (in_project, teams_project, target.facilitations_projects, PROJECT_KINDS),
                (working, teams_working, target.facilitations_functioning, FUNCTIONING_KINDS)):
            chosen = rng.sample(pool, teams)
            order = chosen + [rng.choice(chosen) for _ in range(count - teams)]
            for p in order:
                # a project is facilitated after its first contact, a team once validated
                since = p.validated if p.validated and p.validated <= end else p.first_contact
                day = _day(rng, max(start, since), end)
                rows.append((day, p, str(p.status_on(day)), rng.choice(kinds)))
        for _ in range(target.facilitations_other):  # elected officials: no team profile
            rows.append((_day(rng, start, end), None, None, 0))
        return self._logged(target, rows)

    def _logged(self, target: spec.FecopYear,
                rows: list[tuple[dt.date, Project | None, str | None, int]]
                ) -> list[ef.Facilitation]:
        """The rows with their facilitators (every one of the year's named at least once),
        whether volunteer, and durations summing to the reported volunteer hours."""
        rng = self.rng
        people = self._year_people(target)
        volunteer = set(rng.sample(range(len(rows)), target.volunteer_facilitations))
        order = sorted(volunteer)
        named: dict[int, list[str]] = {i: [] for i in order}
        for k, person in enumerate(people):  # each of the year's facilitators at least once
            named[order[k]].append(person)
        for i in order:
            if not named[i]:
                named[i].append(rng.choice(people))
            if rng.random() < 0.3:
                other = rng.choice(people)
                if other not in named[i]:
                    named[i].append(other)
        halves = _halves(rng, len(order), 2 * target.volunteer_hours)
        hours = dict(zip(order, (h / 2 for h in halves), strict=True))
        out = []
        for i, (day, p, profile, kind) in enumerate(rows):
            if i in hours:
                duration: float | None = hours[i]
            else:  # staff time alone: logged, sometimes without its duration
                duration = rng.choice((1.0, 1.5, 2.0, None))
            if p is None:
                dep = rng.choices(self.deps, self.weights)[0]
                teams, team_type = (f"Mairie de {ef.fake_place(rng)}",), "Collectivité"
            else:
                dep, teams, team_type = p.departement, (p.name,), p.team_type
            out.append(ef.Facilitation(
                day, dep, teams, team_type, profile or "", kind, tuple(named.get(i, ())),
                "Visio" if rng.random() < 0.25 else "Présentiel",
                _written(rng, duration), i in volunteer))
        return out

    def _year_people(self, target: spec.FecopYear) -> list[str]:
        """The year's facilitators: 36 of them both years, the others one year only."""
        both = self.facilitators[:36]
        rest = self.facilitators[36:]
        only_2023 = rest[:spec.FECOP_2023.facilitators - 36]
        only_2025 = rest[spec.FECOP_2023.facilitators - 36:]
        return both + (only_2023 if target.year == 2023 else only_2025)


def _halves(rng: random.Random, n: int, total: int) -> list[int]:
    """``n`` durations in half hours (1 to 4 hours each) summing exactly to ``total``."""
    halves = [rng.choice((2, 3, 4, 4, 5, 6)) for _ in range(n)]
    diff = total - sum(halves)
    if not 2 * n <= total <= 8 * n:
        raise ValueError("demo: volunteer hours out of reach")
    while diff:
        i = rng.randrange(n)
        if diff > 0 and halves[i] < 8:
            halves[i] += 1
            diff -= 1
        elif diff < 0 and halves[i] > 2:
            halves[i] -= 1
            diff += 1
    return halves


def _written(rng: random.Random, hours: float | None) -> str | float | None:
    """A duration as staff type it: a number, « 1h30 », « 90 min » or « 1,5 »."""
    if hours is None:
        return None
    style = rng.random()
    whole, half = int(hours), hours % 1 == 0.5
    if style < 0.5:
        return hours
    if style < 0.75:
        return f"{whole}h30" if half else f"{whole}h"
    if style < 0.85:
        return f"{round(hours * 60)} min"
    return f"{hours:.1f}".replace(".", ",").removesuffix(",0")


def generate(out_dir: Path = FECOP_DIR, seed: int = SEED) -> list[Path]:
    """Write every Occitanie demo file and the manifest that says how to import them."""
    from observatory import geo

    names = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
    world = _Occitanie(seed)
    world.cohorts()
    forms_rng = random.Random(seed + 1)
    members = {y.year: world.members(y) for y in spec.FECOP_YEARS}
    log = [f for y in spec.FECOP_YEARS for f in world.facilitations(y)]

    def form(p: Project, status: str, year: int) -> ef.MembershipForm:
        return ef.MembershipForm(p.name, p.finess, p.team_type, status, p.departement,
                                 ef.membership_answers(forms_rng, p.team_type, status, year))

    stamps = sorted(dt.datetime(2025, 1, 8, 9) + dt.timedelta(minutes=forms_rng.randrange(
        0, 60 * 24 * 120)) for _ in members[2025])
    sheet = [ef.Project(p.name, p.team_type, p.departement, p.written["commune"],
                        p.accompanied, p.first_contact, p.awareness, p.filed, p.validated,
                        p.aci_signed, p.finess)
             for p in sorted(world.projects, key=lambda p: (p.departement, p.name))]
    files = {
        "adhesions_2023.csv": ef.excel_membership_export(
            [form(p, s, 2023) for p, s in sorted(members[2023], key=lambda m: m[0].name)],
            names),
        "adhesions_2025.csv": ef.online_membership_export(
            [ef.OnlineAnswer(form(p, s, 2025), stamp) for (p, s), stamp
             in zip(members[2025], stamps, strict=True)], 2025, names),
        "journal_facilitations.xlsx": ef.timed_facilitation_log(log, names),
        "suivi_projets.xlsx": ef.project_sheet_xlsx(sheet, names, FEDERATION.name),
    }
    files[ef.MANIFEST] = "\n".join([
        "# How `observatory demo --federation fecop` imports these files (in this order).",
        "",
        'federation = "fecop"',
        "",
        '[[import]]\nkind = "adhesions"\nfile = "adhesions_2023.csv"\nyear = 2023\n',
        '[[import]]\nkind = "adhesions"\nfile = "adhesions_2025.csv"\n',
        '[[import]]\nkind = "facilitations"\nfile = "journal_facilitations.xlsx"\n',
        '[[import]]\nkind = "projects"\nfile = "suivi_projets.xlsx"\n',
    ]).encode("utf-8")
    return ef.write_files(out_dir, files)
