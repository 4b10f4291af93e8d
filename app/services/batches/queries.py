"""Batch reads for pages, the API and the dashboard: each takes (org, actor, …) and authorizes (batches.view).

Every query is bounded (a set of ids, a limit, or an aggregate), so a page costs a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, or_

from ...extensions import db
from ...models import (
    Batch,
    BatchConsumption,
    BatchLogEntry,
    BatchOutput,
    BatchTimer,
    InventoryItem,
    InventoryLot,
    Recipe,
    RecipeVersion,
    User,
)
from .. import tenancy
from ..authz import authorize
from ..pagination import Page, paginate
from . import costing
from .common import _consumption_rows

VIEW = "batches.view"
STUCK_AFTER = timedelta(days=3)


def get_batch(org, actor, batch_id) -> Batch:
    """One batch of the organization (another organization's id is NotFound)."""
    authorize(actor, org, VIEW)
    return tenancy.get_for_org(Batch, batch_id, org)


class Consumed(NamedTuple):
    """One lot a batch consumed: the consumption row with its item and lot (unpacks as (row, item, lot))."""

    row: BatchConsumption
    item: InventoryItem
    lot: InventoryLot

    @property
    def item_id(self) -> int:
        return self.row.item_id

    @property
    def lot_code(self) -> str:
        return self.lot.code

    @property
    def quantity(self) -> Decimal:
        return self.row.quantity

    @property
    def unit_cost(self) -> Decimal:
        return self.row.unit_cost

    @property
    def cost(self) -> Decimal:
        """Exactly quantity × that lot's unit cost."""
        return consumption_cost(self.row)

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def returned(self) -> bool:
        """Was it credited back to its lot (a substitution or a cancelled batch)?"""
        return self.row.credited_event_id is not None


@dataclass
class BatchRecord:
    """Everything the batch page and API show, loaded in a fixed number of queries."""

    batch: Batch
    recipe: Recipe
    consumption: list[Consumed]  # (row, item, lot)
    outputs: list  # (row, item, lot)
    timers: list
    log: list  # (entry, user name)
    version: RecipeVersion
    full: object = None  # costing.FullCost: labour, overhead and total (frozen, or the estimate in progress)

    @property
    def labour_minutes(self) -> Decimal:
        return self.full.labour_minutes

    @property
    def labour_cost(self) -> Decimal:
        return self.full.labour_cost

    @property
    def overhead_cost(self) -> Decimal:
        return self.full.overhead_cost

    @property
    def total_cost(self) -> Decimal:
        """input_cost (consumed_cost) + labour + overhead."""
        return self.full.total_cost

    @property
    def timer_minutes(self) -> Decimal | None:
        """Worked minutes the stopped work timers measured (timers with a planned duration, like curing, are
        waiting, not work); None when no such timer was used."""
        spans = [t.stopped_at - t.started_at for t in self.timers
                 if t.stopped_at is not None and t.duration_minutes is None]
        if not spans:
            return None
        return Decimal(int(sum(span.total_seconds() for span in spans) // 60))

    @property
    def output_lots(self) -> list[InventoryLot]:
        """The lots the batch produced, in order."""
        return [lot for _, _, lot in self.outputs]

    @property
    def net_cost(self) -> Decimal:
        """Cost still in the batch (credited consumption excluded)."""
        return sum((row.cost for row, _, _ in self.consumption if row.credited_event_id is None), Decimal(0))

    @property
    def consumed_cost(self) -> Decimal:
        """Everything the batch consumed (ingredients, extras, containers), exactly Σ quantity × lot unit cost.

        The money columns keep 10 places (SQLite: a float), which can round a 6-place quantity times a
        10-place unit cost; the factors are stored exactly. A cancelled batch gave everything back, so
        it reports the cost it had consumed as stored."""
        if self.batch.status == "cancelled":
            return self.batch.materials_cost
        return sum((consumption_cost(row) for row, _, _ in self.consumption if row.credited_event_id is None),
                   Decimal(0))


def consumption_cost(row: BatchConsumption) -> Decimal:
    """One consumption row's cost exactly: quantity × that lot's unit cost."""
    return row.quantity * row.unit_cost


def batch_record(org, actor, batch_id) -> BatchRecord:
    """A batch with its recipe, version, consumption, outputs, timers and timeline (a fixed number of queries)."""
    batch = get_batch(org, actor, batch_id)
    recipe = tenancy.get_for_org(Recipe, batch.recipe_id, org)
    version = tenancy.get_for_org(RecipeVersion, batch.recipe_version_id, org)
    rows = _consumption_rows(org, batch)
    outputs = list(db.session.scalars(tenancy.scoped(BatchOutput, org).where(BatchOutput.batch_id == batch.id)
                                      .order_by(BatchOutput.id)))
    item_ids = {r.item_id for r in rows} | {o.item_id for o in outputs}
    lot_ids = {r.lot_id for r in rows} | {o.lot_id for o in outputs}
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(sorted(item_ids))))} if item_ids else {}
    lots = {l.id: l for l in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                .where(InventoryLot.id.in_(sorted(lot_ids))))} if lot_ids else {}
    timers = list(db.session.scalars(tenancy.scoped(BatchTimer, org).where(BatchTimer.batch_id == batch.id)
                                     .order_by(BatchTimer.started_at)))
    entries = list(db.session.scalars(tenancy.scoped(BatchLogEntry, org).where(BatchLogEntry.batch_id == batch.id)
                                      .order_by(BatchLogEntry.created_at, BatchLogEntry.id)))
    user_ids = {e.user_id for e in entries if e.user_id}
    names = {u.id: u.display_name for u in db.session.scalars(
        db.select(User).where(User.id.in_(sorted(user_ids)), User.organization_id == org.id))} if user_ids else {}
    record = BatchRecord(batch, recipe, [Consumed(r, items[r.item_id], lots[r.lot_id]) for r in rows],
                         [(o, items[o.item_id], lots[o.lot_id]) for o in outputs], timers,
                         [(e, names.get(e.user_id, "")) for e in entries], version)
    record.full = costing.batch_full_cost(org, batch, recipe, record.consumed_cost)
    return record


def list_batches(org, actor, *, status=None, recipe_id=None, date_from=None, date_to=None, q=None,
                 page: int = 1, per_page: int = 50) -> Page:
    """Batches newest first, filtered by status / recipe / start date / label search."""
    authorize(actor, org, VIEW)
    stmt = tenancy.scoped(Batch, org)
    if status:
        stmt = stmt.where(Batch.status == status)
    if recipe_id:
        stmt = stmt.where(Batch.recipe_id == int(recipe_id))
    if date_from:
        stmt = stmt.where(Batch.started_at >= date_from)
    if date_to:
        stmt = stmt.where(Batch.started_at < date_to)
    if q:
        stmt = stmt.where(or_(func.lower(Batch.label).like(f"%{q.strip().lower()}%")))
    return paginate(stmt.order_by(Batch.started_at.desc(), Batch.id.desc()),
                    stmt.with_only_columns(func.count(Batch.id)).order_by(None), page, per_page)


def running_timers(org, actor) -> list[tuple[BatchTimer, Batch]]:
    """Timers still running, with their batch (dashboard)."""
    authorize(actor, org, VIEW)
    stmt = tenancy.scoped(BatchTimer, org).where(BatchTimer.stopped_at.is_(None)).order_by(BatchTimer.started_at)
    timers = list(db.session.scalars(stmt.limit(20)))
    ids = sorted({t.batch_id for t in timers})
    batches = {b.id: b for b in db.session.scalars(tenancy.scoped(Batch, org).where(Batch.id.in_(ids)))} if ids else {}
    return [(t, batches[t.batch_id]) for t in timers if t.batch_id in batches]


def production_summary(org, actor, now: datetime, *, limit: int = 10) -> dict:
    """Batches in progress (newest first, with recipe names) and how many are stuck: three queries."""
    authorize(actor, org, VIEW)
    in_progress = Batch.status == "in_progress"
    total, stuck = db.session.execute(
        tenancy.scoped(Batch, org, func.count(Batch.id),
                       func.count(Batch.id).filter(Batch.started_at < now - STUCK_AFTER)).where(in_progress)
    ).one()
    rows = db.session.execute(
        tenancy.scoped(Batch, org, Batch, Recipe.name).join(Recipe, Recipe.id == Batch.recipe_id)
        .where(in_progress).order_by(Batch.started_at.desc(), Batch.id.desc()).limit(limit)
    ).all()
    return {"in_progress": [(batch, name) for batch, name in rows], "in_progress_total": total or 0,
            "stuck": stuck or 0}
