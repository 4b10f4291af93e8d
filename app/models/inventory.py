"""Inventory: items, lots (FIFO layers), the append-only ledger, suppliers, the global library."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Quantity, UnitCost, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User

ITEM_KINDS = ("ingredient", "container", "packaging", "consumable", "product")


class GlobalItem(TimestampMixin, db.Model):
    """A curated library ingredient/container shared by every organization (reference data)."""

    __tablename__ = "global_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    inci: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default="ingredient")
    default_unit: Mapped[str] = mapped_column(String(40), default="g")
    density: Mapped[Decimal | None] = mapped_column(Quantity)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    sap_naoh: Mapped[Decimal | None] = mapped_column(Quantity)
    sap_koh: Mapped[Decimal | None] = mapped_column(Quantity)
    fatty_acids: Mapped[dict | None] = mapped_column(JSON)
    allergens: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[Decimal | None] = mapped_column(Quantity)
    capacity_unit: Mapped[str | None] = mapped_column(String(40))
    # Soap qualities: iodine value and INS of the oil (SoapCalc's table); the source of the entry's figures.
    iodine: Mapped[Decimal | None] = mapped_column(Quantity)
    ins: Mapped[Decimal | None] = mapped_column(Quantity)
    source: Mapped[str | None] = mapped_column(String(255))


class Supplier(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "suppliers"
    __label__ = "Supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InventoryItem(TenantMixin, TimestampMixin, db.Model):
    """Something a maker stocks. `quantity` always equals Σ lot remaining = Σ ledger quantities."""

    __tablename__ = "inventory_items"
    __label__ = "Item"
    __table_args__ = (UniqueConstraint("organization_id", "sku", name="uq_inventory_items_org_sku"),
                      UniqueConstraint("organization_id", "barcode", name="uq_inventory_items_org_barcode"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="ingredient")
    # The shop's SKU code for this item (shop orders match it exactly after trimming); unique per organization.
    sku: Mapped[str | None] = mapped_column(String(80))
    # A scannable code printed on what is received (a supplier's EAN/UPC…); no spaces, unique per organization.
    barcode: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(40))  # stock unit symbol
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    density: Mapped[Decimal | None] = mapped_column(Quantity)  # g per mL
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity)
    safety_stock: Mapped[Decimal | None] = mapped_column(Quantity)
    # Days from order to delivery; None: the supplier's lead time, else 7 (services.control_tower.reorder).
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    inci_name: Mapped[str | None] = mapped_column(String(255))
    allergens: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[Decimal | None] = mapped_column(Quantity)
    capacity_unit: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Items in a count unit (each, dozen) move in whole stock units unless the maker allows fractions.
    allow_fractions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    global_item_id: Mapped[int | None] = mapped_column(ForeignKey("global_items.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    global_item: Mapped[GlobalItem | None] = relationship(lazy="select")
    supplier: Mapped[Supplier | None] = relationship(lazy="select")


def new_public_token() -> str:
    """An unguessable token for a lot's public page (the QR code on its label): 128 random bits."""
    return secrets.token_urlsafe(16)


class InventoryLot(TenantMixin, TimestampMixin, db.Model):
    """One receipt (or batch output) of an item: a FIFO layer with its own cost and expiry."""

    __tablename__ = "inventory_lots"
    __label__ = "Lot"
    __table_args__ = (
        UniqueConstraint("organization_id", "code"),
        Index("ix_inventory_lots_fifo", "item_id", "received_at", "id"),
        # Lots still holding stock, in consumption order: deductions walk this, never the depleted history.
        Index("ix_inventory_lots_open_fifo", "item_id", "received_at", "id",
              postgresql_where=text("remaining_quantity > 0"), sqlite_where=text("remaining_quantity > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    original_quantity: Mapped[Decimal] = mapped_column(Quantity)
    remaining_quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost, default=Decimal("0"))  # per item unit
    # The unit a restock was entered in when it was not the item's unit ("lb" for an item kept in g): pages
    # show the cost per that unit too. Display only; quantities and unit_cost stay in the item's unit.
    purchase_unit: Mapped[str | None] = mapped_column(String(40))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    supplier_lot_code: Mapped[str | None] = mapped_column(String(80))
    expires_on: Mapped[date | None] = mapped_column(Date)  # expired from the day after (org's time zone)
    # A calendar date in the org's time zone (e.g. soap cure): on hold while the org's today < hold_until,
    # usable ON that date ("cured by 12-26" means usable on 12-26).
    hold_until: Mapped[date | None] = mapped_column(Date)
    hold_reason: Mapped[str | None] = mapped_column(String(255))  # recall hold: until released
    notes: Mapped[str] = mapped_column(Text, default="")
    # The lot's public page is /l/<public_token> (no login): random, never derived from ids or codes.
    public_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    # Where the lot is (models.locations). Every lot the inventory service writes has one; NULL only on rows
    # from before locations existed, which count as the organization's default location.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    # A transfer's destination lot while the stock is on its way: usable nowhere until the transfer is received.
    in_transit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The lot this one was transferred from (same cost, expiry and received date): traceability follows it.
    source_lot_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), index=True)

    item: Mapped[InventoryItem] = relationship(lazy="select")
    supplier: Mapped[Supplier | None] = relationship(lazy="select")

    def status(self, today: date, now: datetime) -> str:
        """active | expired | on_hold | depleted — derived when read, no job needed.

        `today` is the organization's date (services.timezones.org_today)."""
        if self.remaining_quantity <= 0:
            return "depleted"
        if self.hold_reason or (self.hold_until is not None and self.hold_until > today):
            return "on_hold"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "active"


class InventoryEvent(TenantMixin, db.Model):
    """Append-only ledger row: one change to one lot. Never edited; mistakes get a reversing event."""

    __tablename__ = "inventory_events"
    __label__ = "Event"
    __table_args__ = (
        UniqueConstraint("organization_id", "code"),
        Index("ix_inventory_events_item_created", "item_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lots.id", ondelete="CASCADE"), index=True)
    change_type: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # signed, in the item's unit
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitCost)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    sale_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reverses_event_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_events.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[InventoryLot | None] = relationship(lazy="select")
    item: Mapped[InventoryItem] = relationship(lazy="select")
    user: Mapped[User | None] = relationship("User", lazy="select")


class Sequence(TenantMixin, db.Model):
    """Per-organization counters (event codes, lot codes, batch labels per year)."""

    __tablename__ = "sequences"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer, default=0)
