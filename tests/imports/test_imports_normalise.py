"""Normalisers: headers by meaning, French numbers and dates, codes, multiple choice."""

from __future__ import annotations

import datetime as dt

import pytest

from observatory import privacy
from observatory.imports import normalise as n
from observatory.imports.adhesions import FIELDS, PROFESSION_ALIASES, PROFESSIONS
from observatory.imports.normalise import Choice


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Nom de la structure", "team_name"),
        ("NOM DE L'ÉQUIPE", "team_name"),
        ("  nom  de l’equipe ", "team_name"),
        ("N° FINESS", "external_id"),
        ("Type d'exercice coordonné (MSP, CPTS…)", "team_type"),
        ("Département (code ou nom)", "departement"),
        ("Dept", "departement"),
        ("Montant de l'ACI perçu (en euros)", "aci_amount"),
        ("ACI (€)", "aci_amount"),
        ("Nb de PS", "professionals"),
        ("Adresse e-mail", "email"),
        ("Courriel", "email"),
        ("Année d'adhésion", "year"),
    ],
)
def test_headers_match_by_meaning(header, field):
    match = n.match_headers([header], FIELDS)
    assert match.mapping == {header: field}


def test_unknown_and_second_columns_are_ignored_and_per_option_columns_grouped():
    header = ["Équipe", "Structure", "Remarque", "Professions représentées [Sage-femme]",
              "Professions représentées [Podologue]"]
    match = n.match_headers(header, FIELDS)
    assert match.columns["team_name"] == 0
    assert match.ignored == ["Structure", "Remarque"]
    assert match.option_columns["professions"] == [(3, "Sage-femme"), (4, "Podologue")]
    assert [f.name for f in match.missing] == ["team_type", "departement"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("45 000", 45000.0), ("45 000 €", 45000.0), ("45000,50", 45000.5),
        ("45.000,50", 45000.5), ("1 234", 1234.0), ("1\u00a0234", 1234.0),
        ("1\u202f234,5", 1234.5), ("12.5", 12.5), ("45\u00a0000,50 €", 45000.5),
        ("-3,25", -3.25), ("€ 12", 12.0), ("1,234,567", 1234567.0), ("1.5E+3", 1500.0),
        ("0,5", 0.5), ("12 %", 12.0), ("1 234 567,89", 1234567.89), ("  7 ", 7.0),
    ],
)
def test_parse_number_french_forms(text, value):
    assert n.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "  ", None])
def test_parse_number_empty_is_unknown_not_zero(text):
    assert n.parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "12 34", "1,2,3", "4 5000", "12,5,0", "--3", "1.2.3,4,5"])
def test_parse_number_garbage_is_an_error(text):
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        n.parse_number(text)


@pytest.mark.parametrize("text", ["45.000", "120.000 €", "1,234", "-1.500", "999,999"])
def test_a_number_both_conventions_read_differently_is_ambiguous_alone(text):
    with pytest.raises(n.AmbiguousNumber, match="est ambigu"):
        n.parse_number(text)


@pytest.mark.parametrize(("text", "convention", "value"), [
    ("45.000", n.FR, 45000.0), ("45.000", n.EN, 45.0), ("1,234", n.FR, 1.234),
    ("1,234", n.EN, 1234.0), ("0,500", None, 0.5), ("0.500", None, 0.5),
    ("1.234.567", None, 1234567.0), ("1 234.5", None, 1234.5),
])
def test_the_column_convention_decides(text, convention, value):
    assert n.parse_number(text, convention=convention) == value


def test_the_convention_of_a_column():
    assert n.number_convention(["45.000", "3,5", ""]).convention == n.FR
    assert n.number_convention(["45,000", "3.5"]).convention == n.EN
    assert n.number_convention(["45.000", "120"]).convention is None  # nothing tells
    mixed = n.number_convention(["45.000", "3.5", "2,5"])
    assert mixed.convention is None and mixed.ambiguous == ("45.000",)
    assert "mélange les deux écritures" in mixed.note("ETP")


def test_money_and_counts_have_no_three_decimals():
    assert n.parse_money("45.000 €") == 45000 and n.parse_money("1,234") == 1234
    assert n.parse_int("1.234") == 1234  # 1,234 people cannot be
    with pytest.raises(ValueError, match="plus de deux décimales"):
        n.parse_money("0,125 €")
    with pytest.raises(n.AmbiguousNumber):
        n.parse_int("45.000")  # 45 or 45 000: both whole


def test_parse_int_refuses_decimals():
    assert n.parse_int("1 200") == 1200
    with pytest.raises(ValueError, match="entier"):
        n.parse_int("2,5")


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("24/11/2025", dt.datetime(2025, 11, 24)),
        ("2025-11-24", dt.datetime(2025, 11, 24)),
        ("24/11/2025 14:03:00", dt.datetime(2025, 11, 24, 14, 3)),
        ("24/11/2025 14:03", dt.datetime(2025, 11, 24, 14, 3)),
        ("2025-11-24 14:03:09", dt.datetime(2025, 11, 24, 14, 3, 9)),
        ("2025-11-24T14:03:09+01:00", dt.datetime(2025, 11, 24, 14, 3, 9)),
        ("24/11/2025 14:03:00 UTC+1", dt.datetime(2025, 11, 24, 14, 3)),
        ("1/2/2025", dt.datetime(2025, 2, 1)),
    ],
)
def test_parse_date_forms(text, moment):
    assert n.parse_date(text) == moment


def test_parse_date_excel_serials_and_objects():
    assert n.parse_date("45985", excel_serial=True) == dt.datetime(2025, 11, 24)
    assert n.parse_date("45985.5", excel_serial=True) == dt.datetime(2025, 11, 24, 12)
    assert n.parse_date(dt.date(2025, 1, 2)) == dt.datetime(2025, 1, 2)
    with pytest.raises(ValueError):
        n.parse_date("45985")  # a bare number in a text file is not a date


@pytest.mark.parametrize("text", ["31/02/2025", "demain", "2025/13/01", "24-11"])
def test_parse_date_errors(text):
    with pytest.raises(ValueError, match=text):
        n.parse_date(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("Oui", True), ("non", False), ("O", True), ("N", False), ("Y", True), ("Yes", True),
     ("No", False), ("1", True), ("0", False), ("Vrai", True), ("FAUX", False), ("x", True),
     ("", None)],
)
def test_parse_yes_no(text, value):
    assert n.parse_yes_no(text) is value


def test_checkbox_columns_empty_is_no():
    assert n.parse_yes_no("", checkbox=True) is False
    with pytest.raises(ValueError, match="oui/non"):
        n.parse_yes_no("peut-être")


@pytest.mark.parametrize(
    ("text", "code"),
    [("MSP", "MSP"), ("msp", "MSP"), ("Maison de santé pluriprofessionnelle", "MSP"),
     ("Maison de Santé Pluri-professionnelle", "MSP"), ("CPTS", "CPTS"),
     ("Communauté professionnelle territoriale de santé", "CPTS"),
     ("Équipe de soins primaires", "ESP"), ("Centre de santé", "CDS"), ("CDS", "CDS"),
     ("MSP (Maison de santé pluriprofessionnelle)", "MSP")],
)
def test_team_types(text, code):
    assert n.parse_team_type(text) == code


def test_facilitation_only_team_types():
    assert n.parse_team_type("Collectivité", facilitation=True) == "Collectivité"
    assert n.parse_team_type("Autre", facilitation=True) == "Autre"
    with pytest.raises(ValueError, match="type de structure"):
        n.parse_team_type("Collectivité")


@pytest.mark.parametrize(
    ("text", "code"),
    [("En projet", "en_projet"), ("Labellisée", "labellisee"), ("labellisee", "labellisee"),
     ("Projet de santé validé", "labellisee"), ("Sous ACI", "sous_aci"),
     ("Signataire ACI", "sous_aci"), ("", None)],
)
def test_statuses(text, code):
    assert n.parse_status(text) == code


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError, match="« Fermée » n'est pas un stade connu"):
        n.parse_status("Fermée")


@pytest.mark.parametrize(
    ("text", "code"),
    [("Sensibilisation", "sensibilisation"), ("Conseil et soutien", "conseil"),
     ("Complexe (médiation, immobilier, conflit…)", "complexe"), ("Complexe", "complexe"),
     ("Spécifique ou thématique", "specifique"), ("Patient partenaire", "patient_partenaire")],
)
def test_facilitation_kinds(text, code):
    assert n.parse_kind(text) == code


def test_split_joined_answers_matches_known_options_first():
    options = ["Complexe (médiation, immobilier, conflit)", "Vaccination", "Santé, bien-être"]
    found = n.split_multi("Vaccination, Santé, bien-être, Complexe (médiation, immobilier, "
                          "conflit)", options)
    assert [c.value for c in found] == ["Vaccination", "Santé, bien-être",
                                         "Complexe (médiation, immobilier, conflit)"]
    assert [c.value for c in n.split_multi("Vaccination; Santé, bien-être", options)] == [
        "Vaccination", "Santé, bien-être"]


def test_split_keeps_other_text_and_form_tool_free_text():
    found = n.split_multi(
        "Médecin généraliste, Infirmière, Autre : Enseignant·e en APA, version 2",
        PROFESSIONS, aliases=PROFESSION_ALIASES)
    assert found == [Choice("Médecin généraliste"), Choice("Infirmier·e"),
                     Choice("Autre", "Enseignant·e en APA, version 2")]
    # online forms write an "Autre" answer as its free text alone
    assert n.split_multi("Sophrologue", PROFESSIONS) == [Choice("Autre", "Sophrologue")]


def test_split_without_known_options_keeps_parentheses_whole():
    found = n.split_multi("Vaccination, Prévention (tabac, alcool), Santé mentale")
    assert [c.value for c in found] == ["Vaccination", "Prévention (tabac, alcool)",
                                         "Santé mentale"]


@pytest.mark.parametrize(
    ("text", "other"),
    [("Autre : logiciel maison", "logiciel maison"), ("Autre: X", "X"), ("autre - Y", "Y"),
     ("Autre (Z)", "Z"), ("Autre", ""), ("Autrement", None), ("Weda", None)],
)
def test_parse_other(text, other):
    assert n.parse_other(text) == other


def test_option_headers_in_both_survey_layouts():
    assert n.option_header("Q5[SQ001]") == ("Q5", "SQ001")
    assert n.option_header("Outils utilisés [Revue de dossiers]") == (
        "Outils utilisés", "Revue de dossiers")
    assert n.option_header("Outils utilisés") is None


def test_team_name_identity_and_cell_safety():
    assert n.team_name_key("  MSP  de l'Isère ") == n.team_name_key("msp de l isere")
    assert n.team_name_key("Maison de Santé—Œuvre") == "maison de sante oeuvre"
    assert n.clean_cell("=SOMME(A1:A2)") == "=SOMME(A1:A2)"  # data, kept verbatim
    assert n.clean_cell("\ufeff a\x00b\u200b ") == "ab"
    assert privacy.looks_like_formula("=HYPERLINK(\"x\")")
    assert not privacy.looks_like_formula("-12,5")


@pytest.mark.parametrize(("text", "hours"), [
    ("1,5", 1.5), ("1.5", 1.5), ("2", 2.0), ("1h30", 1.5), ("1 h 30 min", 1.5), ("1H30", 1.5),
    ("2h", 2.0), ("2 h.", 2.0), ("90 min", 1.5), ("90mn", 1.5), ("45'", 0.75),
    ("2 heures", 2.0), ("1 heure 30", 1.5), ("0,5 h", 0.5), ("1:30", 1.5),
    ("01:30:00", 1.5),  # a workbook's time cell
    ("1 day, 2:30:00", 26.5),  # a workbook's duration cell past 24 hours
    ("", None),
])
def test_durations_as_staff_write_them(text, hours):
    assert n.parse_duration(text) == hours


@pytest.mark.parametrize(("text", "message"), [
    ("1 j", "est une durée en jours : écrivez-la en heures"),
    ("demi-journée", "est une durée en jours"),
    ("1h75", "n'est pas une durée valide (75 minutes)"),
    ("-2", "n'est pas une durée (négative)"),
    ("longtemps", "n'est pas une durée (attendu : des heures, « 1,5 », « 1h30 » ou « 90 min »)"),
    ("1.500", "est ambigu"),
])
def test_durations_never_guessed(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        n.parse_duration(text)
