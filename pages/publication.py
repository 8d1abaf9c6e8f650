"""Publication (staff): which survey infographics and fiches are published, and the fiches'
public summaries."""

from observatory.ui import publishing, shell

ctx = shell.context("pages/publication.py")
publishing.page(ctx)
