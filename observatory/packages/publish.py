"""Publishing a package: a store's figures at aggregate grain, masked, written as Parquet.

From a federation's store: member teams, ACI amounts, facilitations, facilitated teams and
volunteer hours per year × département × team type × status (every grain), the portrait's
answers per département × type, and each published survey's answers — every count through
``privacy.suppression`` (as a ``privacy.Cube``), labels people typed themselves through
``privacy.common_labels``.
One territory of the store's profile (``--territory``: a region of the national synthetic
store, as the benchmark does) can be published as a federation of its own: its id and name are
the caller's, its region and départements the territory's, and the manifest says which profile
and store it was cut from (``part_of``); consolidation checks its départements like any other.
From a national store: the packages it consolidated, as they came (``national`` package).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

import observatory
from observatory import geo, privacy, store
from observatory.config import Federation, federations, get_federation
from observatory.filters import Scope
from observatory.indicators import respondent_sql
from observatory.indicators.portrait import ANSWERS_SQL, CHOICE_FIELDS, histogram_sql
from observatory.indicators.surveys import CHOICE_TYPES
from observatory.packages import (
    COUNTS,
    FORMAT,
    GRAIN_DIMENSIONS,
    SCHEMA_VERSION,
    TABLES,
    PackageRefused,
    file_name,
    files,
    grain,
    store_table,
)
from observatory.vocabulary import slugify

log = logging.getLogger(__name__)
DB = str | os.PathLike | None
UNKNOWN = "non_renseigne"
# Portrait fields whose answers people may type themselves (a software, a mission, a profession
# outside the list): a label fewer teams gave than the threshold is « Autre ».
TYPED_FIELDS = ("information_system", *CHOICE_FIELDS)
# Survey questions whose options are fixed by the questionnaire (kept whatever their counts).
FIXED_OPTIONS = ("yesno", "scale")


def parse_years(text: str) -> list[int]:
    """``2025`` or ``2016-2025`` → the years; anything else is a French ValueError."""
    parts = [p.strip() for p in text.split("-")]
    if len(parts) in (1, 2) and all(p.isdigit() and len(p) == 4 for p in parts):
        first, last = int(parts[0]), int(parts[-1])
        if first <= last:
            return list(range(first, last + 1))
    raise ValueError(f"Années illisibles : « {text} » (écrivez 2025 ou 2016-2025).")


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """``sql`` with the parameters it names (DuckDB refuses any other)."""
    named = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in named}).df()


def _grouping_sets(dims: tuple[str, ...], fixed: tuple[str, ...]) -> str:
    sets = [(*fixed, *combo) for k in range(len(dims) + 1)
            for combo in itertools.combinations(dims, k)]
    return ", ".join("(" + ", ".join(s) + ")" for s in sets)


def _grains(df: pd.DataFrame, dims: tuple[str, ...]) -> pd.Series:
    given = df[list(dims)].notna().to_numpy()
    return pd.Series(["+".join(d for d, keep in zip(dims, row, strict=True) if keep) or "total"
                      for row in given], index=df.index, dtype=object)


def _mask(df: pd.DataFrame, table: str, dims: tuple[str, ...], within: tuple[str, ...],
          published: str | None = None) -> pd.DataFrame:
    """Each count of ``df`` (``COUNTS[table]``) masked where ``privacy.suppression`` says, with
    the figures that go with it; masked values become NULL."""
    out = df.copy()
    for count, derived in COUNTS.get(table, {}).items():
        if count not in out.columns:
            continue
        hidden = privacy.suppression(df, [count], cube=privacy.Cube(
            tuple(dims), tuple(within), published))[count]
        out[count] = pd.array([None if h else int(v) for v, h in zip(df[count], hidden,
                                                                       strict=True)], "Int64")
        for col in derived:
            values = pd.to_numeric(df[col], errors="coerce")
            out[col] = pd.array([None if h or pd.isna(v) else float(v)
                                 for v, h in zip(values, hidden, strict=True)], "Float64")
    return out


def _has_volunteer_hours(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the facilitation log records durations and volunteer time (issue 17)."""
    found = store.scalar(con, "SELECT count(*) FROM information_schema.columns WHERE "
                              "table_name = 'facilitations' AND column_name IN "
                              "('duration_hours', 'volunteer')")
    return int(found) == 2


def _members(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pd.DataFrame:
    dims = GRAIN_DIMENSIONS["members"]
    df = _run(con, f"""
        WITH m AS (SELECT year, departement, team_type, coalesce(status, '{UNKNOWN}') AS status,
                          aci_amount
                   FROM memberships
                   WHERE list_contains($deps, departement) AND list_contains($years, year))
        SELECT year, departement, team_type, status, count(*) AS teams,
               count(aci_amount) AS aci_teams, coalesce(sum(aci_amount), 0) AS aci_total_eur
        FROM m GROUP BY GROUPING SETS ({_grouping_sets(dims, ('year',))})
        ORDER BY ALL""", params)
    return _mask(df.assign(grain=_grains(df, dims)), "members", dims, ("year",))


def _facilitations(con: duckdb.DuckDBPyConnection, params: dict[str, Any],
                   hours: bool) -> pd.DataFrame:
    dims = GRAIN_DIMENSIONS["facilitations"]
    spent = "CASE WHEN volunteer THEN duration_hours END" if hours else "NULL::DOUBLE"
    total = ("coalesce(sum(hours) FILTER (WHERE first), 0)" if hours else "NULL::DOUBLE")
    df = _run(con, f"""
        WITH f AS (SELECT facilitation_id, year, departement,
                          coalesce(team_type, '{UNKNOWN}') AS team_type,
                          coalesce(team_profile, '{UNKNOWN}') AS team_profile, {spent} AS hours
                   FROM facilitations
                   WHERE list_contains($deps, departement) AND list_contains($years, year)),
        t AS (SELECT f.*, x.team_id,
                     row_number() OVER (PARTITION BY f.facilitation_id ORDER BY x.team_id) = 1
                     AS first
              FROM f LEFT JOIN facilitation_teams x USING (facilitation_id))
        SELECT year, departement, team_type, team_profile,
               count(DISTINCT facilitation_id) AS facilitations,
               count(DISTINCT team_id) AS facilitated_teams, {total} AS volunteer_hours
        FROM t GROUP BY GROUPING SETS ({_grouping_sets(dims, ('year',))})
        ORDER BY ALL""", params)
    return _mask(df.assign(grain=_grains(df, dims)), "facilitations", dims, ("year",))


def _labels(df: pd.DataFrame, keys: tuple[str, ...], label: str, n: str) -> pd.DataFrame:
    """``common_labels`` per value of ``keys``: (keys…, label, shown) of the labels renamed."""
    rows = []
    for key, part in df.groupby(list(keys), sort=False) if keys else [((), df)]:
        kept = privacy.common_labels(part[label], part[n])
        key = key if isinstance(key, tuple) else (key,)
        rows += [(*key, v, s) for v, s in kept.items() if s != v]
    return pd.DataFrame(rows, columns=[*keys, label, "shown"])


def _portrait(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pd.DataFrame:
    base = f"""
        WITH m AS (SELECT * EXCLUDE (email) FROM memberships
                   WHERE list_contains($deps, departement) AND list_contains($years, year)),
        long AS ({ANSWERS_SQL})"""
    totals = _run(con, base + " SELECT field, value, count(DISTINCT team_id) AS n FROM long "
                  "WHERE list_contains($typed, field) GROUP BY ALL",
                  {**params, "typed": list(TYPED_FIELDS)})
    con.register("_labels", _labels(totals, ("field",), "value", "n"))
    try:
        dims = GRAIN_DIMENSIONS["portrait"]
        sets = [(*("field", "year"), *combo, *v) for v in (("value",), ())
                for k in range(len(dims) + 1) for combo in itertools.combinations(dims, k)]
        df = _run(con, base + f""",
            l AS (SELECT long.* REPLACE (coalesce(_labels.shown, long.value) AS value)
                  FROM long LEFT JOIN _labels USING (field, value))
            SELECT field, year, departement, team_type, value, any_value(sort_key) AS sort_key,
                   count(DISTINCT team_id) AS teams
            FROM l GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(s) + ')' for s in sets)})
            ORDER BY ALL""", params)
    finally:
        con.unregister("_labels")
    df = df.assign(grain=_grains(df, dims))
    multi = df["field"].isin(CHOICE_FIELDS).to_numpy()
    # a single answer per team: the answers add up to who answered (the value margin); several
    # answers each: each answer, and who answered, is a table of its own
    single = _mask(df[~multi], "portrait", (*dims, "value"), ("year", "field"))
    several = df[multi].assign(answer=df.loc[multi, "value"].fillna("\x00"))
    several = _mask(several, "portrait", dims, ("year", "field", "answer")).drop(
        columns="answer")
    return pd.concat([single, several]).sort_index()


def _surveys(con: duckdb.DuckDBPyConnection, federation: Federation, scope: Scope,
             params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The published surveys of the years: catalogue, questions, answers, respondents of
    ``scope`` (the whole profile ``federation``, or one of its territories)."""
    clause, rparams = respondent_sql(scope, federation)
    params = {**params, **rparams, "types": list(CHOICE_TYPES), "fixed": list(FIXED_OPTIONS)}
    listed = ("SELECT survey_id FROM surveys WHERE published AND month IS NOT NULL "
              "AND list_contains($years, year(month))")
    answers = f"""
        WITH a AS (
            SELECT a.survey_id, a.question_id, a.response_id, trim(a.value) AS value,
                   q.qtype, q.options
            FROM survey_answers a
            JOIN survey_responses r ON r.survey_id = a.survey_id AND r.response_id = a.response_id
            JOIN survey_questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
            WHERE a.survey_id IN ({listed}) AND r.complete AND {clause}
              AND list_contains($types, q.qtype) AND trim(a.value) <> ''),
        -- an answer outside the questionnaire's options is a typed « Autre »
        b AS (SELECT * REPLACE (CASE WHEN list_contains(options, value) THEN value
                                     ELSE 'Autre' END AS value) FROM a)"""
    counts = _run(con, answers + " SELECT survey_id, question_id, qtype, value, "
                         "count(DISTINCT response_id) AS n FROM b GROUP BY ALL", params)
    typed = counts[~counts["qtype"].isin(FIXED_OPTIONS)]
    con.register("_labels", _labels(typed, ("survey_id", "question_id"), "value", "n"))
    try:
        choices = _run(con, answers + """,
            c AS (SELECT b.* REPLACE (coalesce(_labels.shown, b.value) AS value) FROM b
                  LEFT JOIN _labels USING (survey_id, question_id, value))
            SELECT survey_id, question_id, any_value(qtype) AS qtype, value,
                   NULL::DOUBLE AS bin_start, NULL::DOUBLE AS bin_end,
                   count(DISTINCT response_id) AS respondents
            FROM c GROUP BY GROUPING SETS ((survey_id, question_id, value),
                                           (survey_id, question_id))
            ORDER BY ALL""", params)
        options = _run(
            con,
            "SELECT survey_id, question_id, position, text, qtype, options FROM "
            f"survey_questions WHERE survey_id IN ({listed}) ORDER BY survey_id, position, "
            "question_id", params)
    finally:
        con.unregister("_labels")
    values = f"""
        SELECT a.survey_id || chr(31) || a.question_id AS grp,
               coalesce(a.value_num, TRY_CAST(replace(a.value, ',', '.') AS DOUBLE)) AS x
        FROM survey_answers a
        JOIN survey_responses r ON r.survey_id = a.survey_id AND r.response_id = a.response_id
        JOIN survey_questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
        WHERE a.survey_id IN ({listed}) AND r.complete AND {clause} AND q.qtype = 'number'"""
    bins = _run(con, histogram_sql(values), params)
    split = bins["grp"].str.split(chr(31), n=1, expand=True) if len(bins) else None
    numbers = pd.DataFrame({
        "survey_id": split[0] if split is not None else [],
        "question_id": split[1] if split is not None else [],
        "qtype": "number", "value": None,
        "bin_start": bins["bin_start"], "bin_end": bins["bin_end"], "respondents": bins["n"]})
    if len(numbers):
        answered = numbers.groupby(["survey_id", "question_id"], as_index=False)[
            "respondents"].sum().assign(qtype="number", value=None, bin_start=np.nan,
                                        bin_end=np.nan)
        numbers = pd.concat([numbers, answered], ignore_index=True)
    every = pd.concat([choices, numbers], ignore_index=True)
    every["bin"] = every["bin_start"].map(lambda v: None if pd.isna(v) else f"{v!r}")
    # the cell of a value, or of a bin: None on the row of who answered
    every["cell"] = every["value"].where(every["value"].notna(), every["bin"])
    several = (every["qtype"] == "multiple").to_numpy()
    single = _mask(every[~several], "survey_answers", ("cell",), ("survey_id", "question_id"))
    multi = every[several].assign(answer=every.loc[several, "cell"].fillna("\x00"))
    multi = _mask(multi, "survey_answers", (), ("survey_id", "question_id", "answer"))
    answers_df = pd.concat([single, multi]).sort_index().drop(
        columns=["bin", "cell", "qtype", "answer"], errors="ignore")

    kept = answers_df.dropna(subset=["value"]).groupby(["survey_id", "question_id"])[
        "value"].agg(lambda v: set(v))
    options["options"] = [_published_options(row, kept.get((row.survey_id, row.question_id)))
                          for row in options.itertuples(index=False)]

    respondents = _respondents(con, clause, listed, params)
    totals = respondents[respondents["grain"] == "total"].set_index("survey_id")["respondents"]
    catalogue = _run(con, f"SELECT survey_id, title, theme, month, objective FROM surveys "
                            f"WHERE survey_id IN ({listed}) ORDER BY month, survey_id", params)
    catalogue["respondents"] = pd.array([totals.get(s, 0) for s in catalogue["survey_id"]],
                                        "Int64")
    return {"surveys": catalogue, "survey_questions": options, "survey_answers": answers_df,
            "survey_respondents": respondents}


def _published_options(row: Any, kept: set[str] | None) -> list[str] | None:
    """A question's options as the package may give them: a scale's or a yes/no's whole, a
    choice's as far as they are its answers' (typed ones gone to « Autre »)."""
    listed = ([str(o) for o in row.options] if isinstance(row.options, list | np.ndarray)
              else None)
    if row.qtype in FIXED_OPTIONS or listed is None:
        return listed
    if row.qtype not in CHOICE_TYPES:
        return None
    out = [o for o in listed if o in (kept or set()) and o != privacy.OTHER_LABEL]
    return [*out, privacy.OTHER_LABEL] if kept and privacy.OTHER_LABEL in kept else out


def _respondents(con: duckdb.DuckDBPyConnection, clause: str, listed: str,
                 params: dict[str, Any]) -> pd.DataFrame:
    base = f"""
        WITH r AS (SELECT r.survey_id, coalesce(r.departement, '{UNKNOWN}') AS departement,
                          coalesce(nullif(trim(r.profession), ''), '{UNKNOWN}') AS profession
                   FROM survey_responses r
                   WHERE r.survey_id IN ({listed}) AND r.complete AND {clause})"""
    totals = _run(con, base + " SELECT profession, count(*) AS n FROM r GROUP BY ALL", params)
    con.register("_labels", _labels(totals, (), "profession", "n"))
    try:
        dims = GRAIN_DIMENSIONS["survey_respondents"]
        df = _run(con, base + f"""
            SELECT survey_id, departement, profession, count(*) AS respondents
            FROM (SELECT r.* REPLACE (coalesce(_labels.shown, r.profession) AS profession)
                  FROM r LEFT JOIN _labels USING (profession))
            GROUP BY GROUPING SETS ({_grouping_sets(dims, ('survey_id',))})
            ORDER BY ALL""", params)
    finally:
        con.unregister("_labels")
    df = df.assign(grain=_grains(df, dims))
    # the respondents of one département and one profession are not published: the two
    # breakdowns are margins of that table nobody sees
    df["published"] = df["grain"] != grain(dims)
    out = _mask(df, "survey_respondents", dims, ("survey_id",), published="published")
    return out[out["published"]].drop(columns="published")


def _register(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pd.DataFrame:
    """FINESS (or SIRET), type and commune of the member teams of the years: nothing else."""
    return _run(con, """
        SELECT DISTINCT t.external_id AS finess, t.team_type, t.commune
        FROM teams t JOIN memberships m USING (team_id)
        WHERE list_contains($deps, m.departement) AND list_contains($years, m.year)
          AND t.external_id IS NOT NULL
        ORDER BY ALL""", params)


def _parquet(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> bytes:
    """``df`` as the Parquet file of ``table``: its columns in order, with their types,
    uncompressed (the bytes stay readable to a search), rows in a stable order."""
    columns = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in TABLES[table])
    frame = df.reset_index(drop=True).assign(_order=np.arange(len(df)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file_name(table)
        con.register("_table", frame)
        try:
            con.execute(f"COPY (SELECT {columns} FROM _table ORDER BY _order) TO "
                        f"'{str(path).replace(chr(39), chr(39) * 2)}' "
                        "(FORMAT parquet, COMPRESSION uncompressed)")
        finally:
            con.unregister("_table")
        return path.read_bytes()


def _entry(federation: Federation, years: list[int], created: str, register: bool,
           hours: bool, part_of: dict[str, str] | None) -> dict[str, Any]:
    return {"id": federation.id, "name": federation.name, "region": federation.region,
            "region_code": federation.region_code,
            "departements": list(federation.departements), "years": years,
            "created_at": created, "threshold": privacy.threshold(),
            "team_register": register, "volunteer_hours": hours,
            **({"part_of": part_of} if part_of else {})}


FEDERATION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def territory_federation(parent: Federation, territory: str, federation_id: str | None = None,
                         name: str | None = None) -> Federation:
    """One territory of ``parent`` as the federation a package names: its départements, its
    region (the territory's name, and its INSEE code when all its départements are of one
    region), the id and name given (default ``parent-territory`` and « parent – territory »).

    Refused (PackageRefused, in French) when the territory is not the profile's, or when the id
    is a shipped profile's (the store's own included): a package must not speak for a
    federation whose store it does not come from.
    """
    deps = parent.territories.get(territory)
    if not deps:
        known = ", ".join(parent.territories) or "aucun"
        raise PackageRefused(f"« {territory} » n'est pas un territoire de {parent.name} "
                             f"(territoires : {known}).")
    fid = federation_id or f"{parent.id}-{slugify(territory)}"
    if not FEDERATION_ID.match(fid):
        raise PackageRefused(f"Identifiant de fédération « {fid} » refusé : minuscules, "
                             "chiffres, « - » ou « _ » seulement.")
    owner = federations().get(fid)
    if owner is not None:
        raise PackageRefused(
            f"« {fid} » est l'identifiant de {owner.name}, qui publie son propre paquet depuis "
            "sa base : choisissez un autre identifiant.")
    regions = geo.departements().set_index("code").loc[list(deps), "region_code"].unique()
    return Federation(
        id=fid, name=name or f"{parent.name} – {territory}",
        region=territory, region_code=str(regions[0]) if len(regions) == 1 else "",
        departements=tuple(deps), territories={territory: tuple(deps)}, brand=parent.brand,
        plausibility=parent.plausibility)


def _now(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(
        microsecond=0, tzinfo=None).isoformat()


def publish(db: DB, out: str | os.PathLike, years: list[int] | None = None, *,
            team_register: bool = False, federation: Federation | None = None,
            territory: str | None = None, federation_id: str | None = None,
            federation_name: str | None = None, now: dt.datetime | None = None) -> Path:
    """Write the package of the store ``db`` to ``out`` (a folder, or a ``.zip``).

    ``years``: those to publish (default: every year with membership forms or facilitations).
    ``federation``: the profile whose départements are published (default: the store's).
    ``territory``: only that territory of the profile, as the federation
    ``territory_federation`` makes of it (``federation_id``, ``federation_name``); survey
    responses without a département are then left out (they belong to no territory).
    From a national store, the national package: every region's package as consolidated.
    """
    if store.kind(db) == store.NATIONAL:
        return _publish_national(db, Path(out), years, now)
    profile = federation or get_federation(store.federation_id(db))
    part_of = None
    if territory is not None:
        federation = territory_federation(profile, territory, federation_id, federation_name)
        part_of = {"id": profile.id, "name": profile.name, "territory": territory}
    elif federation_id or federation_name:
        raise PackageRefused("Un identifiant ou un nom de fédération ne se donne qu'avec "
                             "--territory (le paquet d'un territoire de la base).")
    else:
        federation = profile
    scope = Scope(territory=territory)
    created = _now(now)
    with store.reading(db) as con:
        found = sorted({int(y) for (y,) in con.execute(
            "SELECT year FROM memberships UNION SELECT year FROM facilitations").fetchall()})
        years = sorted(set(years)) if years else found
        if not years or not set(years) & set(found):
            raise PackageRefused("Aucune adhésion ni facilitation pour "
                                 f"{', '.join(map(str, years)) or 'aucune année'} : rien à publier.")
        params = {"deps": list(federation.departements), "years": years}
        hours = _has_volunteer_hours(con)
        frames = {"members": _members(con, params),
                  "facilitations": _facilitations(con, params, hours),
                  "portrait": _portrait(con, params),
                  **_surveys(con, profile, scope, params)}
        if team_register:
            frames["team_register"] = _register(con, params)
        for frame in frames.values():
            frame["federation"] = federation.id
        data = {file_name(t): _parquet(con, t, df) for t, df in frames.items()}
    manifest = {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "product": "Observatoire",
        "product_version": observatory.__version__, "created_at": created, "national": False,
        "federation": {"id": federation.id, "name": federation.name},
        "years": years,
        "federations": [_entry(federation, years, created, team_register, hours, part_of)],
        "files": files.describe(data, {file_name(t): len(df) for t, df in frames.items()}),
    }
    log.info("paquet de %s : %d années, %d fichiers", federation.id, len(years), len(data))
    return files.write(Path(out), manifest, data)


def _publish_national(db: DB, out: Path, years: list[int] | None,
                      now: dt.datetime | None) -> Path:
    """The national package: the consolidated packages' rows as they came (already masked)."""
    federation = get_federation(store.federation_id(db))
    with store.reading(db) as con:
        loaded = con.execute("SELECT * FROM packages ORDER BY federation").df()
        if not len(loaded):
            raise PackageRefused("Cette base nationale ne contient encore aucun paquet.")
        wanted = sorted(set(years)) if years else None
        entries, data, rows = [], {}, {}
        for row in loaded.itertuples(index=False):
            kept = [int(y) for y in row.years if wanted is None or int(y) in wanted]
            if kept:
                entries.append({"id": row.federation, "name": row.name, "region": row.region,
                                "region_code": row.region_code,
                                "departements": list(row.departements), "years": kept,
                                "created_at": row.created_at.isoformat(),
                                "threshold": int(row.threshold),
                                "team_register": bool(row.team_register),
                                "volunteer_hours": bool(row.volunteer_hours)})
        if not entries:
            raise PackageRefused("Aucun paquet consolidé ne couvre ces années.")
        ids = [e["id"] for e in entries]
        for table, columns in TABLES.items():
            has_year = any(c == "year" for c, _ in columns)
            where = "list_contains($ids, federation)" + (
                " AND list_contains($years, year)" if has_year and wanted else "")
            df = con.execute(f"SELECT * FROM {store_table(table)} WHERE {where} ORDER BY ALL",
                             {"ids": ids, **({"years": wanted} if has_year and wanted else {})}
                             ).df()
            if table == "team_register" and not len(df):
                continue
            data[file_name(table)] = _parquet(con, table, df)
            rows[file_name(table)] = len(df)
    every_year = sorted({y for e in entries for y in e["years"]})
    manifest = {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "product": "Observatoire",
        "product_version": observatory.__version__, "created_at": _now(now), "national": True,
        "federation": {"id": federation.id, "name": federation.name},
        "years": every_year, "federations": entries,
        "files": files.describe(data, rows),
    }
    return files.write(out, manifest, data)
