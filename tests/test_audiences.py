"""The audiences beyond the board: the public website, the members' portal (Mon équipe), staff
publishing and the audit log — through AppTest, the views, the exports and the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from accounts import PASSWORD, add_account
from streamlit.testing.v1 import AppTest

from observatory import audit, auth, imports, publication, store, teams
from observatory.config import get_federation
from observatory.exports import document, presentation, tables, team_sheet
from observatory.filters import Scope
from observatory.indicators import publication as published
from observatory.ui import publishing
from observatory.ui.text import shown
from observatory.views import access, capitalisation, home, surveys, team

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FED = get_federation("femasaura")
OWN, OTHER = 48, 49  # MSP Saint-Corange (Savoie); MSP Saint-Coroux (Ardèche, one fiche)
OWN_NAME, OTHER_NAME = "MSP Saint-Corange", "MSP Saint-Coroux"
WITHDRAWN = "2025-05-qualite"  # « Démarche qualité »
PUBLIC_PAGES = ["pages/accueil.py", "pages/carte.py", "pages/enquetes.py",
                "pages/capitalisation.py"]


def _open_to_the_public(secrets_file: Path) -> None:
    """An account exists, and ``[observatoire] public = true`` as the README says."""
    add_account("admin", "admin")
    text = secrets_file.read_text(encoding="utf-8")
    secrets_file.write_text(text.replace("[observatoire]\n", "[observatoire]\npublic = true\n", 1),
                            encoding="utf-8")
    assert auth.public_access(auth.load_secrets())


def _app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [shown(str(e.proto).encode().decode("unicode_escape", "replace")
                   .encode("latin-1", "replace").decode("utf-8", "replace"))
             for e in [*at.main, *at.sidebar] if getattr(e, "proto", None) is not None]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def _reachable(at: AppTest, pages: list[str]) -> None:
    from observatory.pages import PAGES

    for page in (p.file for p in PAGES):
        if page in pages:
            at.switch_page(page).run()
            assert not at.exception and not at.error, page
        else:
            with pytest.raises(ValueError):
                at.switch_page(page)


# -- the public ---------------------------------------------------------------------------------
def test_the_public_opens_the_published_pages_without_an_account(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, secrets_file: Path) -> None:
    _open_to_the_public(secrets_file)
    at = _app(demo_db, monkeypatch)
    assert {m.label for m in at.metric} >= {"Équipes adhérentes", "Facilitations"}
    assert "Se connecter" in [b.label for b in at.sidebar.button]
    assert any("Accès public" in c.value for c in at.sidebar.caption)
    _reachable(at, PUBLIC_PAGES)


def test_without_public_access_nobody_gets_in_without_signing_in(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_account("admin", "admin")
    at = _app(demo_db, monkeypatch)
    assert not at.metric and [b.label for b in at.button] == ["Se connecter"]


def test_a_public_visitor_never_sees_an_unpublished_survey(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch, secrets_file: Path) -> None:
    assert publication.set_survey(demo_copy, WITHDRAWN, False)
    _open_to_the_public(secrets_file)
    at = _app(demo_copy, monkeypatch)
    at.switch_page("pages/enquetes.py").run()
    assert not at.exception
    assert WITHDRAWN not in at.selectbox(key="enquete").options
    assert "Démarche qualité" not in _text(at)
    assert not [s for s in at.selectbox if s.key == "ventiler"]  # the public: no breakdown
    # a browser sends the index of an option it was offered, never an id: the views are what
    # a crafted request would reach, refused unless built from the published surveys alone, its title included
    scope = Scope(year=2025)
    asked = surveys.build(scope, FED, demo_copy, survey_id=WITHDRAWN, published_only=True)
    assert asked.empty_message == f"Aucune infographie publiée pour « {WITHDRAWN} »."
    full = surveys.build(scope, FED, demo_copy, survey_id=WITHDRAWN)
    assert full.figures  # the control: staff and readers see it
    for role in ("public", "adherent"):
        refused = access.for_role(full, role)
        assert refused.empty_message == access.NOT_PUBLISHED and not refused.figures
        assert "qualité" not in refused.title
        # and what an export of it would hold
        data = presentation.deck(refused, FED) + document.pdf(refused, FED, compress=False,
                                                               unicode_font=False)
        assert b"Qualit" not in data and "qualité" not in str(data)
    assert access.for_role(full, "lecture").figures
    listed = surveys.catalogue(scope, FED, demo_copy, published_only=True).tables[0].data
    assert "Démarche qualité" not in set(listed["Titre"]) and len(listed) == 3


def test_the_public_gets_small_counts_masked_as_readers_do(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, secrets_file: Path, sign_in) -> None:
    params = {"dep": "15", "type": "CPTS"}  # one CPTS in Cantal
    sign_in("lecture")
    reader = {m.label: m.value for m in _app(demo_db, monkeypatch, **params).metric}
    monkeypatch.undo()  # signed out again, then the public pages open
    monkeypatch.setenv("OBSERVATORY_SECRETS", str(secrets_file))
    _open_to_the_public(secrets_file)
    public = {m.label: m.value for m in _app(demo_db, monkeypatch, **params).metric}
    assert public == reader and public["Montant ACI déclaré"] == "masqué"
    staff = home.build(Scope(year=2025, departement="15", team_type="CPTS"), FED, demo_db)
    assert next(m for m in staff.metrics if m.label == "Montant ACI déclaré").value != "masqué"


def test_the_public_reads_published_fiches_by_their_public_summary(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch, secrets_file: Path) -> None:
    fiche = published.fiches(demo_copy).query("team_name == @OTHER_NAME").iloc[0]
    _open_to_the_public(secrets_file)
    at = _app(demo_copy, monkeypatch)
    at.switch_page("pages/capitalisation.py").run()
    assert any("Aucune fiche publiée" in i.value for i in at.info)  # none published yet
    assert publication.set_fiche(demo_copy, fiche["fiche_id"], True,
                                 "Un atelier d'activité physique ouvert à tous les patients.")
    at.run()
    text = _text(at)
    assert fiche["title"] in text and "ouvert à tous les patients" in text
    assert OTHER_NAME not in text and "Étapes : constat partagé" not in text  # team, body
    assert not at.expander  # no « Lire la fiche complète »
    view = capitalisation.build(Scope(year=2025), FED, demo_copy, published_only=True)
    assert list(view.tables[0].data.columns) == list(capitalisation.PUBLIC_COLUMNS)
    assert len(view.tables[0].data) == 1
    full = capitalisation.build(Scope(year=2025), FED, demo_copy)
    assert access.for_role(full, "public").empty_message == access.NOT_PUBLISHED


# -- the members' portal ------------------------------------------------------------------------
def test_a_member_team_sees_its_own_page_and_the_pages_of_the_public(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, sign_in) -> None:
    sign_in("adherent", name="lac", team=OWN)
    at = _app(demo_db, monkeypatch)
    _reachable(at, [*PUBLIC_PAGES, "pages/mon-equipe.py"])
    at.switch_page("pages/mon-equipe.py").run()
    assert at.title[0].value == OWN_NAME
    titles = {shown(m.value) for m in at.markdown}
    for title in ("**Vos réponses 2025 face aux autres équipes**",
                  "**Vos réponses au formulaire d'adhésion, année par année**",
                  "**Historique du statut**", "**Vos facilitations**"):
        assert title in titles, title
    assert "mon_equipe_equipe" not in {s.key for s in at.selectbox}  # no team to pick: its own
    assert [b for b in at.get("download_button") if b.proto.label == "Fiche équipe (PDF)"]
    compared = next(d.value for d in at.dataframe if "Groupe" in d.value.columns
                    and "Votre réponse" in d.value.columns)
    assert (compared["Dont la même réponse que vous"] == "< 5").any()  # Savoie MSP: few
    facilitations = next(d.value for d in at.dataframe if "Modalité" in d.value.columns)
    assert len(facilitations) == 4 and "Facilitateur" not in " ".join(facilitations.columns)


@pytest.mark.parametrize("trick", ["url", "state"])
def test_a_member_team_editing_the_url_never_reaches_another_team(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, sign_in, trick: str) -> None:
    sign_in("adherent", name="lac", team=OWN)
    at = _app(demo_db, monkeypatch)
    if trick == "url":
        at.query_params["equipe"] = str(OTHER)
    else:  # the staff picker's key, set as a forged widget state would
        at.session_state["mon_equipe_equipe"] = OTHER
    at.switch_page("pages/mon-equipe.py").run()
    assert not at.exception
    text = _text(at)
    assert OTHER_NAME not in text and "Atelier d'activité physique" not in text
    if trick == "url":
        assert [e.value for e in at.error] == [access.NOT_YOUR_TEAM] and not at.dataframe
    else:
        assert at.title[0].value == OWN_NAME  # its own, whatever the state says
    # through the views and the exports: another team's page is refused whole
    other = team.build(Scope(year=2025), FED, demo_db, team_id=OTHER)
    assert other.title == OTHER_NAME and other.tables  # the control: staff see it
    for role, account_team in (("adherent", OWN), ("public", None), ("lecture", None)):
        refused = access.for_role(other, role, account_team)
        assert refused.empty_message == access.NOT_YOUR_TEAM
        assert refused.title == "Mon équipe" and not refused.tables and not refused.metrics
        sheet = team_sheet.render(refused, FED, compress=False, unicode_font=False)
        assert b"Coroux" not in sheet
    assert access.for_role(other, "adherent", OTHER).tables  # its own account does


def test_a_member_team_sees_other_teams_as_masked_aggregates_and_the_full_fiches(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, sign_in) -> None:
    sign_in("adherent", name="lac", team=OWN)
    at = _app(demo_db, monkeypatch, dep="15", type="CPTS")
    assert {m.label: m.value for m in at.metric}["Montant ACI déclaré"] == "masqué"
    at.button(key=next(b.key for b in at.button if b.label == "Réinitialiser les filtres")) \
        .click().run()
    at.switch_page("pages/capitalisation.py").run()
    fiches = next(d.value for d in at.dataframe if "Description" in d.value.columns)
    assert len(fiches) and at.expander  # member teams read the fiches in full
    at.switch_page("pages/enquetes.py").run()
    assert at.selectbox(key="ventiler")  # and the published infographics in full
    view = team.build(Scope(year=2025), FED, demo_db, team_id=OWN)
    mine = access.for_role(view, "adherent", OWN)
    compared = next(t for t in mine.tables if t.key == "comparaison_reponses").data
    raw = next(t for t in view.tables if t.key == "comparaison_reponses").data
    small = pd.to_numeric(raw["Dont la même réponse que vous"]) < 5
    assert small.any() and (compared.loc[small, "Dont la même réponse que vous"] == "< 5").all()
    assert (compared.loc[small, "Part ayant la même réponse (%)"] == "masqué").all()
    answers = next(t for t in mine.tables if t.key == "reponses").data
    assert answers.equals(next(t for t in view.tables if t.key == "reponses").data)  # its own


def _cli(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, *args: str,
         stdin: str = "") -> tuple[int, str, str]:
    """``observatory ARGS`` run in this process (the same ``main`` as the command), with
    ``stdin`` as its input; returns its exit code, stdout and stderr."""
    import io

    from observatory import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_team_sheet_is_two_pages_from_the_command_line(
        demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "equipe.pdf"
    done = subprocess.run([sys.executable, "-m", "observatory", "export", "--team-sheet",
                           str(OWN), "--year", "2025", "--db", str(demo_db), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from test_exports import pdf_pages

    assert pdf_pages(out.read_bytes()) == 2
    text = team_sheet.team_sheet(OWN, 2025, FED, demo_db, compress=False,
                                 unicode_font=False).decode("latin-1")
    assert "MSP Saint-Corange" in text and "< 5" in text and "masqu" in text
    code, _, err = _cli(capsys, monkeypatch, "export", "--team-sheet", "99999", "--db",
                        str(demo_db))
    assert code == 1 and "Aucune équipe n° 99999" in err
    code, _, err = _cli(capsys, monkeypatch, "export", "--team-sheet", str(OWN), "--format",
                        "png", "--db", str(demo_db))
    assert code == 2 and "n'existe qu'en PDF" in err


def test_an_adherent_account_is_linked_to_one_team(
        demo_db: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def add(*args: str) -> tuple[int, str, str]:
        return _cli(capsys, monkeypatch, "user", "add", *args, "--db", str(demo_db),
                    "--password-stdin", stdin=PASSWORD + "\n")

    assert add("lac", "--role", "adherent", "--team", "Saint-Corange")[0] == 0
    assert auth.users(auth.load_secrets())["lac"].team == OWN
    code, _, err = add("x", "--role", "adherent")
    assert code == 2 and "lié à une équipe" in err
    code, _, err = add("y", "--role", "adherent", "--team", "MSP")
    assert code == 2 and "donnez son numéro" in err
    assert add("z", "--role", "lecture", "--team", str(OWN))[0] == 2
    code, listed, _ = _cli(capsys, monkeypatch, "user", "list", "--db", str(demo_db))
    assert code == 0 and f"équipe n° {OWN} {OWN_NAME}" in listed
    # an adherent account without its team (a hand-edited file) opens nothing
    secrets = auth.load_secrets()
    orphan = auth.users(secrets)["lac"].password_hash
    assert auth.check_password({"observatoire": {"users": {"lac": {
        "role": "adherent", "password_hash": orphan}}}}, "lac", PASSWORD) is None


# -- staff publish ------------------------------------------------------------------------------
def test_staff_publish_through_the_page_and_the_audiences_follow(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch, sign_in) -> None:
    sign_in("equipe", name="marie")
    at = _app(demo_copy, monkeypatch)
    at.switch_page("pages/publication.py").run()
    assert not at.exception
    at.multiselect(key=publishing.SURVEYS_KEY).unselect(WITHDRAWN).run()
    at.button(key="publication_save_enquetes").click().run()
    assert not at.exception and at.success
    states = published.surveys(demo_copy).set_index("survey_id")
    assert not states.at[WITHDRAWN, "published"] and states.at[WITHDRAWN, "changed_by"] == "marie"
    fiche_id = str(published.fiches(demo_copy)["fiche_id"].iloc[0])
    at.selectbox(key=publishing.FICHE_KEY).select(fiche_id).run()
    at.checkbox(key=f"publication_fiche_publiee_{fiche_id}").check()
    at.text_area(key=f"publication_fiche_resume_{fiche_id}").input("Résumé pour le site.")
    next(b for b in at.button if b.label == "Enregistrer la fiche").click().run()
    assert not at.exception
    fiche = published.fiches(demo_copy).set_index("fiche_id").loc[fiche_id]
    assert fiche["published"] and fiche["public_summary"] == "Résumé pour le site."
    log = audit.entries(demo_copy)
    assert log.iloc[0][["Qui", "Action", "Objet", "Détail"]].tolist() == [
        "marie", "Publication", f"fiche « {fiche_id} »",
        "fiche publiée, résumé public modifié"]
    assert log.iloc[1][["Qui", "Objet", "Détail"]].tolist() == [
        "marie", f"enquête « {WITHDRAWN} »", "infographie retirée de la publication"]
    public = capitalisation.build(Scope(), FED, demo_copy, published_only=True)
    assert list(public.tables[0].data["Résumé"]) == ["Résumé pour le site."]
    ids, _, _ = surveys.choices(Scope(), FED, demo_copy, published_only=True)
    assert WITHDRAWN not in ids


def test_publication_survives_a_new_import_and_an_undo_and_the_log_never_goes_back(
        demo_copy: Path, tmp_path: Path) -> None:
    adh = tmp_path / "adh.csv"
    adh.write_text("Nom de la structure,Type de structure,Stade,Département,Année\n"
                   "MSP des Essais,MSP,En projet,Cantal,2025\n", encoding="utf-8")
    report = imports.import_file("adhesions", adh, db=demo_copy)
    publication.set_survey(demo_copy, WITHDRAWN, False)  # after the import: still undoable
    undone = imports.undo_last_batch(demo_copy)
    assert undone is not None and undone.batch_id == report.batch_id
    assert not published.surveys(demo_copy).set_index("survey_id").at[WITHDRAWN, "published"]
    log = audit.entries(demo_copy)
    assert log["Action"].head(3).tolist() == ["Annulation d'import", "Publication", "Import"]
    assert log["Objet"].iloc[0] == log["Objet"].iloc[2] == f"lot n° {report.batch_id}"
    assert all(log["Qui"].str.startswith("ligne de commande"))
    # importing the survey again keeps staff's choice over its sidecar's « published = true »
    source = ROOT / "data" / "demo" / f"enquete_{WITHDRAWN}.csv"
    again = tmp_path / source.name
    again.write_bytes(source.read_bytes() + b"\n")  # another file: not a duplicate
    shutil.copyfile(source.with_suffix(".toml"), again.with_suffix(".toml"))
    assert "published = true" in again.with_suffix(".toml").read_text(encoding="utf-8")
    assert imports.import_file("survey", again, db=demo_copy).imported
    states = published.surveys(demo_copy).set_index("survey_id")
    assert states.at[WITHDRAWN, "imported"] and not states.at[WITHDRAWN, "published"]
    before = len(audit.entries(demo_copy))
    assert not publication.set_survey(demo_copy, WITHDRAWN, False)  # no change, no entry
    assert len(audit.entries(demo_copy)) == before


def test_an_erasure_is_logged_by_number_and_takes_the_fiches_publication_with_it(
        demo_copy: Path) -> None:
    fiche_id = published.fiches(demo_copy).query("team_name == @OTHER_NAME")["fiche_id"].iloc[0]
    publication.set_fiche(demo_copy, fiche_id, True, f"Une action de la {OTHER_NAME}.")
    teams.delete(OTHER, demo_copy)
    log = audit.entries(demo_copy)
    assert log.iloc[0][["Action", "Objet"]].tolist() == ["Effacement d'une équipe",
                                                         f"équipe n° {OTHER}"]
    assert OTHER_NAME not in log.to_csv()
    assert not len(store.query("SELECT * FROM publications WHERE item_id = ?", [fiche_id],
                               db=demo_copy))
    assert OTHER_NAME.encode() not in demo_copy.read_bytes()


def test_account_changes_are_logged_and_admins_read_the_log(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch, sign_in,
        capsys: pytest.CaptureFixture) -> None:
    for args in (("add", "paul", "--role", "lecture", "--password-stdin"),
                 ("add", "paul", "--role", "équipe", "--password-stdin"), ("remove", "paul")):
        code, _, err = _cli(capsys, monkeypatch, "user", *args, "--db", str(demo_copy),
                            stdin=PASSWORD + "\n")
        assert code == 0, err
    log = audit.entries(demo_copy)
    assert log["Détail"].head(3).tolist() == [
        "compte retiré", "compte modifié : rôle Lecture (agrégats) → Équipe (salariés), "
        "nouveau mot de passe", "compte ajouté (rôle Lecture (agrégats))"]
    assert set(log["Objet"].head(3)) == {"compte « paul »"}
    assert log["Qui"].head(3).str.startswith("ligne de commande (utilisateur système").all()
    sign_in("admin")
    at = _app(demo_copy, monkeypatch)
    at.switch_page("pages/administration.py").run()
    shown_log = next(d.value for d in at.dataframe if "Qui" in d.value.columns)
    assert shown_log["Détail"].iloc[0] == "compte retiré"
    assert [b for b in at.get("download_button") if b.proto.label == "Journal (CSV)"]
    csv = tables.frame_to_csv(audit.entries(demo_copy)).decode("utf-8-sig")
    assert "compte « paul »" in csv and "$argon2" not in csv and PASSWORD not in csv


# -- the tests' own secrets ---------------------------------------------------------------------
def _project_copy(tmp_path: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    copy = tmp_path / "projet"
    for name in filter(None, files):
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return copy


def test_a_real_secrets_file_with_an_account_changes_no_test(tmp_path: Path) -> None:
    """What the README's account set-up does on a developer's machine: a secrets file with an
    account in the project's .streamlit/, or OBSERVATORY_SECRETS pointing at one. The app reads
    it (the control), the tests do not."""
    copy = _project_copy(tmp_path)
    env = {k: v for k, v in __import__("os").environ.items() if k != "OBSERVATORY_SECRETS"}
    env["PYTHONPATH"] = str(copy)

    def run(*args: str, extra: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=copy, env={**env, **(extra or {})},
                              input=stdin, capture_output=True, text=True, timeout=600)

    where = run("-c", "import observatory; print(observatory.__file__)")
    assert where.stdout.strip().startswith(str(copy)), where.stdout  # the copy's own code
    added = run("-m", "observatory", "user", "add", "alice", "--role", "admin",
                "--password-stdin", "--db", str(tmp_path / "none.duckdb"),
                stdin=PASSWORD + "\n")
    assert added.returncode == 0 and (copy / ".streamlit" / "secrets.toml").exists()
    control = run("-c", "from streamlit.runtime.pages_manager import PagesManager\n"
                  "from streamlit.testing.v1 import AppTest\n"
                  "init = PagesManager.__init__\n"  # the server's navigation mode (conftest)
                  "def navigation(self, *a, **k):\n"
                  "    init(self, *a, **k)\n"
                  "    PagesManager.uses_pages_directory = False\n"
                  "PagesManager.__init__ = navigation\n"
                  "at = AppTest.from_file('app.py', default_timeout=120)\n"
                  "at.run()\n"
                  "print([b.label for b in at.button], len(at.metric))",
                  extra={"OBSERVATORY_DB": str(tmp_path / "control.duckdb")})
    assert "['Se connecter'] 0" in control.stdout, control.stdout + control.stderr
    # both ways at once: the file at the default place, and the variable naming it
    done = run("-m", "pytest", "tests/test_app_home.py::test_home_region", "-q", "-p",
               "no:cacheprovider",
               extra={"OBSERVATORY_SECRETS": str(copy / ".streamlit" / "secrets.toml")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
