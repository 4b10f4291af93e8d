"""Batch reads for pages, the API and the dashboard: each takes (org, actor, …) and authorizes (batches.view).

Every query is bounded (a set of ids, a limit, or an aggregate), so a page costs a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import case, func, or_
from sqlalchemy.orm import lazyload

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
from .. import org_settings, tenancy
from ..authz import authorize
from ..errors import NotFound
from ..pagination import Page, paginate
from . import costing

VIEW = "batches.view"
# A batch's consumption and output rows load eagerly by default (selectin): not for lists that show batches.
BATCH_ROWS_ONLY = (lazyload(Batch.consumption), lazyload(Batch.outputs))


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
    """A batch with its recipe, version, consumption, outputs, timers and timeline: five queries (the batch with
    its recipe and version; the consumption rows, then the outputs, each with lot and item; the timers; the
    timeline with its authors). `batch_id` may be the Batch a service just returned (not re-read for its id)."""
    authorize(actor, org, VIEW)
    if isinstance(batch_id, Batch):
        batch_id = tenancy.identity_of(batch_id)
    batch, recipe, version = _batch_with_recipe(org, batch_id)
    org_id = batch.organization_id
    consumed = db.session.execute(
        tenancy.scoped(BatchConsumption, org, BatchConsumption, InventoryItem, InventoryLot)
        .join(InventoryItem, (InventoryItem.id == BatchConsumption.item_id) & (InventoryItem.organization_id == org_id))
        .join(InventoryLot, (InventoryLot.id == BatchConsumption.lot_id) & (InventoryLot.organization_id == org_id))
        .where(BatchConsumption.batch_id == batch.id).order_by(BatchConsumption.id)).all()
    outputs = db.session.execute(
        tenancy.scoped(BatchOutput, org, BatchOutput, InventoryItem, InventoryLot)
        .join(InventoryItem, (InventoryItem.id == BatchOutput.item_id) & (InventoryItem.organization_id == org_id))
        .join(InventoryLot, (InventoryLot.id == BatchOutput.lot_id) & (InventoryLot.organization_id == org_id))
        .where(BatchOutput.batch_id == batch.id).order_by(BatchOutput.id)).all()
    timers = list(db.session.scalars(tenancy.scoped(BatchTimer, org).where(BatchTimer.batch_id == batch.id)
                                     .order_by(BatchTimer.started_at)))
    # Each entry with its author's name (a member of this organization), in the same query.
    entries = db.session.execute(
        tenancy.scoped(BatchLogEntry, org, BatchLogEntry, User.name, User.email)
        .outerjoin(User, (User.id == BatchLogEntry.user_id) & (User.organization_id == org_id))
        .where(BatchLogEntry.batch_id == batch.id)
        .order_by(BatchLogEntry.created_at, BatchLogEntry.id)).all()
    record = BatchRecord(batch, recipe, [Consumed(row, item, lot) for row, item, lot in consumed],
                         [(row, item, lot) for row, item, lot in outputs], timers,
                         [(e, (name or email or "") if e.user_id else "") for e, name, email in entries], version)
    record.full = costing.batch_full_cost(org, batch, recipe, record.consumed_cost)
    return record


def _batch_with_recipe(org, batch_id) -> tuple[Batch, Recipe, RecipeVersion]:
    """The batch, its recipe and the version it was made from: from this session when it holds all three,
    else one query (the version's lines only when a label asks for them)."""
    batch = tenancy.loaded(Batch, batch_id, org)
    if batch is not None:
        recipe = tenancy.loaded(Recipe, batch.recipe_id, org)
        version = tenancy.loaded(RecipeVersion, batch.recipe_version_id, org)
        if recipe is not None and version is not None:
            return batch, recipe, version
    object_id = tenancy.parse_id(batch_id)
    row = None if object_id is None else db.session.execute(
        tenancy.scoped(Batch, org, Batch, Recipe, RecipeVersion)
        .join(Recipe, (Recipe.id == Batch.recipe_id) & (Recipe.organization_id == Batch.organization_id))
        .join(RecipeVersion, (RecipeVersion.id == Batch.recipe_version_id)
              & (RecipeVersion.organization_id == Batch.organization_id))
        .where(Batch.id == object_id).options(lazyload(RecipeVersion.lines))).first()
    if row is None:
        shown = f" {batch_id}" if isinstance(batch_id, (int, str)) and str(batch_id).strip().isdigit() else ""
        raise NotFound(f"Batch{shown[:24]} not found.")
    return row[0], row[1], row[2]


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
    return paginate(stmt.order_by(Batch.started_at.desc(), Batch.id.desc()).options(*BATCH_ROWS_ONLY),
                    stmt.with_only_columns(func.count(Batch.id)).order_by(None), page, per_page)


def running_timers(org, actor) -> list[tuple[BatchTimer, Batch]]:
    """Timers still running, with their batch (dashboard)."""
    authorize(actor, org, VIEW)
    stmt = (tenancy.scoped(BatchTimer, org, BatchTimer, Batch)
            .join(Batch, (Batch.id == BatchTimer.batch_id) & (Batch.organization_id == BatchTimer.organization_id))
            .where(BatchTimer.stopped_at.is_(None)).order_by(BatchTimer.started_at, BatchTimer.id).limit(20)
            .options(*BATCH_ROWS_ONLY))
    return [(timer, batch) for timer, batch in db.session.execute(stmt)]


def production_summary(org, actor, now: datetime, *, limit: int = 10) -> dict:
    """Batches in progress (newest first, with recipe names) and how many there are and are stuck: one query
    (the counts as window aggregates over all in-progress batches, beside the first `limit` rows). Stuck is the
    stuck-batch alert's rule: started more than the organization's stuck_batch_days ago."""
    authorize(actor, org, VIEW)
    stuck_days = org_settings.get_settings(org)["stuck_batch_days"]
    stuck_before = now - timedelta(days=stuck_days)
    in_progress = Batch.status == "in_progress"
    total = func.count(Batch.id).over()
    stuck = func.sum(case((Batch.started_at < stuck_before, 1), else_=0)).over()
    rows = db.session.execute(
        tenancy.scoped(Batch, org, Batch, Recipe.name, total, stuck).join(Recipe, Recipe.id == Batch.recipe_id)
        .where(in_progress).order_by(Batch.started_at.desc(), Batch.id.desc()).limit(limit)
        .options(*BATCH_ROWS_ONLY)
    ).all()
    if not rows and limit <= 0:  # no row to carry the counts
        total_count, stuck_count = db.session.execute(
            tenancy.scoped(Batch, org, func.count(Batch.id),
                           func.count(Batch.id).filter(Batch.started_at < stuck_before)).where(in_progress)).one()
    else:
        total_count, stuck_count = (rows[0][2], rows[0][3]) if rows else (0, 0)
    return {"in_progress": [(batch, name) for batch, name, _, _ in rows], "in_progress_total": total_count or 0,
            "stuck": int(stuck_count or 0), "stuck_days": stuck_days, "stuck_before": stuck_before}
