"""Enquêtes flash: the catalogue, then the chosen survey's infographic."""

from observatory.ui import pages

pages.enquetes()
