"""Recipes: a header, immutable-once-used versions (yield + lines), variations of a master recipe."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Money, Quantity, UTCDateTime, utcnow

RECIPE_CATEGORIES = ("soap", "candle", "lotion", "cosmetic", "food", "other")
LINE_ROLES = ("ingredient", "container", "packaging", "consumable")
LINE_BASIS = ("batch", "portion")


class Recipe(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "recipes"
    __label__ = "Recipe"
    __table_args__ = (UniqueConstraint("organization_id", "label_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    label_prefix: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20), default="other")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("recipes.id"), index=True)  # master recipe
    variation_name: Mapped[str | None] = mapped_column(String(80))
    output_item_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    instructions: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    superfat_pct: Mapped[Decimal | None] = mapped_column(Quantity)
    water_pct: Mapped[Decimal | None] = mapped_column(Quantity)
    fragrance_load_pct: Mapped[Decimal | None] = mapped_column(Quantity)
    # The craft calculator's inputs this recipe was saved from ({"tool": "soap", "inputs": {...}}).
    calculator_inputs: Mapped[dict | None] = mapped_column(JSON)
    # Full cost (API.md "Batches"): expected labour per batch (not scaled); null rate/overhead = the org's.
    labour_minutes: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"), server_default="0")
    labour_rate: Mapped[Decimal | None] = mapped_column(Money)
    overhead_percent: Mapped[Decimal | None] = mapped_column(Quantity)
    overhead_per_batch: Mapped[Decimal | None] = mapped_column(Money)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RecipeVersion(TenantMixin, TimestampMixin, db.Model):
    """The yield and lines of one version. Locked (never edited again) once a batch used it."""

    __tablename__ = "recipe_versions"
    __label__ = "Recipe version"
    __table_args__ = (UniqueConstraint("organization_id", "recipe_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    yield_quantity: Mapped[Decimal] = mapped_column(Quantity)
    yield_unit: Mapped[str] = mapped_column(String(40))
    portion_count: Mapped[int | None] = mapped_column(Integer)
    portion_name: Mapped[str | None] = mapped_column(String(40))
    # Percentage mode: lines are % of the base (oil) weight, base_quantity in base_unit at scale 1.
    percentage_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    base_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    base_unit: Mapped[str | None] = mapped_column(String(40))
    change_note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["RecipeLine"]] = relationship(
        order_by="RecipeLine.position", lazy="selectin", cascade="all, delete-orphan"
    )


class RecipeLine(TenantMixin, db.Model):
    __tablename__ = "recipe_lines"
    __label__ = "Recipe line"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("recipe_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), default="ingredient")
    basis: Mapped[str] = mapped_column(String(10), default="batch")  # per batch, or per portion
    percent: Mapped[Decimal | None] = mapped_column(Quantity)
    is_base: Mapped[bool] = mapped_column(Boolean, default=False)  # counts toward the oil/base weight
    notes: Mapped[str] = mapped_column(String(255), default="")
