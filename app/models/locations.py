"""Stock locations (workshop, warehouse, store, market stall) and transfers of stock between them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Quantity, UTCDateTime

LOCATION_KINDS = ("workshop", "warehouse", "store", "market")
TRANSFER_STATUSES = ("in_transit", "received")


class Location(TenantMixin, TimestampMixin, db.Model):
    """A place that holds stock. Every organization has exactly one default location (created with it)."""

    __tablename__ = "locations"
    __label__ = "Location"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", name="uq_locations_org_name"),
        # At most one default per organization.
        Index("uq_locations_org_default", "organization_id", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="workshop")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Transfer(TenantMixin, TimestampMixin, db.Model):
    """Stock of one item moved between two locations: `received` at once, or `in_transit` until received.
    Its ledger is a transfer_out / transfer_in event pair per source lot (services.inventory.transfers)."""

    __tablename__ = "transfers"
    __label__ = "Transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # in the item's unit
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(String(500), default="")
