"""Background jobs (issue 13): long work started from the web — big imports, large exports, digests — runs on an
RQ worker (queue "batchtrack") when REDIS_URL is set, and inline, in the request, when it is not. A job is a row
in `background_jobs` (written only by this package) that the jobs pages show with its progress, its error and a
Retry button, and its result or file. Handlers register with `@jobs.handler(kind)` (see registry.py) and do
their work through the domain services, for the job's organization and with its creator as the actor.

Interface (docs/SERVICES.md, "jobs"): start, get, list_jobs, retry, status, download, handler,
report_progress.
"""
from __future__ import annotations

import logging

from ...models import BackgroundJob
from . import queue, records, runner
from .records import creator_names, get, list_jobs, params_of, result_of
from .registry import HANDLER_MODULES, HANDLERS, handler
from .runner import JobContext, JobFailed, report_progress

log = logging.getLogger(__name__)

QUEUE_DOWN = "The job queue (Redis) could not be reached, so the job did not start. Retry it in a moment."
WORKER_LOST = "The worker running this job stopped before it finished (it was killed or restarted). Retry it."


def start(org, actor, kind: str, params: dict, *, title: str, total: int | None = None) -> BackgroundJob:
    """Record a job (its own transaction) and run it: on an RQ worker when REDIS_URL is set, else inline right
    away (the caller waits, and the job returned is finished). Refuses (typed errors) before recording anything
    when the actor may not run this kind of job or its params are wrong. Call it outside any unit of work."""
    job = records.record(org, actor, kind, params, title=title, total=total)
    return _dispatch(org, actor, job)


def retry(org, actor, job_id) -> BackgroundJob:
    """Run a failed job again (attempts + 1), queued or inline like start()."""
    job = records.requeue(org, actor, job_id)
    return _dispatch(org, actor, job)


def _dispatch(org, actor, job: BackgroundJob) -> BackgroundJob:
    organization_id, job_id = job.organization_id, job.id
    if queue.use_queue():
        try:
            queue.enqueue(job)
        except Exception:
            log.exception("Could not queue job %s on RQ.", job_id)
            records.fail_unfinished(organization_id, job_id, QUEUE_DOWN)
    else:
        runner.execute(organization_id, job_id)
    return records.get(org, actor, job_id)


def status(org, actor, job_id) -> dict:
    """What the job page polls: {"id", "status", "progress", "total", "percent", "finished", "error"}, with the
    live progress from Redis while the job runs on a worker."""
    job = get(org, actor, job_id)
    done, total = job.progress, job.total
    if not job.finished and queue.use_queue() and queue.lost(job):
        job = records.fail_unfinished(job.organization_id, job.id, WORKER_LOST)
    if job.status == "running" and queue.use_queue():
        live = queue.live_progress(job)
        if live is not None:
            done, total = live[0], live[1] if live[1] is not None else total
    percent = min(100, int(done * 100 / total)) if total else (100 if job.status == "succeeded" else None)
    return {"id": job.id, "status": job.status, "progress": done, "total": total, "percent": percent,
            "finished": job.finished, "error": job.error}


def download(org, actor, job_id) -> dict:
    """The file a finished job made: {"filename", "content_type", "text"} (NotFound when none)."""
    return records.download(org, actor, job_id)


__all__ = ["BackgroundJob", "HANDLERS", "HANDLER_MODULES", "JobContext", "JobFailed", "creator_names", "download", "get",
           "handler", "list_jobs", "params_of", "report_progress", "result_of", "retry", "start", "status"]
