"""``observatory export``: a page or a département sheet to files, without a browser or a network.

    observatory export --page home --year 2025 --format pptx --out chiffres.pptx
    observatory export --page facilitations --year 2025 --departement 38 --format png --out images/
    observatory export --sheet 38 --year 2025 --out fiche_38.pdf
    observatory export --team-sheet 12 --year 2025 --out equipe_12.pdf
    observatory export --infographic 2025-12-plan-strategique --format png --out plan.png
    observatory export --infographic chiffres-cles --year 2025 --format pdf --out une.pdf

pptx and pdf write one file; png, svg, csv and xlsx write one file per chart (and, for csv/xlsx,
per table) into the ``--out`` directory. Exit codes: 0 done, 1 refused (no store, page not
available, nothing to export), 2 usage (unknown page, département, territory, format).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from observatory.filters import Scope
from observatory.pages import exportable
from observatory.vocabulary import TEAM_TYPES

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
KEY_FIGURES = "chiffres-cles"  # --infographic of the year's key figures

# Page name on the command line → the page (observatory.pages), whose view is exported.
PAGES = exportable()
DEFAULT_PAGE = next(name for name, page in PAGES.items() if page.default)
SINGLE_FILE = ("pptx", "pdf")
PER_FIGURE = ("png", "svg", "csv", "xlsx")
FORMATS = SINGLE_FILE + PER_FIGURE


class Refused(Exception):
    """A French message for the user and the exit code to return."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``export`` on the main parser's subparsers."""
    p = subparsers.add_parser(
        "export",
        help="exporter une page (PPTX, PDF, PNG, SVG, CSV, XLSX), une fiche département ou "
             "une fiche équipe (PDF)",
        description="Exporte ce que montre une page, pour les filtres donnés, sans navigateur.",
    )
    p.add_argument("--db", help="fichier DuckDB (défaut : $OBSERVATORY_DB ou "
                                "data/observatory.duckdb)")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--page", metavar="NOM",
                        help=f"page à exporter : {', '.join(PAGES)} (défaut : {DEFAULT_PAGE})")
    target.add_argument("--sheet", metavar="CODE",
                        help="fiche PDF d'un département (code INSEE, ex. 38)")
    target.add_argument("--team-sheet", metavar="N", type=int,
                        help="fiche PDF d'une équipe, « Mon équipe » (son numéro : "
                             "observatory team find)")
    target.add_argument("--infographic", metavar="ENQUÊTE",
                        help="infographie d'une page A4 (pdf, png ou svg) : l'identifiant d'une "
                             f"enquête, ou « {KEY_FIGURES} » pour les chiffres clés de l'année")
    p.add_argument("--year", type=int, help="année (défaut : la plus récente de la base)")
    p.add_argument("--departement", help="filtre : code du département")
    p.add_argument("--territory", help="filtre : territoire de la fédération")
    p.add_argument("--team-type", choices=list(TEAM_TYPES), help="filtre : type d'équipe")
    p.add_argument("--format", choices=FORMATS,
                   help="pptx ou pdf : un fichier ; png, svg, csv ou xlsx : un fichier par "
                        "graphique ou tableau dans le dossier --out (défaut : pptx ; pdf pour "
                        "--sheet)")
    p.add_argument("--out", type=Path,
                   help="fichier (pptx, pdf) ou dossier (png, svg, csv, xlsx) à écrire")
    return p


def resolve_page(name: str) -> Callable[..., Any]:
    """The ``build`` function of a page, or Refused with a French message."""
    if name not in PAGES:
        raise Refused(f"Page inconnue : « {name} » (pages : {', '.join(PAGES)}).", EXIT_USAGE)
    page = PAGES[name]
    return getattr(importlib.import_module(str(page.view_module)), str(page.view_function))


def _departement_names() -> dict[str, str]:
    from observatory import geo

    deps = geo.departements()
    return dict(zip(deps["code"], deps["name"], strict=True))


def _scope(args: argparse.Namespace, federation: Any, year: int) -> Scope:
    from observatory import geo

    departement = None
    if args.departement:
        departement = geo.normalise_departement(args.departement)
        if departement is None or departement not in federation.departements:
            raise Refused(f"Département inconnu pour {federation.name} : « {args.departement} »",
                          EXIT_USAGE)
    if args.territory and args.territory not in federation.territories:
        known = ", ".join(federation.territories) or "aucun"
        raise Refused(f"Territoire inconnu : « {args.territory} » (connus : {known})",
                      EXIT_USAGE)
    return Scope(year=year, territory=args.territory, departement=departement,
                 team_type=args.team_type)


def build_view(build: Callable[..., Any], scope: Scope, federation: Any, db: Any) -> Any:
    """Call a page's ``build`` the way the page does, with département names when it takes them."""
    kwargs = {}
    if "departement_names" in inspect.signature(build).parameters:
        kwargs["departement_names"] = _departement_names()
    return build(scope, federation, db, **kwargs)


def _unique(name: str, used: set[str]) -> str:
    candidate, i = name, 2
    while candidate in used:
        candidate, i = f"{name}_{i}", i + 1
    used.add(candidate)
    return candidate


def write_files(view: Any, federation: Any, fmt: str, out: Path,
                failed: list[str] | None = None) -> list[Path]:
    """Write the view's charts/tables in ``fmt`` into directory ``out``; returns the paths.

    Keys of the charts that could not be drawn are appended to ``failed``.
    """
    failed = [] if failed is None else failed
    from observatory.exports import images, tables
    from observatory.exports.common import ExportContext, slug
    from observatory.views import access

    view = access.protect(view)
    context = ExportContext(view.scope_label, federation.name)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for fig in view.figures:
        name = _unique(slug(fig.key), used)
        if fig.withheld:  # no file of a chart too few to show: not an empty one
            print(f"Ignoré : {fig.title} : {fig.withheld}.", file=sys.stderr)
            continue
        if fmt in ("png", "svg"):
            try:
                data = images.png(fig, context) if fmt == "png" else images.svg(fig, context)
            except images.NoChart as exc:
                print(f"Ignoré : {exc}", file=sys.stderr)
                continue
            except images.RenderError as exc:
                print(f"Erreur : {exc}", file=sys.stderr)
                failed.append(fig.key)
                continue
        elif fmt == "csv":
            data = tables.figure_csv(fig)
        else:
            data = tables.figure_xlsx(fig, context)
        path = out / f"{name}.{fmt}"
        path.write_bytes(data)
        written.append(path)
    if fmt in ("csv", "xlsx"):
        for table in view.tables:
            name = _unique(slug(table.key), used)
            data = tables.table_csv(table) if fmt == "csv" else tables.table_xlsx(table, context)
            path = out / f"{name}.{fmt}"
            path.write_bytes(data)
            written.append(path)
    return written


def _latest_year(db: Any) -> int:
    from observatory import indicators

    years = indicators.available_years(db)
    if not years:
        raise Refused("La base ne contient encore aucune donnée : importez d'abord des fichiers.")
    return years[0]


def _run(args: argparse.Namespace) -> int:
    from observatory import store
    from observatory.config import get_federation
    from observatory.exports.common import slug

    if not store.exists(args.db):
        raise Refused(f"Aucune base de données à « {store.db_path(args.db)} » : lancez "
                      "« observatory demo » ou « observatory init » d'abord.")
    federation = get_federation(store.federation_id(args.db))
    year = args.year or _latest_year(args.db)

    if args.sheet:
        from observatory.exports.sheet import departement_sheet

        return _pdf_sheet(args, "La fiche département", "--sheet",
                          lambda: departement_sheet(args.sheet, year, federation, args.db),
                          Path(f"fiche_{slug(args.sheet)}_{year}.pdf"), EXIT_USAGE)

    if args.team_sheet is not None:
        from observatory.exports.team_sheet import team_sheet

        return _pdf_sheet(args, "La fiche équipe", "--team-sheet",
                          lambda: team_sheet(args.team_sheet, year, federation, args.db,
                                             departement_names=_departement_names()),
                          Path(f"fiche_equipe_{args.team_sheet}_{year}.pdf"), EXIT_REFUSED)

    if args.infographic:
        return _infographic(args, federation, year)

    page = args.page or DEFAULT_PAGE
    build = resolve_page(page)
    scope = _scope(args, federation, year)
    view = build_view(build, scope, federation, args.db)
    fmt = args.format or "pptx"
    default_name = f"{slug(page)}_{slug(view.scope_label)}"
    if fmt in SINGLE_FILE:
        from observatory.exports.document import pdf
        from observatory.exports.presentation import deck

        data = deck(view, federation) if fmt == "pptx" else pdf(view, federation)
        return _write_one(args.out, f"{default_name}.{fmt}", data)
    out = args.out or Path(default_name)
    if out.exists() and not out.is_dir():
        raise Refused(f"--out doit être un dossier pour le format {fmt} : « {out} » est un "
                      "fichier.", EXIT_USAGE)
    failed: list[str] = []
    written = write_files(view, federation, fmt, out, failed)
    for path in written:
        print(path)
    if failed:
        raise Refused(f"{len(failed)} graphique(s) non exporté(s) : {', '.join(failed)}.")
    if not written:
        raise Refused(view.empty_message or f"Rien à exporter en {fmt} pour {view.scope_label}.")
    return EXIT_OK


def _pdf_sheet(args: argparse.Namespace, what: str, option: str, make: Callable[[], bytes],
               default: Path, unknown: int) -> int:
    """A sheet (``what``, « La fiche département »), one PDF written to --out; ``unknown``:
    the exit code when ``make`` does not know what it was asked for."""
    if args.format not in (None, "pdf"):
        raise Refused(f"{what} n'existe qu'en PDF (--format pdf).", EXIT_USAGE)
    if args.departement or args.territory or args.team_type:
        raise Refused(f"{option} ne se combine pas avec --departement, --territory ou "
                      "--team-type.", EXIT_USAGE)
    try:
        data = make()
    except ValueError as exc:
        raise Refused(str(exc), unknown) from None
    return _write_one(args.out, str(default), data)


def _infographic(args: argparse.Namespace, federation: Any, year: int) -> int:
    """``--infographic``: one A4 page of a survey, or of the year's key figures."""
    from observatory.exports import infographic
    from observatory.exports.common import slug
    from observatory.indicators import surveys as survey_figures
    from observatory.views import carte, home, surveys

    fmt = args.format or "pdf"
    if fmt not in infographic.FORMATS:
        raise Refused(f"Une infographie s'exporte en {', '.join(infographic.FORMATS)} "
                      f"(--format), pas en {fmt}.", EXIT_USAGE)
    names = _departement_names()
    if args.infographic == KEY_FIGURES:
        scope = _scope(args, federation, year)
        front = home.build(scope, federation, args.db, names)
        if front.empty_message:
            raise Refused(front.empty_message)
        data = infographic.key_figures_page(front, carte.build(scope, federation, args.db),
                                            federation, year, fmt)
        name = f"chiffres_cles_{year}_{slug(front.scope_label)}"
    else:
        meta = survey_figures.survey(args.infographic, args.db)
        if not len(meta):
            known = ", ".join(surveys.choices(Scope(), federation, args.db)[0]) or "aucune"
            raise Refused(f"Enquête inconnue : « {args.infographic} » (enquêtes : {known}).",
                          EXIT_USAGE)
        month = meta["month"].iloc[0]
        # the scope's label names the survey's year, whatever --year says
        survey_year = int(month.year) if month is not None and month == month else year
        scope = _scope(args, federation, survey_year)
        view = surveys.build(scope, federation, args.db, survey_id=args.infographic,
                             departement_names=names)
        if view.empty_message:
            raise Refused(view.empty_message)
        data = infographic.survey_page(view, federation, fmt)
        name = f"infographie_{slug(args.infographic)}"
    return _write_one(args.out, f"{name}.{fmt}", data)


def _write_one(out: Path | None, name: str, data: bytes) -> int:
    """One file: ``out``, or ``name`` inside ``out`` when it is a folder (here without one)."""
    out = out or Path(name)
    if out.is_dir():
        out = out / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(out)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run ``observatory export``: 0 done, 1 refused, 2 usage error (message on stderr)."""
    from observatory import store

    try:
        return _run(args)
    except Refused as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
