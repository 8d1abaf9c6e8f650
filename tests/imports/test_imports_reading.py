"""The reading layer: containers, encodings, delimiters, line numbers and whole-file refusals."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from observatory.imports.errors import ImportRefused
from observatory.imports.reading import read_table


def read(path: Path, **kwargs):
    return read_table(path.read_bytes(), file_name=path.name, **kwargs)


def test_online_form_csv_utf8_comma_with_multiline_record(corpus):
    table = read(corpus / "adhesions_2025_formulaire.csv")
    assert (table.container, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.header[0] == "Horodateur"
    # the comment of line 3 spans two lines: the next record starts on line 5
    assert table.lines == [2, 3, 5, 6, 7, 8, 9]
    assert table.rows[1][-1] == "Relancer en mars,\nvoir avec la coordinatrice"
    assert "Médecin généraliste, Infirmier·e" in table.rows[0][10]


def test_french_excel_csv_windows_1252_semicolon(corpus):
    table = read(corpus / "adhesions_2024_excel.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.rows[0][4] == "Isère"
    assert table.rows[4][5] == "45\u00a0000,50 €"
    assert table.lines == [2, 3, 4, 5, 6, 7]


def test_utf8_bom_is_detected_and_not_part_of_the_first_header(corpus):
    table = read(corpus / "fiches_bom.csv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
    assert table.header[0] == "Titre de l'action"
    assert table.lines == [2, 4]
    assert table.rows[0][-1] == "Étapes : constat, pilote ; évaluation\r\nà un an."


def test_tab_delimited_text(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text("Nom\tDépartement\tType\nMSP A, B\t38\tMSP\n", encoding="utf-8")
    table = read(path)
    assert table.delimiter == "\t"
    assert table.rows == [["MSP A, B", "38", "MSP"]]


def test_comma_file_whose_quoted_cells_hold_semicolons(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('a,b,c\n"x;y;z",2,3\n"p;q",5,6\n', encoding="utf-8")
    table = read(path)
    assert table.delimiter == ","
    assert table.rows[0] == ["x;y;z", "2", "3"]


def test_xlsx_real_dates_and_serials(corpus):
    table = read(corpus / "facilitations.xlsx")
    assert (table.container, table.sheet, table.encoding) == ("xlsx", "Journal 2024-2025", None)
    assert table.rows[0][0] == "2024-10-01"
    assert table.rows[-1][0] == "45930"  # a date typed in a "Standard" cell
    assert table.lines == [2, 3, 4, 5, 6, 7, 8]
    assert table.rows[2][2] == "MSP des Tilleuls; ESP du Vercors; MSP Saint-Égrève"


def _two_sheets(path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Notice"
    wb.active.append(["Lisez-moi"])
    ws = wb.create_sheet("Données")
    ws.append(["Titre", "Département"])
    ws.append([])  # an empty row is skipped but keeps the numbering
    ws.append(["Atelier", 38])
    wb.save(path)


def test_xlsx_first_sheet_unless_named(tmp_path):
    path = tmp_path / "classeur.xlsx"
    _two_sheets(path)
    with pytest.raises(ImportRefused, match="que la ligne d'en-tête"):
        read(path)  # the first sheet holds only a header-like line
    table = read(path, sheet="Données")
    assert table.header == ["Titre", "Département"]
    assert table.rows == [["Atelier", "38"]]
    assert table.lines == [3]
    with pytest.raises(ImportRefused, match="Feuille « Budget » absente"):
        read(path, sheet="Budget")


def test_size_limit_is_configurable():
    with pytest.raises(ImportRefused, match="trop volumineux"):
        read_table(b"a,b\n1,2\n", file_name="x.csv", max_bytes=4)


def test_bytes_that_are_no_text_are_refused():
    rng = random.Random(3)
    noise = bytes(b for b in rng.randbytes(4000) if b >= 0xA0)
    with pytest.raises(ImportRefused, match="ni de l'UTF-8 ni du Windows-1252"):
        read_table(noise, file_name="x.csv")


def test_cp1252_undefined_byte_is_refused():
    with pytest.raises(ImportRefused, match="ligne 2"):
        read_table(b"a;b\n\x81x;2\n", file_name="x.csv")


def test_cells_beyond_the_header_are_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2,surplus\n3\n", encoding="utf-8")
    table = read(path)
    assert table.rows == [["1", "2"], ["3", ""]]
    assert any("Ligne(s) 2 : cellules au-delà" in note for note in table.notes)


def test_duplicate_header_names_are_kept_apart(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Nom,Nom,\n1,2,\n", encoding="utf-8")
    assert read(path).header == ["Nom", "Nom (2)"]


def test_damaged_xlsx_and_old_xls_are_refused():
    with pytest.raises(ImportRefused, match="illisible"):
        read_table(b"PK\x03\x04 not really a zip", file_name="x.xlsx")
    with pytest.raises(ImportRefused, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0", file_name="vieux.xls")


def test_excel_csv_utf8_with_bom_and_semicolons(corpus):
    table = read(corpus / "adhesions_excel_utf8_bom.csv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
    assert table.header[0] == "Nom de l'équipe"  # no BOM glued to the first title
    assert table.rows[0][5] == "41\u00a0500,00 €"


def test_excel_tab_delimited_txt_in_windows_1252(corpus):
    table = read(corpus / "journal_excel_tabulations.txt")
    assert (table.container, table.encoding, table.delimiter) == ("csv", "cp1252", "\t")
    assert table.header[:2] == ["Date de la facilitation", "Département"]
    assert table.rows[1][1] == "Drôme"


def test_sheet_names_of_a_workbook(tmp_path):
    from observatory.imports.reading import sheet_names

    path = tmp_path / "classeur.xlsx"
    _two_sheets(path)
    assert sheet_names(path.read_bytes()) == ["Notice", "Données"]
    with pytest.raises(ImportRefused, match="illisible"):
        sheet_names(b"PK\x03\x04 pas un classeur")


def _typed_workbook(extra: list | None = None) -> bytes:
    """Cells of every type a staff spreadsheet holds, with gaps, as openpyxl writes them."""
    import datetime as dt
    import io

    wb = Workbook()
    ws = wb.active
    ws.title = "Journal"
    ws.append([None, "Date", "Département", "Équipe(s)", "Montant", "Durée", "Oui/Non"])
    rng = random.Random(4)
    formats = ["DD/MM/YYYY", "dd/mm/yyyy hh:mm", "hh:mm", "General", "0.00", "[h]:mm:ss"]
    for i in range(300):
        serial = rng.randint(30000, 50000) + rng.randint(0, 86399) / 86400
        row = [None, serial, rng.choice(["38", 38, 1.0, "Isère", " 2A "]),
               rng.choice(["MSP des Tilleuls; ESP du Vercors", "  espace  ", "a\nb", "œuvre"]),
               rng.choice([12.5, 45000, 0, 1e-7, 123456789012345, "1 234,50 €"]),
               rng.randint(0, 40000) / 86400, rng.choice([True, False, None, "x"])]
        ws.append(row)
        for col in (2, 6):
            ws.cell(row=ws.max_row, column=col).number_format = rng.choice(formats)
        if i % 50 == 7:
            ws.append([])  # an empty row keeps the numbering
    ws.append([None, dt.datetime(2025, 3, 4, 14, 3, 27), dt.date(2025, 3, 4), dt.time(9, 30)])
    for row in extra or []:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_calamine_reads_the_cells_openpyxl_reads():
    """The fast reader gives the very texts and line numbers of openpyxl's cell by cell."""
    import io

    from openpyxl import load_workbook

    from observatory.imports import reading

    data = _typed_workbook()
    assert reading._scan_parts(data) == (False, True)
    ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    fast_numbers: dict[int, set[int]] = {}
    slow_numbers: dict[int, set[int]] = {}
    fast = reading._calamine_records(data, ws, fast_numbers)
    assert fast is not None and len(fast) == 302
    assert fast == reading._openpyxl_records(ws, None, {}, slow_numbers)
    # the number cells (read as numbers, not as the text a person typed) are the same too
    assert fast_numbers == slow_numbers and fast_numbers


@pytest.mark.parametrize("oddity", [[-3], ["#N/A"], ["_x000D_"], [10**16]])
def test_cells_calamine_would_read_otherwise_go_through_openpyxl(oddity):
    """A negative number (a negative date is a time to calamine), an error cell, an escape
    openpyxl keeps as written, a whole number too large for a float's digits."""
    import io

    from openpyxl import load_workbook

    from observatory.imports import reading

    data = _typed_workbook([[None, *oddity]])
    ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    alike = reading._scan_parts(data)[1]
    assert not alike or reading._calamine_records(data, ws) is None
    _, cells = reading._openpyxl_records(ws, None, {})[-1]
    assert read_table(data, file_name="journal.xlsx").rows[-1] == cells[:7]
