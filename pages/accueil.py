"""Chiffres clés: key figures of the filtered scope."""

from observatory.ui import pages

pages.accueil()
