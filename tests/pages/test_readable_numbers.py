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
