"""Deterministic demo data: writes export files as real tools would, then builds a store from them.

Every team and person here is fictitious. The files go through the real importers, so the demo
also shows what an import looks like; their aggregates reproduce the FemasAURA&Co 2025 report
(see observatory/demo_spec.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from observatory import demo_spec as spec
from observatory import exportfiles as ef
from observatory.config import DEMO_DIR, get_federation
from observatory.exportfiles import Question
from observatory.vocabulary import STATUSES

SEED = 20251125


@dataclass
class Team:
    """A fictitious team and its yearly story."""

    key: int
    name: str
    team_type: str
    departement: str
    finess: str | None
    status: dict[int, str] = field(default_factory=dict)  # year -> status in the form
    member: set[int] = field(default_factory=set)  # years with a membership form


class _World:
    """The fictitious region: teams, their membership and their facilitations."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.federation = get_federation("femasaura")
        self.teams: list[Team] = []
        self.names: set[str] = set()
        self.facilitations: list[dict] = []
        self.facilitators = self._people(40)
        self.places = _Places(seed)

    def _people(self, n: int) -> list[str]:
        people: set[str] = set()
        while len(people) < n:
            people.add(f"{self.rng.choice(ef.FIRST_NAMES)} {ef.fake_word(self.rng)}")
        return sorted(people)

    def new_team(self, team_type: str, departement: str) -> Team:
        while True:
            prefix = self.rng.choice(ef.TYPE_PREFIX[team_type])
            name = f"{prefix} {ef.fake_place(self.rng)}"
            if name.casefold() not in self.names:
                break
        self.names.add(name.casefold())
        finess = None
        if team_type in ("MSP", "CDS"):
            dep = departement.zfill(2)
            finess = f"{dep}{self.rng.randrange(10**6, 10**7):07d}"
        team = Team(len(self.teams), name, team_type, departement, finess)
        self.teams.append(team)
        return team

    # -- facilitations -------------------------------------------------------------------
    def _split_teams(self, cell: spec.Cell) -> list[int]:
        """How many teams sat at each profile, when the report does not say."""
        if cell.team_profiles:
            return list(cell.team_profiles)
        counts = [min(1, f) for f in cell.profiles]
        while sum(counts) < cell.teams:
            # grouped cells have more teams than facilitations: only used profiles get teams
            used = [i for i, f in enumerate(cell.profiles) if f]
            counts[max(used, key=lambda i: cell.profiles[i] - counts[i])] += 1
        return counts

    def _dates(self, year: int, n: int) -> list[dt.date]:
        days = sorted(self.rng.sample(range(8, 350), n))
        return [dt.date(year, 1, 1) + dt.timedelta(days=d) for d in days]

    def facilitate_2025(self, cell: spec.Cell) -> None:
        team_counts = self._split_teams(cell)
        teams_by_profile: list[list[Team]] = []
        changer: Team | None = None
        for p, count in enumerate(team_counts):
            group = []
            for _ in range(count):
                if cell.status_changes and p == 2 and changer is None:
                    changer = teams_by_profile[1][-1]  # labellisée early in the year, then ACI
                    group.append(changer)
                    continue
                team = self.new_team(cell.team_type, cell.departement)
                team.status[2025] = STATUSES[p]
                group.append(team)
            teams_by_profile.append(group)
        if changer:
            changer.status[2025] = "sous_aci"
        kinds = [k for k, n in enumerate(cell.kinds) for _ in range(n)]
        # early kinds (awareness) go to project teams, which come first
        rows: list[tuple[int, Team | None]] = []  # None: a grouped facilitation's teams
        for p, n in enumerate(cell.profiles):
            group = teams_by_profile[p]
            for i in range(n):
                if cell.grouped:
                    rows.append((p, None))
                else:
                    rows.append((p, group[i % len(group)]))
        dates = self._dates(2025, len(rows))
        if changer:  # the status change must happen between its two facilitations
            lab = [i for i, (p, t) in enumerate(rows) if t is changer and p == 1]
            aci = [i for i, (p, t) in enumerate(rows) if t is changer and p == 2]
            if lab and aci and dates[lab[0]] > dates[aci[0]]:
                dates[lab[0]], dates[aci[0]] = dates[aci[0]], dates[lab[0]]
        if cell.grouped:
            groups = _chunk(teams_by_profile[2], cell.facilitations)
        for i, ((p, one), date) in enumerate(zip(rows, dates, strict=True)):
            members = [one] if one is not None else groups[i]
            self.facilitations.append(self._facilitation(date, cell.departement, cell.team_type,
                                                         STATUSES[p], kinds[i], members))

    def _facilitation(self, date: dt.date, dep: str, team_type: str, profile: str, kind: int,
                      teams: list[Team]) -> dict:
        return {
            "date": date,
            "departement": dep,
            "teams": teams,
            "team_type": team_type,
            "profile": profile,
            "kind": kind,
            "facilitators": self.rng.sample(self.facilitators, self.rng.choice((1, 2))),
            "mode": "Visio" if self.rng.random() < 0.25 else "Présentiel",
        }

    def facilitate_2024(self) -> None:
        fed = self.federation
        for (territory, team_type), total in spec.TERRITORY_TOTALS_2024.items():
            deps = fed.territories[territory]
            weights = [1 + sum(c.facilitations for c in spec.CELLS_2025 if c.departement == d)
                       for d in deps]
            counts = ef.apportion(total, weights)
            for dep, n in zip(deps, counts, strict=True):
                types = (team_type,)
                pool = [t for t in self.teams if t.departement == dep and t.team_type in types]
                pool.sort(key=lambda t: t.key)
                dates = self._dates(2024, n)
                for date in dates:
                    if not pool or self.rng.random() < 0.3:
                        team = self.new_team(types[0], dep)
                        team.status[2025] = "en_projet"
                        pool.append(team)
                    else:
                        team = self.rng.choice(pool)
                    profile = self._status_2024(team)
                    kind = 0 if profile == "en_projet" else self.rng.choice((1, 1, 2, 3, 4))
                    self.facilitations.append(
                        self._facilitation(date, dep, team.team_type, profile, kind, [team]))

    def _status_2024(self, team: Team) -> str:
        if 2024 not in team.status:
            current = team.status.get(2025, "en_projet")
            step = STATUSES.index(current)
            if step > 0 and team.key % 5 == 0:
                step -= 1  # one team in five progressed during 2025
            team.status[2024] = STATUSES[step]
        return team.status[2024]

    # -- membership ----------------------------------------------------------------------
    def membership(self) -> None:
        cycle = ("MSP", "MSP", "MSP", "CPTS", "MSP", "MSP", "ESP", "MSP", "CPTS", "MSP", "CDS")
        for dep, target in spec.MEMBERS_2025.items():
            facilitated = [t for t in self.teams if t.departement == dep]
            members = []
            for i, team in enumerate(sorted(facilitated, key=lambda t: t.key)):
                if team.status.get(2025) != "en_projet" or i % 2 == 0:
                    members.append(team)
            if len(members) > target:
                raise ValueError(f"demo: {dep} has more facilitated members than its target")
            i = 0
            while len(members) < target:
                team = self.new_team(cycle[(i + int(dep[:2])) % len(cycle)], dep)
                team.status[2025] = self.rng.choices(STATUSES, weights=(2, 2, 6))[0]
                members.append(team)
                i += 1
            for team in members:
                team.member.add(2025)
        members_2025 = sorted((t for t in self.teams if 2025 in t.member), key=lambda t: t.key)
        newcomers = set(self.rng.sample([t.key for t in members_2025], spec.NEWCOMERS_2025))
        for team in members_2025:
            if team.key not in newcomers:
                team.member.add(2024)
                self._status_2024(team)
        for _ in range(spec.LEAVERS_2024):
            dep = self.rng.choice(sorted(spec.MEMBERS_2025))
            team = self.new_team(self.rng.choice(("MSP", "MSP", "ESP")), dep)
            team.status[2024] = self.rng.choice(STATUSES)
            team.member.add(2024)


def _chunk(items: list, parts: int) -> list[list]:
    """Split items into ``parts`` groups, largest first (thematic facilitations)."""
    sizes = ef.apportion(len(items), list(range(parts, 0, -1)))
    out, start = [], 0
    for size in sizes:
        out.append(items[start:start + size])
        start += size
    return out


# -- writers ----------------------------------------------------------------------------------
def _form(rng: random.Random, team: Team, year: int) -> ef.MembershipForm:
    status = team.status[year]
    return ef.MembershipForm(team.name, team.finess, team.team_type, status, team.departement,
                             ef.membership_answers(rng, team.team_type, status, year))


def write_adhesions_2024(world: _World, rng: random.Random, names: dict[str, str]) -> bytes:
    """French Excel: Windows-1252, ';', no time stamp, year given at import."""
    teams = sorted((t for t in world.teams if 2024 in t.member), key=lambda t: t.name)
    return ef.excel_membership_export([_form(rng, t, 2024) for t in teams], names)


def write_adhesions_2025(world: _World, rng: random.Random, names: dict[str, str]) -> bytes:
    """Online form export: UTF-8, ',', a 'Horodateur' column and full question texts, and the
    commune as each team typed it (its name, its INSEE code, once misspelt)."""
    members = sorted((t for t in world.teams if 2025 in t.member), key=lambda t: t.key)
    stamps = sorted(dt.datetime(2025, 1, 6, 8) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 150))
                    for _ in members)
    answers = []
    for i, (team, stamp) in enumerate(zip(members, stamps, strict=True)):
        form = dataclasses.replace(_form(rng, team, 2025), commune=world.places.typed(team, i))
        # the eighth team answered twice: an earlier draft that the later answer replaces
        draft = (stamp - dt.timedelta(days=3), form.answers.professionals + 5) if i == 7 else None
        answers.append(ef.OnlineAnswer(form, stamp, draft))
    return ef.online_membership_export(answers, 2025, names, commune=True)


def write_facilitations(world: _World, names: dict[str, str]) -> bytes:
    """The staff spreadsheet: one row per facilitation, teams joined by ';', real Excel dates."""
    return ef.facilitation_log([
        ef.Facilitation(f["date"], f["departement"], tuple(t.name for t in f["teams"]),
                        f["team_type"], f["profile"], f["kind"], tuple(f["facilitators"]),
                        f["mode"]) for f in world.facilitations], names)


# -- surveys -----------------------------------------------------------------------------
SURVEY_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "2025-04-recherche": (
        Question("Q1", "Votre équipe participe-t-elle à des projets de recherche ?", "yesno",
                 label="Participation à la recherche"),
        Question("Q2", "Sous quelle forme ?", "multiple", (
            "Recueil de données", "Inclusion de patients", "Co-investigation",
            "Accueil d'étudiants chercheurs"), label="Formes de participation"),
        Question("Q3", "La recherche en soins primaires vous intéresse-t-elle ?", "scale",
                 ef.SCALE_AGREE, label="Intérêt pour la recherche"),
        Question("Q4", "Nombre de projets de recherche en cours dans l'équipe", "number",
                 label="Projets en cours"),
        Question("Q5", "Principal frein à la participation", "single", (
            "Manque de temps", "Manque de financement", "Manque de formation",
            "Pas de sollicitation"), label="Principal frein"),
        Question("Q6", "Commentaires", "text"),
    ),
    "2025-05-qualite": (
        Question("", "Votre équipe est-elle engagée dans une démarche qualité ?", "yesno",
                 label="Engagement qualité"),
        Question("", "Quels outils utilisez-vous ?", "multiple", (
            "Matrice de maturité", "Revue de dossiers", "Enquête de satisfaction patients",
            "Analyse des événements indésirables"), label="Outils utilisés"),
        Question("", "Êtes-vous satisfait de la démarche actuelle ?", "scale", ef.SCALE_SATISFIED,
                 label="Satisfaction"),
        Question("", "Combien de réunions qualité par an ?", "number",
                 label="Réunions qualité par an"),
        Question("", "Quels besoins d'accompagnement ?", "text"),
    ),
    "2025-09-acces-cpts": (
        Question("Q1", "La CPTS organise-t-elle la prise en charge des soins non programmés ?",
                 "yesno", label="Soins non programmés"),
        Question("Q2", "Actions menées pour l'accès aux soins", "multiple", (
            "Recherche de médecin traitant", "Soins non programmés", "Téléconsultation",
            "Coordination avec le SAS"), label="Actions pour l'accès aux soins"),
        # low difficulty is the good end: the sidecar says so (« positive = "first" »)
        Question("Q3", "Difficulté perçue de la mission (1 = faible, 5 = forte)", "scale",
                 ("1", "2", "3", "4", "5"), label="Difficulté perçue", positive="first"),
        Question("Q4", "Patients sans médecin traitant orientés en 2025", "number",
                 label="Patients orientés"),
        Question("Q5", "Vos besoins d'appui", "text"),
    ),
    "2025-12-plan-strategique": (
        Question("", "Quelles priorités pour la fédération ?", "multiple", (
            "Formation", "Facilitation", "Représentation", "Recherche", "Communication",
            "Plaidoyer"), label="Priorités"),
        Question("", "Êtes-vous satisfait de l'accompagnement de la fédération ?", "scale",
                 ef.SCALE_SATISFIED, label="Satisfaction"),
        Question("", "Souhaitez-vous vous impliquer dans la gouvernance ?", "yesno",
                 label="Implication dans la gouvernance"),
        Question("", "Suggestions", "text"),
    ),
}
def _respondents(rng: random.Random, s: spec.SurveySpec, world: _World) -> list[dict]:
    """Who answered: as many distinct teams and départements as the report says."""
    deps = sorted(spec.MEMBERS_2025)
    if s.departements and s.departements < len(deps):
        deps = sorted(rng.sample(deps, s.departements))
    pool_types = (s.team_type,) if s.team_type else ("MSP", "CPTS", "ESP", "CDS")
    pool = sorted((t for t in world.teams if t.team_type in pool_types and t.departement in deps),
                  key=lambda t: t.key)
    teams: list[Team] = []
    for dep in deps:  # every chosen département answers at least once
        local = [t for t in pool if t.departement == dep]
        teams.append(rng.choice(local) if local else world.new_team(pool_types[0], dep))
    rest = [t for t in pool if t not in teams]
    rng.shuffle(rest)
    wanted = s.teams or s.respondents
    teams += rest[: max(0, wanted - len(teams))]
    while len(teams) < wanted:  # surveys reach non-member teams too
        teams.append(world.new_team(pool_types[0], deps[len(teams) % len(deps)]))
    order = teams + [rng.choice(teams) for _ in range(s.respondents - len(teams))]
    professions = list(ef.SURVEY_PROFESSIONS[: s.professions or len(ef.SURVEY_PROFESSIONS)])
    people = []
    for i, team in enumerate(order):
        prof = professions[i] if i < len(professions) else rng.choice(professions)
        people.append({"team": team, "profession": prof})
    return people


def write_survey(world: _World, rng: random.Random, s: spec.SurveySpec,
                 names: dict[str, str]) -> tuple[bytes, str]:
    """A survey export in its tool's layout, and its sidecar TOML."""
    questions = SURVEY_QUESTIONS[s.survey_id]
    people = [ef.Respondent(p["profession"], p["team"].departement, p["team"].name,
                         p["team"].team_type) for p in _respondents(rng, s, world)]
    sidecar = [
        f'id = "{s.survey_id}"', f'title = "{s.title}"', f'theme = "{s.theme}"',
        f'date = "{s.month}"', f'objective = "{s.objective}"', "published = true", "",
    ]
    year, month = int(s.month[:4]), int(s.month[5:])
    if s.layout == "survey_tool":
        header, rows, tables = ef.survey_tool_export(rng, questions, people, s.incomplete,
                                                  dt.datetime(year, month, 2, 9))
        sidecar += tables
    else:
        header, rows = ef.online_form_export(rng, questions, people,
                                          dt.datetime(year, month, 1, 9), names)
        for q in questions:
            declared = [f"options = {ef.toml_value(list(q.options))}"] if q.qtype == "scale" \
                else []
            if declared or q.qtype == "text" or q.sidecar_extras():
                sidecar += [f"[questions.{ef.toml_value(q.text)}]",
                            f"type = {ef.toml_value(q.qtype)}", *declared,
                            *q.sidecar_extras(), ""]
    return ef.csv_text(header, rows, ",").encode("utf-8"), "\n".join(sidecar).rstrip() + "\n"


def write_fiches(world: _World, rng: random.Random) -> bytes:
    header = ["Titre", "Équipe", "Département", "Thème", "Année", "Résumé", "Description"]
    members = sorted((t for t in world.teams if 2025 in t.member and t.status.get(2025) ==
                      "sous_aci"), key=lambda t: t.key)
    teams = rng.sample(members, spec.FICHES_2025)
    rows = []
    for team, (theme, title) in zip(teams, ef.FICHE_THEMES, strict=True):
        rows.append([
            title, team.name, team.departement, theme, "2025",
            f"{title} mis en place par l'équipe depuis 2024.",
            f"L'équipe {team.name} a construit cette action avec ses professionnels. "
            "Étapes : constat partagé, choix d'un pilote, rédaction d'un protocole, "
            "évaluation au bout d'un an. Conditions de réussite : temps de coordination "
            "dédié et soutien de la fédération.",
        ])
    return ef.csv_text(header, rows, ",").encode("utf-8")


def existing_counts(world: _World, seed: int) -> dict[tuple[str, str], int]:
    """Existing MSP and CPTS per département in 2025, members or not (invented counts)."""
    rng = random.Random(seed + 2)  # its own stream: the other files stay as they were
    counts = {}
    for code in world.federation.departements:
        for team_type, spread in (("MSP", (1.3, 2.2)), ("CPTS", (1.0, 1.6))):
            members = sum(1 for t in world.teams if t.departement == code
                          and t.team_type == team_type and 2025 in t.member)
            counts[(code, team_type)] = max(
                members, round(members * rng.uniform(*spread)) + rng.randint(0, 3))
    return counts


def write_references(world: _World, seed: int) -> bytes:
    """The counts of existing MSP and CPTS per département in 2025 (';' CSV)."""
    header = ["Département", "Type de structure", "Nombre d'équipes", "Année", "Source"]
    rows = [[code, team_type, str(n), "2025", "Décompte fictif de démonstration"]
            for (code, team_type), n in existing_counts(world, seed).items()]
    return ef.csv_text(header, rows, ";").encode("utf-8")


def _months_before(day: dt.date, rng: random.Random, low: int, high: int) -> dt.date:
    return day - dt.timedelta(days=rng.randint(low * 30, high * 30))


def write_projects(world: _World, seed: int, names: dict[str, str]) -> bytes:
    """A small follow-up sheet: teams in project in 2025 and teams validated or under ACI,
    each at a real commune of its département, dates as their statuses say (';' CSV)."""
    from observatory import geo

    rng = random.Random(seed + 3)  # its own stream: the other files stay as they were
    communes = geo.communes()
    chosen: list[Team] = []
    for status, wanted in (("en_projet", 12), ("labellisee", 8), ("sous_aci", 8)):
        pool = sorted((t for t in world.teams if t.status.get(2025) == status
                       and t.team_type != "CDS"), key=lambda t: t.key)
        chosen += rng.sample(pool, wanted)
    rows = []
    end = dt.date(2025, 11, 30)
    for team in sorted(chosen, key=lambda t: (t.departement, t.name)):
        local = communes[(communes["departement"] == team.departement)
                         & (communes["population"] >= 1500)]
        commune = str(local["name"].iloc[rng.randrange(len(local))])
        status, before = team.status[2025], team.status.get(2024)
        validated = aci = filed = None
        if status == "en_projet":
            first = dt.date(2023, 1, 2) + dt.timedelta(days=rng.randrange(0, 880))
            if rng.random() < 0.4 and _months_before(end, rng, 6, 6) > first:
                filed = first + dt.timedelta(days=rng.randint(180, 300))
        else:
            if status == "sous_aci":
                aci = (dt.date(2024, 1, 15) if before == "sous_aci" else dt.date(2025, 1, 15)) \
                    + dt.timedelta(days=rng.randrange(0, 300))
                validated = _months_before(aci, rng, 4, 10)
            else:
                validated = (dt.date(2024, 2, 1) if before == "labellisee" else
                             dt.date(2025, 1, 10)) + dt.timedelta(days=rng.randrange(0, 290))
            filed = _months_before(validated, rng, 2, 5)
            first = _months_before(filed, rng, 8, 20)
        awareness = first + dt.timedelta(days=rng.randint(20, 90)) if rng.random() < 0.7 else None
        if awareness is not None and filed is not None and awareness > filed:
            awareness = None
        rows.append(ef.Project(team.name, team.team_type, team.departement, commune,
                               rng.random() < 0.8, first, awareness, filed, validated, aci,
                               team.finess))
    return ef.project_sheet_csv(rows, names)


# Under ACI among the teams that are not members: fewer than among members (members are not a
# random sample of the existing teams, which the estimates correct for).
NON_MEMBER_ACI = {"MSP": 0.35, "CPTS": 0.3, "CDS": 0.4}
# Centres de santé that are not members, per département (the counts file has none).
OTHER_CDS = {"69": 6, "38": 4, "42": 3, "63": 2, "01": 1, "26": 1, "74": 1}
CPTS_REACH_KM = 30.0  # a CPTS covers the communes nearer to it than to another, this far at most


class _Places:
    """Where the demo's teams are: a real commune of their département, drawn once per team
    (its own random stream: no other file changes), small towns for MSP, cities for CDS."""

    def __init__(self, seed: int) -> None:
        from observatory import geo

        self.seed = seed
        communes = geo.communes()
        self.by_dep = {dep: group.reset_index(drop=True)
                       for dep, group in communes.groupby("departement", sort=True)}
        self.chosen: dict[str, str] = {}

    def commune(self, key: str, team_type: str, departement: str) -> str:
        if key not in self.chosen:
            rng = random.Random(f"{self.seed}:commune:{key}")
            group = self.by_dep[departement]
            population = group["population"].fillna(0).astype(float)
            power = {"CDS": 1.0, "CPTS": 0.8}.get(team_type, 0.5)
            weights = (population.where(population >= 800, 0.0) ** power).tolist()
            self.chosen[key] = str(group["code"].iloc[rng.choices(range(len(group)),
                                                                   weights=weights)[0]])
        return self.chosen[key]

    def of(self, team: Team) -> str:
        return self.commune(f"team-{team.key}", team.team_type, team.departement)

    def name(self, code: str) -> str:
        from observatory import geo

        return geo.commune_name(code)

    def typed(self, team: Team, i: int) -> str:
        """The commune as the team typed it in its form: mostly its name, sometimes its INSEE
        code, and once a typo (that the list's commune makes up for)."""
        code = self.of(team)
        if i == 11:
            return self.name(code)[:-1]
        return code if i % 7 == 3 else self.name(code)


def _perimeters(places: _Places, seats: list[tuple[int, str]],
                departement: str) -> dict[int, tuple[str, ...]]:
    """The communes of a département each CPTS covers: those nearer to it than to another CPTS
    of the département, within CPTS_REACH_KM."""
    import numpy as np

    group = places.by_dep[departement].dropna(subset=["lon", "lat"])
    lon, lat = group["lon"].to_numpy(), group["lat"].to_numpy()
    points = places.by_dep[departement].set_index("code")
    out: dict[int, list[str]] = {i: [] for i, _ in seats}
    if not seats:
        return {}
    seat_lon = np.array([points.at[c, "lon"] for _, c in seats])
    seat_lat = np.array([points.at[c, "lat"] for _, c in seats])
    dx = (lon[:, None] - seat_lon[None, :]) * 111.3 * np.cos(np.radians(lat))[:, None]
    dy = (lat[:, None] - seat_lat[None, :]) * 111.3
    distance = np.hypot(dx, dy)
    nearest = distance.argmin(axis=1)
    for code, j, d in zip(group["code"], nearest, distance.min(axis=1), strict=True):
        if d <= CPTS_REACH_KM:
            out[seats[j][0]].append(str(code))
    return {i: tuple(sorted(codes)) for i, codes in out.items()}


def write_reference_list(world: _World, seed: int) -> bytes:
    """The 2025 list of existing MSP, CPTS and centres de santé, members or not: as many MSP
    and CPTS per département as the counts file says, every member among them (under their
    own name, some in FINESS capitals, a few CPTS under another wording), the others invented;
    whether each is under ACI; each CPTS's communes."""
    rng = random.Random(seed + 4)  # its own stream: the other files stay as they were
    counts = existing_counts(world, seed)
    taken = set(world.names)
    finess_taken = {t.finess for t in world.teams if t.finess}
    listed: list[ef.ListedTeam] = []
    for dep in world.federation.departements:
        seats: list[tuple[int, str]] = []
        rows: list[dict] = []
        for team_type in ("MSP", "CPTS", "CDS"):
            members = sorted((t for t in world.teams if t.departement == dep
                              and t.team_type == team_type and 2025 in t.member),
                             key=lambda t: t.key)
            wanted = counts.get((dep, team_type), len(members) + OTHER_CDS.get(dep, 0))
            for i, team in enumerate(members):
                name = team.name
                if team.finess and i % 2:
                    name = ef.slug(name).replace("-", " ").upper()  # FINESS writes capitals
                if team_type == "CPTS" and i == 1:
                    name = name.replace("CPTS ", "CPTS du territoire de ", 1)  # not matched
                rows.append({"name": name, "type": team_type, "finess": team.finess,
                             "commune": world.places.of(team),
                             "aci": team.status.get(2025) == "sous_aci"})
            for _ in range(wanted - len(members)):
                while True:
                    name = f"{rng.choice(ef.TYPE_PREFIX[team_type])} {ef.fake_place(rng)}"
                    if name.casefold() not in taken:
                        break
                taken.add(name.casefold())
                finess = None
                while team_type != "CPTS" and (finess is None or finess in finess_taken):
                    finess = f"{dep}{rng.randrange(10**6, 10**7):07d}"
                if finess is not None:
                    finess_taken.add(finess)
                rows.append({"name": name, "type": team_type, "finess": finess,
                             "commune": world.places.commune(name, team_type, dep),
                             "aci": rng.random() < NON_MEMBER_ACI[team_type]})
        for i, row in enumerate(rows):
            if row["type"] == "CPTS":
                seats.append((i, row["commune"]))
        covered = _perimeters(world.places, seats, dep)
        for i, row in enumerate(rows):
            since = (dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))
                     if row["aci"] else None)
            listed.append(ef.ListedTeam(
                row["name"], {"MSP": "603", "CPTS": "604", "CDS": "124"}[row["type"]],
                row["commune"], world.places.name(row["commune"]), dep, row["finess"],
                row["aci"], since, covered.get(i, ())))
    return ef.reference_list_export(listed)


# -- entry points ------------------------------------------------------------------------
MANIFEST = ef.MANIFEST


def generate(out_dir: Path = DEMO_DIR, seed: int = SEED) -> list[Path]:
    """Write every demo export file and the manifest that says how to import them."""
    from observatory import geo

    names = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
    world = _World(seed)
    for cell in spec.CELLS_2025:
        world.facilitate_2025(cell)
    world.membership()
    world.facilitate_2024()
    rng = random.Random(seed + 1)
    files: dict[str, bytes] = {
        "adhesions_2024.csv": write_adhesions_2024(world, rng, names),
        "adhesions_2025.csv": write_adhesions_2025(world, rng, names),
        "facilitations.xlsx": write_facilitations(world, names),
    }
    manifest = [
        "# How `observatory demo` imports these files (in this order).",
        "",
        '[[import]]\nkind = "adhesions"\nfile = "adhesions_2024.csv"\nyear = 2024\n',
        '[[import]]\nkind = "adhesions"\nfile = "adhesions_2025.csv"\n',
        '[[import]]\nkind = "facilitations"\nfile = "facilitations.xlsx"\n',
    ]
    for s in spec.SURVEYS_2025:
        data, sidecar = write_survey(world, rng, s, names)
        stem = f"enquete_{s.survey_id}"
        files[f"{stem}.csv"] = data
        files[f"{stem}.toml"] = sidecar.encode("utf-8")
        manifest.append(f'[[import]]\nkind = "survey"\nfile = "{stem}.csv"\n')
    files["fiches_capitalisation.csv"] = write_fiches(world, rng)
    manifest.append('[[import]]\nkind = "fiches"\nfile = "fiches_capitalisation.csv"\n')
    files["equipes_existantes_2025.csv"] = write_references(world, seed)
    manifest.append('[[import]]\nkind = "references"\nfile = "equipes_existantes_2025.csv"\n')
    files["suivi_projets.csv"] = write_projects(world, seed, names)
    manifest.append('[[import]]\nkind = "projects"\nfile = "suivi_projets.csv"\n')
    files["liste_equipes_existantes_2025.csv"] = write_reference_list(world, seed)
    manifest.append('[[import]]\nkind = "references"\nfile = '
                    '"liste_equipes_existantes_2025.csv"\nyear = 2025\n')
    files[MANIFEST] = "\n".join(manifest).encode("utf-8")
    return ef.write_files(out_dir, files)


def manifest(demo_dir: Path = DEMO_DIR) -> list[dict]:
    return tomllib.loads((demo_dir / MANIFEST).read_text(encoding="utf-8"))["import"]


# The demos: each federation's files, and how to write them again.
DEMOS = ("femasaura", "fecop")


def demo_dir(federation: str = "femasaura") -> Path:
    """Where a federation's demo files are: data/demo/ (FemasAURA&Co), data/demo/fecop/."""
    from observatory import demo_fecop

    if federation not in DEMOS:
        raise ValueError(f"Pas de démonstration pour « {federation} » (démonstrations : "
                         f"{', '.join(DEMOS)})")
    return DEMO_DIR if federation == "femasaura" else demo_fecop.FECOP_DIR


def generate_for(federation: str = "femasaura") -> list[Path]:
    """Write a federation's demo files again (in ``demo_dir(federation)``)."""
    from observatory import demo_fecop

    return generate() if federation == "femasaura" else demo_fecop.generate()


def build(db: Path | str | None = None, demo_dir: Path = DEMO_DIR) -> list:
    """Create a store for the federation of ``demo_dir``'s manifest (FemasAURA&Co unless it
    names another) and import every demo file through the real importers."""
    from observatory import demo_fecop, imports, store

    if not (demo_dir / MANIFEST).exists():
        demo_fecop.generate(demo_dir) if demo_dir == demo_fecop.FECOP_DIR else generate(demo_dir)
    federation = tomllib.loads((demo_dir / MANIFEST).read_text(encoding="utf-8")).get(
        "federation", "femasaura")
    store.init(db, federation)
    reports = []
    for entry in manifest(demo_dir):
        reports.append(
            imports.import_file(entry["kind"], demo_dir / entry["file"], db=db,
                                year=entry.get("year"))
        )
    return reports
