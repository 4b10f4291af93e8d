"""The soap recipe lye check: does the lye on a soap recipe still match its oils and superfat?

Oils are the lines whose item is linked to (or named like) a library entry with a SAP value; lye lines are
items of the library's lye entries (or named sodium/potassium hydroxide, NaOH, KOH). The lye needed is the
calculator's: Σ oil grams × SAP × (1 − superfat ÷ 100), KOH scaled by 56.1056 ÷ 39.9971 ÷ purity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import GlobalItem, InventoryItem, Recipe, RecipeVersion
from .. import recipes, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, ValidationFailed
from ..recipes.versions import _version
from . import inputs
from .soap import DEFAULT_KOH_PURITY, KOH_PER_NAOH

TOLERANCE_PERCENT = Decimal("0.5")  # the calculator's own acceptance: lye within 0.5 %
_NAOH = re.compile(r"sodium hydroxide|\bnaoh\b", re.I)
_KOH = re.compile(r"potassium hydroxide|\bkoh\b", re.I)
_WATER = re.compile(r"\bwater\b", re.I)


@dataclass
class LyeCheck:
    superfat: Decimal
    recorded: Decimal  # grams of lye on the recipe (all lye lines)
    expected: Decimal  # grams the oils need at the superfat
    factor: Decimal  # expected ÷ recorded: what each lye line is multiplied by to match
    lye_names: list[str]
    oils_weight: Decimal

    @property
    def difference(self) -> Decimal:
        return self.recorded - self.expected

    @property
    def percent_off(self) -> Decimal:
        return self.difference * 100 / self.expected if self.expected else Decimal(0)

    @property
    def matches(self) -> bool:
        return abs(self.percent_off) <= TOLERANCE_PERCENT


def check_recipe_lye(org, recipe: Recipe, version: RecipeVersion | None = None) -> LyeCheck | None:
    """The lye check of a soap recipe's version (default: current), or None when it cannot be checked
    (not soap, no superfat, no lye line or no oil with a SAP value)."""
    if recipe.category != "soap":
        return None
    version = version or _version(org, recipe)
    parts = _classify(org, recipe, version)
    return parts[0] if parts else None


def _superfat(recipe: Recipe) -> Decimal | None:
    if recipe.superfat_pct is not None:
        return Decimal(recipe.superfat_pct)
    saved = (recipe.calculator_inputs or {}).get("inputs") or {}
    try:
        return Decimal(str(saved["superfat"]))
    except (KeyError, ArithmeticError, ValueError, TypeError):
        return None


def _koh_purity(recipe: Recipe) -> Decimal:
    saved = (recipe.calculator_inputs or {}).get("inputs") or {}
    try:
        purity = Decimal(str(saved.get("koh_purity") or DEFAULT_KOH_PURITY))
    except (ArithmeticError, ValueError, TypeError):
        return DEFAULT_KOH_PURITY
    return purity if 0 < purity <= 100 else DEFAULT_KOH_PURITY


def _classify(org, recipe: Recipe, version: RecipeVersion):
    superfat = _superfat(recipe)
    if superfat is None or not 0 <= superfat <= 100:
        return None
    item_ids = sorted({line.item_id for line in version.lines})
    items = tenancy.get_many_for_org(InventoryItem, item_ids, org)
    entries = _library_entries(items.values())
    purity = _koh_purity(recipe)
    keep = (100 - superfat) / 100
    needed = recorded = oils = Decimal(0)
    lye_lines, water_lines, names = [], [], []
    for line in version.lines:
        item = items.get(line.item_id)
        if item is None or line.role != "ingredient":
            continue
        entry = entries.get(item.id)
        grams = _grams(org, item, line.quantity, line.unit)
        kind = _lye_kind(item, entry)
        if kind is not None:
            if grams is None:
                return None
            # NaOH-equivalent of this lye: KOH does the work of less NaOH, and only its pure part counts
            recorded += grams if kind == "NaOH" else grams * (purity / 100) / KOH_PER_NAOH
            lye_lines.append((line, kind, grams))
            names.append(item.name)
        elif entry is not None and entry.sap_naoh and entry.category not in ("lye",):
            if grams is None:
                return None
            needed += grams * Decimal(entry.sap_naoh) * keep
            oils += grams
        elif _WATER.search(item.name) or (entry is not None and _WATER.search(entry.name)):
            water_lines.append(line)
    if not lye_lines or oils == 0 or recorded == 0:
        return None
    factor = needed / recorded
    lye_grams = sum((grams for _, _, grams in lye_lines), Decimal(0))
    check = LyeCheck(superfat=superfat, recorded=lye_grams, expected=lye_grams * factor, factor=factor,
                     lye_names=names, oils_weight=oils)
    return check, lye_lines, water_lines


def _library_entries(items) -> dict[int, GlobalItem]:
    """Each item's library entry: the one it is linked to, else the entry of the same name (any case),
    so that items a maker typed by hand ("Olive Oil") are checked too. Two queries."""
    items = list(items)
    linked_ids = {item.global_item_id for item in items if item.global_item_id}
    names = {item.name.lower() for item in items if not item.global_item_id}
    clauses = []
    if linked_ids:
        clauses.append(GlobalItem.id.in_(linked_ids))
    if names:
        clauses.append(func.lower(GlobalItem.name).in_(names))
    if not clauses:
        return {}
    rows = list(db.session.scalars(select(GlobalItem).where(or_(*clauses))))
    by_id = {entry.id: entry for entry in rows}
    by_name = {entry.name.lower(): entry for entry in rows}
    return {item.id: by_id.get(item.global_item_id) if item.global_item_id else by_name.get(item.name.lower())
            for item in items}


def _lye_kind(item: InventoryItem, entry: GlobalItem | None) -> str | None:
    text = f"{item.name} {entry.name if entry is not None else ''}"
    if entry is not None and entry.category == "lye" or _KOH.search(text) or _NAOH.search(text):
        return "KOH" if _KOH.search(text) else "NaOH"
    return None


def _grams(org, item, quantity, unit) -> Decimal | None:
    try:
        return units.convert(org, quantity, unit, "g", item=item)
    except ValidationFailed:
        return None


@unit_of_work
def recompute_recipe_lye(org, actor, recipe_id) -> Recipe:
    """Set the lye (and lye-based water) of a soap recipe to what its oils need at its superfat; a new
    version when the current one is locked (used by a batch), through the recipe service."""
    authorize(actor, org, "recipes.edit")
    recipe = recipes.get_recipe(org, actor, recipe_id)
    if recipe.category != "soap":
        raise InvalidState("Only soap recipes have a lye check.")
    version = recipes.get_version(org, actor, recipe)
    parts = _classify(org, recipe, version)
    if not parts:
        raise InvalidState("This recipe's lye cannot be checked: it needs a superfat, a lye line and oils "
                           "linked to the library.")
    check, lye_lines, water_lines = parts
    if check.matches:
        raise InvalidState("The lye already matches the oils and superfat.")
    scaled = {line.id for line, _, _ in lye_lines}
    saved = (recipe.calculator_inputs or {}).get("inputs") or {}
    if (saved.get("water") or {}).get("mode") in ("lye_ratio", "lye_concentration"):
        scaled |= {line.id for line in water_lines}  # water follows the lye in these modes
    lines = []
    for line in version.lines:
        values = {"item_id": line.item_id, "quantity": line.quantity, "unit": line.unit, "role": line.role,
                  "basis": line.basis, "percent": line.percent, "is_base": line.is_base, "notes": line.notes}
        if line.id in scaled:
            values["quantity"] = inputs.rounded(line.quantity * check.factor, 2)
            if line.percent is not None:
                values["percent"] = inputs.rounded(line.percent * check.factor, 4)
        lines.append(values)
    note = (f"Lye recomputed for {inputs.plain(check.superfat)} % superfat "
            f"({inputs.plain(inputs.rounded(check.recorded, 2))} g → {inputs.plain(inputs.rounded(check.expected, 2))} g)")
    return recipes.update_recipe(org, actor, recipe.id, lines=lines, change_note=note[:255])
