"""Finishing a batch into "New product / SKU…": a product named after the recipe, one SKU, the output lot."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Batch, Product, Recipe, Sku
from app.services import batches, recipes, tenancy

from ...factories import make_item, make_lot
from ...helpers import post_form

pytestmark = pytest.mark.usefixtures("reference_data")


def test_finish_into_a_new_product_and_the_recipe_remembers_it(client, org, owner, login):
    """Does choosing "New product / SKU…" make the product + SKU, put the output lot there and teach the recipe?"""
    oil = make_item(org, name="Olive Oil", unit="g")
    make_lot(org, oil, "2000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Rosemary Bar", yield_quantity="8", yield_unit="each",
                                   lines=[{"item_id": oil.id, "quantity": "800", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert '<option value="new">New product / SKU' in page
    response = post_form(client, f"/batches/{batch.id}/finish", {
        "finish-yield_quantity": "8", "finish-output_item_id": "new"}, form_url=f"/batches/{batch.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "It went into a new product and SKU named after the recipe: give the SKU a retail price" in flashed
    db.session.expire_all()
    product = db.session.scalars(tenancy.scoped(Product, org)).one()
    sku = db.session.scalars(tenancy.scoped(Sku, org)).one()
    assert product.name == "Rosemary Bar" and sku.product_id == product.id
    assert tenancy.get_for_org(Batch, batch.id, org).status == "completed"
    assert tenancy.get_for_org(Recipe, recipe.id, org).output_item_id == sku.item_id
    (_, item, lot), = batches.batch_record(org, owner, batch.id).outputs
    assert item.id == sku.item_id and lot.remaining_quantity == 8


def test_a_first_batch_offers_a_new_product_before_its_own_ingredients(client, org, owner, login):
    """With no product yet, does the output list put "New product / SKU…" before the oils (marked ingredients),
    and a product, once there, before both?"""
    oil = make_item(org, name="Olive Oil", unit="g")
    make_lot(org, oil, "2000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Rosemary Bar", yield_quantity="8", yield_unit="each",
                                   lines=[{"item_id": oil.id, "quantity": "800", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    new_at, oil_at = page.index('<option value="new">'), page.index(f'<option value="{oil.id}">Olive Oil (g) — an ingredient')
    assert new_at < oil_at
    bar = make_item(org, name="Rosemary Bar", kind="product", unit="each")
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert page.index(f'<option value="{bar.id}">Rosemary Bar (each)</option>') < page.index('<option value="new">')

