"""Background jobs (issue 13 point 7): inline runs without Redis, failures with their message and a retry,
tenancy, progress, and the import and export handlers."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import BackgroundJob, InventoryItem
from app.services import jobs, tenancy
from app.services.errors import InvalidState, NotFound, PermissionDenied, ReadOnly, ValidationFailed
from app.services.jobs import registry, runner

from ...factories import make_developer, make_user

GOOD_ITEMS = "name,kind,unit\nSoy wax,ingredient,g\nCotton wick,container,each\n"
BAD_ITEMS = "name,kind,unit\nSoy wax,ingredient,furlong\n,ingredient,g\n"


@pytest.fixture()
def flaky():
    """A test-only kind that fails until `state["ok"]` is set, reporting progress as it goes."""
    state = {"ok": False, "calls": 0, "seen": []}

    def run(ctx):
        state["calls"] += 1
        state["seen"].append((ctx.org.id, ctx.actor.id, ctx.params))
        for done in range(1, 4):
            ctx.progress(done, 3)
        if not state["ok"]:
            if state.get("crash"):
                raise RuntimeError("disk on fire")
            raise ValidationFailed("The supplier file is missing.")
        return {"answer": 42}

    registry.handler("test_flaky", permission="reports.view")(run)
    yield state
    registry.HANDLERS.pop("test_flaky", None)


def _item_count(org) -> int:
    return db.session.scalar(tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)))


def test_without_redis_an_import_job_runs_inline_and_writes_every_row(org, owner):
    """Without a queue, does start() run the import at once, as the owner, and record the result?"""
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": GOOD_ITEMS, "filename": "items.csv"},
                     title="Import of items.csv")
    assert job.status == "succeeded" and job.finished
    assert jobs.result_of(job) == {"kind": "items", "created": 2, "rows": 2, "filename": "items.csv"}
    assert job.created_by_id == owner.id and job.attempts == 1
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.progress == 2 and job.total == 2
    assert _item_count(org) == 2
    assert jobs.params_of(job) == {"kind": "items", "filename": "items.csv"}  # the file's text is not kept


def test_a_bad_file_fails_the_job_with_its_problems_and_writes_nothing(org, owner):
    """Does an import with problems fail with the message, keep the problems (row, column) and write nothing?"""
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": BAD_ITEMS, "filename": "bad.csv"},
                     title="Import of bad.csv")
    assert job.status == "failed"
    assert job.error.startswith("Nothing was imported. Row 2, column unit")
    result = jobs.result_of(job)
    assert {(e["row"], e["column"]) for e in result["errors"]} == {(2, "unit"), (3, "name")}
    assert result["problems"] == 2
    assert _item_count(org) == 0
    assert jobs.params_of(job)["csv_text"] == BAD_ITEMS  # kept for Retry


def test_only_the_first_50_problems_are_kept(org, owner):
    rows = "".join(f"Wax {n},ingredient,furlong\n" for n in range(80))
    job = jobs.start(org, owner, "import", {"kind": "items", "csv_text": "name,kind,unit\n" + rows}, title="Big")
    result = jobs.result_of(job)
    assert job.status == "failed" and result["problems"] == 80 and len(result["errors"]) == 50


def test_a_failed_job_can_be_retried_and_then_succeeds(org, owner, flaky):
    """Failure: status failed with the error shown; Retry runs it again (attempts + 1) and records the result."""
    job = jobs.start(org, owner, "test_flaky", {"x": 1}, title="Flaky")
    assert (job.status, job.error, job.attempts) == ("failed", "The supplier file is missing.", 1)
    assert job.progress == 3  # how far it got
    flaky["ok"] = True
    again = jobs.retry(org, owner, job.id)
    assert again.id == job.id
    assert (again.status, again.error, again.attempts) == ("succeeded", None, 2)
    assert jobs.result_of(again) == {"answer": 42}
    assert flaky["seen"] == [(org.id, owner.id, {"x": 1})] * 2  # the creator's org and account, the same params
    with pytest.raises(InvalidState):
        jobs.retry(org, owner, job.id)  # only failed jobs


def test_an_unexpected_error_fails_the_job_with_a_generic_message(org, owner, flaky, caplog):
    flaky["crash"] = True
    job = jobs.start(org, owner, "test_flaky", {}, title="Crashing")
    assert job.status == "failed" and job.error == runner.GENERIC_FAILURE
    assert "disk on fire" not in job.error
    assert any("disk on fire" in (r.exc_text or "") or "disk on fire" in str(r.exc_info) for r in caplog.records)


def test_progress_is_kept_on_the_row_and_in_the_status(org, owner, flaky):
    flaky["ok"] = True
    job = jobs.start(org, owner, "test_flaky", {}, title="Counting")
    assert (job.progress, job.total) == (3, 3)
    status = jobs.status(org, owner, job.id)
    assert status == {"id": job.id, "status": "succeeded", "progress": 3, "total": 3, "percent": 100,
                      "finished": True, "error": None}


def test_report_progress_reaches_the_running_job_only():
    """Outside a job report_progress does nothing; inside it updates the job's context."""
    jobs.report_progress(5, 10)  # no job: nothing happens, nothing fails
    ctx = runner.JobContext(job_id=1, org=None, actor=None, params={})
    token = runner._current.set(ctx)
    try:
        jobs.report_progress(5, 10)
    finally:
        runner._current.reset(token)
    assert (ctx.done, ctx.total) == (5, 10)


def test_another_organizations_job_is_not_found(org, owner, other_org, other_owner):
    job = jobs.start(org, owner, "export", {"name": "items"}, title="Export of items.csv")
    for call in (jobs.get, jobs.status, jobs.retry, jobs.download):
        with pytest.raises(NotFound):
            call(other_org, other_owner, job.id)
        with pytest.raises(NotFound):
            call(org, other_owner, job.id)  # their account, our organization's id
    assert jobs.list_jobs(other_org, other_owner).items == []
    with pytest.raises(NotFound):
        jobs.get(org, owner, "not-a-number")


def test_an_export_job_offers_the_csv(org, owner):
    from tests.factories import make_item

    make_item(org, name="=HYPERLINK(evil)")
    job = jobs.start(org, owner, "export", {"name": "items"}, title="Export of items.csv")
    assert job.status == "succeeded"
    file = jobs.download(org, owner, job.id)
    assert file["content_type"] == "text/csv" and file["filename"].startswith("items-")
    assert file["text"].startswith("id,name,kind") and "'=HYPERLINK(evil)" in file["text"]
    assert jobs.result_of(job)["rows"] == 1


def test_who_may_start_see_and_download_jobs(org, owner, member, viewer):
    """Starting needs the kind's permission; reports.view sees every job, others only their own; the file needs
    the job's permission; developers (view-as) start nothing."""
    with pytest.raises(PermissionDenied):
        jobs.start(org, viewer, "export", {"name": "items"}, title="Viewer export")
    with pytest.raises(PermissionDenied):
        jobs.start(org, member, "import", {"kind": "items", "csv_text": GOOD_ITEMS}, title="Maker import")
    with pytest.raises(ReadOnly):
        jobs.start(org, make_developer(), "export", {"name": "items"}, title="Developer export")
    with pytest.raises(NotFound):
        jobs.start(org, owner, "export", {"name": "passwords"}, title="Nope")
    with pytest.raises(NotFound):
        jobs.start(org, owner, "no_such_kind", {}, title="Nope")
    assert db.session.scalar(tenancy.scoped(BackgroundJob, org, func.count(BackgroundJob.id))) == 0

    exported = jobs.start(org, member, "export", {"name": "items"}, title="Maker export")
    assert [j.id for j in jobs.list_jobs(org, viewer).items] == [exported.id]  # viewers have reports.view
    with pytest.raises(PermissionDenied):
        jobs.download(org, viewer, exported.id)  # but not reports.export
    from app.services import organizations

    packer = organizations.create_role(org, owner, name="Packer", permissions=["inventory.view"])
    outsider = make_user(org, email="packer@juniper.test")
    outsider.role = packer  # a custom role without reports.view
    db.session.commit()
    assert jobs.list_jobs(org, outsider).total == 0
    with pytest.raises(NotFound):
        jobs.get(org, outsider, exported.id)


def test_start_refuses_inside_a_unit_of_work(org, owner):
    from app.services.base import transaction

    with pytest.raises(RuntimeError), transaction():
        jobs.start(org, owner, "export", {"name": "items"}, title="Nested")


def test_params_and_results_are_json_on_the_row(org, owner):
    job = jobs.start(org, owner, "export", {"name": "suppliers"}, title="Export of suppliers.csv")
    assert json.loads(job.params) == {"name": "suppliers"}
    assert json.loads(job.result)["download"]["filename"].startswith("suppliers-")


def test_list_jobs_pages_newest_first(org, owner):
    made = [jobs.start(org, owner, "export", {"name": "suppliers"}, title=f"Export {n}").id for n in range(3)]
    page = jobs.list_jobs(org, owner, page=1, per_page=2)
    assert page.total == 3 and [j.id for j in page.items] == made[::-1][:2] and page.has_next
