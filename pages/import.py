"""Importer des données (admin): upload an export, check the preview, confirm; history, undo."""

from observatory.ui import importer, shell

shell.context("pages/import.py")
importer.page()
