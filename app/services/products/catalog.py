"""Products and their variants (scent, colour): create, edit, archive, restore."""
from __future__ import annotations

from sqlalchemy import func

from ...extensions import db
from ...models import Product, ProductVariant
from ...models.types import utcnow
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import ValidationFailed
from ..validation import clean_text

PRODUCT_FIELDS = frozenset({"name", "description", "category"})


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
