"""One registry per concept: the pages (observatory.pages) agree with the files, views and docs;
every setting (observatory.settings) is read only through its registry and documented."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from observatory import auth, settings
from observatory.config import PROJECT_DIR
from observatory.exports import cli as export_cli
from observatory.pages import PAGES, by_file, exportable

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
# What runs in production: the package, the page scripts, the entry point, the two commands.
SOURCES = sorted([*(PROJECT_DIR / "observatory").rglob("*.py"), *(PROJECT_DIR / "pages").glob("*.py"),
                  PROJECT_DIR / "app.py", PROJECT_DIR / "server.py", PROJECT_DIR / "manage.py"])
SETTINGS_FILE = PROJECT_DIR / "observatory" / "settings.py"


def test_every_page_file_is_registered_and_every_entry_has_its_file() -> None:
    files = {f"pages/{path.name}" for path in (PROJECT_DIR / "pages").glob("*.py")}
    assert files == {p.file for p in PAGES}


def test_pages_have_unique_ids_and_cli_names_one_default_and_known_roles() -> None:
    assert len({p.id for p in PAGES}) == len(PAGES)
    names = [p.export for p in PAGES if p.export]
    assert len(set(names)) == len(names)
    assert sum(p.default for p in PAGES) == 1
    assert all(p.role in auth.ROLES for p in PAGES)
    assert all(re.fullmatch(r"[a-z][a-z_-]*", p.id) for p in PAGES)  # its URL, as typed


def test_each_page_checks_its_own_role() -> None:
    """A page file asks the shell for its context under its own name (the role check)."""
    for page in PAGES:
        text = (PROJECT_DIR / page.file).read_text(encoding="utf-8")
        assert f'shell.context("{page.file}")' in text, page.file
        assert by_file(page.file) is page


def test_each_view_is_a_function_of_the_views_and_exports_by_its_name() -> None:
    for page in PAGES:
        if page.view is None:
            assert page.export is None
            continue
        module = importlib.import_module(str(page.view_module))
        assert callable(getattr(module, str(page.view_function))), page.view
        assert page.export is not None
        assert export_cli.resolve_page(page.export) is getattr(module, str(page.view_function))
    assert exportable() == export_cli.PAGES


def test_the_readme_lists_the_export_page_names() -> None:
    listed = re.search(r"^Pages: (.+)\.$", README, re.MULTILINE)
    assert listed is not None
    assert re.findall(r"`([^`]+)`", listed.group(1)) == list(exportable())


# -- settings -----------------------------------------------------------------------------------
def _reads(path: Path, root: Path = PROJECT_DIR) -> list[str]:
    """Where ``path`` reads the environment, Streamlit's secrets or a secrets key by hand."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    secret_keys = {key for s in settings.SETTINGS for key in s.secret or ()}
    passed_on = {id(node.args[0]) for node in ast.walk(tree)  # dict(os.environ, X=…): a child's env
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == "dict" and node.args}
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                id(node) not in passed_on:
            found.append(f"{where} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                {a.name for a in node.names} & {"environ", "getenv"}:
            found.append(f"{where} from os import")
        elif isinstance(node, ast.Attribute) and node.attr == "secrets" and \
                isinstance(node.value, ast.Name) and node.value.id == "st":
            found.append(f"{where} st.secrets")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant) \
                and node.args[0].value in secret_keys:
            found.append(f"{where} .get({node.args[0].value!r})")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                node.slice.value in secret_keys:
            found.append(f"{where} [{node.slice.value!r}]")
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and \
                node.left.value in secret_keys and isinstance(node.ops[0], ast.In | ast.NotIn):
            found.append(f"{where} {node.left.value!r} in")
    return found


def test_settings_are_read_only_through_the_registry() -> None:
    # the one source of Streamlit's secrets: observatory.ui.auth.secrets(), parsed by settings
    allowed = {"observatory/ui/auth.py": {"st.secrets"}}
    wrong = []
    for path in SOURCES:
        if path == SETTINGS_FILE:
            continue
        rel = str(path.relative_to(PROJECT_DIR))
        wrong += [r for r in _reads(path) if r.split(" ", 1)[1] not in allowed.get(rel, set())]
    assert not wrong, "settings read outside observatory/settings.py: " + ", ".join(wrong)


def test_the_reader_check_sees_a_hand_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"  # only parsed, never imported
    probe.write_text("import os\nimport streamlit as st\nA = os.environ.get('X')\n"
                     "B = os.getenv('Y')\nC = st.secrets\nD = s.get('oidc_roles')\n"
                     "E = 'auth' in s\nF = dict(os.environ, Z='1')\n", encoding="utf-8")
    found = sorted(_reads(probe, tmp_path), key=lambda r: int(r.split(":")[1].split(" ")[0]))
    assert [r.split(" ", 1)[1] for r in found] == [
        "os.environ", "os.getenv", "st.secrets", ".get('oidc_roles')", "'auth' in"]


def test_every_environment_variable_named_anywhere_is_a_declared_setting() -> None:
    declared = {s.env for s in settings.SETTINGS if s.env}
    named: dict[str, str] = {}
    places = [*SOURCES, *(PROJECT_DIR / "tests").rglob("*.py"), *(PROJECT_DIR / "bench").glob("*.py"),
              *(PROJECT_DIR / "scripts").glob("*.py"), PROJECT_DIR / "README.md"]
    for path in places:
        for name in re.findall(r"\bOBSERVATORY_[A-Z_]+\b", path.read_text(encoding="utf-8")):
            named.setdefault(name, str(path.relative_to(PROJECT_DIR)))
    undeclared = {name: where for name, where in named.items() if name not in declared}
    assert not undeclared, f"undeclared settings (add them to observatory/settings.py): {undeclared}"


def test_the_settings_table_shows_a_boolean_default_as_it_is() -> None:
    on = settings.Setting("on", "bool", True, "Activé par défaut.", secret=("on",))
    off = settings.Setting("off", "bool", False, "Désactivé par défaut.", secret=("off",))
    assert settings._default_text(on) == "true"
    assert settings._default_text(off) == "false"


def test_the_readme_settings_table_is_generated_from_the_registry() -> None:
    block = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", README, re.DOTALL)
    assert block is not None
    assert block.group(1) == settings.markdown_table(), \
        "README settings table out of date: run .venv/bin/python scripts/settings_table.py"
    for s in settings.SETTINGS:
        assert f"| {s.name} |" in block.group(1)


def test_a_setting_is_read_at_each_call_and_a_bad_value_is_named(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSERVATORY_SMALL_COUNT", raising=False)
    assert settings.value("small_count") == 5
    monkeypatch.setenv("OBSERVATORY_SMALL_COUNT", "12")
    assert settings.value("small_count") == 12
    monkeypatch.setenv("OBSERVATORY_IMPORT_MAX_MB", "1,5")
    assert settings.value("import_max_mb") == 1.5
    monkeypatch.setenv("OBSERVATORY_SMALL_COUNT", "cinq")
    with pytest.raises(settings.SettingError, match="OBSERVATORY_SMALL_COUNT = « cinq » : un "
                                                    "nombre entier est attendu"):
        settings.value("small_count")


def test_secrets_keys_are_read_with_their_defaults() -> None:
    secrets = {"observatoire": {"use_st_login": True, "oidc_roles": {"*": "equipe"}}, "auth": {}}
    assert settings.secret(secrets, "use_st_login") is True
    assert settings.secret(secrets, "oidc_roles") == {"*": "equipe"}
    assert settings.secret(secrets, "users") == {}
    assert settings.has_secret(secrets, "auth") and not settings.has_secret({}, "auth")
    assert auth.uses_st_login(secrets) and not auth.uses_st_login({"observatoire": {}})
