"""Signing in, in a real browser on a server that requires it: only the sign-in form before
signing in (from the very first request after a start), a session that survives a reload, a
pasted link and a bookmark, back to the very page and filters asked for, « Se déconnecter » that
ends it, and repeated failures slowed down. The HTTP tests below check the same server without a
browser (cookie flags, redirects, messages)."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from typing import Any

import pytest
from conftest import ACCOUNTS, E2E_PASSWORD, VIEWPORT
from test_browser import ISERE, _expect, assert_no_exception, open_page, sidebar_select

FORM = 'form[action$="/connexion"]'


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(20_000)
    return context


def _sign_in(page: Any, name: str, password: str) -> None:
    page.locator(FORM).wait_for()
    page.fill("#identifiant", name)
    page.fill("#mot_de_passe", password)
    page.click('button[type="submit"]')


def _only_the_form(page: Any) -> None:
    """The page is the sign-in form, and nothing of the app."""
    expect = _expect()
    expect(page.locator(FORM)).to_be_visible()
    assert page.locator('[data-testid="stApp"]').count() == 0
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    text = page.inner_text("body")
    for leak in ("accueil", "administration", "annuaire", "Chiffres clés", "Facilitations"):
        assert leak not in text, leak


@pytest.mark.browser
def test_first_request_after_a_start_shows_only_the_sign_in_form_and_leads_back(
        auth_server, browser, screenshots) -> None:
    expect = _expect()
    context = _context(browser)
    try:
        page = context.new_page()
        code, option = ISERE
        asked = f"/carte?annee=2025&dep={code}"
        page.goto(auth_server.url + asked)  # the server's very first request
        assert urllib.parse.urlparse(page.url).path == "/connexion"
        _only_the_form(page)
        page.screenshot(path=str(screenshots / "connexion.png"))
        _sign_in(page, "marie", E2E_PASSWORD)
        page.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
        assert page.url == auth_server.url + asked  # that very page, those very filters
        expect(sidebar_select(page, "Département")).to_have_value(option)
        assert_no_exception(page)
    finally:
        context.close()


@pytest.mark.browser
def test_a_session_survives_reload_pasted_link_and_bookmark_until_signing_out(
        auth_server, browser) -> None:
    expect = _expect()
    context = _context(browser)
    try:
        page = context.new_page()
        open_page_signed_out = auth_server.url + "/"
        page.goto(open_page_signed_out)
        _sign_in(page, "paul", E2E_PASSWORD)
        page.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
        cookie = next(c for c in context.cookies() if c["name"] == "observatoire_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
        assert "observatoire_session" not in page.evaluate("document.cookie")  # no script reads it

        page.reload()  # F5
        page.get_by_test_id("stMain").locator("h1").first.wait_for()
        assert page.locator(FORM).count() == 0
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Connecté : paul")

        code, option = ISERE
        link = f"{auth_server.url}/facilitations?annee=2025&dep={code}"
        pasted = context.new_page()  # a link pasted in a new tab (or a bookmark)
        open_page(pasted, link)
        expect(pasted.get_by_test_id("stMain").locator("h1").first).to_have_text("Facilitations")
        expect(sidebar_select(pasted, "Département")).to_have_value(option)
        assert_no_exception(pasted)

        pasted.get_by_test_id("stSidebar").get_by_role("button", name="Se déconnecter").click()
        pasted.locator(FORM).wait_for()
        expect(pasted.locator("p.alert")).to_have_text("Vous êtes déconnecté.")
        assert not [c for c in context.cookies() if c["name"] == "observatoire_session"]
        page.goto(link)  # signed out: the form again, still pointing at that page
        _only_the_form(page)
        assert "suivant=%2Ffacilitations%3Fannee%3D2025%26dep%3D38" in page.url
    finally:
        context.close()
    # the cookie copied before signing out opens nothing any more
    replay = _context(browser)
    try:
        replay.add_cookies([cookie])
        page = replay.new_page()
        page.goto(link)
        _only_the_form(page)
    finally:
        replay.close()


@pytest.mark.browser
def test_repeated_failures_are_slowed_down_and_say_nothing_of_the_account(
        auth_server, browser) -> None:
    expect = _expect()
    context = _context(browser)
    try:
        page = context.new_page()
        page.goto(auth_server.url + "/")
        messages = []
        for name in ("marie", "marie", "personne"):  # an account, then no account at all
            _sign_in(page, name, "pas le bon mot de passe")
            page.locator("p.alert").wait_for()
            messages.append(page.inner_text("p.alert"))
        assert messages[0] == messages[1] == "Identifiant ou mot de passe incorrect."
        assert messages[2].startswith("Identifiant ou mot de passe incorrect.")
        _sign_in(page, "marie", E2E_PASSWORD)  # the right one, too soon: not even checked
        expect(page.locator("p.alert")).to_contain_text("Trop de tentatives : patientez")
        assert page.locator('[data-testid="stApp"]').count() == 0
        # the wait (1 s after the third failure) began before the refused attempt: over by now
        time.sleep(1.0)
        _sign_in(page, "marie", E2E_PASSWORD)
        page.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
        assert_no_exception(page)
    finally:
        context.close()
    log = auth_server.log.read_text(errors="replace")
    assert "connexion ralentie : tentative refusée sans vérification" in log
    assert "marie" not in log and "personne" not in log and "127.0.0.1" not in \
        "\n".join(line for line in log.splitlines() if "connexion" in line)


@pytest.mark.browser
def test_a_member_team_reaches_its_own_page_only(auth_server, browser, screenshots) -> None:
    expect = _expect()
    context = _context(browser)
    try:
        page = context.new_page()
        page.goto(auth_server.url + "/mon-equipe?equipe=49")  # another team's number
        _sign_in(page, "lac", E2E_PASSWORD)
        page.get_by_test_id("stMain").wait_for(timeout=60_000)
        expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
            "ne montre que l'équipe du compte connecté")
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        open_page(page, auth_server.url + "/mon-equipe")
        expect(page.get_by_test_id("stMain").locator("h1").first).to_have_text(
            "MSP Saint-Corange")
        names = [n.inner_text().split("\n")[-1] for n in
                 page.get_by_test_id("stSidebarNavLink").all()]
        assert names == ["Chiffres clés", "Carte des équipes", "Enquêtes flash",
                         "Capitalisation", "Mon équipe"]
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        page.screenshot(path=str(screenshots / "mon-equipe-adherent.png"), full_page=True)
        assert_no_exception(page)
    finally:
        context.close()


# -- the same server, over HTTP only ------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _request(url: str, data: dict | None = None, cookie: str = "",
             headers: dict | None = None) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={
        **({"Cookie": cookie} if cookie else {}), **(headers or {})})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def test_over_http_the_cookie_is_signed_httponly_and_the_target_stays_on_the_site(
        auth_server) -> None:
    url = auth_server.url
    status, headers, _ = _request(url + "/portrait?annee=2025&dep=15&type=CPTS")
    assert status == 303
    assert headers["location"] == \
        "/connexion?suivant=%2Fportrait%3Fannee%3D2025%26dep%3D15%26type%3DCPTS"
    for asset in ("/_stcore/health", "/favicon.png", "/static/js/none.js"):
        assert _request(url + asset)[0] != 303, asset  # Streamlit's own files are not gated
    status, headers, _ = _request(url + "/connexion", {
        "identifiant": "paul", "mot_de_passe": E2E_PASSWORD,
        "suivant": "https://ailleurs.example/piege"})
    assert status == 303 and headers["location"] == "/"  # never to another site
    cookie = SimpleCookie(headers["set-cookie"])["observatoire_session"]
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax"
    assert int(cookie["max-age"]) == 7 * 86400 and not cookie["secure"]  # plain HTTP here
    session = f"observatoire_session={cookie.value}"
    assert _request(url + "/portrait", cookie=session)[0] == 200
    forged = session[:-3] + ("AAA" if not session.endswith("AAA") else "BBB")
    assert _request(url + "/portrait", cookie=forged)[0] == 303
    status, _, page = _request(url + "/connexion", {"identifiant": "paul",
                                                    "mot_de_passe": E2E_PASSWORD},
                               headers={"Origin": "https://ailleurs.example"})
    assert status == 403 and "ne vient pas de ce site" in page
    # the page never says whether the account exists
    known = _request(url + "/connexion", {"identifiant": "paul", "mot_de_passe": "faux"})
    unknown = _request(url + "/connexion", {"identifiant": "nobody", "mot_de_passe": "faux"})
    assert known[0] == unknown[0] == 401
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", known[2]) == strip.sub("", unknown[2])
    assert set(ACCOUNTS) >= {"paul"}
