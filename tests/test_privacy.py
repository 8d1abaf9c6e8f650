"""Personal data never leaves: marker contacts and names appear on no page, in no export, no log.

The demo store gets a team whose e-mail, facilitators and survey respondents are unique marker
strings. Then every page is rendered for every role, every export kind is produced for every page
as each role sees it, and the command line's outputs are read: the markers must be nowhere,
except the team's e-mail on the directory for signed-in staff (its purpose). Each search is
paired with a positive control, so that a search that cannot find anything fails.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from accounts import add_account
from streamlit.testing.v1 import AppTest

from observatory import auth, imports
from observatory.config import get_federation
from observatory.exports import cli as export_cli
from observatory.exports import document, images, presentation, sheet, tables
from observatory.exports.common import ExportContext
from observatory.filters import Scope
from observatory.pages import PAGES
from observatory.ui.text import shown
from observatory.views import access, directory, surveys

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EMAIL = "zzqx-contact-marker@example.org"
REJECTED_EMAIL = "zzqx-rejected-marker@example.org"
FACILITATOR = "Zzqxmarker Facilitatrice"
RESPONDENT_EMAIL = "zzqx-respondent-marker@example.org"
RESPONDENT_NAME = "Zzqxnom Repondante"
TEAM = "MSP Marqueur"
NEVER = ("zzqx-rejected", "Zzqxmarker", "zzqx-respondent", "Zzqxnom")
PASSWORD = "mot-de-passe-assez-long"
FED = get_federation("femasaura")
# None: local demo mode, nobody signed in
ROLES = (None, "public", "adherent", "lecture", "equipe", "admin")


@pytest.fixture(scope="module")
def marked(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo store plus the markers, imported through the command line (its output kept)."""
    folder = tmp_path_factory.mktemp("privacy")
    db = folder / "marked.duckdb"
    shutil.copyfile(demo_db, db)  # the session's demo store (demo.build), not built again
    adh = folder / "adhesions_marker.csv"
    adh.write_text("Nom de la structure,Type de structure,Stade,Département,Année,Email\n"
                   f"{TEAM},MSP,Sous ACI,38,2025,{EMAIL}\n"
                   f"MSP Rejetée,MSP,Sous ACI,Isèr,2025,{REJECTED_EMAIL}\n", encoding="utf-8")
    log = folder / "journal_marker.csv"
    log.write_text("Date;Département;Équipe(s);Type de structure;Profil de l'équipe;"
                   "Type de facilitation;Facilitateur(s)\n"
                   f"12/06/2025;38;{TEAM};MSP;Sous ACI;Conseil et soutien;{FACILITATOR}\n"
                   f"13/06/2025;Isèr;{TEAM};MSP;Sous ACI;Conseil et soutien;{FACILITATOR}\n",
                   encoding="utf-8")
    survey = folder / "enquete_marker.csv"
    survey.write_text("Horodateur,Votre département,Adresse e-mail,Nom,Votre avis ?\n"
                      f"02/06/2025 09:00:00,Isère,{RESPONDENT_EMAIL},{RESPONDENT_NAME},Oui\n",
                      encoding="utf-8")
    outputs = []
    for args in (["adhesions", str(adh), "--valid-rows-only"],
                 ["facilitations", str(log)],  # refused: its error message is read too
                 # its one valid row replaces the demo's June 2025: confirmed
                 ["facilitations", str(log), "--valid-rows-only", "--confirm-deletions"],
                 ["survey", str(survey), "--id", "2025-06-marqueur", "--title", "Marqueur"],
                 ["history"]):
        done = subprocess.run([sys.executable, "-m", "observatory", "-vv", "import", *args,
                               "--db", str(db)], capture_output=True, text=True, timeout=300)
        outputs.append(done.stdout + done.stderr)
    for batch in imports.batches(db).query("rows_rejected > 0")["batch_id"]:
        done = subprocess.run([sys.executable, "-m", "observatory", "-vv", "import", "rejected",
                               str(batch), "--db", str(db)], capture_output=True, text=True,
                              timeout=300)
        outputs.append(done.stdout + done.stderr)
    return db, "\n".join(outputs)


def tree_text(node: object) -> str:
    """Everything an AppTest element tree shows, tables included, Markdown escapes removed."""
    parts = []
    value = getattr(node, "value", None)
    if isinstance(value, pd.DataFrame):
        parts.append(value.to_csv())
    proto = getattr(node, "proto", None)
    if proto is not None:
        parts.append(str(proto).encode().decode("unicode_escape", "replace")
                     .encode("latin-1", "replace").decode("utf-8", "replace"))
    for child in getattr(node, "children", {}).values():
        parts.append(tree_text(child))
    return shown("\n".join(parts))


def _marked_team(db: Path) -> int:
    from observatory import teams

    return int(teams.find(TEAM, db)["team_id"].iloc[0])


def _app(db: Path, role: str | None, monkeypatch: pytest.MonkeyPatch, sign_in,
         secrets_file: Path) -> AppTest:
    monkeypatch.setenv("OBSERVATORY_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    if role == "public":  # an account exists, and the federation opens the public pages
        add_account("admin", "admin")
        secrets_file.write_text(secrets_file.read_text().replace(
            "[observatoire]\n", "[observatoire]\npublic = true\n", 1), encoding="utf-8")
    elif role is not None:  # a member team's account: the marked team's own
        sign_in(role, team=_marked_team(db) if role == "adherent" else None)
    at.query_params["dep"] = "38"
    return at


@pytest.mark.parametrize("role", ROLES, ids=[r or "demo" for r in ROLES])
def test_no_page_shows_personal_data(marked: tuple[Path, str], role: str | None,
                                     monkeypatch: pytest.MonkeyPatch, sign_in,
                                     secrets_file: Path) -> None:
    db, _ = marked
    at = _app(db, role, monkeypatch, sign_in, secrets_file)
    at.run()
    effective = role or auth.DEMO_ROLE
    visited = []
    for path, page in ((p.file, p) for p in PAGES):
        if not page.opens_for(effective):
            with pytest.raises(ValueError):  # not even registered for this role
                at.switch_page(path)
            continue
        if path == "pages/mon-equipe.py" and role != "adherent":  # staff: the marked team
            at.query_params["equipe"] = str(_marked_team(db))
        at.switch_page(path).run()
        assert not at.exception, path
        text = tree_text(at._tree)
        visited.append(path)
        for marker in NEVER:
            assert marker not in text, (path, marker)
        contacts = path == "pages/annuaire.py" and role in ("equipe", "admin")
        assert (EMAIL in text) is contacts, path  # staff directory only: the control
        if path == "pages/import.py":
            assert "journal_marker.csv" in text  # the history is there, with its rejected rows
        if path == "pages/mon-equipe.py":  # the control: the marked team's own page, and its
            assert TEAM in text and "Conseil et soutien" in text  # facilitation is on it
        if path == "pages/administration.py":
            assert "Journal des modifications" in text and "lot n°" in text
    staff_only = {"pages/annuaire.py", "pages/import.py", "pages/administration.py"}
    assert staff_only.isdisjoint(visited) is (role in ("public", "adherent", "lecture"))
    assert ("pages/mon-equipe.py" in visited) is (role not in ("public", "lecture"))
    assert len(visited) == sum(p.opens_for(effective) for p in PAGES)


def _zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                         if n.endswith((".xml", ".rels")))


def _views(db: Path, role: str) -> list:
    """Every page's view for the region and for Isère, as ``role`` sees it (the page's way)."""
    views = []
    for scope in (Scope(year=2025), Scope(year=2025, departement="38")):
        for page in export_cli.PAGES:
            if page == "annuaire" and not auth.can_see_team_details(role):
                continue  # the page itself is refused to this role
            build = export_cli.resolve_page(page)
            view = export_cli.build_view(build, scope, FED, db)
            if page == "annuaire":  # what signed-in staff get: the e-mails are in the view
                view = directory.build(scope, FED, db, show_contacts=True)
                assert EMAIL in view.tables[0].data.to_csv()
            views.append(access.for_role(view, role))
        views.append(access.for_role(surveys.catalogue(scope, FED, db), role))
        views.append(access.for_role(surveys.build(scope, FED, db, survey_id="2025-06-marqueur"),
                                     role))
    return views


@pytest.mark.parametrize("role", ["lecture", "equipe"])
def test_no_export_holds_personal_data(marked: tuple[Path, str], role: str) -> None:
    db, _ = marked
    context = ExportContext("Isère", FED.name)
    found_team = False
    for view in _views(db, role):
        outputs: list[str] = []
        for fig in view.figures:
            outputs.append(tables.figure_csv(fig).decode("utf-8-sig"))
            outputs.append(_zip_text(tables.figure_xlsx(fig, context)))
            if access.protect_figure(fig).withheld:  # too few to draw: no image at all
                with pytest.raises(images.NoChart, match="effectif trop faible"):
                    images.export_spec(fig, context)
            elif fig.chart is not None and len(fig.data):
                # the PNG is drawn from exactly this spec: its text is what the pixels show
                outputs.append(images.spec_json(images.export_spec(fig, context)))
                outputs.append(images.svg(fig, context).decode("utf-8"))
        for table in view.tables:
            outputs.append(tables.table_csv(table).decode("utf-8-sig"))
            outputs.append(_zip_text(tables.table_xlsx(table, context)))
        outputs.append(_zip_text(presentation.deck(view, FED)))
        outputs.append(document.pdf(view, FED, compress=False, unicode_font=False)
                       .decode("latin-1"))
        text = "\n".join(outputs)
        for marker in (EMAIL, *NEVER):
            assert marker not in text, (view.title, marker)
        found_team |= TEAM in text
    # the control: the marked team itself (an organisation, not a person) is in some export for
    # staff; a reader gets no team list at all
    assert found_team is (role == "equipe")
    sheet_pdf = sheet.departement_sheet("38", 2025, FED, db, compress=False, unicode_font=False)
    assert b"Is\xe8re" in sheet_pdf or b"Isere" in sheet_pdf
    for marker in (EMAIL, *NEVER):
        assert marker.encode("latin-1", "replace") not in sheet_pdf


def test_command_line_outputs_and_logs_hold_no_personal_data(marked: tuple[Path, str],
                                                             tmp_path: Path) -> None:
    db, import_outputs = marked
    # the controls: the reports were printed, the refused log's error quoted its bad value, the
    # log lines (-vv) were written
    assert "Import : journal des facilitations" in import_outputs
    assert "observatory.imports.core : import facilitations refusé" in import_outputs
    assert "« Isèr » n'est pas un département connu" in import_outputs
    assert "journal_marker.csv" in import_outputs and "MSP Rejetée" in import_outputs
    outputs = [import_outputs]
    for page in ("annuaire", "facilitations", "enquetes"):
        for fmt in ("csv", "pptx"):
            out = tmp_path / f"{page}-{fmt}"
            done = subprocess.run(
                [sys.executable, "-m", "observatory", "-vv", "export", "--page", page, "--year", "2025",
                 "--departement", "38", "--format", fmt, "--out",
                 str(out if fmt == "csv" else out.with_suffix(".pptx")), "--db", str(db)],
                capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout + done.stderr)
            files = sorted(out.glob("*.csv")) if fmt == "csv" else [out.with_suffix(".pptx")]
            for f in files:
                data = f.read_bytes()
                outputs.append(_zip_text(data) if fmt == "pptx" else data.decode("utf-8-sig"))
    text = "\n".join(outputs)
    assert TEAM in text  # the control: the CSV of the directory lists the marked team
    for marker in (EMAIL, REJECTED_EMAIL, *NEVER):
        assert marker not in text, marker


def test_rejected_rows_are_shown_without_their_personal_cells(marked: tuple[Path, str]) -> None:
    db, _ = marked
    batch = int(imports.batches(db).query("rows_rejected > 0")["batch_id"].min())
    rejected = imports.rejected_rows(batch, db)
    assert "MSP Rejetée" in rejected["raw"].iloc[0]  # the row is kept, to be fixed
    assert REJECTED_EMAIL not in rejected.to_csv()
    assert re.search(r"\[donnée personnelle masquée\]", rejected["raw"].iloc[0])
    # the original file, kept for a re-import, still has it: the store loses nothing
    assert REJECTED_EMAIL.encode() in imports.original_file(batch, db)


def test_the_team_sheet_and_the_audit_log_hold_no_personal_data(
        marked: tuple[Path, str], tmp_path: Path) -> None:
    from observatory import audit, publication
    from observatory.exports import team_sheet
    from observatory.views import team

    db, _ = marked
    copy = tmp_path / "marked.duckdb"
    copy.write_bytes(db.read_bytes())
    team_id = _marked_team(copy)
    view = access.for_role(team.build(Scope(year=2025), FED, copy, team_id=team_id),
                           "adherent", team_id)
    pdf = team_sheet.render(view, FED, compress=False, unicode_font=False).decode("latin-1")
    context = ExportContext(view.scope_label, FED.name)
    files = [tables.table_csv(t).decode("utf-8-sig") for t in view.tables]
    files += [_zip_text(tables.table_xlsx(t, context)) for t in view.tables]
    # the controls: the team's own sheet, with its facilitations (their facilitator column is
    # not), and the CSV of its facilitations
    assert TEAM in pdf and "Conseil et soutien" in pdf
    assert any("Conseil et soutien" in f for f in files)
    for text in (pdf, *files):
        for marker in (EMAIL, *NEVER):
            assert marker not in text, marker
    done = subprocess.run([sys.executable, "-m", "observatory", "export", "--team-sheet",
                           str(team_id), "--year", "2025", "--db", str(copy), "--out",
                           str(tmp_path / "equipe.pdf")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "equipe.pdf").read_bytes().startswith(b"%PDF")
    for marker in (EMAIL, *NEVER):
        assert marker not in done.stdout + done.stderr

    # the audit log, as its CSV holds it: who did what, never a password, a hash or a person
    publication.set_survey(copy, "2025-06-marqueur", True)
    auth.add_user("alice", "adherent", PASSWORD, tmp_path / "s.toml", team=team_id)
    audit.record_event(copy, "account", "compte « alice »", "compte ajouté")
    csv = tables.frame_to_csv(audit.entries(copy)).decode("utf-8-sig")
    assert "compte « alice »" in csv and "enquête « 2025-06-marqueur »" in csv  # the control
    assert "lot n°" in csv  # the imports of the marked files
    for marker in (EMAIL, REJECTED_EMAIL, *NEVER, PASSWORD, "$argon2", "password"):
        assert marker not in csv, marker
