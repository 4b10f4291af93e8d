"""JSON API contract for locations and transfers (API.md, Control tower → Locations, Transfers)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.models import InventoryLot, Transfer
from app.services import inventory, tenancy

from ...factories import assert_invariants, make_lot

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def maker(api, member):
    return api(member)


@pytest.fixture()
def oil(org, owner):
    return inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g")


def _locations(maker):
    response = maker.get("/api/v1/locations")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == len(body["items"])
    return body["items"]


def test_locations_list_has_the_default_and_post_adds_one(maker):
    assert [(row["name"], row["kind"], row["is_default"]) for row in _locations(maker)] == [
        ("Workshop", "workshop", True)]
    assert set(_locations(maker)[0]) == {"id", "name", "kind", "is_default"}
    response = maker.post("/api/v1/locations", json={"name": "Corner shop", "kind": "store"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["name"], body["kind"], body["is_default"]) == ("Corner shop", "store", False)
    assert maker.post("/api/v1/locations", json={"name": "Van"}).get_json()["kind"] == "workshop"
    assert maker.post("/api/v1/locations", json={"name": "corner SHOP"}).status_code == 422
    assert maker.post("/api/v1/locations", json={"name": "Shed", "kind": "garage"}).status_code == 422
    assert maker.post("/api/v1/locations", json={}).status_code == 422
    assert [row["name"] for row in _locations(maker)] == ["Workshop", "Corner shop", "Van"]


def test_locations_list_is_the_api_list_envelope_and_pages(maker):
    """API.md, Lists: GET /api/v1/locations answers {"items", "page", "per_page", "total"} (it was a bare array)."""
    for name in ("Van", "Shed"):
        assert maker.post("/api/v1/locations", json={"name": name}).status_code == 201
    body = maker.get("/api/v1/locations?per_page=2&page=2").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3)
    assert [row["name"] for row in body["items"]] == ["Van"]
    assert maker.get("/api/v1/locations?per_page=500").get_json()["per_page"] == 200


def test_restock_and_deduct_by_location_and_item_by_location(maker, org, oil):
    shop = maker.post("/api/v1/locations", json={"name": "Shop", "kind": "store"}).get_json()
    workshop = _locations(maker)[0]
    response = maker.post(f"/api/v1/inventory/{oil.id}/adjustments",
                          json={"change_type": "restock", "quantity": "100", "unit_cost": "0.01"})
    assert response.status_code == 201, response.get_json()
    response = maker.post(f"/api/v1/inventory/{oil.id}/adjustments",
                          json={"change_type": "restock", "quantity": "50", "unit_cost": "0.02",
                                "location_id": shop["id"]})
    assert response.status_code == 201
    lots = response.get_json()["item"]["lots"]
    assert [(lot["remaining"], lot["location_id"]) for lot in lots] == [("100", workshop["id"]), ("50", shop["id"])]
    response = maker.post(f"/api/v1/inventory/{oil.id}/adjustments",
                          json={"change_type": "use", "quantity": "60", "location_id": shop["id"]})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "insufficient_stock"
    response = maker.post(f"/api/v1/inventory/{oil.id}/adjustments",
                          json={"change_type": "use", "quantity": "20", "location_id": shop["id"]})
    assert response.status_code == 201
    assert [event["unit_cost"] for event in response.get_json()["events"]] == ["0.02"]
    item = maker.get(f"/api/v1/inventory/{oil.id}").get_json()
    assert item["in_transit"] == "0"
    assert item["by_location"] == [{"location_id": workshop["id"], "quantity": "100", "available": "100"},
                                   {"location_id": shop["id"], "quantity": "30", "available": "30"}]
    listed = maker.get("/api/v1/inventory").get_json()["items"][0]
    assert listed["by_location"] == item["by_location"]
    assert_invariants(org, oil.id)


def test_transfer_immediate_keeps_lot_figures(maker, org, oil):
    shop = maker.post("/api/v1/locations", json={"name": "Shop", "kind": "store"}).get_json()
    workshop = _locations(maker)[0]
    received = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    expiry = date.today() + timedelta(days=90)
    source = make_lot(org, oil, "40", "0.035", received_at=received, expires_on=expiry)
    response = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "25",
                                                     "from_location_id": workshop["id"],
                                                     "to_location_id": shop["id"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "received" and isinstance(body["id"], int)
    [lot] = body["lots"]
    assert (lot["remaining"], lot["unit_cost"], lot["expires_at"], lot["received_at"], lot["location_id"],
            lot["source_lot_id"]) == ("25", "0.035", expiry.isoformat(), "2026-03-01T08:00:00Z", shop["id"],
                                      source.id)
    item = maker.get(f"/api/v1/inventory/{oil.id}").get_json()
    assert item["quantity"] == "40" and item["available"] == "40"
    assert_invariants(org, oil.id)


def test_transfer_in_transit_then_receive(maker, org, oil):
    market = maker.post("/api/v1/locations", json={"name": "Market", "kind": "market"}).get_json()
    workshop = _locations(maker)[0]
    make_lot(org, oil, "10", "1")
    body = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "4", "in_transit": True,
                                                 "from_location_id": workshop["id"],
                                                 "to_location_id": market["id"]}).get_json()
    assert body["status"] == "in_transit"
    item = maker.get(f"/api/v1/inventory/{oil.id}").get_json()
    assert (item["quantity"], item["available"], item["in_transit"]) == ("10", "6", "4")
    assert item["by_location"] == [{"location_id": workshop["id"], "quantity": "6", "available": "6"}]
    response = maker.post(f"/api/v1/transfers/{body['id']}/receive")
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert maker.post(f"/api/v1/transfers/{body['id']}/receive").status_code == 409
    item = maker.get(f"/api/v1/inventory/{oil.id}").get_json()
    assert (item["quantity"], item["available"], item["in_transit"]) == ("10", "10", "0")
    assert {row["location_id"]: row["available"] for row in item["by_location"]} == {
        workshop["id"]: "6", market["id"]: "4"}


def test_transfer_errors(maker, org, oil):
    shop = maker.post("/api/v1/locations", json={"name": "Shop", "kind": "store"}).get_json()
    workshop = _locations(maker)[0]
    make_lot(org, oil, "5", "1")
    same = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "1",
                                                 "from_location_id": workshop["id"],
                                                 "to_location_id": workshop["id"]})
    assert same.status_code == 422
    short = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "6",
                                                  "from_location_id": workshop["id"], "to_location_id": shop["id"]})
    assert short.status_code == 422
    bad = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "abc",
                                                "from_location_id": workshop["id"], "to_location_id": shop["id"]})
    assert bad.status_code == 422
    assert maker.post("/api/v1/transfers", json={"item_id": oil.id}).status_code == 422
    assert db.session.query(Transfer).count() == 0
    assert len(list(db.session.scalars(tenancy.scoped(InventoryLot, org)))) == 1


def test_cross_org_ids_are_404(maker, api, org, oil, other_org, other_owner):
    make_lot(org, oil, "5", "1")
    workshop = _locations(maker)[0]
    theirs = inventory.create_location(other_org, other_owner, name="Their shop", kind="store")
    their_item = inventory.create_item(other_org, other_owner, name="Their oil", kind="ingredient", unit="g")
    response = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "1",
                                                     "from_location_id": workshop["id"], "to_location_id": theirs.id})
    assert response.status_code == 404
    response = maker.post("/api/v1/transfers", json={"item_id": their_item.id, "quantity": "1",
                                                     "from_location_id": workshop["id"],
                                                     "to_location_id": workshop["id"] + 1000})
    assert response.status_code == 404
    shop = maker.post("/api/v1/locations", json={"name": "Shop"}).get_json()
    transfer = maker.post("/api/v1/transfers", json={"item_id": oil.id, "quantity": "1", "in_transit": True,
                                                     "from_location_id": workshop["id"],
                                                     "to_location_id": shop["id"]}).get_json()
    them = api(other_owner)
    assert them.post(f"/api/v1/transfers/{transfer['id']}/receive").status_code == 404
    assert them.get(f"/api/v1/transfers/{transfer['id']}").status_code == 404
    assert them.post(f"/api/v1/inventory/{their_item.id}/adjustments",
                     json={"change_type": "restock", "quantity": "1", "location_id": shop["id"]}).status_code == 404


def test_transfer_create_is_idempotent(maker, org, oil):
    shop = maker.post("/api/v1/locations", json={"name": "Shop"}).get_json()
    workshop = _locations(maker)[0]
    make_lot(org, oil, "5", "1")
    payload = {"item_id": oil.id, "quantity": "2", "from_location_id": workshop["id"], "to_location_id": shop["id"]}
    headers = {**maker.headers, "Idempotency-Key": "transfer-1"}
    first = maker.client.post("/api/v1/transfers", json=payload, headers=headers)
    again = maker.client.post("/api/v1/transfers", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert db.session.query(Transfer).count() == 1
