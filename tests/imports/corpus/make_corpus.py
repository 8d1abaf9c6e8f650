"""Write the import test corpus: exports as each tool writes them, and broken files.

Run once (``python tests/imports/corpus/make_corpus.py``); the output files are committed. Text
files are spelled out here so their exact bytes (encoding, BOM, line endings) are deliberate.
Every team and person is fictitious.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the package comes from this tree
    sys.path.insert(0, str(HERE.parents[2]))

from observatory.exportfiles import stable_xlsx  # noqa: E402

BAD = HERE.parent / "bad"
NBSP, NNBSP = "\u00a0", "\u202f"

# An online form tool (Google Forms-like): UTF-8, ',', Horodateur first, full question texts,
# multiple answers joined by ', ', a multi-line comment, one team answering twice.
ADHESIONS_2025 = (
    "Horodateur,Année d'adhésion,Nom de l'équipe,Identifiant,Type d'exercice coordonné,"
    "Stade du projet,Département,Commune,Montant de l'ACI perçu (en euros),Nb de PS,"
    "Catégories professionnelles,SI partagé,Coordinateur,ETP coordination,Formation PACTE,"
    "Missions de santé publique,Thèmes des protocoles,Nombre de protocoles,Adresse e-mail,"
    "Commentaire interne\n"
    "06/01/2025 09:12:44,2025,MSP des Tilleuls,380001234,Maison de santé pluriprofessionnelle,"
    f"Signataire ACI,38 - Isère,Voiron,52{NNBSP}300 €,14,"
    "\"Médecin généraliste, Infirmier·e, Pharmacien·ne, Autre : Enseignant·e en APA\",Weda,"
    "Salarié·e de la structure,\"0,5\",Oui,"
    "\"Vaccination, Prévention (tabac, alcool), Santé mentale\","
    "\"Diabète de type 2, Plaies chroniques\",2,contact@tilleuls.example,\n"
    "07/01/2025 10:00:00,2025,ESP du Vercors,,Équipe de soins primaires,Labellisée,Isère (38),"
    "Villard-de-Lans,,6,\"Médecin généraliste, Infirmier·e\",Autre : logiciel maison,"
    "Professionnel·le de santé de l'équipe,\"0,2\",Non,Vaccination,,0,esp.vercors@example.org,"
    "\"Relancer en mars,\nvoir avec la coordinatrice\"\n"
    "08/01/2025 11:30:00,2025,CPTS Grand Lyon Est,,CPTS,Projet de santé validé,Rhône,,"
    "\"180 000,00 €\",210,\"Médecin généraliste, Infirmier·e, Masseur-kinésithérapeute\","
    "Aucun,Prestataire,1,Oui,\"Santé mentale, Accès aux soins\",Soins non programmés,1,"
    "cpts.gle@example.org,\n"
    "09/01/2025 08:05:00,2025,Centre de santé Bellevue,010004567,Centre de santé,En projet,01,"
    "Belley,,9,\"Médecin généraliste, Sage-femme\",Crossway,Aucune,,Non,,,0,"
    "cds.bellevue@example.org,\n"
    "10/01/2025 14:03:00,2025,MSP du Plateau,,MSP,Sous ACI,ISERE,,\"30 000 €\",11,"
    "\"Médecin généraliste, Infirmier·e\",HelloDoc,Salarié·e de la structure,\"0,8\",Oui,"
    "Vaccination,Plaies chroniques,1,msp.plateau@example.org,brouillon\n"
    "12/01/2025 16:45:10,2025,MSP du Plateau,,MSP,Sous ACI,ISERE,,\"31 000 €\",12,"
    "\"Médecin généraliste, Infirmier·e, Podologue\",HelloDoc,Salarié·e de la structure,"
    "\"0,8\",Oui,Vaccination,Plaies chroniques,1,msp.plateau@example.org,définitif\n"
    "13/01/2025 09:00:00,2025,MSP Saint-Égrève,,Maison de santé pluriprofessionnelle,"
    "Sous ACI,38,Saint-Égrève,\"61 250,75\",17,\"Médecin généraliste, Infirmier·e, "
    "Psychologue\",MédiStory,Salarié·e de la structure,1,Oui,Dépistage des cancers,"
    "\"Insuffisance cardiaque, Anticoagulants oraux\",2,msp.segreve@example.org,\n"
)

# French Excel "CSV (séparateur : point-virgule)": Windows-1252, CRLF, no time stamp, no year
# column (the year is given at import), amounts with no-break spaces and €, a FINESS whose
# leading zero Excel dropped.
ADHESIONS_2024 = (
    "Nom de la structure;N° FINESS;Type de structure;Stade;Département;Montant ACI;"
    "Nombre de professionnels;Professions représentées;Système d'information partagé;"
    "Fonction de coordination;ETP coordination;Coordinateur formé PACTE;"
    "Missions de santé publique;Protocoles pluriprofessionnels;Nombre de protocoles;Email\r\n"
    "MSP des Tilleuls;380001234;MSP;Labellisée;Isère;;12;Médecin généraliste, Infirmier·e;"
    "Weda;Prestataire;0,3;Non;Vaccination;;0;contact@tilleuls.example\r\n"
    "ESP du Vercors;;ESP;En projet;ISERE;;5;Médecin généraliste, Infirmier·e;;Aucune;;Non;;;0;"
    "esp.vercors@example.org\r\n"
    "CPTS Grand Lyon Est;;CPTS;En projet;Rhône;;150;Médecin généraliste;;Prestataire;0,5;"
    "Non;;;0;cpts.gle@example.org\r\n"
    "Centre de santé Bellevue;10004567;CDS;En projet;Ain;;8;Médecin généraliste;Crossway;"
    "Aucune;;Non;;;0;cds.bellevue@example.org\r\n"
    f"MSP Saint-Égrève;;MSP;Sous ACI;Isère;45{NBSP}000,50 €;16;Médecin généraliste, "
    "Infirmier·e, Psychologue;MédiStory;Salarié·e de la structure;1;Oui;Dépistage des cancers;"
    "Insuffisance cardiaque;1;msp.segreve@example.org\r\n"
    "MSP des Écrins;;MSP;Labellisée;Hautes-Alpes;;9;Médecin généraliste;Weda;Prestataire;0,2;"
    "Non;;;0;msp.ecrins@example.org\r\n"
)

# A survey tool (LimeSurvey-like) export: technical columns, per-option columns Q2[SQ00x] with
# an [other] text column, incomplete responses (empty submitdate), codes as headers.
LIMESURVEY = (
    "id,submitdate,lastpage,startlanguage,seed,token,startdate,datestamp,Profession,"
    "Département,Structure,Type de structure,Q1,Q2[SQ001],Q2[SQ002],Q2[SQ003],Q2[other],Q3,"
    "Q4,Q5,Q6\n"
    "1,2025-04-03 09:14:02,3,fr,81723,,2025-04-03 09:05:11,2025-04-03 09:14:02,"
    "Médecin généraliste,38,MSP des Tilleuls,MSP,Y,Y,,Y,,Tout à fait,2,5,\"Très utile, merci\"\n"
    "2,2025-04-03 10:02:45,3,fr,19283,,2025-04-03 09:55:00,2025-04-03 10:02:45,Infirmier·e,"
    "69,CPTS Grand Lyon Est,CPTS,N,,Y,,Thèses d'exercice,Plutôt,0,3,\n"
    "3,,1,fr,55102,,2025-04-04 11:00:00,2025-04-04 11:01:30,Pharmacien·ne,01,"
    "Centre de santé Bellevue,CDS,Y,,,,,,,,\n"
    "4,2025-04-05 17:30:00,3,fr,66120,,2025-04-05 17:20:00,2025-04-05 17:30:00,"
    "Masseur-kinésithérapeute,38,ESP du Vercors,ESP,Y,Y,Y,,,Tout à fait,12,4,\n"
    "5,,1,fr,10001,,2025-04-06 08:00:00,2025-04-06 08:00:40,Sage-femme,38,"
    "MSP du Plateau,MSP,,,,,,,,,\n"
    "6,2025-04-07 12:12:12,3,fr,72001,,2025-04-07 12:00:00,2025-04-07 12:12:12,"
    "Médecin généraliste,73,MSP de la Vanoise,MSP,N,,,,,Plutôt,1,5,Pas le temps\n"
)
LIMESURVEY_TOML = '''id = "2025-04-recherche"
title = "Recherche en soins primaires"
theme = "Recherche"
date = "2025-04"
objective = "Mesurer la participation des équipes à la recherche"
published = true

[questions.Q1]
type = "yesno"
text = "Votre équipe participe-t-elle à des projets de recherche ?"

[questions.Q3]
type = "scale"
text = "La recherche en soins primaires vous intéresse-t-elle ?"
options = ["Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait"]

[questions.Q4]
text = "Nombre de projets de recherche en cours"

[questions.Q5]
type = "scale"
text = "Utilité perçue (1 = faible, 5 = forte)"

[options.Q2]
SQ001 = "Recueil de données"
SQ002 = "Inclusion de patients"
SQ003 = "Co-investigation"
'''

# An online form survey: Horodateur then full questions, joined multiple answers, no sidecar.
FORM_SURVEY = (
    "Horodateur,Votre profession,Votre département,Votre équipe,Type d'équipe,"
    "Votre équipe accueille-t-elle des étudiants ?,Quels étudiants accueillez-vous ?,"
    "Êtes-vous satisfait de l'accueil des étudiants ?,Combien d'étudiants en 2025 ?,"
    "Commentaires\n"
    "02/06/2025 09:00:00,Médecin généraliste,Isère,MSP des Tilleuls,MSP,Oui,"
    "\"Internes en médecine générale, Étudiants infirmiers\",Très satisfait,4,RAS\n"
    "02/06/2025 10:30:00,Infirmier·e,38,MSP du Plateau,Maison de santé,Oui,"
    "Étudiants infirmiers,Satisfait,2,\n"
    "03/06/2025 14:00:00,Pharmacien·ne,Rhône,CPTS Grand Lyon Est,CPTS,Non,,,0,"
    "\"Pas de maître de stage, pour l'instant\"\n"
    "04/06/2025 08:15:00,Médecin généraliste,Ain,Centre de santé Bellevue,CDS,Oui,"
    "\"Internes en médecine générale, Externes, Étudiants infirmiers\",Satisfait,6,\n"
    "05/06/2025 18:40:00,Masseur-kinésithérapeute,Savoie (73),MSP de la Vanoise,MSP,Oui,"
    "Externes,Très satisfait,1,Très bonne expérience\n"
)

# Capitalisation fiches saved as "CSV UTF-8" by Excel: with a BOM, ';', CRLF.
FICHES = (
    "\ufeffTitre de l'action;Structure;Département;Thématique;Année;Synthèse;Contenu\r\n"
    "Atelier marche nordique;MSP des Tilleuls;38;Prévention;2025;Un atelier hebdomadaire;"
    "\"Étapes : constat, pilote ; évaluation\r\nà un an.\"\r\n"
    "Protocole cystite simple;CPTS Grand Lyon Est;69;Accès aux soins;2025;"
    "Protocole de coopération;Texte long.\r\n"
)

# A membership form saved by Excel as "CSV UTF-8 (délimité par des virgules)" from a French
# Excel: a BOM, ';' (the list separator of French Windows), CRLF, a non-breaking space in amounts.
ADHESIONS_BOM = (
    "\ufeffNom de l'équipe;Type;Statut;Dépt;Année;ACI (€);Courriel\r\n"
    f"MSP des Tilleuls;MSP;Sous ACI;38;2023;41{NBSP}500,00 €;contact@tilleuls.example\r\n"
    "ESP du Vercors;ESP;En projet;Isère;2023;;esp.vercors@example.org\r\n"
)

# The facilitation log saved by French Excel as "Texte (séparateur : tabulation)" (.txt):
# Windows-1252, tabs, CRLF, dates as typed.
FACILITATIONS_TXT = (
    "Date de la facilitation\tDépartement\tStructure(s)\tType d'équipe\tStade\tNature\t"
    "Binôme\tModalité\r\n"
    "03/02/2025\tIsère\tMSP des Tilleuls ; ESP du Vercors\tMSP\tSous ACI\t"
    "Spécifique ou thématique\tClaire Martin / Hugo Bernard\tPrésentiel\r\n"
    "17/03/2025\tDrôme\tMSP de Dieulefit\tMSP\tEn projet\tSensibilisation\tInès Robert\t"
    "Visio\r\n"
)

# A survey tool export with codes on the first line and the question texts on the second
# (Qualtrics-like, LimeSurvey with two heading lines): no sidecar needed for the texts.
LIMESURVEY_TWO_HEADERS = (
    "id,submitdate,lastpage,Q1,Q2[SQ001],Q2[SQ002],Q2[other],Q3\n"
    "Response ID,Date submitted,Last page,Votre équipe fait-elle de la recherche ?,"
    "Rôles de l'équipe [Recueil de données],Rôles de l'équipe [Inclusion de patients],"
    "Rôles de l'équipe [Autre],Commentaire\n"
    "1,2025-04-03 09:14:02,3,Y,Y,,,Très utile\n"
    "2,2025-04-03 10:02:45,3,N,,Y,Thèses d'exercice,\n"
    "3,,1,Y,,,,\n"
)

# The same in one heading line, "code. question [option]" (LimeSurvey "code and text").
LIMESURVEY_CODE_AND_TEXT = (
    "id,submitdate,Q1. Votre équipe fait-elle de la recherche ?,"
    "Q2[SQ001]. Rôles de l'équipe [Recueil de données],"
    "Q2[SQ002]. Rôles de l'équipe [Inclusion de patients]\n"
    "1,2025-04-03 09:14:02,Oui,Oui,\n"
    "2,2025-04-03 10:02:45,Non,,Oui\n"
)

# -- numbers, plausibility, teams, mapping (issue 13) ----------------------------------------
# French Excel ("CSV (séparateur : point-virgule)", Windows-1252, CRLF) where staff typed the
# amounts with dots between thousands, and a decimal comma elsewhere in the same columns.
AMOUNTS_DOTS = (
    "Nom de la structure;Type de structure;Stade;Département;Montant ACI;"
    "Nombre de professionnels;ETP coordination\r\n"
    "MSP des Tilleuls;MSP;Sous ACI;38;45.000;14;0,5\r\n"
    "CPTS Grand Lyon Est;CPTS;Sous ACI;69;120.000 €;1.200;1\r\n"
    "MSP Saint-Égrève;MSP;Sous ACI;38;61.250,75;17;0,8\r\n"
    "ESP du Vercors;ESP;En projet;38;;6;\r\n"
    f"MSP du Plateau;MSP;Sous ACI;38;30{NBSP}000;11;1,250\r\n"
)
# A spreadsheet kept in English settings (Google Sheets en-US, "Comma-separated values"): commas
# between thousands, a decimal point.
AMOUNTS_ENGLISH = (
    "Nom de l'équipe,Type,Département,Année,ACI (€),ETP coordination\r\n"
    "MSP des Tilleuls,MSP,38,2025,\"45,000\",0.5\r\n"
    "CPTS Grand Lyon Est,CPTS,69,2025,\"1,234\",1.25\r\n"
    "MSP du Plateau,MSP,38,2025,\"52,300.50\",2\r\n"
)
# One column whose numbers cannot tell their convention: "1,250" is 1 250 or 1,25.
AMOUNTS_AMBIGUOUS = (
    "Nom de l'équipe,Type,Département,Année,ETP coordination\n"
    "MSP des Tilleuls,MSP,38,2025,1\n"
    "MSP du Plateau,MSP,38,2025,\"1,250\"\n"
)
# An online form export (Google Forms: UTF-8, ',') holding values no federation could have.
IMPLAUSIBLE = (
    "Horodateur,Année,Nom de la structure,Type de structure,Département,"
    "Montant de l'ACI perçu (en euros),Nb de PS,ETP coordination\n"
    "06/01/2025 09:00:00,2025,MSP Négative,MSP,38,-5 000,10,\"0,5\"\n"
    "06/01/2025 09:01:00,2025,MSP Infinie,MSP,38,1e308,10,\"0,5\"\n"
    "06/01/2025 09:02:00,2099,MSP du Futur,MSP,38,30 000,10,\"0,5\"\n"
    "01/01/1899 10:00:00,2025,MSP Ancienne,MSP,38,30 000,10,\"0,5\"\n"
    "06/01/2025 09:04:00,2025,MSP Moins,MSP,38,30 000,-3,\"0,5\"\n"
    "06/01/2025 09:05:00,2025,MSP Surchargée,MSP,38,30 000,10,45\n"
    "06/01/2025 09:06:00,2025,MSP Valide,MSP,38,30 000,10,\"0,5\"\n"
    "06/01/2025 09:07:00,1899,MSP Centenaire,MSP,38,30 000,10,\"0,5\"\n"
    "06/01/2025 09:08:00,2025,CPTS Démesurée,CPTS,69,1 500 000,10,\"0,5\"\n"
)
IMPLAUSIBLE_DATES = (
    "Date;Département;Équipe(s);Type de facilitation\r\n"
    "15/03/1899;38;MSP des Tilleuls;Sensibilisation\r\n"
    "15/03/2099;38;MSP des Tilleuls;Sensibilisation\r\n"
    "15/03/2025;38;MSP des Tilleuls;Sensibilisation\r\n"
)
# A staff log where three teams of three départements share one name (and two others another):
# each (name, département) is its own team.
NAMESAKES = (
    "Date;Département;Équipe(s);Type de structure;Type de facilitation\r\n"
    "06/01/2025;38;MSP du Centre;MSP;Sensibilisation\r\n"
    "07/01/2025;74;MSP du Centre;MSP;Sensibilisation\r\n"
    "08/01/2025;63;MSP du Centre;MSP;Conseil et soutien\r\n"
    "09/01/2025;38;msp du centre;MSP;Conseil et soutien\r\n"
    "10/01/2025;01;MSP des Lilas;MSP;Sensibilisation\r\n"
    "11/01/2025;69;MSP des Lilas;MSP;Sensibilisation\r\n"
    "12/01/2025;26;CPTS Drôme Sud;CPTS;Sensibilisation\r\n"
    "13/01/2025;74;MSP du Centre;MSP;Patient partenaire\r\n"
)
# Teams joined by ",", "et", "/" where the log also cites them alone (or the store knows them),
# a team whose own name holds "et", and two unknown teams joined by "," (ambiguous).
JOINED = (
    "Date;Département;Équipe(s);Type de facilitation\r\n"
    "01/02/2025;38;MSP Alpha;Sensibilisation\r\n"
    "02/02/2025;38;MSP Beta;Sensibilisation\r\n"
    "03/02/2025;38;MSP Alpha, MSP Beta;Conseil et soutien\r\n"
    "04/02/2025;38;MSP des Tilleuls et ESP du Vercors;Conseil et soutien\r\n"
    "05/02/2025;38;Maison de santé Rhône et Loire;Sensibilisation\r\n"
    "06/02/2025;38;MSP Alpha / MSP Beta;Spécifique ou thématique\r\n"
    "07/02/2025;38;MSP Epsilon, MSP Zeta;Sensibilisation\r\n"
)
# A Google Forms export with only the required questions: no stage, no amount, nothing else.
FORM_MINIMAL = (
    "Horodateur,Nom de la structure,Type de structure,Département,Année\n"
    "06/01/2025 09:00:00,MSP des Tilleuls,MSP,38,2025\n"
    "06/01/2025 09:30:00,CPTS Grand Lyon Est,CPTS,69,2025\n"
)
LOG_MINIMAL = (
    "Date;Département;Équipe(s);Type de facilitation\r\n"
    "03/02/2025;38;MSP des Tilleuls;Sensibilisation\r\n"
)
SURVEY_MINIMAL = (
    "Horodateur,Êtes-vous satisfait de l'accompagnement ?\n"
    "02/06/2025 09:00:00,Oui\n02/06/2025 10:00:00,Non\n"
)
# A Google Form whose questions are worded the way people write forms; the département and the
# stage questions match no field name, the others match by their key words.
FORM_QUESTIONS_HEADER = (
    "Horodateur,Quel est le nom de votre structure ?,Quel est le type de votre structure ?,"
    "Dans quel département se situe votre structure ?,Où en est votre projet ?,"
    "Quel est le montant de l'ACI perçu ?,Adresse e-mail"
)
FORM_QUESTIONS = FORM_QUESTIONS_HEADER + (
    "\n"
    "06/01/2025 09:12:44,MSP des Tilleuls,Maison de santé pluriprofessionnelle,Isère,"
    "Signataire ACI,52 300 €,contact@tilleuls.example\n"
    "07/01/2025 10:00:00,ESP du Vercors,Équipe de soins primaires,Isère (38),En projet,,"
    "esp.vercors@example.org\n"
    "08/01/2025 11:30:00,CPTS Grand Lyon Est,CPTS,Rhône,Projet de santé validé,\"180 000,00 €\","
    "cpts.gle@example.org\n"
)
# Next year's export of the same form: one question more, the same others.
FORM_QUESTIONS_NEXT = FORM_QUESTIONS_HEADER + (
    ",Combien de professionnels exercent dans votre structure ?\n"
    "05/01/2026 09:00:00,MSP des Tilleuls,MSP,Isère,Signataire ACI,54 000 €,"
    "contact@tilleuls.example,15\n"
    "06/01/2026 10:00:00,ESP du Vercors,ESP,Isère,Labellisée,,esp.vercors@example.org,7\n"
)
FORM_QUESTIONS_MAPPING = (
    "# Correspondance des colonnes du formulaire d'adhésion Google (champ = colonne du fichier)\n"
    "[colonnes]\n"
    "\"Département\" = \"Dans quel département se situe votre structure ?\"\n"
    "\"Stade\" = \"Où en est votre projet ?\"\n"
)


def microsoft_forms_adhesions() -> bytes:
    """A membership form exported by Microsoft Forms ("Ouvrir dans Excel"): ID, start and end
    times, the respondent's account e-mail and name, the last modification time, then the
    questions; two teams answered twice (one by editing its answer)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom",
               "Heure de la dernière modification", "Nom de la structure",
               "Type de structure", "Stade du projet", "Département",
               "Montant de l'ACI perçu (en euros)", "Adresse e-mail"])
    t = dt.datetime
    rows = [
        (1, t(2025, 1, 6, 9, 5), t(2025, 1, 6, 9, 12, 44), "anonymous", None, None,
         "MSP des Tilleuls", "MSP", "Labellisée", "Isère", 48000, "contact@tilleuls.example"),
        (2, t(2025, 1, 7, 9, 55), t(2025, 1, 7, 10, 0), "claire.martin@exemple.fr",
         "Claire Martin", None, "ESP du Vercors", "ESP", "En projet", "38", None,
         "esp.vercors@example.org"),
        (3, t(2025, 1, 8, 11, 0), t(2025, 1, 8, 11, 20), "hugo.bernard@exemple.fr",
         "Hugo Bernard", t(2025, 1, 20, 8, 30), "MSP du Plateau", "MSP", "Sous ACI", "38",
         31000, "msp.plateau@example.org"),
        (4, t(2025, 1, 10, 15, 50), t(2025, 1, 10, 16, 0), "anonymous", None, None,
         "MSP des Tilleuls", "MSP", "Sous ACI", "Isère", 52300, "contact@tilleuls.example"),
        (5, t(2025, 1, 15, 9, 0), t(2025, 1, 15, 9, 10), "hugo.bernard@exemple.fr",
         "Hugo Bernard", None, "MSP du Plateau", "MSP", "Labellisée", "38", 30000,
         "msp.plateau@example.org"),
    ]
    for row in rows:
        ws.append(list(row))
    for col in "BCF":
        for cell in ws[col][1:]:
            cell.number_format = "DD/MM/YYYY HH:MM:SS"
    return stable_xlsx(wb, dt.datetime(2025, 1, 21, 9, 0, 0))


def microsoft_forms_survey() -> bytes:
    """A flash survey exported by Microsoft Forms: the same technical and personal columns."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom",
               "Votre profession", "Votre département",
               "Êtes-vous satisfait de l'accompagnement ?", "Commentaires"])
    t = dt.datetime
    answers = [
        ("Médecin généraliste", "Isère", "Très satisfait", "Merci"),
        ("Infirmier·e", "Rhône", "Satisfait", None),
        ("Pharmacien·ne", "Ain", "Peu satisfait", "Trop court"),
        ("Médecin généraliste", "Savoie", "Satisfait", None),
    ]
    for i, (profession, dep, satisfied, comment) in enumerate(answers, start=1):
        ws.append([i, t(2025, 9, i, 9, 0), t(2025, 9, i, 9, 6), f"personne{i}@exemple.fr",
                   f"Personne {i}", profession, dep, satisfied, comment])
    return stable_xlsx(wb, dt.datetime(2025, 9, 30, 9, 0, 0))


def demo_december_logs() -> tuple[bytes, bytes]:
    """December 2025 of the demo's facilitation log, as a staff member saves one month apart:
    its rows plus one new facilitation; and a 31-row December log whose rows but one carry a
    facilitation type no one knows (importing its valid rows only keeps one row)."""
    from openpyxl import Workbook, load_workbook

    demo = HERE.parents[2] / "data" / "demo" / "facilitations.xlsx"
    ws = load_workbook(demo, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header, december = list(rows[0]), [list(r) for r in rows[1:]
                                       if (r[0].year, r[0].month) == (2025, 12)]

    def workbook(lines: list[list]) -> bytes:
        wb = Workbook()
        out = wb.active
        out.title = "Décembre 2025"
        out.append(header)
        for line in lines:
            out.append(line)
        for cell in out["A"][1:]:
            cell.number_format = "DD/MM/YYYY"
        return stable_xlsx(wb, dt.datetime(2026, 1, 5, 9, 0, 0))

    new = [dt.datetime(2025, 12, 18), "38", "MSP des Tilleuls", "MSP", "Sous ACI",
           "Conseil et soutien", "Claire Martin", "Visio"]
    month = workbook([*december, new])
    broken = [[*row[:5], "Visite de courtoisie", *row[6:]] for row in december[1:]]
    while len(broken) < 30:
        broken.append([dt.datetime(2025, 12, 1 + len(broken) % 28), "38", "MSP des Tilleuls",
                       "MSP", "Sous ACI", "Visite de courtoisie", "Claire Martin", "Visio"])
    partial = workbook([december[0], *broken])
    return month, partial


# -- bad inputs ------------------------------------------------------------------------------
ADHESION_HEADER = (
    "Horodateur,Année,Nom de la structure,Type de structure,Stade,Département\n"
)
UNKNOWN_DEPARTEMENT = ADHESION_HEADER + (
    "06/01/2025 09:00:00,2025,MSP des Tilleuls,MSP,Sous ACI,Isère\n"
    "06/01/2025 09:05:00,2025,MSP du Plateau,MSP,Sous ACI,Isèr\n"
    "06/01/2025 09:10:00,2025,ESP du Vercors,ESP,En projet,38\n"
)
DUPLICATE_TEAM = ADHESION_HEADER + (
    "06/01/2025 09:00:00,2025,MSP des Tilleuls,MSP,Sous ACI,Isère\n"
    "06/01/2025 09:10:00,2025,ESP du Vercors,ESP,En projet,38\n"
    "06/01/2025 09:00:00,2025,MSP des tilleuls,MSP,Sous ACI,38\n"
)
FORMULA = ADHESION_HEADER + (
    "06/01/2025 09:00:00,2025,\"=HYPERLINK(\"\"http://exemple.invalid\"\";\"\"clic\"\")\","
    "MSP,Sous ACI,Isère\n"
    "06/01/2025 09:05:00,2025,+33 MSP,MSP,En projet,38\n"
)
HEADER_ONLY = ADHESION_HEADER
UNKNOWN_COLUMNS = "Prénom,Nom,Ville\nClaire,Martin,Grenoble\n"


def facilitations_xlsx() -> bytes:
    """The staff's facilitation spreadsheet: real Excel dates, several teams in one cell."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Journal 2024-2025"
    ws.append(["Date", "Département", "Équipe(s)", "Type de structure", "Profil de l'équipe",
               "Type de facilitation", "Facilitateur(s)", "Format", "Remarques"])
    rows = [
        (dt.datetime(2024, 10, 1), "38", "380001234", "MSP", "Labellisée", "Patient partenaire",
         "Claire Martin", "Présentiel", None),
        (dt.datetime(2024, 11, 5), "Isère", "MSP des Tilleuls", "MSP", "Labellisée",
         "Complexe (médiation, immobilier, conflit…)", "Claire Martin / Hugo Bernard",
         "Présentiel", "conflit SISA"),
        (dt.datetime(2025, 2, 3), "Isère",
         "MSP des Tilleuls; ESP du Vercors; MSP Saint-Égrève", "MSP", "Sous ACI",
         "Spécifique ou thématique", "Claire Martin / Hugo Bernard", "Présentiel", None),
        (dt.datetime(2025, 3, 10), "38 - Isère", "Maison de santé du Trièves", "MSP", "En projet",
         "Sensibilisation", "Inès Robert", "Visio", None),
        (dt.datetime(2025, 5, 20), "Rhône (69)", "CPTS Grand Lyon Est", "CPTS", "Labellisée",
         "Conseil et soutien", "Lucas Petit", "Visio", None),
        (dt.datetime(2025, 6, 12), "Ain", "Mairie de Belley", "Collectivité", None,
         "Sensibilisation", "Lucas Petit", "Présentiel", "élus"),
    ]
    for row in rows:
        ws.append(list(row))
    for cell in ws["A"][1:]:
        cell.number_format = "DD/MM/YYYY"
    # a date typed in a cell formatted "Standard": Excel keeps the serial number only
    ws.append([45930, "Savoie", "MSP de la Vanoise", "MSP", "Sous ACI", "Conseil", "Inès Robert",
               "Présentiel", None])
    return stable_xlsx(wb, dt.datetime(2025, 11, 25, 9, 0, 0))


# A project follow-up sheet saved by LibreOffice as CSV: UTF-8, ';', dates as typed, communes
# written the ways staff write them (name, « St », article last, a code, the département after
# the name, which then stands for an empty département), one without commune, yes/no in words,
# one answer left empty.
PROJECTS_CSV = (
    "Nom du projet;Type de structure;Commune;Département;Accompagné par la fédération;"
    "Premier contact;Sensibilisation;Projet de santé déposé;Projet validé (ARS);Signature ACI;"
    "FINESS\r\n"
    "MSP Figeac Est;MSP;Figeac (46);;Non;03/03/2023;;01/06/2024;02/09/2024;;\r\n"
    "MSP des Tilleuls;MSP;Voiron;38;Oui;12/01/2022;03/03/2022;10/01/2023;15/03/2023;02/02/2024;"
    "380001234\r\n"
    "ESP du Vercors;ESP;Villard-de-Lans;Isère;Non;05/05/2024;;;;;\r\n"
    "MSP Nouvelle;Maison de santé pluriprofessionnelle;St-Égrève;38 - Isère;Oui;05/05/2023;;"
    "01/02/2025;;;\r\n"
    "CPTS Grand Lyon Est;CPTS;;69;Oui;2024-01-08;;;;;\r\n"
    "MSP du Vigan;MSP;Vigan (Le);Gard;;10/09/2021;;15/01/2023;20/04/2023;;\r\n"
    "ESP des Crêts;ESP;38563;38;Oui;02/02/2024;01/03/2024;15/09/2024;04/12/2024;;\r\n"
)
# The same kind of sheet kept in Excel: a title and a blank row above the header, real date
# cells, an « x » column for the accompanied projects, a département written once per block.
def projects_xlsx() -> bytes:
    """The staff's project follow-up sheet as Excel saves it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Suivi 2025"
    ws.append(["Suivi des projets ESP / MSP"])
    ws.append([])
    ws.append(["Département", "Équipe ou projet", "Type", "Commune", "Accompagnement",
               "Premier contact", "Sensibilisation", "Dépôt du projet de santé",
               "Validation ARS", "Signature de l'ACI"])
    rows = [
        ("Isère", "MSP des Tilleuls", "MSP", "Voiron", "x", dt.datetime(2022, 1, 12),
         dt.datetime(2022, 3, 3), dt.datetime(2023, 1, 10), dt.datetime(2023, 3, 15),
         dt.datetime(2024, 2, 2)),
        (None, "ESP du Vercors", "ESP", "Villard-de-Lans", None, dt.datetime(2024, 5, 5), None,
         None, None, None),
        (None, "MSP de la Bièvre", "MSP", "La Côte-Saint-André", "x", dt.datetime(2024, 9, 1),
         dt.datetime(2024, 10, 2), dt.datetime(2025, 3, 3), dt.datetime(2025, 6, 20), None),
        ("Rhône", "CPTS Grand Lyon Est", "CPTS", "Lyon", "x", dt.datetime(2024, 1, 8), None,
         None, None, None),
    ]
    for row in rows:
        ws.append(list(row))
    for column in "FGHIJ":
        for cell in ws[column][3:]:
            cell.number_format = "DD/MM/YYYY"
    ws.merge_cells("A4:A6")
    return stable_xlsx(wb, dt.datetime(2025, 11, 25, 9, 0, 0))


# A sheet with one error of each kind a staff sheet makes, and one valid row.
PROJECTS_ERRORS = (
    "Projet;Type;Commune;Département;Accompagné;Premier contact;Projet de santé déposé;"
    "Projet validé (ARS);Signature ACI\r\n"
    "MSP Valide;MSP;Voiron;38;Oui;12/01/2022;10/01/2023;15/03/2023;\r\n"
    "MSP Ville inconnue;MSP;Voiro;38;Oui;12/01/2022;;;\r\n"
    "MSP Homonyme;MSP;Saint-Martin;;Oui;12/01/2022;;;\r\n"
    "MSP Ordre;MSP;Voiron;38;Oui;12/01/2022;10/06/2023;15/03/2023;\r\n"
    "MSP Future;MSP;Voiron;38;Oui;12/01/2022;;;15/03/2099\r\n"
    "MSP Sans date;MSP;Voiron;38;Oui;;;;\r\n"
    "=HYPERLINK(\"http://exemple.invalid\");MSP;Voiron;38;Oui;12/01/2022;;;\r\n"
    "MSP Valide;MSP;Voiron;Isère;Oui;12/01/2022;;;\r\n"
    "Maison médicale;Cabinet;Voiron;38;Oui;12/01/2022;;;\r\n"
    "MSP Mal accompagnée;MSP;Voiron;38;Peut-être;12/01/2022;;;\r\n"
)
# A staff log with the time of each facilitation and whether it was volunteer time: durations
# as people type them, a check-mark column, facilitators joined by « / », « ; » and « et ».
LOG_DURATIONS = (
    "Date;Département;Équipe(s);Type de facilitation;Facilitateur(s);Durée (h);Temps bénévole\r\n"
    "06/01/2025;38;MSP des Tilleuls;Sensibilisation;Claire Martin / Hugo Bernard;1h30;x\r\n"
    "07/01/2025;38;ESP du Vercors;Conseil et soutien;Claire Martin;90 min;x\r\n"
    "08/01/2025;69;CPTS Grand Lyon Est;Conseil et soutien;Inès Robert & Lucas Petit;2;\r\n"
    "09/01/2025;69;CPTS Grand Lyon Est;Complexe;Inès Robert et Lucas Petit;1,5;x\r\n"
    "10/01/2025;38;MSP des Tilleuls;Sensibilisation;hugo bernard;;x\r\n"
    "11/01/2025;38;MSP des Tilleuls;Sensibilisation;Marion;0,5;\r\n"
)
LOG_DURATIONS_ERRORS = (
    "Date;Département;Équipe(s);Type de facilitation;Durée;Bénévole\r\n"
    "06/01/2025;38;MSP des Tilleuls;Sensibilisation;1h30;Oui\r\n"
    "07/01/2025;38;MSP des Tilleuls;Sensibilisation;1 j;Oui\r\n"
    "08/01/2025;38;MSP des Tilleuls;Sensibilisation;90;Oui\r\n"
    "09/01/2025;38;MSP des Tilleuls;Sensibilisation;0;Non\r\n"
    "10/01/2025;38;MSP des Tilleuls;Sensibilisation;1h75;Non\r\n"
    "11/01/2025;38;MSP des Tilleuls;Sensibilisation;2;Peut-être\r\n"
)


def corpus_files() -> dict[Path, bytes]:
    """Every file of the corpus and its bytes, as this generator writes them."""
    december, december_31 = demo_december_logs()
    return {
        HERE / "adhesions_2025_formulaire.csv": ADHESIONS_2025.encode("utf-8"),
        HERE / "adhesions_2024_excel.csv": ADHESIONS_2024.encode("cp1252"),
        HERE / "enquete_limesurvey.csv": LIMESURVEY.encode("utf-8"),
        HERE / "enquete_limesurvey.toml": LIMESURVEY_TOML.encode("utf-8"),
        HERE / "enquete_formulaire.csv": FORM_SURVEY.encode("utf-8"),
        HERE / "fiches_bom.csv": FICHES.encode("utf-8"),
        HERE / "facilitations.xlsx": facilitations_xlsx(),
        HERE / "adhesions_excel_utf8_bom.csv": ADHESIONS_BOM.encode("utf-8"),
        HERE / "journal_excel_tabulations.txt": FACILITATIONS_TXT.encode("cp1252"),
        HERE / "enquete_deux_lignes_entete.csv": LIMESURVEY_TWO_HEADERS.encode("utf-8"),
        HERE / "enquete_code_et_texte.csv": LIMESURVEY_CODE_AND_TEXT.encode("utf-8"),
        HERE / "adhesions_montants_points.csv": AMOUNTS_DOTS.encode("cp1252"),
        HERE / "adhesions_montants_anglais.csv": AMOUNTS_ENGLISH.encode("utf-8"),
        HERE / "adhesions_montant_ambigu.csv": AMOUNTS_AMBIGUOUS.encode("utf-8"),
        HERE / "adhesions_invraisemblables.csv": IMPLAUSIBLE.encode("utf-8"),
        HERE / "journal_dates_invraisemblables.csv": IMPLAUSIBLE_DATES.encode("cp1252"),
        HERE / "journal_homonymes.csv": NAMESAKES.encode("cp1252"),
        HERE / "journal_equipes_jointes.csv": JOINED.encode("cp1252"),
        HERE / "adhesions_formulaire_minimal.csv": FORM_MINIMAL.encode("utf-8"),
        HERE / "journal_minimal.csv": LOG_MINIMAL.encode("cp1252"),
        HERE / "enquete_minimale.csv": SURVEY_MINIMAL.encode("utf-8"),
        HERE / "adhesions_questions_2025.csv": FORM_QUESTIONS.encode("utf-8"),
        HERE / "adhesions_questions_2026.csv": FORM_QUESTIONS_NEXT.encode("utf-8"),
        HERE / "correspondance_adhesions.toml": FORM_QUESTIONS_MAPPING.encode("utf-8"),
        HERE / "adhesions_microsoft_forms.xlsx": microsoft_forms_adhesions(),
        HERE / "enquete_microsoft_forms.xlsx": microsoft_forms_survey(),
        HERE / "journal_decembre_2025.xlsx": december,
        HERE / "journal_decembre_2025_31_lignes.xlsx": december_31,
        HERE / "suivi_projets_libreoffice.csv": PROJECTS_CSV.encode("utf-8"),
        HERE / "suivi_projets_tenu_main.xlsx": projects_xlsx(),
        HERE / "journal_durees.csv": LOG_DURATIONS.encode("cp1252"),
        BAD / "suivi_projets_erreurs.csv": PROJECTS_ERRORS.encode("utf-8"),
        BAD / "journal_durees_erreurs.csv": LOG_DURATIONS_ERRORS.encode("cp1252"),
        BAD / "departement_inconnu.csv": UNKNOWN_DEPARTEMENT.encode("utf-8"),
        BAD / "equipe_en_double.csv": DUPLICATE_TEAM.encode("utf-8"),
        BAD / "formule.csv": FORMULA.encode("utf-8"),
        BAD / "vide.csv": b"",
        BAD / "entete_seule.csv": HEADER_ONLY.encode("utf-8"),
        BAD / "colonnes_inconnues.csv": UNKNOWN_COLUMNS.encode("utf-8"),
        # cut in the middle of the quoted comment of line 3
        BAD / "tronque.csv": ADHESIONS_2025.encode("utf-8")[: ADHESIONS_2025.encode(
            "utf-8").index(b"Relancer en mars") + 10],
        BAD / "utf16.csv": ADHESIONS_2025.encode("utf-16"),
        BAD / "octets_aleatoires.csv": random.Random(20251125).randbytes(4096),
        # a UTF-8 line pasted into a Windows-1252 file
        BAD / "melange_encodages.csv": ADHESIONS_2024.encode("cp1252")
        + "MSP Ébène;;MSP;En projet;Isère;;3;;;;;;;;0;\r\n".encode(),
    }


def main() -> None:
    BAD.mkdir(exist_ok=True)
    for path, data in corpus_files().items():
        path.write_bytes(data)
        print(f"{path.relative_to(HERE.parent)}: {len(data)} octets")


if __name__ == "__main__":
    main()
