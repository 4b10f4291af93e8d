"""The job rows: the only code that writes `background_jobs`. Reads are scoped to the organization; a member
sees every job of the organization with reports.view, else only the jobs they started."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from ...extensions import db
from ...models import BackgroundJob, User
from ...models.types import utcnow
from .. import tenancy
from ..authz import authorize
from ..base import in_transaction, transaction
from ..errors import InvalidState, NotFound, PermissionDenied, ReadOnly
from ..pagination import Page, paginate
from .registry import Handler, get_handler

MAX_ERROR = 2000  # characters of an error message kept on the row
MAX_TITLE = 200


def params_of(job: BackgroundJob) -> dict:
    """The job's params as a dict."""
    return _loads(job.params) or {}


def result_of(job: BackgroundJob) -> dict:
    """The job's result as a dict ({} before it finished)."""
    return _loads(job.result) or {}


def _loads(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# ---- reading --------------------------------------------------------------------------------------------

def _sees_all(org, actor) -> bool:
    """May the actor see every job of the organization (reports.view), or only their own?"""
    if actor is None or not getattr(actor, "active", False):
        raise PermissionDenied("You need to sign in with an active account.")
    try:
        authorize(actor, org, "reports.view")
    except PermissionDenied:
        return False
    return True


def get(org, actor, job_id) -> BackgroundJob:
    """One job of the organization the actor may see; another organization's (or a hidden) job is NotFound."""
    sees_all = _sees_all(org, actor)
    job = tenancy.get_for_org(BackgroundJob, job_id, org, label="Job")
    if not sees_all and job.created_by_id != actor.id:
        raise NotFound(f"Job {job.id} not found.")
    return job


def _visible(org, actor):
    stmt = tenancy.scoped(BackgroundJob, org)
    if not _sees_all(org, actor):
        stmt = stmt.where(BackgroundJob.created_by_id == actor.id)
    return stmt


def list_jobs(org, actor, page=1, per_page=25) -> Page:
    """The organization's jobs the actor may see, newest first, a page at a time."""
    stmt = _visible(org, actor)
    count = stmt.with_only_columns(func.count(BackgroundJob.id)).order_by(None)
    return paginate(stmt.order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc()), count, page, per_page)


def creator_names(job_list) -> dict[int, str]:
    """{user id: name (or email)} of the people who started these jobs, in one query."""
    ids = {job.created_by_id for job in job_list if job.created_by_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(sorted(ids))))
    return {user_id: (name or email) for user_id, name, email in rows}


def download(org, actor, job_id) -> dict:
    """The file a finished job made: {"filename", "content_type", "text"}; NotFound when it made none.
    Needs the job's own permission too (an export's file needs reports.export)."""
    job = get(org, actor, job_id)
    file = result_of(job).get("download") if job.status == "succeeded" else None
    if not isinstance(file, dict) or "text" not in file:
        raise NotFound(f"Job {job.id} has no file to download.")
    permission = get_handler(job.kind).permission_for(params_of(job))
    if permission:
        authorize(actor, org, permission)
    return {"filename": str(file.get("filename") or f"job-{job.id}.txt"),
            "content_type": str(file.get("content_type") or "text/plain"), "text": str(file["text"])}


# ---- starting and retrying --------------------------------------------------------------------------------

def _may_start(org, actor, handler: Handler, params: dict) -> None:
    """Refuse before anything is recorded: developers (read-only), the wrong organization, a role without the
    job's permission, params the handler rejects."""
    if actor is None or not getattr(actor, "active", False):
        raise PermissionDenied("You need to sign in with an active account.")
    if actor.is_developer:
        raise ReadOnly("Developers view organizations read-only; jobs are started from a member's account.")
    if actor.organization_id != org.id:
        raise NotFound("Not found.")
    permission = handler.permission_for(params)
    if permission:
        authorize(actor, org, permission)
    if handler.check is not None:
        handler.check(params)


def record(org, actor, kind: str, params: dict, *, title: str, total: int | None = None) -> BackgroundJob:
    """Check and record a queued job (its own transaction); the caller then dispatches it."""
    if in_transaction():
        raise RuntimeError("Start jobs outside a unit of work: the job row must commit before it runs.")
    handler = get_handler(kind)
    params = dict(params or {})
    _may_start(org, actor, handler, params)
    with transaction():
        job = BackgroundJob(organization_id=org.id, created_by_id=actor.id, kind=kind,
                            title=(title or kind).strip()[:MAX_TITLE] or kind, status="queued", progress=0,
                            total=total, params=json.dumps(params), attempts=1)
        db.session.add(job)
    return job


def requeue(org, actor, job_id) -> BackgroundJob:
    """Put a failed job back in the queue (attempts + 1); the caller dispatches it."""
    if in_transaction():
        raise RuntimeError("Retry jobs outside a unit of work.")
    with transaction():
        job = get(org, actor, job_id)
        _may_start(org, actor, get_handler(job.kind), params_of(job))
        job = tenancy.get_for_org_for_update(BackgroundJob, job.id, org, label="Job")
        if job.status != "failed":
            raise InvalidState(f"Only a failed job can be retried; this one {_status_words(job.status)}.")
        job.status, job.attempts = "queued", job.attempts + 1
        job.error = job.result = None
        job.progress, job.started_at, job.finished_at = 0, None, None
    return job


def _status_words(status: str) -> str:
    return {"queued": "is waiting to run", "running": "is running", "succeeded": "succeeded"}.get(status, status)


# ---- the runner's writes ----------------------------------------------------------------------------------

def begin_run(organization_id: int, job_id: int) -> BackgroundJob | None:
    """queued → running (started_at, progress 0); None when the job is gone or not queued (run already)."""
    with transaction():
        job = tenancy.get_for_org_for_update(BackgroundJob, job_id, organization_id, label="Job")
        if job.status != "queued":
            return None
        job.status, job.started_at, job.progress = "running", utcnow(), 0
    return job


def finish(organization_id: int, job_id: int, *, ok: bool, result: dict | None, error: str | None = None,
           progress: int | None = None, total: int | None = None, now: datetime | None = None,
           drop_params: tuple[str, ...] = ()) -> BackgroundJob:
    """running → succeeded (result, progress; the `drop_params` forgotten) or failed (error, result such as the
    problems found)."""
    with transaction():
        job = tenancy.get_for_org_for_update(BackgroundJob, job_id, organization_id, label="Job")
        if ok and drop_params:
            job.params = json.dumps({k: v for k, v in params_of(job).items() if k not in drop_params})
        job.status = "succeeded" if ok else "failed"
        job.result = json.dumps(result, default=str) if result is not None else None
        job.error = None if ok else (error or "The job failed.")[:MAX_ERROR]
        if total is not None:
            job.total = total
        if ok:
            job.progress = job.total if job.total is not None and progress is None else (progress or 0)
        elif progress is not None:
            job.progress = progress
        job.finished_at = now or utcnow()
    return job


def fail_unfinished(organization_id: int, job_id: int, error: str) -> BackgroundJob:
    """A job that could not be queued (Redis unreachable) or that RQ gave up on (its worker was killed):
    failed, so it can be retried. A job that finished meanwhile is left as it is."""
    with transaction():
        job = tenancy.get_for_org_for_update(BackgroundJob, job_id, organization_id, label="Job")
        if job.status in ("queued", "running"):
            job.status, job.error, job.finished_at = "failed", error[:MAX_ERROR], utcnow()
    return job
