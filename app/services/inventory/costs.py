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
    if unit_cost is None or not unit or unit.lower() == item.unit.lower():
        return None
    try:
        per = units.convert(org, 1, unit, item.unit, item=item)
    except DomainError:
        return None
    return CostInUnit((Decimal(unit_cost) * per).quantize(COST_QUANTUM), unit)


def purchase_unit_costs(org, lots) -> dict[int, CostInUnit]:
    """For each lot bought in another unit than its item's: its unit cost per that purchase unit (the lots'
    items already read by the caller)."""
    result = {}
    for lot in lots:
        if lot.purchase_unit:
            found = cost_in_unit(org, lot.item, lot.unit_cost, lot.purchase_unit)
            if found is not None:
                result[lot.id] = found
    return result
