"""Who sees what, and a store that survives faults: accounts, roles, kills, concurrency, backups."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from observatory import auth, store

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True,
                          text=True, input=stdin, timeout=300)


def test_user_add_stores_an_argon2_hash_not_the_password(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[other]\nkeep = "me"\n', encoding="utf-8")
    out = _cli("user", "add", "marie", "--role", "equipe", "--secrets", str(secrets),
               "--password-stdin", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    text = secrets.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text
    parsed = tomllib.loads(text)
    assert parsed["other"] == {"keep": "me"}
    assert auth.verify(parsed, "marie", PASSWORD) == "equipe"
    assert auth.verify(parsed, "marie", "wrong password") is None
    assert auth.verify(parsed, "nobody", PASSWORD) is None
    auth.add_user("marie", "lecture", "another long password", secrets)  # replaces, keeps others
    parsed = tomllib.loads(secrets.read_text(encoding="utf-8"))
    assert auth.verify(parsed, "marie", "another long password") == "lecture"
    assert list(parsed["observatoire"]["users"]) == ["marie"]
    assert _cli("user", "add", "x", "--role", "chef", "--secrets", str(secrets),
                "--password-stdin", stdin=PASSWORD).returncode == 2


def _secrets(role: str) -> dict:
    return {"observatoire": {"users": {"alice": {"role": role,
                                                 "password_hash": auth.hash_password(PASSWORD)}}}}


def _signed_in(demo_db: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(_secrets(role))
    at.run()
    assert not at.metric  # nothing before signing in
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_sign_in_required_and_wrong_password_refused(demo_db: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(_secrets("lecture"))
    at.run()
    assert not at.metric and not at.exception
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input("not the password")
    at.button[0].click().run()
    assert at.error and "incorrect" in at.error[0].value and not at.metric


def test_lecture_cannot_reach_admin_pages(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _signed_in(demo_db, monkeypatch, "lecture")
    assert at.metric  # the key figures
    with pytest.raises(ValueError):
        at.switch_page("pages/import.py")  # not registered for this role
    at.query_params["dep"] = "38"
    at.run()
    assert not at.file_uploader


def test_admin_reaches_import_page(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _signed_in(demo_db, monkeypatch, "admin")
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
    assert len(tables) >= 14
    for table in tables:
        a = store.query(f"SELECT * FROM {table}", db=demo_copy)
        b = store.query(f"SELECT * FROM {table}", db=restored)
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


def test_killing_an_import_leaves_the_store_exactly_as_before(demo_copy: Path,
                                                               tmp_path: Path) -> None:
    big = tmp_path / "journal.csv"
    _big_log(big, 60_000)
    before = demo_copy.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "observatory", "import", "facilitations",
                             str(big), "--db", str(demo_copy)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list(tmp_path.glob(".tmp-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
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
