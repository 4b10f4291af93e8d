"""Jobs on a real queue (issue 13 acceptance: "A test runs an import through a real RQ worker against Redis"):
only in the PostgreSQL + Redis run (TEST_REDIS_URL set). Each test process uses its own queue name, so parallel
test workers sharing one Redis never run each other's jobs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import InventoryItem
from app.services import jobs, tenancy
from app.services.jobs import queue, registry

from ...conftest import IS_POSTGRES, TEST_REDIS_URL, _worker_database_url

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (TEST_REDIS_URL): the PostgreSQL + Redis run")

ITEMS = "name,kind,unit\n" + "".join(f"Wax {n},ingredient,g\n" for n in range(40))
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def on_rq(app, monkeypatch):
    """Jobs go to RQ (as with REDIS_URL in production), on a queue of this test process's own."""
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"batchtrack-test-{os.getpid()}")
    rq_queue = queue.get_queue()
    rq_queue.empty()
    yield rq_queue
    rq_queue.empty()


def _burst(rq_queue) -> None:
    from rq import SimpleWorker

    SimpleWorker([rq_queue], connection=queue.connection()).work(burst=True)


def _items(org) -> int:
    db.session.expire_all()
    return db.session.scalar(tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)))


def test_an_import_runs_on_a_real_rq_worker(org, owner, on_rq):
    """start() only queues; a burst worker runs the import; the rows are written and the job succeeded."""
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": ITEMS, "filename": "wax.csv"},
                     title="Import of wax.csv")
    assert job.status == "queued" and on_rq.count == 1 and _items(org) == 0
    assert on_rq.job_ids == [queue.rq_id(job)]
    _burst(on_rq)
    db.session.expire_all()
    job = jobs.get(org, owner, job.id)
    assert job.status == "succeeded", job.error
    assert jobs.result_of(job)["created"] == 40 and _items(org) == 40
    assert (job.progress, job.total) == (40, 40)


def test_a_failed_rq_job_is_retried_on_the_queue(org, owner, on_rq):
    bad = ITEMS + "Broken,ingredient,furlong\n"
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": bad}, title="Import")
    _burst(on_rq)
    db.session.expire_all()
    job = jobs.get(org, owner, job.id)
    assert job.status == "failed" and "furlong" in str(jobs.result_of(job)["errors"]) and _items(org) == 0
    again = jobs.retry(org, owner, job.id)
    assert again.status == "queued" and again.attempts == 2 and on_rq.job_ids == [queue.rq_id(again)]
    _burst(on_rq)
    db.session.expire_all()
    assert jobs.get(org, owner, job.id).status == "failed"  # the same file fails the same way, recorded again


def test_live_progress_comes_from_redis_while_the_job_runs(org, owner, on_rq):
    """A running job's progress is read from the RQ job's meta (the row is only written at start and end)."""
    seen = {}

    def halfway(ctx):
        ctx.progress(2, 4)
        seen["status"] = jobs.status(ctx.org, ctx.actor, ctx.job_id)
        return {}

    registry.handler("test_halfway", permission="reports.view")(halfway)
    try:
        job = jobs.start(org, owner, "test_halfway", {}, title="Halfway")
        _burst(on_rq)
    finally:
        registry.HANDLERS.pop("test_halfway", None)
    assert seen["status"]["status"] == "running"
    assert (seen["status"]["progress"], seen["status"]["total"], seen["status"]["percent"]) == (2, 4, 50)
    db.session.expire_all()
    assert jobs.get(org, owner, job.id).status == "succeeded"


@pytest.mark.skipif(not IS_POSTGRES, reason="the worker process needs a database it can share: PostgreSQL")
def test_the_documented_worker_command_runs_queued_jobs(org, owner, on_rq):
    """`flask --app wsgi jobs worker --burst` (forking a work horse per job) runs a queued import."""
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": ITEMS}, title="Import")
    env = {**os.environ, "FLASK_ENV": "development", "DATABASE_URL": _worker_database_url(),
           "REDIS_URL": TEST_REDIS_URL, "JOBS_QUEUE": on_rq.name, "JOBS_INLINE": ""}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.expire_all()
    job = jobs.get(org, owner, job.id)
    assert job.status == "succeeded", job.error
    assert _items(org) == 40


def test_a_job_its_worker_lost_shows_as_failed_and_can_be_retried(org, owner, on_rq):
    """RQ marks a job failed when its work horse is killed; the job's status then says so, with Retry."""
    from rq.job import Job, JobStatus

    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": ITEMS}, title="Import")
    rq_job = Job.fetch(queue.rq_id(job), connection=queue.connection())
    on_rq.remove(rq_job)
    rq_job.set_status(JobStatus.FAILED)  # what the worker records when the horse dies
    state = jobs.status(org, owner, job.id)
    assert state["status"] == "failed" and state["error"] == jobs.WORKER_LOST
    again = jobs.retry(org, owner, job.id)
    assert again.status == "queued" and again.attempts == 2
    _burst(on_rq)
    db.session.expire_all()
    assert jobs.get(org, owner, job.id).status == "succeeded" and _items(org) == 40
