"""In a real browser at phone width: a job's page polls its JSON status and moves the progress bar, then shows
the finished job with its file; nothing scrolls sideways."""
from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.services.jobs import records
from tests.factories import ensure_inventory_reference_data, make_org, make_user

from .conftest import screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser


def test_the_job_page_polls_its_progress_then_shows_the_file_at_phone_width(live_server, browser):
    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    job = records.record(org, owner, "export", {"name": "items"}, title="Export of items.csv", total=10)
    org_id, job_id = org.id, job.id
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    state = {"json": {"id": job_id, "status": "running", "progress": 4, "total": 10, "percent": 40,
                      "finished": False, "error": None}}

    def status(route):
        # While the test holds the database, answer the polls here; afterwards let them reach the server.
        if state["json"] is None:
            route.continue_()
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(state["json"]))

    try:
        sign_in(page, live_server, "lena@lantern.test")

        page.route(f"**/jobs/{job_id}/status", status)
        page.goto(f"{live_server}/jobs/{job_id}")
        assert page.get_attribute("[data-testid=job-progress]", "max") == "10"
        from playwright.sync_api import expect  # the browser fixture skips when Playwright is missing

        expect(page.locator("[data-job-text]")).to_contain_text("4 of 10 (40%)")  # written by the polling script
        assert page.evaluate("document.querySelector('[data-testid=job-progress]').value") == 4
        assert not sideways_scroll(page, "running job")
        screenshot(page, "job-running-390")

        records.begin_run(org_id, job_id)
        records.finish(org_id, job_id, ok=True, progress=10, total=10, result={
            "name": "items", "rows": 0,
            "download": {"filename": "items-today.csv", "content_type": "text/csv", "text": "id,name\r\n"}})
        db.session.commit()
        state["json"] = None  # the next poll reaches the server: finished → the page reloads
        page.wait_for_selector("[data-testid=job-download]")
        assert "Download items-today.csv" in page.inner_text("[data-testid=job-result]")
        screenshot(page, "job-done-390")
    finally:
        context.close()
