"""Inventory items: create, edit, link to the global library, archive and restore (never stock)."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func

from ...extensions import db
from ...models import ITEM_KINDS, GlobalItem, InventoryItem, InventoryLot
from ...models.types import QUANTUM, utcnow
from .. import tenancy, units
from ..authz import authorize
from ..barcodes import checked_barcode
from ..base import unit_of_work
from ..errors import NotFound, ValidationFailed
from ..library import get_library_item
from ..validation import clean_text
from .common import checked_supplier_id

LIBRARY_LOCKED = ("name", "inci_name", "density")
ITEM_FIELDS = frozenset({
    "name", "kind", "unit", "density", "shelf_life_days", "reorder_point", "safety_stock", "inci_name",
    "allergens", "capacity", "capacity_unit", "supplier_id", "notes", "global_item_id", "allow_fractions", "sku",
    "lead_time_days", "barcode",
})


@unit_of_work
def create_item(org, actor, *, name, kind, unit, density=None, shelf_life_days=None, reorder_point=None,
                safety_stock=None, inci_name=None, allergens="", capacity=None, capacity_unit=None,
                supplier_id=None, notes="", global_item_id=None, allow_fractions=False, sku=None,
                lead_time_days=None, barcode=None) -> InventoryItem:
    """Add an item; linked to a library entry it takes the entry's name, INCI and density."""
    authorize(actor, org, "inventory.edit")
    values = _item_values(org, dict(
        name=name, kind=kind, unit=unit, density=density, shelf_life_days=shelf_life_days,
        reorder_point=reorder_point, safety_stock=safety_stock, inci_name=inci_name, allergens=allergens,
        capacity=capacity, capacity_unit=capacity_unit, supplier_id=supplier_id, notes=notes,
        allow_fractions=allow_fractions, sku=sku, lead_time_days=lead_time_days, barcode=barcode))
    item = InventoryItem(organization_id=org.id, quantity=Decimal(0), **values)
    if global_item_id not in (None, ""):
        _copy_library_identity(item, _library_entry(global_item_id))
    _check_name_free(org, item.name)
    db.session.add(item)
    db.session.flush()
    return item


@unit_of_work
def update_item(org, actor, item_id, **fields) -> InventoryItem:
    """Edit an item; library-owned identity stays locked while linked; the unit only before any stock."""
    authorize(actor, org, "inventory.edit")
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"update_item got unknown field(s): {', '.join(sorted(unknown))}")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if "global_item_id" in fields:
        link = fields.pop("global_item_id")
        if link in (None, ""):
            item.global_item_id = None
        else:
            entry = _library_entry(link)
            if entry.id != item.global_item_id:
                _copy_library_identity(item, entry)
    values = _item_values(org, fields, item=item)
    if item.global_item_id is not None:
        locked = {k: "Linked to the global library; unlink the item to edit this."
                  for k in LIBRARY_LOCKED if k in values and values[k] != getattr(item, k)}
        if locked:
            raise ValidationFailed("This item is linked to the global library, which owns its name, INCI name "
                                   "and density. Unlink it to edit them.", fields=locked)
    if "unit" in values and values["unit"] != item.unit and _has_lots(org, item):
        message = "The stock unit cannot change once stock has been recorded in it."
        raise ValidationFailed(message, fields={"unit": message})
    for key, value in values.items():
        setattr(item, key, value)
    if item.archived_at is None:
        _check_name_free(org, item.name, exclude_id=item.id)
    return item


@unit_of_work
def link_library_item(org, actor, item_id, global_item_id) -> InventoryItem:
    """Link an item to a global library entry: it takes the entry's name, INCI name and density."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    _copy_library_identity(item, _library_entry(global_item_id))
    _check_name_free(org, item.name, exclude_id=item.id)
    return item


@unit_of_work
def unlink_library_item(org, actor, item_id) -> InventoryItem:
    """Unlink an item from the library; it keeps its current values, now editable."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    item.global_item_id = None
    return item


@unit_of_work
def archive_item(org, actor, item_id) -> InventoryItem:
    """Hide an item from lists and pickers; its lots and history stay."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if item.archived_at is None:
        item.archived_at = utcnow()
    return item


@unit_of_work
def restore_item(org, actor, item_id) -> InventoryItem:
    """Bring an archived item back."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if item.archived_at is not None:
        _check_name_free(org, item.name, exclude_id=item.id)
        item.archived_at = None
    return item


def _item_values(org, fields: dict, item: InventoryItem | None = None) -> dict:
    """Validated column values for the given fields (all required ones when creating)."""
    values: dict = {}
    creating = item is None
    if creating or "name" in fields:
        values["name"] = clean_text(fields.get("name"), "name", 120, required=True, label="a name")
    if creating or "kind" in fields:
        kind = fields.get("kind") or "ingredient"
        if kind not in ITEM_KINDS:
            raise ValidationFailed(f"Kind must be one of {', '.join(ITEM_KINDS)}.",
                                   fields={"kind": f"One of {', '.join(ITEM_KINDS)}."})
        values["kind"] = kind
    if creating or "unit" in fields:
        values["unit"] = units.unit_def(org, fields.get("unit"), "unit").name
    if "density" in fields:
        values["density"] = units.parse_density(fields["density"])
    if "shelf_life_days" in fields:
        values["shelf_life_days"] = _shelf_life(fields["shelf_life_days"])
    for key in ("reorder_point", "safety_stock"):
        if key in fields:
            values[key] = _optional_quantity(fields[key], key, allow_zero=True)
    if "lead_time_days" in fields:
        values["lead_time_days"] = _lead_time(fields["lead_time_days"])
    if "inci_name" in fields:
        values["inci_name"] = clean_text(fields["inci_name"], "inci_name", 255) or None
    if "allergens" in fields:
        allergens = fields["allergens"]
        if isinstance(allergens, (list, tuple)):
            allergens = ", ".join(str(a).strip() for a in allergens if str(a).strip())
        values["allergens"] = clean_text(allergens, "allergens", 500)
    if "capacity" in fields:
        values["capacity"] = _optional_quantity(fields["capacity"], "capacity")
    if "capacity_unit" in fields:
        unit = fields["capacity_unit"]
        values["capacity_unit"] = units.unit_def(org, unit, "capacity_unit").name if unit else None
    if values.get("capacity") is not None and not (values.get("capacity_unit") or (item and item.capacity_unit)):
        raise ValidationFailed("Choose the unit of the capacity.", fields={"capacity_unit": "Choose a unit."})
    if "supplier_id" in fields:
        values["supplier_id"] = checked_supplier_id(org, fields["supplier_id"])
    if "notes" in fields:
        values["notes"] = clean_text(fields["notes"], "notes", 5000)
    if "allow_fractions" in fields:
        if fields["allow_fractions"] not in (None, True, False):
            raise ValidationFailed("allow_fractions must be true or false.",
                                   fields={"allow_fractions": "Must be true or false."})
        values["allow_fractions"] = bool(fields["allow_fractions"])
    if "sku" in fields:
        values["sku"] = _sku(org, fields["sku"], item)
    if "barcode" in fields:
        values["barcode"] = checked_barcode(org, fields["barcode"], item_id=item.id if item else None)
    return values


def _sku(org, value, item: InventoryItem | None) -> str | None:
    """The shop SKU code, trimmed (shop orders match it exactly); blank clears it; unique per organization."""
    sku = clean_text(value, "sku", 80) or None
    if sku is not None:
        other = tenancy.find_for_org(InventoryItem, org, sku=sku)
        if other is not None and (item is None or other.id != item.id):
            message = f"SKU {sku} is already used by {other.name}."
            raise ValidationFailed(message, fields={"sku": message})
    return sku


def _lead_time(value) -> int | None:
    """Days from order to delivery (0 to 365); blank: the supplier's lead time, else 7 (the reorder engine)."""
    if value is None or value == "":
        return None
    message = "Lead time is a whole number of days from 0 to 365."
    try:
        if isinstance(value, bool) or (isinstance(value, (float, Decimal)) and value != int(value)):
            raise ValueError
        days = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(message, fields={"lead_time_days": "Whole days from 0 to 365."}) from None
    if not 0 <= days <= 365:
        raise ValidationFailed(message, fields={"lead_time_days": "Whole days from 0 to 365."})
    return days


def _shelf_life(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or (isinstance(value, (float, Decimal)) and value != int(value)):
            raise ValueError
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Shelf life is a whole number of days.", fields={"shelf_life_days": "Whole days."}) \
            from None
    if not 1 <= days <= 36500:
        raise ValidationFailed("Shelf life must be 1 to 36500 days.", fields={"shelf_life_days": "1 to 36500 days."})
    return days


def _optional_quantity(value, field: str, *, allow_zero: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return units.parse_quantity(value, field, allow_zero=allow_zero).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def _library_entry(global_item_id) -> GlobalItem:
    try:
        return get_library_item(global_item_id)
    except NotFound:
        raise ValidationFailed("That library entry does not exist.",
                               fields={"global_item_id": "Unknown entry."}) from None


def _copy_library_identity(item: InventoryItem, entry: GlobalItem) -> None:
    item.global_item_id = entry.id
    item.name = entry.name
    item.inci_name = entry.inci
    item.density = entry.density
    if item.shelf_life_days is None:
        item.shelf_life_days = entry.shelf_life_days
    if not item.allergens and entry.allergens:
        item.allergens = ", ".join(entry.allergens)
    if item.capacity is None and entry.capacity is not None:
        item.capacity, item.capacity_unit = entry.capacity, entry.capacity_unit


def _check_name_free(org, name: str, exclude_id: int | None = None) -> None:
    stmt = tenancy.scoped(InventoryItem, org, InventoryItem.id).where(
        func.lower(InventoryItem.name) == name.lower(), InventoryItem.archived_at.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(InventoryItem.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed(f"You already have an item named “{name}”.", fields={"name": "Already in use."})


def _has_lots(org, item) -> bool:
    return tenancy.find_for_org(InventoryLot, org, item_id=item.id) is not None
