"""Property-based round trips: French numbers, both conventions of grouping thousands, dates in
every supported form, départements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from observatory import geo
from observatory.imports import normalise as n
from observatory.imports.reading import _cell_text

SETTINGS = settings(max_examples=100, deadline=None)
SPACES = st.sampled_from(["", " ", "\u00a0", "\u202f"])


def french(value: Decimal, thousands: str, euro: str, plus: bool) -> str:
    """A decimal as a French person or French Excel writes it."""
    sign = "-" if value < 0 else ("+" if plus else "")
    integer, _, decimals = format(abs(value), "f").partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    text = sign + thousands.join(groups) + ("," + decimals if decimals else "")
    return text + euro


@SETTINGS
@given(
    value=st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False,
                      allow_infinity=False),
    thousands=SPACES,
    euro=st.sampled_from(["", " €", "\u00a0€", "€"]),
    plus=st.booleans(),
)
def test_french_numbers_round_trip(value, thousands, euro, plus):
    assert n.parse_number(french(value, thousands, euro, plus)) == float(value)


@SETTINGS
@given(value=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                         allow_infinity=False))
def test_dotted_thousands_with_decimal_comma(value):
    # "45.000" alone is ambiguous (45 000, or 45 like a spreadsheet's 12.5): decimals always here
    integer, _, decimals = format(value, ".2f").partition(".")
    text = f"{int(integer):,}".replace(",", ".") + "," + decimals
    assert n.parse_number(text) == float(value)


def written(value: Decimal, convention: str, decimals: bool) -> str:
    """A non-negative decimal written with its thousands grouped, in one convention."""
    group, point = (".", ",") if convention == n.FR else (",", ".")
    integer, _, fraction = format(value, ".2f").partition(".")
    text = f"{int(integer):,}".replace(",", group)
    return text + (point + fraction if decimals else "")


AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                      allow_infinity=False)


@SETTINGS
@given(value=AMOUNTS, convention=st.sampled_from([n.FR, n.EN]), decimals=st.booleans(),
       euro=st.sampled_from(["", " €"]))
def test_amounts_in_euros_read_in_either_convention(value, convention, decimals, euro):
    # euros have at most two decimals: "45.000 €" and "1,234 €" are thousands, alone
    text = written(value, convention, decimals) + euro
    expected = float(value) if decimals else float(int(value))
    assert n.parse_money(text) == expected


@SETTINGS
@given(value=AMOUNTS, convention=st.sampled_from([n.FR, n.EN]), decimals=st.booleans())
def test_a_column_convention_reads_every_number_of_the_column(value, convention, decimals):
    text = written(value, convention, decimals)
    expected = float(value) if decimals else float(int(value))
    assert n.parse_number(text, convention=convention) == expected


@SETTINGS
@given(values=st.lists(AMOUNTS, min_size=1, max_size=8),
       convention=st.sampled_from([n.FR, n.EN]), decimals=st.lists(st.booleans(), min_size=8,
                                                                    max_size=8))
def test_a_column_is_never_misread(values, convention, decimals):
    """A column written in one convention reads each cell as its value or refuses it as
    ambiguous: the other convention is never taken, whatever the cells."""
    cells = [written(v, convention, d) for v, d in zip(values, decimals, strict=False)]
    found = n.number_convention(cells)
    assert found.convention in (convention, None)
    for value, cell, d in zip(values, cells, decimals, strict=False):
        expected = float(value) if d else float(int(value))
        try:
            assert n.parse_number(cell, convention=found.convention) == expected
        except n.AmbiguousNumber:
            assert found.convention is None and cell in found.ambiguous


@SETTINGS
@given(value=st.integers(min_value=0, max_value=10**9), convention=st.sampled_from([n.FR, n.EN]))
def test_counts_grouped_by_dots_or_commas(value, convention):
    text = written(Decimal(value), convention, False)
    try:
        assert n.parse_int(text) == value
    except n.AmbiguousNumber:  # 45.000: 45 or 45 000, both whole; the column decides
        assert n.parse_int(text, convention=convention) == value


DATES = st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2100, 12, 31))
FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")


@SETTINGS
@given(moment=DATES, form=st.sampled_from(FORMATS))
def test_dates_round_trip_in_every_textual_form(moment, form):
    expected = moment.replace(microsecond=0)
    if "%H" not in form:
        expected = expected.replace(hour=0, minute=0, second=0)
    elif "%S" not in form:
        expected = expected.replace(second=0)
    assert n.parse_date(moment.strftime(form)) == expected


@SETTINGS
@given(moment=DATES)
def test_excel_serials_round_trip(moment):
    moment = moment.replace(microsecond=0)
    serial = n.to_excel_serial(moment)
    # an xlsx cell read as a number, written as the reading layer writes it
    assert n.parse_date(_cell_text(serial), excel_serial=True) == moment
    assert n.parse_date(serial) == moment


CODES = list(geo.departements()["code"])


def written_forms(code: str) -> list[str]:
    name = geo.departement_name(code)
    plain = n.fold(name)
    forms = [code, code.lower(), name, name.upper(), name.lower(), plain, plain.upper(),
             f"{code} - {name}", f"{name} ({code})", f" {code} "]
    if code.isdigit() and len(code) == 2:
        forms += [f"0{code}"]
        if code.startswith("0"):
            forms += [code[1:]]
    return forms


@SETTINGS
@given(code=st.sampled_from(CODES), pick=st.integers(min_value=0, max_value=20))
def test_every_written_form_of_a_departement_normalises_to_its_code(code, pick):
    forms = written_forms(code)
    form = forms[pick % len(forms)]
    assert geo.normalise_departement(form) == code
    assert n.parse_departement(form) == code


def test_all_forms_of_every_departement():
    for code in CODES:
        for form in written_forms(code):
            assert n.parse_departement(form) == code, form
