"""The trace graph: from any lot, forward (batches that consumed it, their output lots, every sale of those —
through intermediates at any depth) and backward (every input lot of the batch that made it, recursively).

Breadth-first by level with IN queries: each level costs a fixed handful of queries however wide it is, so
a lot with 1,000 downstream sales costs what a lot with 10 does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy.orm import aliased, joinedload, lazyload

from ...extensions import db
from ...models import Batch, BatchConsumption, BatchOutput, InventoryItem, InventoryLot, Sale, SaleConsumption
from .. import tenancy
from ..authz import authorize
from ..errors import NotFound

MAX_DEPTH = 100  # a guard against corrupt cyclic data, far beyond any real production chain
# Batches and sales eager-load their consumption rows by default (selectin): one more query per 500 rows,
# which is exactly the growth a trace must not have. Loaded on access instead.
BATCH_LAZY = (lazyload(Batch.consumption), lazyload(Batch.outputs))
SALE_LAZY = (lazyload(Sale.consumption),)


class TraceBatch(NamedTuple):
    batch: Batch
    quantity: Decimal  # consumed from the traced lots (the consumed lots' item unit)


class TraceSale(NamedTuple):
    sale: Sale
    quantity: Decimal  # drawn from the traced lots
    returned_quantity: Decimal


@dataclass
class TraceNode:
    """A node of the trace tree: kind "lot" | "batch" | "sale"; `repeat` marks a lot already shown above."""

    kind: str
    obj: object
    quantity: Decimal | None = None
    item: InventoryItem | None = None
    children: list["TraceNode"] = field(default_factory=list)
    repeat: bool = False


@dataclass
class Forward:
    batches: list[TraceBatch] = field(default_factory=list)
    lots: list[InventoryLot] = field(default_factory=list)
    sales: list[TraceSale] = field(default_factory=list)


@dataclass
class Backward:
    lots: list[InventoryLot] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)


@dataclass
class Trace:
    lot: InventoryLot
    forward: Forward
    backward: Backward
    items: dict[int, InventoryItem]  # every item of every lot in the trace
    forward_tree: TraceNode  # lot → batch → output lot → … and sales under each lot
    backward_tree: TraceNode  # lot ← batch ← input lots ← …
    levels: dict[int, int] = field(default_factory=dict)  # lot id → forward depth (0 = the traced lot)


def trace_lot(org, actor, lot_or_code) -> Trace:
    """Everything downstream and upstream of a lot (by id, code or the lot itself), any depth."""
    authorize(actor, org, "traceability.view")
    return _build_trace(org, resolve_lot(org, lot_or_code))


def get_lot(org, actor, lot_or_code) -> InventoryLot:
    """A lot to trace or recall, by id, code or the lot itself; another organization's lot is NotFound."""
    authorize(actor, org, "traceability.view")
    return resolve_lot(org, lot_or_code)


def resolve_lot(org, lot_or_code) -> InventoryLot:
    """A lot from a lot, an id, or a code ("LOT-000042"); another organization's lot is NotFound. For services
    that have authorized already (recalls); pages and the API use get_lot."""
    if isinstance(lot_or_code, InventoryLot):
        return tenancy.get_for_org(InventoryLot, lot_or_code.id, org)
    if isinstance(lot_or_code, int) and not isinstance(lot_or_code, bool):
        return tenancy.get_for_org(InventoryLot, lot_or_code, org)
    code = str(lot_or_code or "").strip()
    lot = tenancy.find_for_org(InventoryLot, org, code=code) if code else None
    if lot is None:
        raise NotFound(f"Lot {code} not found.")
    return lot


def _build_trace(org, root: InventoryLot) -> Trace:
    """The trace of `root` (trace_lot has authorized)."""
    fwd = _walk_forward(org, root)
    bwd = _walk_backward(org, root)
    lots = {root.id: root, **fwd["lots"], **bwd["lots"]}
    # Lots read by the walk come with their items; the root's may already be loaded too.
    items = tenancy.get_many_for_org(InventoryItem, {lot.item_id for lot in lots.values()}, org)
    forward = Forward(
        batches=[TraceBatch(b, fwd["batch_qty"][b.id]) for b in _batch_order(fwd["batches"].values())],
        lots=[fwd["lots"][lot_id] for lot_id in fwd["order"]],
        sales=[TraceSale(s, fwd["sale_qty"][s.id], fwd["sale_returned"][s.id])
               for s in sorted(fwd["sales"].values(), key=lambda s: (s.created_at, s.id))],
    )
    backward = Backward(lots=[bwd["lots"][lot_id] for lot_id in bwd["order"]],
                        batches=_batch_order(bwd["batches"].values()))
    return Trace(lot=root, forward=forward, backward=backward, items=items,
                 forward_tree=_forward_tree(root, fwd, items), backward_tree=_backward_tree(root, bwd, items),
                 levels=fwd["levels"])


def downstream_lots(org, root: InventoryLot) -> list[tuple[InventoryLot, int]]:
    """The root and every lot made from it at any depth, with its level (recalls)."""
    fwd = _walk_forward(org, root, with_sales=False)
    return [(root, 0)] + [(fwd["lots"][lot_id], fwd["levels"][lot_id]) for lot_id in fwd["order"]]


def _batch_order(batches) -> list[Batch]:
    return sorted(batches, key=lambda b: (b.started_at, b.id))


def _walk_forward(org, root: InventoryLot, *, with_sales: bool = True) -> dict:
    """Level by level: lots → consuming batches (1 query) → their output lots (1 query) → sales (1 query)."""
    state = {
        "lots": {}, "order": [], "levels": {root.id: 0}, "batches": {}, "batch_qty": {}, "sales": {},
        "sale_qty": {}, "sale_returned": {},
        "lot_batches": {},  # lot id → [(batch id, quantity)]
        "batch_outputs": {},  # batch id → [lot id]
        "lot_sales": {},  # lot id → [(sale id, quantity)]
        "lot_transfers": {},  # lot id → [lot ids transferred from it to another location]
    }
    frontier, seen, depth = [root.id], {root.id}, 0
    while frontier and depth < MAX_DEPTH:
        depth += 1
        if with_sales:
            _sales_of(org, frontier, state)
        moved = _transferred_from(org, frontier, state, seen, depth)
        # The consuming batches and, in the same query, their output lots (one row per consumption × output).
        output_lot = aliased(InventoryLot)
        stmt = (tenancy.scoped(BatchConsumption, org, BatchConsumption.id, BatchConsumption.lot_id,
                               BatchConsumption.quantity, Batch, BatchOutput.id, output_lot)
                .join(Batch, Batch.id == BatchConsumption.batch_id)
                .outerjoin(BatchOutput, (BatchOutput.batch_id == Batch.id) & (BatchOutput.organization_id == org.id))
                .outerjoin(output_lot, (output_lot.id == BatchOutput.lot_id) & (output_lot.organization_id == org.id))
                .where(BatchConsumption.lot_id.in_(frontier), BatchConsumption.credited_event_id.is_(None),
                       Batch.organization_id == org.id)
                .order_by(BatchConsumption.id, BatchOutput.id)
                .options(*BATCH_LAZY, joinedload(output_lot.item)))
        new_batches, counted, outputs = [], set(), {}
        for consumption_id, lot_id, quantity, batch, output_id, made in db.session.execute(stmt):
            if output_id is not None and made is not None:
                outputs[output_id] = (batch.id, made)
            if consumption_id in counted:
                continue
            counted.add(consumption_id)
            if batch.id not in state["batches"]:
                state["batches"][batch.id] = batch
                state["batch_qty"][batch.id] = Decimal(0)
                new_batches.append(batch.id)
            state["batch_qty"][batch.id] += quantity
            links = state["lot_batches"].setdefault(lot_id, [])
            for index, (batch_id, qty) in enumerate(links):
                if batch_id == batch.id:
                    links[index] = (batch_id, qty + quantity)
                    break
            else:
                links.append((batch.id, quantity))
        frontier = []
        fresh = set(new_batches)
        for output_id in sorted(outputs):
            batch_id, lot = outputs[output_id]
            if batch_id in fresh:
                state["batch_outputs"].setdefault(batch_id, []).append(lot.id)
                if lot.id in seen:
                    continue
                seen.add(lot.id)
                state["lots"][lot.id] = lot
                state["order"].append(lot.id)
                state["levels"][lot.id] = depth
                frontier.append(lot.id)
        frontier.extend(moved)
    return state


def _transferred_from(org, lot_ids: list[int], state: dict, seen: set, depth: int) -> list[int]:
    """Lots moved to another location from these lots (one query): the same stock, so the walk goes on."""
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.source_lot_id.in_(lot_ids))
            .order_by(InventoryLot.id).options(joinedload(InventoryLot.item)))
    found = []
    for lot in db.session.scalars(stmt):
        state["lot_transfers"].setdefault(lot.source_lot_id, []).append(lot.id)
        if lot.id in seen:
            continue
        seen.add(lot.id)
        state["lots"][lot.id] = lot
        state["order"].append(lot.id)
        state["levels"][lot.id] = depth
        found.append(lot.id)
    return found


def _sales_of(org, lot_ids: list[int], state: dict) -> None:
    """Every sale that drew from these lots, with the quantity from each (one query)."""
    stmt = (tenancy.scoped(SaleConsumption, org, SaleConsumption.lot_id, SaleConsumption.quantity,
                           SaleConsumption.returned_quantity, Sale)
            .join(Sale, Sale.id == SaleConsumption.sale_id)
            .where(SaleConsumption.lot_id.in_(lot_ids), Sale.organization_id == org.id)
            .order_by(SaleConsumption.id).options(*SALE_LAZY))
    for lot_id, quantity, returned, sale in db.session.execute(stmt):
        if sale.id not in state["sales"]:
            state["sales"][sale.id] = sale
            state["sale_qty"][sale.id] = Decimal(0)
            state["sale_returned"][sale.id] = Decimal(0)
        state["sale_qty"][sale.id] += quantity
        state["sale_returned"][sale.id] += returned or Decimal(0)
        state["lot_sales"].setdefault(lot_id, []).append((sale.id, quantity))


def _walk_backward(org, root: InventoryLot) -> dict:
    """Level by level: lots → the batches that made them (1 query) → those batches' input lots (1 query)."""
    state = {"lots": {}, "order": [], "batches": {}, "lot_batch": {}, "batch_inputs": {},
             "lot_source": {}}  # lot id → the lot it was transferred from
    frontier, seen, depth = [root.id], {root.id}, 0
    while frontier and depth < MAX_DEPTH:
        depth += 1
        known = {root.id: root, **state["lots"]}
        sources = {known[lot_id].source_lot_id: lot_id for lot_id in frontier
                   if getattr(known.get(lot_id), "source_lot_id", None)}
        moved = []
        if sources:  # a transferred lot traces back to the lot it came from (one query)
            for lot in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                          .where(InventoryLot.id.in_(sorted(sources)))
                                          .options(joinedload(InventoryLot.item))):
                state["lot_source"][sources[lot.id]] = lot.id
                if lot.id in seen:
                    continue
                seen.add(lot.id)
                state["lots"][lot.id] = lot
                state["order"].append(lot.id)
                moved.append(lot.id)
        stmt = (tenancy.scoped(BatchOutput, org, BatchOutput.lot_id, Batch)
                .join(Batch, Batch.id == BatchOutput.batch_id)
                .where(BatchOutput.lot_id.in_(frontier), Batch.organization_id == org.id)
                .order_by(BatchOutput.id).options(*BATCH_LAZY))
        new_batches = []
        for lot_id, batch in db.session.execute(stmt):
            state["lot_batch"][lot_id] = batch.id
            if batch.id not in state["batches"]:
                state["batches"][batch.id] = batch
                new_batches.append(batch.id)
        frontier = moved
        if not new_batches:
            continue
        stmt = (tenancy.scoped(BatchConsumption, org, BatchConsumption.batch_id, BatchConsumption.quantity,
                               InventoryLot)
                .join(InventoryLot, InventoryLot.id == BatchConsumption.lot_id)
                .where(BatchConsumption.batch_id.in_(new_batches), BatchConsumption.credited_event_id.is_(None),
                       InventoryLot.organization_id == org.id)
                .order_by(BatchConsumption.id).options(joinedload(InventoryLot.item)))
        for batch_id, quantity, lot in db.session.execute(stmt):
            inputs = state["batch_inputs"].setdefault(batch_id, [])
            for index, (lot_id, qty) in enumerate(inputs):
                if lot_id == lot.id:
                    inputs[index] = (lot_id, qty + quantity)
                    break
            else:
                inputs.append((lot.id, quantity))
            if lot.id in seen:
                continue
            seen.add(lot.id)
            state["lots"][lot.id] = lot
            state["order"].append(lot.id)
            frontier.append(lot.id)
    return state


def _forward_tree(root: InventoryLot, fwd: dict, items: dict) -> TraceNode:
    lots = {root.id: root, **fwd["lots"]}
    expanded: set[int] = set()

    def lot_node(lot_id: int, quantity=None) -> TraceNode:
        lot = lots[lot_id]
        node = TraceNode("lot", lot, quantity, items.get(lot.item_id))
        if lot_id in expanded:
            node.repeat = True
            return node
        expanded.add(lot_id)
        node.children.extend(lot_node(moved_id) for moved_id in fwd["lot_transfers"].get(lot_id, [])
                             if moved_id in lots)
        for batch_id, qty in fwd["lot_batches"].get(lot_id, []):
            batch_node = TraceNode("batch", fwd["batches"][batch_id], qty)
            batch_node.children = [lot_node(out_id, lots[out_id].original_quantity)
                                   for out_id in fwd["batch_outputs"].get(batch_id, []) if out_id in lots]
            node.children.append(batch_node)
        for sale_id, qty in fwd["lot_sales"].get(lot_id, []):
            node.children.append(TraceNode("sale", fwd["sales"][sale_id], qty, items.get(lot.item_id)))
        return node

    return lot_node(root.id)


def _backward_tree(root: InventoryLot, bwd: dict, items: dict) -> TraceNode:
    lots = {root.id: root, **bwd["lots"]}
    expanded: set[int] = set()

    def lot_node(lot_id: int, quantity=None) -> TraceNode:
        lot = lots[lot_id]
        node = TraceNode("lot", lot, quantity, items.get(lot.item_id))
        if lot_id in expanded:
            node.repeat = True
            return node
        expanded.add(lot_id)
        source_id = bwd["lot_source"].get(lot_id)
        if source_id is not None and source_id in lots:
            node.children.append(lot_node(source_id))
        batch_id = bwd["lot_batch"].get(lot_id)
        if batch_id is not None:
            batch_node = TraceNode("batch", bwd["batches"][batch_id])
            batch_node.children = [lot_node(in_id, qty) for in_id, qty in bwd["batch_inputs"].get(batch_id, [])]
            node.children.append(batch_node)
        return node

    return lot_node(root.id)
