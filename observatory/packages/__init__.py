"""Federation packages: what a region publishes for the national level, in plain Parquet.

A package is a folder or a ``.zip`` holding one Parquet file per table below and a
``manifest.json`` (federations, years, schema and product versions, creation time, the
small-count threshold used, each file's rows, bytes and SHA-256, and the manifest's own
checksum). Every table is at aggregate grain and starts with ``federation``: packages of several
regions are read together as they are (DuckDB, DuckLake, MotherDuck, Spark).

Tables giving a ``grain`` publish each count at every grain of their dimensions: ``grain``
names the dimensions a row gives (``departement+team_type``; ``total`` for none), the others
being summed over (NULL). A NULL count is masked: small counts and the counts that would give
them away are suppressed by ``privacy.suppression`` on a ``privacy.Cube`` (its threshold is
the manifest's).
Member teams and facilitations are counted as every page and export counts them; what
exports mask (ACI amounts of fewer than five teams, answers, respondents) is masked here too.
No table holds a name, a contact, a facilitator, a free-text answer or a team identifier; the
team register (FINESS, type, commune of the member teams) only when asked for.

``publish`` writes a package from a store, ``consolidate`` builds a national store from the
regions' packages, ``load_reference`` gives a regional store the national package to compare
with; ``files`` reads and verifies packages.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
FORMAT = "observatoire-paquet"
MANIFEST = "manifest.json"

# The dimensions of each table published at every grain (besides its year), in grain order.
GRAIN_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "members": ("departement", "team_type", "status"),
    "facilitations": ("departement", "team_type", "team_profile"),
    "portrait": ("departement", "team_type"),
    "survey_respondents": ("departement", "profession"),
}
TOTAL = "total"

# Every table: its columns and their DuckDB types, as the Parquet files hold them.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "members": (
        ("federation", "VARCHAR"), ("year", "INTEGER"), ("grain", "VARCHAR"),
        ("departement", "VARCHAR"), ("team_type", "VARCHAR"), ("status", "VARCHAR"),
        ("teams", "BIGINT"), ("aci_teams", "BIGINT"), ("aci_total_eur", "DOUBLE")),
    "facilitations": (
        ("federation", "VARCHAR"), ("year", "INTEGER"), ("grain", "VARCHAR"),
        ("departement", "VARCHAR"), ("team_type", "VARCHAR"), ("team_profile", "VARCHAR"),
        ("facilitations", "BIGINT"), ("facilitated_teams", "BIGINT"),
        ("volunteer_hours", "DOUBLE")),
    "portrait": (
        ("federation", "VARCHAR"), ("year", "INTEGER"), ("grain", "VARCHAR"),
        ("departement", "VARCHAR"), ("team_type", "VARCHAR"), ("field", "VARCHAR"),
        ("value", "VARCHAR"), ("sort_key", "DOUBLE"), ("teams", "BIGINT")),
    "surveys": (
        ("federation", "VARCHAR"), ("survey_id", "VARCHAR"), ("title", "VARCHAR"),
        ("theme", "VARCHAR"), ("month", "DATE"), ("objective", "VARCHAR"),
        ("respondents", "BIGINT")),
    "survey_questions": (
        ("federation", "VARCHAR"), ("survey_id", "VARCHAR"), ("question_id", "VARCHAR"),
        ("position", "INTEGER"), ("text", "VARCHAR"), ("qtype", "VARCHAR"),
        ("options", "VARCHAR[]")),
    "survey_answers": (
        ("federation", "VARCHAR"), ("survey_id", "VARCHAR"), ("question_id", "VARCHAR"),
        ("value", "VARCHAR"), ("bin_start", "DOUBLE"), ("bin_end", "DOUBLE"),
        ("respondents", "BIGINT")),
    "survey_respondents": (
        ("federation", "VARCHAR"), ("survey_id", "VARCHAR"), ("grain", "VARCHAR"),
        ("departement", "VARCHAR"), ("profession", "VARCHAR"), ("respondents", "BIGINT")),
    "team_register": (
        ("federation", "VARCHAR"), ("finess", "VARCHAR"), ("team_type", "VARCHAR"),
        ("commune", "VARCHAR")),
}
OPTIONAL_TABLES = frozenset({"team_register"})
# The counts masked (NULL) as every export masks them, and the figures masked with them: a
# team's answers (its ACI amount, its portrait, a respondent's answers). Member teams and
# facilitations are counted in a package as on every page and export (the map, the key
# figures): not masked.
COUNTS: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {"aci_teams": ("aci_total_eur",)},
    "portrait": {"teams": ()},
    "surveys": {"respondents": ()},
    "survey_answers": {"respondents": ()},
    "survey_respondents": {"respondents": ()},
}


def file_name(table: str) -> str:
    return f"{table}.parquet"


def store_table(table: str) -> str:
    """The store table holding a package table's rows (``package_members``…)."""
    return f"package_{table}"


def grain(dimensions: tuple[str, ...] | list[str]) -> str:
    """The grain name of a row giving ``dimensions`` (``total`` for none)."""
    return "+".join(dimensions) or TOTAL


class PackageRefused(Exception):
    """A package that is not read at all, with the reason in French; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
