"""Prices from the full cost (issue 17 #2): each SKU's current unit cost (the weighted average of its open
lots, which carry the batches' full cost), suggested wholesale = cost × `wholesale_markup` and retail =
wholesale × `retail_markup` (organization settings, defaults 2 and 2), and the margin at the price actually
charged (the SKU's retail price when set, else the suggested one)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from sqlalchemy import func

from ..extensions import db
from ..models import InventoryItem, InventoryLot, Product, ProductVariant, Sku
from ..models.types import COST_QUANTUM
from . import org_settings, tenancy
from .authz import authorize

CENT = Decimal("0.01")
MAX_ROWS = 5000


@dataclass
class PriceRow:
    sku: Sku
    product: Product
    variant: ProductVariant | None
    item: InventoryItem
    on_hand: Decimal
    unit_cost: Decimal | None  # None: no open lots
    suggested_wholesale: Decimal | None
    suggested_retail: Decimal | None

    @property
    def price(self) -> Decimal | None:
        """The price actually charged: the SKU's retail price, else the suggested retail price."""
        return self.sku.retail_price if self.sku.retail_price is not None else self.suggested_retail

    @property
    def price_is_suggested(self) -> bool:
        return self.sku.retail_price is None

    @property
    def margin(self) -> Decimal | None:
        """Price − unit cost per unit."""
        if self.price is None or self.unit_cost is None:
            return None
        return self.price - self.unit_cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin as a percent of the price (one decimal)."""
        if self.margin is None or not self.price:
            return None
        return (self.margin * 100 / self.price).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def wholesale_margin(self) -> Decimal | None:
        if self.sku.wholesale_price is None or self.unit_cost is None:
            return None
        return self.sku.wholesale_price - self.unit_cost

    @property
    def below_cost(self) -> bool:
        return self.margin is not None and self.margin < 0


def unit_costs(org, item_ids) -> dict[int, tuple[Decimal, Decimal]]:
    """{item_id: (on hand, weighted average unit cost of its open lots)} for items with stock (one query)."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        tenancy.scoped(InventoryLot, org, InventoryLot.item_id, InventoryLot.remaining_quantity,
                       InventoryLot.unit_cost)
        .where(InventoryLot.item_id.in_(ids), InventoryLot.remaining_quantity > 0))
    totals: dict[int, list[Decimal]] = {}
    for item_id, remaining, unit_cost in rows:
        entry = totals.setdefault(item_id, [Decimal(0), Decimal(0)])
        entry[0] += Decimal(remaining)
        entry[1] += Decimal(remaining) * Decimal(unit_cost)
    result = {}
    with localcontext() as ctx:
        ctx.prec = 60
        for item_id, (quantity, value) in totals.items():
            result[item_id] = (quantity, (value / quantity).quantize(COST_QUANTUM))
    return result


def suggested_prices(org, unit_cost: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(wholesale, retail) suggested for a unit cost, rounded to the cent."""
    if unit_cost is None:
        return None, None
    settings = org_settings.get_settings(org)
    wholesale = unit_cost * settings["wholesale_markup"]
    retail = wholesale * settings["retail_markup"]
    return wholesale.quantize(CENT, rounding=ROUND_HALF_UP), retail.quantize(CENT, rounding=ROUND_HALF_UP)


def pricing_sheet(org, actor, *, include_archived: bool = False) -> list[PriceRow]:
    """Every SKU (product, variant, code order) with its cost, suggested and actual prices (fixed queries)."""
    authorize(actor, org, "products.view")
    stmt = (tenancy.scoped(Sku, org, Sku, Product, InventoryItem)
            .join(Product, Product.id == Sku.product_id).join(InventoryItem, InventoryItem.id == Sku.item_id)
            .order_by(func.lower(Product.name), Sku.code).limit(MAX_ROWS))
    if not include_archived:
        stmt = stmt.where(Sku.archived_at.is_(None), Product.archived_at.is_(None))
    found = list(db.session.execute(stmt))
    variant_ids = sorted({sku.variant_id for sku, _, _ in found if sku.variant_id})
    variants = {v.id: v for v in db.session.scalars(
        tenancy.scoped(ProductVariant, org).where(ProductVariant.id.in_(variant_ids)))} if variant_ids else {}
    costs = unit_costs(org, [item.id for _, _, item in found])
    rows = []
    for sku, product, item in found:
        on_hand, cost = costs.get(item.id, (Decimal(0), None))
        wholesale, retail = suggested_prices(org, cost)
        rows.append(PriceRow(sku, product, variants.get(sku.variant_id), item, on_hand, cost, wholesale, retail))
    return rows
