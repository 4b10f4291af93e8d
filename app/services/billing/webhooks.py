"""Stripe webhooks: verified, applied exactly once and in order; a failure is recorded so Stripe's retry
applies it."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import BillingEvent, Organization, SubscriptionTier
from ...models.types import utcnow
from ..base import transaction, unit_of_work
from ..errors import DomainError
from ..reference import get_tier

log = logging.getLogger("batchtrack.billing")

HANDLED_EVENTS = (
    "checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "invoice.payment_succeeded", "invoice.payment_failed",
)


class WebhookRejected(DomainError):
    """Missing or bad signature, or a payload that is not a Stripe event: answered 400, nothing recorded."""

    status = 400
    code = "invalid_webhook"


class WebhookFailed(DomainError):
    """Processing raised; the event is recorded as failed so Stripe's retry processes it again."""

    status = 500
    code = "webhook_failed"


def verify_webhook(payload: bytes, signature: str | None) -> dict:
    """The event dict if the Stripe-Signature header is valid for STRIPE_WEBHOOK_SECRET, else WebhookRejected."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookRejected("Webhook signing secret is not configured.")
    if not signature:
        raise WebhookRejected("Missing Stripe-Signature header.")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise WebhookRejected("Invalid signature.") from None
    except ValueError:
        raise WebhookRejected("The payload is not valid JSON.") from None
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("The payload is not a Stripe event.")
    if not isinstance((event.get("data") or {}).get("object"), dict):
        raise WebhookRejected("The event has no data.object.")
    return event


def receive_webhook(payload: bytes, signature: str | None) -> dict:
    """Verify and process one webhook delivery; returns {"event_id", "status"} (duplicates: "duplicate")."""
    return process_event(verify_webhook(payload, signature))


def process_event(event: dict) -> dict:
    """Apply a verified event exactly once; a failure is recorded (status failed) and can be retried."""
    event_id = str(event["id"])
    try:
        with transaction():
            record = db.session.scalar(
                select(BillingEvent).where(BillingEvent.stripe_event_id == event_id).with_for_update())
            if record is not None and record.status != "failed":
                return {"event_id": event_id, "status": "duplicate"}
            if record is None:
                record = BillingEvent(stripe_event_id=event_id, type=str(event["type"])[:80],
                                      created=_int(event.get("created")), status="failed")
                db.session.add(record)
                db.session.flush()  # a concurrent delivery of the same id fails here (unique)
            status, org, note = _apply(event)
            record.status, record.error = status, note
            record.organization_id = org.id if org is not None else None
            record.processed_at = utcnow()
            return {"event_id": event_id, "status": status}
    except IntegrityError:
        db.session.rollback()
        return {"event_id": event_id, "status": "duplicate"}
    except Exception as exc:
        log.exception("Stripe event %s (%s) failed", event_id, event.get("type"))
        _record_failure(event, exc)
        raise WebhookFailed("Processing failed; Stripe will retry.") from None


@unit_of_work
def _record_failure(event: dict, exc: Exception) -> None:
    event_id = str(event["id"])
    record = db.session.scalar(select(BillingEvent).where(BillingEvent.stripe_event_id == event_id))
    if record is None:
        record = BillingEvent(stripe_event_id=event_id, type=str(event.get("type"))[:80],
                              created=_int(event.get("created")))
        db.session.add(record)
    record.status, record.error, record.processed_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], utcnow()


def _apply(event: dict) -> tuple[str, Organization | None, str]:
    etype, obj, created = event["type"], event["data"]["object"], _int(event.get("created"))
    if etype not in HANDLED_EVENTS:
        return "ignored", None, f"Event type {etype} is not handled."
    org = _find_org(obj)
    if org is None:
        return "unmatched", None, "No organization matches this event's metadata, reference or customer."
    if org.subscription_event_at is not None and created < org.subscription_event_at:
        return "stale", org, f"Older than the last applied event (created {org.subscription_event_at})."
    subscription_id = _subscription_id(etype, obj)
    if (subscription_id and org.stripe_subscription_id and subscription_id != org.stripe_subscription_id
            and not _may_replace_subscription(etype, obj)):
        return "ignored", org, f"Subscription {subscription_id} is not the organization's current subscription."
    status, note = _HANDLERS[etype](org, obj)
    if status == "processed":
        org.subscription_event_at = max(org.subscription_event_at or 0, created)
    return status, org, note


def _may_replace_subscription(etype: str, obj: dict) -> bool:
    """A new checkout or a live new subscription takes over; events about an old one do not touch the org."""
    if etype == "checkout.session.completed":
        return True
    return etype.startswith("customer.subscription.") and obj.get("status") in ("active", "trialing", "past_due") \
        and etype != "customer.subscription.deleted"


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _find_org(obj: dict) -> Organization | None:
    """By metadata.organization_id, else client_reference_id, else the stored customer id (row locked)."""
    candidates = []
    for metadata in _metadata_sources(obj):
        if metadata.get("organization_id"):
            candidates.append(metadata["organization_id"])
    if obj.get("client_reference_id"):
        candidates.append(obj["client_reference_id"])
    for candidate in candidates:
        try:
            org_id = int(str(candidate).strip())
        except (TypeError, ValueError):
            continue
        org = _locked(select(Organization).where(Organization.id == org_id))
        if org is not None:
            return org
    customer = _id_of(obj.get("customer"))
    if obj.get("object") == "customer":
        customer = obj.get("id")
    if customer:
        return _locked(select(Organization).where(Organization.stripe_customer_id == customer).limit(1))
    return None


def _locked(stmt) -> Organization | None:
    stmt = stmt.with_for_update(of=Organization).execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def _metadata_sources(obj: dict) -> list[dict]:
    sources = [obj.get("metadata")]
    sources.append((obj.get("subscription_details") or {}).get("metadata"))
    parent = obj.get("parent") or {}
    sources.append((parent.get("subscription_details") or {}).get("metadata"))
    if isinstance(obj.get("subscription"), dict):
        sources.append(obj["subscription"].get("metadata"))
    return [s for s in sources if isinstance(s, dict)]


def _id_of(value) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _subscription_id(etype: str, obj: dict) -> str | None:
    if etype.startswith("customer.subscription."):
        return obj.get("id")
    if etype.startswith("invoice."):
        return _id_of(obj.get("subscription")) or _id_of(
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription"))
    return _id_of(obj.get("subscription"))


def _tier_from_subscription(sub: dict) -> SubscriptionTier | None:
    key = (sub.get("metadata") or {}).get("tier")
    if key:
        tier = get_tier(str(key))
        if tier is not None:
            return tier
    items = ((sub.get("items") or {}).get("data") or [])
    lookup_key = ((items[0].get("price") or {}).get("lookup_key") if items else None)
    if lookup_key:
        return db.session.scalar(select(SubscriptionTier).where(SubscriptionTier.price_lookup_key == lookup_key))
    return None


def _period_end(obj: dict) -> datetime | None:
    end = obj.get("current_period_end")
    if not end:
        items = ((obj.get("items") or {}).get("data") or [])
        end = items[0].get("current_period_end") if items else None
    if not end and obj.get("object") == "invoice":
        lines = ((obj.get("lines") or {}).get("data") or [])
        end = ((lines[0].get("period") or {}).get("end")) if lines else None
    return datetime.fromtimestamp(int(end), tz=timezone.utc) if end else None


def _open_grace(org) -> None:
    """past_due with a grace deadline; a repeated failure keeps the first deadline."""
    org.billing_status = "past_due"
    if org.grace_until is None:
        org.grace_until = utcnow() + timedelta(days=int(current_app.config.get("BILLING_GRACE_DAYS", 7)))


def _downgrade(org) -> None:
    org.tier = get_tier("free")
    org.billing_status = "canceled"
    org.grace_until = None
    org.current_period_end = None


def _on_checkout_completed(org, session: dict) -> tuple[str, str]:
    org.stripe_customer_id = _id_of(session.get("customer")) or org.stripe_customer_id
    org.stripe_subscription_id = _id_of(session.get("subscription")) or org.stripe_subscription_id
    note = ""
    key = (session.get("metadata") or {}).get("tier")
    tier = get_tier(str(key)) if key else None
    if tier is not None:
        org.tier = tier
    else:
        note = f"No known tier in metadata ({key!r}); tier unchanged."
    org.billing_status = "active"
    org.grace_until = None
    return "processed", note


def _on_subscription_changed(org, sub: dict) -> tuple[str, str]:
    status = sub.get("status")
    org.stripe_customer_id = _id_of(sub.get("customer")) or org.stripe_customer_id
    if status in ("canceled", "unpaid", "incomplete_expired"):
        _downgrade(org)
        return "processed", ""
    if status not in ("active", "trialing", "past_due"):
        return "ignored", f"Subscription status {status!r} changes nothing."
    org.stripe_subscription_id = sub.get("id") or org.stripe_subscription_id
    tier = _tier_from_subscription(sub)
    if tier is not None:
        org.tier = tier
    org.current_period_end = _period_end(sub) or org.current_period_end
    if status == "past_due":
        _open_grace(org)
    else:
        org.billing_status = status
        org.grace_until = None
    return "processed", "" if tier is not None else "Tier not recognized; unchanged."


def _on_subscription_deleted(org, sub: dict) -> tuple[str, str]:
    _downgrade(org)
    return "processed", ""


def _on_payment_failed(org, invoice: dict) -> tuple[str, str]:
    _open_grace(org)
    return "processed", ""


def _on_payment_succeeded(org, invoice: dict) -> tuple[str, str]:
    org.billing_status = "active"
    org.grace_until = None
    org.current_period_end = _period_end(invoice) or org.current_period_end
    return "processed", ""


_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription_changed,
    "customer.subscription.updated": _on_subscription_changed,
    "customer.subscription.deleted": _on_subscription_deleted,
    "invoice.payment_failed": _on_payment_failed,
    "invoice.payment_succeeded": _on_payment_succeeded,
}
