"""RQ plumbing: the "batchtrack" queue in REDIS_URL, the job ids RQ knows our jobs by, live progress kept in the
RQ job's meta (a running import holds its database transaction open, so its progress cannot be committed to the
database it writes), and the worker class that runs jobs inside the app."""
from __future__ import annotations

import logging
import time

from flask import current_app

log = logging.getLogger(__name__)

QUEUE_NAME = "batchtrack"
JOB_TIMEOUT = 30 * 60  # seconds a job may run before RQ stops it (the job is then failed, and can be retried)
RESULT_TTL = 24 * 3600  # RQ's own record of a finished job; ours is the database row
PROGRESS_EVERY = 0.5  # seconds between progress writes to Redis


def use_queue() -> bool:
    """Run jobs on RQ workers? Yes when REDIS_URL is set, unless JOBS_INLINE says to run them in the request."""
    config = current_app.config
    return bool(config.get("REDIS_URL")) and not config.get("JOBS_INLINE")


def connection():
    """One Redis client per app for the queue (RQ pickles job arguments: it needs raw bytes, no decoding)."""
    import redis

    key = "batchtrack_jobs_redis"
    client = current_app.extensions.get(key)
    if client is None:
        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        current_app.extensions[key] = client
    return client


def queue_name() -> str:
    """The queue's name: "batchtrack" (JOBS_QUEUE changes it, e.g. for parallel test runs sharing one Redis)."""
    return current_app.config.get("JOBS_QUEUE") or QUEUE_NAME


def get_queue():
    """The jobs' RQ queue (named by queue_name())."""
    from rq import Queue

    return Queue(queue_name(), connection=connection(), default_timeout=JOB_TIMEOUT)


def rq_id(job) -> str:
    """The id of this attempt of `job` on RQ (a retry is a new RQ job)."""
    return f"batchtrack-job-{job.id}-{job.attempts}"


def enqueue(job) -> None:
    """Queue one attempt of `job` for a worker: runner.run_job(organization_id, job_id)."""
    get_queue().enqueue("app.services.jobs.runner.run_job", job.organization_id, job.id, job_id=rq_id(job),
                        job_timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL, failure_ttl=7 * 24 * 3600,
                        description=f"{job.kind} job {job.id} of organization {job.organization_id}")


def live_progress(job) -> tuple[int, int | None] | None:
    """(done, total) a running job last reported to Redis, or None (not reported yet, or Redis unreachable)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        meta = Job.fetch(rq_id(job), connection=connection()).get_meta(refresh=False)
    except NoSuchJobError:
        return None
    except Exception:  # Redis unreachable: the page shows what the row knows
        log.warning("Could not read the progress of job %s from Redis.", job.id)
        return None
    if "progress" not in meta:
        return None
    return int(meta["progress"]), (int(meta["total"]) if meta.get("total") is not None else None)


LOST_STATES = {"failed", "stopped", "canceled"}  # RQ gave up on the job outside our runner (horse killed, …)


def lost(job) -> bool:
    """Did RQ give up on this queued/running job without our runner recording it (its work horse was killed,
    it was stopped)? False when RQ still has it waiting or running, or Redis cannot tell."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        state = Job.fetch(rq_id(job), connection=connection()).get_status(refresh=False)
    except NoSuchJobError:
        return False
    except Exception:
        log.warning("Could not read the state of job %s from Redis.", job.id)
        return False
    return str(getattr(state, "value", state)) in LOST_STATES


class ProgressReporter:
    """Writes (done, total) into the current RQ job's meta, at most every PROGRESS_EVERY seconds (and always
    the last step), so that reporting every row costs nothing."""

    def __init__(self):
        from rq import get_current_job

        self.rq_job = get_current_job()
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if self.rq_job is None:
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and not (total is not None and done >= total):
            return
        self.last = now
        self.rq_job.meta.update({"progress": int(done), "total": total})
        try:
            self.rq_job.save_meta()
        except Exception:  # progress is a nicety: never fail the job over it
            log.warning("Could not save the progress of RQ job %s.", self.rq_job.id)


def worker_class():
    """rq.Worker that forks a work horse per job inside the app context the `flask jobs worker` command pushed;
    the horse drops the database connections it inherited (they belong to the parent) before it starts."""
    from rq import Worker

    class AppWorker(Worker):
        def main_work_horse(self, job, queue):
            from ...extensions import db

            db.engine.dispose(close=False)
            return super().main_work_horse(job, queue)

    return AppWorker
