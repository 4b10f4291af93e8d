"""Recipes: versions and locking, label prefixes, scaling, percentage mode, stock check, cost, plans."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.services import batches, recipes
from app.services.errors import (
    InvalidQuantity,
    MissingDensity,
    MissingUnitMapping,
    NotFound,
    PermissionDenied,
    UnknownUnit,
    ValidationFailed,
)

from ...factories import assert_invariants, make_item, make_lot


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Sodium Hydroxide", unit="g")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Castile Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[
                                       {"item_id": oil.id, "quantity": "700", "unit": "g"},
                                       {"item_id": lye.id, "quantity": "0.2", "unit": "lb"}])
    return recipe, oil, lye, bar


def test_create_recipe_derives_a_unique_label_prefix(soap, org, owner):
    recipe, oil, _, _ = soap
    assert recipe.label_prefix == "CS"
    second = recipes.create_recipe(org, owner, name="Cedar Smoke", yield_quantity="1", yield_unit="kg",
                                   lines=[{"item_id": oil.id, "quantity": "1", "unit": "kg"}])
    assert second.label_prefix == "CS2"
    with pytest.raises(ValidationFailed) as error:
        recipes.create_recipe(org, owner, name="Other", yield_quantity="1", yield_unit="g", label_prefix="cs",
                              lines=[{"item_id": oil.id, "quantity": "1"}])
    assert "label_prefix" in error.value.fields


def test_line_quantities_convert_exactly_to_the_item_unit(soap, org, owner):
    recipe, _, lye, _ = soap
    lines = recipes.scaled_lines(org, recipes.get_version(org, owner, recipe), Decimal("1.5"))
    lye_line = next(line for line in lines if line.item.id == lye.id)
    assert lye_line.item_quantity == Decimal("136.077711")  # 0.2 lb × 1.5 = 0.3 lb = 136.077711 g


def test_bad_lines_are_refused_with_the_fixable_cause(org, owner, other_org):
    oil = make_item(org, name="Coconut Oil", unit="g")
    bar = make_item(org, name="Bar", unit="each")
    theirs = make_item(other_org, name="Their oil", unit="g")
    with pytest.raises(MissingDensity) as error:
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g",
                              lines=[{"item_id": oil.id, "quantity": "5", "unit": "mL"}])
    assert "Coconut Oil" in error.value.message
    with pytest.raises(MissingUnitMapping):
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g",
                              lines=[{"item_id": bar.id, "quantity": "5", "unit": "g"}])
    with pytest.raises(UnknownUnit):
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g",
                              lines=[{"item_id": oil.id, "quantity": "5", "unit": "smidgen"}])
    with pytest.raises(NotFound):
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g",
                              lines=[{"item_id": theirs.id, "quantity": "5", "unit": "g"}])
    with pytest.raises(InvalidQuantity):
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g",
                              lines=[{"item_id": oil.id, "quantity": "-5", "unit": "g"}])
    with pytest.raises(ValidationFailed):
        recipes.create_recipe(org, owner, name="X", yield_quantity="1", yield_unit="g", lines=[])
    assert recipes.list_recipes(org, owner).total == 0


def test_a_version_used_by_a_batch_is_locked_and_editing_makes_a_new_version(soap, org, owner):
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "5000", "0.02")
    recipes.update_recipe(org, owner, recipe.id, yield_quantity="12")  # unlocked: edited in place
    assert recipe.current_version == 1
    batch = batches.start_batch(org, owner, recipe.id, "1")
    assert recipes.get_version(org, owner, recipe, 1).locked_at is not None
    recipes.update_recipe(org, owner, recipe.id, lines=[{"item_id": oil.id, "quantity": "800", "unit": "g"}])
    assert recipe.current_version == 2
    v1, v2 = recipes.get_version(org, owner, recipe, 1), recipes.get_version(org, owner, recipe, 2)
    assert [line.quantity for line in v1.lines] == [Decimal("700"), Decimal("0.2")]
    assert [line.quantity for line in v2.lines] == [Decimal("800")]
    assert v2.yield_quantity == Decimal("12") and v2.locked_at is None
    assert batch.recipe_version == 1 and batch.recipe_version_id == v1.id


def test_scaling_by_factor_and_to_a_target_yield_is_exact(soap, org, owner):
    recipe, oil, _, _ = soap
    assert recipes.scale_for_yield(org, recipe, "25") == Decimal("2.5")
    lines = recipes.scaled_lines(org, recipes.get_version(org, owner, recipe), Decimal("2.5"))
    assert lines[0].item_quantity == Decimal("1750")
    with pytest.raises(InvalidQuantity):
        recipes.parse_scale("0")
    with pytest.raises(InvalidQuantity):
        recipes.parse_scale("-1")
    with pytest.raises(InvalidQuantity):
        recipes.parse_scale("abc")


def test_percentage_mode_scales_to_a_target_batch_weight_exactly(org, owner):
    olive = make_item(org, name="Olive", unit="g")
    coconut = make_item(org, name="Coconut", unit="g")
    water = make_item(org, name="Water", unit="g")
    recipe = recipes.create_recipe(org, owner, name="Percent Soap", yield_quantity="1", yield_unit="kg",
                                   percentage_mode=True, base_quantity="1000", base_unit="g", lines=[
                                       {"item_id": olive.id, "percent": "70", "is_base": True},
                                       {"item_id": coconut.id, "percent": "30", "is_base": True},
                                       {"item_id": water.id, "percent": "33"}])
    version = recipes.get_version(org, owner, recipe)
    assert [line.quantity for line in version.lines] == [Decimal("700"), Decimal("300"), Decimal("330")]
    factor = recipes.scale_for_batch_weight(org, recipe, "2660", "g")
    assert factor == Decimal("2")
    lines = recipes.scaled_lines(org, version, factor)
    assert [line.item_quantity for line in lines] == [Decimal("1400"), Decimal("600"), Decimal("660")]


def test_stock_check_reports_the_shortfall_per_line(soap, org, owner):
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "1000", "0.01")
    make_lot(org, lye, "50", "0.02")
    _, scale, check = recipes.check_recipe_stock(org, owner, recipe.id, "1")
    assert not check.ok
    by_item = {line.item.id: line for line in check.lines}
    assert by_item[oil.id].ok and by_item[oil.id].shortfall == 0
    assert by_item[lye.id].shortfall == Decimal("40.718474")


def test_cost_preview_prices_lines_at_the_lots_fifo_would_use(soap, org, owner):
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "500", "0.01")
    make_lot(org, oil, "500", "0.02")
    make_lot(org, lye, "1000", "0.005")
    preview = recipes.cost_preview(org, owner, recipe.id, "1")
    # 500 g × 0.01 + 200 g × 0.02 = 9;   90.718474 g × 0.005 = 0.45359237
    assert preview.total == Decimal("9.45359237")
    assert preview.per_yield_unit == Decimal("0.945359237")
    assert preview.complete


def test_production_plan_adds_needs_across_recipes(soap, org, owner):
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "1000", "0.01")
    plan = recipes.production_plan(org, owner, [(recipe.id, "1"), (recipe.id, "2")])
    by_item = {line.item.id: line for line in plan}
    assert by_item[oil.id].needed == Decimal("2100") and by_item[oil.id].short == Decimal("1100")
    assert by_item[lye.id].available == 0


def test_clone_variation_and_archive(soap, org, owner):
    recipe, *_ = soap
    copy = recipes.clone_recipe(org, owner, recipe.id)
    assert copy.name == "Castile Soap (copy)" and copy.label_prefix != recipe.label_prefix
    variation = recipes.clone_recipe(org, owner, recipe.id, as_variation="Lavender")
    assert variation.parent_id == recipe.id and variation.variation_name == "Lavender"
    recipes.archive_recipe(org, owner, recipe.id)
    assert recipe.id not in [r.id for r in recipes.list_recipes(org, owner).items]
    with pytest.raises(Exception):
        batches.start_batch(org, owner, recipe.id, "1")
    assert_invariants(org)


def test_viewer_cannot_edit_and_other_org_cannot_see(soap, org, viewer, other_owner, other_org):
    recipe, *_ = soap
    with pytest.raises(PermissionDenied):
        recipes.update_recipe(org, viewer, recipe.id, name="Nope")
    with pytest.raises(NotFound):
        recipes.get_recipe(other_org, other_owner, recipe.id)


def test_a_line_may_use_the_items_own_unit(org, owner):
    """Can a recipe line be written in an item's custom unit (1 bar = 113 g) and convert exactly?"""
    from app.services import units

    butter = make_item(org, name="Cocoa Butter", unit="g")
    units.add_item_unit_mapping(org, owner, butter.id, unit_name="bar", quantity="113", in_unit="g")
    recipe = recipes.create_recipe(org, owner, name="Lip Balm", yield_quantity="20", yield_unit="each",
                                   lines=[{"item_id": butter.id, "quantity": "1.5", "unit": "Bar"}])
    (line,) = recipes.scaled_lines(org, recipes.get_version(org, owner, recipe), Decimal("2"))
    assert line.unit == "bar" and line.item_quantity == Decimal("339")
    with pytest.raises(UnknownUnit):
        recipes.create_recipe(org, owner, name="Lip Balm 2", yield_quantity="20", yield_unit="each",
                              lines=[{"item_id": butter.id, "quantity": "1", "unit": "brick"}])
