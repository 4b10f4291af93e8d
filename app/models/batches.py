"""Production batches: what was consumed (lot by lot), what came out, and the timeline."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TenantMixin, TimestampMixin
from .types import Money, Quantity, UnitCost, UTCDateTime, utcnow

BATCH_STATUSES = ("in_progress", "completed", "failed", "cancelled")


class Batch(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "batches"
    __label__ = "Batch"
    __table_args__ = (UniqueConstraint("organization_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id"), index=True)
    recipe_version_id: Mapped[int] = mapped_column(ForeignKey("recipe_versions.id"), index=True)
    recipe_version: Mapped[int] = mapped_column(Integer)
    scale: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    planned_yield: Mapped[Decimal] = mapped_column(Quantity)
    yield_unit: Mapped[str] = mapped_column(String(40))
    yield_quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # actual, at finish
    waste_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    yield_variance: Mapped[Decimal | None] = mapped_column(Quantity)  # actual − planned
    input_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    container_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    loss_cost: Mapped[Decimal | None] = mapped_column(Money)  # failed batches
    # Full cost, frozen at finish, fail or cancel (null while in progress: estimated on read).
    labour_minutes: Mapped[Decimal | None] = mapped_column(Quantity)
    labour_cost: Mapped[Decimal | None] = mapped_column(Money)
    overhead_cost: Mapped[Decimal | None] = mapped_column(Money)
    total_cost: Mapped[Decimal | None] = mapped_column(Money)  # materials (input + containers) + labour + overhead
    notes: Mapped[str] = mapped_column(Text, default="")
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Loaded on access: a batch row is read far more often (lists, traces, refreshes) than its rows are used.
    consumption: Mapped[list["BatchConsumption"]] = relationship(
        order_by="BatchConsumption.id", lazy="select", viewonly=True)
    outputs: Mapped[list["BatchOutput"]] = relationship(order_by="BatchOutput.id", lazy="select", viewonly=True)

    @property
    def materials_cost(self) -> Decimal:
        """Everything the batch consumed, as stored: ingredients at start plus containers at finish."""
        return self.input_cost + (self.container_cost or 0)


class BatchConsumption(TenantMixin, db.Model):
    """One lot consumed by a batch (one ledger event): quantity in the item's unit, at that lot's cost."""

    __tablename__ = "batch_consumptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("inventory_events.id"))
    kind: Mapped[str] = mapped_column(String(20), default="recipe")  # recipe | extra | substitution | container
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)
    cost: Mapped[Decimal] = mapped_column(Money)
    credited_event_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_events.id"))  # on cancel


class BatchOutput(TenantMixin, db.Model):
    """A lot a finished batch produced."""

    __tablename__ = "batch_outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("inventory_lots.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)


class BatchTimer(TenantMixin, db.Model):
    __tablename__ = "batch_timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # planned (e.g. cure in mold 48 h)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BatchLogEntry(TenantMixin, db.Model):
    """The batch timeline: started, notes, extras, substitutions, timers, finished/failed/cancelled."""

    __tablename__ = "batch_log_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
