"""The publication page (staff): which survey infographics and fiches the public and the member
teams read, and each fiche's public summary. Every change goes to the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from observatory import formats, publication
from observatory.indicators import publication as published
from observatory.ui import data
from observatory.ui.shell import Context
from observatory.ui.text import plain

SURVEYS_KEY = "publication_enquetes"
FICHE_KEY = "publication_fiche"


def _label(month: object, title: str) -> str:
    when = "–" if formats.is_missing(month) else formats.month(pd.Timestamp(month).date())
    return f"{when} · {title}"


def _when(row: pd.Series) -> str:
    if formats.is_missing(row["changed_at"]):
        return "–"
    return f"{pd.Timestamp(row['changed_at']):%d/%m/%Y %H:%M} par {row['changed_by']}"


def _states(df: pd.DataFrame, key: str, columns: dict[str, object]) -> None:
    """The items with whether they are published and who last changed that, and when."""
    st.dataframe(pd.DataFrame({
        **columns, "Publiée": df["published"].map({True: "Oui", False: "Non"}),
        "Dernier changement": [_when(r) for _, r in df.iterrows()],
    }), hide_index=True, width="stretch", key=key)


def _saved(changed: int) -> None:
    if changed:
        st.session_state["_publication_saved"] = changed
    st.rerun()


def _surveys(db: str) -> None:
    st.subheader("Infographies des enquêtes flash")
    df = published.surveys(db)
    if df.empty:
        st.info("Aucune enquête flash dans la base.")
        return
    labels = {r.survey_id: _label(r.month, r.title) for r in df.itertuples(index=False)}
    now = [s for s, p in zip(df["survey_id"], df["published"], strict=True) if p]
    if SURVEYS_KEY not in st.session_state:
        st.session_state[SURVEYS_KEY] = now
    chosen = st.multiselect("Infographies publiées", list(df["survey_id"]), key=SURVEYS_KEY,
                            format_func=lambda s: labels[s],
                            help="Le public et les équipes adhérentes ne voient que celles-ci.")
    _states(df, "publication_table_enquetes", {
        "Enquête": [labels[s] for s in df["survey_id"]],
        "À l'import": df["imported"].map({True: "publiée", False: "non publiée"}).fillna("–")})
    if st.button("Enregistrer les infographies publiées", key="publication_save_enquetes",
                 type="primary", disabled=set(chosen) == set(now)):
        changes = [publication.Change("survey", s, s in chosen) for s in df["survey_id"]
                   if (s in chosen) != (s in now)]
        st.session_state.pop(SURVEYS_KEY, None)
        _saved(publication.publish(db, changes))


def _fiches(db: str) -> None:
    st.subheader("Fiches de capitalisation")
    df = published.fiches(db)
    if df.empty:
        st.info("Aucune fiche de capitalisation dans la base.")
        return
    _states(df, "publication_table_fiches", {
        "Fiche": df["title"], "Équipe": df["team_name"].fillna("–"),
        "Résumé public": df["public_summary"].fillna("(résumé de la fiche)")})
    titles = dict(zip(df["fiche_id"], df["title"], strict=True))
    fiche_id = st.selectbox("Fiche à publier ou à modifier", [None, *df["fiche_id"]],
                            key=FICHE_KEY, placeholder="Choisir une fiche",
                            format_func=lambda f: "Choisir une fiche" if f is None
                            else titles[f])
    if fiche_id is None:
        return
    row = df[df["fiche_id"] == fiche_id].iloc[0]
    st.caption(plain(f"Résumé de la fiche (tel que saisi par l'équipe) : {row['summary'] or '–'}"))
    with st.form(f"publication_fiche_{fiche_id}"):
        on = st.checkbox("Publiée (page publique Capitalisation)", value=bool(row["published"]),
                         key=f"publication_fiche_publiee_{fiche_id}")
        summary = st.text_area(
            "Résumé public", value=row["public_summary"] if isinstance(
                row["public_summary"], str) else "", max_chars=publication.SUMMARY_MAX,
            key=f"publication_fiche_resume_{fiche_id}",
            help="Ce que lit le public, sans nom de personne. Vide : le résumé de la fiche.")
        if st.form_submit_button("Enregistrer la fiche", type="primary"):
            _saved(publication.publish(db, [publication.Change("fiche", fiche_id, on,
                                                                 summary)]))


def page(ctx: Context) -> None:
    """The surveys' infographics, then the fiches."""
    st.title("Publication")
    st.caption("Ce que publie la fédération : le public (si l'accès public est ouvert) et les "
               "équipes adhérentes ne voient que les infographies publiées ; le public ne lit "
               "des fiches que celles publiées, par leur résumé public. Chaque changement est "
               "inscrit au journal des modifications (page Administration).")
    saved = st.session_state.pop("_publication_saved", None)
    if saved:
        st.success(f"{saved} changement(s) de publication enregistré(s).")
    db = data.current_db()
    _surveys(db)
    _fiches(db)
