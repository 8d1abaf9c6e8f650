"""The import report: what was read, how columns were understood, what landed and what did not."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from observatory import formats
from observatory.imports.errors import RowError
from observatory.imports.reading import DELIMITER_LABELS, ENCODING_LABELS
from observatory.vocabulary import KIND_LABELS as FACILITATION_KINDS
from observatory.vocabulary import status_label

KIND_LABELS = {
    "adhesions": "formulaire d'adhésion",
    "facilitations": "journal des facilitations",
    "survey": "enquête flash",
    "fiches": "fiches de capitalisation",
    "references": "équipes existantes (liste ou décompte)",
    "projects": "suivi des projets",
}
MAX_ERRORS_IN_TEXT = 200
# What the mapping's technical targets mean, in French (fields have their own labels).
TARGET_PREFIXES = {"technique": "colonne technique", "répondant": "répondant",
                   "question": "question"}
# Preview columns that are not a field of the kind (row bookkeeping, survey respondents).
PREVIEW_LABELS = {
    "line": "Ligne", "response_id": "Réponse n°", "complete": "Complète",
    "teams": "Équipe(s)", "fiche_id": "Identifiant de la fiche", "team_name": "Équipe",
    "profession": "Profession", "name": "Nom de l'équipe", "aci": "Sous ACI",
}


def field_labels(kind: str) -> dict[str, str]:
    """Field name → its French label, for one kind of import."""
    from observatory.imports.kinds import fields  # kinds reads the importers' modules

    return {f.name: f.label for f in fields(kind)}


def target_label(kind: str, target: str) -> str:
    """What a column became, in French: ``departement`` → ``Département``,
    ``technique:submitdate`` → ``colonne technique (submitdate)``, ``question:Q2`` → ``question Q2``."""
    prefix, _, rest = target.partition(":")
    if rest and prefix in TARGET_PREFIXES:
        if prefix == "répondant":
            return f"répondant : {field_labels(kind).get(rest, rest)}"
        if prefix == "question":
            return f"question {rest}"
        return f"{TARGET_PREFIXES[prefix]} ({rest})"
    return field_labels(kind).get(target, target)


@dataclass
class ImportReport:
    """Everything a person needs to trust (or fix) one import, in French via ``to_text``."""

    kind: str
    file_name: str | None
    sha256: str
    size_bytes: int
    container: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rows_total: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    duplicate: bool = False
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None
    created_teams: int = 0
    incomplete_responses: int = 0
    imported: bool = False  # True once written to the store (False for a preview)
    undone: bool = False  # the report of undo_last_batch
    more_rejected: int = 0  # rejected rows past the errors kept one by one
    # what the import removes besides what it adds (see each kind's ``plan``): by scope
    # ("months", "year" for facilitations; "survey"), counts removed/added/unchanged
    replacement: dict[str, dict[str, Any]] = field(default_factory=dict)
    replace: str | None = None  # the choice made: None, "confirm" or "year"
    # which column may be which field: what the import page's mapping step shows (not stored)
    mapping_request: Any = None

    @property
    def chosen_scope(self) -> dict[str, Any] | None:
        """The replacement that applies with the choice made (None when nothing is replaced)."""
        if not self.replacement:
            return None
        if "months" not in self.replacement:  # one way to replace: a survey, départements
            return next(iter(self.replacement.values()))
        return self.replacement["year" if self.replace == "year" else "months"]

    @property
    def needs_confirmation(self) -> bool:
        """True when the import would remove more than it adds and that was not confirmed."""
        scope = self.chosen_scope
        return (scope is not None and self.replace is None
                and scope["removed"] > scope["added"])

    def format_text(self) -> str:
        """The detected container, encoding and delimiter in French."""
        if self.container == "xlsx":
            return f"classeur Excel (.xlsx), feuille « {self.sheet} »"
        if self.container == "ods":
            return f"classeur LibreOffice (.ods), feuille « {self.sheet} »"
        if self.container == "csv":
            enc = ENCODING_LABELS.get(self.encoding or "", self.encoding)
            sep = DELIMITER_LABELS.get(self.delimiter or "", self.delimiter)
            return f"texte délimité (CSV), encodage {enc}, séparateur : {sep}"
        return "inconnu"

    def to_text(self) -> str:
        """A French, human report: format, column mapping, counts, notes, then each error."""
        size = f"{self.size_bytes / 1024:.1f} Ko".replace(".", ",")
        lines = [
            f"Import : {KIND_LABELS.get(self.kind, self.kind)}",
            f"Fichier : {self.file_name or '(sans nom)'} ({size}, SHA-256 {self.sha256[:12]}…)",
            f"Format détecté : {self.format_text()}",
        ]
        if self.duplicate:
            lines.append(
                f"Ce fichier a déjà été importé (lot n° {self.batch_id}) : rien n'a changé."
            )
            return "\n".join(lines)
        if self.undone:
            return "\n".join(lines + self.notes)
        if self.header_mapping:
            lines.append("Colonnes reconnues :")
            lines += [f"  « {src} » → {target_label(self.kind, dst)}"
                      for src, dst in self.header_mapping.items()]
        if self.ignored_columns:
            ignored = ", ".join(f"« {c} »" for c in self.ignored_columns)
            lines.append(f"Colonnes ignorées (conservées dans le fichier d'origine) : {ignored}")
        verb = "importée(s)" if self.imported else "importable(s)"
        lines.append(
            f"Lignes : {self.rows_total} au total, {self.rows_imported} {verb}, "
            f"{self.rows_rejected} rejetée(s)"
        )
        if self.batch_id is not None and self.imported:
            lines.append(f"Lot d'import n° {self.batch_id}")
        lines += self.replacement_lines()
        if self.notes:
            lines.append("Remarques :")
            lines += [f"  - {note}" for note in self.notes]
        if self.errors:
            lines.append(f"Erreurs ({len(self.errors)}) :")
            lines += [f"  {e}" for e in self.errors[:MAX_ERRORS_IN_TEXT]]
            if len(self.errors) > MAX_ERRORS_IN_TEXT:
                lines.append(f"  … et {len(self.errors) - MAX_ERRORS_IN_TEXT} autres")
            if self.more_rejected:
                lines.append(f"  … et {self.more_rejected} autre(s) ligne(s) en erreur, sans "
                             "détail (seules les premières erreurs sont gardées)")
        return "\n".join(lines)

    def replacement_lines(self) -> list[str]:
        """What the import removes, by scope, and whether it waits for a confirmation."""
        if not self.replacement or self.imported:
            return []
        out = ["Remplacement :"]
        for name, scope in self.replacement.items():
            how = {"months": "mois couverts par le fichier (par défaut)",
                   "year": "années entières (--replace-year)",
                   "survey": "toute l'enquête",
                   "departements": "départements couverts par le fichier"}.get(name, name)
            out.append(f"  {how} — {scope['label']} : {scope['removed']} retirée(s), "
                       f"{scope['added']} ajoutée(s), {scope['unchanged']} inchangée(s)"
                       + (f", {scope['teams_removed']} équipe(s) retirée(s)"
                          if scope.get("teams_removed") else ""))
        if self.needs_confirmation:
            out.append("  Cet import retire plus qu'il n'ajoute : il sera refusé sans "
                       "confirmation (--confirm-deletions"
                       + (" ou --replace-year)" if "year" in self.replacement else ")") + ".")
        return out

    def mapping_table(self) -> pd.DataFrame:
        """Which column became which field, and which were ignored: what the import page shows."""
        rows = [{"Colonne du fichier": col, "Champ reconnu": target_label(self.kind, target)}
                for col, target in self.header_mapping.items()]
        rows += [{"Colonne du fichier": col, "Champ reconnu": "(ignorée)"}
                 for col in self.ignored_columns]
        return pd.DataFrame(rows, columns=["Colonne du fichier", "Champ reconnu"])

    def preview_table(self) -> pd.DataFrame:
        """The preview with French column titles and values as the pages write them (never a
        personal column, never an internal code such as ``sous_aci``)."""
        labels = {**PREVIEW_LABELS, **field_labels(self.kind)}
        return _readable(self.preview).rename(columns=lambda c: labels.get(c, c))

    def to_json(self) -> str:
        """The report as stored with its batch (no preview: it may hold cell values)."""
        data: dict[str, Any] = {
            k: v for k, v in self.__dict__.items()
            if k not in ("preview", "errors", "mapping_request")
        }
        data["errors"] = [asdict(e) for e in self.errors]
        return json.dumps(data, ensure_ascii=False, default=str)


def _readable(df: pd.DataFrame) -> pd.DataFrame:
    """Coded values in their French words: statuses, kinds of facilitation, yes/no, dates."""
    out = df.copy()
    for col in out.columns:
        if col in ("status", "team_profile"):
            out[col] = out[col].map(lambda v: None if v is None or v != v else status_label(v))
        elif col == "kind":
            out[col] = out[col].map(lambda v: FACILITATION_KINDS.get(v, v))
        elif pd.api.types.is_bool_dtype(out[col]) or (
                out[col].dtype == object and out[col].map(
                    lambda v: v is None or isinstance(v, bool)).all()
                and out[col].map(lambda v: isinstance(v, bool)).any()):
            out[col] = out[col].map(lambda v: "Oui" if v is True else "Non" if v is False
                                    else None)
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(lambda v: None if v is None or v != v
                                    else formats.day(v) if v == v.normalize()
                                    else f"{formats.day(v)} {v:%H:%M}")
        elif out[col].map(lambda v: isinstance(v, dt.date)).any():
            out[col] = out[col].map(lambda v: formats.day(v) if isinstance(v, dt.date) else v)
    return out
