"""Full cost (issue 17 #1, API.md "Batches" → "Full cost"): labour and overhead from the organization or the
recipe (a recipe's own value, 0 included, wins), frozen on the batch at finish/fail/cancel, carried into the
output lot's unit cost, a sale's COGS and the KPIs; with nothing set every figure is as before. And prices
(issue 17 #2): SKU unit cost, suggested prices, margin, the below-cost check."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Batch, InventoryLot, Sale
from app.services import batches, control_tower, org_settings, pricing, products, recipes, sales, tenancy
from app.services.errors import BelowCost, ValidationFailed

from ...factories import assert_invariants, make_item, make_lot, sku_item, stocked_sku

D = Decimal
JAN, FEB = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc)


@pytest.fixture()
def kitchen(org, owner):
    """700 g oil (500 @ 0.01 + 200 @ 0.012) + 100 g lye @ 0.005 = 7.9 of materials for 10 bars of a SKU."""
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Lye", unit="g")
    make_lot(org, oil, "500", "0.01", received_at=JAN)
    make_lot(org, oil, "1000", "0.012", received_at=FEB)
    make_lot(org, lye, "300", "0.005", received_at=JAN)
    product = products.create_product(org, owner, name="Castile Soap")
    sku = products.create_sku(org, owner, product.id, size_label="4 oz bar", retail_price="9.00")
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   output_item_id=sku.item_id,
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"},
                                          {"item_id": lye.id, "quantity": "100", "unit": "g"}])
    return {"oil": oil, "lye": lye, "sku": sku, "recipe": recipe, "bar": sku_item(org, sku)}


def _rates(org, owner, **settings):
    org_settings.update_organization(org, owner, settings={k: str(v) for k, v in settings.items()})


def _finish(org, owner, recipe, **kwargs):
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity="10", **kwargs)
    return batches.batch_record(org, owner, batch.id)


def _output_lot(record) -> InventoryLot:
    (_, _, lot), = record.outputs
    return lot


def test_with_nothing_set_the_total_is_the_input_cost_and_the_lot_cost_is_unchanged(kitchen, org, owner):
    record = _finish(org, owner, kitchen["recipe"])
    assert record.consumed_cost == D("7.9")
    assert (record.labour_minutes, record.labour_cost, record.overhead_cost) == (D(0), D(0), D(0))
    assert record.total_cost == D("7.9") and record.batch.total_cost == D("7.9")
    assert _output_lot(record).unit_cost == D("0.79")
    assert_invariants(org)


def test_org_labour_and_overhead_flow_into_the_lot_a_sale_and_the_kpis(kitchen, org, owner):
    _rates(org, owner, labour_rate=30, overhead_percent=10, overhead_per_batch=1)
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="30")
    record = _finish(org, owner, kitchen["recipe"])
    # labour 30 × 30 ÷ 60 = 15; overhead 7.9 × 10% + 1 = 1.79; total 7.9 + 15 + 1.79 = 24.69
    assert record.labour_minutes == D(30) and record.labour_cost == D(15)
    assert record.overhead_cost == D("1.79") and record.total_cost == D("24.69")
    stored = db.session.get(Batch, record.batch.id)
    assert (stored.labour_minutes, stored.labour_cost, stored.overhead_cost, stored.total_cost) == \
        (D(30), D(15), D("1.79"), D("24.69"))
    assert _output_lot(record).unit_cost == D("2.469")
    sale = sales.record_sale(org, owner, sku_id=kitchen["sku"].id, quantity="2", unit_price="10")
    assert sale.cogs == D("4.938") and sale.margin == D("15.062")
    kpis = control_tower.compute_kpis(org, owner, 30)
    assert kpis["cogs"] == D("4.938") and kpis["revenue"] == D(20)
    assert_invariants(org)


def test_a_recipes_own_values_win_over_the_orgs_zero_included(kitchen, org, owner):
    _rates(org, owner, labour_rate=30, overhead_percent=10, overhead_per_batch=1)
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="30", labour_rate="0",
                          overhead_percent="0", overhead_per_batch="2")
    record = _finish(org, owner, kitchen["recipe"])
    assert record.labour_cost == D(0) and record.overhead_cost == D(2) and record.total_cost == D("9.9")
    assert _output_lot(record).unit_cost == D("0.99")
    # null on the recipe = the organization's again
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_rate=None, overhead_percent="",
                          overhead_per_batch=None)
    again = _finish(org, owner, kitchen["recipe"])
    # the oil now comes from the 0.012 lot: 8.4 + 0.5 = 8.9 of materials; overhead 0.89 + 1
    assert again.consumed_cost == D("8.9") and again.labour_cost == D(15) and again.overhead_cost == D("1.89")
    assert again.total_cost == D("25.79")


def test_finish_takes_the_actual_labour_minutes_else_the_recipes(kitchen, org, owner):
    _rates(org, owner, labour_rate=20)
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="30")
    record = _finish(org, owner, kitchen["recipe"], labour_minutes="45")
    assert record.labour_minutes == D(45) and record.labour_cost == D(15)
    with pytest.raises(ValidationFailed) as error:
        _finish(org, owner, kitchen["recipe"], labour_minutes="-5")
    assert "labour_minutes" in error.value.fields


def test_in_progress_is_an_estimate_and_finishing_freezes_it(kitchen, org, owner):
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="60")
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    assert batches.batch_record(org, owner, batch.id).total_cost == D("7.9")
    _rates(org, owner, labour_rate=12)
    assert batches.batch_record(org, owner, batch.id).labour_cost == D(12)  # estimate follows the rate
    batches.finish_batch(org, owner, batch.id, yield_quantity="10")
    _rates(org, owner, labour_rate=100, overhead_per_batch=50)
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="600")
    record = batches.batch_record(org, owner, batch.id)
    assert record.labour_minutes == D(60) and record.labour_cost == D(12) and record.overhead_cost == D(0)
    assert record.total_cost == D("19.9") and _output_lot(record).unit_cost == D("1.99")


def test_fail_and_cancel_freeze_the_full_cost(kitchen, org, owner):
    _rates(org, owner, labour_rate=60, overhead_per_batch="0.5")
    recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_minutes="10")
    failed = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.fail_batch(org, owner, failed.id, reason="seized")
    record = batches.batch_record(org, owner, failed.id)
    assert record.labour_cost == D(10) and record.overhead_cost == D("0.5") and record.total_cost == D("18.4")
    assert record.batch.loss_cost == D("18.4")
    cancelled = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.cancel_batch(org, owner, cancelled.id)
    _rates(org, owner, labour_rate=0)
    record = batches.batch_record(org, owner, cancelled.id)
    assert record.labour_cost == D(10) and record.total_cost == record.consumed_cost + D("10.5")


def test_recipe_cost_fields_are_validated(kitchen, org, owner):
    with pytest.raises(ValidationFailed) as error:
        recipes.update_recipe(org, owner, kitchen["recipe"].id, labour_rate="-1")
    assert "labour_rate" in error.value.fields
    with pytest.raises(ValidationFailed):
        recipes.update_recipe(org, owner, kitchen["recipe"].id, overhead_percent="abc")
    clone = recipes.clone_recipe(org, owner, recipes.update_recipe(
        org, owner, kitchen["recipe"].id, labour_minutes="20", overhead_percent="0").id)
    assert clone.labour_minutes == D(20) and clone.overhead_percent == D(0) and clone.labour_rate is None


# ---- prices -------------------------------------------------------------------------------------------

def test_pricing_sheet_weights_open_lots_and_suggests_from_the_markups(org, owner):
    made = stocked_sku(org, owner, price="8.00", quantity="10", unit_cost=["1", "2"], lots=2)
    row, = pricing.pricing_sheet(org, owner)
    assert row.on_hand == D(20) and row.unit_cost == D("1.5")
    assert (row.suggested_wholesale, row.suggested_retail) == (D("3.00"), D("6.00"))
    assert row.price == D("8.00") and row.margin == D("6.5") and row.margin_percent == D("81.3")
    sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="10", unit_price="8")  # the 1.00 lot
    _rates(org, owner, wholesale_markup="2.5", retail_markup="1.5")
    row, = pricing.pricing_sheet(org, owner)
    assert row.unit_cost == D(2) and (row.suggested_wholesale, row.suggested_retail) == (D("5.00"), D("7.50"))
    products.update_sku(org, owner, made["sku"].id, retail_price="1.50")
    row, = pricing.pricing_sheet(org, owner)
    assert row.margin == D("-0.5") and row.below_cost


def test_a_sale_below_cost_needs_confirming_on_the_page_path_only(org, owner):
    made = stocked_sku(org, owner, price="8.00", quantity="10", unit_cost="3")
    before = db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id)))
    with pytest.raises(BelowCost):
        sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="1", unit_price="2",
                          confirm_below_cost=False)
    assert db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id))) == before
    assert made["lots"][0].remaining_quantity == D(10)
    confirmed = sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="1", unit_price="2",
                                  confirm_below_cost=True)
    assert confirmed.cogs == D(3)
    at_price = sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="1", unit_price="3",
                                 confirm_below_cost=False)
    assert at_price.margin == D(0)
