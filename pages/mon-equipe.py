"""Mon équipe: a member team's own answers year by year against the teams of its type, its
status history, facilitations and fiches; its sheet as a PDF. Staff pick any team."""

from observatory.ui import data, render, shell
from observatory.ui import team as team_ui
from observatory.views import team

ctx = shell.context("pages/mon-equipe.py")
team_id = team_ui.chosen(ctx)
if team_id is not None:
    shown = render.view(data.load(team.build, ctx.scope, ctx.federation, team_id=team_id,
                                  departement_names=ctx.names))
    team_ui.sheet_button(shown, ctx)
