"""One registry per concept: the pages (observatory.pages) agree with the files, views and docs."""

from __future__ import annotations

import importlib
import re

from observatory import auth
from observatory.config import PROJECT_DIR
from observatory.exports import cli as export_cli
from observatory.pages import PAGES, by_file, exportable

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


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
    assert export_cli.PAGES == exportable()


def test_the_readme_lists_the_export_page_names() -> None:
    listed = re.search(r"^Pages: (.+)\.$", README, re.MULTILINE)
    assert listed is not None
    assert re.findall(r"`([^`]+)`", listed.group(1)) == list(exportable())
