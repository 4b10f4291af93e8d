"""Purchase orders: draft (from lines, or from one supplier's reorder suggestions), edit lines while draft,
send, cancel. Receiving is in receiving.py. Every public call is one transaction.

Lines hold quantities in the item's unit and the unit cost per item unit: a line given in another unit
("2 kg at 9 per kg" of an item stocked in g) is converted when it is written (2000 g at 0.009 per g).
"""
from __future__ import annotations

from contextlib import contextmanager
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ...extensions import db
from ...models import InventoryItem, PurchaseOrder, PurchaseOrderLine, Supplier
from ...models.types import COST_QUANTUM, utcnow
from .. import sequences, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import DomainError, InvalidState, ValidationFailed
from ..timezones import org_today
from ..validation import clean_text
from .supplier_items import order_quantity, parse_unit_cost, supplier_items_for

MAX_LINES = 200


@contextmanager
def field_prefix(prefix: str):
    """Typed errors raised inside name their fields under `prefix` (lines.0.quantity), for forms and JSON."""
    try:
        yield
    except DomainError as error:
        error.fields = {f"{prefix}{name}": message for name, message in (error.fields or {}).items()}
        raise


@unit_of_work
def create_purchase_order(org, actor, *, supplier_id, lines, notes="") -> PurchaseOrder:
    """A draft purchase order to one supplier with these lines ({item_id, quantity, unit?, unit_cost?};
    a missing unit cost is the supplier's price for the item)."""
    authorize(actor, org, "suppliers.manage")
    supplier = _supplier(org, supplier_id)
    order = PurchaseOrder(organization_id=org.id, supplier_id=supplier.id, status="draft",
                          number=_next_number(org), notes=clean_text(notes, "notes", 5000),
                          created_by_id=getattr(actor, "id", None))
    db.session.add(order)
    _write_lines(org, order, supplier, lines, require=True)
    db.session.flush()
    return order


@unit_of_work
def draft_purchase_order_from_reorder(org, actor, supplier_id) -> PurchaseOrder:
    """A draft for one supplier with a line per item of theirs below its reorder point: the order quantity
    (suggestion rounded up to the pack size), at the supplier's price, else the item's average cost."""
    from .. import control_tower, inventory

    authorize(actor, org, "suppliers.manage")
    supplier = _supplier(org, supplier_id)
    suggestions = [line for line in control_tower.list_reorder(org, actor) if line.item.supplier_id == supplier.id]
    details = supplier_items_for(org, [(supplier.id, line.item.id) for line in suggestions])
    summaries = inventory.item_summaries(org, [line.item for line in suggestions]) if suggestions else {}
    lines = []
    for line in suggestions:
        detail = details.get((supplier.id, line.item.id))
        quantity = order_quantity(org, line.item, line.reorder.suggested_quantity,
                                  detail.pack_size if detail else None)
        if quantity <= 0:
            continue
        cost = detail.unit_price if detail and detail.unit_price is not None else summaries[line.item.id].avg_unit_cost
        lines.append({"item_id": line.item.id, "quantity": quantity, "unit_cost": cost or Decimal(0)})
    if not lines:
        raise ValidationFailed(f"Nothing from {supplier.name} is at or below its reorder point.",
                               fields={"supplier_id": "Nothing to reorder from this supplier."})
    return create_purchase_order(org, actor, supplier_id=supplier.id, lines=lines,
                                 notes="Drafted from the reorder suggestions.")


@unit_of_work
def update_purchase_order(org, actor, po_id, *, lines=None, notes=None) -> PurchaseOrder:
    """Change a draft's lines and notes. `lines` replaces them all: an entry with `id` (or `line_id`) edits
    that line, one without adds a line, and lines left out are removed."""
    authorize(actor, org, "suppliers.manage")
    order = tenancy.get_for_org_for_update(PurchaseOrder, po_id, org)
    if order.status != "draft":
        raise InvalidState(f"{order.number} is {_status_text(order)}; only a draft's lines can be changed.")
    if notes is not None:
        order.notes = clean_text(notes, "notes", 5000)
    if lines is not None:
        _write_lines(org, order, order.supplier, lines, require=False)
    db.session.flush()
    return order


@unit_of_work
def send_purchase_order(org, actor, po_id) -> PurchaseOrder:
    """Mark a draft as sent to the supplier: its quantities now count as on order."""
    authorize(actor, org, "suppliers.manage")
    order = tenancy.get_for_org_for_update(PurchaseOrder, po_id, org)
    if order.status != "draft":
        raise InvalidState(f"{order.number} is {_status_text(order)}; only a draft can be sent.")
    if not order.lines:
        raise ValidationFailed("Add at least one line before sending.", fields={"lines": "Add at least one line."})
    order.status = "sent"
    order.sent_at = utcnow()
    db.session.flush()
    _sync_alerts(org, order)
    return order


@unit_of_work
def cancel_purchase_order(org, actor, po_id) -> PurchaseOrder:
    """Cancel an order (a draft, a sent one, or what is still to arrive of a partly received one); lots
    already received stay."""
    authorize(actor, org, "suppliers.manage")
    order = tenancy.get_for_org_for_update(PurchaseOrder, po_id, org)
    if order.status in ("received", "cancelled"):
        raise InvalidState(f"{order.number} is {_status_text(order)}; it cannot be cancelled.")
    order.status = "cancelled"
    order.cancelled_at = utcnow()
    db.session.flush()
    _sync_alerts(org, order)
    return order


# ---- helpers -------------------------------------------------------------------------------------------

def _supplier(org, supplier_id) -> Supplier:
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    if supplier.archived_at is not None:
        raise ValidationFailed(f"{supplier.name} is archived; restore the supplier to order from them.",
                               fields={"supplier_id": "This supplier is archived."})
    return supplier


def _next_number(org) -> str:
    year = org_today(org).year
    return f"PO-{year}-{sequences.next_value(org, f'purchase_order_{year}'):04d}"


def _write_lines(org, order: PurchaseOrder, supplier: Supplier, raw_lines, *, require: bool) -> None:
    if not isinstance(raw_lines, (list, tuple)):
        raise ValidationFailed("Lines must be a list.", fields={"lines": "Must be a list."})
    if require and not raw_lines:
        raise ValidationFailed("Add at least one line.", fields={"lines": "Add at least one line."})
    if len(raw_lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines.", fields={"lines": f"At most {MAX_LINES} lines."})
    existing = {line.id: line for line in order.lines}
    parsed = []
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise ValidationFailed("Each line is an object.", fields={f"lines.{index}": "Must be an object."})
        with field_prefix(f"lines.{index}."):
            parsed.append(_line_values(org, raw, existing))
    items = {values["item"].id for values in parsed}
    prices = supplier_items_for(org, [(supplier.id, item_id) for item_id in items])
    kept = set()
    for position, values in enumerate(parsed):
        item = values.pop("item")
        line_id = values.pop("line_id")
        if values["unit_cost"] is None:
            detail = prices.get((supplier.id, item.id))
            if detail is None or detail.unit_price is None:
                message = f"Enter the unit cost of {item.name} (no price from {supplier.name} is on record)."
                raise ValidationFailed(message, fields={f"lines.{position}.unit_cost": "Enter a unit cost."})
            values["unit_cost"] = detail.unit_price
        if line_id is not None:
            line = existing[line_id]
            kept.add(line_id)
        else:
            line = PurchaseOrderLine(organization_id=org.id, received_quantity=Decimal(0))
            order.lines.append(line)
        line.item_id = item.id
        line.unit = item.unit
        line.quantity = values["quantity"]
        line.unit_cost = values["unit_cost"]
        line.position = position
    for line_id, line in existing.items():
        if line_id not in kept:
            order.lines.remove(line)


def _line_values(org, raw: dict, existing: dict) -> dict:
    from ..inventory import require_whole_count

    line_id = raw.get("id", raw.get("line_id"))
    if line_id not in (None, ""):
        parsed_id = tenancy.parse_id(line_id)
        if parsed_id not in existing:
            raise ValidationFailed("That line is not on this purchase order.", fields={"id": "Unknown line."})
        line_id = parsed_id
    else:
        line_id = None
    if raw.get("item_id") in (None, ""):
        raise ValidationFailed("Choose an item.", fields={"item_id": "Choose an item."})
    item = tenancy.get_for_org(InventoryItem, raw.get("item_id"), org)
    if item.archived_at is not None:
        raise ValidationFailed(f"{item.name} is archived.", fields={"item_id": "This item is archived."})
    requested = units.parse_quantity(raw.get("quantity"))
    unit = raw.get("unit")
    unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
    if unit is not None:
        units.unit_def(org, unit)  # an unknown unit is unknown_unit on the `unit` field
    quantity = units.to_item_quantity(org, item, requested, unit)
    require_whole_count(org, item, quantity)
    cost = parse_unit_cost(raw.get("unit_cost"), allow_blank=True)
    if cost is not None and quantity != requested:  # per `unit` → per item unit
        with localcontext() as ctx:
            ctx.prec = 60
            cost = (cost * requested / quantity).quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
    return {"line_id": line_id, "item": item, "quantity": quantity, "unit_cost": cost}


def _status_text(order: PurchaseOrder) -> str:
    return order.status.replace("_", " ")


def _sync_alerts(org, order: PurchaseOrder) -> None:
    """What is on order changed: bring these items' below-reorder alerts up to date in this transaction."""
    from .. import control_tower

    item_ids = {line.item_id for line in order.lines}
    if item_ids:
        control_tower.sync_alerts(org, item_ids=item_ids, batch_ids=None, items_scope=True, batches_scope=False)
