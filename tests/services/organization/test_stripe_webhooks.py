"""Stripe webhooks: signature, idempotency, ordering, grace period and read-only, unknown customers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import BillingEvent, Organization
from app.models.types import utcnow
from app.services import organizations
from app.services.billing import effective_billing_status
from app.services.errors import ReadOnly

from ...factories import make_org, make_user
from ...stripe_fake import invoice, make_event, post_event, sign, subscription


def _org(db, org_id) -> Organization:
    db.session.expire_all()
    return db.session.get(Organization, org_id)


def _events(db) -> int:
    return db.session.scalar(select(func.count(BillingEvent.id)))


@pytest.fixture()
def free_org(db):
    org = make_org(name="Birch Candles", tier="free")
    make_user(org, email="owner@birch.test", role="owner")
    return org


def test_bad_or_missing_signature_is_400_with_no_effect(client, db, free_org):
    """Is a webhook with a wrong or missing signature refused with 400 and nothing recorded or changed?"""
    event = make_event("customer.subscription.updated", subscription(free_org.id, tier="enterprise"))
    assert post_event(client, event, secret="whsec_wrong").status_code == 400
    assert post_event(client, event, signature="").status_code == 400
    assert post_event(client, event, signature="t=1,v1=deadbeef").status_code == 400
    stale = sign('{"x": 1}', timestamp=1)  # right secret, wrong payload and far too old
    assert post_event(client, event, signature=stale).status_code == 400
    org = _org(db, free_org.id)
    assert org.tier.key == "free" and org.billing_status == "free"
    assert _events(db) == 0


def test_checkout_completed_sets_tier_customer_and_subscription(client, db, free_org):
    """Does checkout.session.completed store the customer and subscription, set the tier and activate?"""
    session = {"id": "cs_1", "object": "checkout.session", "mode": "subscription",
               "client_reference_id": str(free_org.id), "customer": "cus_A", "subscription": "sub_A",
               "metadata": {"organization_id": str(free_org.id), "tier": "team"}}
    response = post_event(client, make_event("checkout.session.completed", session))
    assert response.status_code == 200 and response.get_json()["status"] == "processed"
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.stripe_customer_id, org.stripe_subscription_id) == (
        "team", "active", "cus_A", "sub_A")


def test_same_event_three_times_has_one_effect(client, db, free_org):
    """Is an event delivered three times applied once (one record, one grace deadline)?"""
    org = _org(db, free_org.id)
    org.stripe_customer_id = "cus_test_1"
    db.session.commit()
    event = make_event("invoice.payment_failed", invoice())
    first = post_event(client, event)
    deadline = _org(db, free_org.id).grace_until
    assert first.status_code == 200 and deadline is not None
    for _ in range(2):
        again = post_event(client, event)
        assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert _events(db) == 1
    assert _org(db, free_org.id).grace_until == deadline


def test_updated_before_created_ends_in_the_right_state(client, db, free_org):
    """When `updated` (newer) arrives before `created` (older), does the newer state win?"""
    created = make_event("customer.subscription.created",
                         subscription(free_org.id, status="trialing", tier="solo"), created=1_700_000_000)
    updated = make_event("customer.subscription.updated",
                         subscription(free_org.id, status="active", tier="team"), created=1_700_000_100)
    assert post_event(client, updated).get_json()["status"] == "processed"
    late = post_event(client, created)
    assert late.status_code == 200 and late.get_json()["status"] == "stale"
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status, org.subscription_event_at) == ("team", "active", 1_700_000_100)
    # an event with the same `created` is not older: it applies
    same_time = make_event("customer.subscription.updated",
                           subscription(free_org.id, status="past_due", tier="team"), created=1_700_000_100)
    assert post_event(client, same_time).get_json()["status"] == "processed"
    assert _org(db, free_org.id).billing_status == "past_due"


def test_tier_from_price_lookup_key_when_metadata_has_none(client, db, free_org):
    """Without metadata.tier, is the tier read from the first item's price lookup key?"""
    sub = subscription(free_org.id, tier=None, lookup_key="batchtrack_enterprise_monthly")
    post_event(client, make_event("customer.subscription.created", sub))
    org = _org(db, free_org.id)
    assert org.tier.key == "enterprise" and org.billing_status == "active"
    assert org.current_period_end is not None


def test_canceled_and_deleted_subscriptions_fall_back_to_free(client, db, free_org):
    """Do unpaid/canceled updates and deletion move the organization to Free, canceled (nothing deleted)?"""
    post_event(client, make_event("customer.subscription.created", subscription(free_org.id, tier="team"),
                                  created=100))
    post_event(client, make_event("customer.subscription.updated",
                                  subscription(free_org.id, status="unpaid", tier="team"), created=200))
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status) == ("free", "canceled")
    post_event(client, make_event("customer.subscription.updated", subscription(free_org.id, tier="team"),
                                  created=300))
    assert _org(db, free_org.id).tier.key == "team"
    post_event(client, make_event("customer.subscription.deleted",
                                  subscription(free_org.id, status="canceled", tier="team"), created=400))
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status) == ("free", "canceled")


def test_grace_period_then_read_only_then_restored_on_payment(app, client, db, api, api_token):
    """Does a failed payment open a grace period, then make the org read-only (402), until a payment succeeds?"""
    org = make_org(name="Grace Soap", tier="team", stripe_customer_id="cus_grace",
                   stripe_subscription_id="sub_grace")
    boss = make_user(org, email="boss@grace.test", role="owner")
    client_api = api(boss)

    post_event(client, make_event("invoice.payment_failed",
                                  invoice(customer="cus_grace", sub_id="sub_grace", new_style=False), created=1000))
    org = _org(db, org.id)
    assert org.billing_status == "past_due"
    expected = utcnow() + timedelta(days=app.config["BILLING_GRACE_DAYS"])
    assert abs((org.grace_until - expected).total_seconds()) < 60
    first_deadline = org.grace_until
    # during grace writes still work, and a repeated failure keeps the first deadline
    organizations.create_role(org, boss, name="During grace", permissions=["inventory.view"])
    post_event(client, make_event("invoice.payment_failed", invoice(customer="cus_grace", sub_id="sub_grace"),
                                  created=2000))
    assert _org(db, org.id).grace_until == first_deadline
    body = client_api.get("/api/v1/organization").get_json()
    assert body["billing_status"] == "past_due" and body["grace_until"].endswith("Z")

    org = _org(db, org.id)
    org.grace_until = utcnow() - timedelta(seconds=1)  # the grace period is over
    db.session.commit()
    assert effective_billing_status(org) == "read_only"
    assert client_api.get("/api/v1/organization").get_json()["billing_status"] == "read_only"
    blocked = client_api.patch("/api/v1/organization", json={"name": "Renamed"})
    assert blocked.status_code == 402 and blocked.get_json()["error"]["code"] == "read_only"
    with pytest.raises(ReadOnly):
        organizations.create_role(org, boss, name="After grace", permissions=["inventory.view"])

    post_event(client, make_event("invoice.payment_succeeded", invoice(customer="cus_grace", sub_id="sub_grace"),
                                  created=3000))
    org = _org(db, org.id)
    assert (org.billing_status, org.grace_until) == ("active", None)
    assert client_api.patch("/api/v1/organization", json={"name": "Renamed"}).status_code == 200
    organizations.create_role(org, boss, name="After payment", permissions=["inventory.view"])


def test_unknown_customer_is_recorded_and_answered_200(client, db):
    """Is an event nobody matches recorded (unmatched) and answered 200?"""
    event = make_event("invoice.payment_failed", invoice(customer="cus_nobody", sub_id="sub_nobody"))
    response = post_event(client, event)
    assert response.status_code == 200 and response.get_json()["status"] == "unmatched"
    record = db.session.scalar(select(BillingEvent))
    assert (record.stripe_event_id, record.status, record.organization_id) == (event["id"], "unmatched", None)


def test_org_found_by_client_reference_then_customer(client, db, free_org):
    """Without metadata, is the org found by client_reference_id, and later by the stored customer id?"""
    session = {"id": "cs_2", "object": "checkout.session", "client_reference_id": str(free_org.id),
               "customer": "cus_ref", "subscription": "sub_ref", "metadata": {"tier": "solo"}}
    post_event(client, make_event("checkout.session.completed", session, created=10))
    post_event(client, make_event("invoice.payment_failed", invoice(customer="cus_ref", sub_id="sub_ref"), created=20))
    org = _org(db, free_org.id)
    assert (org.tier.key, org.billing_status) == ("solo", "past_due")


def test_events_about_an_old_subscription_do_not_downgrade(client, db):
    """Does the deletion of a previous subscription leave the current one alone?"""
    org = make_org(tier="team", stripe_customer_id="cus_x", stripe_subscription_id="sub_new")
    deleted = make_event("customer.subscription.deleted",
                         subscription(org.id, status="canceled", sub_id="sub_old", customer="cus_x"))
    assert post_event(client, deleted).get_json()["status"] == "ignored"
    assert _org(db, org.id).tier.key == "team"


def test_failed_processing_is_recorded_and_a_retry_succeeds(client, db, free_org, monkeypatch):
    """Is an event whose processing raised recorded as failed (500), and does Stripe's retry then apply it?"""
    from app.services.billing import webhooks

    def boom(org, obj):
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(webhooks._HANDLERS, "customer.subscription.updated", boom)
    event = make_event("customer.subscription.updated", subscription(free_org.id, tier="team"))
    assert post_event(client, event).status_code == 500
    record = db.session.scalar(select(BillingEvent))
    assert record.status == "failed" and "database hiccup" in record.error
    assert _org(db, free_org.id).tier.key == "free"

    monkeypatch.undo()
    retry = post_event(client, event)
    assert retry.status_code == 200 and retry.get_json()["status"] == "processed"
    assert _org(db, free_org.id).tier.key == "team"
    assert _events(db) == 1


def test_webhook_needs_no_csrf_or_login(client, db, free_org):
    """Is the webhook reachable without a session or CSRF token (Stripe has neither)?"""
    response = post_event(client, make_event("customer.subscription.updated", subscription(free_org.id)))
    assert response.status_code == 200
