"""Importer des données: upload an export, check the preview, confirm; history and undo (admin)."""

from observatory.ui import pages

pages.importer()
