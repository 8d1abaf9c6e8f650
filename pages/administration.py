"""Administration (admin): accounts (names and roles, never their hashes), server settings."""

from observatory.ui import admin, shell

ctx = shell.context("pages/administration.py")
admin.page(ctx)
