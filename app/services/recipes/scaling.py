"""Recipe arithmetic: a version's lines at a scale, the scale for a target yield or batch weight, the stock
check, the cost preview and the production plan (shopping list) of several recipes. Never writes."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from ...extensions import db
from ...models import InventoryItem, Recipe, RecipeLine, RecipeVersion, Supplier
from ...models.types import utcnow
from .. import tenancy, units
from ..authz import authorize
from ..errors import ValidationFailed
from ..inventory import fifo, stock_check
from .queries import get_recipe
from .validation import _items_by_id, parse_scale
from .versions import _version

START_ROLES = ("ingredient", "consumable")


@dataclass
class ScaledLine:
    line: RecipeLine
    item: InventoryItem
    quantity: Decimal  # in the line's unit, exact
    unit: str
    item_quantity: Decimal  # in the item's unit, rounded to 6 places


def scaled_lines(org, version: RecipeVersion, scale: Decimal, *, roles=None, portions: int | None = None
                 ) -> list[ScaledLine]:
    """Every line's quantity at `scale` (per-portion lines × portions), converted to the item's unit."""
    items = _items_by_id(org, [line.item_id for line in version.lines])
    portion_count = portions if portions is not None else (
        (Decimal(version.portion_count) * scale) if version.portion_count else scale)
    result = []
    for line in version.lines:
        if roles and line.role not in roles:
            continue
        multiplier = Decimal(portion_count) if line.basis == "portion" else scale
        quantity = line.quantity * multiplier
        item = items[line.item_id]
        result.append(ScaledLine(line, item, quantity, line.unit,
                                 units.to_item_quantity(org, item, quantity, line.unit)))
    return result


def scale_for_yield(org, recipe: Recipe, target_quantity, target_unit=None) -> Decimal:
    """The factor that makes the current version yield `target_quantity` (of `target_unit`)."""
    version = _version(org, recipe)
    target = units.parse_quantity(target_quantity, "target_yield")
    if target_unit and target_unit.strip().lower() != version.yield_unit.lower():
        target = units.convert(org, target, target_unit, version.yield_unit)
    return (target / version.yield_quantity).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def scale_for_batch_weight(org, recipe: Recipe, target_weight, unit: str = "g") -> Decimal:
    """Percentage recipes: the factor that makes all weight lines add up to `target_weight`."""
    version = _version(org, recipe)
    target_grams = units.convert(org, units.parse_quantity(target_weight, "target_weight"), unit, "g")
    total = Decimal(0)
    for line in version.lines:
        if line.basis == "batch" and line.role == "ingredient":
            if units.resolve_unit(org, line.unit).dimension == "weight":
                total += units.convert(org, line.quantity, line.unit, "g")
    if total == 0:
        raise ValidationFailed("This recipe has no weighed ingredient lines to scale by weight.")
    return (target_grams / total).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def check_recipe_stock(org, actor, recipe_id, scale) -> tuple[Recipe, Decimal, stock_check.StockCheck]:
    """Stock check of the current version at `scale`, every line (containers too), shortfall per line."""
    recipe = get_recipe(org, actor, recipe_id)
    scale = parse_scale(scale)
    lines = scaled_lines(org, _version(org, recipe), scale)
    needs = [(line.item.id, line.item_quantity, line.item.unit) for line in lines]
    return recipe, scale, stock_check.check_stock(org, actor, needs)


@dataclass
class CostLine:
    item: InventoryItem
    quantity: Decimal
    unit: str
    cost: Decimal
    unit_cost: Decimal | None
    priced_quantity: Decimal


@dataclass
class CostPreview:
    lines: list[CostLine] = field(default_factory=list)
    total: Decimal = Decimal(0)
    per_yield_unit: Decimal | None = None
    yield_unit: str = ""
    complete: bool = True  # False when some quantity has no stock to price it


def cost_preview(org, actor, recipe_id, scale=Decimal(1), *, version: RecipeVersion | None = None) -> CostPreview:
    """What a batch would cost now: each line priced at the lots FIFO would consume (read only). `version`:
    the recipe's current version when the caller has already read it."""
    recipe = get_recipe(org, actor, recipe_id)
    scale = parse_scale(scale)
    if version is None or version.recipe_id != recipe.id or version.version != recipe.current_version:
        version = _version(org, recipe)
    preview = CostPreview(yield_unit=version.yield_unit)
    now = utcnow()
    lines = scaled_lines(org, version, scale)
    needs: dict = {}
    for line in lines:
        needs[line.item.id] = max(needs.get(line.item.id, Decimal(0)), line.item_quantity)
    first = fifo.first_lots(org, list(needs), now=now, needs=needs, window=None)  # every line's lots, one query
    for line in lines:
        plan = fifo.plan_consumption(org, line.item, line.item_quantity, now=now, first_chunk=first[line.item.id])
        cost = sum((qty * lot.unit_cost for lot, qty in plan.takes), Decimal(0))
        priced = plan.total
        unit_cost = (cost / priced) if priced else None
        if plan.short > 0:
            preview.complete = False
            if unit_cost is not None:  # price the shortfall at the average of what is in stock
                cost += plan.short * unit_cost
        preview.lines.append(CostLine(line.item, line.item_quantity, line.item.unit, cost, unit_cost, priced))
        preview.total += cost
    planned_yield = version.yield_quantity * scale
    preview.per_yield_unit = preview.total / planned_yield if planned_yield else None
    return preview


@dataclass
class PlanLine:
    item: InventoryItem
    needed: Decimal
    available: Decimal
    short: Decimal
    unit: str
    supplier_name: str
    lead_time_days: int | None


def production_plan(org, actor, entries) -> list[PlanLine]:
    """Total needs of several (recipe_id, scale) entries per item, what is available, what is short."""
    authorize(actor, org, "recipes.view")
    totals: "OrderedDict[int, Decimal]" = OrderedDict()
    items: dict[int, InventoryItem] = {}
    for recipe_id, scale in entries:
        recipe = tenancy.get_for_org(Recipe, recipe_id, org)
        for line in scaled_lines(org, _version(org, recipe), parse_scale(scale)):
            totals[line.item.id] = totals.get(line.item.id, Decimal(0)) + line.item_quantity
            items[line.item.id] = line.item
    available = stock_check.available_quantities(org, totals.keys())
    suppliers = _suppliers_for(org, items.values())
    plan = []
    for item_id, needed in totals.items():
        item = items[item_id]
        supplier = suppliers.get(item.supplier_id)
        plan.append(PlanLine(item, needed, available[item_id], max(needed - available[item_id], Decimal(0)),
                             item.unit, supplier.name if supplier else "",
                             supplier.lead_time_days if supplier else None))
    return plan


def _suppliers_for(org, items) -> dict:
    ids = {item.supplier_id for item in items if item.supplier_id}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(tenancy.scoped(Supplier, org).where(Supplier.id.in_(sorted(ids))))}


def weight_in_grams(org, item, quantity, unit) -> Decimal | None:
    """`quantity` of `unit` for `item` in grams, or None when it cannot be weighed (no density/mapping)."""
    try:
        return units.convert(org, quantity, unit, "g", item=item)
    except ValidationFailed:
        return None
