"""Product reads: the product list and page (variants, SKUs with stock, each SKU's lots and the batch behind
each), SKU pickers. Every function takes (org, actor) and authorizes; each costs a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_
from sqlalchemy.orm import lazyload

from ...extensions import db
from ...models import Batch, BatchOutput, InventoryItem, InventoryLot, Product, ProductVariant, Sku
from .. import inventory, tenancy
from ..authz import authorize
from ..inventory import ItemSummary, fifo
from ..pagination import Page, paginate
from ..text_search import contains


@dataclass
class SkuRow:
    """A SKU with its stock item, variant and stock figures (quantity on hand, available, value)."""

    sku: Sku
    item: InventoryItem
    variant: ProductVariant | None
    summary: ItemSummary
    container: InventoryItem | None = None
    lots: list = field(default_factory=list)  # (lot, batch or None), detail page only

    @property
    def variant_name(self) -> str | None:
        return self.variant.name if self.variant is not None else None

    @property
    def quantity(self) -> Decimal:
        return self.item.quantity

    @property
    def available(self) -> Decimal:
        return self.summary.available

    @property
    def value(self) -> Decimal:
        return self.summary.value


@dataclass
class ProductRow:
    product: Product
    variants: list[ProductVariant]
    skus: list[SkuRow]

    @property
    def archived(self) -> bool:
        return self.product.archived_at is not None

    @property
    def quantity(self) -> Decimal:
        return sum((row.quantity for row in self.skus), Decimal(0))

    @property
    def available(self) -> Decimal:
        return sum((row.available for row in self.skus), Decimal(0))

    @property
    def value(self) -> Decimal:
        return sum((row.value for row in self.skus), Decimal(0))


def list_products(org, actor, *, q=None, category=None, include_archived=False, page=1, per_page=50) -> Page:
    """A page of products (ProductRow: variants, SKUs with stock and value) in a fixed number of queries."""
    authorize(actor, org, "products.view")
    filters = []
    if not include_archived:
        filters.append(Product.archived_at.is_(None))
    if category:
        filters.append(Product.category == str(category))
    if q and str(q).strip():
        sku_match = tenancy.scoped(Sku, org, Sku.product_id).where(contains(q, Sku.code, Sku.barcode))
        filters.append(or_(contains(q, Product.name, Product.category), Product.id.in_(sku_match)))
    stmt = tenancy.scoped(Product, org).where(*filters).order_by(func.lower(Product.name), Product.id)
    count = tenancy.scoped(Product, org, func.count(Product.id)).where(*filters)
    result = paginate(stmt, count, page, per_page)
    result.items = _product_rows(org, result.items)
    return result


def _product_rows(org, products: list[Product], *, with_lots: bool = False) -> list[ProductRow]:
    ids = [p.id for p in products]
    if not ids:
        return []
    variants = list(db.session.scalars(tenancy.scoped(ProductVariant, org).where(ProductVariant.product_id.in_(ids))
                                       .order_by(func.lower(ProductVariant.name), ProductVariant.id)))
    skus = list(db.session.scalars(tenancy.scoped(Sku, org).where(Sku.product_id.in_(ids))
                                   .order_by(Sku.code, Sku.id)))
    item_ids = {s.item_id for s in skus} | {s.container_item_id for s in skus if s.container_item_id}
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(sorted(item_ids))))} if item_ids else {}
    summaries = inventory.item_summaries(org, [items[s.item_id] for s in skus])
    variant_by_id = {v.id: v for v in variants}
    lots_by_item = _lots_with_batches(org, [s.item_id for s in skus]) if with_lots else {}
    rows = []
    for product in products:
        sku_rows = [SkuRow(sku=s, item=items[s.item_id], variant=variant_by_id.get(s.variant_id),
                           summary=summaries[s.item_id], container=items.get(s.container_item_id),
                           lots=lots_by_item.get(s.item_id, []))
                    for s in skus if s.product_id == product.id]
        rows.append(ProductRow(product=product, variants=[v for v in variants if v.product_id == product.id],
                               skus=sku_rows))
    return rows


def _lots_with_batches(org, item_ids) -> dict[int, list]:
    """Lots holding stock per item in consumption order, each with the batch that made it (or None)."""
    if not item_ids:
        return {}
    # One query: each lot joined to the batch output that made it, if any (the organization's own rows).
    made = (tenancy.scoped(BatchOutput, org, BatchOutput.lot_id.label("lot_id"), Batch.id.label("batch_id"))
            .join(Batch, Batch.id == BatchOutput.batch_id).where(Batch.organization_id == org.id).subquery())
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, Batch)
            .outerjoin(made, made.c.lot_id == InventoryLot.id).outerjoin(Batch, Batch.id == made.c.batch_id)
            .where(InventoryLot.item_id.in_(sorted(set(item_ids))), InventoryLot.remaining_quantity > 0)
            .order_by(*fifo.consumption_order(org), Batch.id)
            .options(lazyload(Batch.consumption), lazyload(Batch.outputs)))
    lots: dict[int, InventoryLot] = {}
    batch_by_lot = {}
    for lot, batch in db.session.execute(stmt):
        lots.setdefault(lot.id, lot)
        if batch is not None:
            batch_by_lot[lot.id] = batch
    result: dict[int, list] = {}
    for lot in lots.values():
        result.setdefault(lot.item_id, []).append((lot, batch_by_lot.get(lot.id)))
    return result


@dataclass
class ProductDetail:
    product: Product
    variants: list[ProductVariant]
    skus: list[SkuRow]  # each with .lots = [(lot, batch or None)]

    @property
    def archived(self) -> bool:
        return self.product.archived_at is not None


def get_product_detail(org, actor, product_id) -> ProductDetail:
    """A product with its variants and SKUs, each SKU's lots and the batch that made each lot."""
    authorize(actor, org, "products.view")
    product = tenancy.get_for_org(Product, product_id, org)
    row = _product_rows(org, [product], with_lots=True)[0]
    return ProductDetail(product=product, variants=row.variants, skus=row.skus)


def get_product(org, actor, product_id) -> Product:
    """The organization's product, or NotFound."""
    authorize(actor, org, "products.view")
    return tenancy.get_for_org(Product, product_id, org)


def get_sku(org, actor, sku_id) -> Sku:
    """The organization's SKU, or NotFound."""
    authorize(actor, org, "products.view")
    return tenancy.get_for_org(Sku, sku_id, org)


def sku_choices(org, actor, *, include_archived: bool = False) -> list[tuple[Sku, Product, ProductVariant | None,
                                                                             InventoryItem]]:
    """Every SKU with its product, variant and item, for pickers (sales and reservation forms): 4 queries."""
    authorize(actor, org, "products.view")
    stmt = tenancy.scoped(Sku, org)
    if not include_archived:
        stmt = stmt.where(Sku.archived_at.is_(None))
    skus = list(db.session.scalars(stmt.order_by(Sku.code)))
    if not skus:
        return []
    products = {p.id: p for p in db.session.scalars(tenancy.scoped(Product, org).where(
        Product.id.in_(sorted({s.product_id for s in skus}))))}
    variant_ids = sorted({s.variant_id for s in skus if s.variant_id})
    variants = {v.id: v for v in db.session.scalars(tenancy.scoped(ProductVariant, org).where(
        ProductVariant.id.in_(variant_ids)))} if variant_ids else {}
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org).where(
        InventoryItem.id.in_(sorted({s.item_id for s in skus}))))}
    return [(s, products[s.product_id], variants.get(s.variant_id), items[s.item_id]) for s in skus
            if include_archived or products[s.product_id].archived_at is None]


def sku_item_ids(org, actor) -> set[int]:
    """Ids of the inventory items that already back a SKU (one query, ids only)."""
    authorize(actor, org, "products.view")
    return set(db.session.scalars(tenancy.scoped(Sku, org, Sku.item_id)))


def skus_for_items(org, actor, item_ids) -> dict[int, Sku]:
    """The SKU backing each of these items (items without one are absent): one query."""
    authorize(actor, org, "sales.view")
    ids = sorted({int(i) for i in item_ids if i is not None})
    if not ids:
        return {}
    return {sku.item_id: sku for sku in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.item_id.in_(ids)))}


def sellable_product_items(org, actor, *, exclude_ids=()) -> list[InventoryItem]:
    """Active product items by name, except `exclude_ids` (the sell picker passes its SKUs' items, so the rest
    are the items sold without an active SKU): one query."""
    authorize(actor, org, "products.view")
    skip = {int(i) for i in exclude_ids}
    stmt = (tenancy.scoped(InventoryItem, org)
            .where(InventoryItem.kind == "product", InventoryItem.archived_at.is_(None))
            .order_by(func.lower(InventoryItem.name), InventoryItem.id))
    return [item for item in db.session.scalars(stmt) if item.id not in skip]

