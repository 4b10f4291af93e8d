"""Whop memberships (second billing provider): Standard Webhooks verification, then the same rules as Stripe's
events — applied exactly once (per `webhook-id`), in order per membership and kind, grace → read-only.

An organization is billed by one provider at a time: a Whop activation for an organization with a live Stripe
subscription (active, trialing, past_due or read-only) is recorded and changes nothing; once Whop bills an
organization, only events for its current membership touch it (a new membership takes over only after the
current one was deactivated or when there is none).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Organization, WhopEvent
from ...models.types import utcnow
from ..base import transaction, unit_of_work
from ..reference import get_tier
from .webhooks import WebhookFailed, WebhookRejected, _downgrade, _open_grace

log = logging.getLogger("batchtrack.billing.whop")

TOLERANCE_SECONDS = 5 * 60
MEMBERSHIP_EVENTS = ("membership.activated", "membership.deactivated")
PAYMENT_EVENTS = ("payment.succeeded", "payment.failed")
LIVE_STRIPE_STATUSES = ("active", "trialing", "past_due", "read_only")


def _secret_key(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_` (Standard Webhooks)."""
    raw = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()


def sign_whop(secret: str, webhook_id: str, timestamp: int | str, body: bytes | str) -> str:
    """The `webhook-signature` value Whop sends for this delivery (`v1,<base64>`)."""
    body = body.encode() if isinstance(body, str) else body
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_whop_webhook(payload: bytes, headers, now: float | None = None) -> dict:
    """The event dict when the Standard Webhooks headers are valid for WHOP_WEBHOOK_SECRET, else WebhookRejected."""
    secret = current_app.config.get("WHOP_WEBHOOK_SECRET")
    if not secret:
        raise WebhookRejected("Whop webhook signing secret is not configured.")
    webhook_id = (headers.get("webhook-id") or "").strip()
    timestamp = (headers.get("webhook-timestamp") or "").strip()
    signatures = (headers.get("webhook-signature") or "").strip()
    if not webhook_id or not timestamp or not signatures:
        raise WebhookRejected("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("webhook-timestamp is not a Unix time.") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        raise WebhookRejected("webhook-timestamp is more than 5 minutes from now.")
    expected = sign_whop(secret, webhook_id, timestamp, payload).split(",", 1)[1].encode()
    matched = False
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            matched = True
    if not matched:
        raise WebhookRejected("Invalid signature.")
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookRejected("The payload is not valid JSON.") from None
    if not isinstance(event, dict) or not event.get("type") or not isinstance(event.get("data"), dict):
        raise WebhookRejected("The payload is not a Whop event.")
    event["_webhook_id"] = webhook_id
    return event


def receive_whop_webhook(payload: bytes, headers) -> dict:
    """Verify and process one Whop delivery; returns {"event_id", "status"} (a seen webhook-id: "duplicate")."""
    return process_whop_event(verify_whop_webhook(payload, headers))


def plan_tiers() -> dict[str, str]:
    """WHOP_PLAN_TIERS as {plan_id: tier key} (a dict in config is taken as is)."""
    raw = current_app.config.get("WHOP_PLAN_TIERS") or ""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    pairs = {}
    for part in str(raw).split(","):
        plan, sep, tier = part.strip().rpartition(":")
        if sep and plan.strip() and tier.strip():
            pairs[plan.strip()] = tier.strip()
    return pairs


def process_whop_event(event: dict) -> dict:
    """Apply a verified event exactly once; a failure is recorded (failed) so Whop's retry applies it."""
    webhook_id = str(event["_webhook_id"])
    etype = str(event["type"])
    try:
        with transaction():
            record = db.session.scalar(
                select(WhopEvent).where(WhopEvent.webhook_id == webhook_id).with_for_update())
            if record is not None and record.status != "failed":
                return {"event_id": webhook_id, "status": "duplicate"}
            if record is None:
                record = WhopEvent(webhook_id=webhook_id, type=etype[:80], status="failed")
                db.session.add(record)
                db.session.flush()  # a concurrent delivery of the same id fails here (unique)
            record.kind = _kind(etype)
            record.membership_id = _membership_id(etype, event["data"])
            record.event_at = _event_millis(event.get("timestamp"))
            status, org, note = _apply(event, record)
            record.status, record.error = status, note
            record.organization_id = org.id if org is not None else None
            record.processed_at = utcnow()
            return {"event_id": webhook_id, "status": status}
    except IntegrityError:
        db.session.rollback()
        return {"event_id": webhook_id, "status": "duplicate"}
    except Exception as exc:
        log.exception("Whop event %s (%s) failed", webhook_id, etype)
        _record_failure(webhook_id, etype, exc)
        raise WebhookFailed("Processing failed; Whop will retry.") from None


@unit_of_work
def _record_failure(webhook_id: str, etype: str, exc: Exception) -> None:
    record = db.session.scalar(select(WhopEvent).where(WhopEvent.webhook_id == webhook_id))
    if record is None:
        record = WhopEvent(webhook_id=webhook_id, type=etype[:80])
        db.session.add(record)
    record.status, record.error, record.processed_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], utcnow()


def _kind(etype: str) -> str:
    if etype in MEMBERSHIP_EVENTS:
        return "membership"
    if etype in PAYMENT_EVENTS:
        return "payment"
    return ""


def _id_of(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value).strip() if value not in (None, "") else None


def _membership_id(etype: str, data: dict) -> str | None:
    if etype.startswith("membership."):
        return _id_of(data.get("id"))
    return _id_of(data.get("membership")) or _id_of(data.get("membership_id"))


def _event_millis(value) -> int:
    """The body's `timestamp` (ISO 8601 or Unix seconds/milliseconds) in Unix milliseconds; 0 when missing."""
    if value in (None, ""):
        return 0
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit()):
        number = float(value)
        return int(number if number > 1e11 else number * 1000)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return 0
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def _locked(stmt) -> Organization | None:
    stmt = stmt.with_for_update(of=Organization).execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def _find_org(data: dict, membership_id: str | None) -> Organization | None:
    """By data.metadata.organization_id, else the stored membership id (row locked)."""
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    candidate = metadata.get("organization_id")
    if candidate not in (None, ""):
        try:
            org = _locked(select(Organization).where(Organization.id == int(str(candidate).strip())))
        except (TypeError, ValueError):
            org = None
        if org is not None:
            return org
    if membership_id:
        return _locked(select(Organization).where(Organization.whop_membership_id == membership_id).limit(1))
    return None


def _last_applied(kind: str, membership_id: str, exclude_id: int) -> int | None:
    return db.session.scalar(
        select(func.max(WhopEvent.event_at)).where(
            WhopEvent.kind == kind, WhopEvent.membership_id == membership_id,
            WhopEvent.status == "processed", WhopEvent.id != exclude_id))


def _apply(event: dict, record: WhopEvent) -> tuple[str, Organization | None, str]:
    etype, data = record.type, event["data"]
    if not record.kind:
        return "ignored", None, f"Event type {etype} is not handled."
    membership_id = record.membership_id
    org = _find_org(data, membership_id)
    if org is None:
        return "unmatched", None, "No organization matches this event's metadata or membership."
    if not membership_id:
        return "ignored", org, "The event names no membership."
    last = _last_applied(record.kind, membership_id, record.id)
    if last is not None and record.event_at < last:
        return "stale", org, f"Older than the last applied {record.kind} event of this membership."
    if membership_id != org.whop_membership_id:
        refusal = _refuses_membership(org, etype)
        if refusal:
            return "ignored", org, refusal
    if etype == "membership.activated":
        plan_id = _id_of(data.get("plan")) or _id_of(data.get("plan_id"))
        key = plan_tiers().get(plan_id or "")
        tier = get_tier(key) if key else None
        if tier is None:
            return "ignored", org, f"Plan {plan_id!r} is not in WHOP_PLAN_TIERS (or names an unknown tier)."
        org.whop_membership_id = membership_id
        org.tier = tier
        org.billing_status = "active"
        org.grace_until = None
    elif etype == "membership.deactivated":
        _downgrade(org)
    elif etype == "payment.failed":
        _open_grace(org)
    else:  # payment.succeeded
        org.billing_status = "active"
        org.grace_until = None
    return "processed", org, ""


def _refuses_membership(org: Organization, etype: str) -> str:
    """Why an event about a membership that is not the organization's current one changes nothing ("" = it may)."""
    if etype != "membership.activated":
        return "This membership is not the organization's current Whop membership."
    if org.whop_membership_id and org.billing_status != "canceled":
        return "The organization is billed through another Whop membership."
    if org.stripe_subscription_id and org.billing_status in LIVE_STRIPE_STATUSES:
        return "The organization is billed through Stripe; cancel that subscription before moving to Whop."
    return ""
