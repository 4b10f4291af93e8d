"""Recording sales and returns: FIFO deduction of the item's usable lots, cost of goods sold from exactly those
lots, revenue and margin per sale; returns that credit the very lots a sale drew from.

revenue = quantity × unit_price; cogs = Σ consumed quantity × that lot's unit cost; margin = revenue − cogs.
A sale never digs into stock held by another order's open reservation.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, Reservation, Sale, SaleConsumption, Sku
from ...models.types import MONEY_QUANTUM, utcnow
from .. import inventory, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import BelowCost, InsufficientStock, InvalidState, ValidationFailed
from ..inventory import expiration, stock_check
from ..products import parse_price
from ..validation import clean_text

SALE_CHANGE_TYPE = "sale"
RETURN_CHANGE_TYPE = "returned"


def money(value: Decimal) -> Decimal:
    """Money at the stored precision (10 places), so the object in hand equals what the database keeps."""
    return Decimal(value).quantize(MONEY_QUANTUM)


def line_cost(row) -> Decimal:
    """A consumption row's cost exactly: quantity (6 places) × the lot's unit cost (10 places)."""
    return row.quantity * row.unit_cost


def exact_figures(sale: Sale) -> tuple[Decimal, Decimal, Decimal]:
    """(revenue, cogs, margin) exactly, from the stored factors. The money columns keep 10 places (SQLite:
    a float), which can round a 6-place quantity times a 10-place price or unit cost; API.md wants
    cogs = Σ quantity × lot unit cost and margin = revenue − cogs exactly."""
    revenue = sale.quantity * sale.unit_price
    cogs = sum((line_cost(row) for row in sale.consumption), Decimal(0))
    return revenue, cogs, revenue - cogs


# ---- recording ---------------------------------------------------------------------------------------

@unit_of_work
def record_sale(org, actor, *, item_id=None, sku_id=None, quantity, unit_price=None, unit=None, order_ref=None,
                channel=None, customer=None, reservation_id=None, notes="", sold_at=None,
                confirm_below_cost: bool | None = None) -> Sale:
    """Sell stock oldest-lot-first; COGS from the lots consumed, revenue and margin stored on the sale.

    `unit_price` blank uses the SKU's retail price. With `reservation_id` that open reservation (of this item)
    is converted: its held quantity counts as available for this sale. `confirm_below_cost=False` (the sale
    page) refuses a sale whose revenue is below its cost of goods with BelowCost, writing nothing; None (the
    API, imports) or True records it anyway."""
    authorize(actor, org, "products.sell")
    item, sku = _item_and_sku(org, item_id, sku_id)
    qty_requested = units.parse_quantity(quantity)
    if unit_price in (None, "") and sku is not None and sku.retail_price is not None:
        unit_price = sku.retail_price  # no price given: the SKU's retail price
    if unit_price in (None, ""):
        raise ValidationFailed("Enter the unit price.", fields={"unit_price": "Enter the unit price."})
    price = parse_price(unit_price, "unit_price")
    item = tenancy.get_for_org_for_update(InventoryItem, item.id, org)  # serializes sales of this item
    qty = units.to_item_quantity(org, item, qty_requested, unit)
    inventory.require_whole_count(org, item, qty)  # before the stock check: "1.5 each" is a typo, not a shortfall
    reservation = _reservation_for_sale(org, reservation_id, item) if reservation_id not in (None, "") else None
    now = utcnow()
    when = expiration.parse_datetime(sold_at, "date") if sold_at not in (None, "") else now
    if when > now + timedelta(days=1):
        raise ValidationFailed("A sale cannot be dated in the future.", fields={"date": "Cannot be in the future."})
    free = free_to_sell(org, item, reservation=reservation, now=now)
    if qty > free:
        raise insufficient(item, qty, free, org, now)
    sale = Sale(organization_id=org.id, item_id=item.id, sku_id=sku.id if sku else None, quantity=qty,
                unit_price=price, revenue=money(qty * price), cogs=Decimal(0), margin=Decimal(0),
                order_ref=clean_text(order_ref, "order_ref", 80) or None,
                channel=clean_text(channel, "channel", 40) or None,
                customer=clean_text(customer, "customer", 120) or None, notes=clean_text(notes, "notes", 5000),
                reservation_id=reservation.id if reservation else None, user_id=getattr(actor, "id", None),
                created_at=when)
    db.session.add(sale)
    db.session.flush()
    if reservation is not None:  # converted first, so the stock it held is free for this very sale
        reservation.status = "converted"
        reservation.sale_id = sale.id
        reservation.closed_at = now
        db.session.flush()
    events = inventory.deduct(org, actor, item.id, qty, change_type=SALE_CHANGE_TYPE, sale_id=sale.id,
                              permission="products.sell",
                              notes=f"Sale {sale.order_ref or sale.id}")
    cogs = Decimal(0)
    for event in events:
        taken = -event.quantity
        cost = money(taken * event.unit_cost)
        db.session.add(SaleConsumption(organization_id=org.id, sale_id=sale.id, lot_id=event.lot_id,
                                       event_id=event.id, quantity=taken, unit_cost=event.unit_cost, cost=cost,
                                       returned_quantity=Decimal(0)))
        cogs += cost
    sale.cogs = cogs
    sale.margin = sale.revenue - cogs
    if confirm_below_cost is False and sale.revenue < cogs:
        unit_cost = cogs / qty
        raise BelowCost(f"Below cost: {units.clean_decimal(price)} each is less than the cost of goods "
                        f"({units.clean_decimal(unit_cost.quantize(Decimal('0.01')))} each). Tick \"Sell below "
                        "cost\" to record it anyway.",
                        fields={"confirm_below_cost": "Confirm to sell below cost."})
    db.session.flush()
    db.session.expire(sale, ["consumption"])
    return sale


def free_to_sell(org, item, *, reservation: Reservation | None = None, now: datetime | None = None) -> Decimal:
    """Usable stock less every open reservation except the one this sale converts (item unit)."""
    now = now or utcnow()
    usable = stock_check.usable_quantities(org, [item.id], now=now)[item.id]
    reserved = stock_check.reserved_quantities(org, [item.id], now=now)[item.id]
    if reservation is not None:
        reserved -= reservation.quantity
    return max(usable - max(reserved, Decimal(0)), Decimal(0))


def insufficient(item, needed: Decimal, available: Decimal, org=None, now=None) -> InsufficientStock:
    """The shortfall of one item, naming its lots on hold (when `org` is given) so the cause is visible."""
    note = stock_check.hold_note(org, item, now=now) if org is not None else ""
    detail = (f"Needs {units.clean_decimal(needed)} {item.unit}; {'only ' if note else ''}"
              f"{units.clean_decimal(available)} {item.unit} available (usable lots less open reservations)"
              f"{': ' + note if note else ''}.")
    error = InsufficientStock(f"Not enough available stock of {item.name}: {detail}",
                              fields={item.name: detail, "quantity": detail})
    error.shortages = [{"item_id": item.id, "name": item.name, "needed": needed, "available": available,
                        "unit": item.unit, "shortfall": needed - available}]
    return error


def _item_and_sku(org, item_id, sku_id) -> tuple[InventoryItem, Sku | None]:
    sku = tenancy.get_for_org(Sku, sku_id, org) if sku_id not in (None, "") else None
    if item_id in (None, ""):
        if sku is None:
            raise ValidationFailed("Choose what was sold.", fields={"item_id": "Required."})
        return tenancy.get_for_org(InventoryItem, sku.item_id, org), sku
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    if sku is not None and sku.item_id != item.id:
        raise ValidationFailed("That SKU is not stocked as this item.", fields={"sku_id": "Does not match item_id."})
    if sku is None:
        sku = tenancy.find_for_org(Sku, org, item_id=item.id)
    return item, sku


def _reservation_for_sale(org, reservation_id, item) -> Reservation:
    reservation = tenancy.get_for_org_for_update(Reservation, reservation_id, org)
    status = reservation.effective_status(utcnow())
    if status != "open":
        raise InvalidState(f"Reservation {reservation.id} for order {reservation.order_ref} is {status}; only an "
                           "open reservation can be converted to a sale.")
    if reservation.item_id != item.id:
        raise ValidationFailed("That reservation is for another item.", fields={"reservation_id": "Other item."})
    return reservation


@unit_of_work
def return_sale(org, actor, sale_id, *, quantity=None, notes="") -> list[InventoryEvent]:
    """Credit returned stock to the exact lots the sale drew from (newest consumption first)."""
    authorize(actor, org, "sales.return")
    sale = tenancy.get_for_org_for_update(Sale, sale_id, org)
    returnable = sale.quantity - sale.returned_quantity
    if returnable <= 0:
        raise InvalidState("Everything from this sale has already been returned.")
    qty = returnable if quantity in (None, "") else units.parse_quantity(quantity)
    if qty > returnable:
        message = f"At most {units.clean_decimal(returnable)} can still be returned from this sale."
        raise ValidationFailed(message, fields={"quantity": message})
    rows = list(db.session.scalars(tenancy.scoped(SaleConsumption, org).where(SaleConsumption.sale_id == sale.id)
                                   .order_by(SaleConsumption.id.desc())))
    notes = clean_text(notes, "notes", 5000) or f"Return from sale {sale.order_ref or sale.id}"
    events, rest, cost = [], qty, Decimal(0)
    for row in rows:
        take = min(rest, row.quantity - row.returned_quantity)
        if take <= 0:
            continue
        events.append(inventory.credit_lot(org, actor, row.lot_id, take, change_type=RETURN_CHANGE_TYPE,
                                           permission="sales.return",
                                           sale_id=sale.id, notes=notes))
        row.returned_quantity += take
        cost += money(take * row.unit_cost)
        rest -= take
        if rest == 0:
            break
    if rest > 0:  # the consumption rows and the sale disagree: never happens unless data was edited by hand
        raise InvalidState("This sale's lots do not add up to its quantity; contact support.")
    sale.returned_quantity += qty
    sale.returned_revenue += money(qty * sale.unit_price)
    sale.returned_cogs += cost
    db.session.flush()
    return events
