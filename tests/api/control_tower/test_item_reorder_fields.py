"""API Items carry supplier_id, lead_time_days, safety_stock and the reorder engine's figures (API.md);
creating and editing items accepts them."""
from __future__ import annotations

from decimal import Decimal

from app.services import inventory

from ...control_tower_support import build_ledger
from ...factories import make_supplier
from ...helpers import count_queries

D = Decimal
REORDER_KEYS = {"avg_daily_usage", "lead_time_days", "safety_stock", "reorder_point", "source", "below",
                "suggested_quantity", "weeks_of_supply"}


def test_item_detail_and_list_carry_the_reorder_figures(api, org, owner):
    ledger = build_ledger(org, owner)
    client = api(owner)
    oil = client.get(f"/api/v1/inventory/{ledger.oil.id}").get_json()
    assert set(oil["reorder"]) == REORDER_KEYS
    assert oil["reorder"]["reorder_point"] == "600" and oil["reorder"]["source"] == "manual"
    assert oil["reorder"]["suggested_quantity"] == "370" and oil["reorder"]["below"] is True
    assert oil["supplier_id"] is None and oil["lead_time_days"] is None and oil["safety_stock"] is None
    listed = {row["id"]: row for row in client.get("/api/v1/inventory?per_page=200").get_json()["items"]}
    assert listed[ledger.oil.id]["reorder"] == oil["reorder"]
    wax = listed[ledger.wax.id]
    assert wax["supplier_id"] == ledger.supplier.id and wax["reorder"]["lead_time_days"] == 10


def test_creating_an_item_accepts_supplier_lead_time_and_safety_stock(api, org, owner):
    supplier = make_supplier(org, name="Bulk Oils", lead_time_days=12)
    response = api(owner).post("/api/v1/inventory", json={
        "name": "Argan oil", "kind": "ingredient", "unit": "g", "supplier_id": supplier.id, "lead_time_days": 3,
        "safety_stock": "25"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["supplier_id"] == supplier.id and body["lead_time_days"] == 3 and body["safety_stock"] == "25"
    assert body["reorder"]["lead_time_days"] == 3 and body["reorder"]["safety_stock"] == "25"
    assert body["reorder"]["reorder_point"] == "25" and body["reorder"]["below"] is True  # nothing in stock yet
    assert api(owner).post("/api/v1/inventory", json={"name": "Bad", "kind": "ingredient", "unit": "g",
                                                      "lead_time_days": -1}).status_code == 422


def test_editing_an_item_sets_and_clears_its_lead_time(org, owner):
    item = inventory.create_item(org, owner, name="Rose water", kind="ingredient", unit="mL", lead_time_days=5)
    assert item.lead_time_days == 5
    inventory.update_item(org, owner, item.id, lead_time_days="")
    assert item.lead_time_days is None


def test_the_item_list_reads_reorder_figures_in_a_fixed_number_of_queries(api, org, owner):
    from tests.factories import make_item, make_lot

    build_ledger(org, owner)
    client = api(owner)
    client.get("/api/v1/inventory")
    with count_queries() as few:
        client.get("/api/v1/inventory")
    for n in range(10):
        make_lot(org, make_item(org, name=f"Extra {n}", supplier_id=make_supplier(org).id), "3", "1")
    client.get("/api/v1/inventory")
    with count_queries() as many:
        client.get("/api/v1/inventory")
    assert many.count == few.count
