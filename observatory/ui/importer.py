"""The import page for staff: upload, detected format, preview, errors, confirm; history and undo."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from observatory import imports
from observatory.imports import ImportRefused, ImportReport
from observatory.imports.report import KIND_LABELS as KIND_NAMES
from observatory.ui import data

KIND_LABELS = {kind: name[0].upper() + name[1:] for kind, name in KIND_NAMES.items()}
MAX_UPLOAD_MB = 20


def _staged(upload: UploadedFile, sidecar: UploadedFile | None) -> Path:
    """The upload on disk under its own name, its sidecar beside it (the importers read both)."""
    folder = Path(tempfile.mkdtemp(prefix="observatoire-upload-"))
    safe = Path(upload.name).name or "fichier"
    path = folder / safe
    path.write_bytes(upload.getvalue())
    if sidecar is not None:
        path.with_suffix(".toml").write_bytes(sidecar.getvalue())
    return path


def _errors_frame(report: ImportReport) -> pd.DataFrame:
    return pd.DataFrame(
        [{"Ligne": e.line, "Colonne": e.column, "Valeur": e.value, "Problème": e.message}
         for e in report.errors])


def _show_report(report: ImportReport) -> None:
    st.markdown(f"**Format détecté** : {report.format_text()}")
    mapping = pd.DataFrame(
        [{"Colonne du fichier": col, "Champ reconnu": field}
         for col, field in report.header_mapping.items()]
        + [{"Colonne du fichier": col, "Champ reconnu": "(ignorée)"}
           for col in report.ignored_columns])
    left, right = st.columns(2)
    with left:
        st.markdown("**Correspondance des colonnes**")
        st.dataframe(mapping, hide_index=True, width="stretch")
    with right:
        st.markdown(f"**Aperçu** ({report.rows_total} lignes)")
        st.dataframe(report.preview.head(20), hide_index=True, width="stretch")
    for note in report.notes:
        st.caption(note)
    if report.errors:
        st.error(f"{len(report.errors)} erreur(s) dans le fichier : sans correction, "
                 "l'import sera refusé.")
        st.dataframe(_errors_frame(report), hide_index=True, width="stretch")


def _options(kind: str) -> dict:
    options: dict = {}
    if kind in ("adhesions", "references"):
        year = st.number_input("Année (si le fichier n'a pas de colonne « Année »)",
                               min_value=2000, max_value=2100, value=None, step=1,
                               key="import_year")
        options["year"] = int(year) if year else None
    if kind == "survey":
        cols = st.columns(3)
        meta = {
            "id": cols[0].text_input("Identifiant de l'enquête", key="import_survey_id"),
            "title": cols[1].text_input("Titre", key="import_survey_title"),
            "date": cols[2].text_input("Date (AAAA-MM)", key="import_survey_date"),
            "theme": cols[0].text_input("Thème", key="import_survey_theme"),
            "objective": cols[1].text_input("Objectif", key="import_survey_objective"),
        }
        options["survey_meta"] = {k: v for k, v in meta.items() if v}
    return options


def _history() -> None:
    st.subheader("Historique des imports")
    db = data.current_db()
    history = imports.batches(db)
    if history.empty:
        st.info("Aucun import pour l'instant.")
        return
    shown = history.rename(columns={
        "batch_id": "Lot", "kind": "Type", "file_name": "Fichier", "rows_total": "Lignes",
        "rows_imported": "Importées", "rows_rejected": "Rejetées", "imported_at": "Date",
        "undone": "Annulé", "sha256": "SHA-256"})
    shown["Type"] = shown["Type"].map(KIND_LABELS).fillna(shown["Type"])
    st.dataframe(shown, hide_index=True, width="stretch")
    with_rejects = history[history["rows_rejected"] > 0]
    if len(with_rejects):
        batch = st.selectbox("Lignes rejetées du lot", with_rejects["batch_id"].tolist(),
                             key="import_rejected_batch")
        rejected = imports.rejected_rows(int(batch), db)
        st.dataframe(rejected, hide_index=True, width="stretch")
        st.download_button("Télécharger les lignes rejetées (CSV)",
                           rejected.to_csv(index=False, sep=";").encode("utf-8-sig"),
                           file_name=f"lignes_rejetees_lot_{batch}.csv", mime="text/csv",
                           key="import_rejected_download")
    last = history[~history["undone"]]
    if len(last):
        newest = last.iloc[0]  # batches() lists the newest first
        if st.button(f"Annuler le dernier import (lot {int(newest['batch_id'])} — "
                     f"{newest['file_name']})", key="import_undo"):
            report = imports.undo_last_batch(db)
            st.success(f"Import annulé : lot {report.batch_id}." if report
                       else "Rien à annuler.")
            st.rerun()


def page() -> None:
    """Upload → detected format and preview → confirm; then the history of import batches."""
    st.title("Importer des données")
    st.caption("Formulaire d'adhésion, journal des facilitations, enquête flash ou fiches de "
               "capitalisation, tels que vos outils les exportent (CSV, TSV, TXT ou XLSX). "
               "Le fichier d'origine est conservé ; un import refusé ne change rien.")
    kind = st.selectbox("Type de données", list(KIND_LABELS), format_func=KIND_LABELS.get,
                        key="import_kind")
    upload = st.file_uploader("Fichier exporté", type=["csv", "tsv", "txt", "xlsx"],
                              key="import_file", max_upload_size=MAX_UPLOAD_MB)
    sidecar = None
    if kind == "survey":
        sidecar = st.file_uploader("Fichier de description de l'enquête (.toml, facultatif)",
                                   type=["toml"], key="import_sidecar")
    options = _options(kind)
    if upload is not None:
        path = _staged(upload, sidecar)
        try:
            report = imports.read_import(kind, path, file_name=upload.name, db=data.current_db(),
                                         **options)
        except ImportRefused as exc:
            st.error(exc.message)
            if exc.errors:
                st.dataframe(pd.DataFrame(
                    [{"Ligne": e.line, "Colonne": e.column, "Valeur": e.value,
                      "Problème": e.message} for e in exc.errors]), hide_index=True)
        else:
            _show_report(report)
            if report.duplicate:
                st.info(f"Ce fichier a déjà été importé (lot {report.batch_id}) : "
                        "l'importer de nouveau ne changerait rien.")
            else:
                valid_only = False
                if report.errors:
                    valid_only = st.checkbox(
                        "Importer seulement les lignes valides (les lignes rejetées sont "
                        "conservées et téléchargeables)", key="import_valid_only")
                if st.button("Importer", type="primary", key="import_confirm",
                             disabled=bool(report.errors) and not valid_only):
                    try:
                        done = imports.import_file(kind, path, file_name=upload.name,
                                                   db=data.current_db(),
                                                   valid_rows_only=valid_only, **options)
                    except ImportRefused as exc:
                        st.error(exc.message)
                    else:
                        st.success(f"Import réussi (lot {done.batch_id}) : "
                                   f"{done.rows_imported} ligne(s) importée(s), "
                                   f"{done.rows_rejected} rejetée(s).")
                        st.text(done.to_text())
    _history()
