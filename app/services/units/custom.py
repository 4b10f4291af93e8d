"""Custom units: an organization's own units, item densities and item unit mappings ("1 bar = 113 g")."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from ...extensions import db
from ...models import DIMENSIONS, InventoryItem, ItemUnitMapping, Unit
from ...models.types import QUANTUM
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidQuantity, InvalidState, ValidationFailed
from .conversion import _Mappings, item_mappings
from .quantities import parse_density, parse_quantity
from .registry import _forget_units, _unit_table, unit_def

FACTOR_QUANTUM = Decimal(1).scaleb(-18)


@unit_of_work
def create_custom_unit(org, actor, *, name, dimension, factor, label: str = "") -> Unit:
    """Add an organization unit ("scoop" = 30 mL) usable everywhere in that organization."""
    authorize(actor, org, "units.manage")
    name = _unit_name(name, "name")
    if name.lower() in _unit_table(org):
        raise ValidationFailed(f"A unit named “{name}” already exists.", fields={"name": "Already exists."})
    if dimension not in DIMENSIONS:
        raise ValidationFailed("Choose weight, volume, count or length.",
                               fields={"dimension": "Choose weight, volume, count or length."})
    factor = parse_quantity(factor, "factor").quantize(FACTOR_QUANTUM, rounding=ROUND_HALF_EVEN)
    if factor == 0:
        raise InvalidQuantity("That factor is too small.", fields={"factor": "Too small."})
    unit = Unit(organization_id=org.id, name=name, label=(label or "").strip()[:80], dimension=dimension,
                factor=factor, is_custom=True)
    db.session.add(unit)
    db.session.flush()
    _forget_units()
    return unit


@unit_of_work
def delete_custom_unit(org, actor, unit_id) -> None:
    """Delete an organization unit that no item, capacity or mapping uses."""
    authorize(actor, org, "units.manage")
    unit = _own_unit(org, unit_id)
    in_use = (tenancy.find_for_org(InventoryItem, org, unit=unit.name)
              or tenancy.find_for_org(InventoryItem, org, capacity_unit=unit.name)
              or tenancy.find_for_org(ItemUnitMapping, org, in_unit=unit.name)
              or tenancy.find_for_org(ItemUnitMapping, org, unit_name=unit.name))
    if in_use is not None:
        raise InvalidState(f"“{unit.name}” is in use by items or unit mappings; it cannot be deleted.")
    db.session.delete(unit)
    _forget_units()


def _own_unit(org, unit_id) -> Unit:
    """One of the organization's own units (a global unit is not its to delete), else NotFound."""
    return tenancy.get_for_org(Unit, unit_id, org)


def _unit_name(value, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed("Enter a unit name.", fields={field: "Enter a unit name."})
    if len(text) > 40:
        raise ValidationFailed("Unit names are at most 40 characters.", fields={field: "At most 40 characters."})
    return text


@unit_of_work
def set_item_density(org, actor, item_id, density) -> InventoryItem:
    """Set (or clear, with None) an item's density so weights and volumes of it convert."""
    authorize(actor, org, "units.manage")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    density = parse_density(density)
    if item.global_item_id is not None and density != item.density:
        message = "This item takes its density from the global library; unlink it to edit the density."
        raise ValidationFailed(message, fields={"density": message})
    item.density = density
    return item


@unit_of_work
def add_item_unit_mapping(org, actor, item_id, *, unit_name, quantity, in_unit) -> ItemUnitMapping:
    """Teach an item its own unit: 1 `unit_name` = `quantity` `in_unit` (1 bar = 113 g)."""
    authorize(actor, org, "units.manage")
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    name = _unit_name(unit_name, "unit_name")
    quantity = parse_quantity(quantity).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if quantity == 0:
        raise InvalidQuantity("That quantity is too small.", fields={"quantity": "Too small."})
    target = unit_def(org, in_unit, "in_unit")
    known = _unit_table(org).get(name.lower())
    if known is not None:
        name = known.name
        if known.dimension == target.dimension:
            message = f"{known.name} and {target.name} are both {target.dimension} units; they already convert."
            raise ValidationFailed(message, fields={"in_unit": message})
    if _Mappings(org, item).named(name) is not None:
        raise ValidationFailed(f"{item.name} already has a mapping for “{name}”.",
                               fields={"unit_name": "Already mapped; delete it first."})
    mapping = ItemUnitMapping(organization_id=org.id, item_id=item.id, unit_name=name, quantity=quantity,
                              in_unit=target.name)
    db.session.add(mapping)
    db.session.flush()
    return mapping


@unit_of_work
def delete_item_unit_mapping(org, actor, mapping_id) -> None:
    """Remove an item unit mapping."""
    authorize(actor, org, "units.manage")
    db.session.delete(tenancy.get_for_org(ItemUnitMapping, mapping_id, org))


def list_item_unit_mappings(org, actor, item_id) -> list[ItemUnitMapping]:
    """The item's own units, oldest first."""
    authorize(actor, org, "inventory.view")
    return item_mappings(org, tenancy.get_for_org(InventoryItem, item_id, org))
