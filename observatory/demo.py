"""Deterministic demo data: writes export files as real tools would, then builds a store from them.

Every team and person here is fictitious. The files go through the real importers, so the demo
also shows what an import looks like; their aggregates reproduce the FemasAURA&Co 2025 report
(see observatory/demo_spec.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observatory import demo_spec as spec
from observatory.config import DEMO_DIR, get_federation

SEED = 20251125
STATUS_ORDER = ("en_projet", "labellisee", "sous_aci")
STATUS_TEXT = {"en_projet": "En projet", "labellisee": "Labellisée", "sous_aci": "Sous ACI"}
KIND_TEXT = (
    "Sensibilisation",
    "Conseil et soutien",
    "Complexe (médiation, immobilier, conflit)",
    "Spécifique ou thématique",
    "Patient partenaire",
)
TYPE_PREFIX = {
    "MSP": ("MSP", "Maison de santé", "Pôle de santé"),
    "CPTS": ("CPTS",),
    "ESP": ("ESP", "Équipe de soins primaires"),
    "CDS": ("Centre de santé",),
}
PROFESSIONS = (
    "Médecin généraliste", "Infirmier·e", "Masseur-kinésithérapeute", "Pharmacien·ne",
    "Sage-femme", "Chirurgien-dentiste", "Orthophoniste", "Podologue", "Diététicien·ne",
    "Psychologue", "Ergothérapeute", "Orthoptiste",
)
SI_OPTIONS = ("Weda", "MédiStory", "Crossway", "HelloDoc", "AxiSanté", "Éo by Doctolib")
COORDINATION = (
    "Salarié·e de la structure", "Prestataire", "Professionnel·le de santé de l'équipe", "Aucune",
)
MISSIONS = (
    "Vaccination", "Dépistage des cancers", "Éducation thérapeutique du patient",
    "Santé mentale", "Prévention des addictions", "Santé environnementale",
    "Prévention de la perte d'autonomie",
)
PROTOCOLS = (
    "Diabète de type 2", "Insuffisance cardiaque", "Anticoagulants oraux", "Plaies chroniques",
    "Soins non programmés", "Cystite simple (protocole de coopération)",
    "Personnes âgées fragiles", "Lombalgie aiguë",
)
SYLLABLES = (
    "bel", "mar", "vau", "ro", "cha", "lin", "mon", "ter", "bru", "sal", "vel", "dor", "gar",
    "fon", "lan", "mir", "pra", "sor", "tal", "vi", "cor", "ba", "ne", "lu", "ga", "ri",
)
SUFFIXES = ("ac", "ieu", "oux", "ange", "ière", "on", "ey", "as", "ignac", "ols", "eval", "ens")
FIRST_NAMES = (
    "Claire", "Julien", "Sophie", "Thomas", "Camille", "Nicolas", "Élodie", "Mathieu", "Anaïs",
    "Pierre", "Laure", "Antoine", "Marion", "Hugo", "Pauline", "Romain", "Inès", "Lucas",
)


def _fake_word(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))) + rng.choice(SUFFIXES)
    return word.capitalize()


def _fake_place(rng: random.Random) -> str:
    form = rng.random()
    word = _fake_word(rng)
    if form < 0.2:
        return f"Saint-{word}"
    if form < 0.3:
        return f"{word}-sur-{_fake_word(rng)}"
    if form < 0.4:
        return f"du Val de {word}"
    return word


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

    def _people(self, n: int) -> list[str]:
        people = set()
        while len(people) < n:
            people.add(f"{self.rng.choice(FIRST_NAMES)} {_fake_word(self.rng)}")
        return sorted(people)

    def new_team(self, team_type: str, departement: str) -> Team:
        while True:
            prefix = self.rng.choice(TYPE_PREFIX[team_type])
            name = f"{prefix} {_fake_place(self.rng)}"
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
                team.status[2025] = STATUS_ORDER[p]
                group.append(team)
            teams_by_profile.append(group)
        if changer:
            changer.status[2025] = "sous_aci"
        kinds = [k for k, n in enumerate(cell.kinds) for _ in range(n)]
        # early kinds (awareness) go to project teams, which come first
        rows = []
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
        for i, ((p, team), date) in enumerate(zip(rows, dates, strict=True)):
            members = groups[i] if cell.grouped else [team]
            self.facilitations.append(self._facilitation(date, cell.departement, cell.team_type,
                                                         STATUS_ORDER[p], kinds[i], members))

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
            counts = _apportion(total, weights)
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
            step = STATUS_ORDER.index(current)
            if step > 0 and team.key % 5 == 0:
                step -= 1  # one team in five progressed during 2025
            team.status[2024] = STATUS_ORDER[step]
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
                team.status[2025] = self.rng.choices(STATUS_ORDER, weights=(2, 2, 6))[0]
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
            team.status[2024] = self.rng.choice(STATUS_ORDER)
            team.member.add(2024)


def _chunk(items: list, parts: int) -> list[list]:
    """Split items into ``parts`` groups, largest first (thematic facilitations)."""
    sizes = _apportion(len(items), list(range(parts, 0, -1)))
    out, start = [], 0
    for size in sizes:
        out.append(items[start:start + size])
        start += size
    return out


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` along ``weights``."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


# -- writers ----------------------------------------------------------------------------------
def _fr_number(value: float, decimals: int = 0, nbsp: str = "\u202f") -> str:
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace(" ", nbsp)


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _membership_answers(rng: random.Random, team: Team, year: int) -> dict:
    status = team.status[year]
    size = {"MSP": (8, 40), "CPTS": (60, 420), "ESP": (4, 12), "CDS": (5, 20)}[team.team_type]
    professionals = rng.randint(*size)
    aci = None
    if status == "sous_aci":
        base = {"MSP": (18_000, 95_000), "CPTS": (90_000, 420_000)}.get(team.team_type)
        aci = round(rng.uniform(*base), 2) if base else None
        if team.team_type == "MSP" and year == 2025:
            aci = round(aci * 1.04, 2) if aci else aci
    n_prof = min(len(PROFESSIONS), max(2, professionals // 3))
    professions = ["Médecin généraliste", "Infirmier·e"] + rng.sample(PROFESSIONS[2:], n_prof - 2)
    if rng.random() < 0.08:
        professions.append("Autre : Enseignant·e en activité physique adaptée")
    si = rng.choice(SI_OPTIONS)
    if rng.random() < 0.07:
        si = "Autre : logiciel maison"
    coordination = rng.choice(COORDINATION[:3]) if status != "en_projet" else rng.choice(
        COORDINATION)
    fte = None if coordination == "Aucune" else round(rng.choice((0.2, 0.3, 0.5, 0.8, 1.0)), 1)
    missions = rng.sample(MISSIONS, rng.randint(0 if status == "en_projet" else 1, 4))
    if missions and rng.random() < 0.05:
        missions.append("Autre : prévention solaire")
    protocols = rng.sample(PROTOCOLS, rng.randint(0, 5 if status == "sous_aci" else 2))
    return {
        "professionals": professionals,
        "professions": professions,
        "aci": aci,
        "si": si,
        "coordination": coordination,
        "fte": fte,
        "pacte": coordination != "Aucune" and rng.random() < 0.45,
        "missions": missions,
        "protocols": protocols,
    }


def _slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-").replace("--", "-")


def _email(team: Team) -> str:
    return f"contact@{_slug(team.name)}.example"


def _dep_label(code: str, names: dict[str, str], style: int) -> str:
    """Départements written the many ways people write them."""
    name = names[code]
    return (code, name, f"{code} - {name}", f"{name} ({code})", name.upper())[style % 5]


def write_adhesions_2024(world: _World, rng: random.Random, names: dict[str, str]) -> bytes:
    """French Excel: Windows-1252, ';', no time stamp, year given at import."""
    header = [
        "Nom de la structure", "N° FINESS", "Type de structure", "Stade", "Département",
        "Montant ACI", "Nombre de professionnels", "Professions représentées",
        "Système d'information partagé", "Fonction de coordination", "ETP coordination",
        "Coordinateur formé PACTE", "Missions de santé publique", "Protocoles pluriprofessionnels",
        "Nombre de protocoles", "Email",
    ]
    rows = []
    for team in sorted((t for t in world.teams if 2024 in t.member), key=lambda t: t.name):
        a = _membership_answers(rng, team, 2024)
        rows.append([
            team.name, team.finess or "", team.team_type, STATUS_TEXT[team.status[2024]],
            names[team.departement],
            _fr_number(a["aci"], 2, "\u00a0") + " €" if a["aci"] else "",
            str(a["professionals"]), ", ".join(a["professions"]), a["si"], a["coordination"],
            "" if a["fte"] is None else str(a["fte"]).replace(".", ","),
            "Oui" if a["pacte"] else "Non", ", ".join(a["missions"]), ", ".join(a["protocols"]),
            str(len(a["protocols"])), _email(team),
        ])
    return _csv_text(header, rows, ";").encode("cp1252")


# How the online form writes a team's type and status (full words, not the codes).
LONG_TYPE = {
    "MSP": "Maison de santé pluriprofessionnelle",
    "CPTS": "Communauté professionnelle territoriale de santé",
    "ESP": "Équipe de soins primaires",
    "CDS": "Centre de santé",
}
FORM_STATUS = {"en_projet": "En projet", "labellisee": "Projet de santé validé",
               "sous_aci": "Signataire ACI"}


def write_adhesions_2025(world: _World, rng: random.Random, names: dict[str, str]) -> bytes:
    """Online form export: UTF-8, ',', a 'Horodateur' column and full question texts."""
    header = [
        "Horodateur", "Année d'adhésion", "Nom de l'équipe", "Identifiant",
        "Type d'exercice coordonné", "Stade du projet", "Département",
        "Montant de l'ACI perçu (en euros)", "Nb de PS", "Catégories professionnelles",
        "SI partagé", "Coordinateur", "ETP coordination", "Formation PACTE",
        "Missions de santé publique", "Thèmes des protocoles", "Nombre de protocoles",
        "Adresse e-mail",
    ]
    members = sorted((t for t in world.teams if 2025 in t.member), key=lambda t: t.key)
    stamps = sorted(dt.datetime(2025, 1, 6, 8) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 150))
                    for _ in members)
    rows = []
    for i, (team, stamp) in enumerate(zip(members, stamps, strict=True)):
        a = _membership_answers(rng, team, 2025)
        row = [
            stamp.strftime("%d/%m/%Y %H:%M:%S"), "2025", team.name, team.finess or "",
            LONG_TYPE[team.team_type], FORM_STATUS[team.status[2025]],
            _dep_label(team.departement, names, i),
            _fr_number(a["aci"], 0) + " €" if a["aci"] else "",
            str(a["professionals"]), ", ".join(a["professions"]), a["si"], a["coordination"],
            "" if a["fte"] is None else str(a["fte"]).replace(".", ","),
            "Oui" if a["pacte"] else "Non", ", ".join(a["missions"]), ", ".join(a["protocols"]),
            str(len(a["protocols"])), _email(team),
        ]
        rows.append(row)
        if i == 7:
            # the team answered twice: an earlier draft answer that the later one replaces
            draft = list(row)
            draft[0] = (stamp - dt.timedelta(days=3)).strftime("%d/%m/%Y %H:%M:%S")
            draft[8] = str(int(row[8]) + 5)
            rows.insert(len(rows) - 1, draft)
    return _csv_text(header, rows, ",").encode("utf-8")


def _xlsx(header: list[str], rows: list[list], date_columns: set[int]) -> bytes:
    """An .xlsx as a spreadsheet user would save it, with byte-stable zip entries."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Facilitations"
    ws.append(header)
    for row in rows:
        ws.append(row)
    for col in date_columns:
        for cell in ws.iter_cols(min_col=col + 1, max_col=col + 1, min_row=2):
            for c in cell:
                c.number_format = "DD/MM/YYYY"
    return stable_xlsx(wb, dt.datetime(2026, 1, 15, 9, 0, 0))


def stable_xlsx(wb: Any, when: dt.datetime) -> bytes:
    """An openpyxl workbook's .xlsx bytes with every date stamp set to ``when``: the same
    workbook always gives the same bytes (generated files stay unchanged in git)."""
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            stable = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            stable.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<",
                                 rb"<dcterms:modified\1>" + stamp + rb"<", content)
            dst.writestr(stable, content)
    return out.getvalue()


def write_facilitations(world: _World, names: dict[str, str]) -> bytes:
    """The staff spreadsheet: one row per facilitation, teams joined by ';', real Excel dates."""
    header = [
        "Date", "Département", "Équipe(s)", "Type de structure", "Profil de l'équipe",
        "Type de facilitation", "Facilitateur(s)", "Format",
    ]
    facs = sorted(world.facilitations, key=lambda f: (f["date"], f["departement"]))
    rows = []
    for i, f in enumerate(facs):
        rows.append([
            f["date"], _dep_label(f["departement"], names, i),
            "; ".join(t.name for t in f["teams"]), f["team_type"], STATUS_TEXT[f["profile"]],
            KIND_TEXT[f["kind"]], " / ".join(f["facilitators"]), f["mode"],
        ])
    return _xlsx(header, rows, {0})


# -- surveys -----------------------------------------------------------------------------
SCALE_AGREE = ("Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait")
SCALE_SATISFIED = ("Pas du tout satisfait", "Peu satisfait", "Satisfait", "Très satisfait")
SURVEY_PROFESSIONS = PROFESSIONS + ("Coordinateur·rice",)


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    qtype: str
    options: tuple[str, ...] = ()


SURVEY_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "2025-04-recherche": (
        Question("Q1", "Votre équipe participe-t-elle à des projets de recherche ?", "yesno"),
        Question("Q2", "Sous quelle forme ?", "multiple", (
            "Recueil de données", "Inclusion de patients", "Co-investigation",
            "Accueil d'étudiants chercheurs")),
        Question("Q3", "La recherche en soins primaires vous intéresse-t-elle ?", "scale",
                 SCALE_AGREE),
        Question("Q4", "Nombre de projets de recherche en cours dans l'équipe", "number"),
        Question("Q5", "Principal frein à la participation", "single", (
            "Manque de temps", "Manque de financement", "Manque de formation",
            "Pas de sollicitation")),
        Question("Q6", "Commentaires", "text"),
    ),
    "2025-05-qualite": (
        Question("", "Votre équipe est-elle engagée dans une démarche qualité ?", "yesno"),
        Question("", "Quels outils utilisez-vous ?", "multiple", (
            "Matrice de maturité", "Revue de dossiers", "Enquête de satisfaction patients",
            "Analyse des événements indésirables")),
        Question("", "Êtes-vous satisfait de la démarche actuelle ?", "scale", SCALE_SATISFIED),
        Question("", "Combien de réunions qualité par an ?", "number"),
        Question("", "Quels besoins d'accompagnement ?", "text"),
    ),
    "2025-09-acces-cpts": (
        Question("Q1", "La CPTS organise-t-elle la prise en charge des soins non programmés ?",
                 "yesno"),
        Question("Q2", "Actions menées pour l'accès aux soins", "multiple", (
            "Recherche de médecin traitant", "Soins non programmés", "Téléconsultation",
            "Coordination avec le SAS")),
        Question("Q3", "Difficulté perçue de la mission (1 = faible, 5 = forte)", "scale",
                 ("1", "2", "3", "4", "5")),
        Question("Q4", "Patients sans médecin traitant orientés en 2025", "number"),
        Question("Q5", "Vos besoins d'appui", "text"),
    ),
    "2025-12-plan-strategique": (
        Question("", "Quelles priorités pour la fédération ?", "multiple", (
            "Formation", "Facilitation", "Représentation", "Recherche", "Communication",
            "Plaidoyer")),
        Question("", "Êtes-vous satisfait de l'accompagnement de la fédération ?", "scale",
                 SCALE_SATISFIED),
        Question("", "Souhaitez-vous vous impliquer dans la gouvernance ?", "yesno"),
        Question("", "Suggestions", "text"),
    ),
}
FREE_TEXTS = (
    "Besoin d'exemples concrets", "Manque de temps médical", "Merci pour l'accompagnement",
    "Plus de webinaires en soirée", "Difficile de mobiliser les libéraux", "RAS",
    "Souhait d'un temps d'échange départemental", "Des outils partagés seraient utiles",
)


def _answer(rng: random.Random, q: Question, yes_text: tuple[str, str]) -> object:
    if q.qtype == "yesno":
        return yes_text[0] if rng.random() < 0.6 else yes_text[1]
    if q.qtype == "multiple":
        return rng.sample(q.options, rng.randint(1, min(3, len(q.options))))
    if q.qtype == "scale":
        weights = [1 + i for i in range(len(q.options))]
        return rng.choices(q.options, weights=weights)[0]
    if q.qtype == "number":
        return rng.choice((0, 1, 1, 2, 2, 3, 4, 6, 12, 25))
    if q.qtype == "single":
        return rng.choice(q.options)
    return rng.choice(FREE_TEXTS) if rng.random() < 0.6 else ""


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
    professions = list(SURVEY_PROFESSIONS[: s.professions or len(SURVEY_PROFESSIONS)])
    people = []
    for i, team in enumerate(order):
        prof = professions[i] if i < len(professions) else rng.choice(professions)
        people.append({"team": team, "profession": prof})
    return people


@dataclass(frozen=True)
class Respondent:
    """One person answering a flash survey, as the export describes them."""

    profession: str
    departement: str
    team_name: str
    team_type: str


def toml_value(value: object) -> str:
    """A TOML value (JSON's strings and arrays are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def survey_tool_export(rng: random.Random, questions: Sequence[Question],
                       people: list[Respondent], incomplete: int, start: dt.datetime,
                       ) -> tuple[list[str], list[list[str]], list[str]]:
    """A survey tool's export (LimeSurvey-like): technical columns, codes as headers, one column
    per option, ``incomplete`` unfinished responses; returns the header, the rows and the
    sidecar's question and option tables."""
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
              "datestamp", "Profession", "Département", "Structure", "Type de structure"]
    for q in questions:
        if q.qtype == "multiple":
            header += [f"{q.code}[SQ{j + 1:03d}]" for j in range(len(q.options))]
        else:
            header.append(q.code)
    total = len(people) + incomplete
    starts = sorted(start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
                    for _ in range(total))
    rows = []
    for i in range(total):
        complete = i < len(people)
        person = people[i] if complete else rng.choice(people)
        moment = starts[i]
        row = [str(i + 1), (moment + dt.timedelta(minutes=9)).strftime("%Y-%m-%d %H:%M:%S")
               if complete else "", "3" if complete else "1", "fr", str(rng.randrange(10**8)),
               moment.strftime("%Y-%m-%d %H:%M:%S"), moment.strftime("%Y-%m-%d %H:%M:%S"),
               person.profession, person.departement, person.team_name, person.team_type]
        for k, q in enumerate(questions):
            value = _answer(rng, q, ("Y", "N"))
            if not complete and k >= 2:
                value = [] if q.qtype == "multiple" else ""
            if q.qtype == "multiple":
                row += ["Y" if opt in value else "" for opt in q.options]
            else:
                row.append(str(value))
        rows.append(row)
    sidecar: list[str] = []
    for q in questions:
        sidecar += [f"[questions.{q.code}]", f"type = {toml_value(q.qtype)}",
                    f"text = {toml_value(q.text)}"]
        if q.options and q.qtype != "multiple":
            sidecar.append(f"options = {toml_value(list(q.options))}")
        sidecar.append("")
    for q in questions:
        if q.qtype == "multiple":
            sidecar.append(f"[options.{q.code}]")
            sidecar += [f"SQ{j + 1:03d} = {toml_value(o)}" for j, o in enumerate(q.options)]
            sidecar.append("")
    return header, rows, sidecar


def online_form_export(rng: random.Random, questions: Sequence[Question],
                       people: list[Respondent], start: dt.datetime, names: dict[str, str],
                       ) -> tuple[list[str], list[list[str]]]:
    """An online form's export: a time stamp, the full question texts as headers, joined
    answers, départements written as people write them; returns the header and the rows."""
    header = ["Horodateur", "Votre profession", "Votre département", "Votre équipe",
              "Type de structure"] + [q.text for q in questions]
    stamps = sorted(start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 25))
                    for _ in people)
    rows = []
    for i, (person, stamp) in enumerate(zip(people, stamps, strict=True)):
        row = [stamp.strftime("%d/%m/%Y %H:%M:%S"), person.profession,
               _dep_label(person.departement, names, i + 1), person.team_name,
               person.team_type]
        for q in questions:
            value = _answer(rng, q, ("Oui", "Non"))
            row.append(", ".join(value) if isinstance(value, list) else str(value))
        rows.append(row)
    return header, rows


def write_survey(world: _World, rng: random.Random, s: spec.SurveySpec,
                 names: dict[str, str]) -> tuple[bytes, str]:
    """A survey export in its tool's layout, and its sidecar TOML."""
    questions = SURVEY_QUESTIONS[s.survey_id]
    people = [Respondent(p["profession"], p["team"].departement, p["team"].name,
                         p["team"].team_type) for p in _respondents(rng, s, world)]
    sidecar = [
        f'id = "{s.survey_id}"', f'title = "{s.title}"', f'theme = "{s.theme}"',
        f'date = "{s.month}"', f'objective = "{s.objective}"', "published = true", "",
    ]
    year, month = int(s.month[:4]), int(s.month[5:])
    if s.layout == "survey_tool":
        header, rows, tables = survey_tool_export(rng, questions, people, s.incomplete,
                                                  dt.datetime(year, month, 2, 9))
        sidecar += tables
    else:
        header, rows = online_form_export(rng, questions, people,
                                          dt.datetime(year, month, 1, 9), names)
        for q in questions:
            if q.qtype == "scale":
                sidecar += [f"[questions.{toml_value(q.text)}]", 'type = "scale"',
                            f"options = {toml_value(list(q.options))}", ""]
    return _csv_text(header, rows, ",").encode("utf-8"), "\n".join(sidecar).rstrip() + "\n"


FICHE_THEMES = (
    ("Prévention", "Atelier d'activité physique adaptée pour patients diabétiques"),
    ("Accès aux soins", "Consultations de soins non programmés partagées entre médecins"),
    ("Coordination", "Réunion de concertation pluriprofessionnelle mensuelle en visio"),
    ("Santé mentale", "Parcours de repérage de la dépression du sujet âgé"),
    ("Qualité", "Revue annuelle des événements indésirables"),
    ("Exercice coordonné", "Accueil commun des internes et étudiants en santé"),
)


def write_fiches(world: _World, rng: random.Random) -> bytes:
    header = ["Titre", "Équipe", "Département", "Thème", "Année", "Résumé", "Description"]
    members = sorted((t for t in world.teams if 2025 in t.member and t.status.get(2025) ==
                      "sous_aci"), key=lambda t: t.key)
    teams = rng.sample(members, spec.FICHES_2025)
    rows = []
    for team, (theme, title) in zip(teams, FICHE_THEMES, strict=True):
        rows.append([
            title, team.name, team.departement, theme, "2025",
            f"{title} mis en place par l'équipe depuis 2024.",
            f"L'équipe {team.name} a construit cette action avec ses professionnels. "
            "Étapes : constat partagé, choix d'un pilote, rédaction d'un protocole, "
            "évaluation au bout d'un an. Conditions de réussite : temps de coordination "
            "dédié et soutien de la fédération.",
        ])
    return _csv_text(header, rows, ",").encode("utf-8")


def write_references(world: _World, seed: int) -> bytes:
    """Existing MSP and CPTS per département in 2025, members or not (invented counts, ';' CSV)."""
    rng = random.Random(seed + 2)  # its own stream: the other files stay as they were
    header = ["Département", "Type de structure", "Nombre d'équipes", "Année", "Source"]
    rows = []
    for code in world.federation.departements:
        for team_type, spread in (("MSP", (1.3, 2.2)), ("CPTS", (1.0, 1.6))):
            members = sum(1 for t in world.teams if t.departement == code
                          and t.team_type == team_type and 2025 in t.member)
            existing = max(members, round(members * rng.uniform(*spread)) + rng.randint(0, 3))
            rows.append([code, team_type, str(existing), "2025",
                         "Décompte fictif de démonstration"])
    return _csv_text(header, rows, ";").encode("utf-8")


# -- entry points ------------------------------------------------------------------------
MANIFEST = "manifest.toml"


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
    files[MANIFEST] = "\n".join(manifest).encode("utf-8")
    return write_files(out_dir, files)


def write_files(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write export files (name → bytes) into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def manifest(demo_dir: Path = DEMO_DIR) -> list[dict]:
    return tomllib.loads((demo_dir / MANIFEST).read_text(encoding="utf-8"))["import"]


def build(db: Path | str | None = None, demo_dir: Path = DEMO_DIR) -> list:
    """Create a store and import every demo file through the real importers."""
    from observatory import imports, store

    if not (demo_dir / MANIFEST).exists():
        generate(demo_dir)
    store.init(db, "femasaura")
    reports = []
    for entry in manifest(demo_dir):
        reports.append(
            imports.import_file(entry["kind"], demo_dir / entry["file"], db=db,
                                year=entry.get("year"))
        )
    return reports
