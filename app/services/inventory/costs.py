"""Costs as a person bought them: a lot's unit cost (kept per the item's unit) restated per the unit the
stock was bought in ("$0.0093 per g" is also "$4.22 per lb"). Reads only; the lots come from the caller."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...models.types import COST_QUANTUM
from .. import units
from ..errors import DomainError


@dataclass(frozen=True)
class CostInUnit:
    """A unit cost restated per another unit ("$4.22 per lb" beside "$0.0093 per g")."""

    cost: Decimal
    unit: str


def cost_in_unit(org, item, unit_cost, unit: str | None) -> CostInUnit | None:
    """`unit_cost` (per the item's unit) per `unit` instead, or None when there is no such other unit or
    it no longer converts (a density or unit mapping removed since)."""
    if unit_cost is None or not unit:
        return None
    per = _item_units_per(org, item, unit)
    return None if per is None else CostInUnit((Decimal(unit_cost) * per).quantize(COST_QUANTUM), unit)


def _item_units_per(org, item, unit: str) -> Decimal | None:
    """How many of the item's units one `unit` is; None for the item's own unit or one that does not convert."""
    if unit.lower() == item.unit.lower():
        return None
    try:
        return units.convert(org, 1, unit, item.unit, item=item)
    except DomainError:
        return None


def purchase_unit_costs(org, lots) -> dict[int, CostInUnit]:
    """For each lot bought in another unit than its item's: its unit cost per that purchase unit (the lots'
    items already read by the caller). Each item and unit converts once, however many lots share them (a
    unit of the item's own, such as "case", reads its mappings)."""
    result, per_unit = {}, {}
    for lot in lots:
        if not lot.purchase_unit or lot.unit_cost is None:
            continue
        key = (lot.item_id, lot.purchase_unit.lower())
        if key not in per_unit:
            per_unit[key] = _item_units_per(org, lot.item, lot.purchase_unit)
        if per_unit[key] is not None:
            result[lot.id] = CostInUnit((Decimal(lot.unit_cost) * per_unit[key]).quantize(COST_QUANTUM),
                                        lot.purchase_unit)
    return result


def average_cost_bought(org, item, average_cost, lots) -> CostInUnit | None:
    """The item's average unit cost restated per the unit it was last bought in (the newest of `lots` with a
    purchase unit), or None when none was bought in another unit."""
    bought = [lot for lot in lots if lot.purchase_unit]
    if average_cost is None or not bought:
        return None
    newest = max(bought, key=lambda lot: (lot.received_at, lot.id))
    return cost_in_unit(org, item, average_cost, newest.purchase_unit)
