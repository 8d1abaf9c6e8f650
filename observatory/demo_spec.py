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


# -- Fécop (Occitanie): the 2025 and 2023 activity reports ---------------------------------
# Sources: shared/domain/published/key_figures.csv (the Fécop rows) and the reports' text
# (shared/domain/sources/000_*.txt for 2025, 001_*.txt for 2023). README § Demo data says how
# the figures that do not add up are read; what the reports leave open is marked "chosen".
@dataclass(frozen=True)
class FecopYear:
    """What one Fécop report says of its year, as the demo store must reproduce it."""

    year: int
    members: int
    facilitations_projects: int  # « pour accompagner des projets »: team in project that day
    facilitations_functioning: int  # « auprès des équipes en fonctionnement »
    facilitations_other: int  # with no team profile (elected officials): see README
    facilitators: int  # distinct facilitators named in the log
    volunteer_hours: int
    accompanied_files: int  # accompanied ESP/MSP files filed in the year
    accompanied_validated: int  # of them, validated by the ARS
    projects_validated: int  # ESP/MSP validated by the ARS in the year, accompanied or not
    facilitated_teams: int | None = None  # « équipes accompagnées »: distinct teams facilitated
    volunteer_facilitations: int = 0  # chosen: facilitations with a volunteer facilitator


FECOP_2025 = FecopYear(2025, members=260, facilitations_projects=221,
                       facilitations_functioning=268, facilitations_other=2, facilitators=49,
                       volunteer_hours=691, accompanied_files=32, accompanied_validated=30,
                       projects_validated=34, volunteer_facilitations=372)
# chosen: 44 ESP/MSP validated in 2023 (the 2023 report gives only the accompanied 41).
FECOP_2023 = FecopYear(2023, members=221, facilitations_projects=242,
                       facilitations_functioning=217, facilitations_other=0, facilitators=50,
                       volunteer_hours=802, accompanied_files=41, accompanied_validated=41,
                       projects_validated=44, facilitated_teams=303,
                       volunteer_facilitations=385)
FECOP_YEARS = (FECOP_2023, FECOP_2025)

# Accompanied ESP/MSP files per filing year: (filed, validated, of them validated the next
# year, not accompanied and validated that year). 2023 and 2025 are the reports'; the rest is
# chosen (the sheet goes back to 2014).
FECOP_FILES: dict[int, tuple[int, int, int, int]] = {
    2014: (14, 14, 0, 2), 2015: (16, 15, 0, 2), 2016: (18, 17, 0, 2), 2017: (20, 19, 0, 2),
    2018: (24, 22, 0, 3), 2019: (26, 25, 0, 3),
    2020: (22, 21, 0, 2), 2021: (30, 28, 0, 3), 2022: (38, 36, 3, 3), 2023: (41, 41, 3, 3),
    2024: (36, 34, 0, 3), 2025: (32, 30, 0, 4),
}
# chosen: projects that stopped before filing, or are still early, by year of first contact
FECOP_EARLY: dict[int, int] = {2019: 6, 2020: 8, 2021: 14, 2022: 22, 2023: 30, 2024: 34,
                               2025: 36}
FECOP_CPTS_PER_YEAR = 2  # chosen: accompanied CPTS files a year from 2019 (not counted as ESP/MSP)
# chosen: distinct teams of the facilitations for projects and for teams in operation, 2023
# (their sum is the report's 303 teams accompanied) and 2025
FECOP_FACILITATED = {2023: (110, 193), 2025: (130, 205)}
# chosen: how the member teams spread over the départements (weights, about the population)
FECOP_WEIGHTS: dict[str, int] = {
    "31": 18, "34": 16, "30": 10, "66": 7, "11": 7, "12": 7, "81": 7, "65": 5, "82": 5,
    "32": 5, "46": 5, "09": 5, "48": 3,
}
