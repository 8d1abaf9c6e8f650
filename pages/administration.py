"""Administration: accounts and server settings (admin)."""

from observatory.ui import pages

pages.administration()
