"""Checkout through the fake Stripe server, the portal, pricing and billing pages, GET /api/v1/organization."""
from __future__ import annotations

from datetime import timedelta

from app.models.types import utcnow

from ..factories import make_org, make_user
from ..helpers import post_form
from ..stripe_fake import stripe_fake  # noqa: F401  (fixture)


def _org_with(db, tier="team", **fields):
    """make_org, then billing fields the factory does not take (billing_status)."""
    org = make_org(tier=tier)
    for key, value in fields.items():
        setattr(org, key, value)
    db.session.commit()
    return org


def test_checkout_creates_a_session_with_the_right_metadata(client, db, login, stripe_fake):  # noqa: F811
    """Does upgrading create a Checkout session through Stripe with the org id and tier as metadata?"""
    org = make_org(name="Fern Lotions", tier="free")
    boss = make_user(org, email="boss@fern.test", role="owner")
    login(boss)
    response = post_form(client, "/billing/checkout", {"tier": "team"}, form_url="/pricing")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].startswith("https://checkout.stripe.test/")

    prices = stripe_fake.last("/v1/prices")
    assert prices["method"] == "GET" and prices["params"]["lookup_keys"] == ["batchtrack_team_monthly"]
    session = stripe_fake.last("/v1/checkout/sessions")["params"]
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(org.id)
    assert session["metadata"] == {"organization_id": str(org.id), "tier": "team"}
    assert session["subscription_data"]["metadata"] == {"organization_id": str(org.id), "tier": "team"}
    assert session["line_items"] == [{"price": "price_team_test", "quantity": "1"}]
    assert stripe_fake.last("/v1/checkout/sessions")["auth"] == "Bearer sk_test_batchtrack"
    db.session.refresh(org)
    assert org.stripe_customer_id and session["customer"] == org.stripe_customer_id


def test_checkout_failure_is_a_message_not_a_500(client, db, login, stripe_fake):  # noqa: F811
    """If Stripe errors, does the owner get a flash message and nothing changes?"""
    org = make_org(tier="free")
    boss = make_user(org, role="owner")
    login(boss)
    stripe_fake.fail_next = 500
    response = post_form(client, "/billing/checkout", {"tier": "solo"}, form_url="/pricing",
                         follow_redirects=True)
    assert response.status_code == 200
    assert "payment provider" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.tier.key == "free"


def test_portal_link_for_a_customer(client, db, login, stripe_fake):  # noqa: F811
    """Does 'Manage payment' open a customer portal session for the stored customer?"""
    org = make_org(tier="team", stripe_customer_id="cus_portal", stripe_subscription_id="sub_portal")
    boss = make_user(org, role="owner")
    login(boss)
    response = post_form(client, "/billing/portal", {}, form_url="/billing")
    assert response.status_code == 303 and response.headers["Location"].startswith("https://billing.stripe.test/")
    assert stripe_fake.last("/v1/billing_portal/sessions")["params"]["customer"] == "cus_portal"


def test_read_only_owner_can_still_open_the_portal(client, db, login, stripe_fake):  # noqa: F811
    """After the grace period, can the owner still reach billing to pay (billing.* stays open)?"""
    org = _org_with(db, stripe_customer_id="cus_late", billing_status="past_due",
                    grace_until=utcnow() - timedelta(days=1))
    boss = make_user(org, role="owner")
    login(boss)
    page = client.get("/billing")
    assert page.status_code == 200 and "Read-only" in page.get_data(as_text=True)
    response = post_form(client, "/billing/portal", {}, form_url="/billing")
    assert response.status_code == 303


def test_pricing_page_lists_tiers_publicly(client, db):
    """Is /pricing public and does it list every tier with price and user limit?"""
    html = client.get("/pricing").get_data(as_text=True)
    for name in ("Free", "Solo", "Team", "Enterprise"):
        assert f"<h2>{name}</h2>" in html
    assert "$19.00" in html and "Up to 10 users" in html and "Unlimited users" in html
    assert "Custom roles" in html


def test_billing_page_shows_plan_status_and_grace(client, db, login):
    """Does the billing page show the plan, the status and the grace deadline, with a banner for owners?"""
    org = _org_with(db, billing_status="past_due", grace_until=utcnow() + timedelta(days=3),
                    current_period_end=utcnow() + timedelta(days=20))
    boss = make_user(org, role="owner")
    login(boss)
    html = client.get("/billing").get_data(as_text=True)
    assert "Team" in html and "Payment failed" in html and 'data-testid="grace-until"' in html
    assert 'data-testid="grace-banner"' in client.get("/dashboard").get_data(as_text=True)


def test_grace_banner_is_for_owners_only(client, db, login):
    """Do members without billing.manage not see the grace banner?"""
    org = _org_with(db, billing_status="past_due", grace_until=utcnow() + timedelta(days=3))
    maker = make_user(org, role="maker")
    login(maker)
    assert 'data-testid="grace-banner"' not in client.get("/dashboard").get_data(as_text=True)


def test_organization_api_shape(db, api):
    """Does GET /api/v1/organization return exactly the documented fields?"""
    org = make_org(name="Shape Co", tier="solo")
    boss = make_user(org, role="owner")
    make_user(org, role="maker", active=False)
    body = api(boss).get("/api/v1/organization").get_json()
    assert isinstance(body.pop("settings"), dict)  # the control-tower settings (tests/api/control_tower)
    assert isinstance(body.pop("digest"), dict)  # the digest e-mail's frequency (tests/pages/notifications)
    assert body == {"id": org.id, "name": "Shape Co", "tier": "solo", "billing_status": "active",
                    "grace_until": None, "user_count": 1, "user_limit": 2, "timezone": org.timezone}


def test_organization_api_unlimited_and_free(db, api):
    """Is user_limit null on Enterprise, and is a signup-style Free org 'free'?"""
    enterprise = make_org(tier="enterprise")
    assert api(make_user(enterprise, role="viewer")).get("/api/v1/organization").get_json()["user_limit"] is None
    free = make_org(tier="free")
    body = api(make_user(free, role="owner")).get("/api/v1/organization").get_json()
    assert (body["tier"], body["billing_status"], body["user_limit"]) == ("free", "free", 1)


def test_organization_api_needs_a_token(client, db):
    """Is the organization endpoint 401 without a token?"""
    assert client.get("/api/v1/organization").status_code == 401


def test_cli_created_paid_org_is_active(app, db):
    """Is an organization created from the CLI on a paid tier 'active' with no subscription?"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "create", "--name", "CLI Co", "--owner-email", "cli@co.test",
                                 "--password", "a-long-password", "--tier", "team"])
    assert result.exit_code == 0, result.output
    from app.models import Organization
    from app.services.billing import effective_billing_status

    org = db.session.get(Organization, int(result.output.strip().split()[-1]))
    assert effective_billing_status(org) == "active" and org.stripe_subscription_id is None


def test_a_visitor_finds_pricing_and_the_calculators_from_every_public_page(client):
    """Does the signed-out header link Calculators and Pricing (the landing page linked neither plans nor
    prices, and the calculator and pricing pages had no way to each other)?"""
    for path in ("/", "/pricing", "/tools/soap", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-testid="public-pricing"' in html and 'href="/pricing"' in html, path
        assert 'data-testid="public-calculators"' in html and 'href="/tools"' in html, path


def test_pricing_and_landing_say_fifo_in_plain_words(client):
    """Do the first pages a maker reads explain FIFO ('oldest stock used first') instead of leaving the acronym bare?"""
    pricing = client.get("/pricing").get_data(as_text=True)
    assert "oldest stock used first" in pricing and "Inventory in lots with expiry dates, oldest used first" in pricing
    assert "lots, FIFO" not in pricing
    landing = client.get("/").get_data(as_text=True)
    assert "oldest stock first (FIFO)" in landing and "true FIFO costs" not in landing
