"""Whop webhooks (Standard Webhooks): signature and timestamp, idempotency per webhook-id, order per membership
and kind, grace → read-only → restored, unknown plans/orgs/memberships, one billing provider at a time."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Organization, WhopEvent
from app.models.types import utcnow

from ...factories import make_org, make_user

SECRET = "whsec_" + base64.b64encode(b"whop-test-signing-key-0123456789").decode()
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _whop_settings(app):
    saved = {k: app.config.get(k) for k in ("WHOP_WEBHOOK_SECRET", "WHOP_PLAN_TIERS")}
    app.config.update(WHOP_WEBHOOK_SECRET=SECRET, WHOP_PLAN_TIERS="plan_team:team, plan_solo:solo")
    yield
    app.config.update(saved)


def whop_sign(webhook_id: str, timestamp: int, body: bytes, secret: str = SECRET) -> str:
    """Standard Webhooks, written out independently of the app's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def event(etype: str, data: dict, ts: int = 1_700_000_000) -> dict:
    return {"id": f"evt_{next(_ids)}", "api_version": "v1", "timestamp": ts, "type": etype, "data": data}


def membership(mem_id: str, org_id: int | None = None, plan: str = "plan_team") -> dict:
    data = {"id": mem_id, "status": "active", "plan": {"id": plan}}
    if org_id is not None:
        data["metadata"] = {"organization_id": str(org_id)}
    return data


def payment(mem_id: str) -> dict:
    return {"id": f"pay_{next(_ids)}", "membership": {"id": mem_id, "status": "active"}}


def post(client, body: dict, *, webhook_id: str | None = None, timestamp: int | None = None,
         signature: str | None = None, secret: str = SECRET):
    raw = json.dumps(body).encode()
    webhook_id = webhook_id or f"msg_{next(_ids)}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    if signature is None:
        signature = "v1,bm90LWl0 " + whop_sign(webhook_id, timestamp, raw, secret)  # a rotated key's entry first
    return client.post("/billing/webhooks/whop", data=raw, content_type="application/json", headers={
        "webhook-id": webhook_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature})


def _org(db, org_id) -> Organization:
    db.session.expire_all()
    return db.session.get(Organization, org_id)


def _recorded(db) -> int:
    return db.session.scalar(select(func.count(WhopEvent.id)))


@pytest.fixture()
def free_org(db):
    org = make_org(name="Willow Wax", tier="free")
    make_user(org, email="owner@willow.test", role="owner")
    return org


def test_bad_signature_or_stale_timestamp_is_400_with_no_effect(client, db, free_org):
    """Are a wrong secret, a missing/garbled signature and a timestamp 6 minutes off refused (400, nothing kept)?"""
    body = event("membership.activated", membership("mem_1", free_org.id))
    assert post(client, body, secret="whsec_" + base64.b64encode(b"another-key").decode()).status_code == 400
    assert post(client, body, signature="").status_code == 400
    assert post(client, body, signature="v1,deadbeef").status_code == 400
    assert post(client, body, timestamp=int(time.time()) - 360).status_code == 400
    assert post(client, body, timestamp=int(time.time()) + 360).status_code == 400
    raw = json.dumps(body).encode()
    tampered = client.post("/billing/webhooks/whop", data=raw + b" ", content_type="application/json", headers={
        "webhook-id": "msg_x", "webhook-timestamp": str(int(time.time())),
        "webhook-signature": whop_sign("msg_x", int(time.time()), raw)})
    assert tampered.status_code == 400
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("free", "free", None)
    assert _recorded(db) == 0


def test_activation_sets_tier_and_shows_in_the_api(client, db, api):
    """Does membership.activated store the membership, map the plan to a tier and show `active` in the API?"""
    org = make_org(name="Willow Wax", tier="free")
    boss = make_user(org, email="boss@willow.test", role="owner")
    response = post(client, event("membership.activated", membership("mem_A", org.id)))
    assert response.status_code == 200 and response.get_json()["status"] == "processed"
    org = _org(db, org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("team", "active", "mem_A")
    body = api(boss).get("/api/v1/organization").get_json()
    assert (body["tier"], body["billing_status"], body["grace_until"]) == ("team", "active", None)


def test_replayed_webhook_id_has_one_effect(client, db, free_org):
    """Is the same webhook-id delivered three times applied once (one record, first grace deadline kept)?"""
    post(client, event("membership.activated", membership("mem_R", free_org.id)))
    failed = event("payment.failed", payment("mem_R"))
    assert post(client, failed, webhook_id="msg_replay").status_code == 200
    deadline = _org(db, free_org.id).grace_until
    assert deadline is not None
    for _ in range(2):
        again = post(client, failed, webhook_id="msg_replay")
        assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert _recorded(db) == 2
    assert _org(db, free_org.id).grace_until == deadline


def test_out_of_order_events_per_membership_and_kind(client, db, free_org):
    """Does an older membership event change nothing after a newer one, while payment events keep their own order?"""
    post(client, event("membership.activated", membership("mem_O", free_org.id), ts=1000))
    post(client, event("membership.deactivated", membership("mem_O"), ts=3000))
    late = post(client, event("membership.activated", membership("mem_O", free_org.id), ts=2000))
    assert late.get_json()["status"] == "stale"
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status) == ("free", "canceled")
    # equal is not older: an activation with the same timestamp applies
    post(client, event("membership.activated", membership("mem_O", free_org.id), ts=3000))
    assert _org(db, free_org.id).billing_status == "active"
    # payments are ordered on their own (an old payment timestamp is fine after a newer membership event)
    assert post(client, event("payment.succeeded", payment("mem_O"), ts=500)).get_json()["status"] == "processed"
    post(client, event("payment.failed", payment("mem_O"), ts=5000))
    older_success = post(client, event("payment.succeeded", payment("mem_O"), ts=4000))
    assert older_success.get_json()["status"] == "stale"
    assert _org(db, free_org.id).billing_status == "past_due"


def test_iso_timestamps_are_ordered_too(client, db, free_org):
    """Are ISO 8601 body timestamps (as Whop sends them) compared in time order?"""
    post(client, event("membership.activated", membership("mem_T", free_org.id), ts="2026-11-20T10:00:00.000Z"))
    post(client, event("membership.deactivated", membership("mem_T"), ts="2026-11-20T12:00:00Z"))
    stale = post(client, event("membership.activated", membership("mem_T", free_org.id), ts="2026-11-20T11:00:00Z"))
    assert stale.get_json()["status"] == "stale"
    assert _org(db, free_org.id).billing_status == "canceled"


def test_grace_then_read_only_402_then_restored(app, client, db, api):
    """Does payment.failed open grace, then read-only (402 on writes), until payment.succeeded restores writing?"""
    org = make_org(name="Grace Wax", tier="free")
    boss = make_user(org, email="boss@gracewax.test", role="owner")
    client_api = api(boss)
    post(client, event("membership.activated", membership("mem_G", org.id), ts=1000))
    post(client, event("payment.failed", payment("mem_G"), ts=2000))
    org = _org(db, org.id)
    assert org.billing_status == "past_due"
    expected = utcnow() + timedelta(days=app.config["BILLING_GRACE_DAYS"])
    assert abs((org.grace_until - expected).total_seconds()) < 60
    first = org.grace_until
    assert client_api.patch("/api/v1/organization", json={"name": "During grace"}).status_code == 200
    post(client, event("payment.failed", payment("mem_G"), ts=3000))
    assert _org(db, org.id).grace_until == first

    org = _org(db, org.id)
    org.grace_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client_api.get("/api/v1/organization").get_json()["billing_status"] == "read_only"
    blocked = client_api.patch("/api/v1/organization", json={"name": "After grace"})
    assert blocked.status_code == 402 and blocked.get_json()["error"]["code"] == "read_only"

    post(client, event("payment.succeeded", payment("mem_G"), ts=4000))
    body = client_api.get("/api/v1/organization").get_json()
    assert (body["billing_status"], body["grace_until"]) == ("active", None)
    assert client_api.patch("/api/v1/organization", json={"name": "Restored"}).status_code == 200


def test_unknown_org_plan_or_membership_is_recorded_with_no_effect(client, db, free_org):
    """Are events for an unknown organization, an unmapped plan or another membership answered 200 and ignored?"""
    assert post(client, event("membership.activated", membership("mem_X", 999_999))).get_json()["status"] == "unmatched"
    assert post(client, event("payment.failed", payment("mem_nobody"))).get_json()["status"] == "unmatched"
    unmapped = post(client, event("membership.activated", membership("mem_P", free_org.id, plan="plan_unknown")))
    assert unmapped.status_code == 200 and unmapped.get_json()["status"] == "ignored"
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("free", "free", None)

    post(client, event("membership.activated", membership("mem_current", free_org.id)))
    other = post(client, event("membership.deactivated", membership("mem_other", free_org.id)))
    assert other.get_json()["status"] == "ignored"
    other_pay = post(client, event("payment.failed", {"id": "pay_z", "membership": {"id": "mem_other"},
                                                      "metadata": {"organization_id": str(free_org.id)}}))
    assert other_pay.get_json()["status"] == "ignored"
    takeover = post(client, event("membership.activated", membership("mem_other", free_org.id, plan="plan_solo")))
    assert takeover.get_json()["status"] == "ignored"
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("team", "active", "mem_current")
    assert _recorded(db) == 7


def test_org_with_live_stripe_subscription_is_not_switched_to_whop(client, db):
    """Is a Whop activation for an org billed by an active Stripe subscription recorded and refused?"""
    org = make_org(name="Stripe Soap", tier="solo", stripe_customer_id="cus_s", stripe_subscription_id="sub_s")
    org.billing_status = "active"
    db.session.commit()
    response = post(client, event("membership.activated", membership("mem_S", org.id, plan="plan_team")))
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    org = _org(db, org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("solo", "active", None)


def test_new_membership_takes_over_after_the_old_one_ended(client, db, free_org):
    """After the current membership is deactivated, does a new membership's activation bill the org?"""
    post(client, event("membership.activated", membership("mem_old", free_org.id)))
    post(client, event("membership.deactivated", membership("mem_old")))
    post(client, event("membership.activated", membership("mem_new", free_org.id, plan="plan_solo")))
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.whop_membership_id) == ("solo", "active", "mem_new")


def test_webhook_needs_no_csrf_or_login_and_unconfigured_secret_refuses(app, client, db, free_org):
    """Is the endpoint public (no CSRF) and does it refuse everything (400) without a configured secret?"""
    assert post(client, event("membership.activated", membership("mem_C", free_org.id))).status_code == 200
    app.config["WHOP_WEBHOOK_SECRET"] = None
    assert post(client, event("membership.deactivated", membership("mem_C"))).status_code == 400
    assert _org(db, free_org.id).billing_status == "active"


def test_stripe_checkout_refused_while_whop_bills_the_org(client, db, free_org):
    """Is a Stripe checkout refused for an organization with a live Whop membership (one provider at a time)?"""
    from app.services import billing
    from app.services.errors import InvalidState

    post(client, event("membership.activated", membership("mem_W", free_org.id)))
    org = _org(db, free_org.id)
    from app.models import User

    boss = db.session.scalar(select(User).where(User.organization_id == org.id))
    with pytest.raises(InvalidState, match="Whop"):
        billing.start_checkout(org, boss, "solo", success_url="http://x/s", cancel_url="http://x/c")


def test_billing_page_shows_whop_billing_and_its_events(client, db, login):
    """Does the billing page say the plan is billed through Whop and list the Whop events received?"""
    org = make_org(name="Page Wax", tier="free")
    boss = make_user(org, email="boss@pagewax.test", role="owner")
    post(client, event("membership.activated", membership("mem_page", org.id)))
    login(boss)
    page = client.get("/billing").get_data(as_text=True)
    assert 'data-testid="billed-by-whop"' in page and "membership.activated" in page
    assert "Compare plans and upgrade" not in page
