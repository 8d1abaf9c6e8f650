"""Capitalisation: the fiches of remarkable actions, searchable; user text shown as plain text."""

from observatory.ui import pages

pages.capitalisation()
