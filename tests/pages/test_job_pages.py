"""Jobs pages (issue 13 point 7): the list with its empty state, a job's progress bar (polling script and a
no-script refresh), its error with Retry, its result and file, and a large export started from Reports."""
from __future__ import annotations

import re
from decimal import Decimal

from app.services import jobs
from app.services.control_tower import export_job
from app.services.jobs import records

from ..factories import make_item, make_supplier
from ..helpers import count_queries, csrf_token

BAD_STOCK = "item,quantity,unit\nNo such oil,5,g\n"


def test_the_jobs_page_has_an_empty_state(client, owner, login):
    login(owner)
    page = client.get("/jobs").get_data(as_text=True)
    assert 'data-testid="empty-jobs"' in page and "No jobs yet." in page


def test_a_page_past_the_last_does_not_say_there_are_no_jobs(client, org, owner, login):
    """/jobs?page=9 with one job: not "No jobs yet." but how many there are, and a link to the first page."""
    jobs.start(org, owner, "import", {"kind": "stock", "csv_text": BAD_STOCK, "filename": "stock.csv"},
               title="Import of stock.csv")
    login(owner)
    page = client.get("/jobs?page=9").get_data(as_text=True)
    assert "No jobs yet." not in page and 'data-testid="past-last-page"' in page
    assert "there is 1 job, on 1 page" in page and 'href="/jobs"' in page


def test_an_export_in_the_background_ends_on_its_page_with_the_file(client, org, owner, login):
    """Does POST /jobs/exports build the CSV (inline without Redis) and offer it on the job's page?"""
    make_supplier(org, name="Bramble Berry")
    login(owner)
    response = client.post("/jobs/exports", data={"name": "suppliers", "csrf_token": csrf_token(client, "/jobs")})
    assert response.status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Export of suppliers.csv" in page and 'data-testid="job-download"' in page
    assert "1 row(s) exported" in page
    assert 'http-equiv="refresh"' not in page and "jobs.js" not in page  # finished: no polling
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="suppliers-')
    assert "Bramble Berry" in download.get_data(as_text=True)
    listing = client.get("/jobs").get_data(as_text=True)
    assert f'data-testid="job-link-{job_id}"' in listing and "owner@juniper.test" in listing  # started by


def test_a_failed_import_shows_its_problems_and_can_be_retried(client, org, owner, login):
    job = jobs.start(org, owner, "import", {"kind": "stock", "csv_text": BAD_STOCK, "filename": "stock.csv"},
                     title="Import of stock.csv")
    login(owner)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-error"' in page and "Nothing was imported" in page
    assert 'data-testid="job-problems"' in page and "No such oil" in page
    assert 'data-testid="job-retry"' in page
    assert 'data-testid="job-progress"' not in page  # no half-full bar beside "Nothing was imported"
    token = csrf_token(client, f"/jobs/{job.id}")
    response = client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "attempt 2" in page and "The job failed again" in page
    assert "Job finished." not in page  # the retry failed too: no success message
    assert client.post(f"/jobs/{job.id}/retry", data={"csrf_token": "nope"}).status_code == 400


def test_a_retry_that_succeeds_says_so(client, org, owner, login):
    """Retry after the cause is fixed: the job's page says it finished, with its result."""
    job = jobs.start(org, owner, "import", {"kind": "stock", "csv_text": BAD_STOCK, "filename": "stock.csv"},
                     title="Import of stock.csv")
    make_item(org, name="No such oil", unit="g")
    login(owner)
    response = client.post(f"/jobs/{job.id}/retry", data={"csrf_token": csrf_token(client, f"/jobs/{job.id}")})
    assert response.status_code == 302
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Job finished." in page and "failed again" not in page and 'data-testid="job-result"' in page
    assert '<a href="/inventory" role="button" data-testid="job-target">Go to inventory</a>' in page


def test_a_digest_job_says_what_it_did(client, org, owner, login):
    """"Send me a digest now" as a job: its page says the digest went to the member, or that there was nothing
    to report (it said only "done")."""
    quiet = jobs.start(org, owner, "digest", {}, title="Digest e-mail")
    make_item(org, name="Shea butter", reorder_point=Decimal("5"))  # an alert: something to say
    sent = jobs.start(org, owner, "digest", {}, title="Digest e-mail")
    login(owner)
    page = client.get(f"/jobs/{quiet.id}").get_data(as_text=True)
    assert f"Nothing to report, so no digest was sent to {owner.email}." in page
    page = client.get(f"/jobs/{sent.id}").get_data(as_text=True)
    assert f"Digest sent to {owner.email}." in page


def test_a_running_job_shows_a_progress_bar_that_polls(client, org, owner, login):
    """A job not finished yet: <progress>, the polling script with its JSON status URL, a no-script refresh."""
    job = records.record(org, owner, "export", {"name": "items"}, title="Export of items.csv", total=40)
    login(owner)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<progress class="job-progress" value="0" max="40"' in page
    assert f'data-job-status-url="/jobs/{job.id}/status"' in page and "js/jobs.js" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert 'data-testid="job-refresh"' in page
    status = client.get(f"/jobs/{job.id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.get_json() == {"id": job.id, "status": "queued", "progress": 0, "total": 40, "percent": 0,
                                 "finished": False, "error": None}
    assert client.get(f"/jobs/{job.id}/download").status_code == 404  # no file yet


def test_another_organizations_job_is_a_404(client, org, owner, other_owner, login):
    job = jobs.start(org, owner, "export", {"name": "items"}, title="Export of items.csv")
    login(other_owner)
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/download"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/jobs")
    assert client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == 404
    assert f"job-link-{job.id}" not in client.get("/jobs").get_data(as_text=True)


def test_a_viewer_cannot_start_an_export(client, viewer, login):
    login(viewer)
    response = client.post("/jobs/exports", data={"name": "items", "csrf_token": csrf_token(client, "/jobs")})
    assert response.status_code == 403


def test_an_unknown_export_is_a_404(client, owner, login):
    login(owner)
    response = client.post("/jobs/exports", data={"name": "passwords", "csrf_token": csrf_token(client, "/jobs")})
    assert response.status_code == 404


def test_the_jobs_list_is_a_fixed_number_of_queries(client, org, owner, login):
    login(owner)
    jobs.start(org, owner, "export", {"name": "items"}, title="One")
    with count_queries() as few:
        client.get("/jobs")
    for n in range(6):
        jobs.start(org, owner, "export", {"name": "items"}, title=f"More {n}")
    with count_queries() as many:
        page = client.get("/jobs").get_data(as_text=True)
    assert many.count == few.count and page.count('data-label="Job"') == 7


def test_reports_offers_large_exports_in_the_background(client, org, owner, login, monkeypatch):
    """Small exports download at once; one over the threshold is a button that starts a job."""
    make_item(org, name="Shea butter")
    make_item(org, name="Cocoa butter")
    monkeypatch.setattr(export_job, "BACKGROUND_ROWS", 1)
    login(owner)
    page = client.get("/reports").get_data(as_text=True)
    assert 'data-testid="export-items-background"' in page and 'data-testid="export-items"' not in page
    assert 'data-testid="export-suppliers"' in page and 'data-testid="export-suppliers-background"' not in page


def test_job_pages_are_phone_ready(client, org, owner, login):
    """The list renders as cards (each cell labelled) and the progress bar takes the full width."""
    jobs.start(org, owner, "export", {"name": "items"}, title="Export of items.csv")
    login(owner)
    page = client.get("/jobs").get_data(as_text=True)
    assert 'class="striped cards"' in page and 'data-label="Status"' in page
    css = client.get("/static/css/jobs.css").get_data(as_text=True)
    assert ".job-progress { width: 100%" in css
