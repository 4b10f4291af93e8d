"""Products, variants and SKUs: generated codes unique per organization, SKU stock items, list and detail pages'
data in a fixed number of queries."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryItem
from app.services import batches, products, recipes, tenancy
from app.services.errors import NotFound, PermissionDenied, ValidationFailed

from ...factories import make_item, make_lot, make_sku
from ...helpers import count_queries

pytestmark = pytest.mark.usefixtures("reference_data")


def test_a_sku_gets_a_product_item_and_a_readable_code(org, owner):
    soap = products.create_product(org, owner, name="Lavender Bar", category="Soap")
    sku = products.create_sku(org, owner, soap.id, size_label="4 oz", retail_price="8.50", wholesale_price="4.25")
    item = tenancy.get_for_org(InventoryItem, sku.item_id, org)
    assert (item.kind, item.unit, item.name) == ("product", "each", "Lavender Bar – 4 oz")
    assert sku.code == "LAV-BAR-4OZ"
    assert sku.retail_price == Decimal("8.50")
    scent = products.add_variant(org, owner, soap.id, name="Rose")
    second = products.create_sku(org, owner, soap.id, variant_id=scent.id, size_label="4 oz")
    assert second.code == "LAV-BAR-ROS-4OZ"
    assert tenancy.get_for_org(InventoryItem, second.item_id, org).name == "Lavender Bar – Rose 4 oz"


def test_a_taken_code_falls_back_to_the_sequence(org, owner):
    soap = products.create_product(org, owner, name="Oat Soap")
    first = products.create_sku(org, owner, soap.id, size_label="bar")
    products.update_sku(org, owner, first.id, code="OAT-SOA-BAR")
    item = make_item(org, name="Oat soap – gift box", kind="product", unit="each")
    again = products.create_sku(org, owner, soap.id, size_label="BAR", item_id=item.id)
    assert again.code == "SKU-000001"


def test_given_codes_are_unique_per_organization_only(org, owner, other_org, other_owner):
    mine = products.create_product(org, owner, name="Candle")
    products.create_sku(org, owner, mine.id, code="cdl-1", size_label="8 oz")
    with pytest.raises(ValidationFailed) as error:
        products.create_sku(org, owner, mine.id, code="CDL-1", size_label="12 oz")
    assert "code" in error.value.fields
    theirs = products.create_product(other_org, other_owner, name="Candle")
    assert products.create_sku(other_org, other_owner, theirs.id, code="CDL-1", size_label="8 oz").code == "CDL-1"


def test_bad_sku_input_is_refused(org, owner, other_org):
    soap = products.create_product(org, owner, name="Soap")
    with pytest.raises(ValidationFailed) as error:
        products.create_sku(org, owner, soap.id, retail_price="-3")
    assert "retail_price" in error.value.fields
    ingredient = make_item(org, name="Shea", unit="g")
    with pytest.raises(ValidationFailed):
        products.create_sku(org, owner, soap.id, item_id=ingredient.id)
    theirs = make_item(other_org, name="Their bar", kind="product", unit="each")
    with pytest.raises(NotFound):
        products.create_sku(org, owner, soap.id, item_id=theirs.id)
    with pytest.raises(ValidationFailed):
        products.create_product(org, owner, name="soap")  # names are unique (case-insensitive)


def test_viewers_cannot_edit_products(org, viewer):
    with pytest.raises(PermissionDenied):
        products.create_product(org, viewer, name="Nope")


def test_product_detail_shows_each_skus_lots_and_the_batch_that_made_them(org, owner):
    soap = products.create_product(org, owner, name="Castile")
    sku = products.create_sku(org, owner, soap.id, size_label="bar")
    oil = make_item(org, name="Olive Oil", unit="g")
    make_lot(org, oil, "1000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   output_item_id=sku.item_id, lines=[{"item_id": oil.id, "quantity": "700",
                                                                       "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity="10")
    bought = make_lot(org, tenancy.get_for_org(InventoryItem, sku.item_id, org), "2", "1")
    detail = products.get_product_detail(org, owner, soap.id)
    (row,) = detail.skus
    assert [(lot.original_quantity, made_by.id if made_by else None) for lot, made_by in row.lots] == [
        (Decimal("10"), batch.id), (Decimal("2"), None)]
    assert row.lots[1][0].id == bought.id
    assert row.quantity == Decimal("12") and row.value == Decimal("7") + Decimal("2")


def test_list_products_costs_a_fixed_number_of_queries(org, owner):
    for n in range(3):
        sku = make_sku(org, owner, product=products.create_product(org, owner, name=f"P{n}"))
        make_lot(org, tenancy.get_for_org(InventoryItem, sku.item_id, org), "3", "2")
    db.session.expire_all()
    with count_queries() as few:
        page = products.list_products(org, owner)
    assert [row.quantity for row in page.items] == [Decimal("3")] * 3
    for n in range(3, 15):
        sku = make_sku(org, owner, product=products.create_product(org, owner, name=f"P{n}"))
        make_lot(org, tenancy.get_for_org(InventoryItem, sku.item_id, org), "3", "2")
    db.session.expire_all()
    with count_queries() as many:
        page = products.list_products(org, owner)
    assert page.total == 15 and page.items[0].value == Decimal("6")
    assert many.count == few.count
    assert products.list_products(org, owner, q="p1").total == 6  # P1, P10…P14
