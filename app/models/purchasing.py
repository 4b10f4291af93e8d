"""Purchasing: a supplier's order details per item, purchase orders and their lines."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .inventory import InventoryItem, Supplier
from .mixins import TenantMixin, TimestampMixin
from .types import Quantity, UnitCost, UTCDateTime

PO_STATUSES = ("draft", "sent", "partially_received", "received", "cancelled")
OPEN_PO_STATUSES = ("sent", "partially_received")  # what counts as "on order"


class SupplierItem(TenantMixin, TimestampMixin, db.Model):
    """How one supplier sells one item: their product code, the pack size (in the item's unit) an order is
    rounded up to, and their price per item unit (the default unit cost of a purchase-order line)."""

    __tablename__ = "supplier_items"
    __label__ = "Supplier item"
    __table_args__ = (UniqueConstraint("organization_id", "supplier_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"), index=True)
    supplier_code: Mapped[str] = mapped_column(String(80), default="")
    pack_size: Mapped[Decimal | None] = mapped_column(Quantity)  # item unit
    unit_price: Mapped[Decimal | None] = mapped_column(UnitCost)  # per item unit

    item: Mapped[InventoryItem] = relationship(lazy="select")


class PurchaseOrder(TenantMixin, TimestampMixin, db.Model):
    """An order to one supplier: draft (lines editable) → sent → partially_received → received, or
    cancelled. `number` (PO-2026-0001) is unique per organization."""

    __tablename__ = "purchase_orders"
    __label__ = "Purchase order"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_purchase_orders_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the last open quantity arrived
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    supplier: Mapped[Supplier] = relationship(lazy="select")
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", lazy="selectin", order_by="PurchaseOrderLine.id",
        cascade="all, delete-orphan")


class PurchaseOrderLine(TenantMixin, db.Model):
    """One item on a purchase order: `quantity` and `received_quantity` in the item's unit (`unit`, kept for
    reading), `unit_cost` per item unit — the cost of every lot received against it."""

    __tablename__ = "purchase_order_lines"
    __label__ = "Purchase order line"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(String(40))
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost, default=Decimal("0"))
    received_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines", lazy="select")
    item: Mapped[InventoryItem] = relationship(lazy="select")

    @property
    def open_quantity(self) -> Decimal:
        """What is still to arrive (never negative)."""
        return max(self.quantity - self.received_quantity, Decimal(0))
