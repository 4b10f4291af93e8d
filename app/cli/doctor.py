"""`flask doctor`: one line per deployment check (database, migrations, Redis, mail, Stripe, BASE_URL)."""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("doctor")
@click.option("--production/--no-production", default=None,
              help="Judge as production (mail must be sent). Default: FLASK_ENV=production.")
@with_appcontext
def doctor_command(production: bool | None) -> None:
    """Check the database, migrations, Redis, mail, Stripe and BASE_URL; exit 1 when any check fails."""
    from ..services import doctor

    if production is None:
        production = (os.environ.get("FLASK_ENV") or "").strip().lower() == "production"
    results = doctor.run_checks(current_app.config, production=production)
    for result in results:
        click.echo(result.line())
    failed = [result.name for result in results if not result.ok]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}.", err=True)
        raise SystemExit(1)
    click.echo("All checks passed.")


def register(app: Flask) -> None:
    """Register `flask doctor`."""
    app.cli.add_command(doctor_command)
