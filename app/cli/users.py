"""User commands: create-developer."""
from __future__ import annotations

import secrets

import click
from flask import Flask

from ..services import accounts
from ..services.errors import DomainError


def register(app: Flask) -> None:
    """Register `flask seed-users` and `flask create-developer`."""
    @app.cli.command("create-developer")
    @click.option("--email", required=True, help="The developer's email address.")
    @click.option("--password", default=None, help="Omit to generate a random password (printed once).")
    @click.option("--role", type=click.Choice(["admin", "support"]), default="admin", show_default=True)
    @click.option("--name", default="")
    def create_developer(email: str, password: str | None, role: str, name: str):
        """Create a platform developer (no organization)."""
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        try:
            user = accounts.create_developer(email=email, password=password, role=role, name=name)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Developer {user.email} created (id {user.id}, role {role}).")
        if generated:
            click.echo(f"Password: {password}")
