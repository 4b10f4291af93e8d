"""Purchase-order reads: one order, a page of orders, what is on order per item, the CSV of an order."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import func

from ...extensions import db
from ...models import OPEN_PO_STATUSES, PO_STATUSES, PurchaseOrder, PurchaseOrderLine, Supplier
from .. import tenancy
from ..authz import authorize
from ..errors import ValidationFailed
from ..pagination import Page, paginate

ZERO = Decimal(0)


def get_purchase_order(org, actor, po_id) -> PurchaseOrder:
    """One of the organization's purchase orders with its lines, or NotFound."""
    authorize(actor, org, "suppliers.view")
    return tenancy.get_for_org(PurchaseOrder, po_id, org)


def list_purchase_orders(org, actor, *, status=None, supplier_id=None, page=1, per_page=50) -> Page:
    """Purchase orders, newest first, optionally of one status or one supplier."""
    authorize(actor, org, "suppliers.view")
    stmt = tenancy.scoped(PurchaseOrder, org)
    count = tenancy.scoped(PurchaseOrder, org, func.count(PurchaseOrder.id))
    if status:
        if status == "open":
            stmt, count = (s.where(PurchaseOrder.status.in_(OPEN_PO_STATUSES)) for s in (stmt, count))
        elif status in PO_STATUSES:
            stmt, count = (s.where(PurchaseOrder.status == status) for s in (stmt, count))
        else:
            raise ValidationFailed("Unknown status.", fields={"status": f"One of {', '.join(PO_STATUSES)}, open."})
    if supplier_id is not None:
        stmt, count = (s.where(PurchaseOrder.supplier_id == supplier_id) for s in (stmt, count))
    stmt = stmt.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())
    return paginate(stmt, count, page, per_page)


def supplier_names(org, supplier_ids) -> dict[int, str]:
    """{supplier_id: name} in one query (list pages)."""
    ids = {i for i in supplier_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(tenancy.scoped(Supplier, org, Supplier.id, Supplier.name).where(Supplier.id.in_(ids))).all())


def on_order_by_item(org, item_ids=None) -> dict[int, Decimal]:
    """{item_id: Σ open quantity (quantity − received) over sent and partially received orders}, item unit."""
    if item_ids is not None:
        item_ids = list(item_ids)
        if not item_ids:
            return {}
    totals = {}
    for item_id, ordered, received in db.session.execute(on_order_select(org, item_ids)):
        quantity = open_quantity(ordered, received)
        if quantity > 0:
            totals[item_id] = quantity
    return totals


def on_order_select(org, item_ids=None):
    """SELECT item_id, ordered, received over open orders, per item: on_order_by_item's query, or a subquery
    the reorder engine joins to the items it loads (open_quantity() of the two sums)."""
    stmt = (tenancy.scoped(PurchaseOrderLine, org, PurchaseOrderLine.item_id.label("item_id"),
                           func.sum(PurchaseOrderLine.quantity).label("ordered"),
                           func.sum(PurchaseOrderLine.received_quantity).label("received"))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
            .group_by(PurchaseOrderLine.item_id))
    if item_ids is not None:
        stmt = stmt.where(PurchaseOrderLine.item_id.in_(list(item_ids)))
    return stmt


def open_quantity(ordered, received) -> Decimal:
    """What is still on order of a line total: ordered − received (may be ≤ 0: nothing on order)."""
    return Decimal(ordered or 0) - Decimal(received or 0)


def line_total(line: PurchaseOrderLine) -> Decimal:
    """quantity × unit cost, exactly."""
    return line.quantity * line.unit_cost


def order_total(order: PurchaseOrder) -> Decimal:
    """Σ quantity × unit cost over the order's lines, exactly."""
    return sum((line_total(line) for line in order.lines), ZERO)


def purchase_order_csv(org, actor, po_id) -> tuple[str, str]:
    """(file name, CSV text) of one order: a header row, then one row per line."""
    order = get_purchase_order(org, actor, po_id)
    return _csv(order)


def _csv(order: PurchaseOrder) -> tuple[str, str]:
    from .supplier_items import supplier_items_for

    details = supplier_items_for(order.organization_id, [(order.supplier_id, line.item_id) for line in order.lines])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["po_number", "supplier", "status", "item", "supplier_code", "quantity", "unit", "unit_cost",
                     "line_total", "received_quantity"])
    for line in order.lines:
        detail = details.get((order.supplier_id, line.item_id))
        writer.writerow([order.number, _cell(order.supplier.name), order.status, _cell(line.item.name),
                         _cell(detail.supplier_code if detail else ""), _text(line.quantity), line.unit,
                         _text(line.unit_cost), _text(line_total(line)), _text(line.received_quantity)])
    return f"{order.number}.csv", out.getvalue()


def _text(value: Decimal) -> str:
    from ..units import clean_decimal

    return format(clean_decimal(Decimal(value)), "f")


def _cell(text: str) -> str:
    """A spreadsheet never runs a cell that starts like a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
