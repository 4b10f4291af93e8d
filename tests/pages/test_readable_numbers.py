"""Numbers a person reads: quantities rounded for their unit in HTML, stored values and the API exact."""
from __future__ import annotations

from decimal import Decimal

from app.formatting import format_quantity

from ..factories import make_item, make_lot


def test_quantity_places_follow_the_unit():
    """Do g/mL round to 2 places, kg/L to 3, counts to whole or 2, and an explicit call stay as before?"""
    assert format_quantity(Decimal("4535.9237"), unit="g") == "4,535.92"
    assert format_quantity(Decimal("33.898305"), unit="mL") == "33.9"
    assert format_quantity(Decimal("1.2345678"), unit="kg") == "1.235"
    assert format_quantity(Decimal("12.000"), unit="each") == "12"
    assert format_quantity(Decimal("2.5"), unit="each") == "2.5"
    assert format_quantity(Decimal("0.1234567"), unit="my-scoop") == "0.123"
    assert format_quantity(Decimal("33.898305")) == "33.898305"  # no unit: unchanged for other callers


def test_inventory_pages_show_rounded_quantities_and_the_api_keeps_them_exact(client, org, owner, login, api,
                                                                                reference_data):
    """Does a lot of 4,535.9237 g read "4,535.92 g" on the list and the item page, while JSON is exact?"""
    item = make_item(org, name="Shea Butter", unit="g")
    make_lot(org, item, "4535.9237", "0.0093")
    login(owner)
    listing = client.get("/inventory").get_data(as_text=True)
    assert "4,535.92 g" in listing and "4,535.9237" not in listing
    detail = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert '<span class="value">4,535.92 g</span>' in detail  # the "In stock" figure
    body = api(owner).get(f"/api/v1/inventory/{item.id}").json
    body = body.get("item", body)
    assert Decimal(str(body["quantity"])) == Decimal("4535.9237"), body


def test_a_lot_bought_per_lb_shows_its_cost_per_lb_too(client, org, owner, login, api, reference_data):
    """Restocking a gram item in lb records the unit bought; the item page, the lot page and the supplier
    page show "$4.22 per lb" beside the cost per g, while the API keeps the exact cost per g."""
    from app.services import inventory

    from ..factories import make_supplier, restock

    supplier = make_supplier(org, name="Bramble Oils")
    item = make_item(org, owner, name="Shea Butter", unit="g")
    restock(org, owner, item, "10", unit="lb", unit_cost="4.22", supplier_id=supplier.id, lot_code="SHEA-LB")
    restock(org, owner, item, "500", unit="g", unit_cost="0.01", lot_code="SHEA-G")
    restock(org, owner, item, "1", unit="LB", unit_cost="4.50", lot_code="SHEA-LB2")
    lots = {lot.code: lot for lot in inventory.lots_in_consumption_order(org, owner, item.id)}
    assert lots["SHEA-LB"].purchase_unit == "lb" and lots["SHEA-LB2"].purchase_unit == "lb"
    assert lots["SHEA-G"].purchase_unit is None  # bought in the item's own unit: nothing to restate
    assert lots["SHEA-LB"].remaining_quantity == Decimal("4535.9237")
    costs = inventory.purchase_unit_costs(org, list(lots.values()))
    assert set(costs) == {lots["SHEA-LB"].id, lots["SHEA-LB2"].id}
    assert costs[lots["SHEA-LB"].id].unit == "lb"
    assert abs(costs[lots["SHEA-LB"].id].cost - Decimal("4.22")) < Decimal("0.0001")

    login(owner)
    detail = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert "$0.0093" in detail
    assert '<small data-testid="lot-cost-bought">$4.22 per lb</small>' in detail
    assert '<small data-testid="lot-cost-bought">$4.50 per lb</small>' in detail
    assert detail.count('data-testid="lot-cost-bought"') == 2  # not on the lot bought per g
    # the received quantity names its unit too (on a phone the lot is a card, without the column's neighbour)
    assert '<td class="num" data-label="Received">4,535.92 g</td>' in detail
    assert 'data-testid="avg-cost-bought"' in detail and " per lb</span>" in detail
    lot_page = client.get("/trace/lots/SHEA-LB").get_data(as_text=True)
    # rounded for grams, as the item page shows it (it read "4535.9237 of 4535.9237 g")
    assert '<dd data-testid="lot-remaining">4,535.92 of 4,535.92 g</dd>' in lot_page
    assert "$0.0093 per g" in lot_page and '<span data-testid="lot-cost-bought">$4.22 per lb</span>' in lot_page
    assert 'data-testid="lot-cost-bought"' not in client.get("/trace/lots/SHEA-G").get_data(as_text=True)
    supplier_page = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    assert '<small data-testid="lot-cost-bought">$4.22 per lb</small>' in supplier_page

    body = api(owner).get(f"/api/v1/inventory/{item.id}").json
    body = body.get("item", body)
    assert "purchase_unit" not in str(body)  # the API is unchanged
    api_lot = next(lot for lot in body["lots"] if lot["code"] == "SHEA-LB")
    assert Decimal(str(api_lot["unit_cost"])) == lots["SHEA-LB"].unit_cost


def test_a_transferred_lot_keeps_the_unit_it_was_bought_in(org, owner, reference_data):
    """A transfer's destination lot carries the source lot's purchase unit (same cost, same reading)."""
    from app.services import inventory

    from ..factories import restock

    item = make_item(org, owner, name="Olive Oil", unit="g")
    restock(org, owner, item, "2", unit="kg", unit_cost="9", lot_code="OLIVE-KG")
    home = inventory.default_location(org)
    stall = inventory.create_location(org, owner, name="Market stall")
    _, moved = inventory.transfer_stock(org, owner, item_id=item.id, quantity="500", from_location_id=home.id,
                                        to_location_id=stall.id)
    assert [lot.purchase_unit for lot in moved] == ["kg"]
    cost = inventory.cost_in_unit(org, item, moved[0].unit_cost, moved[0].purchase_unit)
    assert cost.unit == "kg" and cost.cost == Decimal(9)  # 0.009 per g × 1000


def test_a_bulk_stock_import_in_lb_records_the_unit_bought(org, owner, reference_data):
    """The CSV stock import's bulk restock keeps the unit each row was entered in, as restock() does."""
    from app.services import inventory
    from app.services.inventory import bulk

    item = make_item(org, owner, name="Cocoa Butter", unit="g")
    outcome = bulk.restock_many(org, owner, [{"item_id": item.id, "quantity": "2", "unit": "lb", "unit_cost": "6"},
                                             {"item_id": item.id, "quantity": "100", "unit": "g", "unit_cost": "0.02"}])
    assert outcome.ok
    lots = inventory.lots_in_consumption_order(org, owner, item.id)
    assert sorted(str(lot.purchase_unit) for lot in lots) == ["None", "lb"]
    costs = inventory.purchase_unit_costs(org, lots)
    assert [(round(c.cost, 2), c.unit) for c in costs.values()] == [(Decimal("6.00"), "lb")]


def test_unit_costs_below_a_dollar_drop_trailing_zeros_past_the_cents(app):
    """Does a unit cost read $0.35, $0.025 or $0.0117 (not $0.3500 beside $1.10), with the sign before the
    currency and a currency without a symbol written after the number, as money is?"""
    from app.formatting import format_unit_cost

    with app.test_request_context():
        from flask import g

        g._org_currency = "USD"
        assert [format_unit_cost(Decimal(v)) for v in ("0.35", "0.0250", "0.0117", "0.8", "1.1", "-0.5")] == \
            ["$0.35", "$0.025", "$0.0117", "$0.80", "$1.10", "-$0.50"]
        g._org_currency = "CHF"
        assert format_unit_cost(Decimal("0.35")) == "0.35 CHF"
