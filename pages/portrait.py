"""Portrait des équipes: counts, status history, ACI, information systems, coordination."""

from observatory.ui import data, render, shell
from observatory.views import portrait

ctx = shell.context("pages/portrait.py")
# Four charts drawn at once, the other nine when the reader opens them: in Chromium on the national
# store the page's fresh load went from 7.4 s to 3.2 s (median, same runs; README, Performance).
render.view(data.load(portrait.build, ctx.scope, ctx.federation, departement_names=ctx.names),
            first=4)
