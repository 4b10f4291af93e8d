"""Product pages: list with SKU stock, create/edit/archive, product page with variants, SKUs and their lots."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Product, Sku
from app.services import inventory, products, tenancy

from ..factories import finished_batch, make_item, stocked_sku
from ..helpers import count_queries, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


def _count(model, org) -> int:
    return db.session.scalar(tenancy.scoped(model, org, func.count(model.id))) or 0


def test_empty_product_list_explains_the_next_steps(client, owner, login):
    """Does an empty product list say to create a product, then finish a batch into its SKU?"""
    login(owner)
    html = client.get("/products").get_data(as_text=True)
    assert 'data-testid="empty-products"' in html
    assert "Create your first product" in html and "Finish a batch" in html


def test_list_shows_each_sku_with_code_stock_value_and_price(client, org, owner, login):
    """Does the list show every SKU's code, stock on hand, value and retail price, and search by SKU code?"""
    made = stocked_sku(org, owner, name="Lavender Soap", price="8.50", quantity="12", unit_cost="1.25")
    stocked_sku(org, owner, name="Cedar Candle", price="22")
    login(owner)
    html = client.get("/products").get_data(as_text=True)
    assert "Lavender Soap" in html and "Cedar Candle" in html
    assert made["sku"].code in html and "$8.50" in html and "$15.00" in html and "12 each" in html
    html = client.get(f"/products?q={made['sku'].code}").get_data(as_text=True)
    assert "Lavender Soap" in html and "Cedar Candle" not in html


def test_product_list_queries_do_not_grow_with_rows(client, org, owner, login):
    """Does the product list cost a fixed number of queries however many products and SKUs it shows?"""
    stocked_sku(org, owner)
    login(owner)
    client.get("/products")
    with count_queries() as few:
        assert client.get("/products").status_code == 200
    for _ in range(6):
        stocked_sku(org, owner, lots=2)
    client.get("/products")
    with count_queries() as many:
        assert client.get("/products").status_code == 200
    assert many.count <= few.count, "\n".join(many.statements)


def test_create_edit_add_variant_and_sku_through_the_pages(client, org, owner, login):
    """Can a maker create a product, add a variant and a SKU (code generated), then edit the SKU?"""
    container = make_item(org, name="4 oz tin", kind="container", unit="each")
    login(owner)
    response = post_form(client, "/products/new", {"name": "Shea Balm", "category": "Balms"})
    assert response.status_code == 302
    product = tenancy.find_for_org(Product, org, name="Shea Balm")
    assert f"/products/{product.id}" in response.headers["Location"]
    url = f"/products/{product.id}"
    assert post_form(client, f"{url}/variants", {"name": "Vanilla"}, form_url=url).status_code == 302
    variant = products.get_product_detail(org, owner, product.id).variants[0]
    response = post_form(client, f"{url}/skus", {"variant_id": str(variant.id), "size_label": "4 oz",
                                                 "retail_price": "14", "wholesale_price": "7",
                                                 "container_item_id": str(container.id), "unit": "each"},
                         form_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    sku = tenancy.find_for_org(Sku, org, product_id=product.id)
    assert sku.code and sku.retail_price == Decimal("14") and sku.container_item_id == container.id
    html = client.get(url).get_data(as_text=True)
    assert sku.code in html and "Vanilla" in html and "4 oz tin" in html and "No stock yet" in html
    response = post_form(client, f"/products/skus/{sku.id}/edit", {"variant_id": str(variant.id), "size_label": "4 oz",
                                                                  "code": "SHEA-VAN-4", "retail_price": "15"})
    assert response.status_code == 302
    # back on the SKU's own page, where the new price is used ("Sell one · $15.00" once it has stock)
    assert response.headers["Location"].endswith(f"/products/skus/{sku.id}")
    db.session.expire_all()
    assert sku.code == "SHEA-VAN-4" and sku.retail_price == Decimal("15")
    response = post_form(client, f"/products/{product.id}/edit", {"name": "Shea Body Balm", "category": "Balms"})
    assert response.status_code == 302
    db.session.expire_all()
    assert product.name == "Shea Body Balm"


@pytest.mark.parametrize("data, message", [
    ({"retail_price": "abc"}, "Enter a number"),
    ({"retail_price": "-1"}, "at least 0"),
    ({"code": "bad code!"}, "letters, digits"),
    ({"variant_id": "999999"}, "Choose one from the list"),
    ({"container_item_id": "99999999999999999999"}, "Choose one from the list"),
    ({"item_id": "999999"}, "Choose one from the list"),
    ({"unit": "furlong"}, "unit"),
])
def test_bad_sku_input_is_a_422_with_a_message_and_writes_nothing(client, org, owner, login, data, message):
    """Does bad SKU input re-render the form with a message (422) and add nothing?"""
    product = products.create_product(org, owner, name="Oat Soap")
    login(owner)
    before = _count(Sku, org)
    response = post_form(client, f"/products/{product.id}/skus", data, form_url=f"/products/{product.id}")
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert message.lower() in response.get_data(as_text=True).lower()
    assert _count(Sku, org) == before


def test_duplicate_product_name_is_422(client, org, owner, login):
    products.create_product(org, owner, name="Oat Soap")
    login(owner)
    response = post_form(client, "/products/new", {"name": "oat soap"})
    assert response.status_code == 422
    assert "already have a product" in response.get_data(as_text=True)
    assert post_form(client, "/products/new", {"name": ""}).status_code == 422
    assert _count(Product, org) == 1


def test_product_page_lists_each_skus_lots_with_the_batch_that_made_them(client, org, owner, login):
    """Does each SKU list its lots, each linked to the batch that made it and to its trace page?"""
    made = finished_batch(org, owner)
    login(owner)
    html = client.get(f"/products/{made['product'].id}").get_data(as_text=True)
    assert made["output_lot"].code in html and made["batch"].label in html
    assert f"/batches/{made['batch'].id}" in html
    assert f"/trace/lots/{made['output_lot'].code}" in html
    assert f"/inventory/{made['sku'].item_id}" in html


def test_product_page_offers_sell_only_for_a_sku_with_stock_to_sell(client, org, owner, login):
    """A SKU whose whole output is curing: is its Sell button left out (the sale would be refused), and back once
    the cure is over?"""
    made = finished_batch(org, owner)
    inventory.set_lot_hold(org, owner, made["output_lot"].id, date(2031, 3, 1))
    login(owner)
    html = client.get(f"/products/{made['product'].id}").get_data(as_text=True)
    assert 'data-testid="sku-sell"' not in html and "curing until 2031-03-01" in html
    inventory.set_lot_hold(org, owner, made["output_lot"].id, None)
    html = client.get(f"/products/{made['product'].id}").get_data(as_text=True)
    assert f'href="/sales/new?sku_id={made["sku"].id}" role="button" class="small" data-testid="sku-sell"' in html


def test_archive_and_restore(client, org, owner, login):
    product = products.create_product(org, owner, name="Old Soap")
    login(owner)
    url = f"/products/{product.id}"
    response = post_form(client, f"{url}/archive", {}, form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert product.archived_at is not None
    assert "Old Soap archived." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Old Soap" not in client.get("/products").get_data(as_text=True)
    assert "Old Soap" in client.get("/products?archived=1").get_data(as_text=True)
    assert post_form(client, f"{url}/restore", {}, form_url=url).status_code == 302
    db.session.expire_all()
    assert product.archived_at is None


def test_another_organizations_product_and_sku_are_404(client, org, other_org, owner, other_owner, login):
    theirs = stocked_sku(other_org, other_owner)
    login(owner)
    assert client.get(f"/products/{theirs['product'].id}").status_code == 404
    assert client.get(f"/products/{theirs['product'].id}/edit").status_code == 404
    assert client.get(f"/products/skus/{theirs['sku'].id}/edit").status_code == 404
    mine = products.create_product(org, owner, name="Mine")
    response = post_form(client, f"/products/{theirs['product'].id}/variants", {"name": "X"},
                         form_url=f"/products/{mine.id}")
    assert response.status_code == 404


def test_viewer_sees_products_but_cannot_change_them(client, org, owner, viewer, login):
    product = products.create_product(org, owner, name="Rose Soap")
    login(viewer)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "Rose Soap" in html and "Add SKU" not in html
    assert client.get("/products/new").status_code == 403
    response = post_form(client, f"/products/{product.id}/variants", {"name": "Red"}, form_url="/products")
    assert response.status_code == 403
    response = post_form(client, f"/products/{product.id}/archive", {}, form_url="/products")
    assert response.status_code == 403


def test_a_sku_without_stock_offers_a_restock_for_stock_already_on_the_shelf(client, org, owner, login):
    """Does an empty SKU say how to stock it without a batch (a maker starting with finished goods had only
    'finish a batch into it'), on the product and the SKU page?"""
    from ..factories import make_sku

    sku = make_sku(org, owner, size_label="8 oz jar")
    login(owner)
    for url in (f"/products/{sku.product_id}", f"/products/skus/{sku.id}"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-testid="sku-no-stock"' in html, url
        assert f'href="/inventory/{sku.item_id}#adjust">restock it</a>' in html, url
