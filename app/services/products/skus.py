"""SKUs: a variant × size/container, each backed by one inventory item of kind `product` whose lots come from
batches; codes unique per organization (given, or generated from the names); prices checked here."""
from __future__ import annotations

import re
from decimal import Decimal

from ...extensions import db
from ...models import InventoryItem, Product, ProductVariant, Sku
from ...models.types import MONEY_QUANTUM, utcnow
from .. import inventory, sequences, tenancy, units
from ..authz import authorize
from ..barcodes import checked_barcode
from ..base import unit_of_work
from ..errors import InvalidState, ValidationFailed
from ..validation import clean_text

MAX_PRICE = Decimal("1e7")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
SKU_FIELDS = frozenset({"variant_id", "size_label", "code", "retail_price", "wholesale_price", "barcode",
                        "container_item_id"})
CONTAINER_KINDS = ("container", "packaging")


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
              barcode=checked_barcode(org, barcode, item_id=item.id), container_item_id=_container_id(org, container_item_id))
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
        sku.barcode = checked_barcode(org, fields["barcode"], item_id=sku.item_id, sku_id=sku.id)
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


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Choose one from the list.", fields={field: "Invalid id."}) from None
