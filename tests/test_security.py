"""Who sees what, and a store that survives faults: accounts, roles, kills, concurrency, backups."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from accounts import PASSWORD as ACCOUNT_PASSWORD
from accounts import add_account
from streamlit.testing.v1 import AppTest

from observatory import auth, settings, store
from observatory.ui import auth as ui_auth

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"


def _write_toml(secrets: dict) -> None:
    """``secrets`` as the test's secrets file (TOML written by hand: tables of strings)."""
    lines: list[str] = []

    def table(name: str, values: dict) -> None:
        lines.append(f"[{name}]")
        for key, value in values.items():
            if not isinstance(value, dict):
                lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
        for key, value in values.items():
            if isinstance(value, dict):
                table(f"{name}.{json.dumps(key)}", value)

    for name, values in secrets.items():
        table(name, values)
    auth.secrets_file().parent.mkdir(parents=True, exist_ok=True)
    auth.secrets_file().write_text("\n".join(lines) + "\n", encoding="utf-8")


def _open_to_the_public(path: Path) -> None:
    """``[observatoire] public = true`` in the secrets file, as the README says."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    text = text.replace("[observatoire]\n", "[observatoire]\npublic = true\n", 1) \
        if "[observatoire]\n" in text else text + "\n[observatoire]\npublic = true\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True,
                          text=True, input=stdin, timeout=300)


def _account(secrets: dict, name: str, password: str) -> str | None:
    found = auth.check_password(secrets, name, password)
    return None if found is None else found.role


def test_user_add_stores_an_argon2_hash_not_the_password(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[other]\nkeep = "me"\n', encoding="utf-8")
    out = _cli("user", "add", "--db", str(tmp_path / "s.duckdb"),
               "marie", "--role", "equipe", "--secrets", str(secrets),
               "--password-stdin", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    text = secrets.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text
    assert secrets.stat().st_mode & 0o077 == 0  # readable by the server's account only
    parsed = tomllib.loads(text)
    assert parsed["other"] == {"keep": "me"}
    assert len(parsed["observatoire"]["cookie_secret"]) >= 32  # written with the first account
    assert _account(parsed, "marie", PASSWORD) == "equipe"
    assert _account(parsed, "marie", "wrong password") is None
    assert _account(parsed, "nobody", PASSWORD) is None
    auth.add_user("marie", "lecture", "another long password", secrets)  # replaces, keeps others
    again = tomllib.loads(secrets.read_text(encoding="utf-8"))
    assert _account(again, "marie", "another long password") == "lecture"
    assert list(again["observatoire"]["users"]) == ["marie"]
    assert again["observatoire"]["cookie_secret"] == parsed["observatoire"]["cookie_secret"]
    assert _cli("user", "add", "--db", str(tmp_path / "s.duckdb"),
               "x", "--role", "chef", "--secrets", str(secrets),
                "--password-stdin", stdin=PASSWORD).returncode == 2


def test_the_default_secrets_file_is_never_committed() -> None:
    root = Path(APP).parent
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=root)
    assert ignored.returncode == 0
    assert auth.secrets_file() != root / ".streamlit" / "secrets.toml"  # tests: a file of theirs
    assert settings.setting("secrets").default == root / ".streamlit" / "secrets.toml"


def test_sign_ins_are_logged_without_the_account_name_nor_the_client(
        caplog: pytest.LogCaptureFixture) -> None:
    add_account("alice", "equipe")
    secrets = auth.load_secrets()
    with caplog.at_level(logging.INFO, logger="observatory"):
        assert auth.attempt(secrets, "alice", ACCOUNT_PASSWORD, "192.0.2.7", auth.Throttle()).account
        assert auth.attempt(secrets, "alice", "not the password", "192.0.2.7",
                            auth.Throttle()).account is None
    lines = [r.getMessage() for r in caplog.records if r.name == "observatory.auth"]
    who = f"compte {auth.pseudonym(secrets, 'alice')}, client {auth.pseudonym(secrets, '192.0.2.7')}"
    assert lines == [f"connexion réussie (rôle equipe, {who})",
                     f"connexion refusée : identifiant ou mot de passe incorrect ({who}, "
                     "échecs : 1 pour ce compte, 1 pour ce client)"]
    for secret in ("alice", "192.0.2.7", ACCOUNT_PASSWORD, "not the password", "$argon2"):
        assert secret not in caplog.text


def test_failed_sign_ins_slow_down_per_account_and_per_client() -> None:
    add_account("alice", "equipe")
    secrets = auth.load_secrets()
    # one account tried from many clients: the account waits, whichever client comes next
    spread = auth.Throttle()
    tries = [auth.attempt(secrets, "alice", "not the password", f"192.0.2.{i}", spread)
             for i in range(auth.FREE_FAILURES)]
    assert [t.wait > 0 for t in tries] == [False] * (auth.FREE_FAILURES - 1) + [True]
    held = auth.attempt(secrets, "alice", ACCOUNT_PASSWORD, "198.51.100.1", spread)
    assert held.account is None and not held.checked and 0 < held.wait <= 1
    # one client trying many names, existing or not: the client waits, for every name
    sprayer = auth.Throttle()
    outcomes = [auth.attempt(secrets, name, "not the password", "203.0.113.9", sprayer)
                for name in ("bob", "alice", "nobody")]
    assert [(o.account, o.checked) for o in outcomes] == [(None, True)] * 3  # nothing told
    held = auth.attempt(secrets, "alice", ACCOUNT_PASSWORD, "203.0.113.9", sprayer)
    assert held.account is None and not held.checked
    assert auth.attempt(secrets, "alice", ACCOUNT_PASSWORD, "192.0.2.99", sprayer).account
    # the wait doubles with each failure past the free ones, up to its ceiling, and is forgotten
    clock = auth.Throttle()
    waits = []
    for n in range(auth.FREE_FAILURES + 12):
        clock.failed("k", now=1000.0 + n)
        waits.append(clock.wait("k", now=1000.0 + n))
    assert waits[:auth.FREE_FAILURES + 3] == [0, 0, 1, 2, 4, 8]
    assert max(waits) == auth.MAX_WAIT
    assert clock.wait("k", now=1000.0 + auth.FREE_FAILURES + 12 + auth.FORGET_AFTER) == 0


def test_without_a_session_the_app_shows_only_the_way_to_sign_in(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    add_account("alice", "lecture")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dep"] = "38"
    at.run()
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.sidebar.children
    assert [b.label for b in at.button] == ["Se connecter"]


@pytest.mark.parametrize("text", ["[observatoire\nbroken", "[observatoire]\npublic = \"peut-être\"\n"])
def test_a_broken_secrets_file_opens_nothing(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                            secrets_file: Path, text: str) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.write_text(text, encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and not at.metric and not at.sidebar.children
    assert at.error and "Configuration du serveur à corriger" in at.error[0].value


def test_lecture_cannot_reach_admin_pages(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                          sign_in) -> None:
    at = _as("lecture", demo_db, monkeypatch, sign_in)
    assert at.metric  # the key figures
    with pytest.raises(ValueError):
        at.switch_page("pages/import.py")  # not registered for this role
    at.query_params["dep"] = "38"
    at.run()
    assert not at.file_uploader


def test_admin_reaches_import_page(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                   sign_in) -> None:
    at = _as("admin", demo_db, monkeypatch, sign_in)
    at.switch_page("pages/import.py").run()
    assert not at.exception and at.file_uploader


def test_demo_mode_is_labelled(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert any("Mode démonstration" in w.value for w in at.sidebar.warning)


def test_backup_restore_round_trip_every_table(demo_copy: Path, tmp_path: Path) -> None:
    assert _cli("backup", "--db", str(demo_copy), str(tmp_path / "bk")).returncode == 0
    restored = tmp_path / "restored.duckdb"
    assert _cli("restore", "--db", str(restored), str(tmp_path / "bk")).returncode == 0
    tables = store.query("SELECT table_name FROM information_schema.tables "
                         "WHERE table_schema = 'main' ORDER BY 1", db=demo_copy)["table_name"]
    assert len(tables) >= 16
    for table in tables:
        a = store.query(f"SELECT * FROM {table}", db=demo_copy)
        b = store.query(f"SELECT * FROM {table}", db=restored)
        if table == "audit_log":  # the restore itself is logged, after what the backup held
            assert list(b["action"])[-1] == "restore" and b["actor"].iloc[-1].startswith(
                "ligne de commande")
            b = b.iloc[:-1]
        if table == "meta":  # and that entry was one more write
            a, b = (f[~f["key"].isin(["data_version", "import_data_version"])] for f in (a, b))
        key = list(a.columns)
        a = a.sort_values(key[:3]).reset_index(drop=True)
        b = b.sort_values(key[:3]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=table)
    refused = _cli("backup", "--db", str(demo_copy), str(tmp_path / "bk"))
    assert refused.returncode == 1 and "pas vide" in refused.stderr


def _big_log(path: Path, rows: int) -> None:
    lines = ["Date;Département;Équipe(s);Type de structure;Profil de l'équipe;Type de facilitation"]
    lines += [f"{1 + i % 28:02d}/03/2023;38;MSP Test {i % 400};MSP;En projet;Sensibilisation"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _writing_import(db: Path, folder: Path) -> subprocess.Popen:
    """A long ``observatory import`` in a subprocess, returned once it writes its private copy."""
    big = folder / "journal.csv"
    _big_log(big, 60_000)
    proc = subprocess.Popen([sys.executable, "-m", "observatory", "import", "facilitations",
                             str(big), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list(folder.glob(".tmp-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc


def test_killing_an_import_leaves_the_store_exactly_as_before(demo_copy: Path,
                                                               tmp_path: Path) -> None:
    before = demo_copy.read_bytes()
    proc = _writing_import(demo_copy, tmp_path)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.kill()  # SIGKILL: no cleanup code runs
    proc.wait()
    assert demo_copy.read_bytes() == before
    assert store.query("SELECT count(*) AS n FROM facilitations WHERE year = 2023",
                       db=demo_copy)["n"][0] == 0


def test_two_imports_at_once_do_not_corrupt(demo_copy: Path, tmp_path: Path) -> None:
    files = []
    for i, dep in enumerate(("15", "43")):
        f = tmp_path / f"adh{i}.csv"
        f.write_text("Nom de la structure,Type de structure,Stade,Département,Année\n"
                     f"MSP Concurrente {i},MSP,En projet,{dep},2026\n", encoding="utf-8")
        files.append(f)
    procs = [subprocess.Popen([sys.executable, "-m", "observatory", "import", "adhesions",
                               str(f), "--db", str(demo_copy)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in files]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    for _, err, code in results:  # each either landed or was refused with a clear message
        assert code == 0 or "Un autre import" in err
    landed = sum(code == 0 for _, _, code in results)
    n = store.query("SELECT count(*) AS n FROM memberships WHERE year = 2026", db=demo_copy)["n"][0]
    assert n == landed >= 1
    assert store.query("SELECT count(*) AS n FROM import_batches WHERE file_name LIKE 'adh_.csv'",
                       db=demo_copy)["n"][0] == landed


# -- roles --------------------------------------------------------------------------------------
def _as(role: str | None, db: Path, monkeypatch: pytest.MonkeyPatch, sign_in=None,
        team: int | None = None, **params: str) -> AppTest:
    """The app for a signed-in ``role`` (None: the local demo mode), with URL parameters."""
    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    if role is not None:
        sign_in(role, team=team)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def _page_text(at: AppTest) -> str:
    from observatory.ui.text import shown

    # protobuf's text form writes non-ASCII bytes as octal escapes: undone to search accents
    parts = [shown(str(e.proto).encode().decode("unicode_escape", "replace")
                   .encode("latin-1", "replace").decode("utf-8", "replace"))
             for e in at.main if getattr(e, "proto", None) is not None]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [shown(m.value) for m in at.markdown] + [shown(c.value) for c in at.caption]
    parts += [f.to_csv() for f in _chart_frames(at)]
    return "\n".join(parts)


def _chart_frames(at: AppTest) -> list[pd.DataFrame]:
    """The data every chart on the page was sent with (what a browser could read)."""
    import pyarrow as pa

    frames = []
    for chart in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        tables = [d.data.data for d in chart.proto.datasets]
        if chart.proto.HasField("data"):
            tables.append(chart.proto.data.data)
        frames += [pa.ipc.open_stream(t).read_all().to_pandas() for t in tables if t]
    return frames


# The pages each role reaches, written out here rather than read from the registry: a page moved
# to a lower role by mistake fails this test.
PUBLIC_PAGES = {"pages/accueil.py", "pages/carte.py", "pages/enquetes.py",
                "pages/capitalisation.py"}
REACHABLE = {
    "public": PUBLIC_PAGES,
    "adherent": PUBLIC_PAGES | {"pages/mon-equipe.py"},
    "lecture": PUBLIC_PAGES | {"pages/facilitations.py", "pages/projets.py",
                                  "pages/portrait.py"},
}
REACHABLE["equipe"] = REACHABLE["lecture"] | {"pages/annuaire.py", "pages/mon-equipe.py",
                                              "pages/publication.py"}
REACHABLE["admin"] = REACHABLE["equipe"] | {"pages/import.py", "pages/administration.py"}


@pytest.mark.parametrize("role", ["public", "adherent", "lecture", "equipe", "admin"])
def test_each_role_reaches_its_pages_only(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                          role: str, sign_in, secrets_file: Path) -> None:
    from observatory.pages import PAGES

    if role == "public":
        add_account("someone", "admin")
        _open_to_the_public(secrets_file)
    at = _as(None if role == "public" else role, demo_db, monkeypatch, sign_in,
             team=48 if role == "adherent" else None)
    reached = set()
    for path in (p.file for p in PAGES):
        try:
            at.switch_page(path)
        except ValueError:  # not in this role's navigation: no URL leads there
            continue
        at.run()
        assert not at.exception and not at.error, path
        reached.add(path)
    assert reached == REACHABLE[role]


def _run_page_directly(page: str, role: str, context_role: str) -> AppTest:
    """The page script run on its own, as a stale URL could, with a session of ``role``."""
    from observatory.config import get_federation
    from observatory.filters import Scope
    from observatory.ui.shell import Context

    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=60)
    at.session_state["_context"] = Context(get_federation("femasaura"), Scope(year=2025), {},
                                           [2025], context_role)
    at.session_state["role"] = role
    at.run()
    return at


@pytest.mark.parametrize("page", ["pages/annuaire.py", "pages/import.py",
                                  "pages/administration.py", "pages/publication.py",
                                  "pages/mon-equipe.py"])
def test_pages_check_the_role_themselves(demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                         page: str) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    for role, context_role in (("lecture", "lecture"), ("lecture", "admin")):
        at = _run_page_directly(page, role, context_role)
        assert not at.exception
        assert at.error and "réservée" in at.error[0].value, (page, role, context_role)
        assert not at.dataframe and not at.file_uploader and not at.metric
    allowed = _run_page_directly(page, "admin", "admin")
    assert not allowed.exception and not allowed.error  # the control: the page does render


TEAM_PARAMS = [{}, {"dep": "38"}, {"dep": "15", "type": "CPTS"}, {"dep": "26", "type": "ESP"},
               {"annee": "2024", "dep": "43"}]


@pytest.mark.parametrize("params", TEAM_PARAMS, ids=lambda p: "&".join(map("=".join, p.items()))
                         or "region")
def test_a_reader_reaches_no_team_level_data_whatever_the_url(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, params: dict, sign_in) -> None:
    """No team's name, no team list, no verbatim answer, no figure of fewer than 5 teams."""
    names = set(store.query("SELECT name FROM teams", db=demo_db)["name"])
    for role in ("lecture", "equipe"):
        at = _as(role, demo_db, monkeypatch, sign_in, **params)
        seen = ""
        for page in REACHABLE["lecture"]:
            at.switch_page(page).run()
            assert not at.exception, page
            text = _page_text(at)
            seen += text
            if role == "lecture":
                leaked = sorted(n for n in names if n in text)
                assert not leaked, (page, leaked[:5])
                for frame in _chart_frames(at):  # respondents: never fewer than 5 on a chart
                    if "Répondants" in frame:
                        small = pd.to_numeric(frame["Répondants"], errors="coerce") < 5
                        assert not small.any(), (page, frame[small].head())
        if role == "equipe" and not params:  # the control: staff do see teams on these pages
            assert any(n in seen for n in names)


def test_a_reader_gets_no_figure_of_one_or_two_teams(demo_db: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     sign_in) -> None:
    """Cantal has 1 CPTS: its "aggregates" would be that team's answers and ACI amount."""
    shown = {}
    for role in ("equipe", "lecture"):
        at = _as(role, demo_db, monkeypatch, sign_in, dep="15", type="CPTS")
        at.switch_page("pages/portrait.py").run()
        assert not at.exception
        shown[role] = ({m.label: m.value for m in at.metric}, len(_chart_frames(at)),
                       [i.value for i in at.info])
    staff_metrics, staff_charts, _ = shown["equipe"]
    reader_metrics, reader_charts, reader_info = shown["lecture"]
    assert staff_metrics["Équipes adhérentes"] == reader_metrics["Équipes adhérentes"] == "1"
    assert staff_metrics["Montant ACI déclaré"] != "< 5"  # the control: staff see the amount
    assert reader_metrics["Montant ACI déclaré"] == "masqué"  # an amount of one team
    assert reader_metrics["Professionnels de santé"] == "masqué"  # one team's staff
    assert reader_charts < staff_charts
    assert any("effectif trop faible pour être affiché (moins de 5 équipes)" in i
               for i in reader_info)


def test_a_reader_gets_small_survey_counts_masked_on_screen(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, sign_in) -> None:
    counts = {}
    for role in ("equipe", "lecture"):
        at = _as(role, demo_db, monkeypatch, sign_in)
        at.switch_page("pages/enquetes.py").run()
        at.selectbox(key="enquete").select("2025-09-acces-cpts").run()
        at.selectbox(key="ventiler").select("departement").run()
        assert not at.exception
        respondents = pd.concat([f["Répondants"] for f in _chart_frames(at)
                                 if "Répondants" in f], ignore_index=True)
        counts[role] = pd.to_numeric(respondents, errors="coerce")
        metrics = {m.label: m.value for m in at.metric}
        counts[role + "_incomplete"] = metrics["Réponses incomplètes"]
        counts[role + "_free"] = [d.value for d in at.dataframe
                                  if list(d.value.columns)[:2] == ["Réponse", "Réponses"]]
    assert (counts["equipe"] < 5).any()  # the control: the small counts exist
    assert not (counts["lecture"] < 5).any()
    assert counts["lecture"].isna().any() or len(counts["lecture"]) < len(counts["equipe"])
    if counts["equipe_incomplete"] not in ("0",) and int(counts["equipe_incomplete"]) < 5:
        assert counts["lecture_incomplete"] == "< 5"
    assert counts["equipe_free"] and not counts["lecture_free"]  # verbatim answers: staff only


def test_role_names_as_people_write_them(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    added = _cli("user", "add", "--db", str(tmp_path / "s.duckdb"),
               "jeanne", "--role", "Équipe", "--secrets", str(secrets),
                 "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert tomllib.loads(secrets.read_text())["observatoire"]["users"]["jeanne"]["role"] == "equipe"
    _cli("user", "add", "--db", str(tmp_path / "s.duckdb"),
               "paul", "--role", "lecture", "--secrets", str(secrets),
         "--password-stdin", stdin=PASSWORD + "\n")
    listed = _cli("user", "list", "--secrets", str(secrets))
    assert listed.returncode == 0
    parsed = tomllib.loads(secrets.read_text())
    assert listed.stdout.splitlines() == [
        f"{'jeanne':<24} {'Équipe (salariés)':<22} journal {auth.pseudonym(parsed, 'jeanne')}",
        f"{'paul':<24} {'Lecture (agrégats)':<22} journal {auth.pseudonym(parsed, 'paul')}"]
    assert "argon2" not in listed.stdout
    assert _cli("user", "remove", "--db", str(tmp_path / "s.duckdb"),
                "jeanne", "--secrets", str(secrets)).returncode == 0
    assert list(tomllib.loads(secrets.read_text())["observatoire"]["users"]) == ["paul"]
    assert _cli("user", "remove", "--db", str(tmp_path / "s.duckdb"),
                "jeanne", "--secrets", str(secrets)).returncode == 1


def test_admin_page_lists_accounts_without_their_hashes(demo_db: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        sign_in) -> None:
    at = _as("admin", demo_db, monkeypatch, sign_in)
    at.switch_page("pages/administration.py").run()
    assert not at.exception
    accounts = next(d.value for d in at.dataframe if "Identifiant" in d.value.columns)
    assert accounts.to_dict("records") == [{"Identifiant": "alice", "Rôle": "Administration",
                                            "Équipe (n°)": "–"}]
    settings = next(d.value for d in at.dataframe if "Réglage" in d.value.columns)
    assert "Seuil des petits effectifs (masqués en lecture et dans les exports)" in set(
        settings["Réglage"])
    assert "$argon2" not in _page_text(at)


@pytest.mark.parametrize("change", ["removed", "demoted", "new password", "signed out"])
def test_a_changed_account_loses_its_session_at_the_next_rerun(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, sign_in, change: str) -> None:
    at = _as("admin", demo_db, monkeypatch, sign_in)
    token = ui_auth.request_cookies()[auth.COOKIE]
    assert at.metric and auth.session(auth.load_secrets(), token) is not None
    add_account("bob", "admin")  # someone else stays: the server still requires signing in
    if change == "removed":
        assert auth.remove_user("alice")
    elif change == "demoted":
        auth.add_user("alice", "lecture", ACCOUNT_PASSWORD)
    elif change == "new password":
        auth.add_user("alice", "admin", "a brand new password")
    else:
        assert auth.close(auth.load_secrets(), token)  # « Se déconnecter »
    at.run()
    assert not at.exception and not at.metric and not at.sidebar.children
    assert [b.label for b in at.button] == ["Se connecter"]
    assert auth.session(auth.load_secrets(), token) is None


def test_openid_connect_sign_in_by_configuration(demo_db: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    secrets = {
        "auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                 "cookie_secret": "x" * 32, "client_id": "observatoire",
                 "client_secret": "secret", "server_metadata_url":
                 "https://idp.example.org/.well-known/openid-configuration"},
        "observatoire": {"use_st_login": True,
                         "oidc_roles": {"marie@fede.example": "Équipe", "*": "lecture"}},
    }
    _write_toml(secrets)
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Se connecter"]  # st.login's button, nothing else
    assert not at.metric and not at.text_input
    for email, role in (("marie@fede.example", "equipe"), ("autre@partenaire.example",
                                                           "lecture")):
        at = AppTest.from_file(APP, default_timeout=60)
        at.user = {"is_logged_in": True, "email": email}
        at.run()
        assert not at.exception and at.metric
        assert at.session_state["role"] == role
        if role == "lecture":
            with pytest.raises(ValueError):
                at.switch_page("pages/annuaire.py")
        else:
            at.switch_page("pages/annuaire.py").run()
            assert not at.exception and not at.error


# -- faults ---------------------------------------------------------------------------------------
def test_readers_keep_working_during_an_import(demo_copy: Path, tmp_path: Path) -> None:
    before = store.query("SELECT count(*) AS n FROM facilitations", db=demo_copy)["n"][0]
    proc = _writing_import(demo_copy, tmp_path)
    reads = 0
    while proc.poll() is None and list(tmp_path.glob(".tmp-*")):
        started = time.monotonic()
        n = store.query("SELECT count(*) AS n FROM facilitations", db=demo_copy)["n"][0]
        assert time.monotonic() - started < 5  # at once: the import locks nobody out
        if n != before:  # the import committed between the loop's check and this read
            assert not list(tmp_path.glob(".tmp-*")), "a reader saw an import still under way"
            break
        reads += 1  # the store as it was
    assert proc.wait(timeout=240) == 0
    assert reads >= 3, "the import ended before readers could be checked"
    after = store.query("SELECT count(*) AS n FROM facilitations", db=demo_copy)["n"][0]
    assert after != before  # and the next read sees the import, whole


# -- erasure on request --------------------------------------------------------------------------
def test_team_delete_erases_the_team_everywhere(demo_copy: Path, tmp_path: Path) -> None:
    from observatory import imports

    marker = "MSP Zzqxeffacee"
    adh = tmp_path / "adhesion.csv"
    adh.write_text("Horodateur,Nom de la structure,Type de structure,Stade,Département,Année,"
                   "Email\n01/02/2025 10:00:00,"
                   f"{marker},MSP,Sous ACI,15,2025,zzqx-efface@example.org\n", encoding="utf-8")
    imports.import_file("adhesions", adh, db=demo_copy)
    log = tmp_path / "journal.csv"
    log.write_text("Date;Département;Équipe(s);Type de facilitation\n"
                   f"12/06/2026;15;\"{marker}; MSP Autre Zzqx\";Sensibilisation\n",
                   encoding="utf-8")
    imports.import_file("facilitations", log, db=demo_copy)
    fiches = tmp_path / "fiches.csv"
    fiches.write_text(f"Titre,Équipe,Département\nAtelier zzqx,{marker},15\n", encoding="utf-8")
    imports.import_file("fiches", fiches, db=demo_copy)
    facilitations = store.query("SELECT count(*) AS n FROM facilitations", db=demo_copy)["n"][0]
    assert marker.encode() in demo_copy.read_bytes()  # the control: findable in the raw file

    found = _cli("team", "find", "zzqxeffacee", "--db", str(demo_copy))
    assert found.returncode == 0 and marker in found.stdout
    unconfirmed = _cli("team", "delete", "zzqxeffacee", "--db", str(demo_copy))
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    done = _cli("team", "delete", "zzqxeffacee", "--yes", "--db", str(demo_copy))
    assert done.returncode == 0, done.stderr
    assert "formulaires d'adhésion : 1" in done.stdout
    assert "fiches de capitalisation : 1" in done.stdout

    raw = demo_copy.read_bytes()
    assert marker.encode() not in raw and b"zzqx-efface" not in raw
    assert not list(demo_copy.parent.glob(demo_copy.name + ".undo-*"))
    for table in ("teams", "fiches"):
        assert not len(store.query(f"SELECT * FROM {table} WHERE contains(lower({table}::VARCHAR), "
                                   "'zzqxeffacee')", db=demo_copy))
    # the facilitation stays, counted, without this team; the other team it cited stays too
    assert store.query("SELECT count(*) AS n FROM facilitations", db=demo_copy)["n"][0] == \
        facilitations
    assert store.query("SELECT count(*) AS n FROM teams WHERE name = 'MSP Autre Zzqx'",
                       db=demo_copy)["n"][0] == 1
    # the same file imported again is a duplicate: the team does not come back
    again = imports.import_file("adhesions", adh, db=demo_copy)
    assert again.duplicate
    assert _cli("team", "find", "zzqxeffacee", "--db", str(demo_copy)).returncode == 1


# -- text fields: shown as text, never rendered ---------------------------------------------------
MARKUP = ("**gras** <b>balise</b> [lien](http://exemple.invalid) "
          "![image](http://exemple.invalid/p.png) :red[rouge] $x^2$")
RENDERED = ("**gras**", "<b>", "[lien](", "![image](", ":red[", "$x^2$")
FORMULA = '=HYPERLINK("http://exemple.invalid";"clic")'


def _markdown_bodies(at: AppTest) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer."""
    bodies = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info",
                                   "error", "success", "warning") for e in getattr(at, kind)]
    bodies += [b.label for b in at.button] + [x.label for x in at.expander]
    bodies += [m.label for m in at.metric] + [m.proto.help for m in at.metric]
    return bodies


def test_markup_and_formulas_in_text_fields_are_shown_as_text(
        demo_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sign_in) -> None:
    from observatory import imports
    from observatory.exports import tables
    from observatory.ui.text import shown

    survey = tmp_path / "enquete.csv"
    rows = ["Horodateur,Votre département,Question **importante** <i>?</i>,Commentaires"]
    rows += [f'0{d}/12/2025 10:00:00,Isère,{"Oui" if d % 2 else "Non"},"{MARKUP}"'
             for d in range(1, 6)]
    rows += [f'06/12/2025 10:00:00,Isère,Oui,"{FORMULA.replace(chr(34), chr(34) * 2)}"']
    survey.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imports.import_file("survey", survey, db=demo_copy, survey_meta={
        "id": "2025-12-zz-balises", "title": f"Enquête {MARKUP}", "date": "2025-12",
        "objective": MARKUP})
    at = _as("admin", demo_copy, monkeypatch, sign_in)
    at.switch_page("pages/enquetes.py").run()
    assert at.selectbox(key="enquete").value == "2025-12-zz-balises"
    assert not at.exception
    bodies = _markdown_bodies(at)
    for body in bodies:
        for token in RENDERED:
            assert token not in body, (token, body)
    seen = [shown(b) for b in bodies]
    assert any(f"Enquête {MARKUP}" in s for s in seen)  # the title, as typed
    assert any(f"Objectif\u202f: {MARKUP}" in s for s in seen)  # French typography
    # a question's text is its card's caption, as typed (its chart's title in the exports,
    # which Vega draws as text, never as markup)
    assert any("Question **importante** <i>?</i>" in s for s in seen)
    free = next(d.value for d in at.dataframe
                if list(d.value.columns)[:2] == ["Réponse", "Réponses"])
    assert set(free["Réponse"]) == {MARKUP, FORMULA}  # a table cell is text as it is
    from observatory.config import get_federation
    from observatory.filters import Scope
    from observatory.views import surveys

    view = surveys.build(Scope(year=2025), get_federation("femasaura"), demo_copy,
                         survey_id="2025-12-zz-balises")
    csv = tables.table_csv(next(t for t in view.tables if t.detail)).decode("utf-8-sig")
    assert f"'{FORMULA}" in csv.replace('""', '"')  # a spreadsheet shows it, never runs it

    # the import page quotes file contents in its notes: as text too
    log = tmp_path / "journal.csv"
    # a month the demo has no facilitation in: importing it removes nothing, no confirmation
    log.write_text("Date;Département;Équipe(s);Type de facilitation\n"
                   f"12/06/2026;38;MSP {MARKUP};Sensibilisation\n", encoding="utf-8")
    at.switch_page("pages/import.py").run()
    at.selectbox(key="import_kind").select("facilitations").run()
    at.file_uploader(key="import_file").upload("journal **gras**.csv", log.read_bytes(),
                                               "text/csv").run()
    at.button(key="import_confirm").click().run()
    assert not at.exception and at.success
    assert any(f"MSP {MARKUP}" in t.value for t in at.text)  # the report names the new team
    bodies = _markdown_bodies(at)
    assert any("journal **gras**.csv" in shown(b) for b in bodies)  # the undo button
    # a refused file: the message quotes the file's own column titles
    at.file_uploader(key="import_file").upload("x.csv", f"{MARKUP};b\n1;2\n".encode(),
                                               "text/csv").run()
    assert not at.exception
    assert any(f"« {MARKUP} »" in shown(e.value) for e in at.error)
    for body in [*bodies, *_markdown_bodies(at)]:
        for token in RENDERED:
            assert token not in body, (token, body)
