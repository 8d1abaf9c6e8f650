"""A synthetic national store: ten years of exports for every département, imported for real.

``observatory synth --scale national --db PATH`` writes, deterministically, the files a national
federation (the ``avecsante`` profile: 101 départements, the 18 regions as territories) would have
exported from its tools over 2016–2025 — about 5,000 teams with their yearly membership forms and
status changes, about 50,000 facilitations, about 100 flash surveys of about 300 respondents and
15 questions, capitalisation fiches — then builds the store from them through
``observatory.imports.import_file``, file after file, as a federation would have over the years.
The benchmark (bench/run.py) times that build as well as the pages on the store.

The files are written the way the real tools write them, by observatory/exportfiles.py (which
writes the demo files too): French Excel membership exports (Windows-1252, ``;``) for the early
years, online-form exports (UTF-8, ``Horodateur``, full question texts, some teams answering
twice) later, the staff facilitation spreadsheet (.xlsx, real Excel dates, several teams in a
cell), survey-tool exports (technical columns, one column per option, incomplete responses,
sidecar .toml) and online-form surveys. Teams, people and answers are fictitious; communes and
départements are real.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import logging
import random
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from observatory import exportfiles as ef
from observatory.exportfiles import Question

log = logging.getLogger(__name__)

FEDERATION = "avecsante"
SEED = 20260115
MANIFEST = "manifest.toml"


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    name: str
    departements: tuple[str, ...] | None  # None: every département of France
    years: tuple[int, ...]
    teams: int  # care teams known by the last year (members or only facilitated)
    facilitations: int  # over all the years
    surveys: int  # over all the years
    respondents: int  # per survey, on average
    questions: int  # per survey
    fiches: int  # over all the years


SCALES: dict[str, Scale] = {
    "national": Scale("national", None, tuple(range(2016, 2026)), teams=5000,
                      facilitations=50_000, surveys=100, respondents=300, questions=15,
                      fiches=600),
    # A handful of départements (with Corsica and an overseas one, whose codes are special).
    "small": Scale("small", ("01", "2A", "38", "971"), (2024, 2025), teams=60,
                   facilitations=160, surveys=2, respondents=30, questions=8, fiches=6),
}

TYPE_SHARES = {"MSP": 0.55, "CPTS": 0.15, "ESP": 0.15, "CDS": 0.15}
# Years a team of each type usually spends at a stage before the next (None: stays there).
STAGE_YEARS = {"MSP": (1.5, 2.0), "CDS": (1.5, 2.0), "CPTS": (1.5, 1.0), "ESP": (2.0, None)}
ESP_TO_MSP = 0.1  # share of ESP becoming an MSP (and getting a FINESS) during the period
FORM_FROM = 2020  # membership forms moved from an Excel export to an online form that year
VISIO_SHARE = {2020: 0.7, 2021: 0.5, 2022: 0.35}
ORGANISATIONS = ("Mairie de", "Communauté de communes", "Association de santé de")

# -- the question bank of the flash surveys ------------------------------------------------------
SCALE_5 = ("1", "2", "3", "4", "5")
BANK: dict[str, tuple[Question, ...]] = {
    "yesno": tuple(Question("", t, "yesno") for t in (
        "Votre équipe a-t-elle mené une action sur ce thème cette année ?",
        "Disposez-vous d'un protocole pluriprofessionnel sur ce thème ?",
        "Un référent est-il désigné dans l'équipe ?",
        "Avez-vous sollicité un financement spécifique ?",
        "Souhaitez-vous être recontacté par la fédération ?",
        "L'équipe utilise-t-elle une messagerie sécurisée de santé ?",
        "Des patients sont-ils associés à vos projets ?",
        "Avez-vous participé à un webinaire de la fédération ?",
    )),
    "multiple": (
        Question("", "Quels professionnels sont impliqués ?", "multiple", (
            "Médecin généraliste", "Infirmier·e", "Pharmacien·ne", "Masseur-kinésithérapeute",
            "Sage-femme", "Psychologue", "Diététicien·ne", "Coordinateur·rice")),
        Question("", "Quels outils utilisez-vous ?", "multiple", (
            "Dossier partagé", "Messagerie sécurisée", "Agenda partagé", "Téléexpertise",
            "Tableau de bord")),
        Question("", "Quels partenaires associez-vous ?", "multiple", (
            "Hôpital de proximité", "Commune", "Conseil départemental", "ARS",
            "Assurance maladie", "Associations de patients")),
        Question("", "Quels freins rencontrez-vous ?", "multiple", (
            "Manque de temps", "Manque de financement", "Manque de formation", "Turn-over",
            "Outils inadaptés")),
        Question("", "Quels formats d'accompagnement préférez-vous ?", "multiple", (
            "Webinaire", "Atelier en présentiel", "Guide écrit", "Visite sur site",
            "Échange entre pairs")),
        Question("", "Quels publics ciblez-vous ?", "multiple", (
            "Enfants", "Adolescents", "Adultes", "Personnes âgées", "Personnes précaires",
            "Aidants")),
        Question("", "Quels financements mobilisez-vous ?", "multiple", (
            "ACI", "FIR", "Collectivités", "Fondations", "Fonds propres")),
        Question("", "Sur quels sujets souhaitez-vous être formés ?", "multiple", (
            "Gestion de projet", "Animation d'équipe", "Démarche qualité",
            "Systèmes d'information", "Santé publique")),
    ),
    "scale": (
        Question("", "La démarche répond-elle aux besoins de vos patients ?", "scale",
                 ef.SCALE_AGREE),
        Question("", "Êtes-vous satisfait de l'accompagnement reçu ?", "scale",
                 ef.SCALE_SATISFIED),
        Question("", "Le travail en équipe s'est-il amélioré ?", "scale", ef.SCALE_AGREE),
        Question("", "Difficulté perçue de la mise en œuvre (1 = faible, 5 = forte)", "scale",
                 SCALE_5),
        Question("", "Intérêt de l'équipe pour ce thème (1 = faible, 5 = fort)", "scale", SCALE_5),
        Question("", "Êtes-vous satisfait des outils numériques de l'équipe ?", "scale",
                 ef.SCALE_SATISFIED),
        Question("", "La charge de coordination est-elle soutenable ?", "scale",
                 ef.SCALE_AGREE),
        Question("", "Recommanderiez-vous la démarche à une autre équipe ?", "scale",
                 ef.SCALE_AGREE),
    ),
    "number": tuple(Question("", t, "number") for t in (
        "Nombre de professionnels impliqués", "Nombre de réunions sur ce thème cette année",
        "Nombre de patients concernés", "Heures de coordination par mois",
        "Nombre de partenaires extérieurs", "Ancienneté de l'équipe en années",
    )),
    "single": (
        Question("", "Quel est le principal frein ?", "single", (
            "Manque de temps", "Manque de financement", "Manque de formation",
            "Pas de sollicitation")),
        Question("", "Qui pilote la démarche ?", "single", (
            "Le coordinateur ou la coordinatrice", "Un médecin", "Un infirmier ou une infirmière",
            "Un binôme", "Personne")),
        Question("", "À quelle fréquence l'équipe se réunit-elle ?", "single", (
            "Chaque semaine", "Chaque mois", "Chaque trimestre", "Moins souvent")),
        Question("", "Quel mode d'échange privilégiez-vous ?", "single", (
            "Présentiel", "Visioconférence", "Messagerie", "Téléphone")),
        Question("", "Où en est votre projet sur ce thème ?", "single", (
            "Idée", "En préparation", "En cours", "Terminé")),
        Question("", "Quel est votre territoire d'exercice ?", "single", (
            "Urbain", "Périurbain", "Rural", "Montagne", "Outre-mer")),
    ),
    "text": tuple(Question("", t, "text") for t in (
        "Commentaires", "Suggestions pour la fédération",
        "Précisez vos besoins d'accompagnement", "Remarques libres",
    )),
}
# How many questions of each type a survey of n questions draws (in this order of priority).
QUESTION_MIX = ("yesno", "multiple", "scale", "number", "single", "text",
                "multiple", "scale", "yesno", "single", "text", "number", "scale", "yesno",
                "multiple")
SURVEY_THEMES = (
    "Recherche", "Qualité", "Accès aux soins", "Santé mentale", "Prévention",
    "Numérique en santé", "Coordination", "Formation", "Vaccination", "Patient partenaire",
    "Attractivité", "Soins non programmés", "Parcours complexes", "Télésanté",
)
PROFESSION_WEIGHTS = (8, 5, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 5)  # ef.SURVEY_PROFESSIONS order
FICHE_TITLES = (
    *ef.FICHE_THEMES,
    ("Prévention", "Dépistage organisé du cancer colorectal en salle d'attente"),
    ("Accès aux soins", "Accueil des patients sans médecin traitant"),
    ("Coordination", "Dossier patient partagé pour les sorties d'hospitalisation"),
    ("Santé mentale", "Consultations avancées de psychologue dans l'équipe"),
    ("Qualité", "Enquête de satisfaction des patients"),
    ("Exercice coordonné", "Protocole de coopération cystite simple en pharmacie"),
)


# -- the world --------------------------------------------------------------------------------------
@dataclass
class Team:
    """A fictitious team and its story over the years."""

    key: int
    name: str
    departement: str
    commune: str
    created: int
    types: dict[int, str] = field(default_factory=dict)  # year -> type
    status: dict[int, str] = field(default_factory=dict)  # year -> status (since creation)
    change_day: dict[int, int] = field(default_factory=dict)  # year -> day the status changed
    finess: dict[int, str | None] = field(default_factory=dict)  # year -> FINESS (MSP, CDS)
    member: set[int] = field(default_factory=set)

    def status_on(self, day: dt.date) -> str:
        """The team's status on that day (it changed on ``change_day`` of the year)."""
        year = day.year
        if year in self.change_day and day.timetuple().tm_yday < self.change_day[year]:
            return self.status.get(year - 1, "en_projet")
        return self.status[year]

    def form(self, rng: random.Random, year: int) -> ef.MembershipForm:
        """The team's membership form of ``year``, its answers drawn from ``rng``."""
        return ef.MembershipForm(
            self.name, self.finess.get(year), self.types[year], self.status[year],
            self.departement, ef.membership_answers(rng, self.types[year], self.status[year], year),
            self.commune)


class World:
    """Every team of the scale, their memberships, facilitations, surveys and fiches."""

    def __init__(self, scale: Scale, seed: int = SEED) -> None:
        from observatory import geo

        self.scale = scale
        self.rng = random.Random(seed)
        deps = geo.departements()
        if scale.departements is not None:
            deps = deps[deps["code"].isin(scale.departements)]
        self.deps = list(deps["code"])
        self.names = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
        self.region_of = dict(zip(deps["code"], deps["region_name"], strict=True))
        population = {c: int(p) if p == p and p is not None else 250_000
                      for c, p in zip(deps["code"], deps["population"].astype("float"),
                                      strict=True)}
        self.population = population
        communes = geo.communes()
        communes = communes[communes["departement"].isin(self.deps)]
        self.communes: dict[str, tuple[list[str], list[float]]] = {}
        for dep, group in communes.groupby("departement", sort=True):
            weights = group["population"].astype("float").fillna(1000.0).clip(lower=50.0)
            cum, total = [], 0.0
            for w in weights:
                total += w
                cum.append(total)
            self.communes[str(dep)] = (list(group["name"]), cum)
        self.years = scale.years
        self.teams: list[Team] = []
        self.taken: set[str] = set()  # normalised names (the importers' identity of a name)
        self.finess_taken: set[str] = set()
        self.organisations: dict[str, list[str]] = defaultdict(list)  # names, by département
        self.facilitators = self._facilitators()
        self.facilitations: dict[int, list[ef.Facilitation]] = defaultdict(list)

    # -- teams ----------------------------------------------------------------------------------
    def _unique_name(self, prefix: str) -> str:
        from observatory.vocabulary import team_name_key

        while True:
            name = f"{prefix} {ef.fake_place(self.rng)}"
            if team_name_key(name) not in self.taken:
                self.taken.add(team_name_key(name))
                return name

    def _finess(self, dep: str) -> str:
        head = "97" if len(dep) == 3 else dep
        while True:
            value = f"{head}{self.rng.randrange(10**6, 10**7):07d}"
            if value not in self.finess_taken:
                self.finess_taken.add(value)
                return value

    def _commune(self, dep: str) -> str:
        names, cum = self.communes[dep]
        return names[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def _facilitators(self) -> dict[str, list[str]]:
        """A few staff members per region, who facilitate there."""
        people: dict[str, list[str]] = {}
        for region in sorted(set(self.region_of.values())):
            staff: set[str] = set()
            wanted = self.rng.randint(3, 6)
            while len(staff) < wanted:
                staff.add(f"{self.rng.choice(ef.FIRST_NAMES)} {ef.fake_word(self.rng)}")
            people[region] = sorted(staff)
        return people

    def _stage_years(self, mean: float | None) -> int | None:
        if mean is None:
            return None
        return 1 + int(self.rng.expovariate(1 / mean))

    def create_teams(self) -> None:
        first, last = self.years[0], self.years[-1]
        weights = [self.population[d] for d in self.deps]
        per_dep = ef.apportion(self.scale.teams, weights)
        types = list(TYPE_SHARES)
        shares = list(TYPE_SHARES.values())
        span = list(range(first - 6, last + 1))
        # more teams created each year: coordinated care grows
        created_weights = [1.0 + 0.15 * max(0, y - first + 6) for y in span]
        for dep, count in zip(self.deps, per_dep, strict=True):
            for _ in range(count):
                team_type = self.rng.choices(types, shares)[0]
                created = self.rng.choices(span, created_weights)[0]
                prefix = self.rng.choice(ef.TYPE_PREFIX[team_type])
                team = Team(len(self.teams), self._unique_name(prefix), dep, self._commune(dep),
                            created)
                self._story(team, team_type, first, last)
                self.teams.append(team)

    def _story(self, team: Team, team_type: str, first: int, last: int) -> None:
        """Type, status and FINESS year by year; the years it was a member."""
        rng = self.rng
        to_label, to_aci = STAGE_YEARS[team_type]
        label_at = team.created + (self._stage_years(to_label) or 0)
        aci_years = self._stage_years(to_aci)
        aci_at = label_at + aci_years if aci_years else None
        if team_type == "ESP" and rng.random() < 0.15:
            aci_at = label_at + 2  # a few ESP sign an agreement too
        msp_from = None  # an ESP that becomes an MSP (and gets a FINESS)
        if team_type == "ESP" and rng.random() < ESP_TO_MSP and max(first, team.created) < last:
            msp_from = rng.randint(max(first, team.created) + 1, last)
        finess = None
        for year in range(team.created, last + 1):
            status = "en_projet"
            if year >= label_at:
                status = "labellisee"
            if aci_at is not None and year >= aci_at:
                status = "sous_aci"
            team.status[year] = status  # earlier years too: the status before a change
            if year < first:
                continue
            kind = "MSP" if msp_from is not None and year >= msp_from else team_type
            if kind in ("MSP", "CDS") and finess is None:
                finess = self._finess(team.departement)
            team.types[year] = kind
            team.finess[year] = finess if kind in ("MSP", "CDS") else None
            if year in (label_at, aci_at) and year > team.created:
                team.change_day[year] = rng.randint(20, 340)
        # membership: most teams join within a year or two, a few leave, some come back
        if rng.random() < 0.12:
            return  # never a member (facilitated only, or not at all)
        join = max(team.created + int(rng.expovariate(1 / 1.2)), first - 3)
        member = False
        for year in range(join, last + 1):
            if not member:
                member = year == join or rng.random() < 0.2
            elif rng.random() < 0.06:
                member = False
            if member and year >= first:
                team.member.add(year)

    # -- facilitations ------------------------------------------------------------------------
    def _organisation(self, dep: str) -> str:
        """A commune or association facilitated (not a care team): a few per département."""
        pool = self.organisations[dep]
        if len(pool) < 3 or self.rng.random() < 0.2:
            pool.append(self._unique_name(self.rng.choice(ORGANISATIONS)))
        return self.rng.choice(pool)

    def facilitate(self) -> None:
        rng = self.rng
        weights = [1.0 + 0.12 * i for i in range(len(self.years))]
        per_year = ef.apportion(self.scale.facilitations, [round(100 * w) for w in weights])
        stage_weight = {"en_projet": 3.0, "labellisee": 2.0, "sous_aci": 1.0}
        for year, count in zip(self.years, per_year, strict=True):
            teams = [t for t in self.teams if year in t.status]
            cum, total = [], 0.0
            for t in teams:
                total += stage_weight[t.status[year]] * (2.0 if year - t.created <= 1 else 1.0)
                cum.append(total)
            by_dep: dict[str, list[Team]] = defaultdict(list)
            for t in teams:
                by_dep[t.departement].append(t)
            days = _working_days(year)
            visio = VISIO_SHARE.get(year, 0.25)
            for _ in range(count):
                date = rng.choice(days)
                lead = teams[bisect.bisect_left(cum, rng.random() * total)]
                dep = lead.departement
                facilitators = tuple(rng.sample(self.facilitators[self.region_of[dep]],
                                                rng.choice((1, 1, 2))))
                mode = "Visio" if rng.random() < visio else "Présentiel"
                draw = rng.random()
                if draw < 0.025:  # a commune, an association: not a care team
                    self.facilitations[year].append(ef.Facilitation(
                        date, dep, (self._organisation(dep),),
                        "Collectivité" if draw < 0.018 else "Autre", "en_projet", 0,
                        facilitators, mode))
                    continue
                group = [lead]
                if draw > 0.88:  # several teams at once (a thematic session)
                    local = by_dep[dep]
                    extra = min(len(local) - 1, 1 if draw < 0.96 else rng.randint(2, 4))
                    others = [t for t in rng.sample(local, min(len(local), extra + 1))
                              if t is not lead]
                    group += others[:extra]
                profile = lead.status_on(date)
                kind = {"en_projet": rng.choice((0, 0, 0, 1)),
                        "labellisee": rng.choice((1, 1, 1, 2, 3)),
                        "sous_aci": rng.choice((1, 2, 3, 3, 4))}[profile]
                if len(group) > 2:
                    kind = 3
                self.facilitations[year].append(ef.Facilitation(
                    date, dep, tuple(t.name for t in group), lead.types[year], profile, kind,
                    facilitators, mode))


def _working_days(year: int) -> list[dt.date]:
    """Days staff facilitate: weekdays, not in the first three weeks of August."""
    day, out = dt.date(year, 1, 2), []
    while day.year == year:
        if day.weekday() < 5 and not (day.month == 8 and day.day <= 21):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


# -- writers ------------------------------------------------------------------------------------------
def write_adhesions_excel(world: World, year: int, rng: random.Random) -> bytes:
    """The early years: the French Excel export (Windows-1252, ';'), year given at import."""
    teams = sorted((t for t in world.teams if year in t.member), key=lambda t: t.name)
    return ef.excel_membership_export([t.form(rng, year) for t in teams], world.names)


def write_adhesions_form(world: World, year: int, rng: random.Random) -> bytes:
    """The online form export (UTF-8, ','): time stamps, long texts, a few teams answer twice."""
    members = [t for t in world.teams if year in t.member]
    start = dt.datetime(year, 1, 6, 8)
    stamps = sorted(start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 150))
                    for _ in members)
    answers = []
    for team, stamp in zip(members, stamps, strict=True):
        form = team.form(rng, year)
        draft = None
        if rng.random() < 0.01:  # answered twice: an earlier draft the later answer replaces
            before = stamp - dt.timedelta(days=rng.randint(1, 5))
            draft = (before, form.answers.professionals + rng.randint(1, 5))
        answers.append(ef.OnlineAnswer(form, stamp, draft))
    return ef.online_membership_export(answers, year, world.names, commune=True)


def write_facilitations(world: World, year: int) -> bytes:
    """One year of the staff spreadsheet (.xlsx)."""
    return ef.facilitation_log(world.facilitations[year], world.names)


@dataclass(frozen=True)
class SurveyPlan:
    survey_id: str
    title: str
    theme: str
    month: str
    objective: str
    published: bool
    layout: str  # "survey_tool" or "online_form"
    departements: tuple[str, ...]
    team_type: str | None
    respondents: int
    incomplete: int
    questions: tuple[Question, ...]


def plan_surveys(world: World, rng: random.Random) -> list[SurveyPlan]:
    scale = world.scale
    per_year = ef.apportion(scale.surveys, [1] * len(world.years))
    plans, used = [], set()
    regions = sorted(set(world.region_of.values()))
    for year, count in zip(world.years, per_year, strict=True):
        months = sorted(rng.sample(range(1, 13), min(count, 12)))
        months += [rng.randint(1, 12) for _ in range(count - len(months))]
        for month in sorted(months):
            theme = rng.choice(SURVEY_THEMES)
            sid = f"{year}-{month:02d}-{ef.slug(theme)}"
            k = 1
            while sid in used:
                k += 1
                sid = f"{year}-{month:02d}-{ef.slug(theme)}-{k}"
            used.add(sid)
            deps = tuple(world.deps)
            if len(regions) > 1 and rng.random() < 0.4:  # a regional survey
                region = rng.choice(regions)
                deps = tuple(d for d in world.deps if world.region_of[d] == region)
            team_type = "CPTS" if theme in ("Accès aux soins", "Soins non programmés") else None
            n = max(5, round(scale.respondents * rng.uniform(0.6, 1.4)))
            layout = "survey_tool" if rng.random() < 0.5 else "online_form"
            mix = list(QUESTION_MIX[: scale.questions])
            questions: list[Question] = []
            for qtype in mix:
                pool = [q for q in BANK[qtype] if q not in questions]
                questions.append(rng.choice(pool))
            rng.shuffle(questions)
            questions = [q for q in questions if q.qtype != "text"] + [
                q for q in questions if q.qtype == "text"]  # comments come last
            if layout == "survey_tool":
                questions = [Question(f"Q{i}", q.text, q.qtype, q.options)
                             for i, q in enumerate(questions, start=1)]
            plans.append(SurveyPlan(
                sid, f"{theme} : enquête flash {month:02d}/{year}", theme, f"{year}-{month:02d}",
                f"Mieux connaître les pratiques des équipes ({theme.lower()})",
                rng.random() < 0.7, layout, deps, team_type, n,
                round(n * rng.uniform(0.02, 0.08)) if layout == "survey_tool" else 0,
                tuple(questions)))
    return plans


def write_survey(world: World, plan: SurveyPlan, rng: random.Random) -> tuple[bytes, bytes]:
    """A survey export in its tool's layout, and its sidecar .toml."""
    year = int(plan.month[:4])
    pool = [t for t in world.teams if year in t.member and t.departement in plan.departements
            and (plan.team_type is None or t.types[year] == plan.team_type)]
    if not pool:
        pool = [t for t in world.teams if year in t.member] or world.teams[:1]
    people = [(rng.choice(pool), rng.choices(ef.SURVEY_PROFESSIONS, PROFESSION_WEIGHTS)[0])
              for _ in range(plan.respondents)]
    sidecar = [f"id = {ef.toml_value(plan.survey_id)}", f"title = {ef.toml_value(plan.title)}",
               f"theme = {ef.toml_value(plan.theme)}", f"date = {ef.toml_value(plan.month)}",
               f"objective = {ef.toml_value(plan.objective)}",
               f"published = {'true' if plan.published else 'false'}", ""]
    start = dt.datetime(year, int(plan.month[5:]), 2, 9)
    respondents = [ef.Respondent(profession, team.departement, team.name, team.types[year])
                   for team, profession in people]
    if plan.layout == "survey_tool":
        header, rows, tables = ef.survey_tool_export(rng, plan.questions, respondents,
                                                       plan.incomplete, start)
        sidecar += tables
    else:
        header, rows = ef.online_form_export(rng, plan.questions, respondents, start,
                                               world.names)
        for q in plan.questions:  # what the person importing declares: scales and free texts
            if q.qtype == "scale":
                sidecar += [f"[questions.{ef.toml_value(q.text)}]", 'type = "scale"',
                            f"options = {ef.toml_value(list(q.options))}", ""]
            elif q.qtype == "text":
                sidecar += [f"[questions.{ef.toml_value(q.text)}]", 'type = "text"', ""]
    text = ef.csv_text(header, rows, ",")
    return text.encode("utf-8"), ("\n".join(sidecar).rstrip() + "\n").encode("utf-8")


def write_fiches(world: World, year: int, count: int, rng: random.Random) -> bytes | None:
    """One year's capitalisation fiches, written by teams under ACI (as the demo's are written)."""
    pool = [t for t in world.teams if year in t.member and t.status[year] == "sous_aci"]
    if not pool or count <= 0:
        return None
    header = ["Titre", "Équipe", "Département", "Thème", "Année", "Résumé", "Description"]
    rows = []
    for team in rng.sample(pool, min(count, len(pool))):
        theme, action = rng.choice(FICHE_TITLES)
        title = f"{action} — {team.name}"
        rows.append([
            title, team.name, team.departement, theme, str(year),
            f"{action} mis en place par l'équipe depuis {year - rng.randint(0, 2)}.",
            f"L'équipe {team.name} a construit cette action avec ses professionnels. "
            "Étapes : constat partagé, choix d'un pilote, rédaction d'un protocole, "
            "évaluation au bout d'un an. Conditions de réussite : temps de coordination "
            "dédié et soutien de la fédération.",
        ])
    return ef.csv_text(header, rows, ",").encode("utf-8")


# -- entry points ----------------------------------------------------------------------------------
def generate(out_dir: Path, scale: str | Scale = "national", seed: int = SEED) -> list[Path]:
    """Write every export file of the scale and the manifest saying how to import them."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    world = World(sc, seed)
    world.create_teams()
    world.facilitate()
    rng = random.Random(seed + 1)
    plans = plan_surveys(world, rng)
    fiches = ef.apportion(sc.fiches, [1 + i for i in range(len(world.years))])
    files: dict[str, bytes] = {}
    manifest = [f"# How `observatory synth --scale {sc.name}` imports these files (in this order).",
                f'federation = "{FEDERATION}"', f'scale = "{sc.name}"', ""]
    for year, n_fiches in zip(world.years, fiches, strict=True):
        name = f"adhesions_{year}.csv"
        if year < FORM_FROM:
            files[name] = write_adhesions_excel(world, year, rng)
            manifest.append(f'[[import]]\nkind = "adhesions"\nfile = "{name}"\nyear = {year}\n')
        else:
            files[name] = write_adhesions_form(world, year, rng)
            manifest.append(f'[[import]]\nkind = "adhesions"\nfile = "{name}"\n')
        name = f"facilitations_{year}.xlsx"
        files[name] = write_facilitations(world, year)
        manifest.append(f'[[import]]\nkind = "facilitations"\nfile = "{name}"\n')
        for plan in (p for p in plans if p.month.startswith(str(year))):
            data, sidecar = write_survey(world, plan, rng)
            stem = f"enquete_{plan.survey_id}"
            files[f"{stem}.csv"], files[f"{stem}.toml"] = data, sidecar
            manifest.append(f'[[import]]\nkind = "survey"\nfile = "{stem}.csv"\n')
        fiche_file = write_fiches(world, year, n_fiches, rng)
        if fiche_file is not None:
            name = f"fiches_capitalisation_{year}.csv"
            files[name] = fiche_file
            manifest.append(f'[[import]]\nkind = "fiches"\nfile = "{name}"\n')
    files[MANIFEST] = "\n".join(manifest).encode("utf-8")
    written = ef.write_files(out_dir, files)
    log.info("%d fichiers synthétiques (%s) écrits dans %s", len(written), sc.name, out_dir)
    return written


def manifest(out_dir: Path) -> list[dict]:
    return tomllib.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["import"]


@dataclass
class ImportTiming:
    """One file's import: what the benchmark reports."""

    kind: str
    file: str
    rows: int  # rows of the file (respondents, facilitations, forms, fiches)
    size_bytes: int
    seconds: float


def _remove_store(db: Path) -> None:
    """A fresh store: drop the file, its WAL and the undo copies of a previous build."""
    for path in [db, Path(f"{db}.wal"), *db.parent.glob(f"{db.name}.undo-*")]:
        path.unlink(missing_ok=True)


def build(db: Path | str, out_dir: Path,
          progress: Callable[[ImportTiming], None] | None = None,
          federation: str = FEDERATION) -> list[ImportTiming]:
    """Create the store (national profile, unless ``federation`` names another) and import
    every file of the manifest, timed.

    The files go through ``imports.import_files``: the same parsing and writing as one
    ``import_file`` per file, in one copy-on-write of the store for the whole series.
    """
    from observatory import imports, store

    db = Path(db)
    _remove_store(db)
    store.init(db, federation)
    entries = manifest(out_dir)
    timings: list[ImportTiming] = []

    def timed(report: imports.ImportReport, seconds: float) -> None:
        entry = entries[len(timings)]
        timing = ImportTiming(entry["kind"], entry["file"], report.rows_imported,
                              (out_dir / entry["file"]).stat().st_size, seconds)
        timings.append(timing)
        log.info("%-14s %-46s %6d lignes  %6.2f s", timing.kind, timing.file, timing.rows,
                 seconds)
        if progress:
            progress(timing)

    imports.import_files([imports.ImportItem(e["kind"], out_dir / e["file"], year=e.get("year"))
                          for e in entries], db=db, progress=timed)
    return timings


# -- command line (wired in observatory/cli.py) ----------------------------------------------------
def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "synth", help="générer des exports synthétiques (France entière) et en construire une base")
    p.add_argument("--scale", choices=sorted(SCALES), default="national",
                   help="national : 101 départements, 10 ans ; small : quelques départements")
    p.add_argument("--db", required=True, help="fichier DuckDB à (re)construire")
    p.add_argument("--out", type=Path,
                   help="dossier des fichiers exportés (défaut : <db>-exports à côté de la base)")
    p.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true",
                   help="n'afficher que la dernière ligne du bilan (chaque import : --verbose)")
    return p


def run(args: argparse.Namespace) -> int:
    db = Path(args.db)
    out = args.out or db.with_name(db.stem + "-exports")
    started = time.perf_counter()
    files = generate(out, args.scale, args.seed)
    generated = time.perf_counter() - started
    if not args.quiet:
        print(f"{len(files)} fichiers écrits dans {out} en {generated:.1f} s", flush=True)
    timings = build(db, out)
    rows = sum(t.rows for t in timings)
    seconds = sum(t.seconds for t in timings)
    by_kind: dict[str, list[ImportTiming]] = defaultdict(list)
    for t in timings:
        by_kind[t.kind].append(t)
    for kind, items in by_kind.items():
        n, s = sum(t.rows for t in items), sum(t.seconds for t in items)
        if not args.quiet:
            print(f"{kind:<14} {len(items):>4} fichiers {n:>8} lignes {s:8.1f} s "
                  f"({n / s if s else 0:,.0f} lignes/s)".replace(",", "\u202f"))
    print(f"Base {db} : {rows} lignes importées en {seconds:.1f} s, "
          f"{db.stat().st_size / 1e6:.0f} Mo (génération {generated:.1f} s)")
    return 0
