"""JSON API contract for units and inventory (API.md: Conventions, Units, Inventory)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import InventoryEvent, InventoryItem
from app.services import inventory, tenancy, units

from ...factories import assert_invariants, make_lot

ITEM_KEYS = {"id", "name", "kind", "unit", "quantity", "available", "density", "shelf_life_days", "reorder_point",
             "unit_cost", "lots"}

pytestmark = pytest.mark.usefixtures("reference_data")
LOT_KEYS = {"id", "code", "item_id", "remaining", "original", "unit_cost", "received_at", "expires_at", "status",
            "supplier_lot_code"}
EVENT_KEYS = {"id", "code", "change_type", "quantity", "lot_code", "unit_cost", "batch_id", "sale_id", "created_at",
              "user_id", "notes"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TODAY = datetime.now(timezone.utc).date()



@pytest.fixture()
def maker(api, member):
    return api(member)


@pytest.fixture()
def oil(org, owner):
    return inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g", shelf_life_days=365)


def _counts(org):
    return (db.session.scalar(tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id))),
            db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))))


def _adjust(client, item_id, **body):
    return client.post(f"/api/v1/inventory/{item_id}/adjustments", json=body)


# ---- units -----------------------------------------------------------------------------------------

def test_units_list_has_seeded_and_custom_units(org, owner, maker):
    """Does GET /units list every seeded unit with exact factor strings, plus the org's own units?"""
    units.create_custom_unit(org, owner, name="scoop", dimension="volume", factor="30")
    response = maker.get("/api/v1/units?per_page=200")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"items", "page", "per_page", "total"}
    by_name = {u["name"]: u for u in body["items"]}
    for name in ("g", "kg", "mg", "oz", "lb", "mL", "L", "tsp", "tbsp", "fl oz", "cup", "pint", "quart", "gallon",
                 "drop", "each", "dozen", "m", "cm", "mm", "in"):
        assert name in by_name, name
    assert by_name["lb"] == {**by_name["lb"], "dimension": "weight", "factor": "453.59237"}
    assert by_name["fl oz"]["factor"] == "29.5735295625" and by_name["g"]["factor"] == "1"
    assert by_name["scoop"]["factor"] == "30" and by_name["scoop"]["dimension"] == "volume"
    assert body["total"] == len(body["items"])


def test_units_need_a_token(client):
    assert client.get("/api/v1/units").status_code == 401


# ---- items -----------------------------------------------------------------------------------------

def test_create_item_returns_the_item_shape(org, maker):
    response = maker.post("/api/v1/inventory", json={"name": "Shea Butter", "kind": "ingredient", "unit": "G",
                                                     "density": 0.92, "shelf_life_days": 730, "reorder_point": "500"})
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert ITEM_KEYS <= set(item)
    assert item["name"] == "Shea Butter" and item["unit"] == "g" and item["kind"] == "ingredient"
    assert (item["quantity"], item["available"], item["density"], item["reorder_point"]) == ("0", "0", "0.92", "500")
    assert item["unit_cost"] is None and item["lots"] == [] and item["shelf_life_days"] == 730


@pytest.mark.parametrize("body,status,code,field", [
    ({"kind": "ingredient", "unit": "g"}, 422, "validation_error", "name"),
    ({"name": "X", "kind": "gizmo", "unit": "g"}, 422, "validation_error", "kind"),
    ({"name": "X", "kind": "ingredient", "unit": "furlong"}, 422, "unknown_unit", "unit"),
    ({"name": "X", "kind": "ingredient", "unit": "g", "density": "heavy"}, 422, "validation_error", "density"),
    ({"name": "X", "kind": "ingredient", "unit": "g", "density": "-1"}, 422, "invalid_quantity", "density"),
    ({"name": "X", "kind": "ingredient", "unit": "g", "shelf_life_days": "soon"}, 422, "validation_error",
     "shelf_life_days"),
    ({"name": "X", "kind": "ingredient", "unit": "g", "reorder_point": "1e20"}, 422, "validation_error",
     "reorder_point"),
])
def test_create_item_bad_input_is_a_4xx_and_creates_nothing(org, maker, body, status, code, field):
    response = maker.post("/api/v1/inventory", json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and field in error.get("fields", {}), error
    assert _counts(org) == (0, 0)


def test_create_item_needs_edit_permission_and_json(org, api, viewer, maker, client):
    assert api(viewer).post("/api/v1/inventory", json={"name": "X", "kind": "ingredient", "unit": "g"}
                            ).status_code == 403
    response = maker.post("/api/v1/inventory", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert client.post("/api/v1/inventory", json={"name": "X", "kind": "ingredient", "unit": "g"}).status_code == 401
    assert _counts(org) == (0, 0)


def test_list_items_filters_and_paginates(org, owner, maker):
    for name, kind in [("Shea Butter", "ingredient"), ("Cocoa Butter", "ingredient"), ("Jar", "container")]:
        item = inventory.create_item(org, owner, name=name, kind=kind, unit="g")
        make_lot(org, item, "10", "0.5")
    body = maker.get("/api/v1/inventory").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 3)
    assert [i["name"] for i in body["items"]] == ["Cocoa Butter", "Jar", "Shea Butter"]
    assert all("lots" not in i and i["quantity"] == "10" and i["unit_cost"] == "0.5" for i in body["items"])
    assert [i["name"] for i in maker.get("/api/v1/inventory?kind=container").get_json()["items"]] == ["Jar"]
    assert maker.get("/api/v1/inventory?q=butter").get_json()["total"] == 2
    page = maker.get("/api/v1/inventory?per_page=2&page=2").get_json()
    assert (page["total"], [i["name"] for i in page["items"]]) == (3, ["Shea Butter"])
    capped = maker.get("/api/v1/inventory?per_page=201")
    assert capped.status_code == 200 and capped.get_json()["per_page"] == 200
    assert maker.get("/api/v1/inventory?per_page=0").status_code == 422
    assert maker.get("/api/v1/inventory?kind=gizmo").status_code == 422


def test_item_detail_lists_lots_with_stock_in_consumption_order(org, owner, maker, oil):
    """Does GET /inventory/<id> show lots with remaining > 0, oldest received first, status derived?"""
    now = datetime.now(timezone.utc)
    newer = make_lot(org, oil, "10", "0.2", received_at=now - timedelta(days=1), expires_on=TODAY + timedelta(days=364))
    expired = make_lot(org, oil, "5", "0.1", received_at=now - timedelta(days=9), expires_on=TODAY - timedelta(days=1))
    held = make_lot(org, oil, "4", "0.3", received_at=now, hold_until=TODAY + timedelta(days=2))
    empty = make_lot(org, oil, "1", "1", received_at=now - timedelta(days=20))
    inventory.dispose_lot(org, owner, empty.id, change_type="trash")
    body = maker.get(f"/api/v1/inventory/{oil.id}").get_json()
    assert [lot["code"] for lot in body["lots"]] == [expired.code, newer.code, held.code]
    assert [lot["status"] for lot in body["lots"]] == ["expired", "active", "on_hold"]
    lot = body["lots"][1]
    assert LOT_KEYS <= set(lot)
    assert (lot["remaining"], lot["original"], lot["unit_cost"], lot["item_id"]) == ("10", "10", "0.2", oil.id)
    assert TIME_RE.match(lot["received_at"]) and lot["expires_at"] == (TODAY + timedelta(days=364)).isoformat()
    assert body["lots"][0]["expires_at"] == (TODAY - timedelta(days=1)).isoformat()
    assert (body["quantity"], body["available"]) == ("19", "10")
    assert body["unit_cost"] == str((Decimal("3.7") / 19).quantize(Decimal("1e-10")).normalize())


def test_other_organizations_items_are_404(org, other_org, api, other_owner, oil, owner):
    make_lot(org, oil, "10", "1")
    stranger = api(other_owner)
    assert stranger.get(f"/api/v1/inventory/{oil.id}").status_code == 404
    assert stranger.get(f"/api/v1/inventory/{oil.id}/events").status_code == 404
    response = _adjust(stranger, oil.id, change_type="use", quantity="1")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert stranger.get("/api/v1/inventory").get_json()["total"] == 0
    assert inventory.get_item(org, owner, oil.id).quantity == Decimal("10")


# ---- adjustments -----------------------------------------------------------------------------------

def test_restock_then_fifo_sale_through_the_api(org, maker, member, oil):
    """Do restock and a FIFO deduction answer 201 {events, item} with exact per-lot costs?"""
    first = _adjust(maker, oil.id, change_type="restock", quantity="1", unit="kg", unit_cost="12",
                    received_at="2026-01-02T10:00:00Z", supplier_lot_code="BB-1")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    [event] = body["events"]
    assert EVENT_KEYS <= set(event)
    assert (event["change_type"], event["quantity"], event["unit_cost"], event["lot_code"]) == (
        "restock", "1000", "0.012", "LOT-000001")
    assert event["code"] == "RST-000001" and event["user_id"] == member.id and TIME_RE.match(event["created_at"])
    assert body["item"]["quantity"] == "1000" and body["item"]["lots"][0]["supplier_lot_code"] == "BB-1"
    assert body["item"]["lots"][0]["received_at"] == "2026-01-02T10:00:00Z"
    _adjust(maker, oil.id, change_type="restock", quantity=500, unit_cost=0.02, expires_at="2099-12-31")
    sale = _adjust(maker, oil.id, change_type="sale", quantity="1200.5")
    assert sale.status_code == 201
    events = sale.get_json()["events"]
    assert [(e["quantity"], e["unit_cost"], e["lot_code"]) for e in events] == [
        ("-1000", "0.012", "LOT-000001"), ("-200.5", "0.02", "LOT-000002")]
    item = sale.get_json()["item"]
    assert item["quantity"] == "299.5" and item["lots"][0]["expires_at"] == "2099-12-31"
    assert_invariants(org)


@pytest.mark.parametrize("body,code,field", [
    ({"change_type": "use", "quantity": "abc"}, "invalid_quantity", "quantity"),
    ({"change_type": "use", "quantity": "-3"}, "invalid_quantity", "quantity"),
    ({"change_type": "use", "quantity": 0}, "invalid_quantity", "quantity"),
    ({"change_type": "use", "quantity": True}, "invalid_quantity", "quantity"),
    ({"change_type": "use", "quantity": "1e12"}, "invalid_quantity", "quantity"),
    ({"change_type": "use"}, "invalid_quantity", "quantity"),
    ({"change_type": "recount", "quantity": "-1"}, "invalid_quantity", "quantity"),
    ({"change_type": "borrow", "quantity": "1"}, "unknown_change_type", "change_type"),
    ({"change_type": "use", "quantity": "1", "unit": "furlong"}, "unknown_unit", "unit"),
    ({"change_type": "use", "quantity": "1", "unit": "mL"}, "missing_density", "density"),
    ({"change_type": "use", "quantity": "1", "unit": "each"}, "missing_unit_mapping", "unit"),
    ({"change_type": "use", "quantity": "1", "lot_code": "LOT-424242"}, "validation_error", "lot_code"),
    ({"change_type": "returned", "quantity": "1"}, "validation_error", "lot_code"),
    ({"change_type": "use", "quantity": "10.5"}, "insufficient_stock", "Olive Oil"),
    ({"change_type": "restock", "quantity": "1", "unit_cost": "abc"}, "validation_error", "unit_cost"),
    ({"change_type": "restock", "quantity": "1", "unit_cost": "-1"}, "validation_error", "unit_cost"),
    ({"change_type": "restock", "quantity": "1", "expires_at": "someday"}, "validation_error", "expires_at"),
    ({"quantity": "1"}, "validation_error", "change_type"),
])
def test_bad_adjustments_are_422_and_change_nothing(org, owner, maker, oil, body, code, field):
    make_lot(org, oil, "10", "1")
    before = _counts(org)
    response = _adjust(maker, oil.id, **body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and field in error.get("fields", {}), error
    assert error["message"]
    assert _counts(org) == before
    assert inventory.get_item(org, owner, oil.id).quantity == Decimal("10")


def test_adjustment_permissions_and_bodies(org, api, viewer, maker, oil):
    make_lot(org, oil, "10", "1")
    assert _adjust(api(viewer), oil.id, change_type="use", quantity="1").status_code == 403
    assert maker.post(f"/api/v1/inventory/{oil.id}/adjustments", data="{oops",
                      content_type="application/json").status_code == 400
    assert _adjust(maker, 999999, change_type="use", quantity="1").status_code == 404
    assert inventory.get_item(org, viewer, oil.id).quantity == Decimal("10")


def test_recount_lot_code_credits_and_events_list(org, maker, oil):
    """Do recount, named-lot deductions, returns and the ledger list work end to end, newest first?"""
    make_lot(org, oil, "10", "1", received_at=datetime.now(timezone.utc) - timedelta(days=1))
    second = make_lot(org, oil, "10", "2")
    named = _adjust(maker, oil.id, change_type="use", quantity="3", lot_code=second.code).get_json()
    assert [e["lot_code"] for e in named["events"]] == [second.code]
    returned = _adjust(maker, oil.id, change_type="returned", quantity="1", lot_code=second.code)
    assert returned.status_code == 201 and returned.get_json()["events"][0]["quantity"] == "1"
    recount = _adjust(maker, oil.id, change_type="recount", quantity="0", notes="flood")
    assert recount.status_code == 201
    assert {e["change_type"] for e in recount.get_json()["events"]} == {"recount"}
    assert recount.get_json()["item"]["quantity"] == "0" and recount.get_json()["item"]["lots"] == []
    up = _adjust(maker, oil.id, change_type="recount", quantity=4)
    assert up.get_json()["events"][0]["unit_cost"] == "2"
    body = maker.get(f"/api/v1/inventory/{oil.id}/events?per_page=3").get_json()
    assert (body["total"], body["per_page"], len(body["items"])) == (7, 3, 3)
    assert body["items"][0]["change_type"] == "recount" and body["items"][0]["quantity"] == "4"
    assert body["items"][1]["notes"] == "flood"
    everything = maker.get(f"/api/v1/inventory/{oil.id}/events?per_page=200").get_json()["items"]
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert all(EVENT_KEYS <= set(e) for e in everything)
    assert_invariants(org)


def test_openapi_documents_the_inventory_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/units", "/api/v1/inventory", "/api/v1/inventory/{item_id}",
            "/api/v1/inventory/{item_id}/adjustments", "/api/v1/inventory/{item_id}/events"} <= set(paths)
