"""Integrations: a connected shop (Shopify) with the webhooks it sent (the audit trail), the orders and order
lines they became (sales, or open problems for the maker), and the AI recipe assistant's request log."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Money, Quantity, UTCDateTime, utcnow

SHOP_PROVIDERS = ("shopify",)
WEBHOOK_STATUSES = ("processed", "duplicate", "ignored", "failed")
ORDER_LINE_STATUSES = ("sold", "problem", "dismissed", "cancelled")
PROBLEM_REASONS = ("unknown_sku", "insufficient_stock")
ASSISTANT_STATUSES = ("ok", "bad_answer", "unavailable")


class ShopConnection(TenantMixin, TimestampMixin, db.Model):
    """A shop whose webhooks this organization receives at /integrations/shopify/webhooks/<public_token>.

    The webhook secret is kept to verify each delivery's HMAC (it cannot be hashed: it is a key)."""

    __tablename__ = "shop_connections"
    __label__ = "Integration"
    __table_args__ = (UniqueConstraint("organization_id", "provider", "shop_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="shopify")
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    webhook_secret: Mapped[str] = mapped_column(String(255))
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ShopWebhook(TenantMixin, db.Model):
    """One delivery the shop sent and what it did (the integration's audit trail). A webhook id with a
    `processed` row is never applied again."""

    __tablename__ = "shop_webhooks"
    __table_args__ = (Index("ix_shop_webhooks_connection_webhook", "connection_id", "webhook_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(60))
    order_ref: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ShopOrder(TenantMixin, db.Model):
    """A shop order that reached us: turned into sales once, never again (whatever the webhook id)."""

    __tablename__ = "shop_orders"
    __table_args__ = (UniqueConstraint("connection_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str] = mapped_column(String(40))  # the shop's order id (a 64-bit number, kept as text)
    name: Mapped[str] = mapped_column(String(80))  # "#1001": the sales' order_ref
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["ShopOrderLine"]] = relationship(order_by="ShopOrderLine.id", lazy="selectin",
                                                        viewonly=True)


class ShopOrderLine(TenantMixin, db.Model):
    """One line item with a SKU: `sold` (its sale), or an open `problem` (unknown SKU, too little stock) the
    maker retries or dismisses; `cancelled` when the order was cancelled before it sold."""

    __tablename__ = "shop_order_lines"
    __table_args__ = (Index("ix_shop_order_lines_status", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True)
    line_item_id: Mapped[str | None] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(30))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[ShopOrder] = relationship(lazy="select", viewonly=True)


class AssistantRequest(TenantMixin, db.Model):
    """One request sent to the AI model: counts toward the monthly quota whatever came back."""

    __tablename__ = "assistant_requests"
    __table_args__ = (Index("ix_assistant_requests_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30), default="recipe_draft")
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="unavailable")
    model: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
