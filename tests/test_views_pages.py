"""The thematic pages: facilitations, portrait, enquêtes, annuaire, capitalisation.

View builders are checked against independent SQL on the real demo store; pages run through
AppTest for the region, a territory and a département; empty states run on a nearly empty store;
no view ever carries a facilitator's name or a team's e-mail.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from observatory import formats, store
from observatory.config import get_federation
from observatory.filters import Scope
from observatory.views import View, capitalisation, directory, facilitations, portrait, surveys

APP = str(Path(__file__).resolve().parents[1] / "app.py")
AURA = get_federation("femasaura")
Y2025 = Scope(year=2025)

# The pages of this module, as the shell lists them.
PAGE_FILES = ["pages/facilitations.py", "pages/portrait.py", "pages/enquetes.py",
              "pages/annuaire.py", "pages/capitalisation.py"]


def q(sql: str, params: dict | None = None, *, db: Path) -> pd.DataFrame:
    return store.query(sql, params, db=db)


def metric(view: View, label: str) -> str:
    return next(m.value for m in view.metrics if m.label == label)


def figure(view: View, key: str):
    return next(f for f in view.figures if f.key == key)


def table(view: View, key: str) -> pd.DataFrame:
    return next(t.data for t in view.tables if t.key == key)


# -- facilitations --------------------------------------------------------------------------------
def test_facilitations_comparison_table_is_the_report_one(demo_db: Path) -> None:
    view = facilitations.build(Y2025, AURA, demo_db)
    df = table(view, "comparaison_annuelle").set_index(["Territoire", "Type d'équipe"])
    expected = {("Centre", "MSP"): (55, 46), ("Centre", "CPTS"): (5, 11),
                ("Est", "MSP"): (61, 51), ("Est", "CPTS"): (5, 11)}
    for key, (before, now) in expected.items():
        assert (df.loc[key, "2024"], df.loc[key, "2025"]) == (before, now)
    # independently: every cell against a plain count over the facilitations table
    territory = " ".join(f"WHEN departement IN ({', '.join(repr(c) for c in codes)}) THEN '{t}'"
                         for t, codes in AURA.territories.items())
    sql = q(f"""SELECT CASE {territory} END AS territory, team_type, year, count(*) AS n
                FROM facilitations WHERE year IN (2024, 2025) GROUP BY ALL""", db=demo_db)
    for row in sql.itertuples(index=False):
        assert df.loc[(row.territory, row.team_type), str(row.year)] == row.n
    assert df.loc[("Total Auvergne-Rhône-Alpes", "Tous types"), "2025"] == 154
    assert df.loc[("Total Auvergne-Rhône-Alpes", "Tous types"), "2024"] == 164
    assert df.loc[("Total Est", "Tous types"), "Évolution"] == 62 - 66


def chart_title(fig: object) -> str:
    """The title inside the chart's spec, its wrapped lines joined again."""
    text = json.loads(fig.chart.to_json())["title"]["text"]
    return text if isinstance(text, str) else " ".join(text)


def test_facilitations_figures_come_from_the_store(demo_db: Path) -> None:
    scope = Scope(year=2025, territory="Est")
    view = facilitations.build(scope, AURA, demo_db)
    deps = list(AURA.territories["Est"])
    truth = q("""SELECT count(DISTINCT f.facilitation_id) AS facs,
                        count(DISTINCT ft.team_id) AS teams
                 FROM facilitations f LEFT JOIN facilitation_teams ft USING (facilitation_id)
                 WHERE year = 2025 AND list_contains($deps, departement)""",
              {"deps": deps}, db=demo_db).iloc[0]
    assert metric(view, "Facilitations") == str(truth["facs"]) == "62"
    assert metric(view, "Équipes uniques facilitées") == str(truth["teams"])
    by_type = figure(view, "facilitations_par_type_equipe").data
    facs = by_type[by_type["Mesure"] == "Facilitations"].set_index("Type")["Nombre"]
    sql = q("SELECT team_type, count(*) AS n FROM facilitations WHERE year = 2025 "
            "AND list_contains($deps, departement) GROUP BY ALL", {"deps": deps}, db=demo_db)
    assert facs.to_dict() == dict(zip(sql["team_type"], sql["n"], strict=True))
    months = figure(view, "facilitations_par_mois").data
    assert len(months[months["Mesure"] == "Facilitations"]) == 12
    assert months.loc[months["Mesure"] == "Facilitations", "Nombre"].sum() == 62
    for fig in view.figures:
        assert fig.title and "n = " in fig.caption and "Source" in fig.caption
        if fig.statement:  # one territory: said, not drawn
            assert fig.key == "facilitations_par_territoire" and fig.takeaway.startswith("Est")
            continue
        assert chart_title(fig) == formats.typography(fig.title)


def test_most_facilitated_teams(demo_db: Path) -> None:
    top = table(facilitations.build(Y2025, AURA, demo_db), "equipes_les_plus_facilitees")
    first = top.iloc[0]
    n = q("""SELECT count(*) AS n FROM facilitations f JOIN facilitation_teams USING
             (facilitation_id) JOIN teams t USING (team_id) WHERE f.year = 2025 AND t.name = $n""",
          {"n": first["Équipe"]}, db=demo_db)["n"].iloc[0]
    assert first["Facilitations"] == n == top["Facilitations"].max()
    assert list(top["Facilitations"]) == sorted(top["Facilitations"], reverse=True)


# -- portrait -------------------------------------------------------------------------------------
def test_portrait_counts_and_answers(demo_db: Path) -> None:
    view = portrait.build(Y2025, AURA, demo_db)
    assert metric(view, "Équipes adhérentes") == "172"
    by_type = figure(view, "equipes_par_type_statut").data
    sql = q("SELECT team_type, count(*) AS n FROM memberships WHERE year = 2025 GROUP BY ALL",
            db=demo_db)
    assert by_type.groupby("Type")["Équipes"].sum().to_dict() == \
        dict(zip(sql["team_type"], sql["n"], strict=True))
    # n = teams that answered, among the member teams of the scope
    answered = q("SELECT count(DISTINCT team_id) AS n FROM membership_choices "
                 "WHERE year = 2025 AND field = 'protocol'", db=demo_db)["n"].iloc[0]
    protocols = figure(view, "protocoles")
    assert protocols.n == answered and "sur 172 adhérentes" in protocols.caption
    si = figure(view, "si_partage").data.set_index("Logiciel")
    other = q("SELECT count(*) AS n FROM memberships WHERE year = 2025 AND "
              "information_system_other IS NOT NULL", db=demo_db)["n"].iloc[0]
    assert si.loc["Autre", "Équipes"] == other > 0
    assert not any("logiciel maison" in str(v) for v in si.index)
    aci = table(view, "montants_aci").set_index("Type d'équipe")
    total = q("SELECT sum(aci_amount) AS s FROM memberships WHERE year = 2025 AND "
              "team_type = 'MSP'", db=demo_db)["s"].iloc[0]
    assert aci.loc["MSP", "Total (€)"] == round(total)
    assert figure(view, "aci_msp").data["Équipes"].sum() == aci.loc["MSP",
                                                                      "Équipes ayant déclaré un montant"]


def test_portrait_status_transitions(demo_db: Path) -> None:
    moves = table(portrait.build(Y2025, AURA, demo_db), "transitions_statut")
    both = q("SELECT count(*) AS n FROM memberships a JOIN memberships b ON a.team_id = b.team_id "
             "AND a.year = 2024 AND b.year = 2025", db=demo_db)["n"].iloc[0]
    assert moves["Équipes"].sum() == both
    up = q("""SELECT count(*) AS n FROM memberships a JOIN memberships b
              ON a.team_id = b.team_id AND a.year = 2024 AND b.year = 2025
              WHERE a.status = 'en_projet' AND b.status = 'labellisee'""", db=demo_db)["n"].iloc[0]
    row = moves[(moves["Statut avant"] == "En projet") & (moves["Statut après"] == "Labellisée")]
    assert row["Équipes"].sum() == up and (row["Évolution"] == "Progression").all()


# -- surveys --------------------------------------------------------------------------------------
def test_survey_catalogue(demo_db: Path) -> None:
    cat = table(surveys.catalogue(Y2025, AURA, demo_db), "catalogue").set_index("Titre")
    row = cat.loc["Recherche en soins primaires"]
    assert (row["Date"], row["Réponses complètes"], row["Réponses incomplètes"]) == \
        ("avr. 2025", 58, 4)
    assert row["Infographie publiée"] == "Oui" and row["Thème"] == "Recherche"
    assert cat["Date"].iloc[0] == "déc. 2025"  # newest first
    assert surveys.catalogue(Scope(year=2019), AURA, demo_db).empty_message


def test_survey_infographic(demo_db: Path) -> None:
    view = surveys.build(Y2025, AURA, demo_db, survey_id="2025-04-recherche")
    assert metric(view, "Répondants") == "58"
    assert figure(view, "repondants_par_profession").data["Répondants"].sum() == 58
    assert figure(view, "repondants_par_profession").data["Profession"].nunique() == 13
    qs = q("SELECT question_id, qtype, options FROM survey_questions "
           "WHERE survey_id = '2025-04-recherche' ORDER BY position", db=demo_db)
    charts = [f for f in view.figures if f.key.startswith("question_")]
    texts = [t for t in view.tables if t.key.startswith("question_")]
    assert len(charts) == (qs["qtype"] != "text").sum() and len(texts) == 1
    for fig in view.figures:
        assert fig.count_columns == ("Répondants",) and 0 < fig.n <= 58
    # yes/no: the shares are of those who answered; both answers add up to them
    yesno = charts[0].data.set_index("Réponse")
    oui = q("""SELECT count(*) AS n FROM survey_answers a JOIN survey_responses r
               USING (survey_id, response_id) WHERE survey_id = '2025-04-recherche'
               AND question_id = 'Q1' AND r.complete AND a.value = 'Oui'""",
            db=demo_db)["n"].iloc[0]
    assert yesno.loc["Oui", "Répondants"] == oui
    assert yesno["Répondants"].sum() == charts[0].n
    assert yesno["Part des répondants"].sum() == pytest.approx(1)
    # the scale keeps its options order, its favourable side in the first colour
    scale = next(f for f in charts if "intéresse" in f.title)
    spec = json.loads(scale.chart.to_json())
    options = list(qs.loc[qs["qtype"] == "scale", "options"].iloc[0])
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["sort"] == options
    colour = bars["color"]["scale"]
    assert colour["domain"] == options and colour["range"][-1].startswith("#0")  # blue end
    assert "Répondants" in scale.data and scale.n == scale.data["Répondants"].sum()
    # a number question is a histogram; free text is grouped and counted, for staff
    number = next(f for f in charts if "Nombre de projets" in f.title)
    assert {"De", "À"} <= set(number.data.columns)
    assert texts[0].data.columns.tolist() == ["Réponse", "Réponses", "Formulations regroupées"]
    assert texts[0].detail


def test_survey_breakdown_splits_the_same_counts(demo_db: Path) -> None:
    plain = surveys.build(Y2025, AURA, demo_db, survey_id="2025-04-recherche")
    split = surveys.build(Y2025, AURA, demo_db, survey_id="2025-04-recherche",
                          breakdown="departement")
    for a, b in zip(plain.figures, split.figures, strict=True):
        if not a.key.startswith("question_") or "De" in a.data:
            continue
        assert "Département" in b.data.columns
        assert b.data.groupby("Réponse")["Répondants"].sum().to_dict() == \
            a.data.groupby("Réponse")["Répondants"].sum().to_dict()
        assert b.count_columns == ("Répondants",)
    assert any("ventilées" in n for n in split.notes)


def test_survey_scope_and_default(demo_db: Path) -> None:
    est = surveys.build(Scope(year=2025, territory="Est"), AURA, demo_db,
                        survey_id="2025-04-recherche")
    n = q("""SELECT count(*) AS n FROM survey_responses WHERE survey_id = '2025-04-recherche'
             AND complete AND list_contains($deps, departement)""",
          {"deps": list(AURA.territories["Est"])}, db=demo_db)["n"].iloc[0]
    assert metric(est, "Répondants") == str(n)
    ids, labels, default = surveys.choices(Y2025, AURA, demo_db)
    assert ids[default] == "2025-12-plan-strategique" and labels[ids[default]].startswith("déc.")
    assert surveys.build(Y2025, AURA, demo_db).title.startswith("Plan stratégique")


# -- directory ------------------------------------------------------------------------------------
def test_directory_filters(demo_db: Path) -> None:
    view = directory.build(Y2025, AURA, demo_db)
    assert metric(view, "Équipes trouvées") == "172"
    assert "Courriel" not in table(view, "annuaire").columns
    found = table(directory.build(Y2025, AURA, demo_db, protocols=("Diabète de type 2",),
                                  missions=("Vaccination",)), "annuaire")
    n = q("""SELECT count(*) AS n FROM memberships m WHERE year = 2025
             AND EXISTS (SELECT 1 FROM membership_choices c WHERE c.team_id = m.team_id
                         AND c.year = 2025 AND field = 'protocol' AND value = 'Diabète de type 2')
             AND EXISTS (SELECT 1 FROM membership_choices c WHERE c.team_id = m.team_id
                         AND c.year = 2025 AND field = 'mission' AND value = 'Vaccination')""",
          db=demo_db)["n"].iloc[0]
    assert len(found) == n > 0
    assert found["Protocoles"].str.contains("Diabète de type 2").all()
    name = found["Équipe"].iloc[0]
    accentless = name.upper().replace("É", "E").replace("È", "E")
    assert name in set(table(directory.build(Y2025, AURA, demo_db, query=accentless),
                             "annuaire")["Équipe"])
    isere = table(directory.build(Scope(year=2025, departement="38"), AURA, demo_db), "annuaire")
    assert len(isere) == 28 and isere["Département"].str.startswith("38").all()
    staff = table(directory.build(Y2025, AURA, demo_db, show_contacts=True), "annuaire")
    assert staff["Courriel"].str.contains("@").all()
    none = directory.build(Y2025, AURA, demo_db, query="zzz introuvable")
    assert none.empty_message and "Aucune équipe" in none.empty_message


# -- capitalisation -------------------------------------------------------------------------------
def test_capitalisation_search(demo_db: Path) -> None:
    every = capitalisation.build(Scope(), AURA, demo_db)
    assert metric(every, "Fiches trouvées") == "6"
    for text in ("activite physique", "ACTIVITÉ PHYSIQUE"):  # case and accents ignored
        found = table(capitalisation.build(Scope(), AURA, demo_db, query=text), "fiches")
        assert found["Titre"].tolist() == [
            "Atelier d'activité physique adaptée pour patients diabétiques"]
    body = q("SELECT count(*) AS n FROM fiches WHERE body ILIKE '%constat partagé%'",
             db=demo_db)["n"].iloc[0]
    assert metric(capitalisation.build(Scope(), AURA, demo_db, query="constat partage"),
                  "Fiches trouvées") == str(body)
    theme = table(capitalisation.build(Scope(), AURA, demo_db, theme="Qualité"), "fiches")
    assert set(theme["Thème"]) == {"Qualité"}
    est = table(capitalisation.build(Scope(territory="Est"), AURA, demo_db), "fiches")
    n = q("SELECT count(*) AS n FROM fiches WHERE list_contains($d, departement)",
          {"d": list(AURA.territories["Est"])}, db=demo_db)["n"].iloc[0]
    assert len(est) == n
    cards = capitalisation.cards(capitalisation.build(Scope(), AURA, demo_db))
    assert len(cards) == 6 and all(c["body"] and c["title"] for c in cards)


# -- privacy --------------------------------------------------------------------------------------
def _every_view(db: Path) -> list[View]:
    """Each view for several scopes; every survey with every breakdown for 2025."""
    views = []
    for scope in (Y2025, Scope(), Scope(year=2025, territory="Est"),
                  Scope(year=2024, departement="38")):
        views += [facilitations.build(scope, AURA, db), portrait.build(scope, AURA, db),
                  surveys.catalogue(scope, AURA, db), surveys.build(scope, AURA, db),
                  directory.build(scope, AURA, db), capitalisation.build(scope, AURA, db)]
    for survey_id in surveys.choices(Y2025, AURA, db)[0]:
        for breakdown in (None, "departement", "profession"):
            views.append(surveys.build(Y2025, AURA, db, survey_id=survey_id,
                                       breakdown=breakdown))
    return views


def _text(view: View) -> str:
    parts = [view.title, view.scope_label, view.empty_message or "", *view.notes]
    parts += [f"{m.label} {m.value} {m.help}" for m in view.metrics]
    for fig in view.figures:
        parts += [fig.title, fig.caption, fig.data.to_csv()]
        if fig.chart is not None:
            parts.append(fig.chart.to_json())
    for tab in view.tables:
        parts += [tab.title, tab.caption, tab.data.to_csv()]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def every_view(demo_db: Path) -> tuple[list[View], list[str]]:
    """Every view for several scopes and options, and every SQL they sent (spied, run for real)."""
    sent: list[str] = []
    real = store.query

    def spy(sql, params=None, *, db=None):  # type: ignore[no-untyped-def]
        sent.append(sql)
        return real(sql, params, db=db)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store, "query", spy)
        views = _every_view(demo_db)
    return views, sent


def test_no_facilitator_name_nor_email_in_any_view(
        demo_db: Path, every_view: tuple[list[View], list[str]]) -> None:
    raw = q("SELECT DISTINCT facilitators FROM facilitations WHERE facilitators IS NOT NULL",
            db=demo_db)["facilitators"]
    names = {n.strip() for cell in raw for n in re.split(r"[/;,]", cell) if n.strip()}
    emails = set(q("SELECT email FROM memberships WHERE email IS NOT NULL",
                   db=demo_db)["email"])
    assert len(names) > 10 and len(emails) > 100
    views, _ = every_view
    for view in views:
        text = _text(view)
        assert not [n for n in names if n in text], view.title
        assert "@" not in text, view.title  # no e-mail address at all


def test_no_query_reads_facilitators_or_emails(every_view: tuple[list[View], list[str]]) -> None:
    """The personal columns are never even read: no SQL the views send names them."""
    _, sent = every_view
    assert len(sent) > 50
    for sql in sent:
        assert not re.search(r"\bfacilitators\b", sql)
        assert not re.search(r"\bemail\b", sql.replace("EXCLUDE (email)", ""))
        # their compared form is only counted (distinct facilitators), never selected
        calls = re.findall(r"(\w+)\(f\.facilitator_keys\)", sql)
        assert len(calls) == len(re.findall(r"\bfacilitator_keys\b", sql)), sql
        assert set(calls) <= {"count", "unnest"}, sql
        assert "unnest" not in calls or "count(DISTINCT k)" in sql, sql


def test_every_chart_compiles_with_its_title_and_caption(
        every_view: tuple[list[View], list[str]]) -> None:
    """Vega-Lite accepts every spec (e.g. no field name it cannot parse) and carries n/source."""
    import vl_convert

    views, _ = every_view
    for view in views[:12]:  # two scopes of every page, every survey below
        for fig in view.figures:
            if fig.statement:  # a single bar is said, not drawn
                assert fig.takeaway and fig.chart is None
                continue
            spec = fig.chart.to_dict()
            assert chart_title(fig) == formats.typography(fig.title)
            subtitle = " ".join(spec["title"]["subtitle"])
            assert subtitle == fig.summary
            assert fig.summary.startswith("n = ") and "Source\u202f: " in fig.summary
            vl_convert.vegalite_to_vega(spec)
    for view in views[24:]:
        for fig in view.figures:
            if not fig.statement:
                vl_convert.vegalite_to_vega(fig.chart.to_dict())


def test_charts_reach_the_browser_with_their_rows(
        every_view: tuple[list[View], list[str]]) -> None:
    """The Arrow bytes a chart is sent with hold the very rows of its spec, typed as Streamlit's
    pandas route types them; rows pyarrow cannot type still go through."""
    import pyarrow as pa
    from streamlit import dataframe_util

    from observatory.ui import render

    views, _ = every_view
    checked = 0
    for view in views:
        for fig in view.figures:
            if fig.chart is None or not len(fig.data):
                continue
            rows = fig.chart.to_dict(validate=False)["datasets"]
            for name, sent in render.chart_payload(fig)["datasets"].items():
                assert isinstance(sent, bytes), (fig.key, name)
                table = pa.ipc.open_stream(sent).read_all()
                assert table.to_pylist() == rows[name], (fig.key, name)
                pandas_route = pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(
                    pd.DataFrame(rows[name]))).read_all()
                assert [str(t).replace("large_", "") for t in table.schema.types] == [
                    str(t).replace("large_", "") for t in pandas_route.schema.types], fig.key
                checked += 1
    assert checked > 50
    mixed = render._arrow([{"a": 1}, {"a": "x"}])
    assert isinstance(mixed, pd.DataFrame) and list(mixed["a"]) == [1, "x"]


# -- pages through AppTest ------------------------------------------------------------------------
def test_the_registry_lists_these_pages() -> None:
    from observatory.pages import PAGES

    assert set(PAGE_FILES) <= {p.file for p in PAGES}


def _open(db: Path, page: str, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("params", [{}, {"territoire": "Est"}, {"territoire": "Est", "dep": "38"}],
                         ids=["region", "est", "38"])
def test_page_renders_for_each_scope(demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str,
                                     params: dict) -> None:
    at = _open(demo_db, page, monkeypatch, **params)
    assert at.title and not at.info and at.metric
    assert any("n =" in c.value or "Source" in c.value for c in at.caption)
    assert at.selectbox(key="f_dep").value == params.get("dep")
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception
    print(f"\n{page} {params or 'région'}: warm rerun {elapsed:.3f} s")


def test_facilitations_page_follows_the_filters(demo_db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(demo_db, "pages/facilitations.py", monkeypatch)
    assert _metric(at, "Facilitations") == "154"
    captions = [c.value for c in at.caption]
    at.selectbox(key="f_territoire").select("Est").run()
    assert _metric(at, "Facilitations") == "62"
    at.selectbox(key="f_type").select("CPTS").run()
    assert _metric(at, "Facilitations") == "11" and [c.value for c in at.caption] != captions
    tables = [d.value for d in at.dataframe]
    assert any("2024" in t.columns and "2025" in t.columns for t in tables)


def test_portrait_page_follows_the_filters(demo_db: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(demo_db, "pages/portrait.py", monkeypatch)
    assert _metric(at, "Équipes adhérentes") == "172"
    at.selectbox(key="f_dep").select("38").run()
    assert _metric(at, "Équipes adhérentes") == "28"
    at.selectbox(key="f_annee").select(2024).run()
    assert not at.exception and _metric(at, "Équipes adhérentes") != "28"


def test_portrait_page_draws_four_charts_then_the_others_when_opened(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = portrait.build(Y2025, AURA, demo_db).figures
    drawn = [f.chart is not None and len(f.data) > 0 and not f.withheld and not f.statement
             for f in figures]
    assert len(figures) > 4 and sum(drawn[4:]) > 0
    at = _open(demo_db, "pages/portrait.py", monkeypatch)

    def charts() -> int:
        return len(at.get("vega_lite_chart")) + len(at.get("arrow_vega_lite_chart"))

    assert charts() == sum(drawn[:4])
    assert at.expander[-1].label == f"{len(figures) - 4} autres graphiques"
    at.session_state[f"plus_{figures[4].key}"] = True  # the reader opens the section
    at.run()
    assert not at.exception
    assert charts() == sum(drawn)


def test_surveys_page_picker_and_breakdown(demo_db: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(demo_db, "pages/enquetes.py", monkeypatch)
    assert _metric(at, "Répondants") == "241"  # catalogue: the four 2025 surveys
    assert at.selectbox(key="enquete").value == "2025-12-plan-strategique"
    at.selectbox(key="enquete").select("2025-04-recherche").run()
    respondents = [m.value for m in at.metric if m.label == "Répondants"]
    assert respondents == ["241", "58"]
    charts = len(at.get("arrow_vega_lite_chart"))
    at.selectbox(key="ventiler").select("profession").run()
    assert not at.exception and len(at.get("arrow_vega_lite_chart")) == charts
    assert any("ventilées par profession" in c.value for c in at.caption)
    at.selectbox(key="f_territoire").select("Est").run()
    assert [m.value for m in at.metric if m.label == "Répondants"][1] == "25"
    free = [d.value for d in at.dataframe if list(d.value.columns)[:2] == ["Réponse", "Réponses"]]
    assert free and len(free[0]) > 0


def test_directory_page_search_and_contacts(demo_db: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(demo_db, "pages/annuaire.py", monkeypatch)
    assert _metric(at, "Équipes trouvées") == "172"
    at.multiselect(key="annuaire_protocoles").select("Diabète de type 2").run()
    narrowed = int(_metric(at, "Équipes trouvées"))
    assert 0 < narrowed < 172
    at.text_input(key="annuaire_nom").input("cpts").run()
    found = at.dataframe[0].value
    assert len(found) < narrowed and found["Équipe"].str.contains("CPTS").all()
    at.text_input(key="annuaire_nom").input("zzz").run()
    assert at.info and "Aucune équipe" in at.info[0].value


@pytest.mark.parametrize(("role", "contacts"), [("equipe", True), ("admin", True),
                                               (None, False)])
def test_directory_contacts_follow_the_role(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                            role: str | None, contacts: bool, sign_in) -> None:
    """Staff accounts see e-mails; the local demo mode (nobody signed in) does not.

    Readers (``lecture``) do not reach the directory at all: see test_security.py."""
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    if role is not None:
        sign_in(role, name="lea")
    at.run()
    at.switch_page("pages/annuaire.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert ("Courriel" in frame.columns) is contacts
    assert bool(frame.astype(str).apply(lambda c: c.str.contains("@")).any().any()) is contacts


def test_capitalisation_page_search_and_plain_text(demo_db: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(demo_db, "pages/capitalisation.py", monkeypatch)
    assert _metric(at, "Fiches trouvées") == "6"
    assert len(at.expander) == 6
    at.text_input(key="fiches_texte").input("Activité").run()
    assert _metric(at, "Fiches trouvées") == "1" and len(at.expander) == 1
    at.selectbox(key="f_territoire").select("Est").run()
    assert at.info and "Aucune fiche" in at.info[0].value


# -- empty states ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sparse_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with no team: one survey answered by one person, one fiche with markup in it."""
    from observatory.imports import import_file

    folder = tmp_path_factory.mktemp("sparse")
    db = folder / "sparse.duckdb"
    store.init(db, "femasaura")
    survey = folder / "enquete.csv"
    survey.write_text(
        "Horodateur,Votre profession,Votre département,Votre équipe,Type de structure,"
        "Êtes-vous satisfait ?,Commentaires\n"
        "03/06/2025 10:00:00,Infirmier·e,Isère,MSP Essai,MSP,Oui,**gras** <b>balise</b>\n",
        encoding="utf-8")
    import_file("survey", survey, db=db, survey_meta={
        "id": "2025-06-essai", "title": "Enquête d'essai", "theme": "Essai", "date": "2025-06",
        "objective": "Tester", "published": False})
    fiches = folder / "fiches.csv"
    fiches.write_text(
        "Titre,Équipe,Département,Thème,Année,Résumé,Description\n"
        "Fiche *test*,MSP Essai,38,Prévention,2025,Résumé <i>brut</i>,"
        "\"<script>alert(1)</script> **pas gras** [lien](http://exemple.invalid)\"\n",
        encoding="utf-8")
    import_file("fiches", fiches, db=db)
    return db


def test_views_on_a_nearly_empty_store(sparse_db: Path) -> None:
    assert facilitations.build(Y2025, AURA, sparse_db).empty_message
    assert portrait.build(Y2025, AURA, sparse_db).empty_message
    assert directory.build(Y2025, AURA, sparse_db).empty_message
    single = surveys.build(Y2025, AURA, sparse_db, survey_id="2025-06-essai")
    # withheld without stating the count it withholds
    assert "Moins de 5 réponses complètes" in single.empty_message and not single.figures
    assert "1 réponse" not in single.empty_message
    cat = table(surveys.catalogue(Y2025, AURA, sparse_db), "catalogue")
    assert cat["Réponses complètes"].tolist() == [1] and cat["Date"].tolist() == ["juin 2025"]
    assert capitalisation.build(Scope(departement="01"), AURA, sparse_db).empty_message
    assert metric(capitalisation.build(Scope(), AURA, sparse_db), "Fiches trouvées") == "1"


@pytest.fixture(scope="module")
def bare_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store just initialised: no data at all, hence no year either."""
    return store.init(tmp_path_factory.mktemp("bare") / "bare.duckdb", "femasaura")


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize(("db_name", "params"), [
    ("sparse_db", {}), ("sparse_db", {"dep": "01"}), ("bare_db", {})],
    ids=["one-survey-one-fiche", "departement-without-data", "empty-store"])
def test_pages_show_empty_states(request: pytest.FixtureRequest,
                                 monkeypatch: pytest.MonkeyPatch, page: str, db_name: str,
                                 params: dict) -> None:
    at = _open(request.getfixturevalue(db_name), page, monkeypatch, **params)
    has_content = page == "pages/capitalisation.py" and db_name == "sparse_db" and not params
    assert bool(at.info) is not has_content, [i.value for i in at.info]
    assert all(i.value.startswith("Aucun") or "réponses complètes" in i.value for i in at.info)
    if page == "pages/enquetes.py" and db_name == "sparse_db" and not params:
        assert any("Moins de 5 réponses complètes" in i.value for i in at.info)


def test_user_text_is_never_rendered_as_markup(sparse_db: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(sparse_db, "pages/capitalisation.py", monkeypatch)
    texts = [t.value for t in at.text]
    assert "Fiche *test*" in texts
    assert any("<script>alert(1)</script> **pas gras**" in t for t in texts)
    markdown = " ".join(m.value for m in at.markdown)
    assert "script" not in markdown and "pas gras" not in markdown and "test*" not in markdown


def test_portrait_answer_counts_under_5_are_masked_for_readers(demo_db: Path) -> None:
    """Every bar of the form's answers is a count of teams: a reader never sees 1 to 4 of them
    (they were shown on the page while the national package masked them)."""
    from observatory.views import access

    view = portrait.build(Scope(year=2025, departement="38"), get_federation("femasaura"),
                          demo_db, {})
    raw = {f.key: f for f in view.figures}
    small = [k for k, f in raw.items() if f.sensitive and f.data is not None
             and "Équipes" in f.data and f.data["Équipes"].between(1, 4).any()]
    assert {"si_partage", "professions", "missions"} <= set(small)  # the demo has such bars
    for fig in access.protect(view).figures:
        if fig.key in small and not fig.withheld:
            shown = [v for v in fig.data["Équipes"] if isinstance(v, int | float)]
            assert not any(1 <= v <= 4 for v in shown), fig.key
            assert fig.masked_cells, fig.key
