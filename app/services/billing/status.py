"""Billing status: the plan state the pages and API report, the grace period, the billing page's overview."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import BillingEvent, WhopEvent
from ...models.types import utcnow
from ..authz import authorize, write_block_reason


def effective_billing_status(org, now: datetime | None = None) -> str:
    """The status the API and pages report: suspended and expired grace (read_only) win over the stored one."""
    if org.suspended_at is not None:
        return "suspended"
    if org.billing_status in ("past_due", "read_only") and write_block_reason(org, now):
        return "read_only"
    return org.billing_status


def in_grace(org, now: datetime | None = None) -> bool:
    """A payment failed and the grace period is still running (writes still work)."""
    now = now or utcnow()
    return org.billing_status == "past_due" and org.grace_until is not None and org.grace_until > now


def billing_overview(org, actor) -> dict:
    """What the billing page shows: plan, status, grace deadline, next invoice date, recent events."""
    authorize(actor, org, "billing.view")
    events = list(db.session.scalars(
        select(BillingEvent).where(BillingEvent.organization_id == org.id)
        .order_by(BillingEvent.processed_at.desc()).limit(10)))
    events += list(db.session.scalars(
        select(WhopEvent).where(WhopEvent.organization_id == org.id)
        .order_by(WhopEvent.processed_at.desc()).limit(10)))
    events = sorted(events, key=lambda e: e.processed_at, reverse=True)[:10]
    billed_by_whop = bool(org.whop_membership_id) and org.billing_status != "canceled"
    status = effective_billing_status(org)
    return {"tier": org.tier, "status": status,
            "grace_until": org.grace_until if org.billing_status == "past_due" else None,
            "in_grace": in_grace(org), "next_invoice_at": org.current_period_end,
            "has_subscription": bool(org.stripe_subscription_id), "has_customer": bool(org.stripe_customer_id),
            "billed_by_whop": billed_by_whop, "events": events}
