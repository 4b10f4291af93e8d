"""Unit conversion: the one authority for quantities, units, densities and item unit mappings.

Every unit has a dimension and `factor` = base units per one of it (bases g, mL, each, m). Within a
dimension a conversion is a ratio of factors; weight↔volume goes through the item's density (g/mL);
count↔weight/volume (or any other pair of dimensions) goes through the item's own unit mappings
("1 bar = 113 g", "1 each = 250 mL"). A mapping may name a unit the units table does not know
("bar", "bag"), which then exists only for that item. Arithmetic is exact Decimal with a wide
context; only to_item_quantity rounds (to the 6 decimal places a stock quantity keeps).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import DIMENSIONS, InventoryItem, ItemUnitMapping, Unit
from ..models.types import QUANTUM
from ..seeds.units import GLOBAL_UNITS
from . import tenancy
from .authz import authorize
from .base import unit_of_work
from .errors import InvalidQuantity, InvalidState, MissingDensity, MissingUnitMapping, NotFound, UnknownUnit, \
    ValidationFailed

MAX_QUANTITY = Decimal("1e9")
MAX_DENSITY = Decimal("100")
FACTOR_QUANTUM = Decimal(1).scaleb(-18)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CACHE_KEY = "batchtrack_units_cache"


# ---- quantities ------------------------------------------------------------------------------------

def parse_quantity(value, field: str = "quantity", *, allow_zero: bool = False,
                   maximum: Decimal = MAX_QUANTITY) -> Decimal:
    """A positive (or, with allow_zero, non-negative) finite Decimal below `maximum`, else InvalidQuantity."""
    number = parse_decimal(value, field, error=InvalidQuantity)
    if allow_zero and number < 0:
        raise InvalidQuantity("Enter zero or more.", fields={field: "Must be zero or more."})
    if not allow_zero and number <= 0:
        raise InvalidQuantity("Enter a quantity greater than zero.", fields={field: "Must be greater than zero."})
    if number >= maximum:
        raise InvalidQuantity(f"That number is too large (it must be below {maximum:,}).",
                              fields={field: f"Must be below {maximum:,}."})
    return number


def parse_decimal(value, field: str, *, error=ValidationFailed) -> Decimal:
    """A finite Decimal from a string or number (never a bool, NaN or infinity), else `error`."""
    message = "Enter a number, for example 12.5."
    if value is None or isinstance(value, bool):
        raise error(message, fields={field: "Enter a number."})
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER_RE.match(text):
            raise error(message, fields={field: "Enter a number."})
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise error(message, fields={field: "Enter a number."}) from None
    else:
        raise error(message, fields={field: "Enter a number."})
    if not number.is_finite():
        raise error(message, fields={field: "Enter a finite number."})
    return number


def clean_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros or an exponent (1000, not 1E+3 or 1000.000000)."""
    value = value.normalize()
    if value == 0:
        return Decimal(0)
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


# ---- units -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitDef:
    """A plain snapshot of a unit (safe to keep across commits)."""

    name: str
    dimension: str
    factor: Decimal


@unit_of_work
def seed_units() -> int:
    """Create or update the global units (idempotent); returns how many there are."""
    existing = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.organization_id.is_(None)))}
    for name, label, dimension, factor in GLOBAL_UNITS:
        unit = existing.get(name)
        if unit is None:
            unit = Unit(organization_id=None, name=name, is_custom=False)
            db.session.add(unit)
        unit.label = label
        unit.dimension = dimension
        unit.factor = factor
    db.session.info.pop(_CACHE_KEY, None)
    return len(GLOBAL_UNITS)


def unit_factor(unit: Unit) -> Decimal:
    """The unit's exact factor (stored exactly on every backend: models.types.ExactText)."""
    return clean_decimal(Decimal(unit.factor))


def _units_for(org):
    org_id = org if isinstance(org, int) else org.id
    return select(Unit).where(or_(Unit.organization_id.is_(None), Unit.organization_id == org_id))


def list_units(org, actor=None) -> list[Unit]:
    """Global units plus the organization's own, grouped by dimension and ordered by size."""
    if actor is not None:
        authorize(actor, org, "inventory.view")
    rows = list(db.session.scalars(_units_for(org)))
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    rows.sort(key=lambda u: (order.get(u.dimension, 99), u.factor, u.name.lower()))
    return rows


def resolve_unit(org, name, field: str = "unit") -> Unit:
    """The global or organization unit named `name` (case-insensitive), else UnknownUnit."""
    if isinstance(name, Unit):
        return name
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise UnknownUnit("Choose a unit.", fields={field: "Choose a unit."})
    rows = list(db.session.scalars(_units_for(org).where(func.lower(Unit.name) == text.lower())))
    if not rows:
        raise UnknownUnit(f"Unknown unit “{text}”.", fields={field: f"Unknown unit “{text}”."})
    rows.sort(key=lambda u: u.organization_id is None)  # an organization's own unit first
    return rows[0]


def _unit_table(org) -> dict[str, UnitDef]:
    """All units the organization can use, keyed by lower-cased name; loaded once per session."""
    org_id = org if isinstance(org, int) else org.id
    cache = db.session.info.setdefault(_CACHE_KEY, {})
    table = cache.get(org_id)
    if table is None:
        table = {}
        for unit in db.session.scalars(_units_for(org_id)):
            key = unit.name.lower()
            if key not in table or unit.organization_id is not None:
                table[key] = UnitDef(unit.name, unit.dimension, unit_factor(unit))
        cache[org_id] = table
    return table


def _forget_units() -> None:
    db.session.info.pop(_CACHE_KEY, None)


def unit_def(org, name, field: str = "unit") -> UnitDef:
    """Snapshot of a known unit (cached per session), else UnknownUnit."""
    if isinstance(name, Unit):
        return UnitDef(name.name, name.dimension, unit_factor(name))
    text = name.strip() if isinstance(name, str) else ""
    found = _unit_table(org).get(text.lower()) if text else None
    if found is None:
        message = f"Unknown unit “{text}”." if text else "Choose a unit."
        raise UnknownUnit(message, fields={field: message})
    return found


# ---- conversion ------------------------------------------------------------------------------------

def convert(org, quantity, from_unit, to_unit, *, item=None) -> Decimal:
    """`quantity` of `from_unit` expressed in `to_unit` (exact Decimal), via density or item mappings."""
    quantity = parse_decimal(quantity, "quantity", error=InvalidQuantity)
    mappings = _Mappings(org, item)
    with localcontext() as ctx:
        ctx.prec = 60
        src_unit, src_mult = _side(org, from_unit, mappings, "unit")
        dst_unit, dst_mult = _side(org, to_unit, mappings, "to_unit")
        if src_unit == dst_unit and src_mult == dst_mult:
            return quantity
        amount = quantity * src_mult * src_unit.factor  # in the base unit of the source dimension
        amount = _bridge(amount, src_unit.dimension, dst_unit.dimension, item, mappings, org)
        return clean_decimal(amount / dst_unit.factor / dst_mult)


def to_item_quantity(org, item, quantity, unit=None) -> Decimal:
    """`quantity` of `unit` (default: the item's unit) in the item's stock unit, rounded to 6 places."""
    quantity = parse_decimal(quantity, "quantity", error=InvalidQuantity)
    if unit is None or (isinstance(unit, str) and unit.strip().lower() == item.unit.lower()) or unit == "":
        value = quantity
    else:
        value = convert(org, quantity, unit, item.unit, item=item)
    rounded = value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if rounded == 0 and value != 0:
        raise InvalidQuantity(f"That quantity is too small to record in {item.unit}.",
                              fields={"quantity": f"Too small for the item's unit ({item.unit})."})
    if abs(rounded) >= MAX_QUANTITY:
        raise InvalidQuantity("That quantity is too large.", fields={"quantity": "Too large."})
    return rounded


class _Mappings:
    """An item's unit mappings, loaded at most once per conversion and only when needed."""

    def __init__(self, org, item):
        self.org, self.item, self._rows = org, item, None

    @property
    def rows(self) -> list[ItemUnitMapping]:
        if self._rows is None:
            self._rows = [] if self.item is None or self.item.id is None else list(db.session.scalars(
                tenancy.scoped(ItemUnitMapping, self.org).where(ItemUnitMapping.item_id == self.item.id)
                .order_by(ItemUnitMapping.id)))
        return self._rows

    def named(self, name: str) -> ItemUnitMapping | None:
        key = name.strip().lower()
        return next((m for m in self.rows if m.unit_name.lower() == key), None)


def _side(org, unit, mappings: _Mappings, field: str) -> tuple[UnitDef, Decimal]:
    """(a real unit, multiplier): one of `unit` = multiplier of that real unit."""
    try:
        return unit_def(org, unit, field), Decimal(1)
    except UnknownUnit:
        if mappings.item is None or not isinstance(unit, str):
            raise
        mapping = mappings.named(unit)
        if mapping is None:
            raise
        return unit_def(org, mapping.in_unit, field), Decimal(mapping.quantity)


def _bridge(amount: Decimal, src: str, dst: str, item, mappings: _Mappings, org) -> Decimal:
    """Base amount of dimension `src` → base amount of dimension `dst`, by the shortest chain of links."""
    if src == dst:
        return amount
    density = Decimal(item.density) if item is not None and item.density else None
    if density is not None and {src, dst} == {"weight", "volume"}:
        return amount * density if src == "volume" else amount / density
    links = _links(org, density, mappings)
    path = _shortest_path(links, src, dst)
    if path is None:
        _raise_missing(org, item, src, dst, density, mappings)
    for a, b in zip(path, path[1:]):
        amount = amount * links[a][b]
    return amount


def _links(org, density, mappings: _Mappings) -> dict[str, dict[str, Decimal]]:
    """dimension → {other dimension: base units of the other per base unit of this one}."""
    links: dict[str, dict[str, Decimal]] = {d: {} for d in DIMENSIONS}
    if density is not None:
        links["volume"]["weight"] = density
        links["weight"]["volume"] = 1 / density
    for mapping in mappings.rows if mappings.item is not None else []:
        try:
            left = unit_def(org, mapping.unit_name)
            right = unit_def(org, mapping.in_unit)
        except UnknownUnit:
            continue  # an item-only unit ("bar") is handled at the ends, not as a bridge
        if left.dimension == right.dimension:
            continue
        ratio = Decimal(mapping.quantity) * right.factor / left.factor
        links[left.dimension].setdefault(right.dimension, ratio)
        links[right.dimension].setdefault(left.dimension, 1 / ratio)
    return links


def _shortest_path(links, src: str, dst: str) -> list[str] | None:
    frontier, seen = [[src]], {src}
    while frontier:
        path = frontier.pop(0)
        for nxt in links.get(path[-1], {}):
            if nxt in seen:
                continue
            if nxt == dst:
                return path + [nxt]
            seen.add(nxt)
            frontier.append(path + [nxt])
    return None


def _raise_missing(org, item, src: str, dst: str, density, mappings: _Mappings):
    name = item.name if item is not None else "this item"
    item_id = item.id if item is not None else None
    if density is None:
        with_density = _links(org, Decimal(1), mappings)
        if _shortest_path(with_density, src, dst) is not None:
            message = f"{name} has no density; set its density (g/mL) to convert between {src} and {dst}."
            raise MissingDensity(message, item_id=item_id, fields={"density": message})
    message = (f"{name} has no unit mapping between {src} and {dst}; "
               f"add one such as “1 each = 113 g” to convert.")
    raise MissingUnitMapping(message, item_id=item_id, fields={"unit": message})


# ---- organization units, densities, item mappings ----------------------------------------------------

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
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound("Unit not found.") from None
    unit = db.session.scalar(select(Unit).where(Unit.id == unit_id, Unit.organization_id == org.id))
    if unit is None:
        raise NotFound(f"Unit {unit_id} not found.")
    return unit


def _unit_name(value, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed("Enter a unit name.", fields={field: "Enter a unit name."})
    if len(text) > 40:
        raise ValidationFailed("Unit names are at most 40 characters.", fields={field: "At most 40 characters."})
    return text


def parse_density(value, field: str = "density") -> Decimal | None:
    """A density in g/mL (0 < d < 100, 6 places), or None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    density = parse_quantity(value, field, maximum=MAX_DENSITY)
    density = density.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if density == 0:
        raise InvalidQuantity("That density is too small.", fields={field: "Too small."})
    return density


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


def list_item_unit_mappings(org, item_id, actor=None) -> list[ItemUnitMapping]:
    """The item's own units, oldest first."""
    if actor is not None:
        authorize(actor, org, "inventory.view")
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    return _Mappings(org, item).rows
