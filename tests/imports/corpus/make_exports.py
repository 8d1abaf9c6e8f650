"""Write the corpus of real-tool layouts: LimeSurvey's three heading styles, an online form worded
freely, hand-kept staff spreadsheets (.xlsx, .ods, French Excel .csv) and damaged files.

Each file is written the way its tool writes it (LimeSurvey: BOM, every field quoted, CRLF and
a blank last line; French Excel: Windows-1252, ';'; LibreOffice: merged cells as spanned and
covered cells, the sheet padded with repeated empty rows). The figures a correct import must
give are counted here, from the data written, and saved in ``expected.json``: the tests compare
the importer with them. Run ``python tests/imports/corpus/make_exports.py``; the output is
committed and a test checks it is byte for byte what this script writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import sys
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the package comes from this tree
    sys.path.insert(0, str(HERE.parents[2]))

from observatory.exportfiles import stable_xlsx  # noqa: E402

OUT = HERE / "exports"
SAVED = dt.datetime(2025, 12, 15, 17, 0, 0)

# -- a LimeSurvey survey -------------------------------------------------------------------------
DEPARTEMENTS = {"01": "Ain", "03": "Allier", "26": "Drôme", "38": "Isère", "42": "Loire",
                "63": "Puy-de-Dôme", "69": "Rhône", "73": "Savoie", "74": "Haute-Savoie"}
PROFESSIONS = [("A1", "Médecin généraliste"), ("A2", "Infirmier·e"), ("A3", "Pharmacien·ne"),
               ("A4", "Masseur-kinésithérapeute"), ("A5", "Coordinateur·rice")]
TYPES = [("MSP", "Maison de santé pluriprofessionnelle (MSP)"),
         ("CPTS", "Communauté professionnelle territoriale de santé (CPTS)"),
         ("ESP", "Équipe de soins primaires (ESP)")]
USES = [("SQ001", "Téléconsultation"), ("SQ002", "Messagerie sécurisée"),
        ("SQ003", "Agenda partagé")]
LEVELS = [("A1", "Très bon"), ("A2", "Bon"), ("A3", "Moyen"), ("A4", "Insuffisant")]
OTHERS = ["Télé-expertise", "Dossier patient partagé", "Prise de rendez-vous en ligne"]
REMARKS = ["", "", "Besoin de formation", 'Le "DMP" reste peu utilisé', "RAS",
           "Logiciel lent,\nsurtout le lundi"]
PLACES = ["MSP des Tilleuls", "MSP du Plateau", "CPTS Grand Lyon Est", "ESP du Vercors",
          "MSP Saint-Égrève", "CPTS du Bugey", "MSP de la Vanoise"]


def _responses(count: int, incomplete: set[int]) -> list[dict]:
    rng = random.Random(13)
    out = []
    for i in range(1, count + 1):
        start = dt.datetime(2025, 10, 6, 8, 0) + dt.timedelta(hours=7 * i, minutes=rng.randint(0, 59))
        done = i not in incomplete
        r = {
            "id": i, "start": start, "submit": start + dt.timedelta(minutes=9) if done else None,
            "lastpage": 3 if done else 1, "seed": rng.randint(10**6, 10**8),
            "prof": rng.choice(PROFESSIONS), "dep": rng.choice(sorted(DEPARTEMENTS)),
            "type": rng.choice(TYPES), "place": rng.choice(PLACES),
        }
        if done:
            r.update(
                q1=rng.random() < 0.7, uses={c for c, _ in USES if rng.random() < 0.5},
                other=rng.choice(OTHERS) if rng.random() < 0.3 else "",
                q3=rng.choice(LEVELS), q4=rng.randint(1, 40), q5=rng.choice(REMARKS))
        out.append(r)
    return out


SURVEY = _responses(24, incomplete={4, 9, 15, 16, 22})
TECH_CODES = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
TECH_TEXTS = ["ID de la réponse", "Date de soumission", "Dernière page", "Langue de départ",
              "Tête de série", "Date de début", "Date de la dernière action"]
Q_CODES = (["PROF", "DEPT", "TYPESTRUCT", "STRUCT", "Q1"] + [f"Q2[{c}]" for c, _ in USES]
           + ["Q2[other]", "Q3", "Q4", "Q5"])
USES_Q = "Quels usages du numérique avez-vous ?"
Q_TEXTS = (["Quelle est votre profession ?", "Dans quel département exercez-vous ?",
            "Dans quel type de structure exercez-vous ?", "Quel est le nom de votre structure ?",
            "Votre équipe utilise-t-elle un logiciel partagé ?"]
           + [f"{USES_Q} [{t}]" for _, t in USES] + [f"{USES_Q} [Autre]",
              "Comment jugez-vous l'équipement de votre structure ?",
              "Combien de professionnels utilisent le logiciel ?", "Vos remarques"])


def _limesurvey_row(r: dict, long: bool, undated: bool = False) -> list[str]:
    stamp = "%Y-%m-%d %H:%M:%S"
    submit = ("1980-01-01 00:00:00" if undated and r["submit"] else
              r["submit"].strftime(stamp) if r["submit"] else "")
    tech = [str(r["id"]), submit, str(r["lastpage"]), "fr", str(r["seed"])]
    if not undated:
        tech += [r["start"].strftime(stamp), (r["submit"] or r["start"]).strftime(stamp)]
    who = ([r["prof"][1], DEPARTEMENTS[r["dep"]], r["type"][1], r["place"]] if long else
           [r["prof"][0], r["dep"], r["type"][0], r["place"]])
    if r["submit"] is None:  # stopped on the first page: only the respondent's questions
        return tech + who + [""] * (len(Q_CODES) - 4)
    yes, no = ("Oui", "Non") if long else ("Y", "N")
    answers = [yes if r["q1"] else no]
    answers += [(yes if c in r["uses"] else "") for c, _ in USES]
    answers += [r["other"], r["q3"][1] if long else r["q3"][0], str(r["q4"]), r["q5"]]
    return tech + who + answers


def limesurvey_csv(style: str, long: bool, sep: str = ",", undated: bool = False) -> bytes:
    """LimeSurvey 6's CSV export: BOM, every field quoted, CRLF, line breaks in cells as LF, and
    a blank line at the end."""
    tech_codes = TECH_CODES[:5] if undated else TECH_CODES
    tech_texts = TECH_TEXTS[:5] if undated else TECH_TEXTS
    if style == "code":
        header = tech_codes + Q_CODES
    elif style == "full":
        header = tech_texts + Q_TEXTS
    else:  # "codetext", LimeSurvey's default separator ". "
        header = [f"{c}. {t}" for c, t in zip(tech_codes + Q_CODES, tech_texts + Q_TEXTS,
                                                strict=True)]
    lines = [header] + [_limesurvey_row(r, long, undated) for r in SURVEY]
    text = "".join(sep.join('"' + c.replace('"', '""') + '"' for c in line) + "\r\n"
                   for line in lines) + "\r\n"
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def limesurvey_sidecar() -> bytes:
    """What a code-headed export does not say: the options' texts (written by staff)."""
    lines = ["# Textes des options de la question Q2 (l'export ne donne que leurs codes)",
             "[options.Q2]"] + [f'{code} = "{text}"' for code, text in USES]
    return ("\n".join(lines) + "\n").encode("utf-8")


def survey_expected() -> dict:
    done = [r for r in SURVEY if r["submit"]]
    uses = Counter(c for r in done for c in r["uses"])
    return {
        "responses": len(SURVEY), "complete": len(done), "incomplete": len(SURVEY) - len(done),
        "complete_by_departement": dict(sorted(Counter(r["dep"] for r in done).items())),
        "q2_counts": {**{t: uses[c] for c, t in USES},
                      "Autre": sum(1 for r in done if r["other"])},
        "q2_options": [t for _, t in USES] + ["Autre"],
        "questions": 5,  # Q1 to Q5: the four respondent questions are no questions
    }


# -- an online form worded freely (Google Forms) --------------------------------------------------
def google_forms_csv() -> bytes:
    """Google Forms' responses sheet downloaded as CSV: UTF-8, ',', quotes only where needed."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Horodateur", "Quelle est votre profession ?",
                     "Dans quel département exercez-vous ?", "Dans quel type de structure "
                     "exercez-vous ?", USES_Q, "Vos remarques"])
    for r in SURVEY:
        if not r["submit"]:
            continue  # a form keeps only sent answers
        uses = ", ".join(t for c, t in USES if c in r["uses"])
        writer.writerow([r["submit"].strftime("%d/%m/%Y %H:%M:%S"), r["prof"][1],
                         f"{DEPARTEMENTS[r['dep']]} ({r['dep']})", r["type"][1], uses, r["q5"]])
    return out.getvalue().encode("utf-8")


# -- a facilitation log kept by hand ------------------------------------------------------------
TERRITORIES = {"Ouest": ["03", "63"], "Centre": ["01", "69"], "Est": ["26", "38"]}
KINDS = ["Sensibilisation", "Conseil et soutien", "Complexe (médiation, immobilier, conflit…)",
         "Spécifique ou thématique", "Patient partenaire"]
LOG_HEADER = ["Date", "Département", "Équipe(s)", "Type de structure", "Profil de l'équipe",
              "Type de facilitation", "Facilitateur(s)", "Format", "Remarques"]


def _log() -> list[tuple[str, list[list]]]:
    """(territory, rows) with rows grouped by département, the département in each row."""
    rng = random.Random(1913)
    blocks = []
    for territory, deps in TERRITORIES.items():
        rows = []
        for dep in deps:
            for k in range(rng.randint(2, 4)):
                team = f"MSP {DEPARTEMENTS[dep]} {k % 2 + 1}"
                rows.append([dt.date(2025, rng.randint(1, 12), rng.randint(1, 28)), dep, team,
                             "MSP", rng.choice(["En projet", "Labellisée", "Sous ACI"]),
                             rng.choice(KINDS), rng.choice(["Claire Martin", "Hugo Bernard"]),
                             rng.choice(["Présentiel", "Visio"]), rng.choice(["", "", "à revoir"])])
        blocks.append((territory, rows))
    return blocks


LOG = _log()
LOG_TITLE = ["Journal des facilitations 2025", "FemasAURA&Co — mis à jour le 15/12/2025"]


def log_expected() -> dict:
    rows = [r for _, rows in LOG for r in rows]
    return {"facilitations": len(rows),
            "by_departement": dict(sorted(Counter(r[1] for r in rows).items())),
            "teams": len({(r[2], r[1]) for r in rows})}


def _log_layout() -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """The sheet's rows (None = empty cell) and merged ranges (row, col, rows, cols), 0-based:
    two title rows, a blank row, the header, then per territory a label row (merged across),
    its rows with the département written once (merged down), and a blank row; a total."""
    width = len(LOG_HEADER)
    sheet: list[list] = [[LOG_TITLE[0]] + [None] * (width - 1),
                         [LOG_TITLE[1]] + [None] * (width - 1), [None] * width, list(LOG_HEADER)]
    merges = [(0, 0, 1, width), (1, 0, 1, width)]
    for territory, rows in LOG:
        merges.append((len(sheet), 0, 1, width))
        sheet.append([f"Territoire {territory}"] + [None] * (width - 1))
        previous = None
        for row in rows:
            if row[1] != previous:
                span = sum(1 for r in rows if r[1] == row[1])
                merges.append((len(sheet), 1, span, 1))
                cells = list(row)
                cells[1] = f"{row[1]} - {DEPARTEMENTS[row[1]]}"
            else:
                cells = list(row)
                cells[1] = None
            previous = row[1]
            sheet.append([c if c != "" else None for c in cells])
        sheet.append([None] * width)
    sheet.append(["TOTAL", None, sum(len(rows) for _, rows in LOG)] + [None] * (width - 3))
    return sheet, merges


def log_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sheet, merges = _log_layout()
    wb = Workbook()
    ws = wb.active
    ws.title = "Journal 2025"
    for row in sheet:
        ws.append(row)
    for r, c, rows, cols in merges:
        ws.merge_cells(f"{get_column_letter(c + 1)}{r + 1}:"
                       f"{get_column_letter(c + cols)}{r + rows}")
    for cell in ws["A"][4:]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "DD/MM/YYYY"
    return stable_xlsx(wb, SAVED)


def log_csv() -> bytes:
    """The same sheet saved by French Excel as « CSV (séparateur : point-virgule) »: a merged
    cell is written in its first row, the rows below hold nothing."""
    sheet, _ = _log_layout()

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        text = str(value)
        return f'"{text}"' if ";" in text or '"' in text else text

    return "".join(";".join(cell(v) for v in row) + "\r\n" for row in sheet).encode("cp1252")


# -- LibreOffice .ods ---------------------------------------------------------------------------
def ods_bytes(name: str, sheet: list[list], merges: list[tuple[int, int, int, int]]) -> bytes:
    """An .ods as LibreOffice Calc saves it: typed cells with their displayed text, merged
    cells spanned with covered cells under them, and the sheet padded to its full size."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    spans = {(r, c): (rows, cols) for r, c, rows, cols in merges}
    covered = {(r + i, c + j) for r, c, rows, cols in merges for i in range(rows)
               for j in range(cols)} - set(spans)
    width = max(len(row) for row in sheet)
    xml = [f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ns} '
           'office:version="1.3"><office:body><office:spreadsheet>'
           f'<table:table table:name="{escape(name)}">'
           f'<table:table-column table:number-columns-repeated="{width}"/>']
    for r, row in enumerate(sheet):
        xml.append("<table:table-row>")
        for c in range(width):
            value = row[c] if c < len(row) else None
            if (r, c) in covered:
                xml.append("<table:covered-table-cell/>")
                continue
            span = spans.get((r, c))
            attrs = (f' table:number-columns-spanned="{span[1]}" table:number-rows-spanned='
                     f'"{span[0]}"' if span else "")
            if value is None:
                xml.append(f"<table:table-cell{attrs}/>")
            elif isinstance(value, (int, float)):
                shown = f"{value:,}".replace(",", "\u00a0").replace(".", ",")
                xml.append(f'<table:table-cell{attrs} office:value-type="float" '
                           f'office:value="{value}"><text:p>{shown}</text:p></table:table-cell>')
            elif isinstance(value, dt.date):
                xml.append(f'<table:table-cell{attrs} office:value-type="date" office:date-value='
                           f'"{value.isoformat()}"><text:p>{value:%d/%m/%Y}</text:p>'
                           "</table:table-cell>")
            else:
                paragraphs = "".join(f"<text:p>{escape(p)}</text:p>" for p in str(value).split("\n"))
                xml.append(f'<table:table-cell{attrs} office:value-type="string">{paragraphs}'
                           "</table:table-cell>")
        xml.append("</table:table-row>")
    xml.append('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
               'table:number-columns-repeated="1024"/></table:table-row>')
    xml.append("</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    when = SAVED.timetuple()[:6]
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", when),
                   "application/vnd.oasis.opendocument.spreadsheet")  # first, not compressed
        for part, content in (("content.xml", "".join(xml)), ("META-INF/manifest.xml", manifest)):
            info = zipfile.ZipInfo(part, when)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return out.getvalue()


# -- a membership table and a count of existing teams kept by hand --------------------------------
MEMBERS = [("38", "MSP des Tilleuls", "MSP", "Sous ACI", 52300, 14),
           ("38", "MSP du Plateau", "MSP", "Labellisée", None, 11),
           ("38", "ESP du Vercors", "ESP", "En projet", None, 6),
           ("69", "CPTS Grand Lyon Est", "CPTS", "Sous ACI", 180000, 210),
           ("69", "MSP de Vaulx", "MSP", "Sous ACI", 61250, 17),
           ("73", "MSP de la Vanoise", "MSP", "Labellisée", None, 9)]


def members_xlsx() -> bytes:
    """Staff's list of member teams: a title, the département once per block (merged), and a
    row of sums at the bottom, without a label."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Adhérents 2025"
    ws.append(["Adhérents 2025 (tableau de suivi)"])
    ws.append(["Département", "Nom de la structure", "Type", "Stade", "Montant ACI",
               "Nombre de professionnels"])
    start = None
    for i, (dep, name, kind, stage, aci, ps) in enumerate(MEMBERS):
        first = i == 0 or MEMBERS[i - 1][0] != dep
        ws.append([DEPARTEMENTS[dep] if first else None, name, kind, stage, aci, ps])
        if first:
            start = ws.max_row
        last = i == len(MEMBERS) - 1 or MEMBERS[i + 1][0] != dep
        if last and ws.max_row > start:
            ws.merge_cells(f"A{start}:A{ws.max_row}")
    ws.append([None, None, None, None, sum(m[4] or 0 for m in MEMBERS),
               sum(m[5] for m in MEMBERS)])
    return stable_xlsx(wb, SAVED)


def members_expected() -> dict:
    return {"teams": len(MEMBERS), "aci_total": sum(m[4] or 0 for m in MEMBERS),
            "by_departement": dict(sorted(Counter(m[0] for m in MEMBERS).items()))}


COUNTS = [("01", 9, 2), ("26", 7, 1), ("38", 24, 5), ("73", 11, 3)]


def counts_ods() -> bytes:
    """Existing teams per département and type, département merged over its two rows, a
    « Total » row."""
    sheet: list[list] = [["Équipes existantes au 1er janvier 2025 (source ARS)"],
                         ["Département", "Type de structure", "Nombre d'équipes", "Source"]]
    merges = []
    for dep, msp, cpts in COUNTS:
        merges.append((len(sheet), 0, 2, 1))
        sheet.append([f"{DEPARTEMENTS[dep]} ({dep})", "MSP", msp, "ARS"])
        sheet.append([None, "CPTS", cpts, "ARS"])
    sheet.append(["Total", None, sum(m + c for _, m, c in COUNTS), None])
    return ods_bytes("Équipes", sheet, merges)


def counts_expected() -> dict:
    return {"rows": 2 * len(COUNTS), "total": sum(m + c for _, m, c in COUNTS),
            "msp": {dep: msp for dep, msp, _ in COUNTS}}


# -- damaged and misnamed files -----------------------------------------------------------------
def damaged_xlsx(data: bytes) -> bytes:
    """One byte changed in the middle of the worksheet's compressed data."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    name_len = len(info.filename.encode())
    start = info.header_offset + 30 + name_len + len(info.extra)
    position = start + info.compress_size // 2
    damaged = bytearray(data)
    damaged[position] ^= 0x5A
    return bytes(damaged)


def adhesions_with(cell: str) -> bytes:
    return ("Nom de l'équipe;Type;Département;Année\r\nMSP des Tilleuls;MSP;38;2025\r\n"
            f"MSP du Plateau;MSP;{cell};2025\r\n").encode()


def main(out: Path = OUT) -> dict[str, bytes]:
    """Write every file into ``out`` and return them by name."""
    out.mkdir(exist_ok=True)
    log = log_xlsx()
    files: dict[str, bytes] = {
        "limesurvey_codes.csv": limesurvey_csv("code", long=False),
        "limesurvey_texte_complet.csv": limesurvey_csv("full", long=True, sep=";"),
        "limesurvey_code_et_texte.csv": limesurvey_csv("codetext", long=True),
        "limesurvey_sans_horodatage.csv": limesurvey_csv("code", long=False, undated=True),
        "limesurvey_codes.toml": limesurvey_sidecar(),
        "limesurvey_sans_horodatage.toml": limesurvey_sidecar(),
        "google_forms_libre.csv": google_forms_csv(),
        "journal_tenu_main.xlsx": log,
        "journal_tenu_main.csv": log_csv(),
        "journal_tenu_main.ods": ods_bytes("Journal 2025", *_log_layout()),
        "adherents_tenus_main.xlsx": members_xlsx(),
        "equipes_existantes.ods": counts_ods(),
        "journal_abime.xlsx": damaged_xlsx(log),
        "journal_xlsx_renomme.csv": log,
        "cellule_geante.csv": adhesions_with("x" * 200_000),
        "valeur_longue.csv": adhesions_with("Isère " * 1700),
    }
    expected = {"survey": survey_expected(), "log": log_expected(),
                "members": members_expected(), "counts": counts_expected()}
    files["expected.json"] = (json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True)
                              + "\n").encode("utf-8")
    for name, data in files.items():
        (out / name).write_bytes(data)
    return files


if __name__ == "__main__":
    for name, data in main().items():
        print(f"exports/{name}: {len(data)} octets")
