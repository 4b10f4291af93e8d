"""Products → variants → SKUs (each SKU an inventory item of kind `product`), sales with their exact cost
of goods, reservations that hold stock for open orders, and recalls that hold lots and everything
downstream of them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Money, Quantity, UnitCost, UTCDateTime, utcnow

RESERVATION_STATUSES = ("open", "released", "converted", "expired")
RECALL_STATUSES = ("active", "released")


class Product(TenantMixin, TimestampMixin, db.Model):
    """Something a maker sells (e.g. "Lavender Soap"); its SKUs hold the stock."""

    __tablename__ = "products"
    __label__ = "Product"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProductVariant(TenantMixin, TimestampMixin, db.Model):
    """A scent or colour of a product."""

    __tablename__ = "product_variants"
    __label__ = "Variant"
    __table_args__ = (UniqueConstraint("organization_id", "product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))


class Sku(TenantMixin, TimestampMixin, db.Model):
    """A sellable unit (variant × size/container); its stock lives in one inventory item of kind `product`."""

    __tablename__ = "skus"
    __label__ = "SKU"
    __table_args__ = (UniqueConstraint("organization_id", "code"),
                      UniqueConstraint("organization_id", "barcode", name="uq_skus_org_barcode"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"),
                                                   index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), unique=True)
    code: Mapped[str] = mapped_column(String(40))
    size_label: Mapped[str] = mapped_column(String(80), default="")
    container_item_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    retail_price: Mapped[Decimal | None] = mapped_column(Money)
    wholesale_price: Mapped[Decimal | None] = mapped_column(Money)
    # The code on the SKU's packaging (EAN-13, UPC-A…): no spaces, unique per organization (NULL when none).
    barcode: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Sale(TenantMixin, db.Model):
    """One sale of one item: revenue = quantity × unit_price, cogs = Σ consumed lot quantity × lot unit cost,
    margin = revenue − cogs. Returns are recorded beside it (returned_*), never by editing these."""

    __tablename__ = "sales"
    __label__ = "Sale"
    __table_args__ = (Index("ix_sales_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id", ondelete="SET NULL"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # in the item's unit
    unit_price: Mapped[Decimal] = mapped_column(Money)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cogs: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    margin: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    order_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    customer: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    returned_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    returned_revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    returned_cogs: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # No foreign key: reservations.sale_id already points here, and a cycle of FKs buys nothing.
    reservation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consumption: Mapped[list["SaleConsumption"]] = relationship(
        order_by="SaleConsumption.id", lazy="selectin", viewonly=True)


class SaleConsumption(TenantMixin, db.Model):
    """One lot a sale drew from (one ledger event), at that lot's unit cost."""

    __tablename__ = "sale_consumptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("inventory_events.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)
    cost: Mapped[Decimal] = mapped_column(Money)
    returned_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))


class Reservation(TenantMixin, db.Model):
    """Stock held for an open order: lowers `available`, not on-hand, until released, converted or expired."""

    __tablename__ = "reservations"
    __label__ = "Reservation"
    __table_args__ = (Index("ix_reservations_open", "organization_id", "item_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    order_ref: Mapped[str] = mapped_column(String(80), index=True)
    customer: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def effective_status(self, now: datetime) -> str:
        """The status as it reads now: an open reservation past its expiry counts as expired."""
        if self.status == "open" and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.status

    @property
    def current_status(self) -> str:
        """effective_status at this moment (what the API shows)."""
        return self.effective_status(utcnow())


class Recall(TenantMixin, db.Model):
    """A lot and everything downstream of it put on hold in one action."""

    __tablename__ = "recalls"
    __label__ = "Recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RecallLot(TenantMixin, db.Model):
    """A lot a recall put on hold, with the hold it had before any recall (restored on release)."""

    __tablename__ = "recall_lots"
    __table_args__ = (UniqueConstraint("organization_id", "recall_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the recalled lot, 1 = made from it, …
    previous_hold_reason: Mapped[str | None] = mapped_column(String(255))
