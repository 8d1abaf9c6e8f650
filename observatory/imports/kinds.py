"""Which kind of file a header looks like: one scoring for every importer, and the layout hints.

Each kind has its evidence in a header: the columns it recognises (its fields' synonyms; for a
survey, survey-tool columns, respondent columns and question-shaped ones). A file is refused as
another kind when that kind has all its required columns and at least two columns of its own
that the asked kind does not read, while the asked kind has almost none of its own (at most
one, or three times fewer): a facilitation log asked as a survey, a survey asked as membership
forms. Columns both kinds read (département, team name, team type) prove nothing either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from observatory.imports.errors import ImportRefused
from observatory.imports.layout import Layout
from observatory.imports.normalise import Field, header_key, match_headers

# In the order a refusal names them when two kinds would fit.
ORDER = ("facilitations", "adhesions", "projects", "survey", "fiches", "references")
ARTICLES = {
    "adhesions": "un formulaire d'adhésion",
    "facilitations": "un journal des facilitations",
    "survey": "une enquête flash",
    "fiches": "un fichier de fiches de capitalisation",
    "references": "une liste ou un décompte des équipes existantes",
    "projects": "un suivi des projets",
}
# What the import page and the CLI call each kind (`observatory import KIND`).
CHOICES = {
    "adhesions": "Formulaire d'adhésion (import adhesions)",
    "facilitations": "Journal des facilitations (import facilitations)",
    "survey": "Enquête flash (import survey)",
    "fiches": "Fiches de capitalisation (import fiches)",
    "references": "Équipes existantes : liste ou décompte (import references)",
    "projects": "Suivi des projets (import projects)",
}
# Columns a staff spreadsheet writes once per block of rows (merged cells): per kind, fields.
BLOCK_FIELDS = {
    "adhesions": ("departement",), "facilitations": ("departement",),
    "fiches": ("departement",), "references": ("departement",), "projects": ("departement",),
}
# Not a field of any kind, but a block key of hand-kept tables all the same.
EXTRA_BLOCK_KEYS = ("Territoire",)


def _modules() -> dict[str, ModuleType]:
    from observatory.imports import (
        adhesions,
        facilitations,
        fiches,
        projects,
        references,
        surveys,
    )

    return {"adhesions": adhesions, "facilitations": facilitations, "fiches": fiches,
            "references": references, "survey": surveys, "projects": projects}


def fields(kind: str) -> tuple[Field, ...]:
    """The fields a file of ``kind`` is read into (a survey's: its respondent columns); none
    for an unknown kind."""
    module = _modules().get(kind)
    if module is None:
        return ()
    return module.RESPONDENT_FIELDS if kind == "survey" else module.FIELDS


def _formats(kind: str) -> tuple[tuple[Field, ...], ...]:
    """The layouts a kind reads (existing teams: a list, or counts), each with its fields."""
    return getattr(_modules()[kind], "FORMATS", (fields(kind),))


def _keys(layout: Sequence[Field]) -> set[str]:
    return {header_key(s) for f in layout for s in (f.name, f.label, *f.synonyms)}


def layout(kind: str) -> Layout:
    """What the reading layer may know of a kind: every kind's header words (to find the header
    row below a title), and the columns this kind writes once per block."""
    from observatory.imports import surveys

    known = set(surveys.TECHNICAL)
    for other in ORDER:
        known |= _keys(fields(other))
    blocks = {f for f in fields(kind) if f.name in BLOCK_FIELDS.get(kind, ())}
    # a column the kind reads as one of its fields (a CPTS's « Territoire ») is no block key
    extra = {header_key(h) for h in EXTRA_BLOCK_KEYS} - _keys(fields(kind))
    return Layout(frozenset(known - {""}), frozenset(_keys(tuple(blocks)) | extra))


def evidence(kind: str, header: Sequence[str]) -> tuple[set[int], bool]:
    """(the columns this kind recognises, whether it finds all its required columns)."""
    if kind == "survey":
        from observatory.imports import surveys

        found = surveys.survey_evidence(header)
        return found, bool(found)
    best: tuple[set[int], bool] = (set(), False)
    for layout in _formats(kind):  # the layout of the kind the header fits best
        match = match_headers(header, layout)
        columns = set(match.columns.values()) | {i for cols in match.option_columns.values()
                                                 for i, _ in cols}
        if (not match.missing, len(columns)) > (best[1], len(best[0])):
            best = (columns, not match.missing)
    return best


def _nearly_complete(kind: str, header: Sequence[str]) -> bool:
    """A form of ``kind`` lacking a required column or so (worded as questions, say): at least
    two of its required fields are found by name or key words, so the user is asked which
    column is the missing one rather than told it looks like a survey."""
    if kind == "survey":
        return False
    for layout in _formats(kind):
        match = match_headers(header, layout, by_keywords=True)
        if sum(1 for f in layout if f.required and f.name in match.columns) >= 2:
            return True
    return False


def check(kind: str, header: Sequence[str]) -> None:
    """Refuse a file whose columns are clearly those of another kind (see the module's rule)."""
    mine, complete = evidence(kind, header)
    # any question ends with "?": an incomplete form asks for its mapping, unless it is no form
    questions = complete or not _nearly_complete(kind, header)
    best: tuple[int, str, set[int]] | None = None
    for other in ORDER:
        if other == kind or (other == "survey" and not questions):
            continue
        theirs, fits = evidence(other, header)
        own, lacking = theirs - mine, mine - theirs
        clearly = not complete or len(lacking) <= 1 or len(own) >= 3 * len(lacking)
        if fits and len(own) >= 2 and clearly and (best is None or len(own) > best[0]):
            best = (len(own), other, own)
    if best is not None:
        _, other, own = best
        shown = ", ".join(f"« {header[i]} »" for i in sorted(own)[:6])
        more = " …" if len(own) > 6 else ""
        raise ImportRefused(
            f"Ce fichier ressemble à {ARTICLES[other]} plutôt qu'à {ARTICLES[kind]} : ses "
            f"colonnes {shown}{more} sont celles {_of(other)}. Importez-le comme "
            f"« {CHOICES[other]} » ; s'il s'agit bien {_of(kind)}, vérifiez les titres de ses "
            "colonnes.")
    if kind == "survey" and not mine:
        shown = ", ".join(f"« {h} »" for h in header[:10])
        raise ImportRefused(
            "Ce fichier ne ressemble pas à une enquête flash : aucune colonne ne décrit les "
            "répondants (profession, département, équipe) ni n'a la forme d'une question (un "
            "texte terminé par « ? », un code de question comme Q1, « Question [option] »). "
            f"Colonnes trouvées : {shown}.")


def _of(kind: str) -> str:
    return "d'" + ARTICLES[kind]
