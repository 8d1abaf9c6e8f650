"""Portrait des équipes: counts, status history, ACI, information systems, coordination."""

from observatory.ui import pages

pages.portrait()
