"""Units of measure: seeded global units, organization custom units, item custom unit mappings."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Factor, Quantity

DIMENSIONS = ("weight", "volume", "count", "length")
BASE_UNITS = {"weight": "g", "volume": "mL", "count": "each", "length": "m"}


class Unit(TimestampMixin, db.Model):
    """A unit with its dimension and `factor` = base units per one of this unit.

    organization_id is null for the seeded global units and set for an organization's own units
    ("scoop", "drop of our dropper"). Read through services.units (visible_units: global ∪ the organization's).
    The (organization_id, name) constraint does not stop two global rows of one name (NULLs differ), so a
    partial unique index does.
    """

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index("uq_units_global_name", "name", unique=True, postgresql_where=text("organization_id IS NULL"),
              sqlite_where=text("organization_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))  # the symbol, matched case-insensitively
    label: Mapped[str] = mapped_column(String(80), default="")
    dimension: Mapped[str] = mapped_column(String(10))
    factor: Mapped[Decimal] = mapped_column(Factor)
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)


class ItemUnitMapping(TenantMixin, TimestampMixin, db.Model):
    """An item's own unit: 1 `unit_name` = `quantity` `in_unit` (e.g. 1 bar = 113 g)."""

    __tablename__ = "item_unit_mappings"
    __table_args__ = (UniqueConstraint("organization_id", "item_id", "unit_name"),)
    __label__ = "Unit mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"), index=True)
    unit_name: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    in_unit: Mapped[str] = mapped_column(String(40))
