"""Flash surveys: the catalogue and, for one survey, its answers aggregated per question.

Answers come only from complete responses. Respondents are kept when their département is in the
scope; when the scope is the whole federation, respondents who gave no département are kept too
(some surveys do not ask it). The scope's team type does not apply to surveys.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import store
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB, respondent_sql
from observatory.indicators.portrait import histogram_sql
from observatory.indicators.publication import survey_published

# Question types whose answers are options counted per respondent.
CHOICE_TYPES = ("single", "multiple", "yesno", "scale")
# What ``breakdown`` may split respondents by (the survey_responses column).
BREAKDOWNS = ("departement", "profession")


def catalogue(scope: Scope, federation: Federation, db: DB = None,
              published_only: bool = False) -> pd.DataFrame:
    """Surveys of the scope's year (all without one), newest first, with respondent counts;
    ``published_only``: those whose infographic is published."""
    clause, params = respondent_sql(scope, federation)
    year = "WHERE true"
    if scope.year is not None:
        year += " AND year(s.month) = $year"
        params["year"] = scope.year
    if published_only:
        year += f" AND {survey_published('s')}"
    return store.query(
        f"""
        SELECT s.survey_id, s.title, s.theme, s.month, s.objective,
               {survey_published('s')} AS published,
               count(r.response_id) FILTER (WHERE r.complete) AS complete,
               count(r.response_id) FILTER (WHERE NOT r.complete) AS incomplete
        FROM surveys s
        LEFT JOIN survey_responses r ON r.survey_id = s.survey_id AND {clause}
        {year}
        GROUP BY ALL ORDER BY s.month DESC NULLS LAST, s.survey_id DESC
        """,
        params,
        db=db,
    )


def survey_list(db: DB = None, published_only: bool = False) -> pd.DataFrame:
    """Every survey (id, title, month), newest first: what the survey picker offers;
    ``published_only``: those whose infographic is published."""
    where = f"WHERE {survey_published('s')}" if published_only else ""
    return store.query(
        f"SELECT survey_id, title, month, year(month) AS year FROM surveys s {where} "
        "ORDER BY month DESC NULLS LAST, survey_id DESC",
        db=db,
    )


def survey(survey_id: str, db: DB = None) -> pd.DataFrame:
    """One survey's metadata, ``published`` as in force (an empty frame for an unknown id)."""
    return store.query(f"SELECT * EXCLUDE (batch_id, published), {survey_published('s')} "
                       "AS published FROM surveys s WHERE survey_id = $id",
                       {"id": survey_id}, db=db)


def questions(survey_id: str, db: DB = None) -> pd.DataFrame:
    """The survey's questions in their order, with type and (ordered) options."""
    return store.query(
        "SELECT question_id, position, text, qtype, options, label, positive FROM survey_questions "
        "WHERE survey_id = $id ORDER BY position, question_id",
        {"id": survey_id}, db=db,
    )


def respondents(survey_id: str, scope: Scope, federation: Federation,
                db: DB = None) -> pd.DataFrame:
    """Complete respondents per profession and per département (``axis``, ``key``, ``n``).

    The ``total`` axis holds all of them, ``incomplete`` the incomplete responses.
    """
    clause, params = respondent_sql(scope, federation)
    params["id"] = survey_id
    return store.query(
        f"""
        WITH every AS (SELECT * FROM survey_responses r WHERE r.survey_id = $id AND {clause}),
        r AS (SELECT * FROM every WHERE complete)
        SELECT 'profession' AS axis, profession AS key, count(*) AS n FROM r GROUP BY ALL
        UNION ALL
        SELECT 'departement', r.departement, count(*) FROM r GROUP BY ALL
        UNION ALL
        SELECT 'total', NULL, count(*) FROM r
        UNION ALL
        SELECT 'incomplete', NULL, count(*) FROM every WHERE NOT complete
        ORDER BY axis, n DESC, key
        """,
        params,
        db=db,
    )


def _answers_cte(survey_id: str, scope: Scope, federation: Federation,
                 breakdown: str | None) -> tuple[str, dict[str, Any]]:
    """``WITH a AS (…)``: non-empty answers of complete responses in scope, with their group."""
    clause, params = respondent_sql(scope, federation)
    params["id"] = survey_id
    group = "NULL::VARCHAR"
    if breakdown in BREAKDOWNS:
        group = f"coalesce(r.{breakdown}, 'Non renseigné')"
    return f"""
        WITH a AS (
            SELECT a.question_id, a.response_id, trim(a.value) AS value, a.value_num,
                   {group} AS grp, q.qtype
            FROM survey_answers a
            JOIN survey_responses r ON r.survey_id = a.survey_id AND r.response_id = a.response_id
            JOIN survey_questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
            WHERE a.survey_id = $id AND r.complete AND {clause}
              AND ((a.value IS NOT NULL AND trim(a.value) <> '') OR a.value_num IS NOT NULL))
    """, params


def choice_counts(survey_id: str, scope: Scope, federation: Federation, db: DB = None,
                  breakdown: str | None = None) -> pd.DataFrame:
    """Respondents per option of every choice question (single, multiple, yes/no, scale).

    Columns ``question_id, grp, value, n``; a row with ``value IS NULL`` counts who answered
    the question (in that group when ``breakdown`` is ``departement`` or ``profession``).
    """
    cte, params = _answers_cte(survey_id, scope, federation, breakdown)
    params["types"] = list(CHOICE_TYPES)
    return store.query(
        cte + """
        SELECT question_id, grp, value, count(DISTINCT response_id) AS n
        FROM a WHERE list_contains($types, qtype) AND value IS NOT NULL
        GROUP BY GROUPING SETS ((question_id, grp, value), (question_id, grp))
        ORDER BY question_id, grp, value IS NOT NULL, n DESC, value
        """,
        params,
        db=db,
    )


def number_bins(survey_id: str, scope: Scope, federation: Federation,
                db: DB = None) -> pd.DataFrame:
    """Histogram bins of every number question: ``question_id, bin_start, bin_end, n``."""
    cte, params = _answers_cte(survey_id, scope, federation, None)
    values = cte + """
        SELECT question_id AS grp, coalesce(value_num, TRY_CAST(replace(value, ',', '.') AS DOUBLE))
               AS x
        FROM a WHERE qtype = 'number'
    """
    return store.query(histogram_sql(values), params, db=db).rename(
        columns={"grp": "question_id"})


def number_stats(survey_id: str, scope: Scope, federation: Federation,
                 db: DB = None) -> pd.DataFrame:
    """Per number question: ``n``, quartiles ``q1, median, q3``, extremes ``lo, hi`` and how many
    respondents gave each extreme (``n_lo, n_hi``: a range is stated only when they are many)."""
    cte, params = _answers_cte(survey_id, scope, federation, None)
    return store.query(
        cte + """,
        v AS (SELECT question_id,
                     coalesce(value_num, TRY_CAST(replace(value, ',', '.') AS DOUBLE)) AS x
              FROM a WHERE qtype = 'number'),
        s AS (SELECT question_id, count(x) AS n, quantile_cont(x, 0.25) AS q1,
                     quantile_cont(x, 0.5) AS median, quantile_cont(x, 0.75) AS q3,
                     min(x) AS lo, max(x) AS hi
              FROM v WHERE x IS NOT NULL GROUP BY ALL)
        SELECT s.*, count(*) FILTER (WHERE v.x = s.lo) AS n_lo,
               count(*) FILTER (WHERE v.x = s.hi) AS n_hi
        FROM s JOIN v USING (question_id) GROUP BY ALL ORDER BY question_id
        """,
        params,
        db=db,
    )


# A free-text answer's comparison key: lower case, no accents, words of letters and digits.
TEXT_KEY = "trim(regexp_replace(lower(strip_accents(value)), '[^a-z0-9]+', ' ', 'g'))"
# Two keys are one answer when this few edits turn one into the other (per character of the
# longer one), typos and plurals; keys shorter than SIMILAR_MIN characters must be identical.
SIMILAR_EDITS = 0.15
SIMILAR_MIN = 6


def text_keys(survey_id: str, scope: Scope, federation: Federation,
              db: DB = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Free-text answers per question grouped by their key (``question_id, key, value, n``:
    each original wording and how often it was written), and the pairs of keys near enough to
    be one answer (``question_id, a, b``): the view joins them."""
    cte, params = _answers_cte(survey_id, scope, federation, None)
    keyed = cte + f""",
        k AS (SELECT question_id, value, {TEXT_KEY} AS key FROM a
              WHERE qtype = 'text' AND value IS NOT NULL)"""
    wordings = store.query(
        keyed + " SELECT question_id, key, value, count(*) AS n FROM k GROUP BY ALL "
        "ORDER BY question_id, key, n DESC, value", params, db=db)
    pairs = store.query(
        keyed + f""",
        d AS (SELECT DISTINCT question_id, key FROM k WHERE length(key) >= {SIMILAR_MIN})
        SELECT x.question_id, x.key AS a, y.key AS b
        FROM d x JOIN d y ON x.question_id = y.question_id AND x.key < y.key
         AND abs(length(x.key) - length(y.key))
             <= {SIMILAR_EDITS} * greatest(length(x.key), length(y.key))
        WHERE levenshtein(x.key, y.key)
              <= {SIMILAR_EDITS} * greatest(length(x.key), length(y.key))
        ORDER BY ALL
        """, params, db=db)
    return wordings, pairs


def member_teams(year: int, scope: Scope, federation: Federation,
                 db: DB = None) -> pd.DataFrame:
    """The member teams of ``year`` in the scope's départements (``name, departement,
    team_type``): the denominator of a survey's response rate."""
    return store.query(
        "SELECT t.name, m.departement, m.team_type FROM memberships m "
        "JOIN teams t USING (team_id) WHERE m.year = $year AND list_contains($deps, m.departement)",
        {"year": year, "deps": list(scope.departements(federation))}, db=db)


def respondent_teams(survey_id: str, scope: Scope, federation: Federation,
                     db: DB = None) -> pd.DataFrame:
    """The distinct teams complete respondents named (``team_name, departement``)."""
    clause, params = respondent_sql(scope, federation)
    params["id"] = survey_id
    return store.query(
        f"SELECT DISTINCT r.team_name, r.departement FROM survey_responses r "
        f"WHERE r.survey_id = $id AND r.complete AND r.team_name IS NOT NULL AND {clause}",
        params, db=db)


def texts(survey_id: str, scope: Scope, federation: Federation, db: DB = None) -> pd.DataFrame:
    """The non-empty free-text answers, per question (``question_id, value``)."""
    cte, params = _answers_cte(survey_id, scope, federation, None)
    return store.query(
        cte + "SELECT question_id, value FROM a WHERE qtype = 'text' AND value IS NOT NULL "
        "ORDER BY question_id, response_id",
        params,
        db=db,
    )
