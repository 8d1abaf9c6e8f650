"""The ``observatory`` command line: the same library functions the pages use."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from observatory import store, synth
from observatory.config import get_federation
from observatory.exports import cli as export_cli
from observatory.filters import Scope
from observatory.imports.errors import ImportRefused

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="fichier DuckDB (défaut : $OBSERVATORY_DB ou data/observatory.duckdb)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory", description="Observatoire de l'exercice coordonné")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="créer (ou mettre à jour) la base")
    _db_arg(p)
    p.add_argument("--federation", help="identifiant de la fédération (femasaura, fecop…)")

    p = sub.add_parser("demo", help="construire la base de démonstration à partir des fichiers de data/demo")
    _db_arg(p)
    p.add_argument("--regenerate", action="store_true", help="réécrire d'abord les fichiers de démonstration")

    p = sub.add_parser("import", help="importer un fichier exporté")
    kinds = p.add_subparsers(dest="kind", required=True)
    for kind, help_text in (
        ("adhesions", "formulaire d'adhésion"),
        ("facilitations", "journal des facilitations"),
        ("survey", "enquête flash"),
        ("fiches", "fiches de capitalisation"),
        ("references", "décompte des équipes existantes par département et type"),
    ):
        k = kinds.add_parser(kind, help=help_text)
        k.add_argument("file", type=Path)
        _db_arg(k)
        k.add_argument("--valid-rows-only", action="store_true",
                       help="importer les lignes valides et garder les lignes rejetées")
        if kind in ("adhesions", "references"):
            k.add_argument("--year", type=int)
        if kind == "survey":
            k.add_argument("--id", dest="survey_id")
            k.add_argument("--title")
            k.add_argument("--date", help="AAAA-MM")
            k.add_argument("--theme")
            k.add_argument("--objective")

    p = sub.add_parser("figures", help="chiffres clés d'un périmètre")
    _db_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--departement")
    p.add_argument("--territory")
    p.add_argument("--team-type", choices=["MSP", "CPTS", "ESP", "CDS"])
    p.add_argument("--json", action="store_true", help="sortie JSON")

    export_cli.add_parser(sub)
    synth.add_parser(sub)

    p = sub.add_parser("user", help="comptes de connexion (fichier de secrets du serveur)")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="ajouter ou remplacer un compte")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["lecture", "equipe", "admin"])
    u.add_argument("--secrets", type=Path, help="défaut : .streamlit/secrets.toml")
    u.add_argument("--password-stdin", action="store_true",
                   help="lire le mot de passe sur l'entrée standard")

    p = sub.add_parser("backup", help="sauvegarde cohérente de la base (Parquet)")
    _db_arg(p)
    p.add_argument("destination", type=Path)
    p = sub.add_parser("restore", help="restaurer une sauvegarde")
    _db_arg(p)
    p.add_argument("source", type=Path)
    return parser


def _cmd_init(args: argparse.Namespace) -> int:
    path = store.init(args.db, args.federation)
    print(f"Base prête : {path}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from observatory import demo

    if args.regenerate:
        demo.generate()
    path = store.db_path(args.db)
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    for report in demo.build(args.db):
        print(f"{report.kind:<14} {report.file_name:<40} {report.rows_imported:>5} lignes")
    print(f"Base de démonstration : {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from observatory import imports

    meta = None
    if args.kind == "survey":
        meta = {k: v for k, v in {
            "id": args.survey_id, "title": args.title, "date": args.date,
            "theme": args.theme, "objective": args.objective,
        }.items() if v}
    if not args.file.exists():
        print(f"Fichier introuvable : {args.file}", file=sys.stderr)
        return EXIT_REFUSED
    if not store.exists(args.db):
        store.init(args.db)
    report = imports.import_file(
        args.kind, args.file, db=args.db, year=getattr(args, "year", None),
        survey_meta=meta, valid_rows_only=args.valid_rows_only,
    )
    print(report.to_text())
    return EXIT_OK


def _cmd_figures(args: argparse.Namespace) -> int:
    from observatory import indicators

    fed = get_federation(store.federation_id(args.db))
    if args.departement:
        from observatory import geo

        code = geo.normalise_departement(args.departement)
        if code is None or code not in fed.departements:
            print(f"Département inconnu pour {fed.name} : « {args.departement} »", file=sys.stderr)
            return EXIT_USAGE
        args.departement = code
    if args.territory and args.territory not in fed.territories:
        known = ", ".join(fed.territories) or "aucun"
        print(f"Territoire inconnu : « {args.territory} » (connus : {known})", file=sys.stderr)
        return EXIT_USAGE
    scope = Scope(year=args.year, territory=args.territory, departement=args.departement,
                  team_type=args.team_type)
    figures = indicators.key_figures(scope, fed, args.db)
    figures["federation"] = fed.id
    figures["scope"] = scope.label(fed)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        for key, value in figures.items():
            if key != "by_departement":
                print(f"{key:<28} {value}")
    return EXIT_OK


def _cmd_user(args: argparse.Namespace) -> int:
    import getpass

    from observatory import auth

    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmation : ") != password:
            print("Les deux saisies diffèrent.", file=sys.stderr)
            return EXIT_REFUSED
    path = auth.add_user(args.name, args.role, password, args.secrets)
    print(f"Compte « {args.name} » ({args.role}) enregistré dans {path}")
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace) -> int:
    print(f"Sauvegarde écrite dans {store.backup(args.db, args.destination)}")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    print(f"Base restaurée : {store.restore(args.source, args.db)}")
    return EXIT_OK


COMMANDS = {
    "init": _cmd_init, "demo": _cmd_demo, "import": _cmd_import, "figures": _cmd_figures,
    "export": export_cli.run, "synth": synth.run, "user": _cmd_user, "backup": _cmd_backup,
    "restore": _cmd_restore,
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for bad usage
        return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args)
    except ImportRefused as exc:
        print(exc.message, file=sys.stderr)
        for error in exc.errors[:50]:
            print(f"  {error}", file=sys.stderr)
        if len(exc.errors) > 50:
            print(f"  … et {len(exc.errors) - 50} autres erreurs", file=sys.stderr)
        return EXIT_REFUSED
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
