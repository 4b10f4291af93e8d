"""Control tower: stored alerts (a condition's open/closed history and its dismissal)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin
from .types import UTCDateTime

ALERT_TYPES = ("below_reorder", "stockout", "expiring", "expired", "stuck_batch")


class Alert(TenantMixin, db.Model):
    """One spell of one condition (`type` on `key`: "item:5", "lot:12", "batch:3"): open from `opened_at`
    (when the condition started) until `closed_at` (when it ended). Dismissing hides this spell only; the
    next time the condition starts a new row opens."""

    __tablename__ = "alerts"
    __label__ = "Alert"
    __table_args__ = (
        # The open alerts of an organization: what every read and every re-evaluation looks at.
        Index("ix_alerts_open", "organization_id", "type", "key",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lots.id", ondelete="CASCADE"))
    lot_code: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When `flask jobs send-alerts` took this alert up (mailed to whoever chose its type): each alert once.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
