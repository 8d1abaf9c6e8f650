"""Carte des équipes: choropleth of the chosen indicator; a click selects the département."""

from observatory.ui import pages

pages.carte()
