"""The names of things: codes, French labels, the synonyms files use, the colour of each one.

Importers, filters, indicators, views, charts and exports all read these, so that a team type or a
status is spelt, matched and coloured the same way everywhere. Synonyms are written as text keys
(``option_key``: lower case, no accents, no punctuation), the form a written answer is compared in.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# -- text keys: how a written name is compared ---------------------------------------------


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive form of a text (œ → oe, É → e)."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


HINT = re.compile(r"\s*\([^()]*\)\s*$")


@functools.lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """A header's meaning: case, accents, punctuation, spaces and a trailing (hint) ignored."""
    text = text.strip()
    while True:
        stripped = HINT.sub("", text)
        if stripped == text or not stripped:
            break
        text = stripped
    return _words(fold(text))


# inclusive writing: Infirmier·e, Pharmacien·ne, Salarié·e, Professionnel·le, Coordinateur·rice
_INCLUSIVE = re.compile(r"[·•.‧⋅](?:e|es|ne|nes|le|les|se|ses|rice|rices|trice|trices)\b")


@functools.lru_cache(maxsize=65536)
def option_key(text: str) -> str:
    """An answer's identity for matching: like header_key but keeps parentheses' content."""
    return _words(fold(_INCLUSIVE.sub("", text)))


@functools.lru_cache(maxsize=65536)
def team_name_key(name: str) -> str:
    """A team name's identity: casefolded, accents and punctuation dropped, spaces collapsed."""
    return _words(fold(name))


def slugify(text: str) -> str:
    """``Auvergne-Rhône-Alpes`` → ``auvergne-rhone-alpes`` (ids of surveys, fiches, packages)."""
    return "-".join(team_name_key(text).split())


# -- team types ------------------------------------------------------------------------------
TEAM_TYPES = ("MSP", "CPTS", "ESP", "CDS")
# Facilitations also reach teams that are not care teams (e.g. a commune's elected officials).
FACILITATION_TEAM_TYPES = ("MSP", "ESP", "CPTS", "CDS", "Collectivité", "Autre")
TEAM_TYPE_SYNONYMS = {
    "msp": "MSP", "maison de sante pluriprofessionnelle": "MSP",
    "maison de sante pluri professionnelle": "MSP", "maison de sante pluridisciplinaire": "MSP",
    "maison de sante": "MSP", "maison de sante pluriprofessionnelle msp": "MSP",
    "cpts": "CPTS", "communaute professionnelle territoriale de sante": "CPTS",
    "esp": "ESP", "equipe de soins primaires": "ESP", "esp clap": "ESP",
    "equipe de soins primaires coordonnee": "ESP",
    "cds": "CDS", "centre de sante": "CDS", "centre de sante pluriprofessionnel": "CDS",
    "centre de sante polyvalent": "CDS",
    # as the reference lists (FINESS, ARS) write them, in the plural too
    "maisons de sante pluriprofessionnelles": "MSP", "maison de sante pluri professionnelle msp": "MSP",
    "communautes professionnelles territoriales de sante": "CPTS",
    "communaute professionnelle territoriale de sante cpts": "CPTS",
    "centres de sante": "CDS", "equipes de soins primaires": "ESP",
}
# FINESS categories of establishment (« catégorie d'établissement », nomenclature TRE-R66 of
# the ANS, as the SAS guide of ansforge lists them: 603 MSP, 124 CDS, 604 CPTS). ESP have none.
FINESS_CATEGORIES = {"603": "MSP", "124": "CDS", "604": "CPTS"}
# Only in a facilitation log: the teams a facilitation reaches that are not care teams.
FACILITATION_TEAM_TYPE_SYNONYMS = {
    "collectivite": "Collectivité", "collectivite territoriale": "Collectivité",
    "collectivites": "Collectivité", "commune": "Collectivité", "mairie": "Collectivité",
    "elus": "Collectivité", "communaute de communes": "Collectivité", "autre": "Autre",
}

# -- statuses (the stage a team has reached) -------------------------------------------------
STATUSES = ("en_projet", "labellisee", "sous_aci")
STATUS_LABELS = {"en_projet": "En projet", "labellisee": "Labellisée", "sous_aci": "Sous ACI"}
STATUS_SYNONYMS = {
    "en projet": "en_projet", "projet": "en_projet", "en cours": "en_projet",
    "en cours de labellisation": "en_projet", "en construction": "en_projet",
    "emergente": "en_projet", "equipe en projet": "en_projet",
    "labellisee": "labellisee", "labellise": "labellisee", "projet de sante valide": "labellisee",
    "projet de sante valide par l ars": "labellisee", "validee": "labellisee",
    "sous aci": "sous_aci", "signataire aci": "sous_aci", "signataire de l aci": "sous_aci",
    "aci": "sous_aci", "aci signe": "sous_aci", "signataire": "sous_aci",
}
# A reference list may say only that a team is not under ACI (its stage unknown otherwise).
NOT_UNDER_ACI = frozenset({"non signataire", "non signataire aci", "non signataire de l aci",
                           "hors aci", "pas d aci", "sans aci", "aci non signe"})
# What a page shows where a status (or any other coded value) is unknown.
UNKNOWN_LABEL = "Non renseigné"

# -- kinds of facilitation -------------------------------------------------------------------
KINDS = ("sensibilisation", "conseil", "complexe", "specifique", "patient_partenaire")
KIND_LABELS = {
    "sensibilisation": "Sensibilisation",
    "conseil": "Conseil et soutien",
    "complexe": "Complexe",
    "specifique": "Spécifique ou thématique",
    "patient_partenaire": "Patient partenaire",
}
# A written kind is the first words of the cell: "Conseil et soutien (projet de santé)".
KIND_PREFIXES = (
    ("sensibilisation", "sensibilisation"),
    ("conseil", "conseil"), ("soutien", "conseil"),
    ("complexe", "complexe"), ("mediation", "complexe"),
    ("specifique", "specifique"), ("thematique", "specifique"),
    ("patient partenaire", "patient_partenaire"), ("patients partenaires", "patient_partenaire"),
)

# -- modes (how a facilitation took place); the code is the French label ---------------------
MODES = ("Présentiel", "Visio", "Téléphone", "Mixte")
MODE_SYNONYMS = {
    "presentiel": "Présentiel", "sur place": "Présentiel", "en presentiel": "Présentiel",
    "visio": "Visio", "visioconference": "Visio", "distanciel": "Visio", "en visio": "Visio",
    "a distance": "Visio", "telephone": "Téléphone", "mixte": "Mixte", "hybride": "Mixte",
}

# -- stages of a project (the project follow-up sheet), in the order a project reaches them --
STAGES = ("first_contact", "awareness", "filed", "validated", "aci_signed")
STAGE_LABELS = {
    "first_contact": "Premier contact",
    "awareness": "Sensibilisation",
    "filed": "Projet de santé déposé",
    "validated": "Projet validé (ARS)",
    "aci_signed": "Signature ACI",
}
# The team types whose validated projects a federation counts as new teams (« ESP/MSP
# validées ») unless a type is chosen.
PROJECT_TYPES = ("ESP", "MSP")

# -- colours: one per type and per status, the same on every chart and export ---------------
# Team types take distinct Okabe–Ito hues (safe for the common colour-vision deficiencies);
# statuses, which are stages, a violet ramp from light (en projet) to dark (sous ACI), a hue
# no type uses. Neither may be a brand's colour: a brand draws single series and years.
UNKNOWN_COLOR = "#BBBBBB"
STATUS_COLORS = {"en_projet": "#CBB7E3", "labellisee": "#8E6CC0", "sous_aci": "#4F2D8A"}
# A project's stage on the same violet ramp: lighter while in project (« En projet »'s shade
# among them), then the shades of a labellised team and of one under ACI.
STAGE_COLORS = {"first_contact": "#DCCFEE", "awareness": STATUS_COLORS["en_projet"],
                "filed": "#B39BD8", "validated": STATUS_COLORS["labellisee"],
                "aci_signed": STATUS_COLORS["sous_aci"]}
TEAM_TYPE_COLORS = {"MSP": "#0072B2", "CPTS": "#E69F00", "ESP": "#009E73", "CDS": "#D55E00",
                    "Collectivité": "#56B4E9", "Autre": UNKNOWN_COLOR}


def status_label(code: object) -> str:
    """A status code's French label; ``Non renseigné`` for a missing or unknown one."""
    return STATUS_LABELS.get(code, UNKNOWN_LABEL) if isinstance(code, str) else UNKNOWN_LABEL


def team_type_colors() -> dict[str, str]:
    """The team type colours, in the types' order, unknown last."""
    return {**TEAM_TYPE_COLORS, UNKNOWN_LABEL: UNKNOWN_COLOR}


def status_colors_by_label() -> dict[str, str]:
    """The status colours keyed by French label (what a chart's data holds), unknown last."""
    return {**{STATUS_LABELS[s]: STATUS_COLORS[s] for s in STATUSES},
            UNKNOWN_LABEL: UNKNOWN_COLOR}
