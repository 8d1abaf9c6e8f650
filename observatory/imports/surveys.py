"""Flash surveys (enquêtes flash): one row per respondent, from survey tools or online forms.

Metadata (id, title, theme, date 'YYYY-MM', objective, published) comes from the import options
or from a sidecar TOML next to the file (same stem); options win. The sidecar may also declare a
question's type, text and ordered options (``[questions.<header or code>]``), its short ``label``
and, for a scale, its ``positive`` end (``"first"`` or ``"last"`` option), and the option texts of
one-column-per-option questions (``[options.Q5]``, ``SQ001 = "…"``). Re-importing a survey id
replaces that survey entirely.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from observatory import privacy, store
from observatory.imports import normalise as n
from observatory.imports.errors import ImportRefused
from observatory.imports.normalise import Field, header_key, option_key
from observatory.imports.reading import RawTable
from observatory.imports.rows import (
    Options,
    Outcome,
    Parsed,
    Row,
    date_order,
    outcome,
    outside_federation,
    rows_of,
)
from observatory.imports.storage import insert_rows

QTYPES = ("single", "multiple", "scale", "number", "yesno", "text")
QTYPE_LABELS = {
    "single": "choix unique", "multiple": "choix multiple", "scale": "échelle",
    "number": "nombre", "yesno": "oui/non", "text": "texte libre",
}
# Survey-tool columns that describe the response, not the respondent's answers (LimeSurvey
# writes them in English, or in French when exported with "texte de la question").
TECHNICAL = {
    "id": "id", "id de la reponse": "id", "response id": "id",
    "submitdate": "submitdate", "date de soumission": "submitdate", "date submitted": "submitdate",
    "lastpage": "lastpage", "derniere page": "lastpage", "last page": "lastpage",
    "startlanguage": "startlanguage", "langue de depart": "startlanguage",
    "start language": "startlanguage", "seed": "seed", "graine": "seed",
    "token": "token", "jeton": "token", "ipaddr": "ipaddr", "adresse ip": "ipaddr",
    "refurl": "refurl", "url de provenance": "refurl", "url de reference": "refurl",
    "startdate": "startdate", "date de lancement": "startdate", "date started": "startdate",
    "datestamp": "datestamp", "date de la derniere action": "datestamp",
    "date last action": "datestamp", "horodateur": "timestamp", "horodatage": "timestamp",
    "timestamp": "timestamp", "date de reponse": "timestamp",
    # Microsoft Forms: only submitted answers are exported, "Heure de fin" is when
    "heure de debut": "startdate", "heure de fin": "timestamp",
    "heure de la derniere modification": "datestamp",
    # LimeSurvey's French labels of the same columns ("texte complet de la question")
    "id de reponse": "id", "identifiant de la reponse": "id", "date de debut": "startdate",
    "date de derniere action": "datestamp", "code d acces": "token", "access code": "token",
    "tete de serie": "seed", "ip address": "ipaddr", "referrer url": "refurl",
    "interviewtime": "interviewtime", "temps total": "interviewtime",
}
# The technical columns as LimeSurvey names them in its "question code" headings.
TECHNICAL_CODES = ("id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
                   "datestamp", "ipaddr", "refurl")
# LimeSurvey's submitdate of a complete response to a survey without date stamps.
UNDATED = dt.datetime(1980, 1, 1)
RESPONDENT_FIELDS = (
    Field("profession", "Profession", ("Profession", "Votre profession")),
    Field("departement", "Département", ("Département", "Votre département")),
    Field("team_name", "Nom de l'équipe", (
        "Nom de l'équipe", "Structure", "Votre équipe", "Votre structure")),
    Field("team_type", "Type de structure", ("Type de structure", "Type d'équipe")),
)
SCALES: tuple[tuple[str, ...], ...] = (
    ("Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait"),
    ("Pas du tout d'accord", "Plutôt pas d'accord", "Plutôt d'accord", "Tout à fait d'accord"),
    ("Pas du tout d'accord", "Pas d'accord", "D'accord", "Tout à fait d'accord"),
    ("Jamais", "Rarement", "Parfois", "Souvent", "Toujours"),
    ("Pas du tout satisfait", "Peu satisfait", "Satisfait", "Très satisfait"),
    ("Pas du tout satisfait", "Plutôt pas satisfait", "Plutôt satisfait", "Très satisfait"),
    ("Pas du tout satisfait", "Peu satisfait", "Moyennement satisfait", "Satisfait",
     "Très satisfait"),
    ("Très insatisfait", "Insatisfait", "Satisfait", "Très satisfait"),
    ("Pas du tout important", "Peu important", "Important", "Très important"),
)
CHECKBOX = {"y", "yes", "oui", "o", "1", "x", "✓", "✔", "n", "no", "non", "0"}
_CODE = re.compile(r"^[A-Za-z][A-Za-z_]*\d[A-Za-z0-9_]*$")  # Q3, G01Q03, Q3a
_CODE_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z_]*\d[A-Za-z0-9_]*)\s*[.:]\s+(?P<text>.+)$")
_CODE_SUB = re.compile(
    r"^(?P<code>[A-Za-z][A-Za-z0-9_]*)\[(?P<sub>[^\[\]]+)\](?:\s*[.:]?\s*(?P<rest>.*))?$")
_FREE_TEXT_HINTS = ("commentaire", "remarque", "suggestion", "precisez", "pourquoi", "texte libre")
# Survey-tool question codes need no digit (PROF, DEPT): any identifier, with its sub-question.
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ANY_CODE_TEXT = re.compile(
    r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(?:\[[^\[\]]+\])?)\.\s+(?P<text>.+)$", re.DOTALL)
_OTHER_SUBS = {"other", "autre", "autres"}
_INTERROGATIVES = {"quel", "quelle", "quels", "quelles", "combien", "comment", "pourquoi",
                   "lequel", "laquelle", "lesquels", "lesquelles", "ou", "quand", "est", "avez",
                   "etes", "pensez", "souhaitez", "utilisez", "connaissez", "seriez", "diriez"}
# Respondent columns named by a survey tool's code or a question worded freely.
_RESPONDENT_CODES = {
    "prof": "profession", "profession": "profession", "metier": "profession",
    "dept": "departement", "dep": "departement", "dpt": "departement",
    "departement": "departement", "struct": "team_name", "structure": "team_name",
    "equipe": "team_name", "typestruct": "team_type", "typestructure": "team_type",
}


@dataclass
class Question:
    """One question of the survey and the columns holding its answers."""

    qid: str
    text: str
    position: int = 0
    qtype: str = "text"
    options: list[str] | None = None
    column: int | None = None  # one column holding the answer (or joined answers)
    option_columns: list[tuple[int, str]] = field(default_factory=list)  # per-option layout
    other_column: int | None = None
    declared: bool = False
    convention: str | None = None  # a number question: how its column writes numbers
    label: str | None = None  # the sidecar's short label (the infographic's card title)
    positive: str | None = None  # a scale's positive end: "first" or "last" option

    @property
    def cell_column(self) -> int:
        """The one column of a question answered in one cell (not one column per option)."""
        if self.column is None:
            raise LookupError(f"question {self.qid or self.text!r} has one column per option")
        return self.column


@dataclass
class Response:
    line: int
    response_id: int
    complete: bool
    submitted_at: dt.datetime | None
    profession: str | None
    departement: str | None
    team_name: str | None
    team_type: str | None
    answers: list[tuple[str, str, float | None]]  # question id, value, value_num


# -- metadata --------------------------------------------------------------------------------
def _sidecar(options: Options) -> dict[str, Any]:
    path = options.source_path.with_suffix(".toml") if options.source_path else None
    if path is None or not path.exists():
        return {}
    where = f"Fichier de description « {path.name} »"
    if not path.is_file():
        raise ImportRefused(f"{where} : ce n'est pas un fichier (un dossier porte ce nom).")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ImportRefused(f"{where} illisible : il n'est pas enregistré en UTF-8.") from None
    except OSError:
        raise ImportRefused(f"{where} illisible (droits d'accès ?).") from None
    except tomllib.TOMLDecodeError as exc:
        # the parser's own words are English: only where it stopped is kept
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        at = f" ligne {m.group(1)}, colonne {m.group(2)}" if m else (
            " à la fin du fichier" if "end of document" in str(exc) else "")
        raise ImportRefused(
            f"{where} illisible : erreur de syntaxe TOML{at} (chaque ligne s'écrit "
            "clé = \"valeur\", les textes entre guillemets droits).") from None


def _month(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", text) or re.fullmatch(
        r"(\d{1,2})/(\d{4})", text)
    if m:
        year, month = (int(m.group(1)), int(m.group(2))) if len(m.group(1)) == 4 else (
            int(m.group(2)), int(m.group(1)))
        if 1 <= month <= 12:
            return dt.date(year, month, 1)
    raise ImportRefused(f"Date de l'enquête « {text} » illisible : attendu AAAA-MM (ex. 2025-04).")


def _plausible_month(month: dt.date | None, options: Options) -> dt.date | None:
    years = options.plausibility.years()
    if month is not None and month.year not in years:
        raise ImportRefused(f"Date de l'enquête « {month:%Y-%m} » : année non plausible "
                            f"(attendue {n.years_text(years)}).")
    return month


def survey_metadata(options: Options, sidecar: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """id, title, theme, month, objective, published: import options first, then the sidecar."""
    given = {k: v for k, v in (options.survey_meta or {}).items() if v not in (None, "")}
    meta = {k: sidecar.get(k) for k in ("id", "title", "theme", "date", "objective", "published")}
    meta.update(given)
    stem = options.source_path.stem if options.source_path else (
        options.file_name.rsplit(".", 1)[0] if options.file_name else None)
    if not meta.get("id"):
        if not stem:
            raise ImportRefused("Identifiant de l'enquête manquant : indiquez-le à l'import.")
        meta["id"] = n.slugify(stem)
        notes.append(f"Identifiant de l'enquête non fourni : « {meta['id']} » (nom du fichier).")
    if not meta.get("title"):
        meta["title"] = str(stem or meta["id"])
        notes.append(f"Titre de l'enquête non fourni : « {meta['title']} » utilisé.")
    published = meta.get("published")
    if isinstance(published, str):
        try:
            published = n.parse_yes_no(published)
        except ValueError as exc:
            raise ImportRefused(f"Champ « published » : {exc}") from None
    return {
        "id": str(meta["id"]), "title": str(meta["title"]), "theme": meta.get("theme"),
        "month": _plausible_month(_month(meta.get("date")), options),
        "objective": meta.get("objective"),
        "published": published,
    }


# -- columns ---------------------------------------------------------------------------------
def header_style(header: Sequence[str]) -> str:
    """How a survey tool named the columns: "codetext" (``Q1. Texte``), "code" (``Q1``, ``PROF``,
    with ``submitdate``) or "text" (full question texts, online forms)."""
    stripped = [h.strip() for h in header]
    if any((m := _ANY_CODE_TEXT.match(h)) and m.group("code") in TECHNICAL_CODES
           for h in stripped):
        return "codetext"
    if any(h in TECHNICAL_CODES for h in stripped):
        return "code"
    return "text"


def split_header(header: str, style: str) -> tuple[str | None, str]:
    """(the question code, or None, and the text) of a column title in that style."""
    h = header.strip()
    if style == "codetext" and (m := _ANY_CODE_TEXT.match(h)):
        return m.group("code"), m.group("text").strip()
    m = _CODE_TEXT.match(h)
    if m:
        return m.group("code"), m.group("text")
    if _CODE.match(h) or (style == "code" and _IDENT.match(h)):
        return h, h
    return None, h


def _respondent_field(text: str) -> str | None:
    """The respondent field a code (``PROF``) or a freely worded question names, if any."""
    key = header_key(text)
    if key in _RESPONDENT_CODES:
        return _RESPONDENT_CODES[key]
    words = key.split()
    if not words or words[0] in ("combien", "nombre", "nb") or n.option_header(text):
        return None
    if "departement" in words:
        return "departement"
    if "profession" in words or "metier" in words:
        return "profession"
    if "type" in words and {"structure", "equipe", "exercice"} & set(words):
        return "team_type"
    if "nom" in words and {"structure", "equipe"} & set(words):
        return "team_name"
    return None


def question_shaped(header: str, style: str = "text") -> bool:
    """A column title that asks something: ``…?``, a question code, ``Question [option]``."""
    h = header.strip()
    if h.endswith("?") or _CODE_SUB.match(h) or split_header(h, style)[0] or n.option_header(h):
        return True
    words = header_key(h).split()
    return bool(words) and (words[0] in _INTERROGATIVES
                            or (len(words) > 1 and bool({"vous", "votre", "vos"} & set(words))))


def survey_evidence(header: Sequence[str]) -> set[int]:
    """The columns that make a file a survey: survey-tool technical columns (not a time stamp,
    which membership forms have too), respondent columns and question-shaped ones."""
    style = header_style(header)
    exact = set(n.match_headers(header, RESPONDENT_FIELDS).columns.values())
    found = set()
    for i, h in enumerate(header):
        code, text = split_header(h, style)
        technical = TECHNICAL.get(header_key(code or h)) or TECHNICAL.get(header_key(h))
        if technical:
            if technical != "timestamp":
                found.add(i)
        elif privacy.is_personal_header(text):
            continue
        elif i in exact or _respondent_field(code or "") or _respondent_field(text) \
                or question_shaped(h, style):
            found.add(i)
    return found


def _with_text_header_row(table: RawTable, parsed: Parsed) -> RawTable:
    """Survey tools may write question codes on the first line and their texts on the second.

    That second line is recognised by its technical cells, which repeat column titles
    ("Response ID", "Date de soumission"…) where every response has a number or a date. Its
    texts are folded into the code headers (``Q1. Texte``, ``Q2[SQ001]. Question [Option]``),
    which is how the one-line export writes them; the line itself is no response.
    """
    if len(table.rows) < 2:
        return table
    first = table.rows[0]
    technical = [i for i, h in enumerate(table.header) if header_key(h) in TECHNICAL]
    labels = [first[i] for i in technical if first[i].strip()]
    if not labels or not all(header_key(cell) in TECHNICAL for cell in labels):
        return table
    header = list(table.header)
    for i, (code, text) in enumerate(zip(table.header, first, strict=True)):
        text = n.clean_cell(text)
        if text and i not in technical and (_IDENT.match(code) or _CODE_SUB.match(code)):
            header[i] = f"{code}. {text}"
    parsed.notes.append(
        f"Ligne {table.lines[0]} : deuxième ligne d'en-tête (textes des questions) reconnue, "
        "elle n'est pas une réponse.")
    return dataclasses.replace(table, header=header, rows=table.rows[1:], lines=table.lines[1:])



def _declared(sidecar: dict[str, Any], *names: str) -> dict[str, Any]:
    """The sidecar's ``[questions.X]`` entry for a column, by code or header (even reworded)."""
    questions = sidecar.get("questions", {})
    for name in names:
        if name and name in questions:
            return questions[name]
    keys = {header_key(k): v for k, v in questions.items()}
    for name in names:
        if name and header_key(name) in keys:
            return keys[header_key(name)]
    return {}


POSITIVE_ENDS = ("first", "last")
LABEL_MAX = 60  # characters: a card title, not a second question text


def _extras(q: Question, declared: dict[str, Any]) -> None:
    """The sidecar's ``label`` and ``positive`` of a question, checked."""
    label = declared.get("label")
    if label is not None:
        if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX:
            raise ImportRefused(
                f"Question « {q.qid or q.text} » du fichier de description : « label » doit être "
                f"un texte court (au plus {LABEL_MAX} caractères).")
        q.label = label.strip()
    positive = declared.get("positive")
    if positive is not None:
        if positive not in POSITIVE_ENDS:
            raise ImportRefused(
                f"Question « {q.qid or q.text} » du fichier de description : « positive » vaut "
                f"« {positive} » ; attendu \"first\" (la première réponse de l'échelle est la "
                "plus favorable) ou \"last\" (la dernière).")
        if q.qtype != "scale":
            raise ImportRefused(
                f"Question « {q.qid or q.text} » du fichier de description : « positive » ne "
                f"s'applique qu'à une échelle (type « scale »), pas à « {q.qtype} ».")
        q.positive = positive


def _split_option_header(header: str) -> tuple[str, bool, str, str | None, str | None] | None:
    """(group, is a code, sub-code or option, question text, option text) of a per-option column."""
    m = _CODE_SUB.match(header)
    if m:  # LimeSurvey: Q5[SQ001] or Q5[SQ001]. Question text [Option text]
        rest = (m.group("rest") or "").strip()
        tail = n.option_header(rest) if rest else None
        text, option = (tail if tail else (rest or None, None))
        return m.group("code"), True, m.group("sub").strip(), text, option
    pair = n.option_header(header)  # online forms: Question [Option]
    if pair:
        return pair[0], False, pair[1], pair[0], pair[1]
    return None


def _columns(table: RawTable, sidecar: dict[str, Any], parsed: Parsed) -> tuple[
        dict[str, int], dict[str, int], list[Question]]:
    """Technical columns, respondent columns and questions, in file order."""
    technical: dict[str, int] = {}
    respondent: dict[str, int] = {}
    plain: list[tuple[int, str | None, str]] = []
    groups: dict[tuple[str, bool], list[tuple[int, str, str | None, str | None]]] = {}
    style = header_style(table.header)
    match = n.match_headers(table.header, RESPONDENT_FIELDS)
    respondent_at = {i: f for f, i in match.columns.items()}
    for i, h in enumerate(table.header):
        code, text = split_header(h, style)
        key = header_key(code or h)
        kind = TECHNICAL.get(key) or TECHNICAL.get(header_key(h))
        if kind and kind not in technical:
            technical[kind] = i
            parsed.header_mapping[h] = f"technique:{kind}"
        elif i in respondent_at:
            respondent[respondent_at[i]] = i
            parsed.header_mapping[h] = f"répondant:{respondent_at[i]}"
        elif privacy.is_personal_header(text):
            parsed.ignored_columns.append(h)
            parsed.notes.append(f"Colonne « {h} » : donnée personnelle, non importée.")
        elif (split := _split_option_header(h)) is not None:
            groups.setdefault(split[:2], []).append((i, *split[2:]))
        else:
            plain.append((i, code, text))
    # a survey tool names the respondent's questions by a code (PROF, DEPT) or in free words
    # ("Dans quel département exercez-vous ?"): taken when the answers agree
    for i, code, text in list(plain):
        field = _respondent_field(code or "") or _respondent_field(text)
        if field and field not in respondent and _answers_fit(table, i, field):
            respondent[field] = i
            parsed.header_mapping[table.header[i]] = f"répondant:{field}"
            plain.remove((i, code, text))
    questions: list[Question] = []
    for i, code, text in plain:
        questions.append(Question(qid=code or "", text=text, column=i, position=i))
    options_by_code = sidecar.get("options", {})
    for (group, is_code), cols in groups.items():
        questions += _group_questions(table, group, is_code, cols,
                                      options_by_code.get(group, {}), sidecar, parsed)
    questions.sort(key=lambda q: q.position)
    used = {q.qid for q in questions if q.qid}
    for number, q in enumerate(questions, start=1):
        q.position = number
        if not q.qid:  # online forms: full question texts as headers, numbered in file order
            qid, k = f"Q{number}", 1
            while qid in used:
                k += 1
                qid = f"Q{number}_{k}"
            q.qid = qid
            used.add(qid)
        for col in [q.column, *(c for c, _ in q.option_columns), q.other_column]:
            if col is not None:
                parsed.header_mapping[table.header[col]] = f"question:{q.qid}"
    return technical, respondent, questions


# Share of a column's distinct answers that must read as départements (or team types) for a
# freely worded question to be taken as the respondent's: the others are then row errors.
_FIT = 0.8


def _answers_fit(table: RawTable, col: int, field: str) -> bool:
    """Whether the answers of a column read as the respondent field a header suggests."""
    parser = {"departement": n.parse_departement,
              "team_type": lambda v: n.parse_team_type(v, facilitation=True)}.get(field)
    if parser is None:
        return True
    values = {n.clean_cell(r[col]) for r in table.rows[:5000]} - {""}
    if not values:
        return True
    ok = 0
    for value in values:
        with contextlib.suppress(ValueError):
            ok += parser(value) is not None
    return ok >= _FIT * len(values)


def _group_questions(table: RawTable, group: str, is_code: bool, cols: list,
                     option_texts: dict[str, str], sidecar: dict[str, Any],
                     parsed: Parsed) -> list[Question]:
    """Per-option columns of one question (multiple choice), or an array of sub-questions.

    A survey-tool code (``Q5``) is the question's id; a question text gets a numbered id.
    """
    declared = _declared(sidecar, group)
    boxes: list[tuple[int, str]] = []
    other: int | None = None
    texts: list[str] = []
    for i, sub, qtext, otext in cols:
        if texts == [] and qtext:
            texts.append(qtext)
        folded = n.fold(sub).strip()
        if folded in _OTHER_SUBS and not (folded != "other" and _checkboxes(table, [i])):
            other = i  # LimeSurvey's « [other] » code, « [Autre] » in its French full text
        elif folded.endswith(("comment", "commentaire")):
            parsed.ignored_columns.append(table.header[i])
        else:
            boxes.append((i, option_texts.get(sub) or otext or sub))
    is_checkbox = _checkboxes(table, [i for i, _ in boxes])
    if declared.get("type", "multiple" if is_checkbox else None) == "multiple":
        first = min(i for i, *_ in cols)
        question = Question(
            qid=group if is_code else "",
            text=declared.get("text") or (texts[0] if texts else group),
            position=first, qtype="multiple", option_columns=boxes, other_column=other,
            options=[o for _, o in boxes] + ([n.OTHER] if other is not None else []),
            declared=bool(declared),
        )
        _extras(question, declared)
        return [question]
    # not checkboxes: each column is a question of its own (e.g. a LimeSurvey array of scales)
    return [Question(qid=table.header[i] if is_code else "", text=table.header[i], column=i,
                     position=i) for i, *_ in cols]


def _checkboxes(table: RawTable, cols: list[int]) -> bool:
    """Whether these columns hold only checkbox marks (Y, Oui, 1, x…) or nothing."""
    values = {n.fold(row[i]).strip() for i in cols for row in table.rows}
    return values - {""} <= CHECKBOX


# -- types -----------------------------------------------------------------------------------
def infer_type(values: Sequence[str], text: str = "") -> tuple[str, list[str] | None]:
    """The most specific type all answers fit: yes/no, number, scale, multiple, single, text."""
    vals = [v for v in values if v]
    if not vals:
        return "text", None
    # answers repeat: each distinct one is read once, in order of first appearance
    counts = Counter(vals)
    distinct_values = list(counts)
    folded = {n.fold(v).strip(" .") for v in distinct_values}
    if folded <= n.YES_NO_WORDS:
        return "yesno", ["Oui", "Non"]
    convention = n.number_convention(distinct_values).convention
    try:
        if all(n.parse_number(v, convention=convention) is not None for v in distinct_values):
            return "number", None
    except ValueError:
        pass
    scale = _known_scale(distinct_values)
    if scale:
        return "scale", scale
    free_text = any(h in n.fold(text) for h in _FREE_TEXT_HINTS)
    if free_text:  # "Commentaires", "Précisez"…: whatever the answers hold (a ";", repeats)
        return "text", None
    pieces = {v: n.split_multi(v) for v in distinct_values}
    flat = sum(counts[v] * len(p) for v, p in pieces.items())  # answers chosen, all rows
    distinct = {_answer_text(c) for p in pieces.values() for c in p}
    if any(";" in v for v in distinct_values) or (
        any(len(p) > 1 for p in pieces.values()) and len(distinct) <= 20
        and flat >= 2 * len(distinct)
    ):
        return "multiple", _multi_options(distinct_values)
    if len(distinct_values) <= 12 and len(distinct_values) < len(vals):
        return "single", distinct_values
    return "text", None


def _answer_text(choice: n.Choice) -> str:
    """A chosen option as stored: ``Autre : texte`` keeps the free text with the option."""
    return choice.value if choice.other_text is None else f"{choice.value} : {choice.other_text}"


def _multi_options(values: Sequence[str]) -> list[str]:
    """The options seen in joined answers, in order of appearance, ``Autre`` once at the end."""
    chosen = [c for v in dict.fromkeys(values) for c in n.split_multi(v)]
    options = list(dict.fromkeys(c.value for c in chosen if c.value != n.OTHER))
    return options + [n.OTHER] if any(c.value == n.OTHER for c in chosen) else options


def _settle_types(table: RawTable, questions: list[Question], sidecar: dict[str, Any]) -> None:
    """Each single-column question's type and options: declared in the sidecar, else inferred."""
    for q in questions:
        if q.qtype == "multiple" and q.option_columns:
            continue
        column = q.cell_column
        declared = _declared(sidecar, q.qid, table.header[column], q.text)
        if declared.get("text"):
            q.text = str(declared["text"])
        values = [n.clean_cell(r[column]) for r in table.rows]
        qtype = declared.get("type")
        if qtype is not None and qtype not in QTYPES:
            raise ImportRefused(
                f"Type « {qtype} » inconnu pour la question « {q.qid} » dans le fichier de "
                f"description (types possibles : {', '.join(QTYPES)})."
            )
        inferred, inferred_options = infer_type(values, q.text)
        q.declared = qtype is not None
        q.qtype = qtype or inferred
        if q.qtype == "number":
            q.convention = n.number_convention(values).convention
        if q.qtype in ("text", "number"):
            q.options = None
        elif q.qtype == "yesno":
            q.options = ["Oui", "Non"]
        elif declared.get("options"):  # kept in the declared order (scales)
            q.options = [str(o) for o in declared["options"]]
        elif q.qtype == inferred:
            q.options = inferred_options
        elif q.qtype == "scale":
            q.options = _known_scale(values)
        elif q.qtype == "multiple":
            q.options = _multi_options(values)
        else:
            q.options = list(dict.fromkeys(v for v in values if v))
        _extras(q, declared)


def _known_scale(values: Sequence[str]) -> list[str] | None:
    """The first known ordered scale holding every answer (None without answers)."""
    keys = {option_key(v) for v in values if v}
    if not keys:
        return None
    for scale in SCALES:
        if keys <= {option_key(o) for o in scale}:
            return list(scale)
    return None  # a declared scale without options: integer positions (1–5)


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _option_answers(row: Row, q: Question) -> list[tuple[str, str, float | None]]:
    """The (question id, value, value_num) rows of a one-column-per-option question."""
    out: list[tuple[str, str, float | None]] = []
    for i, option in q.option_columns:
        if i in row.uncomputed:
            row.cell(i)  # a formula saved without its value: the row's error
            continue
        raw = row.cells[i]
        ok, chosen = outcome(row.memo, (n.parse_yes_no, raw, True),
                             functools.partial(_checkbox, raw))
        if not ok:
            row.error(row.table.header[i], row.cell(i), chosen)
        elif chosen:
            out.append((q.qid, option, None))
    if q.other_column is not None and row.cell(q.other_column):
        out.append((q.qid, f"{n.OTHER} : {row.cell(q.other_column)}", None))
    return out


def _checkbox(raw: str) -> bool | None:
    return n.parse_yes_no(n.clean_cell(raw), checkbox=True)


def _cell_answers(raw: str, q: Question) -> Outcome:
    """(True, the (question id, value, value_num) rows of a one-column question's cell), or
    (False, (the cell, why it cannot be read))."""
    cell = n.clean_cell(raw)
    if not cell:
        return True, ()
    try:
        return True, tuple((q.qid, value, num) for value, num in _typed(cell, q))
    except ValueError as exc:
        return False, (cell, str(exc))


def _typed(cell: str, q: Question) -> list[tuple[str, float | None]]:
    if q.qtype == "yesno":
        yes = n.parse_yes_no(cell)
        return [("Oui" if yes else "Non", 1.0 if yes else 0.0)]
    if q.qtype == "number":
        number = n.parse_number(cell, convention=q.convention)
        return [] if number is None else [(_number_text(number), number)]
    if q.qtype == "scale":
        if q.options:
            for position, option in enumerate(q.options, start=1):
                if option_key(option) == option_key(cell):
                    return [(option, float(position))]
            raise ValueError(
                f"« {cell} » ne fait pas partie de l'échelle ({' / '.join(q.options)})")
        number = n.parse_number(cell)
        if number is None or not number.is_integer():
            raise ValueError(f"« {cell} » n'est pas une position d'échelle (nombre entier)")
        return [(_number_text(number), number)]
    if q.qtype == "multiple":
        return [(_answer_text(c), None) for c in n.split_multi(cell, q.options or ())]
    if q.qtype == "single" and q.declared and q.options:
        for option in q.options:
            if option_key(option) == option_key(cell):
                return [(option, None)]
        other = n.parse_other(cell)
        if any(option_key(o) == option_key(n.OTHER) for o in q.options):
            return [(f"{n.OTHER} : {other if other is not None else cell}", None)]
        raise ValueError(f"« {cell} » ne fait pas partie des réponses possibles")
    return [(cell, None)]


# -- parse -----------------------------------------------------------------------------------
def parse(table: RawTable, options: Options) -> Parsed:
    """Read a survey export with its metadata; types inferred unless the sidecar declares them."""
    sidecar = _sidecar(options)
    parsed = Parsed({}, [], 0)
    meta = survey_metadata(options, sidecar, parsed.notes)
    table = _with_text_header_row(table, parsed)
    technical, respondent, questions = _columns(table, sidecar, parsed)
    parsed.rows_total = len(table.rows)
    if not questions:
        raise ImportRefused("Aucune question trouvée dans ce fichier d'enquête.")
    _settle_types(table, questions, sidecar)
    for q in questions:
        if q.qtype == "number" and q.column is not None:
            note = n.number_convention(r[q.column] for r in table.rows).note(table.header[q.column])
            parsed.notes += [note] if note else []
    parsed.extra = {"meta": meta, "questions": questions, "replace": options.replace}
    responses = _responses(table, technical, respondent, questions, parsed,
                           options.plausibility.years())
    parsed.records = responses
    incomplete = sum(1 for r in responses if not r.complete)
    parsed.extra["incomplete"] = incomplete
    if incomplete:
        parsed.notes.append(
            f"{incomplete} réponse(s) incomplète(s) (non soumises) : enregistrées mais comptées "
            "à part."
        )
    complete = len(responses) - incomplete
    if responses and not complete:
        raise ImportRefused(
            f"Aucune réponse complète : les {len(responses)} réponse(s) de ce fichier sont "
            "incomplètes (colonne « "
            f"{table.header[technical['submitdate']]} » vide), l'enquête compterait 0 répondant. "
            "Exportez les réponses complètes (ou toutes les réponses) de l'enquête close.",
            list(parsed.errors))
    if complete and "departement" not in respondent:
        parsed.notes.insert(0, (
            f"Attention : aucune colonne ne donne le département des répondants ; les {complete} "
            "réponse(s) complète(s) figureront dans l'enquête, mais ne seront comptées ni dans "
            "les chiffres clés (répondants) ni par département ou territoire."))
    if meta["month"] is None:
        dates = [r.submitted_at for r in responses if r.submitted_at]
        if dates:
            first = min(dates)
            meta["month"] = dt.date(first.year, first.month, 1)
            parsed.notes.append(f"Mois de l'enquête pris de la première réponse : {first:%m/%Y}.")
        elif responses:  # counted in no year: no figure would ever show its respondents
            raise ImportRefused(
                "Date de l'enquête inconnue : ni indiquée à l'import, ni dans le fichier de "
                "description, ni dans les réponses (sans date de soumission). Indiquez-la "
                "(AAAA-MM, option --date).", list(parsed.errors))
    outside_federation(parsed, [r.departement for r in responses if r.departement], options)
    parsed.notes.append("Questions : " + "; ".join(
        f"{q.qid} ({QTYPE_LABELS[q.qtype]}{', déclaré' if q.declared else ''})" for q in questions))
    parsed.preview = pd.DataFrame([
        {"line": r.line, "response_id": r.response_id, "complete": r.complete,
         "submitted_at": r.submitted_at, "profession": r.profession,
         "departement": r.departement, "team_type": r.team_type,
         **{q.qid: "; ".join(v for qid, v, _ in r.answers if qid == q.qid)
            for q in questions[:8]}}
        for r in responses[:20]
    ])
    return parsed


def _responses(table: RawTable, technical: dict[str, int], respondent: dict[str, int],
               questions: list[Question], parsed: Parsed,
               years: range | None = None) -> list[Response]:
    years = years or range(1, 10_000)
    ids = [n.clean_cell(r[technical["id"]]) for r in table.rows] if "id" in technical else []
    use_ids = bool(ids) and all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    match = n.HeaderMatch(respondent, {}, {}, [], [])
    typed: dict[tuple[int, str], Outcome] = {}  # (question position, cell) -> its answers
    out = []
    undated = 0
    submit = technical.get("submitdate", technical.get("timestamp"))
    order = n.DAY_FIRST if submit is None else date_order(table, [submit], parsed.notes)
    for index, row in enumerate(rows_of(table, match)):
        submitted = None
        if submit is not None:
            text = row.cell(submit)
            try:
                submitted = n.parse_date(text, excel_serial=table.container == "xlsx",
                                         order=order)
            except ValueError as exc:
                row.error(table.header[submit], text, str(exc))
            if submitted == UNDATED:  # LimeSurvey: submitted, but the survey keeps no dates
                submitted = None
                undated += 1
            elif submitted is not None and submitted.year not in years:
                row.error(table.header[submit], text, f"« {text} » n'est pas une date "
                          f"plausible (année attendue {n.years_text(years)})")
                submitted = None
        complete = "submitdate" not in technical or bool(row.cell(technical["submitdate"]))
        team_type = row.text("team_type") or None
        if team_type:  # a respondent's own wording is kept when it is not a known type
            ok, known = outcome(row.memo, (n.parse_team_type, team_type, True),
                                functools.partial(n.parse_team_type, team_type,
                                                  facilitation=True))
            team_type = known if ok else team_type
        response = Response(
            line=row.line,
            response_id=int(ids[index]) if use_ids else index + 1,
            complete=complete,
            submitted_at=submitted,
            profession=row.text("profession") or None,
            departement=row.parse("departement", n.parse_departement),
            team_name=row.text("team_name") or None,
            team_type=team_type,
            answers=[],
        )
        answers = response.answers
        for q in questions:
            if q.option_columns:
                answers += _option_answers(row, q)
            elif q.cell_column in row.uncomputed:
                row.cell(q.cell_column)  # a formula saved without its value: the row's error
            else:
                # 500,000 cells at national scale, few distinct per question: each is read once
                raw = row.cells[q.cell_column]
                found = typed.get((q.position, raw))
                if found is None:
                    found = typed[q.position, raw] = _cell_answers(raw, q)
                if found[0]:
                    answers += found[1]
                else:
                    row.error(table.header[q.cell_column], *found[1])
        if row.errors:
            parsed.reject(row)
        else:
            out.append(response)
    parsed.errors.sort(key=lambda e: e.line or 0)
    if undated:
        parsed.notes.append(
            f"{undated} réponse(s) datée(s) du 01/01/1980 : enquête sans horodatage (LimeSurvey), "
            "réponses complètes, sans date de soumission.")
    return out


# -- write -----------------------------------------------------------------------------------
RESPONSE_SCHEMA = (
    ("survey_id", pa.string()), ("response_id", pa.int32()), ("complete", pa.bool_()),
    ("submitted_at", pa.timestamp("us")), ("profession", pa.string()),
    ("departement", pa.string()), ("team_name", pa.string()), ("team_type", pa.string()),
)
ANSWER_SCHEMA = (
    ("survey_id", pa.string()), ("response_id", pa.int32()), ("question_id", pa.string()),
    ("value", pa.string()), ("value_num", pa.float64()),
)
QUESTION_SCHEMA = (
    ("survey_id", pa.string()), ("question_id", pa.string()), ("position", pa.int32()),
    ("text", pa.string()), ("qtype", pa.string()), ("options", pa.list_(pa.string())),
    ("label", pa.string()), ("positive", pa.string()),
)


@dataclass
class Plan:
    """Re-importing a survey replaces it whole: its stored responses, and the file's."""

    label: str
    removed: int
    added: int

    def summary(self) -> dict[str, dict[str, Any]]:
        """What the report keeps (nothing when the survey is new)."""
        if not self.removed:
            return {}
        return {"survey": {"label": self.label, "removed": self.removed, "added": self.added,
                           "unchanged": 0}}


def plan(con: duckdb.DuckDBPyConnection, parsed: Parsed) -> Plan:
    """What replacing the survey would remove (read only)."""
    sid = parsed.extra["meta"]["id"]
    stored = con.execute("SELECT count(*) FROM survey_responses WHERE survey_id = ?",
                         [sid]).fetchall()[0][0]
    return Plan(f"enquête « {sid} »", stored, len(parsed.records))


def write(con: duckdb.DuckDBPyConnection, parsed: Parsed, batch_id: int) -> tuple[list[str], int]:
    """Replace the survey (metadata, questions, responses, answers) by this file's content."""
    meta = parsed.extra["meta"]
    sid = meta["id"]
    found = plan(con, parsed)
    parsed.extra["plan"] = found.summary()
    if found.removed > found.added and parsed.extra.get("replace") is None:
        raise ImportRefused(
            f"Cet import remplacerait les {found.removed} réponses déjà enregistrées de l'"
            f"{found.label} par {found.added} : rien n'a été importé. Si c'est voulu (export "
            "partiel, lignes rejetées…), confirmez-le (--confirm-deletions).")
    existed = store.scalar(con, "SELECT count(*) FROM surveys WHERE survey_id = ?", [sid])
    # a survey's rows are only ever written and deleted together, here: none without its
    # surveys row (four scans of the answers saved for each new survey)
    if existed or found.removed:
        for table in ("survey_answers", "survey_responses", "survey_questions", "surveys"):
            con.execute(f"DELETE FROM {table} WHERE survey_id = ?", [sid])
    con.execute(
        "INSERT INTO surveys (survey_id, title, theme, month, objective, published, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [sid, meta["title"], meta["theme"], meta["month"], meta["objective"], meta["published"],
         batch_id],
    )
    questions: list[Question] = parsed.extra["questions"]
    insert_rows(con, "survey_questions", QUESTION_SCHEMA, [
        (sid, q.qid, q.position, q.text, q.qtype, q.options, q.label, q.positive)
        for q in questions])
    insert_rows(con, "survey_responses", RESPONSE_SCHEMA, [
        (sid, r.response_id, r.complete, r.submitted_at, r.profession, r.departement,
         r.team_name, r.team_type) for r in parsed.records])
    insert_rows(con, "survey_answers", ANSWER_SCHEMA, [
        (sid, r.response_id, qid, value, num)
        for r in parsed.records for qid, value, num in r.answers])
    return ([f"Enquête « {sid} » remplacée (import précédent effacé)."] if existed else []), 0
