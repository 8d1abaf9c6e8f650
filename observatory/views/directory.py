"""Annuaire et expertises: find member teams by place, type, status, protocol, mission or system."""

from __future__ import annotations

import pandas as pd

from observatory import formats
from observatory.config import Federation
from observatory.filters import Scope
from observatory.indicators import DB
from observatory.indicators import directory as ind
from observatory.views import Metric, Table, View, national
from observatory.vocabulary import STATUS_LABELS


def filter_options(scope: Scope, federation: Federation,
                   db: DB = None) -> dict[str, list[str]]:
    """The values the page's multiselects offer (statuses as their codes)."""
    if national.is_national(db):
        return {"statuses": [], "protocols": [], "missions": [], "systems": []}
    return ind.filter_options(scope, federation, db)


def build(
    scope: Scope,
    federation: Federation,
    db: DB = None,
    statuses: tuple[str, ...] = (),
    protocols: tuple[str, ...] = (),
    missions: tuple[str, ...] = (),
    systems: tuple[str, ...] = (),
    query: str = "",
    show_contacts: bool = False,
    departement_names: dict[str, str] | None = None,
) -> View:
    """The member teams of ``scope`` matching the criteria; e-mails only with ``show_contacts``."""
    if national.is_national(db):
        return national.team_level("Annuaire et expertises", "la liste des équipes et leurs "
                                   "contacts", scope, federation)
    label = scope.label(federation, departement_names or {})
    view = View(title="Annuaire et expertises", scope_label=label)
    total = ind.member_count(scope, federation, db)
    if not total:
        view.empty_message = f"Aucune équipe adhérente pour {label}."
        return view
    df = ind.members(scope, federation, db, statuses=tuple(statuses), protocols=tuple(protocols),
                     missions=tuple(missions), systems=tuple(systems), query=query,
                     show_contacts=show_contacts)
    view.metrics = [
        Metric("Équipes trouvées", formats.number(len(df)), None,
               "Équipes adhérentes répondant à tous les critères choisis."),
        Metric("Équipes adhérentes du périmètre", formats.number(total), None,
               "Dernier formulaire d'adhésion de chaque équipe dans le périmètre."),
    ]
    if not len(df):
        view.empty_message = ("Aucune équipe ne correspond à ces critères "
                              f"({formats.number(total)} équipes adhérentes dans le périmètre).")
        return view
    table = pd.DataFrame({
        "Équipe": df["name"],
        "Type": df["team_type"],
        "Statut": df["status"].map(lambda s: STATUS_LABELS.get(s, "Non renseigné")),
        "Département": df["departement"] + " – " + df["departement_name"].fillna(""),
        "Commune": df["commune"].fillna(""),
        "Professionnels": df["professionals"].astype("Int64"),
        "Professions": df["professions"],
        "Protocoles": df["protocols"],
        "Missions de santé publique": df["missions"],
        "SI partagé": df["information_system"].fillna(""),
        "Année du formulaire": df["year"].astype(int),
    })
    if show_contacts:
        table["Courriel"] = df["email"].fillna("")
    view.tables.append(Table(
        "annuaire", "Équipes adhérentes", table,
        "Source : formulaires d'adhésion (dernier formulaire de chaque équipe dans le "
        "périmètre)." + ("" if show_contacts else " Coordonnées réservées à l'équipe de la "
                         "fédération."), detail=True))
    return view
