"""The web server's own routes: the sign-in form, sign-out, and the gate in front of the app.

``server.py`` (what ``python3 manage.py run`` starts) mounts them on Streamlit's own server with
``st.App(routes=…, middleware=…)``. A script cannot set an HttpOnly cookie: these routes can,
as Streamlit's st.login does with its own routes. Signing in is a plain HTML form posted to
``/connexion``: the password never enters a Streamlit session, and the response sets a signed,
expiring session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) before sending the browser
back to the page and filters it asked for. The gate answers every page request of a visitor
without a session with that form, from the first request after a start: nothing of the app
(no sidebar, no page list) reaches them. The app's script checks the cookie again on every run
(``ui.auth``): the gate is what a visitor sees, the script is what protects.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from observatory import auth, settings, store
from observatory.config import get_federation

log = logging.getLogger(__name__)
SIGN_IN = "/connexion"
SIGN_OUT = "/deconnexion"
NEXT = "suivant"
# Paths that are never a page: Streamlit's own endpoints and assets, and ours.
_NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/")
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
}


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as a prefix (``/observatoire``, or empty)."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def sign_in_url(target: str = "/") -> str:
    """The form's address, coming back to ``target`` (a path and its query) once signed in."""
    return f"{base_path()}{SIGN_IN}?{urlencode({NEXT: safe_target(target)})}"


def safe_target(target: str | None) -> str:
    """A path of this site only (no other host, no scheme): where to go after signing in."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") \
            or parts.path.startswith("//") or "\\" in parts.path:
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_page(path: str) -> bool:
    """Whether a GET of ``path`` asks for a page of the app (not an asset, not an endpoint)."""
    base = base_path()
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):] or "/"
    last = path.rsplit("/", 1)[-1]
    return not (path.startswith(_NOT_PAGES) or "/_stcore/" in path or "." in last
                or path in (SIGN_IN, SIGN_OUT))


def _client(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def _federation_name() -> str:
    try:
        return get_federation(store.federation_id()).name
    except Exception:  # no store yet, or an unknown profile: the form works without a name
        return ""


def _page(message: str = "", *, target: str = "/", name: str = "", form: bool = True,
          status: int = 200) -> HTMLResponse:
    """The sign-in page: the federation, the form, and one message (never whether an account
    exists)."""
    federation = html.escape(_federation_name())
    alert = f'<p class="alert" role="alert">{html.escape(message)}</p>' if message else ""
    body = f"""
      <form method="post" action="{html.escape(base_path() + SIGN_IN)}">
        <input type="hidden" name="{NEXT}" value="{html.escape(safe_target(target))}">
        <label for="identifiant">Identifiant</label>
        <input id="identifiant" name="identifiant" autocomplete="username" required
               autofocus value="{html.escape(name)}" maxlength="64">
        <label for="mot_de_passe">Mot de passe</label>
        <input id="mot_de_passe" name="mot_de_passe" type="password" required
               autocomplete="current-password" maxlength="1024">
        <button type="submit">Se connecter</button>
      </form>""" if form else ""
    page = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion · Observatoire de l'exercice coordonné</title>
<style>
  body {{ font-family: "Source Sans Pro", "Segoe UI", Arial, sans-serif; background: #f5f7fa;
         color: #1f2933; margin: 0; display: flex; min-height: 100vh; align-items: center;
         justify-content: center; }}
  main {{ background: white; padding: 2.5rem; border-radius: 8px; width: min(22rem, 90vw);
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }}
  h1 {{ font-size: 1.4rem; margin: 0 0 .3rem; }}
  p.federation {{ color: #52606d; margin: 0 0 1.5rem; }}
  label {{ display: block; font-weight: 600; margin: 1rem 0 .3rem; }}
  input {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
          border: 1px solid #9aa5b1; border-radius: 4px; }}
  button {{ margin-top: 1.5rem; width: 100%; padding: .65rem; font-size: 1rem; border: 0;
           border-radius: 4px; background: #0072b2; color: white; cursor: pointer; }}
  p.alert {{ background: #fdecea; color: #8a1c1c; padding: .7rem; border-radius: 4px; }}
</style></head>
<body><main>
  <h1>Observatoire de l'exercice coordonné</h1>
  <p class="federation">{federation}</p>
  {alert}{body}
</main></body></html>"""
    return HTMLResponse(page, status_code=status, headers=_HEADERS)


def _wait_text(seconds: float) -> str:
    whole = max(1, int(seconds + 0.999))
    return (f"Trop de tentatives : patientez {whole} seconde{'s' if whole > 1 else ''} "
            "avant de réessayer.")


async def sign_in(request: Request) -> Response:
    """GET: the form (or straight on, with a session); POST: check, then cookie and redirect."""
    try:
        secrets = auth.load_secrets()
    except settings.SettingError as exc:
        return _page(f"Configuration du serveur à corriger : {exc}", form=False, status=500)
    target = safe_target(request.query_params.get(NEXT))
    if not auth.users(secrets) or auth.uses_st_login(secrets):
        return _page("Aucun compte n'est configuré sur ce serveur : rien à quoi se connecter.",
                     form=False, status=404)
    if request.method == "GET":
        if auth.session(secrets, request.cookies.get(auth.COOKIE)) is not None:
            return RedirectResponse(base_path() + target, status_code=303)
        ended = "Vous êtes déconnecté." if request.query_params.get("fin") else ""
        return _page(ended, target=target)
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        return _page("Formulaire refusé : il ne vient pas de ce site.", status=403)
    form = await request.form()
    name = str(form.get("identifiant", ""))[:64]
    password = str(form.get("mot_de_passe", ""))[:1024]
    target = safe_target(str(form.get(NEXT, "/")))
    tried = auth.attempt(secrets, name, password, _client(request))
    if tried.account is None:
        message = "Identifiant ou mot de passe incorrect." if tried.checked else ""
        if tried.wait > 0:
            message = f"{message} {_wait_text(tried.wait)}".strip()
        return _page(message, target=target, name=name, status=401 if tried.checked else 429)
    response = RedirectResponse(base_path() + target, status_code=303)
    response.set_cookie(auth.COOKIE, auth.issue(secrets, tried.account),
                        max_age=auth.session_seconds(secrets), path=base_path() or "/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


async def sign_out(request: Request) -> Response:
    """End the session (for good: a copy of the cookie is refused too) and forget the cookie."""
    secrets = auth.load_secrets()
    auth.close(secrets, request.cookies.get(auth.COOKIE))
    target = f"{base_path()}{SIGN_IN}?fin=1" if auth.sign_in_required(secrets) else \
        (base_path() or "/")
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(auth.COOKIE, path=base_path() or "/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response


class SignInGate:
    """Answer a page request without a good session with the sign-in form (by a redirect that
    keeps the page and filters asked for), whenever the server requires signing in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") \
                and is_page(scope.get("path", "/")):
            request = Request(scope)
            try:
                secrets = auth.load_secrets()
                auth.public_access(secrets)
            except settings.SettingError as exc:  # nothing opens on a broken configuration
                await _page(f"Configuration du serveur à corriger : {exc}", form=False,
                            status=500)(scope, receive, send)
                return
            if auth.sign_in_required(secrets) and \
                    auth.session(secrets, request.cookies.get(auth.COOKIE)) is None:
                asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                base = base_path()
                if base and asked.startswith(base):
                    asked = asked[len(base):] or "/"
                response = RedirectResponse(sign_in_url(asked), status_code=303,
                                            headers={"Cache-Control": "no-store"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes() -> list[Any]:
    """The sign-in and sign-out routes, under Streamlit's base path."""
    base = base_path()
    return [Route(base + SIGN_IN, sign_in, methods=["GET", "POST"]),
            Route(base + SIGN_OUT, sign_out, methods=["GET"])]


def middleware() -> list[Middleware]:
    return [Middleware(SignInGate)]


def prepare() -> None:
    """Before the first session: the app is a navigation app, never Streamlit's legacy
    ``pages/`` mode (which lists the page files by name until st.navigation has run once)."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False

