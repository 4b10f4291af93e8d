"""Notification preferences (who gets the digest and which alert e-mails) and digest deliveries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import UTCDateTime


class NotificationPreference(TenantMixin, TimestampMixin, db.Model):
    """One member's e-mail choices. `digest` null = the role's default (owners get it, others do not);
    `alert_types` the alert types (models.control_tower.ALERT_TYPES) mailed as they open."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", name="uq_notification_preferences_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[bool | None] = mapped_column(Boolean)
    alert_types: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")


class DigestDelivery(TenantMixin, db.Model):
    """A digest mailed to one member for one period ("2026-11-28" daily, "2026-W48" weekly): the unique
    key makes a second run in the same period send nothing."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", "period", name="uq_digest_deliveries_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
