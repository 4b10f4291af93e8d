"""Recipe input rules: names, percentages, label prefixes, the output item, version values and lines.

Private helpers the versions module builds recipes with; `parse_scale` and `derive_label_prefix` are public."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func

from ...extensions import db
from ...models import InventoryItem, Recipe, RecipeLine, RecipeVersion
from ...models.recipes import LINE_BASIS, LINE_ROLES, RECIPE_CATEGORIES
from ...models.types import QUANTUM
from .. import tenancy, units
from ..errors import InvalidQuantity, NotFound, UnknownUnit, ValidationFailed

MAX_LINES = 200


MAX_SCALE = Decimal("10000")


def parse_scale(value, field: str = "scale") -> Decimal:
    """A batch scale factor: greater than zero, at most 10,000."""
    scale = units.parse_quantity(value, field, maximum=MAX_SCALE + 1)
    if scale > MAX_SCALE:
        raise InvalidQuantity("Scale must be at most 10,000.", fields={field: "At most 10,000."})
    return scale


def _text(value, field: str, label: str, *, required: bool = False, max_length: int = 120) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise ValidationFailed(f"{label} must be text.", fields={field: "Must be text."})
    if required and not value:
        raise ValidationFailed(f"Enter {label.lower()}.", fields={field: "Required."})
    if len(value) > max_length:
        raise ValidationFailed(f"{label} is too long.", fields={field: f"At most {max_length} characters."})
    return value


def _percent(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    number = units.parse_decimal(value, field)
    if not Decimal(0) <= number <= Decimal(1000):
        raise ValidationFailed("Percentages must be between 0 and 1000.", fields={field: "Between 0 and 1000."})
    return number


def _cost_value(value, field: str, label: str, *, maximum: Decimal = Decimal("1e9")) -> Decimal:
    """A full-cost figure on a recipe: a number from 0 up to `maximum`."""
    number = units.parse_decimal(value, field)
    if number < 0:
        raise ValidationFailed(f"{label} cannot be negative.", fields={field: "Must be 0 or more."})
    if number > maximum:
        raise ValidationFailed(f"{label} is too large.", fields={field: "Too large."})
    return number


def _prefix_taken(org, prefix: str, exclude_id: int | None = None) -> bool:
    stmt = tenancy.scoped(Recipe, org, func.count(Recipe.id)).where(func.upper(Recipe.label_prefix) == prefix)
    if exclude_id:
        stmt = stmt.where(Recipe.id != exclude_id)
    return db.session.scalar(stmt) > 0


def derive_label_prefix(org, name: str) -> str:
    """Initials of the name's words (or its first letters), made unique in the organization."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    if len(words) >= 2:
        base = "".join(word[0] for word in words[:4]).upper()
    else:
        base = (words[0][:4] if words else "B").upper()
    candidate, number = base, 2
    while _prefix_taken(org, candidate):
        candidate = f"{base[:6]}{number}"
        number += 1
    return candidate


def _check_prefix(org, value, exclude_id=None) -> str:
    prefix = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,8}", prefix):
        raise ValidationFailed("A label prefix is 1 to 8 letters or digits (e.g. LAV).",
                               fields={"label_prefix": "1–8 letters or digits."})
    if _prefix_taken(org, prefix, exclude_id):
        raise ValidationFailed(f"Another recipe already uses the label prefix {prefix}.",
                               fields={"label_prefix": "Already used by another recipe."})
    return prefix


def _output_item(org, value) -> int | None:
    if value in (None, ""):
        return None
    item = tenancy.get_for_org(InventoryItem, value, org, label="Output item")
    if item.kind not in ("ingredient", "product"):
        raise ValidationFailed("The output must be an intermediate ingredient or a product.",
                               fields={"output_item_id": "Choose an ingredient or product item."})
    return item.id


def _items_by_id(org, ids) -> dict[int, InventoryItem]:
    clean = set()
    for value in ids:
        try:
            clean.add(int(value))
        except (TypeError, ValueError):
            raise NotFound(f"Item {value!r} not found.") from None
    return tenancy.get_many_for_org(InventoryItem, clean, org)


def _build_lines(org, raw_lines, *, percentage_mode: bool, base_quantity, base_unit) -> list[RecipeLine]:
    if not isinstance(raw_lines, (list, tuple)) or not raw_lines:
        raise ValidationFailed("Add at least one ingredient line.", fields={"lines": "Add at least one line."})
    if len(raw_lines) > MAX_LINES:
        raise ValidationFailed(f"A recipe has at most {MAX_LINES} lines.", fields={"lines": "Too many lines."})
    items = _items_by_id(org, [raw.get("item_id") if isinstance(raw, dict) else None for raw in raw_lines])
    lines = []
    for position, raw in enumerate(raw_lines):
        prefix = f"lines.{position}"
        if not isinstance(raw, dict):
            raise ValidationFailed("Each line needs an item, a quantity and a unit.", fields={prefix: "Invalid line."})
        item = items.get(_int_or_none(raw.get("item_id")))
        if item is None:
            raise NotFound(f"Item {raw.get('item_id')!r} (line {position + 1}) not found.")
        role = raw.get("role") or ("container" if item.kind == "container" else
                                   "packaging" if item.kind == "packaging" else "ingredient")
        basis = raw.get("basis") or "batch"
        if role not in LINE_ROLES:
            raise ValidationFailed(f"Unknown line role {role!r}.", fields={f"{prefix}.role": "Unknown role."})
        if basis not in LINE_BASIS:
            raise ValidationFailed(f"Unknown line basis {basis!r}.", fields={f"{prefix}.basis": "batch or portion."})
        percent = _percent(raw.get("percent"), f"{prefix}.percent")
        if percentage_mode and percent is not None:
            quantity = (base_quantity * percent / Decimal(100)).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
            unit = base_unit
            if quantity <= 0:
                raise InvalidQuantity(f"Line {position + 1}: the percentage gives no quantity.",
                                      fields={f"{prefix}.percent": "Must be greater than zero."})
        else:
            quantity = units.parse_quantity(raw.get("quantity"), f"{prefix}.quantity")
            unit = raw.get("unit") or item.unit
        unit_name = _line_unit(org, item, unit, f"{prefix}.unit")
        try:
            units.to_item_quantity(org, item, quantity, unit_name)  # the fixable conversion errors, now
        except ValidationFailed as error:
            error.fields = {f"{prefix}.unit": error.message, **(error.fields or {})}
            raise
        lines.append(RecipeLine(organization_id=org.id, position=position, item_id=item.id, quantity=quantity,
                                unit=unit_name, role=role, basis=basis, percent=percent,
                                is_base=bool(raw.get("is_base")), notes=_text(raw.get("notes"), f"{prefix}.notes",
                                                                               "Line notes", max_length=255)))
    return lines


def _line_unit(org, item, unit, field: str) -> str:
    """The unit as stored on a line: a known unit's symbol, the item's own unit, or one of the item's
    custom units ("bar" when 1 bar = 113 g is mapped)."""
    if _is_item_unit(unit, item):
        return item.unit
    if not isinstance(unit, str) or not unit.strip():
        raise ValidationFailed("Choose a unit.", fields={field: "Required."})
    try:
        return units.resolve_unit(org, unit, field).name
    except UnknownUnit:
        wanted = unit.strip().lower()
        for mapping in units.item_mappings(org, item):
            if mapping.unit_name.lower() == wanted:
                return mapping.unit_name
        raise


def _is_item_unit(unit, item) -> bool:
    return isinstance(unit, str) and unit.strip().lower() == item.unit.lower()


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _version_values(org, data: dict, current: RecipeVersion | None = None) -> dict:
    """Validated yield / portion / percentage fields for a version (falling back to `current`)."""
    def pick(name):
        return data[name] if name in data else getattr(current, name, None)

    yield_quantity = units.parse_quantity(pick("yield_quantity"), "yield_quantity")
    yield_unit = pick("yield_unit")
    if not yield_unit:
        raise ValidationFailed("Enter the yield unit.", fields={"yield_unit": "Required."})
    yield_unit = units.resolve_unit(org, yield_unit, "yield_unit").name
    portion_count = pick("portion_count")
    if portion_count in ("", None):
        portion_count = None
    else:
        try:
            portion_count = int(portion_count)
        except (TypeError, ValueError):
            raise ValidationFailed("Portions must be a whole number.", fields={"portion_count": "Whole number."}) \
                from None
        if not 1 <= portion_count <= 100000:
            raise ValidationFailed("Portions must be between 1 and 100,000.", fields={"portion_count": "1–100,000."})
    percentage_mode = bool(pick("percentage_mode"))
    base_quantity = base_unit = None
    if percentage_mode:
        base_quantity = units.parse_quantity(pick("base_quantity"), "base_quantity")
        base_unit = units.resolve_unit(org, pick("base_unit") or "g", "base_unit")
        if base_unit.dimension != "weight":
            raise ValidationFailed("The base (oil) weight must be in a weight unit.", fields={"base_unit": "g, kg, oz…"})
        base_unit = base_unit.name
    return {"yield_quantity": yield_quantity, "yield_unit": yield_unit, "portion_count": portion_count,
            "portion_name": _text(pick("portion_name"), "portion_name", "Portion name", max_length=40) or None,
            "percentage_mode": percentage_mode, "base_quantity": base_quantity, "base_unit": base_unit}


def _header_values(org, data: dict, recipe: Recipe | None = None) -> dict:
    values = {}
    if "name" in data or recipe is None:
        values["name"] = _text(data.get("name"), "name", "Recipe name", required=True)
    if "category" in data:
        category = data.get("category") or "other"
        if category not in RECIPE_CATEGORIES:
            raise ValidationFailed(f"Unknown category {category!r}.", fields={"category": "Unknown category."})
        values["category"] = category
    if "output_item_id" in data:
        values["output_item_id"] = _output_item(org, data.get("output_item_id"))
    for name in ("instructions", "notes"):
        if name in data:
            values[name] = _text(data.get(name), name, name.capitalize(), max_length=20000)
    for name in ("superfat_pct", "water_pct", "fragrance_load_pct"):
        if name in data:
            values[name] = _percent(data.get(name), name)
    if "labour_minutes" in data:
        minutes = data.get("labour_minutes")
        values["labour_minutes"] = _cost_value(minutes, "labour_minutes", "Labour minutes",
                                               maximum=Decimal(525600)) if minutes not in (None, "") else Decimal(0)
    for name, label in (("labour_rate", "Labour rate"), ("overhead_percent", "Overhead percent"),
                        ("overhead_per_batch", "Overhead per batch")):
        if name in data:  # blank / null = the organization's setting
            raw = data.get(name)
            values[name] = _cost_value(raw, name, label) if raw not in (None, "") else None
    if "variation_name" in data:
        values["variation_name"] = _text(data.get("variation_name"), "variation_name", "Variation name",
                                         max_length=80) or None
    return values
