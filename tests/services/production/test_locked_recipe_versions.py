"""A version locked by a batch cannot change — not through update_recipe (which makes a new version, see
test_recipes.py) and not through any other path that writes the version or its lines directly."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import RecipeLine, RecipeVersion
from app.services import batches, recipes, tenancy
from app.services.base import transaction
from app.services.errors import InvalidState

from ...factories import make_item, make_lot


@pytest.fixture()
def locked(org, owner):
    """A recipe whose version 1 was used by a batch."""
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Lye", unit="g")
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "5000", "0.02")
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"},
                                          {"item_id": lye.id, "quantity": "90", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    return {"recipe": recipe, "batch": batch, "oil": oil, "lye": lye}


def _v1(org, recipe):
    db.session.expire_all()
    return tenancy.find_for_org(RecipeVersion, org, recipe_id=recipe.id, version=1)


def _frozen_state(org, recipe) -> tuple:
    version = _v1(org, recipe)
    return (version.yield_quantity, version.yield_unit, version.locked_at is not None,
            [(line.item_id, line.quantity, line.unit) for line in version.lines])


@pytest.mark.parametrize("change", ["yield", "line_quantity", "add_line", "remove_line", "replace_lines"])
def test_a_locked_version_cannot_be_changed_directly(org, locked, change):
    """Does any direct write to a locked version (its yield, a line, the set of lines) fail with InvalidState and
    leave the snapshot the batch was made from exactly as it was?"""
    recipe = locked["recipe"]
    before = _frozen_state(org, recipe)
    assert before[2], "version 1 is locked by the batch"
    with pytest.raises(InvalidState, match="used by a batch"):
        with transaction():
            version = _v1(org, recipe)
            if change == "yield":
                version.yield_quantity = Decimal("20")
            elif change == "line_quantity":
                version.lines[0].quantity = Decimal("1")
            elif change == "add_line":
                version.lines.append(RecipeLine(organization_id=org.id, item_id=locked["oil"].id,
                                                quantity=Decimal("5"), unit="g", position=9))
            elif change == "remove_line":
                version.lines.pop()
            else:
                version.lines = [RecipeLine(organization_id=org.id, item_id=locked["lye"].id,
                                            quantity=Decimal("1"), unit="g")]
    assert _frozen_state(org, recipe) == before
    assert locked["batch"].recipe_version == 1


def test_an_unlocked_version_is_still_edited_in_place_and_locking_is_allowed(org, owner):
    """Does the guard leave normal work alone: editing a version no batch used, and locking it at batch start?"""
    oil = make_item(org, name="Shea", unit="g")
    make_lot(org, oil, "1000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Body Butter", yield_quantity="4", yield_unit="each",
                                   lines=[{"item_id": oil.id, "quantity": "100", "unit": "g"}])
    recipes.update_recipe(org, owner, recipe.id, lines=[{"item_id": oil.id, "quantity": "120", "unit": "g"}])
    assert recipe.current_version == 1 and _v1(org, recipe).lines[0].quantity == Decimal("120")
    batches.start_batch(org, owner, recipe.id, "1")
    assert _v1(org, recipe).locked_at is not None
    batches.start_batch(org, owner, recipe.id, "1")  # a second batch of a locked version: still fine
    recipes.update_recipe(org, owner, recipe.id, yield_quantity="5")
    assert recipe.current_version == 2 and _v1(org, recipe).yield_quantity == Decimal("4")
