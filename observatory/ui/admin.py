"""The administration page: who has an account (never a password hash) and how the server is set.

Settings are shown, not edited here: they live in the server's environment, its secrets file and
its federation profile, where a change is made once by whoever runs the server (see README).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from observatory import audit, auth, settings, store
from observatory.config import db_path
from observatory.exports import tables
from observatory.imports import core
from observatory.ui import packages
from observatory.ui.auth import secrets
from observatory.ui.shell import Context
from observatory.ui.text import plain


def _accounts() -> pd.DataFrame:
    rows = [{"Identifiant": a.name, "Rôle": auth.ROLE_LABELS.get(a.role, f"inconnu ({a.role})"),
             "Équipe (n°)": "–" if a.team is None else str(a.team)}
            for a in sorted(auth.users(secrets()).values(), key=lambda a: a.name)]
    return pd.DataFrame(rows, columns=["Identifiant", "Rôle", "Équipe (n°)"])


def _sign_in_mode() -> str:
    configured = secrets()
    public = " ; accès public ouvert" if auth.public_access(configured) else ""
    if auth.uses_st_login(configured):
        return "fournisseur OpenID Connect (st.login), rôles par adresse" + public
    if auth.users(configured):
        return ("identifiant et mot de passe (empreintes argon2 dans le fichier de secrets), "
                f"session de {auth.session_seconds(configured) / 86400:g} jours" + public)
    if public:
        return "accès public seulement (aucun compte configuré)"
    return "mode démonstration locale (aucun compte configuré)"


def server_settings(ctx: Context) -> pd.DataFrame:
    """The settings in force on this server, in French: the store, then the settings registry."""
    db = db_path()
    info = store.meta(db)
    size = db.stat().st_size if db.exists() else 0
    rows = [
        ("Fédération", f"{ctx.federation.name} ({ctx.federation.id})",
         "observatory init --federation ID"),
        ("Taille de la base", f"{size / 1024 / 1024:.1f} Mo".replace(".", ","), ""),
        ("Version du schéma", info.get("schema_version", "–"), ""),
        ("Écritures depuis la création", info.get("data_version", "0"), ""),
        ("Connexion", _sign_in_mode(), "fichier de secrets de Streamlit"),
        ("Imports annulables (copies de la base gardées)", str(core.UNDO_KEEP), ""),
    ]
    rows += [(s.label, s.shown(settings.value(s.name)), f"variable {s.env}")
             for s in settings.SETTINGS if s.label and s.env]
    return pd.DataFrame(rows, columns=["Réglage", "Valeur", "Où le changer"])


def _audit_log() -> None:
    """Who changed what, when: publications, imports, undos, erasures, accounts."""
    st.subheader("Journal des modifications")
    log = audit.entries(db_path())
    if log.empty:
        st.info("Aucune modification enregistrée pour l'instant.")
        return
    st.dataframe(log, hide_index=True, width="stretch", key="admin_journal")
    st.download_button("Journal (CSV)", data=lambda: tables.frame_to_csv(log),
                       file_name="journal_des_modifications.csv", mime=tables.CSV_MIME,
                       key="admin_journal_csv", on_click="ignore", icon=":material/download:")
    st.caption(plain("Qui a publié ou retiré une infographie ou une fiche, importé ou annulé un "
                     "import, effacé une équipe, ajouté, modifié ou retiré un compte, et quand. "
                     "Le journal ne contient ni mot de passe ni empreinte."))


def page(ctx: Context) -> None:
    """Accounts, then settings, then the commands that change them."""
    st.title("Administration")
    st.subheader("Comptes")
    accounts = _accounts()
    if accounts.empty:
        st.info(plain("Aucun compte configuré : l'application tourne en mode démonstration "
                      "locale. Créez un compte sur le serveur avec "
                      "« observatory user add NOM --role admin »."))
    else:
        st.dataframe(accounts, hide_index=True, width="stretch", key="admin_comptes")
    st.caption(plain("Les mots de passe ne sont jamais affichés ni stockés : seule leur "
                     "empreinte argon2 est dans le fichier de secrets du serveur. Ajouter ou "
                     "modifier un compte : observatory user add NOM --role lecture|équipe|admin "
                     "(adhérent : --role adherent --team N) ; retirer un compte : observatory "
                     "user remove NOM."))
    st.subheader("Réglages")
    st.dataframe(server_settings(ctx), hide_index=True, width="stretch", key="admin_reglages")
    st.caption(plain("Les variables d'environnement se règlent au démarrage du serveur ; "
                     "la liste complète des réglages est dans le README."))
    _audit_log()
    packages.section(ctx)
    st.subheader("Sauvegarde et suppression")
    st.caption(plain("Sauvegarde cohérente : observatory backup DOSSIER ; restauration : "
                     "observatory restore DOSSIER ; suppression des données d'une équipe à sa "
                     "demande : observatory team delete « NOM » --departement CODE."))
