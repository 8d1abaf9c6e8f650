"""Export files written the way the tools write them, with fictitious content: for the demo
store (observatory/demo.py) and the synthetic national one (observatory/synth.py).

The writers take records (a team's membership form, a facilitation, a survey's respondents) and
return the file exactly as its tool writes it: French Excel (Windows-1252, ``;``), online forms
(UTF-8, ``,``, time stamps, full question texts), the staff spreadsheet (.xlsx, real Excel dates,
byte-stable), survey tools (technical columns, one column per option, a sidecar TOML). The
content helpers draw fictitious names and answers from the caller's ``random.Random``: the same
seed gives the same files. Every team and person they make up is fictitious.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from observatory.vocabulary import STATUS_LABELS

# -- fictitious content ----------------------------------------------------------------------
# How the staff spreadsheet writes each kind of facilitation (vocabulary.KINDS order).
KIND_WORDING = (
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


SCALE_AGREE = ("Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait")
SCALE_SATISFIED = ("Pas du tout satisfait", "Peu satisfait", "Satisfait", "Très satisfait")
SURVEY_PROFESSIONS = PROFESSIONS + ("Coordinateur·rice",)

FREE_TEXTS = (
    "Besoin d'exemples concrets", "Manque de temps médical", "Merci pour l'accompagnement",
    "Plus de webinaires en soirée", "Difficile de mobiliser les libéraux", "RAS",
    "Souhait d'un temps d'échange départemental", "Des outils partagés seraient utiles",
)


FICHE_THEMES = (
    ("Prévention", "Atelier d'activité physique adaptée pour patients diabétiques"),
    ("Accès aux soins", "Consultations de soins non programmés partagées entre médecins"),
    ("Coordination", "Réunion de concertation pluriprofessionnelle mensuelle en visio"),
    ("Santé mentale", "Parcours de repérage de la dépression du sujet âgé"),
    ("Qualité", "Revue annuelle des événements indésirables"),
    ("Exercice coordonné", "Accueil commun des internes et étudiants en santé"),
)


def fake_word(rng: random.Random) -> str:
    """An invented French-sounding word (``Belvaux``)."""
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))) + rng.choice(SUFFIXES)
    return word.capitalize()


def fake_place(rng: random.Random) -> str:
    """An invented place name (``Saint-Marac``, ``du Val de Linieu``)."""
    form = rng.random()
    word = fake_word(rng)
    if form < 0.2:
        return f"Saint-{word}"
    if form < 0.3:
        return f"{word}-sur-{fake_word(rng)}"
    if form < 0.4:
        return f"du Val de {word}"
    return word


def apportion(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` along ``weights``."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def slug(text: str) -> str:
    """``Accès aux soins`` → ``acces-aux-soins`` (survey ids, invented e-mail domains)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-").replace("--", "-")


def email(team_name: str) -> str:
    """The team's invented contact address (``.example``: never a real domain)."""
    return f"contact@{slug(team_name)}.example"


def departement_label(code: str, names: dict[str, str], style: int) -> str:
    """Départements written the many ways people write them."""
    name = names[code]
    return (code, name, f"{code} - {name}", f"{name} ({code})", name.upper())[style % 5]


@dataclass(frozen=True)
class Answers:
    """A team's answers to the membership form (besides who it is)."""

    professionals: int
    professions: list[str]
    aci: float | None
    si: str
    coordination: str
    fte: float | None
    pacte: bool
    missions: list[str]
    protocols: list[str]


def membership_answers(rng: random.Random, team_type: str, status: str, year: int) -> Answers:
    """Plausible answers of a team of that type and status; MSP ACI amounts rise 4 % in 2025."""
    size = {"MSP": (8, 40), "CPTS": (60, 420), "ESP": (4, 12), "CDS": (5, 20)}[team_type]
    professionals = rng.randint(*size)
    aci = None
    if status == "sous_aci":
        base = {"MSP": (18_000, 95_000), "CPTS": (90_000, 420_000)}.get(team_type)
        aci = round(rng.uniform(*base), 2) if base else None
        if team_type == "MSP" and year == 2025:
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
    return Answers(professionals, professions, aci, si, coordination, fte,
                   coordination != "Aucune" and rng.random() < 0.45, missions, protocols)


# -- records the writers take ----------------------------------------------------------------
@dataclass(frozen=True)
class MembershipForm:
    """One team's membership form for one year."""

    name: str
    finess: str | None
    team_type: str
    status: str  # a vocabulary.STATUSES code
    departement: str
    answers: Answers
    commune: str | None = None


@dataclass(frozen=True)
class OnlineAnswer:
    """A membership form sent through the online form: when, and an earlier draft if any."""

    form: MembershipForm
    stamp: dt.datetime
    # the same team answered a few days before with another head count: (stamp, professionals)
    draft: tuple[dt.datetime, int] | None = None


@dataclass(frozen=True)
class ListedTeam:
    """One existing team of a reference list, as the ARS or a FINESS extraction gives it."""

    name: str
    category: str  # FINESS category code (603, 124, 604) or a type written in full
    commune: str  # INSEE code
    commune_name: str
    departement: str
    finess: str | None = None
    aci: bool | None = None  # signataire ACI (Oui / Non), None: not said
    aci_since: dt.date | None = None
    covered: tuple[str, ...] = ()  # a CPTS's communes (INSEE codes)


@dataclass(frozen=True)
class Facilitation:
    """One row of the staff's facilitation log."""

    date: dt.date
    departement: str
    teams: tuple[str, ...]  # the names of the teams (or communes, associations) met
    team_type: str
    profile: str  # the lead team's status on the day (a vocabulary.STATUSES code)
    kind: int  # index in KIND_WORDING
    facilitators: tuple[str, ...]
    mode: str
    # the time given, as staff write it (« 1h30 », 1.5, « 90 min »), and whether it was
    # volunteer time: written by ``timed_facilitation_log`` only
    duration: str | float | None = None
    volunteer: bool | None = None


@dataclass(frozen=True)
class Project:
    """One row of the staff's project follow-up sheet: the date of each stage reached."""

    name: str
    team_type: str
    departement: str  # INSEE code
    commune: str  # as written in the sheet (a name, « Figeac (46) », an INSEE code)
    accompanied: bool | None
    first_contact: dt.date | None
    awareness: dt.date | None = None
    filed: dt.date | None = None
    validated: dt.date | None = None
    aci_signed: dt.date | None = None
    finess: str | None = None


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    qtype: str
    options: tuple[str, ...] = ()
    label: str = ""  # the sidecar's short label
    positive: str = ""  # a scale's positive end in the sidecar ("first", "last")

    def sidecar_extras(self) -> list[str]:
        """The sidecar lines of the label and positive end, if any."""
        return ([f"label = {toml_value(self.label)}"] if self.label else []) + (
            [f"positive = {toml_value(self.positive)}"] if self.positive else [])


@dataclass(frozen=True)
class Respondent:
    """One person answering a flash survey, as the export describes them."""

    profession: str
    departement: str
    team_name: str
    team_type: str



# -- writers ---------------------------------------------------------------------------------
def fr_number(value: float, decimals: int = 0, nbsp: str = "\u202f") -> str:
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace(" ", nbsp)


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def toml_value(value: object) -> str:
    """A TOML value (JSON's strings and arrays are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


# How the online form writes a team's type and status (full words, not the codes).
LONG_TYPE = {
    "MSP": "Maison de santé pluriprofessionnelle",
    "CPTS": "Communauté professionnelle territoriale de santé",
    "ESP": "Équipe de soins primaires",
    "CDS": "Centre de santé",
}
FORM_STATUS = {"en_projet": "En projet", "labellisee": "Projet de santé validé",
               "sous_aci": "Signataire ACI"}


EXCEL_MEMBERSHIP_HEADER = [
    "Nom de la structure", "N° FINESS", "Type de structure", "Stade", "Département",
    "Montant ACI", "Nombre de professionnels", "Professions représentées",
    "Système d'information partagé", "Fonction de coordination", "ETP coordination",
    "Coordinateur formé PACTE", "Missions de santé publique", "Protocoles pluriprofessionnels",
    "Nombre de protocoles", "Email",
]


def _answer_cells(a: Answers) -> list[str]:
    """From the head count to the number of protocols: the same in every form export."""
    return [str(a.professionals), ", ".join(a.professions), a.si, a.coordination,
            "" if a.fte is None else str(a.fte).replace(".", ","),
            "Oui" if a.pacte else "Non", ", ".join(a.missions), ", ".join(a.protocols),
            str(len(a.protocols))]


def excel_membership_export(forms: Sequence[MembershipForm], names: dict[str, str]) -> bytes:
    """French Excel: Windows-1252, ';', no time stamp (the year is given at import)."""
    rows = []
    for f in forms:
        a = f.answers
        rows.append([
            f.name, f.finess or "", f.team_type, STATUS_LABELS[f.status], names[f.departement],
            fr_number(a.aci, 2, "\u00a0") + " €" if a.aci else "", *_answer_cells(a),
            email(f.name),
        ])
    return csv_text(EXCEL_MEMBERSHIP_HEADER, rows, ";").encode("cp1252")


def online_membership_export(answers: Sequence[OnlineAnswer], year: int,
                             names: dict[str, str], *, commune: bool = False) -> bytes:
    """Online form export: UTF-8, ',', a 'Horodateur' column and full question texts;
    ``commune`` adds the form's commune question."""
    header = [
        "Horodateur", "Année d'adhésion", "Nom de l'équipe", "Identifiant",
        "Type d'exercice coordonné", "Stade du projet", "Département",
        *(["Commune"] if commune else []),
        "Montant de l'ACI perçu (en euros)", "Nb de PS", "Catégories professionnelles",
        "SI partagé", "Coordinateur", "ETP coordination", "Formation PACTE",
        "Missions de santé publique", "Thèmes des protocoles", "Nombre de protocoles",
        "Adresse e-mail",
    ]
    professionals = header.index("Nb de PS")
    rows = []
    for i, entry in enumerate(answers):
        f, a = entry.form, entry.form.answers
        row = [
            entry.stamp.strftime("%d/%m/%Y %H:%M:%S"), str(year), f.name, f.finess or "",
            LONG_TYPE[f.team_type], FORM_STATUS[f.status],
            departement_label(f.departement, names, i), *([f.commune or ""] if commune else []),
            fr_number(a.aci, 0) + " €" if a.aci else "", *_answer_cells(a), email(f.name),
        ]
        if entry.draft is not None:  # the earlier draft comes first; the later answer replaces it
            draft = list(row)
            draft[0] = entry.draft[0].strftime("%d/%m/%Y %H:%M:%S")
            draft[professionals] = str(entry.draft[1])
            rows.append(draft)
        rows.append(row)
    return csv_text(header, rows, ",").encode("utf-8")


def _xlsx(header: list[str], rows: list[list], date_columns: set[int],
          title: str = "Facilitations") -> bytes:
    """An .xlsx as a spreadsheet user would save it, with byte-stable zip entries."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
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


REFERENCE_LIST_HEADER = [
    "Raison sociale", "Catégorie", "N° FINESS ET", "Code commune", "Libellé commune",
    "Département", "Signataire ACI", "Date de signature ACI", "Communes couvertes",
]


def reference_list_export(teams: Sequence[ListedTeam]) -> bytes:
    """A list of existing teams as an ARS office saves it from its spreadsheet: UTF-8 with a
    BOM, ';', FINESS category codes, a CPTS's communes joined by ',' in one cell."""
    rows = [[t.name, t.category, t.finess or "", t.commune, t.commune_name, t.departement,
             {True: "Oui", False: "Non", None: ""}[t.aci],
             t.aci_since.strftime("%d/%m/%Y") if t.aci_since else "", ",".join(t.covered)]
            for t in teams]
    return csv_text(REFERENCE_LIST_HEADER, rows, ";").encode("utf-8-sig")


def facilitation_log(facilitations: Sequence[Facilitation], names: dict[str, str]) -> bytes:
    """The staff spreadsheet: one row per facilitation by date, teams joined by ';', real Excel
    dates, départements written the many ways people write them."""
    header = [
        "Date", "Département", "Équipe(s)", "Type de structure", "Profil de l'équipe",
        "Type de facilitation", "Facilitateur(s)", "Format",
    ]
    rows = []
    for i, f in enumerate(sorted(facilitations, key=lambda f: (f.date, f.departement))):
        rows.append([
            f.date, departement_label(f.departement, names, i), "; ".join(f.teams), f.team_type,
            STATUS_LABELS[f.profile], KIND_WORDING[f.kind], " / ".join(f.facilitators), f.mode,
        ])
    return _xlsx(header, rows, {0})


def timed_facilitation_log(facilitations: Sequence[Facilitation],
                           names: dict[str, str]) -> bytes:
    """A staff spreadsheet that also logs each facilitation's duration and whether it was
    volunteer time, with other usual headers (« Structure(s) », « Stade », « Nature »,
    « Modalité »): one row per facilitation by date, real Excel dates; durations as typed
    (numbers, « 1h30 », « 90 min »)."""
    header = [
        "Date", "Département", "Structure(s)", "Type de structure", "Stade", "Nature",
        "Facilitateur(s)", "Bénévole", "Durée (h)", "Modalité",
    ]
    rows = []
    for i, f in enumerate(sorted(facilitations, key=lambda f: (f.date, f.departement, f.teams))):
        rows.append([
            f.date, departement_label(f.departement, names, i), "; ".join(f.teams), f.team_type,
            STATUS_LABELS.get(f.profile, ""), KIND_WORDING[f.kind], "; ".join(f.facilitators),
            "" if f.volunteer is None else "Oui" if f.volunteer else "Non",
            "" if f.duration is None else f.duration, f.mode,
        ])
    return _xlsx(header, rows, {0}, "Journal")


PROJECT_HEADER = [
    "Projet", "Type", "Commune", "Département", "Accompagné par la fédération",
    "Premier contact", "Sensibilisation", "Projet de santé déposé", "Projet validé (ARS)",
    "Signature ACI", "FINESS",
]
_STAGE_FIELDS = ("first_contact", "awareness", "filed", "validated", "aci_signed")


def project_sheet_csv(projects: Sequence[Project], names: dict[str, str]) -> bytes:
    """A follow-up sheet saved by LibreOffice as CSV: UTF-8, ';', dates as 24/11/2025."""
    rows = [[p.name, p.team_type, p.commune, departement_label(p.departement, names, i),
             "" if p.accompanied is None else "Oui" if p.accompanied else "Non",
             *(d.strftime("%d/%m/%Y") if (d := getattr(p, s)) else "" for s in _STAGE_FIELDS),
             p.finess or ""] for i, p in enumerate(projects)]
    return csv_text(PROJECT_HEADER, rows, ";").encode("utf-8")


def project_sheet_xlsx(projects: Sequence[Project], names: dict[str, str],
                       federation_name: str) -> bytes:
    """A follow-up sheet kept in Excel: real date cells, the accompaniment column named after
    the federation (« Accompagnement Fécop »), « x » for an accompanied project."""
    header = [*PROJECT_HEADER]
    header[4] = f"Accompagnement {federation_name}"
    rows = [[p.name, p.team_type, p.commune, departement_label(p.departement, names, i),
             "x" if p.accompanied else "", *(getattr(p, s) for s in _STAGE_FIELDS),
             p.finess or ""] for i, p in enumerate(projects)]
    return _xlsx(header, rows, {5, 6, 7, 8, 9}, "Suivi des projets")


def _answer(rng: random.Random, q: Question, yes_text: tuple[str, str]) -> str | int | list[str]:
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
            if isinstance(value, list):  # multiple choice: one column per option
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
        sidecar += q.sidecar_extras()
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
               departement_label(person.departement, names, i + 1), person.team_name,
               person.team_type]
        for q in questions:
            value = _answer(rng, q, ("Oui", "Non"))
            row.append(", ".join(value) if isinstance(value, list) else str(value))
        rows.append(row)
    return header, rows


# The file beside a demo's export files that says how to import them, in which order.
MANIFEST = "manifest.toml"


def write_files(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write export files (name → bytes) into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


