"""Paying: Stripe Checkout for a paid plan and the Stripe customer portal (card, invoices, cancellation)."""
from __future__ import annotations

import logging

import stripe
from flask import current_app

from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, NotFound, ValidationFailed
from ..reference import get_tier

log = logging.getLogger("batchtrack.billing")


def stripe_client() -> stripe.StripeClient:
    """A Stripe client for the configured key; STRIPE_API_BASE points it at a local fake in tests."""
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise InvalidState("Online payments are not configured on this server (STRIPE_SECRET_KEY). "
                           "Contact support to change your plan.")
    base = current_app.config.get("STRIPE_API_BASE")
    options = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(key, max_network_retries=0, **options)


def _provider_error(exc: Exception) -> InvalidState:
    log.warning("Stripe request failed: %s", exc)
    return InvalidState("The payment provider could not be reached or refused the request; nothing was "
                        "charged. Try again in a minute.")


@unit_of_work
def start_checkout(org, actor, tier_key: str, *, success_url: str, cancel_url: str) -> str:
    """A Stripe Checkout session for upgrading to a paid tier; returns the URL to send the owner to."""
    authorize(actor, org, "billing.manage")
    tier = get_tier(tier_key or "")
    if tier is None or not tier.is_public:
        raise NotFound("Unknown plan.")
    if not tier.is_paid:
        raise ValidationFailed("The Free plan needs no checkout.", fields={"tier": "Choose a paid plan."})
    if org.stripe_subscription_id and org.billing_status in ("active", "trialing", "past_due"):
        raise InvalidState("You already have a subscription. Change the plan or card from "
                           "“Manage payment and plan” on the billing page.")
    if getattr(org, "whop_membership_id", None) and org.billing_status in ("active", "trialing", "past_due", "read_only"):
        raise InvalidState("This organization is billed through a Whop membership: one provider at a time. "
                           "Cancel the Whop membership before subscribing here.")
    client = stripe_client()
    metadata = {"organization_id": str(org.id), "tier": tier.key}
    try:
        prices = client.v1.prices.list(params={"lookup_keys": [tier.price_lookup_key], "active": True, "limit": 1})
        if not prices.data:
            raise InvalidState(f"The {tier.name} plan has no price configured with the payment provider yet.")
        if not org.stripe_customer_id:
            customer = client.v1.customers.create(params={
                "email": actor.email, "name": org.name, "metadata": {"organization_id": str(org.id)}})
            org.stripe_customer_id = customer.id
        session = client.v1.checkout.sessions.create(params={
            "mode": "subscription",
            "customer": org.stripe_customer_id,
            "client_reference_id": str(org.id),
            "line_items": [{"price": prices.data[0].id, "quantity": 1}],
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        })
    except stripe.StripeError as exc:
        raise _provider_error(exc) from None
    return session.url


def portal_url(org, actor, *, return_url: str) -> str:
    """A Stripe customer portal link (card, invoices, plan changes, cancellation)."""
    authorize(actor, org, "billing.manage")
    if not org.stripe_customer_id:
        raise InvalidState("There is no payment method on file yet. Choose a paid plan first.")
    try:
        session = stripe_client().v1.billing_portal.sessions.create(
            params={"customer": org.stripe_customer_id, "return_url": return_url})
    except stripe.StripeError as exc:
        raise _provider_error(exc) from None
    return session.url
