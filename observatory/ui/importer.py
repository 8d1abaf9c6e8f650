"""The import page for staff: upload, detected format, preview, errors, confirm; history and undo."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from observatory import imports, store
from observatory.config import get_federation
from observatory.imports import ImportRefused, ImportReport
from observatory.imports.core import safe_file_name
from observatory.imports.mapping import MappingRequest
from observatory.imports.reading import sheet_names as workbook_sheets
from observatory.imports.reading import size_limit, size_limit_message
from observatory.imports.report import KIND_LABELS as KIND_NAMES
from observatory.ui import data
from observatory.ui.text import plain

KIND_LABELS = {kind: name[0].upper() + name[1:] for kind, name in KIND_NAMES.items()}
ERROR_COLUMNS = {"line": "Ligne", "column": "Colonne", "value": "Valeur", "message": "Problème"}
REJECTED_LABELS = {"batch_id": "Lot", "line": "Ligne", "column_name": "Colonne",
                   "value": "Valeur", "message": "Problème", "raw": "Ligne d'origine"}
FLASH = "_import_flash"  # a message that must survive the rerun after an undo
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "xlsm", "ods")


def _staged(upload: UploadedFile, name: str, sidecar: UploadedFile | None) -> Path:
    """The upload on disk under its (safe) name, its sidecar beside it: importers read both."""
    folder = Path(tempfile.mkdtemp(prefix="observatoire-upload-"))
    path = folder / name
    path.write_bytes(upload.getvalue())
    if sidecar is not None:
        path.with_suffix(".toml").write_bytes(sidecar.getvalue())
    return path


def _errors_frame(errors: list) -> pd.DataFrame:
    return pd.DataFrame([{label: getattr(e, key) for key, label in ERROR_COLUMNS.items()}
                         for e in errors], columns=list(ERROR_COLUMNS.values()))


def _show_report(report: ImportReport) -> None:
    st.markdown(f"**Format détecté** : {plain(report.format_text())}")
    left, right = st.columns(2)
    with left:
        st.markdown("**Correspondance des colonnes**")
        st.dataframe(report.mapping_table(), hide_index=True, width="stretch",
                     key="import_mapping")
    with right:
        st.markdown(f"**Aperçu** ({report.rows_total} lignes)")
        st.dataframe(report.preview_table().head(20), hide_index=True, width="stretch",
                     key="import_preview", placeholder="–")
    for note in report.notes:
        st.caption(plain(note))
    if report.errors:
        st.error(f"{len(report.errors)} erreur(s) dans le fichier : sans correction, "
                 "l'import sera refusé.")
        st.dataframe(_errors_frame(report.errors), hide_index=True, width="stretch",
                     key="import_errors")


def _mapping_key(kind: str, name: str) -> str:
    return f"import_mapping::{kind}::{name}"


def _mapping_step(kind: str, name: str, request: MappingRequest) -> None:
    """Which column is which field: one choice per field (the required ones first), the
    columns' first values shown; applied to the preview, saved with the import."""
    headers = [h for h, _ in request.columns]
    samples = dict(request.columns)

    def label(header: str) -> str:
        if not header:
            return "(aucune colonne)"
        values = samples.get(header) or []
        return f"{header} — ex. : {', '.join(values)}" if values else f"{header} — (vide)"

    fields = sorted(request.fields, key=lambda f: not f[2])
    with st.form(key=f"import_mapping_form_{kind}_{name}"):
        if request.saved:
            st.caption(plain(f"Correspondance enregistrée « {request.saved} » appliquée."))
        picked = {}
        for field_name, field_label, required in fields:
            current = request.proposed.get(field_name, "")
            picked[field_name] = st.selectbox(
                f"{field_label}{' (obligatoire)' if required else ''}", ["", *headers],
                index=(["", *headers].index(current) if current in headers else 0),
                format_func=label, key=f"import_map_{kind}_{name}_{field_name}")
        save_as = st.text_input("Enregistrer cette correspondance sous le nom",
                                value=request.saved or "", key=f"import_map_name_{kind}_{name}",
                                help="Elle sera appliquée d'elle-même aux prochains fichiers "
                                     "aux mêmes colonnes (l'export de l'an prochain).")
        if st.form_submit_button("Appliquer cette correspondance"):
            # only what the user says: a field left as it was found stays matched by itself
            chosen = {f: h for f, h in picked.items() if h != request.proposed.get(f, "")}
            previous = st.session_state.get(_mapping_key(kind, name), {})
            st.session_state[_mapping_key(kind, name)] = {
                "columns": {**previous.get("columns", {}), **chosen},
                "name": save_as.strip() or None}
            st.rerun()


def _replacement(report: ImportReport) -> tuple[str | None, bool]:
    """What the import removes, and the user's choice: (replace option, may import)."""
    if not report.replacement:
        return None, True
    scopes = report.replacement
    replace = None
    if "year" in scopes:
        labels = {"months": f"seulement {scopes['months']['label']} (les mois du fichier)",
                  "year": f"toutes les facilitations de {scopes['year']['label']}"}
        picked = st.radio("Remplacer", list(labels), format_func=labels.get,
                          key="import_replace_scope", horizontal=True)
        scope = scopes[picked]
        replace = "year" if picked == "year" else None
    else:
        scope = next(iter(scopes.values()))
    text = (f"Cet import retire {scope['removed']} enregistrement(s) déjà présent(s) "
            f"({scope['label']}), en ajoute {scope['added']}"
            + (f", en garde {scope['unchanged']} inchangé(s)" if scope.get("unchanged") else "")
            + (f" ; {scope['teams_removed']} équipe(s) qui ne seraient plus citées nulle part "
               "seraient retirées" if scope.get("teams_removed") else "") + ".")
    if scope["removed"] <= scope["added"]:
        st.info(plain(text))
        return replace, True
    st.warning(plain(text + " Il retire plus qu'il n'ajoute : confirmez que c'est voulu."))
    confirmed = st.checkbox(f"Je confirme le retrait de {scope['removed']} enregistrement(s)",
                            key="import_confirm_deletions")
    return (replace or ("confirm" if confirmed else None)), confirmed


def _options(kind: str, upload: UploadedFile | None) -> dict:
    options: dict = {}
    if upload is not None and upload.name.lower().endswith((".xlsx", ".xlsm", ".ods")):
        try:
            sheets = workbook_sheets(upload.getvalue())
        except ImportRefused:
            sheets = []  # the preview says why the workbook is refused
        if len(sheets) > 1:
            options["sheet"] = st.selectbox("Feuille du classeur", sheets, key="import_sheet")
    if kind in ("adhesions", "references"):
        years = get_federation(store.federation_id(data.current_db())
                               if store.exists(data.current_db()) else None).plausibility.years()
        year = st.number_input("Année (si le fichier n'a pas de colonne « Année »)",
                               min_value=years.start, max_value=years.stop - 1, value=None,
                               step=1, key="import_year")
        options["year"] = int(year) if year else None
    if kind == "survey":
        cols = st.columns(3)
        meta = {
            "id": cols[0].text_input("Identifiant de l'enquête", key="import_survey_id"),
            "title": cols[1].text_input("Titre", key="import_survey_title"),
            "date": cols[2].text_input("Date (AAAA-MM)", key="import_survey_date"),
            "theme": cols[0].text_input("Thème", key="import_survey_theme"),
            "objective": cols[1].text_input("Objectif", key="import_survey_objective"),
            "published": cols[2].selectbox(
                "Infographie publiée", [None, True, False], key="import_survey_published",
                format_func=lambda v: {None: "Selon le fichier de description", True: "Oui",
                                       False: "Non"}[v]),
        }
        options["survey_meta"] = {k: v for k, v in meta.items() if v not in (None, "")}
    return options


def _undo(db: str) -> None:
    try:
        report = imports.undo_last_batch(db)
    except (ImportRefused, store.StoreError) as exc:
        st.session_state[FLASH] = ("error", str(exc))
        return
    st.session_state[FLASH] = ("success", f"Import annulé : lot {report.batch_id}." if report
                               else "Rien à annuler.")


def _history() -> None:
    st.subheader("Historique des imports")
    db = data.current_db()
    flash = st.session_state.pop(FLASH, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(plain(flash[1]))
    history = imports.batches(db)
    if history.empty:
        st.info("Aucun import pour l'instant.")
        return
    shown = history.rename(columns={
        "batch_id": "Lot", "kind": "Type", "file_name": "Fichier", "rows_total": "Lignes",
        "rows_imported": "Importées", "rows_rejected": "Rejetées", "imported_at": "Date",
        "undone": "Annulé", "sha256": "SHA-256"})
    shown["Type"] = shown["Type"].map(KIND_LABELS).fillna(shown["Type"])
    st.dataframe(shown, hide_index=True, width="stretch", key="import_history")
    with_rejects = history[history["rows_rejected"] > 0]
    if len(with_rejects):
        batch = st.selectbox("Lignes rejetées du lot", with_rejects["batch_id"].tolist(),
                             key="import_rejected_batch")
        rejected = imports.rejected_rows(int(batch), db).rename(columns=REJECTED_LABELS)
        st.dataframe(rejected, hide_index=True, width="stretch", key="import_rejected")
        st.download_button("Télécharger les lignes rejetées (CSV)",
                           rejected.to_csv(index=False, sep=";").encode("utf-8-sig"),
                           file_name=f"lignes_rejetees_lot_{batch}.csv", mime="text/csv",
                           key="import_rejected_download")
    kept = history[~history["undone"]].set_index("batch_id")
    if kept.empty:
        return
    # the file as it was sent, byte for byte: to read it again, or fix it and import it again
    batch = st.selectbox("Fichier d'origine du lot", kept.index.tolist(),
                         key="import_original_batch",
                         format_func=lambda b: f"lot {b} — {kept.at[b, 'file_name']}")
    st.download_button("Télécharger le fichier d'origine",
                       data=lambda: imports.original_file(int(batch), db) or b"",
                       file_name=str(kept.at[batch, "file_name"] or f"lot_{batch}"),
                       key="import_original_download", on_click="ignore")
    newest = int(kept.index[0])  # batches() lists the newest first
    st.button(plain(f"Annuler le dernier import (lot {newest} — {kept.at[newest, 'file_name']})"),
              key="import_undo", on_click=_undo, args=(db,))


def _import(kind: str, path: Path, name: str, valid_only: bool, options: dict) -> None:
    try:
        done = imports.import_file(kind, path, file_name=name, db=data.current_db(),
                                   valid_rows_only=valid_only, **options)
    except (ImportRefused, store.StoreError) as exc:
        st.error(plain(str(exc)))
        return
    st.success(plain(f"Import réussi (lot {done.batch_id}) : {done.rows_imported} ligne(s) "
                     f"importée(s), {done.rows_rejected} rejetée(s)."))
    st.text(done.to_text())


def _preview_and_import(kind: str, path: Path, name: str, options: dict) -> None:
    """The report of the staged file (with the user's column mapping and replacement choice),
    then the import once confirmed."""
    mapped = st.session_state.get(_mapping_key(kind, name), {})
    replace = st.session_state.get("import_replace_scope") == "year"
    options["choices"] = imports.Choices(mapped.get("columns") or None, mapped.get("name"),
                                         "year" if replace else None)
    try:
        report = imports.read_import(kind, path, file_name=name, db=data.current_db(), **options)
    except ImportRefused as exc:
        st.error(plain(exc.message))
        if exc.errors:
            st.dataframe(_errors_frame(exc.errors), hide_index=True, key="import_errors")
        if isinstance(exc.request, MappingRequest):
            st.subheader("Correspondance des colonnes")
            st.caption("Indiquez quelle colonne du fichier donne chaque champ obligatoire.")
            _mapping_step(kind, name, exc.request)
        return
    _show_report(report)
    if isinstance(report.mapping_request, MappingRequest):
        with st.expander("Corriger la correspondance des colonnes"):
            _mapping_step(kind, name, report.mapping_request)
    if report.duplicate:
        st.info(f"Ce fichier a déjà été importé (lot {report.batch_id}) : "
                "l'importer de nouveau ne changerait rien.")
        return
    valid_only = False
    if report.errors:
        valid_only = st.checkbox(
            "Importer seulement les lignes valides (les lignes rejetées sont "
            "conservées et téléchargeables)", key="import_valid_only")
    replace_choice, allowed = _replacement(report)
    options["choices"] = dataclasses.replace(options["choices"], replace=replace_choice)
    if st.button("Importer", type="primary", key="import_confirm",
                 disabled=(bool(report.errors) and not valid_only) or not allowed):
        _import(kind, path, name, valid_only, options)


def page() -> None:
    """Upload → detected format and preview → confirm; then the history of import batches."""
    st.title("Importer des données")
    limit_mb = size_limit() // (1024 * 1024)
    st.caption(f"Formulaire d'adhésion, journal des facilitations, enquête flash, fiches de "
               "capitalisation, équipes existantes (liste ou décompte) ou suivi des projets, "
               "tels que vos outils les "
               "exportent (CSV, TSV, TXT, XLSX ou ODS, "
               f"{limit_mb} Mo au plus). Le fichier d'origine est conservé ; un import refusé "
               "ne change rien.")
    kind = st.selectbox("Type de données", list(KIND_LABELS), format_func=KIND_LABELS.__getitem__,
                        key="import_kind")
    upload = st.file_uploader("Fichier exporté", type=list(UPLOAD_TYPES),
                              key="import_file", max_upload_size=max(1, limit_mb))
    sidecar = None
    if kind == "survey":
        sidecar = st.file_uploader("Fichier de description de l'enquête (.toml, facultatif)",
                                   type=["toml"], key="import_sidecar", max_upload_size=1)
    options = _options(kind, upload)
    if upload is not None:
        name = safe_file_name(upload.name) or "fichier"
        if upload.size > size_limit():  # the browser's limit is advice: checked here again
            st.error(plain(size_limit_message(upload.size, size_limit())))
            _history()
            return
        path = _staged(upload, name, sidecar)
        try:  # the staged copy goes whatever happens: a refusal, an error, a rerun
            _preview_and_import(kind, path, name, options)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
    _history()
