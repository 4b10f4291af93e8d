"""Finishing a batch of a recipe without an output item teaches the recipe its output for next time."""
from __future__ import annotations

from app.models import Recipe
from app.services import batches, recipes, tenancy

from ...factories import make_item, make_lot


def _recipe_without_output(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g")
    make_lot(org, oil, "2000", "0.01")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    other = make_item(org, name="Guest Bar", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"}])
    assert recipe.output_item_id is None
    return recipe, bar, other


def test_the_first_output_chosen_is_remembered_and_not_overwritten(db, org, owner, reference_data):
    """Does the recipe say "Castile Bar" after its first batch, and keep it when a later batch goes elsewhere?"""
    recipe, bar, other = _recipe_without_output(org, owner)
    first = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, first.id, yield_quantity="10", output_item_id=bar.id)
    assert tenancy.get_for_org(Recipe, recipe.id, org).output_item_id == bar.id
    second = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, second.id, yield_quantity="10", output_item_id=other.id)
    assert tenancy.get_for_org(Recipe, recipe.id, org).output_item_id == bar.id
