"""The Notifications page (the member's digest and alert e-mails, "Send me a digest now") and the digest
setting on the organization settings page; the optional `digest` object of /api/v1/organization."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import NotificationPreference
from app.services import notifications

from ...factories import make_item, make_lot, make_user
from ...helpers import post_form
from ...services.notifications.support import Outbox

URL = "/settings/notifications"


def _something_to_say(org):
    item = make_item(org, name="Shea butter", reorder_point=Decimal("5"))
    make_lot(org, item, "2", "1")


def test_owner_sees_the_digest_on_by_default_and_the_alert_choices(client, org, owner, login):
    login(owner)
    html = client.get(URL).get_data(as_text=True)
    [digest_input] = re.findall(r'<input[^>]*name="digest"[^>]*>', html)
    assert "checked" in digest_input
    for alert_type in ("below_reorder", "stockout", "expiring", "expired", "stuck_batch"):
        assert f'value="{alert_type}"' in html
    assert "every Monday morning" in html and 'data-testid="digest-now"' in html
    assert 'name="viewport"' in client.get(URL).get_data(as_text=True)  # the phone layout of base.html
    assert 'href="/settings/notifications"' in client.get("/settings").get_data(as_text=True)


def test_saving_choices_opt_out_and_alert_types(client, org, owner, login):
    login(owner)
    response = post_form(client, URL, {"alert_types": ["stockout", "expired"]})  # digest unchecked
    assert response.status_code == 302
    prefs = notifications.get_preferences(org, owner)
    assert (prefs.digest, prefs.alert_types) == (False, ["stockout", "expired"])
    html = client.get(URL).get_data(as_text=True)
    assert "Notification settings saved." in html
    [digest_input] = re.findall(r'<input[^>]*name="digest"[^>]*>', html)
    assert "checked" not in digest_input
    assert notifications.digest_recipients(org) == []


def test_a_member_opts_in_but_cannot_choose_alert_mails(client, org, owner, member, login):
    login(member)
    html = client.get(URL).get_data(as_text=True)
    assert 'value="stockout"' not in html and "Owners and managers choose alert e-mails" in html
    assert post_form(client, URL, {"digest": "y"}).status_code == 302
    assert [u.id for u in notifications.digest_recipients(org)] == [owner.id, member.id]
    refused = post_form(client, URL, {"digest": "y", "alert_types": ["stockout"]})
    assert refused.status_code == 422 and "owners and managers" in refused.get_data(as_text=True).lower()
    assert notifications.get_preferences(org, member).alert_types == []


def test_an_unknown_alert_type_is_a_form_error(client, org, owner, login):
    login(owner)
    response = post_form(client, URL, {"digest": "y", "alert_types": ["price_drop"]})
    assert response.status_code == 422
    assert db.session.scalars(select(NotificationPreference)).all() == []


def test_send_me_a_digest_now(client, org, owner, login):
    login(owner)
    with Outbox() as outbox:
        nothing = post_form(client, f"{URL}/digest-now", {}, form_url=URL, follow_redirects=True)
        assert "Nothing to report" in nothing.get_data(as_text=True) and outbox == []
        _something_to_say(org)
        sent = post_form(client, f"{URL}/digest-now", {}, form_url=URL, follow_redirects=True)
    assert f"Digest sent to {owner.email}" in sent.get_data(as_text=True)
    assert [m.recipients for m in outbox] == [[owner.email]]


def test_owners_set_the_digest_frequency_on_the_organization_settings_page(client, org, owner, login):
    login(owner)
    html = client.get("/organization/settings").get_data(as_text=True)
    assert 'data-testid="digest-settings-form"' in html
    ok = post_form(client, "/organization/settings/digest", {"frequency": "weekly", "weekday": "friday"},
                   form_url="/organization/settings")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("#digest")
    db.session.refresh(org)
    assert notifications.digest_setting(org) == {"frequency": "weekly", "weekday": "friday"}
    bad = post_form(client, "/organization/settings/digest", {"frequency": "hourly", "weekday": "friday"},
                    form_url="/organization/settings")
    assert bad.status_code == 422
    db.session.refresh(org)
    assert notifications.digest_setting(org)["frequency"] == "weekly"
    assert "every Friday morning" in client.get(URL).get_data(as_text=True)


def test_a_maker_cannot_change_the_organizations_digest(client, org, owner, member, login):
    login(member)
    response = post_form(client, "/organization/settings/digest", {"frequency": "off", "weekday": "monday"},
                         form_url=URL)
    assert response.status_code == 403
    assert notifications.digest_setting(org)["frequency"] == "weekly"


def test_the_api_reads_and_patches_the_digest(api, org, owner):
    client = api(owner)
    assert client.get("/api/v1/organization").get_json()["digest"] == {"frequency": "weekly", "weekday": "monday"}
    body = client.patch("/api/v1/organization", json={"digest": {"frequency": "daily"}}).get_json()
    assert body["digest"] == {"frequency": "daily", "weekday": "monday"}
    bad = client.patch("/api/v1/organization", json={"name": "Renamed", "digest": {"frequency": "hourly"}})
    assert bad.status_code == 422
    assert client.get("/api/v1/organization").get_json()["name"] != "Renamed"
    viewer = make_user(org, role="viewer")
    assert api(viewer).patch("/api/v1/organization", json={"digest": {"frequency": "off"}}).status_code == 403


def test_digest_now_on_a_queue_goes_to_the_jobs_page_and_the_worker_sends_it(client, org, owner, login, monkeypatch):
    """With RQ in use the button records a "digest" job and shows its page; running it mails the digest."""
    from app.services import jobs
    from app.services.jobs import queue, runner

    _something_to_say(org)
    queued = []
    monkeypatch.setattr(queue, "use_queue", lambda: True)
    monkeypatch.setattr(queue, "enqueue", lambda job: queued.append((job.organization_id, job.id)))
    login(owner)
    response = post_form(client, f"{URL}/digest-now", {}, form_url=URL)
    [(org_id, job_id)] = queued
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job_id}")
    with Outbox() as outbox:
        assert runner.execute(org_id, job_id) == "succeeded"  # what the RQ worker does
    assert [m.recipients for m in outbox] == [[owner.email]]
    job = jobs.get(org, owner, job_id)
    assert (job.kind, jobs.result_of(job)["reason"]) == ("digest", "sent")
