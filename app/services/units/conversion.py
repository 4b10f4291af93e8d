"""Unit conversion: quantities between units, through densities and item unit mappings.

Every unit has a dimension and `factor` = base units per one of it (bases g, mL, each, m). Within a
dimension a conversion is a ratio of factors; weight↔volume goes through the item's density (g/mL);
count↔weight/volume (or any other pair of dimensions) goes through the item's own unit mappings
("1 bar = 113 g", "1 each = 250 mL"). A mapping may name a unit the units table does not know
("bar", "bag"), which then exists only for that item. Arithmetic is exact Decimal with a wide
context; only to_item_quantity rounds (to the 6 decimal places a stock quantity keeps).
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ...extensions import db
from ...models import DIMENSIONS, ItemUnitMapping
from ...models.types import QUANTUM
from .. import tenancy
from ..errors import InvalidQuantity, MissingDensity, MissingUnitMapping, UnknownUnit
from .quantities import MAX_QUANTITY, clean_decimal, parse_decimal
from .registry import UnitDef, unit_def


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


def item_mappings(org, item) -> list[ItemUnitMapping]:
    """The unit mappings of an item the caller has already read (through an authorized call), oldest first."""
    return _Mappings(org, item).rows


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
