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


@jobs_cli.command("reorder-check")
def reorder_check_command() -> None:
    """Record which items went below (or back above) their reorder point, in every organization; hourly-safe."""
    import click

    from ..services.control_tower.reorder_check import check_reorder_points

    result = check_reorder_points()
    click.echo(f"Checked {result.organizations} organization(s): {result.below} item(s) at or below their reorder "
               f"point; {result.opened} newly below, {result.closed} back above.")
    if result.failed:
        click.echo(f"Failed for organization(s): {', '.join(map(str, result.failed))} (see the log).", err=True)
        raise SystemExit(1)


@jobs_cli.command("expire-lots")
def expire_lots_command() -> None:
    """Write off what is left in every expired lot, in every organization; safe to run again."""
    import click

    from ..services.inventory.expire_job import expire_lots

    result = expire_lots()
    click.echo(f"Disposed {result.disposed} expired lot(s) in {result.organizations} organization(s).")
    if result.failed:
        click.echo(f"Failed for organization(s): {', '.join(map(str, result.failed))} (see the log).", err=True)
        raise SystemExit(1)


@jobs_cli.command("send-digest")
def send_digest_command() -> None:
    """Mail the daily/weekly digest to owners and members who opted in, where it is due; hourly-safe."""
    import click

    from ..services.notifications import send_digests

    result = send_digests()
    click.echo(f"Digest: {result.sent} sent, {result.already_sent} already sent this period, "
               f"{result.nothing_to_say} with nothing to say, in {result.organizations} organization(s) due.")
    if result.failed:
        click.echo(f"Failed for organization(s): {', '.join(map(str, result.failed))} (see the log).", err=True)
        raise SystemExit(1)


@jobs_cli.command("send-alerts")
def send_alerts_command() -> None:
    """Mail newly opened alerts to the owners and managers who chose their type; run every 15 minutes."""
    import click

    from ..services.notifications import send_alert_mails

    result = send_alert_mails()
    click.echo(f"Alerts: {result.alerts} new alert(s) in {result.organizations} organization(s); "
               f"{result.mails} e-mail(s) sent.")
    if result.failed:
        click.echo(f"Failed for organization(s): {', '.join(map(str, result.failed))} (see the log).", err=True)
        raise SystemExit(1)


def register(app: Flask) -> None:
    """Register the `flask jobs …` commands (cron-able)."""
    app.cli.add_command(jobs_cli)
