"""Organization commands: orgs create."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..services import accounts
from ..services.errors import DomainError

orgs_cli = AppGroup("orgs", help="Manage organizations.")


@orgs_cli.command("create")
@click.option("--name", required=True, help="Organization name.")
@click.option("--owner-email", required=True, help="Email of the owner account to create.")
@click.option("--password", required=True, help="Password of the owner account.")
@click.option("--tier", default="free", show_default=True, help="Tier key: free, solo, team, enterprise.")
def create(name: str, owner_email: str, password: str, tier: str):
    """Create an organization with its owner; prints the organization id."""
    try:
        org = accounts.create_organization(name=name, owner_email=owner_email, password=password, tier_key=tier)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(org.id)


def register(app: Flask) -> None:
    """Register `flask orgs …`."""
    app.cli.add_command(orgs_cli)
