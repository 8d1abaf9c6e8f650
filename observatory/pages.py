"""The one page registry: each page's id, URL, French title, icon, file, view, CLI name and role.

The shell builds the navigation from it, ``observatory export --page`` its page names, the tests
and the benchmark their page lists. Adding a page is adding one entry here and its file in
``pages/`` (``pages/<id>.py``: read the context, load the view through the UI layer, lay it out).
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory import auth
from observatory.filters import FIELDS


@dataclass(frozen=True)
class Page:
    """One page of the app."""

    id: str  # its file's name in pages/, and its URL path (/carte) unless it is the default page
    title: str
    icon: str
    role: str  # the least of the federation's roles it opens to (lecture < equipe < admin)
    # the function of observatory/views/ that builds what it shows ("module.function"), which
    # `observatory export` renders; None for pages that show no view (import, administration)
    view: str | None = None
    export: str | None = None  # its name for `observatory export --page`
    default: bool = False  # the home page, at /
    # the roles outside the federation's ladder it also opens to (public, adherent)
    also: tuple[str, ...] = ()
    # the sidebar filters (fields of filters.Scope) that apply to what it shows: the others
    # are not drawn there, so that no filter seems to narrow figures it does not touch
    filters: tuple[str, ...] = FIELDS

    def opens_for(self, role: str | None) -> bool:
        """Whether ``role`` may open this page."""
        return role in self.also or auth.allows(role, self.role)

    @property
    def file(self) -> str:
        """Its script, relative to the project (what st.Page and AppTest take)."""
        return f"pages/{self.id}.py"

    @property
    def url_path(self) -> str:
        """Its public URL path: its id (/carte), '' for the default page (at /)."""
        return "" if self.default else self.id

    @property
    def view_module(self) -> str | None:
        """The module of observatory/views/ that builds it (``observatory.views.home``)."""
        return None if self.view is None else "observatory.views." + self.view.rsplit(".", 1)[0]

    @property
    def view_function(self) -> str | None:
        return None if self.view is None else self.view.rsplit(".", 1)[1]


PUBLIC = ("public", "adherent")  # what the public sees, member teams see too

PAGES: tuple[Page, ...] = (
    Page("accueil", "Chiffres clés", ":material/dashboard:", "lecture", "home.build", "home",
         default=True, also=PUBLIC),
    Page("carte", "Carte des équipes", ":material/map:", "lecture", "carte.build", "carte",
         also=PUBLIC),
    Page("facilitations", "Facilitations", ":material/handshake:", "lecture",
         "facilitations.build", "facilitations"),
    Page("projets", "Projets", ":material/timeline:", "lecture", "projects.build", "projets"),
    Page("portrait", "Portrait des équipes", ":material/groups:", "lecture", "portrait.build",
         "portrait"),
    Page("enquetes", "Enquêtes flash", ":material/poll:", "lecture", "surveys.build", "enquetes",
         also=PUBLIC),
    Page("annuaire", "Annuaire et expertises", ":material/contacts:", "equipe",
         "directory.build", "annuaire"),
    Page("capitalisation", "Capitalisation", ":material/menu_book:", "lecture",
         "capitalisation.build", "capitalisation", also=PUBLIC),
    # its view needs a team (observatory export --team-sheet), not a scope alone
    Page("mon-equipe", "Mon équipe", ":material/home_health:", "equipe", also=("adherent",),
         filters=("year",)),
    Page("publication", "Publication", ":material/public:", "equipe", filters=()),
    Page("import", "Importer des données", ":material/upload_file:", "admin", filters=()),
    Page("administration", "Administration", ":material/admin_panel_settings:", "admin",
         filters=()),
)


def by_file(path: str) -> Page | None:
    """The page whose script is ``path`` (``pages/annuaire.py``), or None."""
    return next((p for p in PAGES if p.file == path), None)


def exportable() -> dict[str, Page]:
    """The pages `observatory export --page` knows, by their CLI name."""
    return {p.export: p for p in PAGES if p.export}
