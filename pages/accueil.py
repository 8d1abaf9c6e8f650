"""Chiffres clés: key figures of the filtered scope."""

from observatory.ui import data, render, shell
from observatory.views import home

ctx = shell.context("pages/accueil.py")
render.view(data.load(home.build, ctx.scope, ctx.federation, departement_names=ctx.names),
            scope=ctx.scope)
