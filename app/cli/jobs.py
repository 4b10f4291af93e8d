"""Scheduled jobs (run from cron or a PaaS scheduler): flask jobs <name>."""
from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")

# Domains add their jobs here: (name, click command function)


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
