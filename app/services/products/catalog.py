"""Products → variants (scent, colour) → SKUs (variant × size/container). Each SKU is backed by one inventory
item of kind `product` whose lots come from batches; SKU codes are unique per organization."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..models import Batch, BatchOutput, InventoryItem, InventoryLot, Product, ProductVariant, Sku
from ..models.types import MONEY_QUANTUM, utcnow
from . import fifo, inventory, sequences, tenancy, units
from .authz import authorize
from .base import unit_of_work
from .errors import InvalidState, ValidationFailed
from .inventory import ItemSummary
from .pagination import Page, paginate
from .validation import clean_text

MAX_PRICE = Decimal("1e7")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
PRODUCT_FIELDS = frozenset({"name", "description", "category"})
SKU_FIELDS = frozenset({"variant_id", "size_label", "code", "retail_price", "wholesale_price", "barcode",
                        "container_item_id"})
CONTAINER_KINDS = ("container", "packaging")


# ---- products ----------------------------------------------------------------------------------------

@unit_of_work
def create_product(org, actor, *, name, description="", category="") -> Product:
    """Add a product (its SKUs come next)."""
    authorize(actor, org, "products.edit")
    product = Product(organization_id=org.id, **_product_values(org, dict(name=name, description=description,
                                                                          category=category)))
    db.session.add(product)
    db.session.flush()
    return product


@unit_of_work
def update_product(org, actor, product_id, **fields) -> Product:
    """Edit a product's name, description or category."""
    authorize(actor, org, "products.edit")
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise TypeError(f"update_product got unknown field(s): {', '.join(sorted(unknown))}")
    product = tenancy.get_for_org_for_update(Product, product_id, org)
    for key, value in _product_values(org, fields, product=product).items():
        setattr(product, key, value)
    return product


@unit_of_work
def archive_product(org, actor, product_id) -> Product:
    """Hide a product from lists and pickers; its SKUs, stock and sales stay."""
    authorize(actor, org, "products.edit")
    product = tenancy.get_for_org_for_update(Product, product_id, org)
    if product.archived_at is None:
        product.archived_at = utcnow()
    return product


@unit_of_work
def restore_product(org, actor, product_id) -> Product:
    """Bring an archived product back."""
    authorize(actor, org, "products.edit")
    product = tenancy.get_for_org_for_update(Product, product_id, org)
    if product.archived_at is not None:
        _check_product_name_free(org, product.name, exclude_id=product.id)
        product.archived_at = None
    return product


def _product_values(org, fields: dict, product: Product | None = None) -> dict:
    values = {}
    if product is None or "name" in fields:
        values["name"] = clean_text(fields.get("name"), "name", 120, required=True, label="a product name")
        _check_product_name_free(org, values["name"], exclude_id=product.id if product else None)
    if "description" in fields:
        values["description"] = clean_text(fields["description"], "description", 5000)
    if "category" in fields:
        values["category"] = clean_text(fields["category"], "category", 80)
    return values


def _check_product_name_free(org, name: str, exclude_id: int | None = None) -> None:
    stmt = tenancy.scoped(Product, org, Product.id).where(func.lower(Product.name) == name.lower(),
                                                          Product.archived_at.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed(f"You already have a product named “{name}”.", fields={"name": "Already in use."})


@unit_of_work
def add_variant(org, actor, product_id, *, name) -> ProductVariant:
    """Add a scent/colour variant to a product."""
    authorize(actor, org, "products.edit")
    product = tenancy.get_for_org(Product, product_id, org)
    name = clean_text(name, "name", 80, required=True, label="a variant name")
    taken = db.session.scalar(tenancy.scoped(ProductVariant, org, ProductVariant.id).where(
        ProductVariant.product_id == product.id, func.lower(ProductVariant.name) == name.lower()).limit(1))
    if taken is not None:
        raise ValidationFailed(f"{product.name} already has a variant “{name}”.", fields={"name": "Already in use."})
    variant = ProductVariant(organization_id=org.id, product_id=product.id, name=name)
    db.session.add(variant)
    db.session.flush()
    return variant


# ---- SKUs --------------------------------------------------------------------------------------------

@unit_of_work
def create_sku(org, actor, product_id, *, variant_id=None, size_label="", item_id=None, unit="each", code=None,
               retail_price=None, wholesale_price=None, barcode=None, container_item_id=None) -> Sku:
    """Add a SKU backed by an existing product item, or by a new one named “<product> – <variant> <size>”."""
    authorize(actor, org, "products.edit")
    product = tenancy.get_for_org(Product, product_id, org)
    if product.archived_at is not None:
        raise InvalidState(f"{product.name} is archived; restore it to add SKUs.")
    variant = _variant(org, product, variant_id)
    size_label = clean_text(size_label, "size_label", 80)
    if item_id not in (None, ""):
        item = _product_item(org, item_id)
    else:
        name = product.name
        detail = " ".join(part for part in (variant.name if variant else "", size_label) if part)
        if detail:
            name = f"{product.name} – {detail}"
        item = inventory.create_item(org, actor, name=name[:120], kind="product", unit=unit or "each")
    sku = Sku(organization_id=org.id, product_id=product.id, variant_id=variant.id if variant else None,
              item_id=item.id, size_label=size_label,
              retail_price=_price(retail_price, "retail_price"),
              wholesale_price=_price(wholesale_price, "wholesale_price"),
              barcode=_barcode(org, barcode), container_item_id=_container_id(org, container_item_id))
    sku.code = _given_code(org, code) if code not in (None, "") else _generated_code(org, product, variant, size_label)
    db.session.add(sku)
    db.session.flush()
    return sku


@unit_of_work
def update_sku(org, actor, sku_id, **fields) -> Sku:
    """Edit a SKU's code, variant, size, prices, barcode or container."""
    authorize(actor, org, "products.edit")
    unknown = set(fields) - SKU_FIELDS
    if unknown:
        raise TypeError(f"update_sku got unknown field(s): {', '.join(sorted(unknown))}")
    sku = tenancy.get_for_org_for_update(Sku, sku_id, org)
    if "variant_id" in fields:
        product = tenancy.get_for_org(Product, sku.product_id, org)
        variant = _variant(org, product, fields["variant_id"])
        sku.variant_id = variant.id if variant else None
    if "size_label" in fields:
        sku.size_label = clean_text(fields["size_label"], "size_label", 80)
    if "code" in fields:
        sku.code = _given_code(org, fields["code"], exclude_id=sku.id)
    for key in ("retail_price", "wholesale_price"):
        if key in fields:
            setattr(sku, key, _price(fields[key], key))
    if "barcode" in fields:
        sku.barcode = _barcode(org, fields["barcode"], exclude_id=sku.id)
    if "container_item_id" in fields:
        sku.container_item_id = _container_id(org, fields["container_item_id"])
    return sku


@unit_of_work
def archive_sku(org, actor, sku_id) -> Sku:
    """Hide a SKU from pickers; its stock and sales stay."""
    authorize(actor, org, "products.edit")
    sku = tenancy.get_for_org_for_update(Sku, sku_id, org)
    if sku.archived_at is None:
        sku.archived_at = utcnow()
    return sku


def _variant(org, product: Product, variant_id) -> ProductVariant | None:
    if variant_id in (None, ""):
        return None
    variant = tenancy.find_for_org(ProductVariant, org, id=_int(variant_id, "variant_id"))
    if variant is None or variant.product_id != product.id:
        raise ValidationFailed(f"Choose a variant of {product.name}.", fields={"variant_id": "Unknown variant."})
    return variant


def _product_item(org, item_id) -> InventoryItem:
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    if item.kind != "product":
        message = f"{item.name} is an {item.kind}; a SKU's stock item must be of kind product."
        raise ValidationFailed(message, fields={"item_id": message})
    if tenancy.find_for_org(Sku, org, item_id=item.id) is not None:
        message = f"{item.name} already backs another SKU."
        raise ValidationFailed(message, fields={"item_id": message})
    return item


def _container_id(org, value) -> int | None:
    if value in (None, ""):
        return None
    item = tenancy.find_for_org(InventoryItem, org, id=_int(value, "container_item_id"))
    if item is None or item.kind not in CONTAINER_KINDS:
        raise ValidationFailed("Choose one of your containers or packaging items.",
                               fields={"container_item_id": "Unknown container."})
    return item.id


def _given_code(org, value, exclude_id: int | None = None) -> str:
    code = clean_text(value, "code", 40, required=True, label="a SKU code").upper()
    if not CODE_RE.match(code):
        raise ValidationFailed("SKU codes use letters, digits, dots, dashes and underscores.",
                               fields={"code": "Letters, digits, . - _ only."})
    if _code_taken(org, code, exclude_id):
        raise ValidationFailed(f"SKU code {code} is already used.", fields={"code": "Already used."})
    return code


def _code_taken(org, code: str, exclude_id: int | None = None) -> bool:
    stmt = tenancy.scoped(Sku, org, Sku.id).where(Sku.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Sku.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _generated_code(org, product: Product, variant: ProductVariant | None, size_label: str) -> str:
    """LAV-BAR-4OZ from the names when they give one that is free, else SKU-000001 from a counter."""
    parts = [_abbreviation(product.name), _abbreviation(variant.name) if variant else "",
             re.sub(r"[^A-Z0-9]", "", size_label.upper())[:8]]
    code = "-".join(part for part in parts if part)[:40]
    if code and CODE_RE.match(code) and not _code_taken(org, code):
        return code
    while True:
        code = sequences.next_code(org, "sku", "SKU")
        if not _code_taken(org, code):
            return code


def _abbreviation(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name or "")
    return "-".join(word[:3].upper() for word in words[:2])


def _price(value, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_price(value, field)


def parse_price(value, field: str = "unit_price") -> Decimal:
    """A price: a finite Decimal from 0 up to 10,000,000, else ValidationFailed naming the field."""
    price = units.parse_decimal(value, field)
    if price < 0:
        raise ValidationFailed("A price cannot be negative.", fields={field: "Zero or more."})
    if price >= MAX_PRICE:
        raise ValidationFailed("That price is too large.", fields={field: "Below 10,000,000."})
    return price.quantize(MONEY_QUANTUM) if price.as_tuple().exponent < -10 else price


def _barcode(org, value, exclude_id: int | None = None) -> str | None:
    code = clean_text(value, "barcode", 64)
    if not code:
        return None
    stmt = tenancy.scoped(Sku, org, Sku.id).where(Sku.barcode == code)
    if exclude_id is not None:
        stmt = stmt.where(Sku.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed(f"Barcode {code} is already on another SKU.", fields={"barcode": "Already used."})
    return code



def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Choose one from the list.", fields={field: "Invalid id."}) from None


# ---- reads -------------------------------------------------------------------------------------------

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
        pattern = _like(q)
        sku_match = tenancy.scoped(Sku, org, Sku.product_id).where(
            or_(Sku.code.ilike(pattern, escape="\\"), Sku.barcode.ilike(pattern, escape="\\")))
        filters.append(or_(Product.name.ilike(pattern, escape="\\"), Product.category.ilike(pattern, escape="\\"),
                           Product.id.in_(sku_match)))
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
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org).where(
        InventoryLot.item_id.in_(sorted(set(item_ids))), InventoryLot.remaining_quantity > 0)
        .order_by(*fifo.consumption_order(org))))
    batch_by_lot = {}
    if lots:
        stmt = (tenancy.scoped(BatchOutput, org, BatchOutput.lot_id, Batch)
                .join(Batch, Batch.id == BatchOutput.batch_id)
                .where(BatchOutput.lot_id.in_([lot.id for lot in lots]), Batch.organization_id == org.id)
                .options(lazyload(Batch.consumption), lazyload(Batch.outputs)))
        batch_by_lot = {lot_id: batch for lot_id, batch in db.session.execute(stmt)}
    result: dict[int, list] = {}
    for lot in lots:
        result.setdefault(lot.item_id, []).append((lot, batch_by_lot.get(lot.id)))
    return result


@dataclass
class ProductDetail:
    product: Product
    variants: list[ProductVariant]
    skus: list[SkuRow]  # each with .lots = [(lot, batch or None)]


def get_product_detail(org, actor, product_id) -> ProductDetail:
    """A product with its variants and SKUs, each SKU's lots and the batch that made each lot."""
    authorize(actor, org, "products.view")
    product = tenancy.get_for_org(Product, product_id, org)
    row = _product_rows(org, [product], with_lots=True)[0]
    return ProductDetail(product=product, variants=row.variants, skus=row.skus)


def get_product(org, actor, product_id) -> Product:
    authorize(actor, org, "products.view")
    return tenancy.get_for_org(Product, product_id, org)


def get_sku(org, actor, sku_id) -> Sku:
    """The organization's SKU, or NotFound."""
    authorize(actor, org, "products.view")
    return tenancy.get_for_org(Sku, sku_id, org)


def find_sku_by_code(org, code) -> Sku | None:
    """The SKU with this code (case-insensitive), or None."""
    return tenancy.find_for_org(Sku, org, code=str(code or "").strip().upper())


def sku_for_item(org, item_id) -> Sku | None:
    return tenancy.find_for_org(Sku, org, item_id=int(item_id))


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


def _like(q) -> str:
    return "%" + str(q).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
