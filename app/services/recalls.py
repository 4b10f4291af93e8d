"""Recall: put a lot and everything made from it (trace forward, any depth) on hold in one action, report
what went where (lots, batches, sales with their order references), and release the holds again.

A hold is InventoryLot.hold_reason: FIFO consumption, stock checks, batch starts and sales all skip held lots.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func

from ..extensions import db
from ..models import (
    Batch,
    BatchConsumption,
    InventoryItem,
    InventoryLot,
    Recall,
    RecallLot,
    Sale,
    SaleConsumption,
    User,
)
from ..models.types import utcnow
from . import inventory, tenancy, traceability
from .authz import authorize
from .base import unit_of_work
from .errors import InvalidState, PermissionDenied, ValidationFailed
from .features import feature_enabled
from .pagination import Page, paginate
from .timezones import org_today


@unit_of_work
def recall_lot(org, actor, lot_id_or_code, *, reason) -> Recall:
    """Hold the lot and every downstream lot (any depth) with `reason`; one RecallLot row per lot held."""
    authorize(actor, org, "traceability.recall")
    if not feature_enabled(org, "recall"):
        raise PermissionDenied("Recalls are not part of this plan.")
    reason = (reason.strip() if isinstance(reason, str) else "")
    if not reason:
        raise ValidationFailed("Say why the lot is recalled.", fields={"reason": "Required."})
    if len(reason) > 255:
        raise ValidationFailed("At most 255 characters.", fields={"reason": "At most 255 characters."})
    root = traceability.resolve_lot(org, lot_id_or_code)
    found = traceability.downstream_lots(org, root)
    lots = inventory.lock_lots(org, [lot.id for lot, _ in found])
    earlier = _active_rows(org, list(lots))
    recall = Recall(organization_id=org.id, lot_id=root.id, reason=reason, status="active",
                    created_by_id=getattr(actor, "id", None), created_at=utcnow())
    db.session.add(recall)
    db.session.flush()
    for lot, level in found:
        current = lots[lot.id]
        # The hold the lot had before any recall: kept by an earlier active recall, or the lot's own.
        previous = earlier[lot.id][0].previous_hold_reason if lot.id in earlier else current.hold_reason
        db.session.add(RecallLot(organization_id=org.id, recall_id=recall.id, lot_id=lot.id, level=level,
                                 previous_hold_reason=previous))
        inventory.set_hold_reason(org, actor, current, reason)
    db.session.flush()
    return recall


@unit_of_work
def release_recall(org, actor, recall_id) -> Recall:
    """Lift the recall's holds: each lot goes back to the hold it had before (or another active recall's)."""
    authorize(actor, org, "traceability.recall")
    recall = tenancy.get_for_org_for_update(Recall, recall_id, org)
    if recall.status != "active":
        raise InvalidState(f"Recall {recall.id} was already released.")
    rows = _recall_rows(org, recall.id)
    lots = inventory.lock_lots(org, [row.lot_id for row in rows])
    recall.status = "released"
    recall.released_at = utcnow()
    recall.released_by_id = getattr(actor, "id", None)
    db.session.flush()
    others = _active_rows(org, list(lots))  # this recall is no longer active
    reasons = {}
    if others:
        ids = sorted({row.recall_id for rows_ in others.values() for row in rows_})
        reasons = {r.id: r.reason for r in db.session.scalars(tenancy.scoped(Recall, org).where(Recall.id.in_(ids)))}
    for row in rows:
        lot = lots[row.lot_id]
        if row.lot_id in others:
            inventory.set_hold_reason(org, actor, lot, reasons[max(r.recall_id for r in others[row.lot_id])])
        else:
            inventory.set_hold_reason(org, actor, lot, row.previous_hold_reason or None)
    db.session.flush()
    return recall


def _active_rows(org, lot_ids) -> dict[int, list[RecallLot]]:
    """RecallLot rows of active recalls for these lots, oldest first."""
    if not lot_ids:
        return {}
    active = tenancy.scoped(Recall, org, Recall.id).where(Recall.status == "active")
    stmt = (tenancy.scoped(RecallLot, org).where(RecallLot.lot_id.in_(sorted(lot_ids)), RecallLot.recall_id.in_(active))
            .order_by(RecallLot.id))
    result: dict[int, list[RecallLot]] = {}
    for row in db.session.scalars(stmt):
        result.setdefault(row.lot_id, []).append(row)
    return result


def _recall_rows(org, recall_id) -> list[RecallLot]:
    return list(db.session.scalars(tenancy.scoped(RecallLot, org).where(RecallLot.recall_id == recall_id)
                                   .order_by(RecallLot.level, RecallLot.id)))


# ---- reads -------------------------------------------------------------------------------------------

@dataclass
class RecallLotLine:
    lot: InventoryLot
    item: InventoryItem
    level: int
    status: str  # the lot's status now (on_hold while the recall is active)


@dataclass
class RecallBatchLine:
    batch: Batch
    quantity: Decimal  # drawn from recalled lots


@dataclass
class RecallSaleLine:
    sale: Sale
    item: InventoryItem
    quantity: Decimal  # drawn from recalled lots
    returned_quantity: Decimal
    lot_codes: list[str]


@dataclass
class RecallReport:
    recall: Recall
    lot: InventoryLot  # the recalled lot
    lots: list[RecallLotLine]
    batches: list[RecallBatchLine]
    sales: list[RecallSaleLine]
    created_by: str = ""

    @property
    def held_quantity(self) -> dict[str, Decimal]:
        """Stock still on the shelf per item name (what to pull)."""
        totals: dict[str, Decimal] = {}
        for line in self.lots:
            totals[line.item.name] = totals.get(line.item.name, Decimal(0)) + line.lot.remaining_quantity
        return totals

    @property
    def order_refs(self) -> list[str]:
        return sorted({line.sale.order_ref for line in self.sales if line.sale.order_ref})


class RecallRow(NamedTuple):
    recall: Recall
    lot: InventoryLot | None  # the recalled lot
    lots_held: int

    @property
    def lot_code(self) -> str | None:
        return self.lot.code if self.lot is not None else None


def list_recalls(org, actor, *, status=None, page=1, per_page=50) -> Page:
    """Recalls, newest first; items are RecallRow (recall, root lot, lots held count): three queries."""
    authorize(actor, org, "traceability.view")
    filters = [Recall.status == status] if status else []
    stmt = tenancy.scoped(Recall, org).where(*filters).order_by(Recall.created_at.desc(), Recall.id.desc())
    result = paginate(stmt, tenancy.scoped(Recall, org, func.count(Recall.id)).where(*filters), page, per_page)
    ids = [r.id for r in result.items]
    counts, lots = {}, {}
    if ids:
        counts = dict(db.session.execute(tenancy.scoped(RecallLot, org, RecallLot.recall_id, func.count(RecallLot.id))
                                         .where(RecallLot.recall_id.in_(ids)).group_by(RecallLot.recall_id)).all())
        lot_ids = sorted({r.lot_id for r in result.items})
        lots = {lot.id: lot for lot in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                          .where(InventoryLot.id.in_(lot_ids)))}
    result.items = [RecallRow(r, lots.get(r.lot_id), counts.get(r.id, 0)) for r in result.items]
    return result


def list_recalls_for_lot(org, actor, lot_id) -> list[tuple[Recall, int]]:
    """Every recall that holds (or held) this lot, newest first, with the lot's level in it: one query."""
    authorize(actor, org, "traceability.view")
    stmt = (tenancy.scoped(RecallLot, org, Recall, RecallLot.level)
            .join(Recall, Recall.id == RecallLot.recall_id)
            .where(RecallLot.lot_id == int(lot_id), Recall.organization_id == org.id)
            .order_by(Recall.created_at.desc(), Recall.id.desc()))
    return [(recall, level) for recall, level in db.session.execute(stmt)]


def recall_report(org, actor, recall_id) -> RecallReport:
    """Every lot the recall holds, every batch that used them, every sale from them with order references."""
    authorize(actor, org, "traceability.view")
    recall = tenancy.get_for_org(Recall, recall_id, org)
    rows = _recall_rows(org, recall.id)
    lot_ids = [row.lot_id for row in rows]
    lots = {lot.id: lot for lot in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                      .where(InventoryLot.id.in_(lot_ids)))} if lot_ids else {}
    batch_qty: dict[int, Decimal] = {}
    batches: dict[int, Batch] = {}
    sale_lines: dict[int, dict] = {}
    if lot_ids:
        stmt = (tenancy.scoped(BatchConsumption, org, BatchConsumption.quantity, Batch)
                .join(Batch, Batch.id == BatchConsumption.batch_id)
                .where(BatchConsumption.lot_id.in_(lot_ids), BatchConsumption.credited_event_id.is_(None),
                       Batch.organization_id == org.id).options(*traceability.BATCH_LAZY))
        for quantity, batch in db.session.execute(stmt):
            batches[batch.id] = batch
            batch_qty[batch.id] = batch_qty.get(batch.id, Decimal(0)) + quantity
        stmt = (tenancy.scoped(SaleConsumption, org, SaleConsumption.lot_id, SaleConsumption.quantity,
                               SaleConsumption.returned_quantity, Sale)
                .join(Sale, Sale.id == SaleConsumption.sale_id)
                .where(SaleConsumption.lot_id.in_(lot_ids), Sale.organization_id == org.id)
                .order_by(SaleConsumption.id).options(*traceability.SALE_LAZY))
        for lot_id, quantity, returned, sale in db.session.execute(stmt):
            line = sale_lines.setdefault(sale.id, {"sale": sale, "quantity": Decimal(0), "returned": Decimal(0),
                                                   "codes": []})
            line["quantity"] += quantity
            line["returned"] += returned or Decimal(0)
            if lots[lot_id].code not in line["codes"]:
                line["codes"].append(lots[lot_id].code)
    item_ids = sorted({lot.item_id for lot in lots.values()} | {line["sale"].item_id for line in sale_lines.values()})
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(item_ids)))} if item_ids else {}
    now = utcnow()
    today = org_today(org, now)
    creator = db.session.get(User, recall.created_by_id) if recall.created_by_id else None
    return RecallReport(
        recall=recall, lot=lots.get(recall.lot_id) or tenancy.get_for_org(InventoryLot, recall.lot_id, org),
        lots=[RecallLotLine(lots[row.lot_id], items[lots[row.lot_id].item_id], row.level,
                            lots[row.lot_id].status(today, now)) for row in rows],
        batches=[RecallBatchLine(b, batch_qty[b.id]) for b in sorted(batches.values(),
                                                                     key=lambda b: (b.started_at, b.id))],
        sales=[RecallSaleLine(line["sale"], items[line["sale"].item_id], line["quantity"], line["returned"],
                              line["codes"])
               for line in sorted(sale_lines.values(), key=lambda v: (v["sale"].created_at, v["sale"].id))],
        created_by=getattr(creator, "display_name", "") or getattr(creator, "email", "") if creator else "",
    )


CSV_HEADER = ["record", "reference", "item", "lot_code", "level", "quantity", "unit", "remaining", "status",
              "order_ref", "customer", "channel", "date"]


def recall_csv(org, actor, recall_id) -> str:
    """The recall report as CSV: one line per held lot, per batch that used them, per sale from them."""
    report = recall_report(org, actor, recall_id)
    out = io.StringIO()
    writer = csv.writer(out)
    recall = report.recall
    writer.writerow(["recall", recall.id, "", report.lot.code, 0, "", "", "", recall.status, "", "", "",
                     _iso(recall.created_at)])
    writer.writerow(["reason", _safe(recall.reason)] + [""] * (len(CSV_HEADER) - 2))
    writer.writerow(CSV_HEADER)
    for line in report.lots:
        writer.writerow(["lot", line.lot.code, _safe(line.item.name), line.lot.code, line.level,
                         _num(line.lot.original_quantity), line.item.unit, _num(line.lot.remaining_quantity),
                         line.status, "", "", "", _iso(line.lot.received_at)])
    for line in report.batches:
        writer.writerow(["batch", line.batch.label, "", "", "", _num(line.quantity), "", "", line.batch.status,
                         "", "", "", _iso(line.batch.started_at)])
    for line in report.sales:
        writer.writerow(["sale", line.sale.id, _safe(line.item.name), " ".join(line.lot_codes), "",
                         _num(line.quantity), line.item.unit, "", "returned" if line.returned_quantity else "sold",
                         _safe(line.sale.order_ref or ""), _safe(line.sale.customer or ""),
                         _safe(line.sale.channel or ""), _iso(line.sale.created_at)])
    return out.getvalue()


def _num(value) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return "0" if value == 0 else format(value.normalize(), "f")


def _iso(value) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def _safe(text: str) -> str:
    """Neutralize spreadsheet formulas in free text (=, +, -, @ at the start)."""
    text = str(text or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
