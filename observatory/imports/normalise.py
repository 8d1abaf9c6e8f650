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
from dataclasses import dataclass, field

from observatory import formats, vocabulary
from observatory.vocabulary import fold, header_key, option_key

# read by the importers as n.slugify and n.team_name_key (slugify lives in vocabulary, the
# core, where the packages reach it too)
from observatory.vocabulary import slugify as slugify
from observatory.vocabulary import team_name_key as team_name_key

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
    by_keywords: list[str] = field(default_factory=list)  # columns matched by their key words


_OPTION_HEADER = re.compile(r"^(?P<question>.*?\S)\s*\[(?P<option>[^\[\]]+)\]\s*$")
# Words that frame a question rather than name what it asks ("Quel est le type de votre
# structure ?" asks for the "type structure"): dropped to compare a header with a field's names.
_FRAMING_WORDS = """
    quel quelle quels quelles est sont c qu que qui quoi le la les l un une des de du d votre vos
    notre nos son sa ses leur leurs a au aux en dans pour par sur avec et ou s y il elle ils
    elles on nous vous je j veuillez merci indiquez indiquer precisez preciser renseignez
    renseigner saisissez saisir svp actuel actuelle actuellement
"""
_FRAMING = frozenset(_FRAMING_WORDS.split())


def keywords(text: str) -> str:
    """A header's key words: its header_key without the words that frame a question."""
    return " ".join(w for w in header_key(text).split() if w not in _FRAMING)


def match_headers(header: Sequence[str], fields: Sequence[Field], *,
                  fixed: Mapping[str, int | None] | None = None,
                  by_keywords: bool = False) -> HeaderMatch:
    """Match columns to fields by meaning; the first column of a field wins, others are ignored.

    ``fixed``: field -> column index (or None: no column) the user chose, taken first.
    ``by_keywords``: a column no name matches may still match a field whose name has the same
    key words (``Quel est le type de votre structure ?`` → ``Type de structure``), when exactly
    one column and one field do so: anything ambiguous is left for the user to say.
    """
    by_key: dict[str, Field] = {}
    for declared in fields:
        for synonym in (declared.name, declared.label, *declared.synonyms):
            by_key.setdefault(header_key(synonym), declared)
    fixed = dict(fixed or {})
    columns: dict[str, int] = {name: i for name, i in fixed.items() if i is not None}
    options: dict[str, list[tuple[int, str]]] = {}
    mapping: dict[str, str] = {header[i]: f for f, i in columns.items()}
    ignored: list[str] = []
    taken = set(columns.values())
    for i, name in enumerate(header):
        if i in taken:
            continue
        f = by_key.get(header_key(name))
        if f is not None and f.name not in columns and f.name not in fixed:
            columns[f.name] = i
            mapping[name] = f.name
            continue
        m = _OPTION_HEADER.match(name)
        f = by_key.get(header_key(m.group("question"))) if m else None
        if m and f is not None and f.multi and f.name not in fixed:
            options.setdefault(f.name, []).append((i, m.group("option").strip()))
            mapping[name] = f.name
            continue
        ignored.append(name)
    found = HeaderMatch(columns, options, mapping, ignored, [])
    if by_keywords:
        _match_keywords(header, fields, fixed, found)
    found.missing = [
        f for f in fields if f.required and f.name not in columns and f.name not in options
    ]
    position = {name: i for i, name in enumerate(header)}  # the report lists columns in order
    found.mapping = dict(sorted(found.mapping.items(), key=lambda item: position[item[0]]))
    return found


def _match_keywords(header: Sequence[str], fields: Sequence[Field],
                    fixed: Mapping[str, int | None], found: HeaderMatch) -> None:
    """The key-word matches of ``match_headers``, one column to one field, never ambiguous."""
    meaning: dict[str, set[str]] = {}
    for f in fields:
        for synonym in (f.label, *f.synonyms):
            if keywords(synonym):
                meaning.setdefault(keywords(synonym), set()).add(f.name)
    free = {f.name for f in fields} - set(found.columns) - set(found.option_columns) - set(fixed)
    candidates: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if name not in found.ignored:
            continue
        names = meaning.get(keywords(name), set())
        if len(names) == 1 and (target := next(iter(names))) in free:
            candidates.setdefault(target, []).append(i)
    for target, cols in candidates.items():
        if len(cols) != 1:  # two columns say the same: the user chooses
            continue
        name = header[cols[0]]
        found.columns[target] = cols[0]
        found.mapping[name] = target
        found.ignored.remove(name)
        found.by_keywords.append(name)


# -- numbers ---------------------------------------------------------------------------------
_SPACE_CHARS = " \u00a0\u202f\u2009\u2007"
_SPACES = re.compile(f"[{_SPACE_CHARS}]+")
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur|euros?)$", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")  # spreadsheets write 1.5E+16

# The two ways of writing a number: French (decimal comma, thousands grouped by spaces or dots:
# 1.234,50) and English (decimal point, thousands grouped by spaces or commas: 1,234.50).
FR, EN = "fr", "en"
CONVENTIONS = {
    FR: ("avec la virgule décimale et le point ou l'espace entre les milliers (1.234,50)", ".", ","),
    EN: ("avec le point décimal et la virgule ou l'espace entre les milliers (1,234.50)", ",", "."),
}
_WRITTEN = {
    conv: re.compile(rf"(?P<int>\d+(?:(?P<sep>[ {re.escape(group)}])\d{{3}}(?:(?P=sep)\d{{3}})*)?)?"
                     rf"(?:{re.escape(point)}(?P<dec>\d+))?")
    for conv, (_, group, point) in CONVENTIONS.items()
}
# What a field's numbers may be: any decimal, euros (at most two decimals: 45.000 € cannot be
# 45 euros and no cents), or a whole count (1.234 people cannot be 1,234 people).
DECIMAL, MONEY, INTEGER = "decimal", "money", "integer"


class AmbiguousNumber(ValueError):
    """A number both conventions read, as two different values (``45.000``: 45 000 or 45)."""


def _written(s: str, conv: str, kind: str) -> float | None:
    """``s`` (unsigned, no unit) read in one convention; None when it cannot be written so."""
    m = _WRITTEN[conv].fullmatch(s)
    if not m or not (m.group("int") or m.group("dec")):
        return None
    integer, sep, decimals = m.group("int") or "", m.group("sep"), m.group("dec")
    if sep and integer[0] == "0":  # a group of thousands never starts with a zero: 0.500
        return None
    if kind == MONEY and decimals and len(decimals) > 2:
        return None
    value = float((integer.replace(sep, "") if sep else integer or "0")
                  + (f".{decimals}" if decimals else ""))
    if kind == INTEGER and not value.is_integer():
        return None
    return value


def number_readings(value: object, kind: str = DECIMAL) -> dict[str, float] | None:
    """Every reading of a written number, by convention (one or two); None for an empty cell.

    Raises ValueError when neither convention reads it.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"« {value} » n'est pas un nombre")
    if isinstance(value, (int, float)):
        return {FR: float(value), EN: float(value)}
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
    s = _SPACES.sub(" ", s)
    if _SCIENTIFIC.fullmatch(s):
        return {FR: sign * float(s), EN: sign * float(s)}
    found = {conv: sign * v for conv in CONVENTIONS if (v := _written(s, conv, kind)) is not None}
    if not found:
        if kind == INTEGER and number_readings(text, DECIMAL):
            raise ValueError(f"« {text} » n'est pas un nombre entier")
        if kind == MONEY and number_readings(text, DECIMAL):
            raise ValueError(f"« {text} » n'est pas un montant en euros (plus de deux décimales)")
        raise ValueError(f"« {text} » n'est pas un nombre")
    return found


def parse_number(value: object, *, convention: str | None = None,
                 kind: str = DECIMAL) -> float | None:
    """A number as people write it: ``45 000``, ``45 000,50 €``, ``45.000,50``, ``12.5``.

    A number both conventions read differently (``45.000``, ``1,234``) takes the column's
    ``convention`` (see ``number_convention``); without one it is an AmbiguousNumber.
    """
    readings = number_readings(value, kind)
    if readings is None:
        return None
    values = set(readings.values())
    if len(values) == 1:
        return values.pop()
    if convention in readings:
        return readings[convention]
    text = clean_cell(value)
    sep, name, adjective = ((".", "le point", "décimal") if "." in text
                            else (",", "la virgule", "décimale"))
    grouped, decimal = (readings[FR], readings[EN]) if sep == "." else (readings[EN], readings[FR])
    raise AmbiguousNumber(
        f"« {text} » est ambigu : {plain_number(grouped)} si {name} sépare les milliers, "
        f"{plain_number(decimal)} si {name} est {adjective} ; rien d'autre dans la colonne ne permet de "
        f"trancher (écrivez « {plain_number(grouped, bare=True)} » pour {plain_number(grouped)})")


def plain_number(number: float, bare: bool = False) -> str:
    """A number as the French write it (``45 000``, ``1,234``); ``bare``: no spaces."""
    text = f"{number:,.6f}".rstrip("0").rstrip(".")
    integer, _, decimals = text.partition(".")
    integer = integer.replace(",", "" if bare else "\u202f")
    return f"{integer},{decimals}" if decimals else integer


@dataclass(frozen=True)
class NumberConvention:
    """How one column writes its numbers, decided from all its cells."""

    convention: str | None  # FR, EN, or None when nothing (or everything) decides it
    evidence: dict[str, str]  # convention -> a cell only it reads
    ambiguous: tuple[str, ...]  # cells both conventions read, as different values
    kind: str = DECIMAL
    by_kind: tuple[str, ...] = ()  # cells ambiguous as numbers, not as amounts or counts

    def note(self, column: str) -> str | None:
        """What the report says about the reading taken, when a choice was made."""
        if self.by_kind and not self.ambiguous:
            shown = ", ".join(f"« {a} » = {plain_number(parse_number(a, kind=self.kind) or 0)}"
                              for a in self.by_kind[:3])
            more = f" et {len(self.by_kind) - 3} autre(s)" if len(self.by_kind) > 3 else ""
            why = ("un montant en euros n'a pas trois décimales" if self.kind == MONEY
                   else "un nombre entier n'a pas de décimales")
            return (f"Colonne « {column} » : {shown}{more} ({why} : le séparateur y sépare "
                    "les milliers).")
        if not self.ambiguous:
            return None
        shown = ", ".join(f"« {a} »" for a in self.ambiguous[:3])
        more = f" et {len(self.ambiguous) - 3} autre(s)" if len(self.ambiguous) > 3 else ""
        if self.convention is None:
            if len(self.evidence) == 2:
                return (f"Colonne « {column} » : elle mélange les deux écritures des nombres "
                        f"(« {self.evidence[FR]} » et « {self.evidence[EN]} ») ; {shown}{more} "
                        "restent ambigus et sont signalés en erreur.")
            return None  # each ambiguous cell is its row's error, which says why
        label = CONVENTIONS[self.convention][0]
        read = ", ".join(plain_number(parse_number(a, convention=self.convention) or 0)
                         for a in self.ambiguous[:3])
        return (f"Colonne « {column} » : nombres lus {label}, comme l'écrit « "
                f"{self.evidence[self.convention]} » ; {shown}{more} lu(s) ainsi ({read}).")


def number_convention(cells: Iterable[str], kind: str = DECIMAL) -> NumberConvention:
    """The convention of a column: the one every cell it can decide agrees on (one column is
    written one way). Cells of no convention's are left to their rows' errors."""
    evidence: dict[str, str] = {}
    ambiguous: list[str] = []
    by_kind: list[str] = []
    for cell in dict.fromkeys(cells):
        try:
            readings = number_readings(cell, kind)
        except ValueError:
            continue
        if not readings:
            continue
        if len(readings) == 1:
            evidence.setdefault(next(iter(readings)), clean_cell(cell))
            if kind != DECIMAL and len(set((number_readings(cell) or {}).values())) > 1:
                by_kind.append(clean_cell(cell))  # 45.000 €: thousands, being euros
        elif len(set(readings.values())) > 1:
            ambiguous.append(clean_cell(cell))
    convention = next(iter(evidence)) if len(evidence) == 1 else None
    return NumberConvention(convention, evidence, tuple(ambiguous), kind, tuple(by_kind))


def parse_int(value: object, *, convention: str | None = None) -> int | None:
    """A whole count (``12``, ``1 234``, ``1.234``); decimals are an error."""
    number = parse_number(value, convention=convention, kind=INTEGER)
    return None if number is None else int(number)


def parse_money(value: object, *, convention: str | None = None) -> float | None:
    """An amount in euros (at most two decimals: ``45.000 €`` is 45 000 €)."""
    return parse_number(value, convention=convention, kind=MONEY)


def parse_year(value: object, *, years: range | None = None) -> int | None:
    """A four-digit year, within ``years`` when given (the plausible years of an import)."""
    text = clean_cell(value)
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(?:\.0+)?", text)
    if not m:
        raise ValueError(f"« {text} » n'est pas une année (4 chiffres attendus)")
    year = int(m.group(1))
    if years is not None and year not in years:
        raise ValueError(f"« {text} » n'est pas une année plausible (attendue {years_text(years)})")
    return year


def years_text(years: range) -> str:
    """``de 2000 à 2027``: the plausible years, in French."""
    return f"de {years.start} à {years.stop - 1}"


# -- dates -----------------------------------------------------------------------------------
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-day bug
_TIME = r"(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME)
_YMD = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_ZONE = re.compile(r"\s*(?:Z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC|GMT|CET|CEST)$")


DAY_FIRST, MONTH_FIRST, MIXED = "dmy", "mdy", "mixed"


def _without_zone(text: str) -> str:
    """A date-time without its time zone (« 2025-03-04 10:00 UTC+1 »); a date as it is."""
    return _ZONE.sub("", text) if re.search(r"\d:\d\d", text) else text


def _day_month(text: str) -> tuple[int, int] | None:
    """The first two numbers of a ``12/03/2025``-like date (either order), else None."""
    m = _DMY.fullmatch(_without_zone(text))
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class DateOrder:
    """How one file writes its dates, decided from all its date cells (one tool writes one way):
    day first, as in French, unless the column holds month-first dates only (« 03/13/2025 »,
    as Google Forms and Microsoft Forms write them in English); both: ``MIXED``."""

    order: str  # DAY_FIRST, MONTH_FIRST or MIXED
    evidence: dict[str, str]  # order -> a cell only it reads

    def note(self, columns: Sequence[str]) -> str | None:
        """What the report says about the reading taken, when it is not the French one."""
        where = (f"Colonne « {columns[0]} »" if len(columns) == 1 else
                 "Colonnes " + ", ".join(f"« {c} »" for c in columns))
        if self.order == MONTH_FIRST:
            return (f"{where} : dates lues mois/jour/année (écriture anglaise), "
                    f"comme l'écrit « {self.evidence[MONTH_FIRST]} ».")
        if self.order == MIXED:
            return (f"{where} : le fichier mélange les deux écritures des dates "
                    f"(« {self.evidence[DAY_FIRST]} » jour/mois, « {self.evidence[MONTH_FIRST]} » "
                    "mois/jour) ; les dates lisibles des deux façons sont signalées en erreur.")
        return None


def date_order(cells: Iterable[object]) -> DateOrder:
    """The order of ``a/b/yyyy`` dates: the one the unambiguous cells show."""
    evidence: dict[str, str] = {}
    for cell in dict.fromkeys(c for c in cells if isinstance(c, str)):
        text = clean_cell(cell)
        pair = _day_month(text)
        if pair is None:
            continue
        a, b = pair
        if a > 12 >= b >= 1:
            evidence.setdefault(DAY_FIRST, text)
        elif b > 12 >= a >= 1:
            evidence.setdefault(MONTH_FIRST, text)
        if len(evidence) == 2:
            return DateOrder(MIXED, evidence)
    return DateOrder(MONTH_FIRST if MONTH_FIRST in evidence else DAY_FIRST, evidence)


def parse_date(value: object, *, excel_serial: bool = False,
               order: str = DAY_FIRST) -> dt.datetime | None:
    """A date or date-time: ``24/11/2025``, ``2025-11-24``, ``24/11/2025 14:03[:00]``, serials.

    ``order``: how the column writes ``a/b/yyyy`` (``date_order``); in a ``MIXED`` column a
    date both orders read differently is an error."""
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
    s = _without_zone(text)
    for pattern in (_DMY, _YMD):
        m = pattern.fullmatch(s)
        if not m:
            continue
        a, b, c = (int(x) for x in m.groups()[:3])
        if pattern is _YMD:
            day, month, year = c, b, a
        else:
            year = c + 2000 if c < 100 else c
            if order == MIXED and a != b and a <= 12 and b <= 12:
                raise ValueError(f"« {text} » est ambigu : {formats.day(dt.date(year, b, a))} ou "
                                 f"{formats.day(dt.date(year, a, b))}, et le fichier mélange les "
                                 "deux écritures des dates ; écrivez-les toutes JJ/MM/AAAA")
            month_first = order == MONTH_FIRST or (order == MIXED and b > 12 >= a)
            day, month = (b, a) if month_first else (a, b)
        hour, minute, second = (int(x) if x else 0 for x in m.groups()[3:6])
        try:
            return dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            if pattern is _DMY and order == DAY_FIRST and b > 12 >= a:
                raise ValueError(f"« {text} » n'est pas une date jour/mois/année (elle se lirait "
                                 "mois/jour/année, comme l'écrivent les outils en anglais)"
                                 ) from None
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


# -- durations -------------------------------------------------------------------------------
_HOURS_MINUTES = re.compile(
    r"(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr?s?|heures?)\.?(?:\s*(?P<m>\d{1,2})\s*(?:min(?:utes?)?|mn|m)?\.?)?")
_MINUTES = re.compile(r"(?P<m>\d+(?:[.,]\d+)?)\s*(?:min(?:utes?)?|mn|m|')\.?")
# A time or duration cell of a workbook (« 01:30:00 », « 1 day, 2:30:00 »), or « 1:30 » typed.
_CLOCK = re.compile(r"(?:(?P<d>\d+)\s*days?,\s*)?(?P<h>\d{1,3}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")
_DAYS = re.compile(r"\d*\s*(?:j|jours?|journees?|demi[ -]?journees?)\b")


def parse_duration(value: object, *, convention: str | None = None) -> float | None:
    """A duration in hours as staff write it: ``1,5``, ``1.5``, ``2``, ``1h30``, ``1 h 30 min``,
    ``90 min``, ``2 heures``, ``1:30``, or a workbook's time cell (``01:30:00``).

    A bare number is hours (its column's ``convention`` decides ``1.500``-like cells); days
    (``1 j``, ``demi-journée``) are refused, not guessed as 7 or 8 hours.
    """
    text = clean_cell(value)
    if not text:
        return None
    key = fold(text).replace("\u00a0", " ").replace("\u202f", " ").strip()
    m = _CLOCK.fullmatch(key)
    if m:
        if int(m["m"]) >= 60 or int(m["s"] or 0) >= 60:
            raise ValueError(f"« {text} » n'est pas une durée valide")
        return round(24 * int(m["d"] or 0) + int(m["h"]) + int(m["m"]) / 60
                     + int(m["s"] or 0) / 3600, 4)
    m = _HOURS_MINUTES.fullmatch(key)
    if m:
        minutes = int(m["m"] or 0)
        if minutes >= 60:
            raise ValueError(f"« {text} » n'est pas une durée valide ({minutes} minutes)")
        hours = float(m["h"].replace(",", "."))
        if minutes and not hours.is_integer():
            raise ValueError(f"« {text} » n'est pas une durée valide")
        return round(hours + minutes / 60, 4)
    m = _MINUTES.fullmatch(key)
    if m:
        return round(float(m["m"].replace(",", ".")) / 60, 4)
    if _DAYS.fullmatch(key):
        raise ValueError(f"« {text} » est une durée en jours : écrivez-la en heures (« 7 h », "
                         "« 3 h 30 »), le nombre d'heures d'une journée n'étant pas le même "
                         "pour tous")
    try:
        number = parse_number(text, convention=convention)
    except AmbiguousNumber:
        raise
    except ValueError:
        raise ValueError(f"« {text} » n'est pas une durée (attendu : des heures, « 1,5 », "
                         "« 1h30 » ou « 90 min »)") from None
    if number is not None and number < 0:
        raise ValueError(f"« {text} » n'est pas une durée (négative)")
    return number


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


_COMMUNE_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})", re.IGNORECASE)
_CODE_AND_NAME = re.compile(r"(?P<code>\d{5}|2[AB]\d{3})\s*[-–—:,]?\s*(?P<name>[^\W\d].*)",
                            re.IGNORECASE)


def parse_commune(value: object, *, departement: str | None = None) -> str | None:
    """A commune → its INSEE code: a code (``38185``, ``2A004``, ``1053`` whose zero a
    spreadsheet dropped, an arrondissement of Paris, Lyon or Marseille), a FINESS-style number
    within the département (``185`` with 38), a name within the département (« Grenoble »,
    « ST ETIENNE », « Puy-en-Velay (Le) »), or a code and a name together (« 38185 Grenoble »:
    the name decides, the code may be a postal one). A code of a commune outside
    ``departement``, a name without a département, an unknown or ambiguous one: ValueError."""
    from observatory import geo

    text = clean_cell(value)
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if _COMMUNE_CODE.fullmatch(text):
        code = geo.city_of_arrondissement(text) or text.upper()
        if not geo.find_communes(code):
            raise ValueError(f"« {text} » n'est pas un code commune INSEE connu (un code "
                             "postal ? une commune fusionnée depuis ?)")
        return _in_departement(code, text, departement)
    if re.fullmatch(r"\d{1,3}", text):
        if departement is None:
            raise ValueError(f"« {text} » : numéro de commune sans département")
        head = departement[:2] if len(departement) == 3 else departement
        found = geo.find_communes(head + text.zfill(3), departement)
        if not found:
            raise ValueError(f"« {text} » n'est pas un numéro de commune connu dans le "
                             f"département {departement}")
        return found[0]
    both = _CODE_AND_NAME.fullmatch(text)
    name = both["name"] if both else text
    where = departement or (geo.normalise_departement(both["code"][:2]) if both else None)
    if where is None:
        raise ValueError(f"« {text} » : commune donnée par son nom sans département (ajoutez "
                         "une colonne « Département » ou donnez le code INSEE)")
    codes = geo.find_communes(name, where)
    if len(codes) > 1:
        raise ValueError(f"« {text} » : plusieurs communes de ce nom dans le département "
                         f"{where} ({', '.join(codes)}) ; donnez le code INSEE")
    if not codes:
        raise ValueError(f"« {text} » n'est pas une commune connue du département {where}")
    return _in_departement(codes[0], text, departement)


def _in_departement(code: str, text: str, departement: str | None) -> str:
    from observatory import geo

    found = geo.commune_departement(code)
    if departement is not None and found != departement:
        raise ValueError(f"« {text} » est une commune du département {found}, pas du "
                         f"{departement}")
    return code


def parse_reference_type(value: object) -> str | None:
    """A team type as reference lists write it: MSP, CPTS, CDS, ESP in full or abbreviated, or
    a FINESS category code (603, 124, 604); any other FINESS category is not a care team."""
    text = clean_cell(value)
    if re.fullmatch(r"\d{1,3}(?:\.0+)?", text):
        code = text.split(".")[0].zfill(3)
        found = vocabulary.FINESS_CATEGORIES.get(code)
        if found is None:
            known = ", ".join(f"{c} ({t})" for c, t in vocabulary.FINESS_CATEGORIES.items())
            raise ValueError(f"« {text} » : catégorie FINESS qui n'est pas une équipe "
                             f"d'exercice coordonné (attendues : {known})")
        return found
    return parse_team_type(text)


def parse_aci_status(value: object) -> tuple[str | None, bool | None] | None:
    """(stage, under ACI) from a list's status cell: a stage (« Sous ACI », « Labellisée »), a
    yes/no answer to « signataire ACI ? », or « Non signataire » (not under ACI, stage unknown)."""
    text = clean_cell(value)
    if not text:
        return None
    if option_key(text) in vocabulary.NOT_UNDER_ACI:
        return None, False
    try:
        status = parse_status(text)
    except ValueError:
        try:
            answer = parse_yes_no(text)
        except ValueError:
            raise ValueError(f"« {text} » n'est ni un stade connu (En projet, Labellisée, Sous "
                             "ACI) ni une réponse oui/non à « signataire ACI »") from None
        return ("sous_aci", True) if answer else (None, False)
    return status, status == "sous_aci"


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
