"""Costs restated per the unit stock was bought in (inventory.costs)."""
from __future__ import annotations

from decimal import Decimal

from app.services import inventory, units
from tests.factories import make_item, restock
from tests.helpers import count_queries


def test_lots_bought_in_an_items_own_unit_convert_once(org, owner, reference_data):
    """Do many lots bought by the case (the item's own mapping: 1 case = 24 each) show their cost per case
    while reading the item's mappings once, not once per lot?"""
    item = make_item(org, owner, name="Jar lids", unit="each")
    units.add_item_unit_mapping(org, owner, item.id, unit_name="case", quantity="24", in_unit="each")
    for number, cost in enumerate(("12", "12.48", "13.20", "12", "14.40")):
        restock(org, owner, item, "1", unit="case", unit_cost=cost, lot_code=f"LIDS-{number}")
    lots = inventory.lots_in_consumption_order(org, owner, item.id)
    assert [lot.purchase_unit for lot in lots] == ["case"] * 5
    for lot in lots:
        lot.item  # loaded by the caller, as the pages do
    with count_queries() as queries:
        costs = inventory.purchase_unit_costs(org, lots)
    assert queries.count <= 1, queries.statements
    by_code = {lot.code: costs[lot.id] for lot in lots}
    assert by_code["LIDS-1"] == inventory.CostInUnit(Decimal("12.48"), "case")  # 0.52 each × 24
    assert by_code["LIDS-4"].cost == Decimal("14.40")
    assert inventory.cost_in_unit(org, item, lots[0].unit_cost, "each") is None  # the item's own unit
    assert inventory.cost_in_unit(org, item, lots[0].unit_cost, "mL") is None  # does not convert


def test_the_average_cost_reads_in_the_unit_last_bought(org, owner, reference_data):
    """Is the item's average restated per the unit of its newest lot bought in another unit, and absent when
    every lot was bought in the item's own unit?"""
    item = make_item(org, owner, name="Shea butter", unit="g")
    restock(org, owner, item, "500", unit="g", unit_cost="0.01", lot_code="SHEA-G")
    lots = inventory.lots_in_consumption_order(org, owner, item.id)
    assert inventory.average_cost_bought(org, item, Decimal("0.01"), lots) is None
    restock(org, owner, item, "1", unit="kg", unit_cost="9", lot_code="SHEA-KG")
    restock(org, owner, item, "1", unit="lb", unit_cost="4.50", lot_code="SHEA-LB")
    lots = inventory.lots_in_consumption_order(org, owner, item.id)
    average = inventory.average_cost_bought(org, item, Decimal("0.01"), lots)
    assert average.unit == "lb" and abs(average.cost - Decimal("4.5359237")) < Decimal("0.0001")
