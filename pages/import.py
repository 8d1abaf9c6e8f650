"""Importer des données: upload an export, check the preview, confirm; history and undo."""

from observatory.ui import importer, shell

shell.context("admin")
importer.page()
