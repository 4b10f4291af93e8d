"""Reference data commands: init-production and the individual seeders."""
from __future__ import annotations

import secrets

import click
from flask import Flask

from ..links import base_url
from ..services import accounts, library, reference, units
from ..services.errors import DomainError

# Reference seeders run by init-production, in order: (label, callable returning a count).
REFERENCE_SEEDERS: list[tuple[str, object]] = [
    ("permissions", reference.seed_permissions),
    ("subscription tiers", reference.seed_tiers),
    ("units", units.seed_units),
    ("global library entries", library.seed_library),
]


def register(app: Flask) -> None:
    """Register `flask init-production` and the `seed-*` commands."""
    @app.cli.command("init-production")
    def init_production():
        """Seed every kind of reference data (idempotent; creates no user)."""
        for label, seeder in REFERENCE_SEEDERS:
            count = seeder()
            click.echo(f"Seeded {count} {label}.")
        click.echo("Reference data is ready. Create an organization with `flask orgs create`.")

    @app.cli.command("seed-permissions")
    def seed_permissions():
        """Seed the permission catalog and the system roles."""
        click.echo(f"Seeded {reference.seed_permissions()} permissions and the system roles.")

    @app.cli.command("seed-sub-tiers")
    def seed_sub_tiers():
        """Seed the subscription tiers (Free, Solo, Team, Enterprise)."""
        click.echo(f"Seeded {reference.seed_tiers()} subscription tiers.")

    @app.cli.command("seed-units")
    def seed_units():
        """Seed the global units of measure (exact factors to g, mL, each, m)."""
        click.echo(f"Seeded {units.seed_units()} units.")

    @app.cli.command("seed-library")
    def seed_library():
        """Seed the global ingredient library (INCI names, densities, SAP values)."""
        click.echo(f"Seeded {library.seed_library()} global library entries.")

    @app.cli.command("seed-users")
    @click.option("--email", default="demo@batchtrack.local", show_default=True)
    @click.option("--organization", "organization_name", default="Demo Soap Co.", show_default=True)
    @click.option("--reset-password", is_flag=True,
                  help="When the demo user exists, give it a fresh random password and print it.")
    def seed_users(email: str, organization_name: str, reset_password: bool):
        """Create a demo organization and owner with a random password (printed)."""
        for _, seeder in REFERENCE_SEEDERS:
            seeder()
        password = secrets.token_urlsafe(12)
        if accounts.email_taken(email.lower()):
            if not reset_password:
                click.echo(f"Demo user {email} already exists. Run with --reset-password for a new password.")
                return
            accounts.set_password(email, password)
            click.echo("Demo organization already exists; its owner got a fresh password.")
            click.echo(f"  Sign in at {base_url()}/login with email {email} and password {password}")
            return
        try:
            org = accounts.create_organization(name=organization_name, owner_email=email, password=password,
                                               tier_key="team", owner_name="Demo Owner")
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        for hook in DEMO_DATA_HOOKS:
            hook(org)
        click.echo("Demo organization created.")
        click.echo(f"  Organization: {org.name} (id {org.id})")
        click.echo(f"  Sign in at {base_url()}/login with email {email} and password {password}")


def _demo_workshop(org) -> None:
    from ..extensions import db
    from ..models import User
    from ..services import demo

    owner = db.session.scalar(db.select(User).where(User.organization_id == org.id))
    demo.seed_demo_workshop(org, owner)


# Demo content (items, lots, a recipe, a finished batch) for the demo organization.
DEMO_DATA_HOOKS: list = [_demo_workshop]
