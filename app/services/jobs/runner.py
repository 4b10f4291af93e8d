"""Running a job: queued → running → succeeded/failed, the handler doing the work through domain services for
the job's organization and its creator. `run_job` is what the RQ worker calls; `execute` is the same run inline."""
from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import has_app_context

from ...extensions import db
from ...models import Organization, User
from ..errors import DomainError
from . import queue, records
from .registry import get_handler, load_handlers

log = logging.getLogger(__name__)

GENERIC_FAILURE = ("The job stopped on an unexpected error (it was logged). Retry it; if it fails again, "
                   "contact support with the job number.")
_current: ContextVar["JobContext | None"] = ContextVar("batchtrack_current_job", default=None)


class JobFailed(DomainError):
    """A handler's failure with a message for the page and, optionally, a result to keep (e.g. the problems)."""

    status = 422
    code = "job_failed"

    def __init__(self, message: str, *, result: dict | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.result = result


@dataclass
class JobContext:
    """What a handler gets: the organization, the actor (the job's creator), the params, and progress()."""

    job_id: int
    org: Organization
    actor: User
    params: dict
    done: int = 0
    total: int | None = None
    _report: object = field(default=None, repr=False)

    def progress(self, done: int, total: int | None = None) -> None:
        """Report progress: `done` of `total` steps (shown live while on an RQ worker, kept on the row at the end)."""
        self.done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        if self._report is not None:
            self._report(self.done, self.total)


def report_progress(done: int, total: int | None = None) -> None:
    """Report progress of the job running in this context, if any (domain code may call it; outside a job it
    does nothing)."""
    ctx = _current.get()
    if ctx is not None:
        ctx.progress(done, total)


def run_job(organization_id: int, job_id: int) -> str:
    """RQ entry point: run one queued job (the worker's app context, or a new app when there is none)."""
    if has_app_context():
        return execute(organization_id, job_id, live=True)
    from ... import create_app

    with create_app().app_context():
        return execute(organization_id, job_id, live=True)


def execute(organization_id: int, job_id: int, *, live: bool = False) -> str:
    """Run the job once: mark it running, call its handler, record the result or the failure. Returns the final
    status ("skipped" when the job was not waiting to run)."""
    load_handlers()
    job = records.begin_run(organization_id, job_id)
    if job is None:
        return "skipped"
    kind = job.kind
    org = db.session.get(Organization, organization_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    ctx = JobContext(job_id=job.id, org=org, actor=actor, params=records.params_of(job), total=job.total,
                     _report=queue.ProgressReporter() if live else None)
    token = _current.set(ctx)
    try:
        if actor is None:
            raise JobFailed("The person who started this job no longer has an account.")
        found = get_handler(kind)
        result = found.run(ctx)
    except DomainError as error:
        db.session.rollback()
        records.finish(organization_id, job_id, ok=False, error=error.message,
                       result=getattr(error, "result", None) if isinstance(error, JobFailed) else None,
                       progress=ctx.done)
        return "failed"
    except Exception as error:  # any bug or outage fails the job (logged), never the worker
        db.session.rollback()
        if _timed_out(error):
            message = f"The job took longer than {queue.JOB_TIMEOUT // 60} minutes and was stopped."
        else:
            log.exception("Job %s (%s) of organization %s failed.", job_id, kind, organization_id)
            message = GENERIC_FAILURE
        records.finish(organization_id, job_id, ok=False, error=message, result=None, progress=ctx.done)
        return "failed"
    finally:
        _current.reset(token)
    done = ctx.total if ctx.total is not None else ctx.done
    records.finish(organization_id, job_id, ok=True, result=result if isinstance(result, dict) else {},
                   progress=done, total=ctx.total, drop_params=found.drop_on_success)
    return "succeeded"


def _timed_out(error: BaseException) -> bool:
    """Did RQ stop the job for running past its timeout?"""
    try:
        from rq.timeouts import JobTimeoutException
    except ImportError:  # pragma: no cover - rq is a runtime dependency
        return False
    return isinstance(error, JobTimeoutException)
