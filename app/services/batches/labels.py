"""What a product label says — ingredients heaviest first (INCI names where set), allergens, dates — and the
public lot page behind the label's QR code, which shows exactly that and nothing else of the organization."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ...extensions import db
from ...models import (
    Batch,
    BatchConsumption,
    BatchOutput,
    InventoryItem,
    InventoryLot,
    Organization,
    Recall,
    RecallLot,
    Recipe,
    RecipeVersion,
    Sku,
)
from .. import recipes, tenancy, units
from ..errors import DomainError, NotFound
from ..timezones import org_zone

LABEL_KINDS = ("container", "packaging")  # what a product is packed in is not an ingredient


def label_ingredients(org, consumption, version=None, scale=None) -> list[dict]:
    """What went into a batch, heaviest first; lines that cannot be weighed follow in their order.

    `consumption` is [(BatchConsumption, item, lot)]; with nothing consumed (a cancelled batch) the recipe
    `version` at `scale` is used as planned. Each entry: {"item", "name" (INCI name or name), "grams"}."""
    totals: "OrderedDict[int, list]" = OrderedDict()
    for row, item, _ in consumption:
        if row.credited_event_id is None and row.kind != "container" and item.kind not in LABEL_KINDS:
            totals.setdefault(item.id, [item, Decimal(0)])[1] += row.quantity
    if not totals and version is not None:
        for line in recipes.scaled_lines(org, version, scale, roles=recipes.START_ROLES):
            if line.item.kind not in LABEL_KINDS:
                totals.setdefault(line.item.id, [line.item, Decimal(0)])[1] += line.item_quantity
    weighed, unweighed = [], []
    for item, quantity in totals.values():
        grams = recipes.weight_in_grams(org, item, quantity, item.unit)
        entry = {"item": item, "name": item.inci_name or item.name, "grams": grams}
        (weighed if grams is not None else unweighed).append(entry)
    weighed.sort(key=lambda entry: entry["grams"], reverse=True)
    return weighed + unweighed


def label_allergens(items) -> list[str]:
    """The union of the items' allergens (comma or semicolon separated), each once, alphabetically."""
    found: dict[str, str] = {}
    for item in items:
        for name in (item.allergens or "").replace(";", ",").split(","):
            name = name.strip()
            if name:
                found.setdefault(name.lower(), name)
    return sorted(found.values(), key=str.lower)


# Net contents as a label states them: the amount as the maker declared it, then the other system's figure.
METRIC = {"g", "kg", "mg", "mL", "L"}
OTHER_SYSTEM = {("weight", True): ("oz", Decimal("0.1")), ("weight", False): ("g", Decimal("1")),
                ("volume", True): ("fl oz", Decimal("0.1")), ("volume", False): ("mL", Decimal("1"))}
_SIZE = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)\s*(fl\.?\s*oz|[A-Za-z]+)\b")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # "1,000 g": commas between thousands


def label_net_content(org, item) -> str | None:
    """What one unit of a product holds, as a label says it ("Net wt 113 g (4 oz)", "Net vol 8 fl oz
    (237 mL)"): from its SKU's size when that starts with a weight or volume ("4 oz", "250 mL bottle"),
    else from the item's own unit mapping ("1 each = 113 g"); None when neither says."""
    sku = tenancy.find_for_org(Sku, org, item_id=item.id)
    found = _size_amount(org, sku.size_label) if sku is not None and sku.size_label else None
    if found is None:
        found = _mapped_amount(org, item)
    if found is None:
        return None
    amount, unit = found
    other, places = OTHER_SYSTEM[(unit.dimension, unit.name in METRIC)]
    converted = units.convert(org, amount, unit.name, other)
    word = "wt" if unit.dimension == "weight" else "vol"
    return f"Net {word} {_plain(amount)} {unit.name} ({_plain(converted.quantize(places))} {other})"


def _size_amount(org, size_label: str):
    match = _SIZE.match(size_label)
    if match is None:
        return None
    name = re.sub(r"^fl\.?\s*oz$", "fl oz", match.group(2), flags=re.IGNORECASE)
    try:
        unit = units.unit_def(org, name)
    except DomainError:
        return None
    if unit.dimension not in ("weight", "volume"):
        return None
    number = match.group(1)
    amount = Decimal(number.replace(",", "") if _THOUSANDS.match(number) else number.replace(",", "."))
    return (amount, unit) if amount > 0 else None


def _mapped_amount(org, item):
    try:
        if units.unit_def(org, item.unit).dimension in ("weight", "volume"):
            return None  # a product kept by weight or volume has no "one unit" to state
    except DomainError:
        pass  # an item-only unit ("bar"): its mapping may say what one holds
    for target in ("g", "mL"):
        try:
            amount = units.convert(org, 1, item.unit, target, item=item)
        except DomainError:
            continue
        return amount.quantize(Decimal("0.1")), units.unit_def(org, target)
    return None


def _plain(value: Decimal) -> str:
    value = value.normalize()
    return f"{value:f}" if value != value.to_integral() else f"{value.to_integral():f}"


@dataclass
class PublicLot:
    """Only what the printed label shows."""

    product: str
    lot_code: str
    batch_label: str | None
    made_on: date
    cured_by: date | None
    expires_on: date | None
    ingredients: list[str] = field(default_factory=list)
    allergens: list[str] = field(default_factory=list)
    recalled: bool = False


def public_lot(token) -> PublicLot:
    """The public page of a lot, found by its unguessable token (no login, no organization context):
    NotFound for any other string."""
    lot = tenancy.find_by_public_token(InventoryLot, token)
    if lot is None:
        raise NotFound("Lot not found.")
    org = db.session.get(Organization, lot.organization_id)
    item = tenancy.get_for_org(InventoryItem, lot.item_id, org)
    output = tenancy.find_for_org(BatchOutput, org, lot_id=lot.id)
    zone = org_zone(org)
    if output is None:  # bought in or counted: the item is its own ingredient list
        return PublicLot(product=item.name, lot_code=lot.code, batch_label=None,
                         made_on=lot.received_at.astimezone(zone).date(), cured_by=lot.hold_until,
                         expires_on=lot.expires_on, ingredients=[item.inci_name or item.name],
                         allergens=label_allergens([item]), recalled=_recalled(org, [lot.id]))
    batch = tenancy.get_for_org(Batch, output.batch_id, org)
    siblings = [lot_id for lot_id in db.session.scalars(
        tenancy.scoped(BatchOutput, org, BatchOutput.lot_id).where(BatchOutput.batch_id == batch.id))]
    rows = list(db.session.scalars(tenancy.scoped(BatchConsumption, org)
                                   .where(BatchConsumption.batch_id == batch.id).order_by(BatchConsumption.id)))
    ids = sorted({row.item_id for row in rows})
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(ids)))} if ids else {}
    version = tenancy.get_for_org(RecipeVersion, batch.recipe_version_id, org)
    entries = label_ingredients(org, [(row, items[row.item_id], None) for row in rows], version, batch.scale)
    recipe = tenancy.get_for_org(Recipe, batch.recipe_id, org)
    return PublicLot(product=item.name or recipe.name, lot_code=lot.code, batch_label=batch.label,
                     made_on=batch.started_at.astimezone(zone).date(), cured_by=lot.hold_until,
                     expires_on=lot.expires_on, ingredients=[entry["name"] for entry in entries],
                     allergens=label_allergens(entry["item"] for entry in entries),
                     recalled=_recalled(org, siblings or [lot.id]))


def _recalled(org, lot_ids) -> bool:
    """Is any of these lots held by an active recall?"""
    stmt = (tenancy.scoped(RecallLot, org, RecallLot.id).join(Recall, Recall.id == RecallLot.recall_id)
            .where(RecallLot.lot_id.in_(sorted(set(lot_ids))), Recall.status == "active",
                   Recall.organization_id == org.id).limit(1))
    return db.session.scalar(stmt) is not None
