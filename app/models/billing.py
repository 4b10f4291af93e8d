"""Stripe webhook events received, one row per event id (idempotency and an audit of billing changes)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

# processed: applied · stale: older than the last event applied · ignored: nothing to do ·
# unmatched: no organization found · failed: processing raised; Stripe's retry reprocesses it.
BILLING_EVENT_STATUSES = ("processed", "stale", "ignored", "unmatched", "failed")


class BillingEvent(db.Model):
    """A Stripe event seen by the webhook. Not tenant data: events for unknown customers have no organization."""

    __tablename__ = "billing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    created: Mapped[int] = mapped_column(BigInteger)  # Stripe's event `created` (Unix seconds)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<BillingEvent {self.stripe_event_id} {self.type} {self.status}>"


class WhopEvent(db.Model):
    """A Whop webhook delivery seen (Standard Webhooks `webhook-id`): idempotency, ordering and an audit.

    `kind` is "membership" or "payment"; `event_at` is the body's `timestamp` in Unix milliseconds; the
    last processed event of a kind for a membership decides whether a later delivery is stale."""

    __tablename__ = "whop_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="")
    membership_id: Mapped[str | None] = mapped_column(String(255), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    event_at: Mapped[int] = mapped_column(BigInteger, default=0)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<WhopEvent {self.webhook_id} {self.type} {self.status}>"
