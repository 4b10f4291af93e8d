"""Recipes: create/edit with versions (a version used by a batch is locked), scaling, percentage mode,
variations, clone/archive, stock check, cost preview and production plans."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, or_

from ..extensions import db
from ..models import InventoryItem, Recipe, RecipeLine, RecipeVersion
from ..models.recipes import LINE_BASIS, LINE_ROLES, RECIPE_CATEGORIES
from ..models.types import QUANTUM
from . import fifo, recipe_locks, stock_check, tenancy, units  # noqa: F401 (recipe_locks: the version guard)
from .authz import authorize
from .base import unit_of_work
from .errors import InvalidQuantity, NotFound, UnknownUnit, ValidationFailed
from .pagination import Page, paginate

MAX_LINES = 200
MAX_SCALE = Decimal("10000")
HEADER_FIELDS = ("name", "category", "output_item_id", "instructions", "notes", "superfat_pct", "water_pct",
                 "fragrance_load_pct", "variation_name")
VERSION_FIELDS = ("yield_quantity", "yield_unit", "portion_count", "portion_name", "percentage_mode",
                  "base_quantity", "base_unit", "lines")
# Lines deducted when a batch starts; containers and packaging are deducted when it finishes.
START_ROLES = ("ingredient", "consumable")


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- validation -----------------------------------------------------------------------------------

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
    if not clean:
        return {}
    rows = db.session.scalars(tenancy.scoped(InventoryItem, org).where(InventoryItem.id.in_(sorted(clean))))
    return {item.id: item for item in rows}


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
        for mapping in units.list_item_unit_mappings(org, item.id):
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
    if "variation_name" in data:
        values["variation_name"] = _text(data.get("variation_name"), "variation_name", "Variation name",
                                         max_length=80) or None
    return values


# ---- writes ----------------------------------------------------------------------------------------

@unit_of_work
def create_recipe(org, actor, **data) -> Recipe:
    """Create a recipe and its version 1 (lines validated, units convertible to each item's unit)."""
    authorize(actor, org, "recipes.edit")
    header = _header_values(org, data)
    version_values = _version_values(org, data)
    lines = _build_lines(org, data.get("lines"), percentage_mode=version_values["percentage_mode"],
                         base_quantity=version_values["base_quantity"], base_unit=version_values["base_unit"])
    prefix = data.get("label_prefix")
    prefix = _check_prefix(org, prefix) if prefix not in (None, "") else derive_label_prefix(org, header["name"])
    parent_id = data.get("parent_id")
    if parent_id not in (None, ""):
        parent = tenancy.get_for_org(Recipe, parent_id, org, label="Master recipe")
        parent_id = parent.parent_id or parent.id
    recipe = Recipe(organization_id=org.id, label_prefix=prefix, current_version=1, parent_id=parent_id or None,
                    **header)
    db.session.add(recipe)
    db.session.flush()
    version = RecipeVersion(organization_id=org.id, recipe_id=recipe.id, version=1,
                            created_by_id=getattr(actor, "id", None), change_note="Created", **version_values)
    version.lines = lines
    db.session.add(version)
    db.session.flush()
    return recipe


@unit_of_work
def update_recipe(org, actor, recipe_id, **data) -> Recipe:
    """Edit a recipe. Yield/lines changes go into a new version when the current one is locked."""
    authorize(actor, org, "recipes.edit")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    if recipe.archived_at is not None:
        raise ValidationFailed("Restore the recipe before editing it.")
    for name, value in _header_values(org, data, recipe).items():
        setattr(recipe, name, value)
    if "label_prefix" in data and data["label_prefix"] not in (None, ""):
        recipe.label_prefix = _check_prefix(org, data["label_prefix"], exclude_id=recipe.id)
    if any(name in data for name in VERSION_FIELDS):
        current = get_version(org, recipe)
        values = _version_values(org, data, current)
        raw_lines = data["lines"] if "lines" in data else [_line_dict(line) for line in current.lines]
        lines = _build_lines(org, raw_lines, percentage_mode=values["percentage_mode"],
                             base_quantity=values["base_quantity"], base_unit=values["base_unit"])
        note = _text(data.get("change_note"), "change_note", "Change note", max_length=255)
        if current.locked_at is not None:
            recipe.current_version += 1
            version = RecipeVersion(organization_id=org.id, recipe_id=recipe.id, version=recipe.current_version,
                                    created_by_id=getattr(actor, "id", None),
                                    change_note=note or f"Edited after version {current.version} was used", **values)
            version.lines = lines
            db.session.add(version)
        else:
            for name, value in values.items():
                setattr(current, name, value)
            current.lines = lines
            if note:
                current.change_note = note
    recipe.updated_at = _now()
    db.session.flush()
    return recipe


def _line_dict(line: RecipeLine) -> dict:
    return {"item_id": line.item_id, "quantity": line.quantity, "unit": line.unit, "role": line.role,
            "basis": line.basis, "percent": line.percent, "is_base": line.is_base, "notes": line.notes}


@unit_of_work
def archive_recipe(org, actor, recipe_id) -> Recipe:
    """Hide a recipe from lists and new batches (its batches keep it)."""
    authorize(actor, org, "recipes.archive")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    recipe.archived_at = recipe.archived_at or _now()
    return recipe


@unit_of_work
def restore_recipe(org, actor, recipe_id) -> Recipe:
    """Bring an archived recipe back."""
    authorize(actor, org, "recipes.archive")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    recipe.archived_at = None
    return recipe


@unit_of_work
def clone_recipe(org, actor, recipe_id, *, name: str | None = None, as_variation: str | None = None) -> Recipe:
    """Copy a recipe's current version into a new recipe (or a variation of the master)."""
    source = tenancy.get_for_org(Recipe, recipe_id, org)
    version = get_version(org, source)
    data = {column: getattr(source, column) for column in HEADER_FIELDS}
    data.update({"yield_quantity": version.yield_quantity, "yield_unit": version.yield_unit,
                 "portion_count": version.portion_count, "portion_name": version.portion_name,
                 "percentage_mode": version.percentage_mode, "base_quantity": version.base_quantity,
                 "base_unit": version.base_unit, "lines": [_line_dict(line) for line in version.lines]})
    if as_variation is not None:
        variation = _text(as_variation, "variation_name", "Variation name", required=True, max_length=80)
        data["variation_name"] = variation
        data["parent_id"] = source.parent_id or source.id
        data["name"] = name or f"{source.name} — {variation}"
    else:
        data["name"] = name or f"{source.name} (copy)"
        data["variation_name"] = None
    return create_recipe(org, actor, **data)


# ---- reads -----------------------------------------------------------------------------------------

def get_recipe(org, actor, recipe_id) -> Recipe:
    authorize(actor, org, "recipes.view")
    return tenancy.get_for_org(Recipe, recipe_id, org)


def get_version(org, recipe: Recipe, version: int | None = None) -> RecipeVersion:
    """A version of the recipe (default: the current one), with its lines."""
    number = recipe.current_version if version is None else version
    found = tenancy.find_for_org(RecipeVersion, org, recipe_id=recipe.id, version=number)
    if found is None:
        raise NotFound(f"Version {number} of recipe {recipe.id} not found.")
    return found


def list_versions(org, recipe: Recipe) -> list[RecipeVersion]:
    stmt = tenancy.scoped(RecipeVersion, org).where(RecipeVersion.recipe_id == recipe.id)
    return list(db.session.scalars(stmt.order_by(RecipeVersion.version.desc())))


def list_recipes(org, actor, *, q: str | None = None, category: str | None = None, include_archived: bool = False,
                 page: int = 1, per_page: int = 50) -> Page:
    """Recipes by name, with search and category filter, paginated."""
    authorize(actor, org, "recipes.view")
    stmt = tenancy.scoped(Recipe, org)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Recipe.name).like(like), func.lower(Recipe.label_prefix).like(like)))
    if category:
        stmt = stmt.where(Recipe.category == category)
    if not include_archived:
        stmt = stmt.where(Recipe.archived_at.is_(None))
    return paginate(stmt.order_by(func.lower(Recipe.name), Recipe.id),
                    stmt.with_only_columns(func.count(Recipe.id)).order_by(None), page, per_page)


def current_versions(org, recipes: list[Recipe]) -> dict[int, RecipeVersion]:
    """The current version of each recipe, in one query (lines load in one more)."""
    if not recipes:
        return {}
    wanted = {(r.id, r.current_version) for r in recipes}
    stmt = tenancy.scoped(RecipeVersion, org).where(RecipeVersion.recipe_id.in_([r.id for r in recipes]))
    return {v.recipe_id: v for v in db.session.scalars(stmt) if (v.recipe_id, v.version) in wanted}


# ---- scaling, stock check, cost -------------------------------------------------------------------

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
    version = get_version(org, recipe)
    target = units.parse_quantity(target_quantity, "target_yield")
    if target_unit and target_unit.strip().lower() != version.yield_unit.lower():
        target = units.convert(org, target, target_unit, version.yield_unit)
    return (target / version.yield_quantity).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def scale_for_batch_weight(org, recipe: Recipe, target_weight, unit: str = "g") -> Decimal:
    """Percentage recipes: the factor that makes all weight lines add up to `target_weight`."""
    version = get_version(org, recipe)
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
    lines = scaled_lines(org, get_version(org, recipe), scale)
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


def cost_preview(org, actor, recipe_id, scale=Decimal(1)) -> CostPreview:
    """What a batch would cost now: each line priced at the lots FIFO would consume (read only)."""
    recipe = get_recipe(org, actor, recipe_id)
    scale = parse_scale(scale)
    version = get_version(org, recipe)
    preview = CostPreview(yield_unit=version.yield_unit)
    now = _now()
    for line in scaled_lines(org, version, scale):
        plan = fifo.plan_consumption(org, line.item, line.item_quantity, now=now)
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
        for line in scaled_lines(org, get_version(org, recipe), parse_scale(scale)):
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
    from ..models import Supplier

    ids = {item.supplier_id for item in items if item.supplier_id}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(tenancy.scoped(Supplier, org).where(Supplier.id.in_(sorted(ids))))}
