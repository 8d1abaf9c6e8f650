"""Annuaire et expertises: member teams by place, type, status, protocol, mission or system (staff)."""

from observatory.ui import pages

pages.annuaire()
