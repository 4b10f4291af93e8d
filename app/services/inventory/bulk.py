"""Many items or many receipts at once (the CSV import): every row checked exactly as create_item and restock
check one, all of them before anything is written, then written together in a few statements — or, when any
row fails, nothing. The rows' problems come back per row index, so the caller can name each one.

The stock side keeps the movements invariants: one lot and one `restock` ledger event per row, the item's
quantity raised by the same amount, lot and event codes from the organization's counters (reserved at once).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import Integer, column, func, values
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot, Location, Supplier
from ...models.inventory import new_public_token
from ...models.types import utcnow
from .. import sequences, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import DomainError, InvalidState, UnknownUnit, ValidationFailed
from ..validation import clean_text
from .common import require_whole_count
from .expiration import expiry_for_receipt, parse_date, parse_datetime
from .fifo import event_codes
from .items import _item_values
from .locations import default_location
from .movements import _cost_per_item_unit, _purchase_unit

IMPORT_NOTE = "Imported from CSV"
CHUNK = 2000  # ids and codes per IN (…) read-back


@dataclass
class BulkOutcome:
    """What a bulk call wrote (nothing when any row failed, or when only checking) and each failed row's error,
    by the row's index in the list given."""

    written: list = field(default_factory=list)
    errors: dict[int, DomainError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Did every row pass?"""
        return not self.errors


@unit_of_work
def create_items_bulk(org, actor, rows: list[dict], *, write: bool = True) -> BulkOutcome:
    """Create one item per row (name, kind, unit, density, shelf_life_days, reorder_point, supplier_id): names
    unique against the organization's active items and within the rows. All or nothing; `write=False` checks."""
    authorize(actor, org, "inventory.edit")
    outcome = BulkOutcome()
    wanted = {_int(row.get("supplier_id")) for row in rows} - {None}
    suppliers = set(db.session.scalars(tenancy.scoped(Supplier, org, Supplier.id).where(
        Supplier.id.in_(sorted(wanted))))) if wanted else set()
    taken = {name.lower() for name in db.session.scalars(tenancy.scoped(InventoryItem, org, InventoryItem.name)
                                                         .where(InventoryItem.archived_at.is_(None)))}
    earlier: set[str] = set()
    items = []
    for index, row in enumerate(rows):
        fields = {"allergens": "", "notes": "", **{k: v for k, v in row.items() if k != "supplier_id"}}
        values, errors = _checked_item_values(org, fields)
        supplier = row.get("supplier_id")
        if supplier not in (None, "") and _int(supplier) not in suppliers:
            errors.append(ValidationFailed("Choose one of your suppliers.", fields={"supplier_id": "Unknown supplier."}))
        key = values["name"].lower() if values.get("name") else None
        if key in taken:
            errors.append(ValidationFailed(f"You already have an item named “{values['name']}”.",
                                           fields={"name": "Already in use."}))
        elif key in earlier:
            errors.append(ValidationFailed(f"“{values['name']}” is on an earlier row of the file too.",
                                           fields={"name": "Named twice in the file."}))
        if key:
            earlier.add(key)  # a later row of the same name is named twice even when this row has other problems
        if errors:
            outcome.errors[index] = _one_error(errors, "name")
            continue
        items.append({"organization_id": org.id, "quantity": Decimal(0), "supplier_id": _int(supplier),
                      "allow_fractions": False, **values})
    if write and outcome.ok and items:
        db.session.flush()
        db.session.execute(InventoryItem.__table__.insert(), items)  # one executemany, no per-row RETURNING
        names = [item["name"].lower() for item in items]
        created = []
        for start in range(0, len(names), CHUNK):
            created += db.session.scalars(tenancy.scoped(InventoryItem, org).where(
                InventoryItem.archived_at.is_(None), func.lower(InventoryItem.name).in_(names[start:start + CHUNK])))
        _note_items(org, [item.id for item in created])
        outcome.written = sorted(created, key=lambda item: item.id)
    return outcome


@unit_of_work
def restock_many(org, actor, rows: list[dict], *, write: bool = True, notes: str = IMPORT_NOTE) -> BulkOutcome:
    """Receive one lot per row (item_id, quantity, unit, unit_cost, received_at, expires_at, supplier_lot_code,
    location_id), each checked as restock() checks it. All or nothing; `write=False` only checks."""
    authorize(actor, org, "inventory.adjust")
    outcome = BulkOutcome()
    item_ids = sorted({i for i in (_int(row.get("item_id")) for row in rows) if i is not None})
    if write:
        items = {item.id: item for item in tenancy.lock_for_org(InventoryItem, item_ids, org)}
    else:
        items = {item.id: item for item in db.session.scalars(
            tenancy.scoped(InventoryItem, org).where(InventoryItem.id.in_(item_ids)))} if item_ids else {}
    location_ids = sorted({i for i in (_int(row.get("location_id")) for row in rows) if i is not None})
    locations = {place.id: place for place in db.session.scalars(
        tenancy.scoped(Location, org).where(Location.id.in_(location_ids)))} if location_ids else {}
    notes = clean_text(notes, "notes", 5000)
    now = utcnow()
    receipts = []
    for index, row in enumerate(rows):
        try:
            receipts.append(_receipt(org, row, items, locations, now))
        except DomainError as error:
            outcome.errors[index] = error
    if not write or not outcome.ok or not receipts:
        return outcome
    default = default_location(org) if any(r["location_id"] is None for r in receipts) else None
    last = sequences.next_value(org, "lot", len(receipts))
    codes = [f"LOT-{number:06d}" for number in range(last - len(receipts) + 1, last + 1)]
    db.session.flush()
    db.session.execute(InventoryLot.__table__.insert(), [{  # one executemany, no per-row RETURNING
        "organization_id": org.id, "item_id": receipt["item"].id, "code": code, "received_at": receipt["received_at"],
        "original_quantity": receipt["quantity"], "remaining_quantity": receipt["quantity"],
        "unit_cost": receipt["unit_cost"], "supplier_id": receipt["supplier_id"],
        "supplier_lot_code": receipt["supplier_lot_code"], "expires_on": receipt["expires_on"], "notes": notes,
        "location_id": receipt["location_id"] or default.id, "in_transit": False, "public_token": new_public_token(),
        "purchase_unit": receipt["purchase_unit"],
    } for receipt, code in zip(receipts, codes)])
    lot_ids: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        lot_ids.update((code, lot_id) for lot_id, code in db.session.execute(tenancy.scoped(
            InventoryLot, org, InventoryLot.id, InventoryLot.code).where(InventoryLot.code.in_(codes[start:start + CHUNK]))))
    user_id = getattr(actor, "id", None)
    events = [{"organization_id": org.id, "code": event_code, "item_id": receipt["item"].id, "lot_id": lot_ids[code],
               "change_type": "restock", "quantity": receipt["quantity"], "unit_cost": receipt["unit_cost"],
               "user_id": user_id, "notes": notes, "created_at": now}
              for receipt, code, event_code in zip(receipts, codes, event_codes(org, "restock", len(receipts)))]
    db.session.execute(InventoryEvent.__table__.insert(), events)
    added: dict[int, Decimal] = {}
    for receipt in receipts:
        added[receipt["item"].id] = added.get(receipt["item"].id, Decimal(0)) + receipt["quantity"]
    _raise_quantities(org, {item_id: items[item_id].quantity + quantity for item_id, quantity in added.items()},
                      items)
    _note_items(org, added)
    outcome.written = events
    return outcome


def _raise_quantities(org, totals: dict[int, Decimal], items: dict) -> None:
    """Set the (locked) items' new quantities. PostgreSQL: one UPDATE … FROM (VALUES …) (an executemany UPDATE
    is a round trip per row there); SQLite: the ORM's executemany (fast in-process)."""
    if db.engine.dialect.name != "postgresql":
        for item_id, total in totals.items():
            items[item_id].quantity = total
        db.session.flush()
        return
    table = InventoryItem.__table__
    now = utcnow()
    rows = list(totals.items())
    for start in range(0, len(rows), CHUNK):
        new = values(column("id", Integer), column("quantity", table.c.quantity.type), name="new_quantities") \
            .data(rows[start:start + CHUNK])
        db.session.execute(table.update().where(table.c.id == new.c.id, table.c.organization_id == org.id)
                           .values(quantity=new.c.quantity, updated_at=now))
    for item_id, total in totals.items():  # the loaded rows say what the database now holds
        set_committed_value(items[item_id], "quantity", total)
        set_committed_value(items[item_id], "updated_at", now)


def _note_items(org, item_ids) -> None:
    """Rows written by bulk INSERTs: have the alerts of these items re-evaluated before the commit, as any flush
    that touches an item would."""
    from ..control_tower.hooks import note_items

    note_items(db.session(), org.id, item_ids)


def _receipt(org, row: dict, items: dict, locations: dict, now) -> dict:
    """One row's lot values, checked as restock() checks them. A bad row raises every independent problem it has
    at once (_one_error), but none that only follows from another failed field: no conversion of a quantity that
    is not a number, nor of a unit for an unknown item."""
    errors: list[DomainError] = []

    def check(parse, *args):
        try:
            return parse(*args)
        except DomainError as error:
            errors.append(error)
            return _BAD

    item = items.get(_int(row.get("item_id")))
    if item is None:
        errors.append(ValidationFailed("Item not found.", fields={"item_id": "Unknown item."}))
    elif item.archived_at is not None:
        errors.append(InvalidState(f"{item.name} is archived; restore it before receiving stock."))
    location_id = row.get("location_id")
    if location_id not in (None, ""):
        location = locations.get(_int(location_id))
        if location is None:
            errors.append(ValidationFailed("Unknown location.", fields={"location_id": "Unknown location."}))
        elif location.archived_at is not None:
            errors.append(ValidationFailed(f"{location.name} is archived.",
                                           fields={"location_id": "Archived location."}))
        location_id = location.id if location is not None else None
    requested = check(units.parse_quantity, row.get("quantity"))
    unit, qty, cost = row.get("unit"), _BAD, _BAD
    if item is not None and requested is not _BAD:
        qty = check(units.to_item_quantity, org, item, requested, unit)
        if qty is not _BAD:
            check(require_whole_count, org, item, qty)
            cost = check(_cost_per_item_unit, row.get("unit_cost"), requested, qty)
    elif item is not None and isinstance(unit, str) and unit.strip():
        check(_known_unit, org, item, unit)
    if qty is _BAD:  # the cost alone: is it a number, zero or more?
        check(_cost_per_item_unit, row.get("unit_cost"), Decimal(1), Decimal(1))
    received = check(parse_datetime, row.get("received_at"), "received_at")
    if received is not _BAD:
        received = received or now
        if received > now + timedelta(days=1):
            errors.append(ValidationFailed("The received date cannot be in the future.",
                                           fields={"received_at": "Cannot be in the future."}))
    expires_at = row.get("expires_at") or None
    if item is not None and received is not _BAD:
        expires_on = check(expiry_for_receipt, item, received, expires_at)
    elif expires_at is not None:
        check(parse_date, expires_at, "expires_at")
    lot_code = check(clean_text, row.get("supplier_lot_code"), "supplier_lot_code", 80)
    if errors:
        raise _one_error(errors, "item_id")
    return {"item": item, "quantity": qty, "unit_cost": cost, "received_at": received, "expires_on": expires_on,
            "supplier_lot_code": lot_code or None, "supplier_id": item.supplier_id, "location_id": location_id or None,
            "purchase_unit": _purchase_unit(org, item, unit)}


_BAD = object()  # a field of the row that failed its check


def _known_unit(org, item, unit) -> None:
    """UnknownUnit when `unit` is neither a known unit nor one of the item's own. Whether it converts to the
    item's unit is not asked: the quantity failed, so nothing would be converted."""
    try:
        units.convert(org, Decimal(1), unit, item.unit, item=item)
    except UnknownUnit:
        raise
    except DomainError:
        pass


def _checked_item_values(org, fields: dict) -> tuple[dict, list[DomainError]]:
    """The row's item values as create_item checks them, and its problems: when the row fails, each field is
    checked on its own, so that every bad field is named (not only the first); a problem no single field shows
    (one between fields) is kept as the whole row's."""
    try:
        return _item_values(org, fields), []
    except DomainError as error:
        values: dict = {}
        errors: list[DomainError] = []
        for key, value in {"name": None, "kind": None, "unit": None, **fields}.items():
            try:
                values.update(_item_values(org, {key: value}, item=_NEW_ITEM))
            except DomainError as field_error:
                errors.append(field_error)
        return values, errors or [error]


_NEW_ITEM = SimpleNamespace(id=None, capacity_unit=None)  # _item_values checks only the given fields for an item


def _one_error(errors: list[DomainError], default_field: str) -> DomainError:
    """A row's problems as one error: the only one as raised, else a ValidationFailed with the first message and
    every problem's field (a problem without a field under `default_field`; the first message of a field wins)."""
    if len(errors) == 1:
        return errors[0]
    fields: dict[str, str] = {}
    for error in errors:
        for key, message in (error.fields or {default_field: error.message}).items():
            fields.setdefault(key, str(message) or error.message)
    return ValidationFailed(errors[0].message, fields=fields)


def _int(value) -> int | None:
    """A row id as an int, or None (blank or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip()) if str(value).strip() else None
    except ValueError:
        return None

