"""Scheduled jobs (run from cron or a PaaS scheduler): flask jobs <name>."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


def _exit_if_failed(failed: list[int]) -> None:
    """Name the organizations a job failed for (each logged by the job) and exit with status 1, for cron."""
    if failed:
        click.echo(f"Failed for organization(s): {', '.join(map(str, failed))} (see the log).", err=True)
        raise SystemExit(1)


@jobs_cli.command("expire-reservations")
def expire_reservations_command() -> None:
    """Mark open reservations past their expiry as expired, in every organization."""
    from ..services import reservations

    count = reservations.expire_reservations()
    click.echo(f"Expired {count} reservation(s).")


@jobs_cli.command("reorder-check")
def reorder_check_command() -> None:
    """Record which items went below (or back above) their reorder point, in every organization; hourly-safe."""
    from ..services.control_tower.reorder_check import check_reorder_points

    result = check_reorder_points()
    click.echo(f"Checked {result.organizations} organization(s): {result.below} item(s) at or below their reorder "
               f"point; {result.opened} newly below, {result.closed} back above.")
    _exit_if_failed(result.failed)


@jobs_cli.command("prune")
def prune_command() -> None:
    """Delete expired idempotency keys, unconfirmed CSV uploads over a day old and finished jobs over 30 days old."""
    from ..services.housekeeping import prune

    result = prune()
    click.echo(f"Pruned {result.idempotency_keys} idempotency key(s), {result.uploads} upload(s), "
               f"{result.jobs} finished job(s).")


@jobs_cli.command("expire-lots")
def expire_lots_command() -> None:
    """Write off what is left in every expired lot, in every organization; safe to run again."""
    from ..services.inventory.expire_job import expire_lots

    result = expire_lots()
    click.echo(f"Disposed {result.disposed} expired lot(s) in {result.organizations} organization(s).")
    _exit_if_failed(result.failed)


@jobs_cli.command("send-digest")
def send_digest_command() -> None:
    """Mail the daily/weekly digest to owners and members who opted in, where it is due; hourly-safe."""
    from ..services.notifications import send_digests

    result = send_digests()
    click.echo(f"Digest: {result.sent} sent, {result.already_sent} already sent this period, "
               f"{result.nothing_to_say} with nothing to say, in {result.organizations} organization(s) due.")
    _exit_if_failed(result.failed)


@jobs_cli.command("send-alerts")
def send_alerts_command() -> None:
    """Mail newly opened alerts to the owners and managers who chose their type; run every 15 minutes."""
    from ..services.notifications import send_alert_mails

    result = send_alert_mails()
    click.echo(f"Alerts: {result.alerts} new alert(s) in {result.organizations} organization(s); "
               f"{result.mails} e-mail(s) sent.")
    _exit_if_failed(result.failed)


def register(app: Flask) -> None:
    """Register the `flask jobs …` commands (cron-able)."""
    app.cli.add_command(jobs_cli)
