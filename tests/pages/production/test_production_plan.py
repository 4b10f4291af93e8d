"""Production plan: the page's own spare rows (no recipe, scale pre-filled with 1) are ignored, not errors."""
from __future__ import annotations

import pytest

from app.services import recipes

from ...factories import make_item, make_lot

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Castile Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, category="soap",
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"}])
    make_lot(org, oil, "500", "0.01")
    return recipe


def test_spare_rows_with_the_prefilled_scale_are_ignored(client, owner, login, soap):
    """Does a plan with one chosen recipe and three untouched rows (scale 1, no recipe) compute the plan?"""
    login(owner)
    query = f"recipe_id={soap.id}&scale=1" + "&recipe_id=&scale=1" * 3
    response = client.get(f"/recipes/plan?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Choose one of your recipes" not in html
    assert "700 g" in html and "200 g" in html  # needed 700, 500 available, 200 to buy
    csv_response = client.get(f"/recipes/plan.csv?{query}")
    assert csv_response.status_code == 200 and "Olive Oil,g,700,500,200" in csv_response.get_data(as_text=True)


def test_a_plan_with_no_recipe_in_any_row_says_so(client, owner, login, soap):
    """Is a submitted plan whose rows all lack a recipe a 422 with one clear message?"""
    login(owner)
    response = client.get("/recipes/plan?" + "&".join(["recipe_id=&scale=1"] * 4))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a recipe in at least one row." in html
    assert client.get("/recipes/plan").status_code == 200  # the empty page itself is fine
