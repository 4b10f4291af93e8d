"""`flask jobs worker`: the RQ worker that runs background jobs (imports, exports, digests) from the "batchtrack"
queue in REDIS_URL, inside the app (database, mail, config). Run one or more next to the web servers."""
from __future__ import annotations

import click
from flask import Flask, current_app

from .jobs import jobs_cli


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit (tests, one-off catch-up).")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked one per job.")
def worker_command(burst: bool, simple: bool) -> None:
    """Run background jobs from the "batchtrack" queue (needs REDIS_URL)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline in the web request and "
                                   "no worker is needed.")
    from rq import SimpleWorker

    from ..services.jobs import queue
    from ..services.jobs.registry import load_handlers

    load_handlers()  # every kind known before the first job (and before forking)
    worker_cls = SimpleWorker if simple else queue.worker_class()
    worker = worker_cls([queue.get_queue()], connection=queue.connection())
    worked = worker.work(burst=burst, with_scheduler=False)
    if burst:
        click.echo("Ran the waiting jobs." if worked else "No jobs were waiting.")


def register(app: Flask) -> None:
    """The worker command lives in the `flask jobs` group (registered by app.cli.jobs)."""
