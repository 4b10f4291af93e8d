"""Scheduled jobs (run from cron or a PaaS scheduler): flask jobs <name>."""
from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")

# Domains add their jobs here: (name, click command function)


@jobs_cli.command("expire-reservations")
def expire_reservations_command() -> None:
    """Mark open reservations past their expiry as expired, in every organization."""
    import click

    from ..services import reservations

    count = reservations.expire_reservations()
    click.echo(f"Expired {count} reservation(s).")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
