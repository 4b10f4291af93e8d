"""Flask CLI command groups (one module per area); they parse, call services, and print."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Register every flask command group on the app."""
    from . import doctor, job_worker, jobs, orgs, seed, users

    for module in (seed, users, orgs, jobs, job_worker, doctor):
        module.register(app)
