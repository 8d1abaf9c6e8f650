"""Turn cells as people write them into canonical values: headers, numbers, dates, codes, choices.

Every parser returns None for an empty cell (unknown, never zero) and raises ValueError with a
French message quoting the value for anything it cannot read; callers turn that into a RowError.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from observatory import vocabulary
from observatory.vocabulary import fold, header_key, option_key, team_name_key

OTHER = "Autre"


# -- text keys -------------------------------------------------------------------------------
def clean_cell(value: object) -> str:
    """A cell as safe text: NFC, control and zero-width characters removed, ends trimmed.

    Leading ``=``, ``+``, ``-`` or ``@`` are kept: in the store a cell is data, never a formula
    (exports neutralise them where a spreadsheet would evaluate them).
    """
    if value is None:
        return ""
    return _clean_text(value if type(value) is str else str(value))


# Exports repeat the same few texts (options, names, headers) thousands of times: the text keys
# are pure functions of their argument, so they are memoised (bounded, for free-text answers).
@functools.lru_cache(maxsize=65536)
def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return text.strip(" \t\n\u00a0\u202f\u2009")


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]")


def formula_message(text: str, what: str) -> str:
    """The French error for a formula where ``what`` (a team's name…) was expected."""
    return (f"« {text} » est une formule de tableur, pas {what} : remplacez-la par sa valeur "
            "(les formules ne sont jamais exécutées ni importées)")


def slugify(text: str) -> str:
    return "-".join(team_name_key(text).split())


# -- headers ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A canonical field of one kind: its French label and the headers that mean it."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False
    multi: bool = False  # multiple choice: may come as one column per option


@dataclass
class HeaderMatch:
    """How a file's columns map onto a kind's fields."""

    columns: dict[str, int]  # field -> column index
    option_columns: dict[str, list[tuple[int, str]]]  # multi field -> (column index, option text)
    mapping: dict[str, str]  # source column -> field
    ignored: list[str]
    missing: list[Field]


_OPTION_HEADER = re.compile(r"^(?P<question>.*?\S)\s*\[(?P<option>[^\[\]]+)\]\s*$")


def match_headers(header: Sequence[str], fields: Sequence[Field]) -> HeaderMatch:
    """Match columns to fields by meaning; the first column of a field wins, others are ignored."""
    by_key: dict[str, Field] = {}
    for declared in fields:
        for synonym in (declared.name, declared.label, *declared.synonyms):
            by_key.setdefault(header_key(synonym), declared)
    columns: dict[str, int] = {}
    options: dict[str, list[tuple[int, str]]] = {}
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for i, name in enumerate(header):
        f = by_key.get(header_key(name))
        if f is not None and f.name not in columns:
            columns[f.name] = i
            mapping[name] = f.name
            continue
        m = _OPTION_HEADER.match(name)
        f = by_key.get(header_key(m.group("question"))) if m else None
        if m and f is not None and f.multi:
            options.setdefault(f.name, []).append((i, m.group("option").strip()))
            mapping[name] = f.name
            continue
        ignored.append(name)
    missing = [
        f for f in fields if f.required and f.name not in columns and f.name not in options
    ]
    return HeaderMatch(columns, options, mapping, ignored, missing)


# -- numbers ---------------------------------------------------------------------------------
_SPACE_CHARS = " \u00a0\u202f\u2009\u2007"
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur|euros?)$", re.IGNORECASE)


def parse_number(value: object) -> float | None:
    """A number as French people write it: ``45 000``, ``45 000,50 €``, ``45.000,50``, ``12.5``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"« {value} » n'est pas un nombre")
    if isinstance(value, (int, float)):
        return float(value)
    text = clean_cell(value)
    if not text:
        return None
    s = _CURRENCY.sub("", text).strip(_SPACE_CHARS).replace("\u2212", "-")
    sign = 1.0
    if s and s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:].strip(_SPACE_CHARS)
    if s.endswith("%"):
        s = s[:-1].rstrip(_SPACE_CHARS)
    number = _unsigned(s)
    if number is None:
        raise ValueError(f"« {text} » n'est pas un nombre")
    return sign * number


def _groups_ok(integer: str, sep: str) -> bool:
    parts = integer.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _unsigned(s: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?[eE][+-]?\d+", s):  # spreadsheets write 1.5E+16
        return float(s)
    spaced = re.split(f"[{_SPACE_CHARS}]+", s)
    if len(spaced) > 1:  # spaces can only group thousands: 45 000 or 1 234 567,50
        last = re.fullmatch(r"(\d{3})(?:[.,](\d+))?", spaced[-1])
        if not last or not _groups_ok(" ".join([*spaced[:-1], last.group(1)]), " "):
            return None
        decimals = last.group(2)
        integer = "".join(spaced[:-1]) + last.group(1)
        if not integer.isdigit():
            return None
        return float(f"{integer}.{decimals}" if decimals else integer)
    if not re.fullmatch(r"[\d.,]+", s) or not re.search(r"\d", s):
        return None
    if "," in s and "." in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        integer, _, decimals = s.rpartition(decimal_sep)
        if thousands in decimals or not decimals.isdigit() or not _groups_ok(integer, thousands):
            return None
        return float(integer.replace(thousands, "") + "." + decimals)
    for sep in ",.":
        count = s.count(sep)
        if count == 1:  # one comma or dot: the decimal separator (45000,50 or 12.5)
            integer, decimals = s.split(sep)
            if not decimals.isdigit() or (integer and not integer.isdigit()):
                return None
            return float(f"{integer or 0}.{decimals}")
        if count > 1:  # several: thousands groups only (1.234.567)
            return float(s.replace(sep, "")) if _groups_ok(s, sep) else None
    return float(s)


def parse_int(value: object) -> int | None:
    """A whole count (``12``, ``1 234``); decimals are an error."""
    number = parse_number(value)
    if number is None:
        return None
    if not float(number).is_integer():
        raise ValueError(f"« {clean_cell(value)} » n'est pas un nombre entier")
    return int(number)


def parse_year(value: object) -> int | None:
    """A four-digit year."""
    text = clean_cell(value)
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(?:\.0+)?", text)
    if not m or not 1990 <= int(m.group(1)) <= 2100:
        raise ValueError(f"« {text} » n'est pas une année (4 chiffres attendus)")
    return int(m.group(1))


# -- dates -----------------------------------------------------------------------------------
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-day bug
_TIME = r"(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME)
_YMD = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_ZONE = re.compile(r"\s*(?:Z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC|GMT|CET|CEST)$")


def parse_date(value: object, *, excel_serial: bool = False) -> dt.datetime | None:
    """A date or date-time: ``24/11/2025``, ``2025-11-24``, ``24/11/2025 14:03[:00]``, serials."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value), str(value))
    text = clean_cell(value)
    if not text:
        return None
    if excel_serial and re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _from_serial(float(text), text)
    s = _ZONE.sub("", text) if re.search(r"\d:\d\d", text) else text
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd")):
        m = pattern.fullmatch(s)
        if not m:
            continue
        a, b, c = (int(x) for x in m.groups()[:3])
        day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
        if year < 100:
            year += 2000
        hour, minute, second = (int(x) if x else 0 for x in m.groups()[3:6])
        try:
            return dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise ValueError(f"« {text} » n'est pas une date valide") from None
    raise ValueError(f"« {text} » n'est pas une date (attendu : JJ/MM/AAAA)")


def _from_serial(serial: float, text: str) -> dt.datetime:
    if not 1 <= serial < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
        raise ValueError(f"« {text} » n'est pas une date")
    moment = EXCEL_EPOCH + dt.timedelta(days=serial)
    return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


def to_excel_serial(moment: dt.datetime) -> float:
    """The Excel serial of a date-time (the inverse of what xlsx files hold)."""
    return (moment - EXCEL_EPOCH) / dt.timedelta(days=1)


# -- yes / no --------------------------------------------------------------------------------
_YES = {"oui", "o", "y", "yes", "1", "vrai", "true", "x", "✓", "✔", "coche", "ok"}
_NO = {"non", "n", "no", "0", "faux", "false"}
YES_NO_WORDS = frozenset(_YES | _NO) - {"1", "0", "x", "✓", "✔", "ok", "coche"}


def parse_yes_no(value: object, *, checkbox: bool = False) -> bool | None:
    """Oui/Non, O/N, Y/N, Yes/No, 1/0, Vrai/Faux; for checkbox columns, ``x`` or empty."""
    if isinstance(value, bool):
        return value
    text = clean_cell(value)
    if not text:
        return False if checkbox else None
    key = fold(text).strip(" .")
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(f"« {text} » n'est pas une réponse oui/non")


# -- coded values (codes, labels and synonyms: observatory.vocabulary) -----------------------
def _lookup(table: Mapping[str, str], text: str) -> str | None:
    key = option_key(text)
    if key in table:
        return table[key]
    bare = option_key(vocabulary.HINT.sub("", text))  # "MSP (Maison de santé…)"
    if bare in table:
        return table[bare]
    return None


def parse_team_type(value: object, *, facilitation: bool = False) -> str | None:
    """MSP / CPTS / ESP / CDS from acronyms or full French names (plus Collectivité/Autre)."""
    text = clean_cell(value)
    if not text:
        return None
    found = _lookup(vocabulary.TEAM_TYPE_SYNONYMS, text)
    if found is None:
        first = option_key(text).split(" ")[0]  # "MSP - Maison de santé…"
        found = first.upper() if first.upper() in vocabulary.TEAM_TYPES else None
    if found is None and facilitation:
        found = _lookup(vocabulary.FACILITATION_TEAM_TYPE_SYNONYMS, text)
    if found is None:
        known = ", ".join(vocabulary.FACILITATION_TEAM_TYPES if facilitation
                          else vocabulary.TEAM_TYPES)
        raise ValueError(f"« {text} » n'est pas un type de structure connu ({known})")
    return found


def parse_status(value: object) -> str | None:
    """En projet / Labellisée (Projet de santé validé) / Sous ACI (Signataire ACI)."""
    text = clean_cell(value)
    if not text:
        return None
    found = _lookup(vocabulary.STATUS_SYNONYMS, text)
    if found is None:
        known = ", ".join(vocabulary.STATUS_LABELS[s] for s in vocabulary.STATUSES)
        raise ValueError(f"« {text} » n'est pas un stade connu ({known})")
    return found


def parse_kind(value: object) -> str | None:
    """A facilitation type → one of vocabulary.KINDS (sensibilisation, conseil, complexe…)."""
    text = clean_cell(value)
    if not text:
        return None
    key = option_key(text)
    for prefix, kind in vocabulary.KIND_PREFIXES:
        if key == prefix or key.startswith(prefix + " "):
            return kind
    known = ", ".join(vocabulary.KIND_LABELS[k] for k in vocabulary.KINDS)
    raise ValueError(f"« {text} » n'est pas un type de facilitation connu ({known})")


def parse_mode(value: object) -> str | None:
    """Présentiel / Visio (also Téléphone, Mixte)."""
    text = clean_cell(value)
    if not text:
        return None
    found = _lookup(vocabulary.MODE_SYNONYMS, text)
    if found is None:
        # the two modes staff are asked to write; Téléphone and Mixte are read too
        known = ", ".join(vocabulary.MODES[:2])
        raise ValueError(f"« {text} » n'est pas un format connu ({known})")
    return found


def parse_departement(value: object) -> str | None:
    """Any written form of a département → its INSEE code; unknown → ValueError."""
    from observatory import geo  # imported late: geo loads reference tables

    text = clean_cell(value)
    if not text:
        return None
    code = geo.normalise_departement(text)
    if code is None:
        raise ValueError(f"« {text} » n'est pas un département connu")
    return code


def parse_choice(value: object, options: Sequence[str], what: str) -> str | None:
    """One of ``options`` (matched by option_key); anything else is an error."""
    text = clean_cell(value)
    if not text:
        return None
    for option in options:
        if option_key(option) == option_key(text):
            return option
    known = ", ".join(options)
    raise ValueError(f"« {text} » n'est pas {what} connu ({known})")


# -- multiple choice -------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """One chosen answer: the option (canonical text) and, for ``Autre``, the free text."""

    value: str
    other_text: str | None = None


_OTHER_PREFIX = re.compile(r"^autres?\s*(?:[:\-–—]\s*|\((.*)\)\s*$|$)", re.IGNORECASE)


def parse_other(text: str) -> str | None:
    """The free text of ``Autre : texte`` ('' for a bare ``Autre``); None for other answers."""
    m = _OTHER_PREFIX.match(fold(text))
    if not m:
        return None
    if m.group(1) is not None:
        return text[text.index("(") + 1 : text.rindex(")")].strip()
    return text[m.end():].strip()


def _top_level_commas(text: str) -> list[str]:
    """Split on commas outside parentheses: ``Complexe (médiation, conflit)`` stays whole."""
    if not any(bracket in text for bracket in "()[]"):
        return text.split(",")
    pieces, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif c == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces


def split_multi(
    cell: object,
    options: Iterable[str] = (),
    *,
    aliases: Mapping[str, str] | None = None,
) -> list[Choice]:
    """Answers joined in one cell by ``;`` or ``, ``; known options (which may hold commas) first.

    Text matching no option becomes an ``Autre`` answer keeping its text when the option list
    has ``Autre`` (form tools write the free text of "Autre" as the answer itself), else stays a
    value of its own.
    """
    text = clean_cell(cell)
    if not text:
        return []
    # cached on hashable arguments: a file repeats the same answers, with the same options
    return list(_split_multi(text, tuple(options), tuple((aliases or {}).items())))


@functools.lru_cache(maxsize=256)
def _option_index(options: tuple[str, ...], aliases: tuple[tuple[str, str], ...]
                  ) -> tuple[dict[str, str], frozenset[str], int]:
    """Options by key, every key's leading words (what a run of pieces may grow into), and
    the number of words of the longest key."""
    index = {option_key(o): o for o in options}
    index.update({option_key(a): o for a, o in aliases})
    prefixes: set[str] = set()
    for key in index:
        words = key.split()
        prefixes.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
    return index, frozenset(prefixes), max((len(k.split()) for k in index), default=0)


@functools.lru_cache(maxsize=65536)
def _split_multi(text: str, options: tuple[str, ...],
                 aliases: tuple[tuple[str, str], ...]) -> tuple[Choice, ...]:
    index, prefixes, longest = _option_index(options, aliases)
    has_other = option_key(OTHER) in index
    out: list[Choice] = []

    def free(pieces: list[str]) -> None:
        # unmatched pieces: a new answer starts at a capital letter, a continuation does not
        groups: list[str] = []
        for piece in pieces:
            p = piece.strip()
            if not p:
                continue
            starts_new = p[0].isupper() or p[0].isdigit()
            if groups and not (starts_new and parse_other(groups[-1]) is None):
                groups[-1] = f"{groups[-1]}, {p}"
            else:
                groups.append(p)
        for g in groups:
            other = parse_other(g)
            if other is not None:
                out.append(Choice(OTHER, other or None))
            elif has_other:
                out.append(Choice(OTHER, g))
            else:
                out.append(Choice(g))

    # The key of a run of pieces is the keys of its pieces joined by spaces (a comma is a word
    # boundary and normalisation works character by character), and a run with more words than
    # the longest option cannot be one: both keep the search linear in long answers. The
    # longest run that is an option wins; a run whose key starts no option's key cannot grow
    # into one.
    for chunk in re.split(r"[;\n]", text):
        pieces = _top_level_commas(chunk)
        keys = [option_key(p) for p in pieces]
        words = [k.count(" ") + 1 if k else 0 for k in keys]  # keys are single-spaced words
        unmatched: list[str] = []
        i = 0
        while i < len(pieces):
            end, count = i, 0
            while end < len(pieces) and count + words[end] <= longest:
                count += words[end]
                end += 1
            found, run = None, ""
            for j in range(i, end):
                if keys[j]:
                    run = f"{run} {keys[j]}" if run else keys[j]
                    if run not in prefixes:
                        break
                option = index.get(run)
                if option is not None:
                    found = (j + 1, option)
            if found is None:
                unmatched.append(pieces[i])
                i += 1
                continue
            if unmatched:
                free(unmatched)
                unmatched = []
            out.append(Choice(found[1]))
            i = found[0]
        free(unmatched)
    return tuple(dict.fromkeys(out))  # Choice is frozen: equal answers are one


def option_header(header: str) -> tuple[str, str] | None:
    """``Question [Option]`` or ``Q5[SQ001]`` → (question, option or sub-question code)."""
    m = _OPTION_HEADER.match(header)
    if not m:
        return None
    return m.group("question").strip(), m.group("option").strip()
