"""Facilitations: interventions and unique teams by period, team type, profile, kind and place."""

from observatory.ui import data, render, shell
from observatory.views import facilitations

ctx = shell.context("pages/facilitations.py")
render.view(data.load(facilitations.build, ctx.scope, ctx.federation, departement_names=ctx.names))
