"""Chiffres clés: key figures of the filtered scope, and their one-page infographic."""

from observatory.ui import data, downloads, render, shell
from observatory.views import carte, home

ctx = shell.context("pages/accueil.py")
view = data.load(home.build, ctx.scope, ctx.federation, departement_names=ctx.names)
year = ctx.scope.year


def infographic() -> None:
    if year is not None:
        downloads.infographic_button(view, ctx.federation, year=year,
                                     key_figures=data.load(carte.build, ctx.scope, ctx.federation))


render.view(view, scope=ctx.scope, extra=infographic)
