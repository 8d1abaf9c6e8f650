"""Facilitations: interventions and unique teams by period, team type, profile, kind and place."""

from observatory.ui import pages

pages.facilitations()
