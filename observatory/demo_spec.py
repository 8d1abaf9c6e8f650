"""What the demo data must reproduce: the FemasAURA&Co 2025 activity report, cell by cell.

Each facilitation cell is (département, team type) for a year: the number of facilitations, the
number of distinct teams, how many facilitations went to teams at each status, and the kinds.
Sources: shared/domain/published/*.csv and the report text (shared/domain/sources/004_*.txt).
Where the report leaves a split open (e.g. unique teams given for MSP+CPTS together) the
choice made here is marked "chosen"; README § Demo data lists the readings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """Facilitations of one (year, département, team type)."""

    year: int
    departement: str
    team_type: str
    facilitations: int
    teams: int
    # facilitations per team profile on the day: (en_projet, labellisee, sous_aci)
    profiles: tuple[int, int, int]
    # facilitations per kind: (sensibilisation, conseil, complexe, specifique, patient_partenaire)
    kinds: tuple[int, int, int, int, int]
    # team counts per profile when the report gives them; None lets the generator derive them
    team_profiles: tuple[int, int, int] | None = None
    # teams seen at two profiles in the year (a status change between two facilitations)
    status_changes: int = 0
    # several teams per facilitation (thematic facilitations)
    grouped: bool = False


CELLS_2025: tuple[Cell, ...] = (
    # Ouest: 35 facilitations for 28 teams (34 ESP/MSP for 27 teams, 1 CPTS for 1 team).
    Cell(2025, "03", "MSP", 4, 3, (4, 0, 0), (3, 0, 0, 1, 0)),
    Cell(2025, "15", "MSP", 4, 3, (1, 2, 1), (1, 3, 0, 0, 0)),
    Cell(2025, "63", "MSP", 16, 13, (8, 3, 5), (8, 4, 2, 2, 0)),  # chosen: ESP and CPTS in 63
    Cell(2025, "63", "ESP", 3, 2, (2, 1, 0), (2, 0, 0, 1, 0)),
    Cell(2025, "63", "CPTS", 1, 1, (0, 0, 1), (0, 0, 1, 0, 0)),
    Cell(2025, "43", "MSP", 7, 6, (3, 2, 2), (3, 0, 0, 4, 0)),
    # Centre: MSP 46, CPTS 11.
    Cell(2025, "01", "MSP", 8, 7, (0, 1, 7), (0, 2, 2, 4, 0)),  # chosen: 7 + 2 = 9 teams
    Cell(2025, "01", "CPTS", 3, 2, (3, 0, 0), (0, 3, 0, 0, 0)),
    Cell(2025, "07", "MSP", 3, 3, (1, 1, 1), (1, 2, 0, 0, 0)),
    Cell(2025, "07", "CPTS", 5, 4, (3, 0, 2), (0, 3, 2, 0, 0), team_profiles=(2, 0, 2)),
    Cell(2025, "42", "MSP", 8, 6, (4, 4, 0), (4, 4, 0, 0, 0), team_profiles=(3, 3, 0)),
    Cell(2025, "42", "CPTS", 1, 1, (1, 0, 0), (0, 1, 0, 0, 0)),
    Cell(2025, "69", "MSP", 27, 23, (20, 0, 7), (18, 2, 3, 2, 2), team_profiles=(17, 0, 6)),
    Cell(2025, "69", "CPTS", 2, 2, (0, 0, 2), (0, 0, 2, 0, 0)),
    # Est: MSP 51, CPTS 11.
    Cell(2025, "26", "MSP", 9, 6, (3, 3, 3), (3, 3, 1, 1, 1), team_profiles=(3, 2, 2),
         status_changes=1),
    Cell(2025, "26", "CPTS", 2, 2, (1, 0, 1), (0, 2, 0, 0, 0)),
    Cell(2025, "38", "MSP", 30, 24, (11, 10, 9), (11, 8, 4, 5, 2), team_profiles=(9, 8, 7)),
    Cell(2025, "38", "CPTS", 3, 6, (0, 0, 3), (0, 0, 0, 3, 0), grouped=True),
    Cell(2025, "74", "MSP", 6, 6, (3, 2, 1), (3, 1, 1, 0, 1), team_profiles=(3, 2, 1)),
    Cell(2025, "74", "CPTS", 4, 2, (2, 0, 2), (0, 3, 1, 0, 0)),
    Cell(2025, "73", "MSP", 6, 5, (4, 1, 1), (3, 2, 0, 1, 0), team_profiles=(3, 1, 1)),
    Cell(2025, "73", "CPTS", 2, 2, (1, 0, 1), (0, 1, 0, 1, 0), team_profiles=(1, 0, 1)),
)

# 2024: the report gives territory totals for Centre and Est (MSP 55 + CPTS 5, MSP 61 + CPTS 5).
# Ouest 2024 is not published; the text says its total fell slightly in 2025 while MSP requests
# rose and CPTS ones fell: chosen 30 MSP/ESP + 8 CPTS = 38.
TERRITORY_TOTALS_2024: dict[tuple[str, str], int] = {
    ("Centre", "MSP"): 55,
    ("Centre", "CPTS"): 5,
    ("Est", "MSP"): 61,
    ("Est", "CPTS"): 5,
    ("Ouest", "MSP"): 30,
    ("Ouest", "CPTS"): 8,
}

# Member teams per département in 2025 (the report gives only the regional 172).
MEMBERS_2025: dict[str, int] = {
    "01": 12, "03": 8, "07": 9, "15": 8, "26": 12, "38": 28,
    "42": 16, "43": 9, "63": 18, "69": 28, "73": 10, "74": 14,
}
LEAVERS_2024 = 9  # members in 2024 who did not renew in 2025
NEWCOMERS_2025 = 23  # 2025 members who were not members in 2024


@dataclass(frozen=True)
class SurveySpec:
    """One counted 2025 flash survey and what the report says of its respondents."""

    survey_id: str
    title: str
    theme: str
    month: str
    objective: str
    respondents: int
    incomplete: int
    layout: str  # "survey_tool" (LimeSurvey-like) or "online_form" (Horodateur)
    professions: int | None = None
    departements: int | None = None
    teams: int | None = None
    team_type: str | None = None


SURVEYS_2025: tuple[SurveySpec, ...] = (
    SurveySpec("2025-04-recherche", "Recherche en soins primaires", "Recherche", "2025-04",
               "Représenter les équipes et leur implication dans la recherche en soins primaires "
               "aux rencontres régionales de la recherche", 58, 4, "survey_tool", professions=13),
    SurveySpec("2025-05-qualite", "Démarche qualité", "Qualité", "2025-05",
               "Recueillir les attentes et besoins des équipes autour de la démarche qualité "
               "(demande de la commission qualité)", 42, 0, "online_form",
               departements=10, teams=40),
    SurveySpec("2025-09-acces-cpts", "Accès aux soins en CPTS", "CPTS", "2025-09",
               "Connaître les besoins des CPTS sur leur mission socle d'accès aux soins", 42, 3,
               "survey_tool", departements=9, teams=31, team_type="CPTS"),
    SurveySpec("2025-12-plan-strategique", "Plan stratégique", "Vie associative", "2025-12",
               "Consulter le réseau pour le prochain plan stratégique", 99, 0, "online_form",
               departements=12),
)

FICHES_2025 = 6  # capitalisation: six teams met in 2025
