"""Orders from a shop: `orders/create` → sales, `refunds/create` and `orders/cancelled` → returns to the exact
lots, and the maker's handling of problem lines (retry, map the SKU, dismiss)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func

from ....extensions import db
from ....models import InventoryItem, Sale, Sku
from ....models.integrations import ShopOrder, ShopOrderLine
from ....models.types import utcnow
from ... import sales, tenancy
from ...authz import authorize
from ...base import unit_of_work
from ...errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from ._common import (
    CHANNEL,
    MAX_QUANTITY,
    _audit,
    _decimal,
    _live_connection,
    _order_id,
    _order_name,
    _ordered_at,
    _qty,
    _text_id,
    _unit_price,
)


def list_problems(org, actor, connection_id, *, page: int = 1, per_page: int = 50) -> tuple[list[ShopOrderLine], int]:
    """Open problems of this shop (order lines that did not become sales), oldest first; (rows, total)."""
    authorize(actor, org, "organization.view")
    connection = _live_connection(org, connection_id)
    base = (tenancy.scoped(ShopOrderLine, org).join(ShopOrder, ShopOrder.id == ShopOrderLine.order_id)
            .where(ShopOrder.connection_id == connection.id, ShopOrderLine.status == "problem"))
    total = db.session.scalar(base.with_only_columns(func.count(ShopOrderLine.id)))
    rows = db.session.scalars(base.order_by(ShopOrderLine.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total or 0)



@unit_of_work
def retry_problem(org, actor, connection_id, problem_id) -> Sale:
    """Sell a problem line now that its SKU matches and the stock is there; else the reason (422), nothing
    changed."""
    authorize(actor, org, "products.sell")
    line = _problem(org, connection_id, problem_id)
    item = match_sku(org, line.sku)
    if item is None:
        raise ValidationFailed(f"No item has the SKU {line.sku} yet: set it on the item, then retry.",
                               fields={"sku": "No item has this SKU."}, code="unknown_sku")
    sale = _sell(org, actor, line.order, line, item)
    line.status, line.reason, line.sale_id, line.resolved_at = "sold", None, sale.id, utcnow()
    _audit(org, line.order.connection_id, "retry", line.order.name, "processed",
           f"Problem {line.id} retried by {actor.email}: sold {_qty(line.quantity)} × {line.sku} (sale {sale.id}).")
    return sale



@unit_of_work
def dismiss_problem(org, actor, connection_id, problem_id) -> ShopOrderLine:
    """Close a problem without selling (the maker dealt with it another way)."""
    authorize(actor, org, "organization.settings")
    line = _problem(org, connection_id, problem_id)
    line.status, line.resolved_at = "dismissed", utcnow()
    _audit(org, line.order.connection_id, "dismiss", line.order.name, "processed",
           f"Problem {line.id} ({line.sku} × {_qty(line.quantity)}) dismissed by {actor.email}.")
    return line



@unit_of_work
def map_problem_sku(org, actor, connection_id, problem_id, item_id) -> Sale:
    """Give an item this problem's SKU (through the inventory service) and sell the line: one step for the
    maker mapping an unknown SKU."""
    from ... import inventory

    line = _problem(org, connection_id, problem_id)
    if item_id in (None, ""):
        raise ValidationFailed("Choose the item this SKU is.", fields={"item_id": "Choose an item."})
    inventory.update_item(org, actor, item_id, sku=line.sku)
    return retry_problem(org, actor, connection_id, problem_id)



def match_sku(org, sku: str) -> InventoryItem | None:
    """The item a shop SKU names: an item whose `sku` is exactly it, else the item of a product SKU of that code."""
    sku = (sku or "").strip()
    if not sku:
        return None
    item = tenancy.find_for_org(InventoryItem, org, sku=sku)
    if item is None:
        product_sku = tenancy.find_for_org(Sku, org, code=sku)
        if product_sku is not None:
            item = tenancy.get_for_org(InventoryItem, product_sku.item_id, org)
    return item



def _orders_create(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("id"))
    name = _order_name(payload)
    if order_id is None:
        return "An order without an id; nothing sold."
    existing = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id)
    if existing is not None:
        state = "was cancelled" if existing.cancelled_at is not None else "was already received"
        return f"Order {existing.name} {state}; nothing sold again."
    ordered_at = _ordered_at(payload.get("created_at"))
    order = ShopOrder(organization_id=org.id, connection_id=connection.id, order_id=order_id, name=name,
                      ordered_at=ordered_at)
    db.session.add(order)
    db.session.flush()
    sold = problems = skipped = 0
    for raw in payload.get("line_items") or []:
        if not isinstance(raw, dict):
            continue
        sku = raw.get("sku").strip() if isinstance(raw.get("sku"), str) else ""
        if not sku:
            skipped += 1
            continue
        quantity = _decimal(raw.get("quantity"))
        if quantity is None or quantity <= 0 or quantity > MAX_QUANTITY:
            skipped += 1
            continue
        line = ShopOrderLine(organization_id=org.id, order_id=order.id, line_item_id=_text_id(raw.get("id")),
                             sku=sku[:80], quantity=quantity, unit_price=_unit_price(raw, quantity),
                             status="problem")
        db.session.add(line)
        db.session.flush()
        item = match_sku(org, sku)
        if item is None:
            line.reason = "unknown_sku"
            problems += 1
            continue
        try:
            with db.session.begin_nested():
                sale = _sell(org, actor, order, line, item)
        except InsufficientStock:
            line.reason = "insufficient_stock"
            problems += 1
            continue
        line.status, line.sale_id, line.resolved_at = "sold", sale.id, utcnow()
        sold += 1
    parts = [f"Order {name}: {sold} line{'s' if sold != 1 else ''} sold"]
    if problems:
        parts.append(f"{problems} kept as problem{'s' if problems != 1 else ''}")
    if skipped:
        parts.append(f"{skipped} without a SKU ignored")
    return ", ".join(parts) + "."



def _orders_cancelled(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("id"))
    if order_id is None:
        return "A cancellation without an order id; nothing returned."
    order = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id)
    if order is None:  # cancelled before its creation reached us: remember it, so it never sells
        order = ShopOrder(organization_id=org.id, connection_id=connection.id, order_id=order_id,
                          name=_order_name(payload), cancelled_at=utcnow())
        db.session.add(order)
        db.session.flush()
        return f"Order {order.name} cancelled before it was received; it will not be sold."
    returned, closed = Decimal(0), 0
    for line in _lines(org, order):
        if line.status == "sold" and line.sale_id is not None:
            sale = tenancy.get_for_org(Sale, line.sale_id, org)
            left = sale.quantity - sale.returned_quantity
            if left > 0:
                sales.return_sale(org, actor, sale.id, quantity=left, notes=f"Shopify order {order.name} cancelled")
                returned += left
        elif line.status == "problem":
            line.status, line.resolved_at = "cancelled", utcnow()
            closed += 1
    order.cancelled_at = order.cancelled_at or utcnow()
    text = f"Order {order.name} cancelled: {_qty(returned)} returned to stock"
    return text + (f", {closed} open problem{'s' if closed != 1 else ''} closed." if closed else ".")



def _refunds_create(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("order_id"))
    order = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id) if order_id else None
    if order is None:
        return f"Refund for order {order_id}, which never reached us; nothing to return."
    lines = _lines(org, order)
    returned, kept, reduced = Decimal(0), Decimal(0), 0
    for raw in payload.get("refund_line_items") or []:
        if not isinstance(raw, dict):
            continue
        quantity = _decimal(raw.get("quantity"))
        if quantity is None or quantity <= 0:
            continue
        line_item = raw.get("line_item") if isinstance(raw.get("line_item"), dict) else {}
        line_item_id = _text_id(raw.get("line_item_id") or line_item.get("id"))
        sku = line_item.get("sku").strip() if isinstance(line_item.get("sku"), str) else ""
        matches = [line for line in lines if line_item_id and line.line_item_id == line_item_id]
        if not matches and sku:
            matches = [line for line in lines if line.sku == sku]
        if raw.get("restock_type") == "no_restock":
            kept += quantity
            continue
        rest = quantity
        for line in matches:
            if rest <= 0:
                break
            if line.status == "sold" and line.sale_id is not None:
                sale = tenancy.get_for_org(Sale, line.sale_id, org)
                take = min(rest, sale.quantity - sale.returned_quantity)
                if take > 0:
                    sales.return_sale(org, actor, sale.id, quantity=take, notes=f"Shopify refund, order {order.name}")
                    returned += take
                    rest -= take
            elif line.status == "problem":  # never sold: refunding it shrinks the problem
                take = min(rest, line.quantity)
                line.quantity -= take
                rest -= take
                reduced += 1
                if line.quantity <= 0:
                    line.status, line.resolved_at = "cancelled", utcnow()
    text = f"Refund on order {order.name}: {_qty(returned)} returned to the lots sold from"
    if kept:
        text += f", {_qty(kept)} refunded without restocking (no stock moved)"
    if reduced:
        text += f", {reduced} open problem{'s' if reduced != 1 else ''} reduced"
    return text + "."



HANDLERS = {"orders/create": _orders_create, "orders/cancelled": _orders_cancelled,
             "refunds/create": _refunds_create}



def _sell(org, actor, order: ShopOrder, line: ShopOrderLine, item) -> Sale:
    return sales.record_sale(org, actor, item_id=item.id, quantity=line.quantity, unit_price=line.unit_price,
                             order_ref=order.name, channel=CHANNEL, sold_at=order.ordered_at,
                             notes=f"Shopify order {order.name} ({order.order_id})")



def _problem(org, connection_id, problem_id) -> ShopOrderLine:
    connection = _live_connection(org, connection_id)
    line = tenancy.get_for_org_for_update(ShopOrderLine, problem_id, org, label="Problem")
    if line.order.connection_id != connection.id:
        raise NotFound(f"Problem {problem_id} not found.")
    if line.status != "problem":
        raise InvalidState(f"This problem is already {'resolved' if line.status == 'sold' else line.status}.")
    return line



def _lines(org, order) -> list[ShopOrderLine]:
    stmt = tenancy.scoped(ShopOrderLine, org).where(ShopOrderLine.order_id == order.id).order_by(ShopOrderLine.id)
    return list(db.session.scalars(stmt))
