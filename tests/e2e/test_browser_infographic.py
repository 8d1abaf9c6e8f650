"""The survey infographic in a real browser: the cards with their numbers and takeaways, and the
one-page exports of the survey and of the key figures downloaded from the pages."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from test_browser import DRAWN, _download, assert_no_exception, open_page, wait_idle

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _download_from_menu(page: Any, menu: str, button: str, folder: Path) -> Path:
    page.get_by_test_id("stPopover").filter(has_text=menu).first.locator("button").first.click()
    target = page.get_by_test_id("stDownloadButton").filter(has_text=button).first
    target.wait_for(state="visible", timeout=20_000)
    wait_idle(page)
    return _download(page, target, folder)


def _png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path.name
    return struct.unpack(">II", head[16:24])[0]


def test_the_survey_opens_as_an_infographic(app, screenshots, tmp_path) -> None:
    expect = _expect()
    page = app.page
    open_page(page, app.url("/enquetes?annee=2025"))
    main = page.get_by_test_id("stMain")
    # the latest survey of the year: its headline band, then a card per question
    expect(main.locator(".infographie-chiffre").first).to_be_visible()
    expect(main.get_by_text(re.compile(
        r"64\s%\ssouhaitent s'impliquer dans la gouvernance \(63 répondants sur 99\)"))
    ).to_be_visible()
    numbers = main.locator(".infographie-chiffre").all_inner_texts()
    assert any(n.startswith("64") for n in numbers), numbers
    page.locator(DRAWN).first.wait_for()
    wait_idle(page)
    # the page scrolls inside Streamlit's main block: a tall window shows the whole survey
    page.set_viewport_size({"width": 1440, "height": 3400})
    title = main.locator("h1").filter(has_text="Plan stratégique").first
    title.scroll_into_view_if_needed()
    wait_idle(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "enquete_infographie.png"))
    assert_no_exception(page)

    png = _download_from_menu(page, "Infographie", "PNG", tmp_path)
    assert _png_width(png) >= 1600
    shutil.copyfile(png, screenshots / "enquete_infographie_export.png")
    assert app.errors == []


def test_the_key_figures_page_exports_its_infographic(app, screenshots, tmp_path) -> None:
    page = app.page
    open_page(page, app.url("/?annee=2025"))
    png = _download_from_menu(page, "Infographie", "PNG", tmp_path)
    assert _png_width(png) >= 1600
    shutil.copyfile(png, screenshots / "chiffres_cles_infographie.png")
    assert_no_exception(page)
    assert app.errors == []
