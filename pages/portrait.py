"""Portrait des équipes: counts, status history, ACI, information systems, coordination."""

from observatory.ui import data, render, shell
from observatory.views import portrait

ctx = shell.context("pages/portrait.py")
render.view(data.load(portrait.build, ctx.scope, ctx.federation, departement_names=ctx.names))
