"""Save a calculator's result as a recipe draft: every oil, the lye, the water and each additive become
recipe lines on items of the organization linked to the global library (created when missing), and the
recipe keeps the calculator inputs so it can be reopened in the calculator."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ...extensions import db
from ...models import GlobalItem, InventoryItem, Recipe
from .. import inventory, recipes, tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import ValidationFailed
from . import candle, inputs, lotion, soap

TOOLS = ("soap", "candle", "lotion")
LYE_ENTRIES = {"NaOH": "Sodium Hydroxide (Lye)", "KOH": "Potassium Hydroxide (KOH)"}
WATER_ENTRY = "Distilled Water"


@unit_of_work
def save_calculation_as_recipe(org, actor, tool: str, data: dict, *, name: str = "", pieces=None) -> Recipe:
    """Create a recipe (version 1) from a calculation; items missing in the organization are created,
    linked to their library entry. One transaction: nothing is kept if any line fails.

    `pieces` (soap and lotion, optional): how many bars or jars one batch makes; the recipe then yields that many
    "each" instead of the batch weight, so finishing a batch counts bars rather than grams."""
    authorize(actor, org, "recipes.edit")
    if tool not in TOOLS:
        raise ValidationFailed("Unknown calculator.", fields={"tool": "soap, candle or lotion."})
    name = inputs.text(name, "name", "Recipe name", required=False) or _default_name(tool)
    count = inputs.number(pieces, "pieces", "how many one batch makes", minimum=1, maximum=100000, required=False)
    if count is not None and count != count.to_integral_value():
        raise ValidationFailed("Enter how many one batch makes as a whole number, like 12.",
                               fields={"pieces": "Whole number."})
    if tool == "soap":
        values = _soap_recipe(org, actor, data)
    elif tool == "candle":
        values = _candle_recipe(org, actor, data)
    else:
        values = _lotion_recipe(org, actor, data)
    if count is not None and tool != "candle":  # a candle recipe already yields its vessels
        values.update(yield_quantity=count, yield_unit="each")
    recipe = recipes.create_recipe(org, actor, name=name, **values)
    recipe.calculator_inputs = {"tool": tool, "inputs": data}
    db.session.flush()
    return recipe


def _default_name(tool: str) -> str:
    return {"soap": "Soap from the calculator", "candle": "Candle from the calculator",
            "lotion": "Lotion from the calculator"}[tool]


def _soap_recipe(org, actor, data: dict) -> dict:
    spec = soap.parse_soap(data, allow_dual=True)
    result = soap.calculate_soap(spec)
    unit = spec.unit
    lines = [_line(org, actor, line.name, line.library_id, line.weight, unit, is_base=True, notes="oil")
             for line in result.lines]
    for lye, weight in (("NaOH", result.naoh_weight), ("KOH", result.koh_weight)):
        if weight > 0:
            note = "lye" if lye == "NaOH" else f"lye, {inputs.plain(spec.koh_purity)} % pure"
            lines.append(_line(org, actor, LYE_ENTRIES[lye], None, weight, unit, notes=note))
    if result.water_weight > 0:
        lines.append(_line(org, actor, WATER_ENTRY, None, result.water_weight, unit, notes="lye water"))
    for additive, weight in result.additive_lines:
        lines.append(_line(org, actor, additive.name, additive.library_id, weight, unit,
                           notes=f"{inputs.plain(additive.percent)} % of oils"))
    water_pct = spec.water_value if spec.water_mode == "percent_of_oils" else \
        result.water_weight * 100 / result.oils_weight
    return {"category": "soap", "superfat_pct": spec.superfat, "water_pct": inputs.rounded(water_pct, 4),
            "yield_quantity": inputs.rounded(result.batch_weight, 2), "yield_unit": unit, "lines": lines,
            "notes": f"Saved from the soap calculator ({spec.lye}, {inputs.plain(spec.superfat)} % superfat)."}


def _candle_recipe(org, actor, data: dict) -> dict:
    result = candle.calculate_candle(data)
    wax_name = inputs.text(data.get("wax_name"), "wax_name", "The wax", required=False) or "Soy Wax 464"
    fragrance_name = inputs.text(data.get("fragrance_name"), "fragrance_name", "The fragrance",
                                 required=False) or "Fragrance Oil (Vanilla)"
    lines = [_line(org, actor, wax_name, None, result.wax_weight, result.unit, is_base=True, notes="wax")]
    if result.fragrance_weight > 0:
        lines.append(_line(org, actor, fragrance_name, None, result.fragrance_weight, result.unit,
                           notes=f"{inputs.plain(result.fragrance_load)} % of wax"))
    notes = "Saved from the candle calculator."
    if result.wick_notes:
        notes += f"\nWick notes ({result.vessel_diameter or 'vessel'}): {result.wick_notes}"
    return {"category": "candle", "fragrance_load_pct": result.fragrance_load, "yield_quantity": result.vessels,
            "yield_unit": "each", "portion_count": None, "lines": lines, "notes": notes}


def _lotion_recipe(org, actor, data: dict) -> dict:
    result = lotion.calculate_lotion(data)
    lines = [_line(org, actor, line.name, None, line.weight, result.unit, notes=f"{line.phase} phase")
             for line in result.lines if line.weight > 0]
    return {"category": "lotion", "yield_quantity": result.batch_weight, "yield_unit": result.unit, "lines": lines,
            "notes": "Saved from the lotion calculator."}


def _line(org, actor, name: str, library_id, weight: Decimal, unit: str, *, is_base: bool = False,
          notes: str = "") -> dict:
    item = _item_for(org, actor, name, library_id)
    # a draft a maker weighs out: hundredths of a gram (or ounce) are finer than any workshop scale
    quantity = inputs.rounded(weight, 2) or inputs.rounded(weight)  # a pinch keeps its six places
    return {"item_id": item.id, "quantity": quantity, "unit": unit, "is_base": is_base,
            "notes": notes}


def _item_for(org, actor, name: str, library_id=None) -> InventoryItem:
    """The organization's item for this ingredient: the one linked to its library entry, else one with
    the same name, else a new item (linked to the library entry when there is one)."""
    entry = db.session.get(GlobalItem, library_id) if library_id else db.session.scalar(
        select(GlobalItem).where(func.lower(GlobalItem.name) == name.strip().lower()))
    active = InventoryItem.archived_at.is_(None)
    if entry is not None:
        linked = db.session.scalar(tenancy.scoped(InventoryItem, org).where(
            InventoryItem.global_item_id == entry.id, active).order_by(InventoryItem.id).limit(1))
        if linked is not None:
            return linked
        name = entry.name
    same_name = db.session.scalar(tenancy.scoped(InventoryItem, org).where(
        func.lower(InventoryItem.name) == name.strip().lower(), active).order_by(InventoryItem.id).limit(1))
    if same_name is not None:
        return same_name
    kind = entry.kind if entry is not None and entry.kind in ("ingredient", "consumable") else "ingredient"
    return inventory.create_item(org, actor, name=name, kind=kind, unit=entry.default_unit if entry else "g",
                                 global_item_id=entry.id if entry else None)
