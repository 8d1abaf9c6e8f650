"""The ``observatory`` command line: the same library functions the pages use."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from observatory import logs, store, synth
from observatory.config import get_federation
from observatory.exports import cli as export_cli
from observatory.filters import Scope
from observatory.imports.errors import ImportRefused
from observatory.packages import PackageRefused
from observatory.vocabulary import TEAM_TYPES

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="fichier DuckDB (défaut : $OBSERVATORY_DB ou data/observatory.duckdb)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory", description="Observatoire de l'exercice coordonné")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="journal de ce que fait la commande sur la sortie d'erreur "
                             "(-vv : le détail) ; à placer avant la commande")
    sub = parser.add_subparsers(dest="command", required=True)
    _store_parsers(sub)
    _import_parser(sub)
    _figures_parser(sub)
    _estimate_parser(sub)
    export_cli.add_parser(sub)
    synth.add_parser(sub)
    _user_parser(sub)
    _team_parser(sub)
    _backup_parsers(sub)
    _package_parsers(sub)
    return parser


def _store_parsers(sub: Any) -> None:
    """``init`` and ``demo``: a new store, the demo store."""
    p = sub.add_parser("init", help="créer (ou mettre à jour) la base")
    _db_arg(p)
    p.add_argument("--federation", help="identifiant de la fédération (femasaura, fecop…)")

    p = sub.add_parser("demo", help="construire la base de démonstration à partir des fichiers de data/demo")
    _db_arg(p)
    p.add_argument("--regenerate", action="store_true", help="réécrire d'abord les fichiers de démonstration")
    p.add_argument("--federation", default="femasaura", choices=["femasaura", "fecop"],
                   help="femasaura (défaut : data/demo/) ou fecop (Occitanie : data/demo/fecop/)")


IMPORT_KINDS = (
    ("adhesions", "formulaire d'adhésion"),
    ("facilitations", "journal des facilitations"),
    ("survey", "enquête flash"),
    ("fiches", "fiches de capitalisation"),
    ("references", "équipes existantes : liste (une ligne par équipe) ou décompte par "
                   "département et type"),
    ("projects", "suivi des projets (une ligne par projet, la date de chaque étape)"),
)


def _import_parser(sub: Any) -> None:
    """``import KIND FILE`` for each kind, and the batches: history, undo, original, rejected."""
    p = sub.add_parser("import", help="importer un fichier exporté, voir l'historique, annuler")
    kinds = p.add_subparsers(dest="kind", required=True)
    for kind, help_text in IMPORT_KINDS:
        k = kinds.add_parser(kind, help=help_text)
        k.add_argument("file", type=Path)
        _db_arg(k)
        k.add_argument("--valid-rows-only", action="store_true",
                       help="importer les lignes valides et garder les lignes rejetées")
        k.add_argument("--dry-run", action="store_true",
                       help="vérifier et afficher le rapport sans rien importer")
        k.add_argument("--sheet", help="feuille du classeur .xlsx (défaut : la première)")
        if kind != "survey":
            k.add_argument("--map", action="append", default=[], metavar="CHAMP=COLONNE",
                           help="la colonne du fichier qui donne ce champ, par exemple "
                                "\"Type de structure=Quel est le type de votre structure ?\" "
                                "(répétable ; enregistrée pour les prochains fichiers)")
            k.add_argument("--mapping", type=Path, metavar="FICHIER.toml",
                           help="correspondances « \"Champ\" = \"Colonne\" », une par ligne")
            k.add_argument("--mapping-name", help="nom sous lequel enregistrer la correspondance")
        if kind in ("facilitations", "survey", "projects"):
            k.add_argument("--confirm-deletions", action="store_true",
                           help="accepter un import qui retire plus qu'il n'ajoute")
        if kind == "facilitations":
            k.add_argument("--replace-year", action="store_true",
                           help="remplacer toutes les facilitations des années du fichier (par "
                                "défaut : seulement les mois qu'il couvre)")
        if kind in ("adhesions", "references"):
            k.add_argument("--year", type=int)
        if kind == "survey":
            _survey_options(k)
    k = kinds.add_parser("history", help="historique des imports (lots)")
    _db_arg(k)
    k = kinds.add_parser("undo", help="annuler le dernier import")
    _db_arg(k)
    k = kinds.add_parser("original", help="le fichier d'origine d'un lot, octet pour octet")
    k.add_argument("batch", type=int)
    _db_arg(k)
    k.add_argument("--out", type=Path, help="fichier à écrire (défaut : son nom d'origine)")
    k = kinds.add_parser("rejected", help="lignes rejetées d'un lot (CSV)")
    k.add_argument("batch", type=int)
    _db_arg(k)
    k.add_argument("--out", type=Path, help="fichier CSV à écrire (défaut : la sortie standard)")


def _survey_options(k: argparse.ArgumentParser) -> None:
    """What a survey's sidecar file may also say: its id, title, date, theme, objective."""
    k.add_argument("--id", dest="survey_id")
    k.add_argument("--title")
    k.add_argument("--date", help="AAAA-MM")
    k.add_argument("--theme")
    k.add_argument("--objective")
    k.add_argument("--published", action=argparse.BooleanOptionalAction, default=None,
                   help="infographie publiée (--no-published : non publiée)")


def _figures_parser(sub: Any) -> None:
    p = sub.add_parser("figures", help="chiffres clés d'un périmètre")
    _db_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--departement")
    p.add_argument("--territory")
    p.add_argument("--team-type", choices=list(TEAM_TYPES))
    p.add_argument("--json", action="store_true", help="sortie JSON")


def _estimate_parser(sub: Any) -> None:
    from observatory.indicators.estimates import FIELDS

    p = sub.add_parser("estimate", help="une question du formulaire estimée pour toutes les "
                                        "équipes existantes (liste ou décompte de référence)")
    _db_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--field", required=True, choices=list(FIELDS),
                   help="question, nommée comme dans la base (aci_amount : moyenne et médiane)")
    p.add_argument("--departement")
    p.add_argument("--territory")
    p.add_argument("--team-type", choices=list(TEAM_TYPES))
    p.add_argument("--json", action="store_true", help="sortie JSON")


def _user_parser(sub: Any) -> None:
    """``user add|remove|list``: the accounts of the secrets file."""
    p = sub.add_parser("user", help="comptes de connexion (fichier de secrets du serveur)")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="ajouter ou remplacer un compte")
    u.add_argument("name")
    u.add_argument("--role", required=True, type=_role,
                   help="adhérent (une équipe adhérente), lecture (agrégats), équipe "
                        "(salariés) ou admin")
    u.add_argument("--team", metavar="N_OU_NOM",
                   help="l'équipe d'un compte adhérent : son numéro ou son nom (team find)")
    u.add_argument("--password-stdin", action="store_true",
                   help="lire le mot de passe sur l'entrée standard")
    u = users.add_parser("remove", help="retirer un compte")
    u.add_argument("name")
    u = users.add_parser("list", help="lister les comptes, leurs rôles et leurs équipes")
    for u in users.choices.values():
        u.add_argument("--secrets", type=Path, help="défaut : $OBSERVATORY_SECRETS ou "
                                                    ".streamlit/secrets.toml")
        _db_arg(u)  # where the change is written to the audit log (and teams are found)


def _team_parser(sub: Any) -> None:
    """``team find|delete``: a team's data, erased on request."""
    p = sub.add_parser("team", help="retrouver une équipe, effacer ses données à sa demande")
    team = p.add_subparsers(dest="action", required=True)
    t = team.add_parser("find", help="chercher une équipe (nom, FINESS/SIRET ou numéro)")
    t.add_argument("text")
    t.add_argument("--departement")
    _db_arg(t)
    t = team.add_parser("delete", help="effacer toutes les données d'une équipe")
    t.add_argument("text", help="nom, FINESS/SIRET ou numéro de l'équipe (voir team find)")
    t.add_argument("--departement")
    t.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    _db_arg(t)


def _backup_parsers(sub: Any) -> None:
    p = sub.add_parser("backup", help="sauvegarde cohérente de la base (Parquet)")
    _db_arg(p)
    p.add_argument("destination", type=Path)
    p = sub.add_parser("restore", help="restaurer une sauvegarde")
    _db_arg(p)
    p.add_argument("source", type=Path)


def _package_parsers(sub: Any) -> None:
    """``publish``, ``consolidate`` and ``reference``: packages from the regions to France."""
    p = sub.add_parser("publish", help="écrire le paquet de la fédération pour le niveau "
                                       "national (agrégats masqués, Parquet)")
    _db_arg(p)
    p.add_argument("--year", type=int, help="une année (défaut : toutes celles de la base)")
    p.add_argument("--years", help="une période, par exemple 2016-2025")
    p.add_argument("--out", type=Path, required=True,
                   help="dossier (nouveau ou vide) ou fichier .zip à écrire")
    p.add_argument("--with-team-register", action="store_true",
                   help="joindre le registre des équipes adhérentes : FINESS, type, commune "
                        "(jamais leurs réponses)")
    p.add_argument("--territory", help="un seul territoire du profil (une région de la base "
                                       "nationale synthétique), publié comme une fédération")
    p.add_argument("--federation-id", help="avec --territory : l'identifiant de la fédération "
                                           "que nomme le paquet (défaut : profil-territoire)")
    p.add_argument("--federation-name", help="avec --territory : son nom (défaut : « profil – "
                                             "territoire »)")
    p = sub.add_parser("consolidate", help="construire ou mettre à jour la base nationale à "
                                           "partir des paquets des fédérations")
    p.add_argument("packages", nargs="+", type=Path, help="paquets (.zip ou dossiers)")
    p.add_argument("--db", required=True, help="la base nationale (créée si elle n'existe pas)")
    p.add_argument("--federation", default="avecsante",
                   help="profil de la base nationale (défaut : avecsante)")
    p = sub.add_parser("reference", help="charger le paquet national comme référence (« vs "
                                         "France ») dans la base de la fédération")
    p.add_argument("package", type=Path)
    _db_arg(p)


def _cmd_publish(args: argparse.Namespace) -> int:
    from observatory.packages import publish

    years = ([args.year] if args.year else []) + (publish.parse_years(args.years)
                                                  if args.years else [])
    out = publish.publish(args.db, args.out, years or None,
                          team_register=args.with_team_register, territory=args.territory,
                          federation_id=args.federation_id,
                          federation_name=args.federation_name)
    print(f"Paquet écrit : {out}")
    return EXIT_OK


def _cmd_consolidate(args: argparse.Namespace) -> int:
    from observatory.packages import consolidate

    for report in consolidate.consolidate(args.packages, args.db, args.federation):
        print(report.to_text())
    print(f"Base nationale : {store.db_path(args.db)}")
    return EXIT_OK


def _cmd_reference(args: argparse.Namespace) -> int:
    from observatory.packages import consolidate

    loaded = consolidate.load_reference(args.package, args.db)
    print(f"Référence nationale chargée : {len(loaded)} fédération(s)")
    for report in loaded:
        print(report.to_text())
    return EXIT_OK


def _role(text: str) -> str:
    from observatory import auth

    try:
        return auth.role_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_init(args: argparse.Namespace) -> int:
    path = store.init(args.db, args.federation)
    print(f"Base prête : {path}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from observatory import demo

    if args.regenerate:
        demo.generate_for(args.federation)
    path = store.db_path(args.db)
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    for report in demo.build(args.db, demo.demo_dir(args.federation)):
        print(f"{report.kind:<14} {report.file_name:<40} {report.rows_imported:>5} lignes")
    print(f"Base de démonstration : {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from observatory import imports

    if args.kind in ("history", "undo", "rejected", "original"):
        return _import_batches(args)
    meta = None
    if args.kind == "survey":
        meta = {k: v for k, v in {
            "id": args.survey_id, "title": args.title, "date": args.date,
            "theme": args.theme, "objective": args.objective, "published": args.published,
        }.items() if v is not None and v != ""}
    options = {"year": getattr(args, "year", None), "survey_meta": meta, "sheet": args.sheet,
               "choices": _choices(args)}
    if args.dry_run:
        report = imports.read_import(args.kind, args.file, db=args.db, **options)
        print(report.to_text())
        if report.errors and not args.valid_rows_only:
            print("Vérification : ce fichier serait refusé (voir les erreurs ci-dessus).",
                  file=sys.stderr)
            return EXIT_REFUSED
        if report.needs_confirmation:
            print("Vérification : cet import retire plus qu'il n'ajoute, il serait refusé sans "
                  "confirmation (voir « Remplacement » ci-dessus).", file=sys.stderr)
            return EXIT_REFUSED
        return EXIT_OK
    try:
        report = imports.import_file(args.kind, args.file, db=args.db,
                                     valid_rows_only=args.valid_rows_only, **options)
    except ImportRefused as exc:
        if exc.report is not None and exc.report.header_mapping:
            # the same report as a success, errors included; the verdict on stderr
            print(exc.report.to_text())
            print(exc.message.split("\n", 1)[0], file=sys.stderr)
        else:
            print(exc.message, file=sys.stderr)
        return EXIT_REFUSED
    print(report.to_text())
    return EXIT_OK


def _choices(args: argparse.Namespace) -> object:
    """What the user chose besides the file: column mapping, what may be replaced."""
    from observatory.imports import Choices
    from observatory.imports import mapping as mappings

    chosen: dict[str, str] = {}
    if getattr(args, "mapping", None):
        chosen.update(mappings.from_file(args.mapping))
    chosen.update(mappings.from_arguments(getattr(args, "map", [])))
    replace = ("year" if getattr(args, "replace_year", False)
               else "confirm" if getattr(args, "confirm_deletions", False) else None)
    return Choices(chosen or None, getattr(args, "mapping_name", None), replace)


def _import_batches(args: argparse.Namespace) -> int:
    """``import history|undo|rejected|original``: what the import page shows under the upload."""
    from observatory import imports
    from observatory.imports.report import KIND_LABELS

    if args.kind == "undo":
        report = imports.undo_last_batch(args.db)
        print(report.to_text() if report else "Aucun import à annuler.")
        return EXIT_OK
    if args.kind == "original":
        data = imports.original_file(args.batch, args.db)
        if data is None:
            print(f"Lot n° {args.batch} inconnu, annulé ou effacé : pas de fichier d'origine.",
                  file=sys.stderr)
            return EXIT_REFUSED
        history = imports.batches(args.db).set_index("batch_id")
        out = args.out or Path(history.at[args.batch, "file_name"] or f"lot_{args.batch}")
        if out.exists():
            print(f"« {out} » existe déjà : choisissez un autre nom avec --out.", file=sys.stderr)
            return EXIT_REFUSED
        out.write_bytes(data)
        print(f"Fichier d'origine du lot n° {args.batch} écrit dans {out} ({len(data)} octets).")
        return EXIT_OK
    if args.kind == "rejected":
        rejected = imports.rejected_rows(args.batch, args.db)
        text = rejected.to_csv(index=False, sep=";")
        if args.out:
            args.out.write_text(text, encoding="utf-8-sig")
            print(f"{len(rejected)} ligne(s) rejetée(s) écrites dans {args.out}")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    history = imports.batches(args.db)
    if history.empty:
        print("Aucun import pour l'instant.")
        return EXIT_OK
    for row in history.itertuples(index=False):
        state = " (annulé)" if row.undone else ""
        print(f"lot {row.batch_id:>4}  {row.imported_at:%d/%m/%Y %H:%M}  "
              f"{KIND_LABELS.get(row.kind, row.kind):<26} {row.file_name}  {row.rows_total} "
              f"ligne(s), {row.rows_imported} importée(s), {row.rows_rejected} rejetée(s)"
              f"{state}")
    return EXIT_OK


def _scope_of(args: argparse.Namespace) -> tuple[Any, Scope] | int:
    """The federation and the scope the options name, or the usage exit code (said why)."""
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
    return fed, Scope(year=args.year, territory=args.territory, departement=args.departement,
                      team_type=args.team_type)


def _cmd_figures(args: argparse.Namespace) -> int:
    from observatory import indicators

    found = _scope_of(args)
    if isinstance(found, int):
        return found
    fed, scope = found
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


def _team_of(text: str, db: str | None) -> int:
    """The one team ``text`` names (a number or a name), for an adherent account."""
    from observatory import teams

    found = teams.find(text, db)
    if len(found) != 1:
        listed = "; ".join(f"n° {r.team_id} {r.name} ({r.departement})"
                           for r in found.head(5).itertuples(index=False))
        raise ValueError(f"« {text} » ne désigne aucune équipe de la base." if found.empty else
                         f"« {text} » désigne {len(found)} équipes ({listed}) : donnez son "
                         "numéro.")
    return int(found["team_id"].iloc[0])


def _account_change(before: Any, after: Any) -> str:
    """What ``observatory user add`` changed, for the audit log (never the password)."""
    from observatory import auth

    def label(role: str) -> str:
        return auth.ROLE_LABELS.get(role, role)

    if before is None:
        team = f", équipe n° {after.team}" if after.team is not None else ""
        return f"compte ajouté (rôle {label(after.role)}{team})"
    changes = [f"rôle {label(before.role)} → {label(after.role)}"] \
        if before.role != after.role else []
    if before.team != after.team:
        changes.append(f"équipe n° {before.team or '–'} → n° {after.team or '–'}")
    changes.append("nouveau mot de passe")
    return "compte modifié : " + ", ".join(changes)


def _cmd_estimate(args: argparse.Namespace) -> int:
    from observatory import formats, geo
    from observatory.indicators import estimates

    found = _scope_of(args)
    if isinstance(found, int):
        return found
    fed, scope = found
    names = dict(zip(geo.departements()["code"], geo.departements()["name"], strict=True))
    result = estimates.estimate(scope, fed, args.field, args.db, names)
    out = {"federation": fed.id, "scope": scope.label(fed, names), **result.to_json()}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{estimates.FIELDS[args.field]} — {out['scope']}")
    print(f"équipes existantes {result.existing_teams}, adhérentes {result.member_teams}, "
          f"couverture {formats.percent(result.coverage)}")
    for line in out["values"]:
        if args.field == "aci_amount":
            print(f"  {line['statistic']:<8} adhérentes {formats.euros(line['member_value'])}, "
                  f"estimé {formats.euros(line['estimated_value'])} "
                  f"[{formats.euros(line['ci_low'])} ; {formats.euros(line['ci_high'])}]")
        else:
            print(f"  {line['value']:<40} adhérentes {formats.percent(line['member_share'])}, "
                  f"estimé {formats.percent(line['estimated_share'])} "
                  f"[{formats.percent(line['ci_low'])} ; {formats.percent(line['ci_high'])}]"
                  f" ≈ {formats.number(line['estimated_teams'])} équipes")
    for note in [result.unavailable, *result.notes]:
        if note:
            print(f"  - {note}")
    return EXIT_OK


def _cmd_user(args: argparse.Namespace) -> int:
    import getpass

    from observatory import auth

    if args.action != "add":
        return _cmd_user_admin(args)
    team = _team_of(args.team, args.db) if args.team else None
    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmation : ") != password:
            print("Les deux saisies diffèrent.", file=sys.stderr)
            return EXIT_REFUSED
    before = auth.users(auth.load_secrets(args.secrets)).get(args.name)
    path = auth.add_user(args.name, args.role, password, args.secrets, team=team)
    after = auth.users(auth.load_secrets(args.secrets))[args.name]
    print(f"Compte « {args.name} » ({args.role}) enregistré dans {path}")
    _audited(args.db, f"compte « {args.name} »", _account_change(before, after))
    return EXIT_OK


def _audited(db: str | None, target: str, detail: str) -> None:
    from observatory import audit

    if not audit.record_event(db, "account", target, detail):
        print(f"Pas de base à « {store.db_path(db)} » : ce changement n'est pas inscrit au "
              "journal des modifications.", file=sys.stderr)


def _cmd_user_admin(args: argparse.Namespace) -> int:
    """``user remove`` and ``user list`` (never a password hash on screen)."""
    from observatory import auth, teams

    if args.action == "remove":
        removed = auth.remove_user(args.name, args.secrets)
        print(f"Compte « {args.name} » retiré." if removed
              else f"Aucun compte « {args.name} ».", file=sys.stdout if removed else sys.stderr)
        if removed:
            _audited(args.db, f"compte « {args.name} »", "compte retiré")
        return EXIT_OK if removed else EXIT_REFUSED
    configured = auth.load_secrets(args.secrets)
    found = sorted(auth.users(configured).values(), key=lambda a: a.name)
    names = teams.names(args.db) if any(a.team is not None for a in found) else {}
    for a in found:
        team = "" if a.team is None else \
            f"  équipe n° {a.team} {names.get(a.team, '(absente de la base)')}"
        print(f"{a.name:<24} {auth.ROLE_LABELS.get(a.role, a.role):<22} journal "
              f"{auth.pseudonym(configured, a.name)}{team}")
    if not found:
        print("Aucun compte : l'application tourne en mode démonstration locale.")
    return EXIT_OK


def _cmd_team(args: argparse.Namespace) -> int:
    from observatory import geo, teams

    departement = None
    if args.departement:
        departement = geo.normalise_departement(args.departement)
        if departement is None:
            print(f"Département inconnu : « {args.departement} »", file=sys.stderr)
            return EXIT_USAGE
    found = teams.find(args.text, args.db, departement)
    for row in found.itertuples(index=False):
        years = ", ".join(map(str, row.years)) if row.years is not None and len(row.years) else "–"
        print(f"n° {row.team_id:<5} {row.name} · {row.departement or '?'} · "
              f"{row.external_id or 'sans identifiant'} · adhésions : {years} · "
              f"facilitations : {row.facilitations}")
    if args.action == "find":
        if found.empty:
            print("Aucune équipe ne correspond.", file=sys.stderr)
            return EXIT_REFUSED
        return EXIT_OK
    if len(found) != 1:
        print("Aucune équipe ne correspond." if found.empty else
              f"{len(found)} équipes correspondent : précisez (numéro, identifiant ou "
              "--departement).", file=sys.stderr)
        return EXIT_REFUSED
    team = found.iloc[0]
    if not args.yes:
        if not sys.stdin.isatty():
            print("Suppression non confirmée : relancez avec --yes.", file=sys.stderr)
            return EXIT_REFUSED
        answer = input(f"Effacer définitivement toutes les données de « {team['name']} » ? "
                       "(oui/non) ")
        if answer.strip().lower() not in ("oui", "o"):
            print("Rien n'a été supprimé.", file=sys.stderr)
            return EXIT_REFUSED
    print(teams.delete(int(team["team_id"]), args.db).to_text())
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace) -> int:
    print(f"Sauvegarde écrite dans {store.backup(args.db, args.destination)}")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    from observatory import audit

    path = store.restore(args.source, args.db)
    audit.record_event(path, "restore", "base", f"sauvegarde « {Path(args.source).name} » "
                                                 "restaurée")
    print(f"Base restaurée : {path}")
    return EXIT_OK


COMMANDS = {
    "init": _cmd_init, "demo": _cmd_demo, "import": _cmd_import, "figures": _cmd_figures,
    "estimate": _cmd_estimate,
    "export": export_cli.run, "synth": synth.run, "user": _cmd_user, "backup": _cmd_backup,
    "restore": _cmd_restore, "team": _cmd_team, "publish": _cmd_publish,
    "consolidate": _cmd_consolidate, "reference": _cmd_reference,
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for bad usage
        return int(exc.code or 0)
    logs.to_stderr(logs.level_for(args.verbose))
    try:
        return COMMANDS[args.command](args)
    except ImportRefused as exc:  # the message already lists the first errors
        print(exc.message, file=sys.stderr)
        return EXIT_REFUSED
    except (store.StoreError, PackageRefused) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
