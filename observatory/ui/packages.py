"""The administration page's national section: publish the federation's package, load the
national reference, or (on a national store) consolidate the regions' packages."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from observatory import formats, indicators, store
from observatory.packages import PackageRefused, consolidate, publish
from observatory.ui import data
from observatory.ui.shell import Context
from observatory.ui.text import plain

READY = "_package_ready"  # (file name, bytes) of the last package prepared in this session


def _staged(upload: UploadedFile, folder: Path) -> Path:
    """An uploaded package on disk under a safe name."""
    name = re.sub(r"[^\w.-]+", "_", Path(upload.name).name) or "paquet.zip"
    path = folder / name
    path.write_bytes(upload.getvalue())
    return path


def _loaded(db: str) -> pd.DataFrame:
    rows = consolidate.loaded_packages(db)
    return pd.DataFrame([{
        "Fédération": r["name"], "Région": r["region"] or "",
        "Années": ", ".join(str(y) for y in r["years"]),
        "Paquet du": formats.day(r["created_at"].date()),
        "Registre des équipes": "Oui" if r["team_register"] else "Non",
    } for r in rows], columns=["Fédération", "Région", "Années", "Paquet du",
                               "Registre des équipes"])


def _prepare(ctx: Context, db: str, years: list[int], register: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="observatoire-paquet-") as tmp:
        stamp = pd.Timestamp.now().strftime("%Y%m%d")
        name = f"paquet_{ctx.federation.id}_{stamp}.zip"
        try:
            path = publish.publish(db, Path(tmp) / name, years or None, team_register=register)
        except PackageRefused as exc:
            st.error(plain(exc.message))
            return
        st.session_state[READY] = (name, path.read_bytes())


def _download() -> None:
    ready = st.session_state.get(READY)
    if ready:
        name, payload = ready
        st.download_button(f"Télécharger {name}", payload, file_name=name,
                           mime="application/zip", key="paquet_telecharger")


def _publish(ctx: Context, db: str) -> None:
    st.markdown("**Paquet pour le niveau national**")
    st.caption(plain(
        "Agrégats de la fédération (équipes adhérentes, facilitations, portrait, enquêtes "
        "publiées) en Parquet, petits effectifs et cases qui les trahiraient masqués comme "
        "dans tout export ; aucun nom, contact, facilitateur, réponse libre ni identifiant "
        "d'équipe. À envoyer à l'équipe nationale."))
    years = st.multiselect("Années", ctx.years, default=ctx.years, key="paquet_annees",
                           format_func=str)
    register = st.checkbox("Joindre le registre des équipes adhérentes (FINESS, type, commune "
                           "seulement)", key="paquet_registre")
    if st.button("Préparer le paquet", key="paquet_preparer", disabled=not years):
        _prepare(ctx, db, years, register)
    _download()


def _reference(db: str) -> None:
    st.markdown("**Référence nationale**")
    st.caption(plain("Le paquet national de l'équipe nationale : les pages comparent alors la "
                     "région à la France (équipes pour 100 000 habitants)."))
    upload = st.file_uploader("Paquet national (.zip)", type=["zip"], key="paquet_reference")
    if upload is not None and st.button("Charger la référence", key="paquet_reference_ok"):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                loaded = consolidate.load_reference(_staged(upload, Path(tmp)), db)
            except PackageRefused as exc:
                st.error(plain(exc.message))
                return
        st.success(plain(f"Référence nationale chargée : {len(loaded)} fédération(s)."))
    table = _loaded(db)
    if len(table):
        st.dataframe(table, hide_index=True, width="stretch", key="paquet_reference_liste")


def _consolidate(ctx: Context, db: str) -> None:
    st.markdown("**Paquets des fédérations**")
    st.caption(plain("Chaque paquet est vérifié entier (empreintes, version, recouvrements) "
                     "avant que rien ne soit écrit ; un paquet plus récent d'une fédération "
                     "remplace le sien et rien d'autre."))
    uploads = st.file_uploader("Paquets (.zip)", type=["zip"], accept_multiple_files=True,
                               key="paquets_regionaux")
    if uploads and st.button("Consolider", key="paquets_consolider"):
        with tempfile.TemporaryDirectory() as tmp:
            paths = [_staged(u, Path(tmp)) for u in uploads]
            try:
                reports = consolidate.consolidate(paths, db, ctx.federation.id)
            except (PackageRefused, store.StoreError) as exc:
                st.error(plain(str(exc)))
                return
        for report in reports:
            st.success(plain(report.to_text()))
    st.dataframe(_loaded(db), hide_index=True, width="stretch", key="paquets_liste")
    if st.button("Préparer le paquet national", key="paquet_preparer"):
        _prepare(ctx, db, [], False)
    _download()


def section(ctx: Context) -> None:
    """The national section of the administration page (admin only, like the page)."""
    db = data.current_db()
    st.subheader("Niveau national")
    if indicators.national_store(db):
        _consolidate(ctx, db)
    else:
        _publish(ctx, db)
        _reference(db)
