"""Locations: where stock is (workshop, warehouse, store, market). Every organization has one default location
(created with the organization, or the first time one is needed); lots carry their location."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func

from ...extensions import db
from ...models import LOCATION_KINDS, InventoryLot, Location
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import ValidationFailed
from ..validation import clean_text

DEFAULT_LOCATION_NAME = "Workshop"


def find_default_location(org) -> Location | None:
    """The organization's default location, without creating it (reads)."""
    return tenancy.find_for_org(Location, org, is_default=True)


def default_location(org) -> Location:
    """The organization's default location, created ("Workshop") the first time it is needed (flushes only:
    the caller's unit of work commits it)."""
    location = find_default_location(org)
    if location is None:
        name = DEFAULT_LOCATION_NAME
        if tenancy.find_for_org(Location, org, name=name) is not None:
            name = f"{DEFAULT_LOCATION_NAME} (default)"
        location = Location(organization_id=org.id, name=name, kind="workshop", is_default=True)
        db.session.add(location)
        db.session.flush()
    return location


def add_default_location(org) -> Location:
    """For a new organization (accounts.signup / create_organization): its default location, after the
    organization row has been flushed."""
    db.session.flush()
    return default_location(org)


def list_locations(org, actor, *, include_archived: bool = False) -> list[Location]:
    """The organization's locations, the default first, then by name (the default is created if missing)."""
    authorize(actor, org, "inventory.view")
    stmt = tenancy.scoped(Location, org)
    if not include_archived:
        stmt = stmt.where(Location.archived_at.is_(None))
    rows = list(db.session.scalars(stmt.order_by(Location.is_default.desc(), func.lower(Location.name),
                                                 Location.id)))
    if not any(location.is_default for location in rows):
        rows.insert(0, _ensure_default(org))
    return rows


@unit_of_work
def _ensure_default(org) -> Location:
    return default_location(org)


def get_location(org, actor, location_id) -> Location:
    """The organization's location, or NotFound (another organization's id too)."""
    authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(Location, location_id, org)


@unit_of_work
def create_location(org, actor, *, name, kind=None) -> Location:
    """A new location; its name is unique within the organization (case-insensitive)."""
    authorize(actor, org, "inventory.edit")
    name = clean_text(name, "name", 80, required=True, label="a name")
    kind = (kind or "workshop").strip() if isinstance(kind, str) or kind is None else kind
    if kind not in LOCATION_KINDS:
        raise ValidationFailed("Unknown kind of location.", fields={"kind": f"One of {', '.join(LOCATION_KINDS)}."})
    default_location(org)  # the default exists before any other location
    taken = db.session.scalar(tenancy.scoped(Location, org, func.count(Location.id))
                              .where(func.lower(Location.name) == name.lower()))
    if taken:
        raise ValidationFailed(f"There is already a location called {name}.", fields={"name": "Already used."})
    location = Location(organization_id=org.id, name=name, kind=kind, is_default=False)
    db.session.add(location)
    db.session.flush()
    return location


def location_for(org, location_id, field: str = "location_id") -> Location | None:
    """The location named by an input (None when absent); NotFound for an unknown or other org's id."""
    if location_id in (None, ""):
        return None
    return tenancy.get_for_org(Location, location_id, org)


@dataclass
class LocationStock:
    location_id: int
    quantity: Decimal
    available: Decimal

    def __getitem__(self, key):
        return getattr(self, key)


def lot_location_id(lot, default_id: int | None) -> int | None:
    """The lot's location, a lot without one counting as at the default location."""
    return lot.location_id if lot.location_id is not None else default_id


def in_transit_quantities(org, item_ids) -> dict[int, Decimal]:
    """Σ remaining of lots in transit per item (one query); the reorder engine's in-transit input."""
    ids = sorted({int(i) for i in item_ids})
    result = {item_id: Decimal(0) for item_id in ids}
    if not ids:
        return result
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id, func.sum(InventoryLot.remaining_quantity))
            .where(InventoryLot.item_id.in_(ids), InventoryLot.in_transit.is_(True),
                   InventoryLot.remaining_quantity > 0)
            .group_by(InventoryLot.item_id))
    for item_id, total in db.session.execute(stmt):
        result[item_id] = Decimal(total or 0)
    return result


def location_names(org) -> dict[int, str]:
    """{id: name} of every location of the organization (one query, for pages)."""
    return {row.id: row.name for row in db.session.execute(tenancy.scoped(Location, org, Location.id, Location.name))}

