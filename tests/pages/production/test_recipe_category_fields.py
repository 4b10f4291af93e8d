"""A recipe's category fields (soap superfat and water %, candle fragrance load %) are kept as exact Decimals,
validated and shown on the recipe page."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.services import recipes
from app.services.errors import ValidationFailed

from ...factories import make_item
from ...helpers import post_form


def test_recipe_category_fields_are_exact_and_shown(client, org, owner, login):
    """Are superfat, water and fragrance load stored exactly, shown on the recipe page, and out-of-range refused?"""
    oil = make_item(org, name="Olive Oil", unit="g")
    recipe = recipes.create_recipe(org, owner, name="Bastille", yield_quantity="10", yield_unit="each",
                                   category="soap", superfat_pct="5.5", water_pct="33.333", fragrance_load_pct="0.1",
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"}])
    assert (recipe.superfat_pct, recipe.water_pct, recipe.fragrance_load_pct) == (
        Decimal("5.5"), Decimal("33.333"), Decimal("0.1"))
    for bad in ("-1", "abc", "5000"):
        with pytest.raises(ValidationFailed) as error:
            recipes.update_recipe(org, owner, recipe.id, superfat_pct=bad)
        assert "superfat_pct" in error.value.fields
    db.session.expire_all()
    assert recipes.get_recipe(org, owner, recipe.id).superfat_pct == Decimal("5.5")
    login(owner)
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "Superfat" in html and "5.5%" in html and "33.333%" in html
    response = post_form(client, f"/recipes/{recipe.id}/edit", {
        "name": "Bastille", "category": "soap", "yield_quantity": "10", "yield_unit": "each", "superfat_pct": "-3",
        "lines-0-item_id": str(oil.id), "lines-0-quantity": "700", "lines-0-unit": "g"})
    assert response.status_code == 422
    db.session.expire_all()
    assert recipes.get_recipe(org, owner, recipe.id).superfat_pct == Decimal("5.5")
