"""Full cost (API.md "Batches", "Full cost"): materials + labour + overhead.

The organization's `labour_rate`, `overhead_percent` and `overhead_per_batch` (org settings, default 0) apply
unless the recipe sets its own (0 included). `labour_cost` = rate × minutes ÷ 60, `overhead_cost` = materials
× percent ÷ 100 + per batch, `total_cost` = materials + labour + overhead: an estimate while the batch is in
progress, frozen on the batch at finish, fail or cancel. With nothing set, total_cost = materials."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ...models import Batch, Recipe
from ...models.types import MONEY_QUANTUM
from .. import org_settings, units
from ..errors import ValidationFailed

RATE_FIELDS = ("labour_rate", "overhead_percent", "overhead_per_batch")
MAX_MINUTES = Decimal(525600)  # a year


@dataclass(frozen=True)
class Rates:
    labour_rate: Decimal
    overhead_percent: Decimal
    overhead_per_batch: Decimal


@dataclass(frozen=True)
class FullCost:
    labour_minutes: Decimal
    labour_cost: Decimal
    overhead_cost: Decimal
    total_cost: Decimal


def rates_for(org, recipe: Recipe | None) -> Rates:
    """The rates a recipe's batches use: the recipe's own value where set (0 included), else the org's."""
    settings = org_settings.get_settings(org)
    values = {}
    for name in RATE_FIELDS:
        own = getattr(recipe, name, None) if recipe is not None else None
        values[name] = Decimal(own) if own is not None else Decimal(settings[name])
    return Rates(**values)


def _money(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)


def full_cost(rates: Rates, materials: Decimal, labour_minutes) -> FullCost:
    """Labour, overhead and total for `materials` (the batch's input cost) and `labour_minutes`."""
    minutes = Decimal(labour_minutes or 0)
    with localcontext() as ctx:
        ctx.prec = 60
        labour = _money(rates.labour_rate * minutes / 60)
        overhead = _money(Decimal(materials) * rates.overhead_percent / 100 + rates.overhead_per_batch)
        return FullCost(minutes, labour, overhead, Decimal(materials) + labour + overhead)


def parse_minutes(value, field: str = "labour_minutes") -> Decimal | None:
    """Labour minutes: blank → None, else a number from 0 to a year's worth."""
    if value in (None, ""):
        return None
    minutes = units.parse_decimal(value, field)
    if minutes < 0 or minutes > MAX_MINUTES:
        raise ValidationFailed("Labour minutes must be between 0 and 525,600.",
                               fields={field: "Between 0 and 525,600."})
    return minutes


def batch_full_cost(org, batch: Batch, recipe: Recipe | None, materials: Decimal) -> FullCost:
    """A batch's full cost: as frozen once it left progress, else the estimate at today's rates with the
    recipe's labour minutes (`materials` = what the batch consumed, as the API reports it)."""
    if batch.status != "in_progress" and batch.total_cost is not None:
        labour = batch.labour_cost or Decimal(0)
        overhead = batch.overhead_cost or Decimal(0)
        return FullCost(batch.labour_minutes or Decimal(0), labour, overhead, Decimal(materials) + labour + overhead)
    if batch.status != "in_progress":  # finished before full costing existed: materials only
        return FullCost(Decimal(0), Decimal(0), Decimal(0), Decimal(materials))
    minutes = batch.labour_minutes if batch.labour_minutes is not None else getattr(recipe, "labour_minutes", None)
    return full_cost(rates_for(org, recipe), materials, minutes)


def freeze(org, batch: Batch, recipe: Recipe | None, materials: Decimal, labour_minutes=None) -> FullCost:
    """Store labour, overhead and total on the batch (at finish, fail or cancel)."""
    minutes = labour_minutes if labour_minutes is not None else (
        batch.labour_minutes if batch.labour_minutes is not None else getattr(recipe, "labour_minutes", None))
    cost = full_cost(rates_for(org, recipe), materials, minutes)
    batch.labour_minutes = cost.labour_minutes
    batch.labour_cost = cost.labour_cost
    batch.overhead_cost = cost.overhead_cost
    batch.total_cost = _money(cost.total_cost)
    return cost
