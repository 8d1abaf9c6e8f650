"""The real app in a real browser: every page, the sidebar and the URL, the map click, downloads,
and an import through the import page (last: it is the only test that writes to the store)."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from observatory import formats, indicators, store
from observatory.config import get_federation
from observatory.filters import Scope

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
DRAWN = f"{CHART} canvas, {CHART} svg"
# Pages (file names without .py) that have no chart by design; their other checks still apply.
WITHOUT_CHART = {
    "import": "formulaire d'import et historique, sans graphique",
    "annuaire": "annuaire : un tableau des équipes, sans graphique",
    "administration": "comptes et réglages : des tableaux, sans graphique",
    "mon-equipe": "mode démonstration : une équipe à choisir, pas encore de graphique",
    "publication": "ce qui est publié : des listes et des formulaires",
}
ISERE = ("38", "38 – Isère")


def _pages() -> list[tuple[str, str, bool]]:
    """(file, title, default) of every registered page, read when the tests are collected."""
    from observatory.pages import PAGES

    return [(p.file, p.title, p.default) for p in PAGES]


def url_path(file: str, default: bool) -> str:
    """Streamlit's URL of a page file: ``/`` for the default page, else its name (``/carte``)."""
    return "/" if default else "/" + re.sub(r"^[0-9_ -]+", "", Path(file).stem)


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


# -- helpers on a page --------------------------------------------------------------------------
def wait_idle(page: Any) -> None:
    """Connected, script not running and no stale element left from the previous run."""
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                 '[data-test-script-state="notRunning"]').wait_for()
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def open_page(page: Any, url: str) -> None:
    """Go to ``url`` and wait for the run to end (a page title or an exception box)."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_test_id("stMain").locator('h1, [data-testid="stException"]').first.wait_for()
    wait_idle(page)


def assert_no_exception(page: Any) -> None:
    boxes = page.get_by_test_id("stException")
    assert boxes.count() == 0, (f"exception Streamlit sur {page.url} :\n"
                                + "\n".join(b[:800] for b in boxes.all_inner_texts()))


def metric(page: Any, label: str) -> str:
    """The displayed value of the key figure labelled exactly ``label``."""
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def sidebar_select(page: Any, label: str) -> Any:
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=label, exact=True)


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in a sidebar select; a menu closed by a rerun under load is reopened."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        wait_idle(page)
        sidebar_select(page, label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=7000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def expected_figure(db: Path, year: int, departement: str, key: str) -> str:
    """The figure as the core computes it, formatted as the home page shows it."""
    federation = get_federation(store.federation_id(db))
    figures = indicators.key_figures(Scope(year=year, departement=departement), federation, db)
    return formats.number(figures[key])


# -- a shared link on a server nobody has opened yet (first: it needs that fresh server) ----------
def test_a_shared_link_to_a_page_works_on_a_fresh_server(fresh_app) -> None:
    expect = _expect()
    page = fresh_app.page
    code, option = ISERE
    open_page(page, fresh_app.url(f"/carte?annee=2025&dep={code}"))
    assert_no_exception(page)
    expect(page.get_by_test_id("stMain").locator("h1").first).to_have_text("Carte des équipes")
    expect(sidebar_select(page, "Département")).to_have_value(option)
    page.locator(DRAWN).first.wait_for()
    assert fresh_app.errors == []
    fresh_app.server.warmed = True  # the entry point ran: the other tests need no warm-up


# -- every page ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("file", "title", "default"), _pages(),
                         ids=[Path(p[0]).stem for p in _pages()])
def test_every_page_loads_draws_its_chart_and_logs_no_error(app, screenshots, file, title,
                                                            default) -> None:
    expect = _expect()
    page = app.page
    path = url_path(file, default)
    open_page(page, app.url(path))
    needs_chart = Path(file).stem not in WITHOUT_CHART
    if needs_chart:
        drawn = page.locator(DRAWN).first
        drawn.wait_for()
        page.wait_for_function(
            """(selector) => { const e = document.querySelector(selector);
                 const r = e && e.getBoundingClientRect(); return r && r.width > 0 && r.height > 0; }""",
            arg=DRAWN)
        wait_idle(page)
    page.screenshot(path=str(screenshots / f"{Path(file).stem}-1440.png"))

    current = page.get_by_test_id("stSidebarNavLink").and_(page.locator('[aria-current="page"]'))
    expect(current.get_by_text(title, exact=True)).to_be_visible()
    assert urlparse(page.url).path == path
    assert_no_exception(page)
    if needs_chart:
        box = page.locator(DRAWN).first.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"graphique vide sur {path}"
        # the whole page too, to look at every chart as a reader scrolls through it
        page.set_viewport_size({"width": 1440, "height": min(_main_height(page), 12000)})
        wait_idle(page)
        page.screenshot(path=str(screenshots / f"{Path(file).stem}-1440-page.png"))
    assert app.errors == [], f"erreurs dans la console du navigateur sur {path}"


def test_the_estimate_and_the_teams_on_the_map_draw_with_no_error(app, screenshots) -> None:
    """The Portrait page's estimate mode (bars, intervals and diamonds) and the map's teams (two
    layers of marks over the choropleth) as Chromium draws them."""
    page = app.page
    open_page(page, app.url("/portrait"))
    page.get_by_text("Toutes les équipes de la région (estimation)", exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stMetricLabel").get_by_text("Équipes existantes", exact=True).wait_for()
    page.locator(DRAWN).first.wait_for()
    page.screenshot(path=str(screenshots / "portrait_estimation.png"), full_page=True)
    assert_no_exception(page)
    open_page(page, app.url("/carte"))
    page.get_by_text("Afficher les équipes à leur commune", exact=True).click()
    wait_idle(page)
    page.locator(DRAWN).first.wait_for()
    page.screenshot(path=str(screenshots / "carte_equipes.png"))
    assert_no_exception(page)
    assert app.errors == [], "erreurs dans la console du navigateur"


PHONE = {"width": 390, "height": 844}


def _main_height(page: Any) -> int:
    """The height of the page's content (Streamlit scrolls inside its own container)."""
    return int(page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], '
             + '[data-testid="stMainBlockContainer"], section')].map(e => e.scrollHeight))"""))


@pytest.mark.parametrize(("file", "title", "default"),
                         [p for p in _pages() if Path(p[0]).stem not in WITHOUT_CHART],
                         ids=[Path(p[0]).stem for p in _pages()
                              if Path(p[0]).stem not in WITHOUT_CHART])
def test_every_page_fits_a_phone(app, screenshots, file, title, default) -> None:
    """390 px wide: nothing wider than the screen, every chart within it, the map across it,
    titles wrapped rather than cut. The whole page is kept as a screenshot."""
    context = app.browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True,
                                      has_touch=True, timezone_id="Europe/Paris")
    context.set_default_timeout(30_000)
    try:
        page = app.watch(context.new_page())
        path = url_path(file, default)
        open_page(page, app.url(path))
        page.locator(DRAWN).first.wait_for()
        wait_idle(page)
        assert_no_exception(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} déborde : {width} px de large"
        boxes = [page.locator(CHART).nth(i).bounding_box()
                 for i in range(page.locator(CHART).count())]
        for box in boxes:
            if box:  # a chart within the screen, none cut on the right
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (path, box)
        if Path(file).stem == "carte":
            box = page.locator(DRAWN).first.bounding_box()
            assert box and box["width"] >= 0.85 * (PHONE["width"] - 32), box  # across the screen
        page.set_viewport_size({"width": PHONE["width"], "height": min(_main_height(page), 12000)})
        wait_idle(page)
        page.screenshot(path=str(screenshots / f"{Path(file).stem}-390.png"), full_page=True)
        assert app.errors == [], f"erreurs dans la console du navigateur sur {path}"
    finally:
        context.close()


# -- sidebar, URL, shared link ------------------------------------------------------------------
def test_departement_filter_changes_key_figures_and_url_reproduces_view(app, demo_db) -> None:
    expect = _expect()
    page = app.page
    open_page(page, app.url("/"))
    year = int(query(page)["annee"][0])
    region = metric(page, "Facilitations")
    assert region == expected_figure(demo_db, year, None, "facilitations")

    code, option = ISERE
    choose(page, "Département", option)
    expect(page).to_have_url(re.compile(rf"[?&]dep={code}(&|$)"))
    expect(page.get_by_test_id("stMain").get_by_text(f"Isère ({code})", exact=False).first) \
        .to_be_visible()
    wait_idle(page)
    expect(sidebar_select(page, "Département")).to_have_value(option)
    isere = metric(page, "Facilitations")
    assert isere == expected_figure(demo_db, year, code, "facilitations")
    assert isere != region

    shared = page.url
    assert query(page)["dep"] == [code]
    other = app.new_context()
    try:
        visitor = app.watch(other.new_page())
        open_page(visitor, shared)
        expect(sidebar_select(visitor, "Département")).to_have_value(option)
        assert metric(visitor, "Facilitations") == isere
        assert query(visitor)["dep"] == [code]
        assert query(visitor)["annee"] == [str(year)]
    finally:
        other.close()
    assert app.errors == []


# -- the map ------------------------------------------------------------------------------------
# Points of the département's own shape (path[aria-label] of the SVG renderer), on a grid over its
# box, that are inside the shape; for each, what the browser finds on top there.
_POINTS_IN_SHAPE = """(chart, [code, n]) => {
  const shape = Array.from(chart.querySelectorAll('path[aria-label]'))
      .find(p => p.getAttribute('aria-label').split('; ').includes('Code: ' + code));
  if (!shape) return null;
  const box = shape.getBoundingClientRect();
  const toShape = shape.getScreenCTM().inverse();
  const points = [];
  for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) {
    const x = box.left + box.width * i / n, y = box.top + box.height * j / n;
    const local = new DOMPoint(x, y).matrixTransform(toShape);
    if (!shape.isPointInFill(local)) continue;
    const top = document.elementFromPoint(x, y);
    const mark = top && top.closest('g.role-mark');
    points.push({x, y, onShape: top === shape, isText: !!top && top.tagName === 'text',
                 top: top ? `${top.tagName} in ${mark ? mark.getAttribute('class') : '?'}`
                          + ` fill=${top.getAttribute('fill')}` : 'rien'});
  }
  return points;
}"""


def _point_on_departement(page: Any, chart: Any, code: str, name: str) -> tuple[float, float, str]:
    """Where a person would click to choose ``code``: inside its shape, not on a label."""
    points = chart.evaluate(_POINTS_IN_SHAPE, [code, 14])
    if points:
        usable = [p for p in points if p["onShape"]] or [p for p in points if not p["isText"]]
        assert usable, f"aucun point du département {code} hors des étiquettes"
        cx = sum(p["x"] for p in usable) / len(usable)
        cy = sum(p["y"] for p in usable) / len(usable)
        best = min(usable, key=lambda p: (p["x"] - cx) ** 2 + (p["y"] - cy) ** 2)
        return best["x"], best["y"], best["top"]
    # Canvas renderer (no SVG paths): hover a grid until the tooltip names the département.
    box = chart.locator("canvas, svg").first.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    n = 16
    for i in range(1, n):
        for j in range(1, n):
            x, y = box["x"] + box["width"] * i / n, box["y"] + box["height"] * j / n
            page.mouse.move(x, y)
            page.wait_for_timeout(40)
            if tooltip.count() and tooltip.is_visible() and name in tooltip.inner_text():
                return x, y, "canvas"
    pytest.fail(f"aucune infobulle « {name} » en survolant la carte")


def test_clicking_a_departement_on_the_map_sets_the_filter(app) -> None:
    expect = _expect()
    page = app.page
    open_page(page, app.url("/carte"))
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.locator("canvas, svg path").first.wait_for()
    wait_idle(page)
    code, option = ISERE
    x, y, on_top = _point_on_departement(page, chart, code, "Isère")
    where = f"({x:.0f}, {y:.0f}) ; élément au premier plan : {on_top}"

    page.mouse.move(x, y)
    tooltip = page.locator("#vg-tooltip-element")
    try:
        expect(tooltip).to_contain_text("Isère", timeout=3_000)
    except AssertionError as exc:
        raise AssertionError(f"survoler l'Isère n'affiche pas son infobulle {where}") from exc
    page.mouse.click(x, y)
    try:
        expect(sidebar_select(page, "Département")).to_have_value(option, timeout=10_000)
    except AssertionError as exc:
        raise AssertionError(f"le clic sur l'Isère n'a pas réglé le filtre {where}") from exc
    expect(page).to_have_url(re.compile(rf"[?&]dep={code}(&|$)"))
    wait_idle(page)
    assert urlparse(page.url).path == "/carte"
    assert_no_exception(page)
    assert app.errors == []


# -- downloads ----------------------------------------------------------------------------------
def _download_buttons(page: Any, kind: str) -> Any:
    return page.get_by_test_id("stDownloadButton").filter(has_text=kind)


def _open_download_menu(page: Any) -> None:
    """Open the first chart's « Télécharger » menu; its buttons come with the fragment's rerun."""
    menus = page.get_by_test_id("stPopover").filter(has_text="Télécharger")
    if not menus.count():
        return
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    menus.first.locator("button").first.click()
    try:
        _download_buttons(page, "PNG").first.wait_for(state="visible", timeout=15_000)
    except PlaywrightTimeout:  # the caller reports what it found
        return
    wait_idle(page)


def _download(page: Any, button: Any, folder: Path) -> Path:
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def test_png_and_csv_downloads_are_valid_files(app, tmp_path) -> None:
    page = app.page
    # The home page, then the map: where figures are; not every page (each costs a load).
    pages = sorted((p for p in _pages() if Path(p[0]).stem not in WITHOUT_CHART),
                   key=lambda p: not p[2])[:2]
    seen = []
    for file, _title, default in pages:
        open_page(page, app.url(url_path(file, default)))
        page.locator(DRAWN).first.wait_for()
        wait_idle(page)
        png, csv = _download_buttons(page, "PNG"), _download_buttons(page, "CSV")
        assert not png.count(), "les boutons d'un menu fermé ne sont construits qu'à l'ouverture"
        _open_download_menu(page)
        seen.append(f"{url_path(file, default)} : {png.count()} PNG, {csv.count()} CSV")
        if png.count() and csv.count():
            break
    else:
        pytest.fail(f"aucun bouton de téléchargement « PNG » et « CSV » : {'; '.join(seen)}")

    image = _download(page, png.first, tmp_path)
    head = image.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{image.name} n'est pas un PNG"
    assert head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    assert width > 0 and height > 0

    table = _download(page, csv.first, tmp_path)
    df = pd.read_csv(table, sep=";", encoding="utf-8-sig")
    assert len(df.columns) >= 2 and len(df) >= 1, f"{table.name} : tableau vide"
    assert not any(str(c).startswith("\ufeff") for c in df.columns)
    assert app.errors == []


# -- import (last: it changes the server's store) ------------------------------------------------
MEMBERSHIP_CSV = (
    "Nom de la structure,Type de structure,Stade,Département,Année\n"
    "MSP du Val de Test-Navigateur,MSP,En projet,15,2025\n"
)


def test_zz_import_through_the_import_page_shows_the_new_team(app, tmp_path) -> None:
    expect = _expect()
    page = app.page
    home = app.url("/?annee=2025&dep=15")
    open_page(page, home)
    expect(sidebar_select(page, "Département")).to_have_value("15 – Cantal")
    before = int(metric(page, "Équipes adhérentes").replace("\u00a0", "").replace(" ", ""))

    source = tmp_path / "adhesions_navigateur.csv"
    source.write_text(MEMBERSHIP_CSV, encoding="utf-8")
    open_page(page, app.url("/import"))
    main = page.get_by_test_id("stMain")
    kind = main.get_by_role("combobox").first
    if kind.input_value() != "Formulaire d'adhésion":
        kind.click()
        page.get_by_role("option", name="Formulaire d'adhésion", exact=True).click()
        wait_idle(page)
    uploader = main.get_by_test_id("stFileUploader").filter(has_text="Fichier").first
    uploader.locator('input[type="file"]').set_input_files(source)
    confirm = main.get_by_role("button", name=re.compile(r"^Importer"))
    confirm.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    confirm.click()
    expect(main.get_by_text(re.compile(r"Import réussi"))).to_be_visible()
    wait_idle(page)

    open_page(page, home)
    after = int(metric(page, "Équipes adhérentes").replace("\u00a0", "").replace(" ", ""))
    assert after == before + 1
    assert app.errors == []


_CLICKABLE_PROJECT = """(root) => {
  for (const mark of root.querySelectorAll('path[aria-label*="Projet: "]')) {
    const box = mark.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (box.width > 0 && document.elementFromPoint(x, y) === mark)
      return {x, y, label: mark.getAttribute('aria-label')};
  }
  return null;
}"""


def test_clicking_a_project_on_the_map_shows_its_dates(app) -> None:
    expect = _expect()
    page = app.page
    open_page(page, app.url("/projets"))
    first = page.locator('path[aria-label*="Projet: "]').first
    first.wait_for()
    first.scroll_into_view_if_needed()  # the map of the projects is below the first charts
    wait_idle(page)
    found = page.get_by_test_id("stMain").evaluate(_CLICKABLE_PROJECT)
    assert found, "aucun projet cliquable sur la carte des projets"
    name = re.search(r"Projet: ([^;]+)", found["label"]).group(1).strip()
    page.mouse.click(found["x"], found["y"])
    title = page.get_by_test_id("stMarkdown").filter(has_text=f"{name} (")
    expect(title.first).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Premier contact").first).to_be_visible()
    assert urlparse(page.url).path == "/projets"
    assert_no_exception(page)
    assert app.errors == []
