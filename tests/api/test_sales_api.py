"""JSON API contract for sales, returns and reservations (API.md: Sales)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import InventoryEvent, Reservation, Sale
from app.services import products, tenancy

from ..factories import assert_invariants, make_item, make_lot, make_sku

SALE_KEYS = {"id", "item_id", "quantity", "unit_price", "revenue", "cogs", "margin", "order_ref", "channel",
             "consumption", "created_at"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def maker(api, member):
    return api(member)


@pytest.fixture()
def bars(org):
    item = make_item(org, name="Lavender Bar", kind="product", unit="each")
    old = make_lot(org, item, "5", "1.10", received_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    new = make_lot(org, item, "10", "1.3333", received_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    return {"item": item, "old": old, "new": new}


def _counts(org):
    db.session.expire_all()
    return (db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id))),
            db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))),
            db.session.scalar(tenancy.scoped(Reservation, org, func.count(Reservation.id))))


def test_post_sale_returns_the_documented_sale_with_exact_money(maker, org, bars):
    response = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "7", "unit_price": 4.99,
                                                  "order_ref": "ORD-9", "channel": "Market"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= SALE_KEYS
    assert (body["quantity"], body["unit_price"], body["revenue"], body["cogs"], body["margin"]) == (
        "7", "4.99", "34.93", "8.1666", "26.7634")
    assert Decimal(body["margin"]) == Decimal(body["revenue"]) - Decimal(body["cogs"])
    assert body["consumption"] == [
        {"lot_code": bars["old"].code, "lot_id": bars["old"].id, "quantity": "5", "unit_cost": "1.1", "cost": "5.5",
         "returned_quantity": "0"},
        {"lot_code": bars["new"].code, "lot_id": bars["new"].id, "quantity": "2", "unit_cost": "1.3333",
         "cost": "2.6666", "returned_quantity": "0"}]
    assert (body["order_ref"], body["channel"]) == ("ORD-9", "Market")
    assert TIME_RE.match(body["created_at"])
    again = maker.get(f"/api/v1/sales/{body['id']}")
    assert again.status_code == 200 and again.get_json() == body
    listing = maker.get("/api/v1/sales").get_json()
    assert (listing["total"], listing["page"], listing["per_page"]) == (1, 1, 50)
    assert listing["items"][0]["id"] == body["id"] and listing["totals"]["margin"] == "26.7634"
    assert_invariants(org)


def test_sales_list_filters_by_exact_order_ref_and_by_channel(maker, bars):
    """API.md: GET /api/v1/sales?order_ref=&channel= (order_ref was ignored: every sale came back)."""
    ids = {}
    for ref, channel in (("ORD-1", "market"), ("ORD-10", "shop"), ("ORD-2", "shop")):
        response = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "1", "unit_price": "2",
                                                      "order_ref": ref, "channel": channel})
        assert response.status_code == 201, response.get_json()
        ids[ref] = response.get_json()["id"]
    listing = maker.get("/api/v1/sales?order_ref=ORD-1").get_json()
    assert (listing["total"], [sale["id"] for sale in listing["items"]]) == (1, [ids["ORD-1"]])
    listing = maker.get("/api/v1/sales?order_ref=ORD-2&channel=shop").get_json()
    assert [sale["id"] for sale in listing["items"]] == [ids["ORD-2"]]
    assert maker.get("/api/v1/sales?order_ref=ORD-2&channel=market").get_json()["total"] == 0
    assert maker.get("/api/v1/sales?channel=shop").get_json()["total"] == 2


def test_cogs_and_margin_are_exact_when_quantity_times_unit_cost_needs_more_than_ten_places(maker, org):
    """Is cogs exactly Σ lot quantity × lot unit cost (and margin revenue − cogs) beyond the stored 10 places?"""
    item = make_item(org, name="Lip Balm", kind="product", unit="g")
    make_lot(org, item, "3", "0.3333333333", received_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    make_lot(org, item, "12", "0.5833333333", received_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    response = maker.post("/api/v1/sales", json={"item_id": item.id, "quantity": "4.5", "unit_price": "3.1234567"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    cogs = Decimal(3) * Decimal("0.3333333333") + Decimal("1.5") * Decimal("0.5833333333")
    revenue = Decimal("4.5") * Decimal("3.1234567")
    assert [row["cost"] for row in body["consumption"]] == ["0.9999999999", "0.87499999995"]
    assert (Decimal(body["revenue"]), Decimal(body["cogs"])) == (revenue, cogs)
    assert Decimal(body["margin"]) == revenue - cogs
    again = maker.get(f"/api/v1/sales/{body['id']}").get_json()
    assert (again["revenue"], again["cogs"], again["margin"]) == (body["revenue"], body["cogs"], body["margin"])


def test_selling_more_than_available_is_422_insufficient_stock_and_nothing_changes(maker, org, bars):
    before = _counts(org)
    response = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "16", "unit_price": "1"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_stock" and "Lavender Bar" in error["message"]
    assert _counts(org) == before


@pytest.mark.parametrize("price", ["-1", -0.5, "abc", "1e15"])
def test_a_negative_or_bad_price_is_422_validation_error_naming_unit_price(maker, org, bars, price):
    before = _counts(org)
    response = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "1", "unit_price": price})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "unit_price" in error["fields"]
    assert _counts(org) == before


@pytest.mark.parametrize("quantity", ["0", "-1", "many"])
def test_a_bad_quantity_is_422_invalid_quantity(maker, bars, quantity):
    response = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": quantity, "unit_price": "1"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_quantity"


def test_another_organizations_item_sku_and_sale_are_404(maker, org, other_org, other_owner, bars):
    theirs = make_item(other_org, name="Their Bar", kind="product", unit="each")
    make_lot(other_org, theirs, "5", "1")
    their_sku = make_sku(other_org, other_owner)
    from app.services import sales

    their_sale = sales.record_sale(other_org, other_owner, item_id=theirs.id, quantity="1", unit_price="2")
    before = _counts(org)
    for body in ({"item_id": theirs.id, "quantity": "1", "unit_price": "1"},
                 {"sku_id": their_sku.id, "quantity": "1", "unit_price": "1"}):
        response = maker.post("/api/v1/sales", json=body)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert maker.get(f"/api/v1/sales/{their_sale.id}").status_code == 404
    assert maker.post(f"/api/v1/sales/{their_sale.id}/returns").status_code == 404
    assert _counts(org) == before


def test_malformed_json_is_400(maker, bars):
    response = maker.client.post("/api/v1/sales", data="{nope", headers={**maker.headers,
                                                                          "Content-Type": "application/json"})
    assert response.status_code == 400


def test_a_viewer_cannot_sell_but_can_read(api, viewer, bars):
    client = api(viewer)
    response = client.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "1", "unit_price": "1"})
    assert response.status_code == 403
    assert client.get("/api/v1/sales").status_code == 200


def test_returns_credit_the_same_lots(maker, org, bars):
    sale = maker.post("/api/v1/sales", json={"item_id": bars["item"].id, "quantity": "7", "unit_price": "5"}).get_json()
    response = maker.post(f"/api/v1/sales/{sale['id']}/returns", json={"quantity": "3"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [(e["lot_code"], e["quantity"], e["change_type"], e["sale_id"]) for e in body["events"]] == [
        (bars["new"].code, "2", "returned", sale["id"]), (bars["old"].code, "1", "returned", sale["id"])]
    assert body["sale"]["returned_quantity"] == "3"
    too_many = maker.post(f"/api/v1/sales/{sale['id']}/returns", json={"quantity": "5"})
    assert too_many.status_code == 422 and "quantity" in too_many.get_json()["error"]["fields"]
    rest = maker.post(f"/api/v1/sales/{sale['id']}/returns")  # empty body: everything not yet returned
    assert rest.status_code == 201 and rest.get_json()["sale"]["returned_quantity"] == "7"
    done = maker.post(f"/api/v1/sales/{sale['id']}/returns")
    assert done.status_code == 409 and done.get_json()["error"]["code"] == "invalid_state"
    assert_invariants(org)


def test_reservations_hold_convert_and_release(maker, org, bars):
    item_id = bars["item"].id
    response = maker.post("/api/v1/reservations", json={"item_id": item_id, "quantity": "12", "order_ref": "WS-1",
                                                         "customer": "Shop"})
    assert response.status_code == 201, response.get_json()
    held = response.get_json()
    assert (held["status"], held["quantity"], held["order_ref"]) == ("open", "12", "WS-1")
    assert TIME_RE.match(held["expires_at"])
    item = maker.get(f"/api/v1/inventory/{item_id}").get_json()
    assert (item["quantity"], item["available"]) == ("15", "3")
    short = maker.post("/api/v1/sales", json={"item_id": item_id, "quantity": "4", "unit_price": "5"})
    assert short.status_code == 422 and short.get_json()["error"]["code"] == "insufficient_stock"
    over = maker.post("/api/v1/reservations", json={"item_id": item_id, "quantity": "4", "order_ref": "WS-2"})
    assert over.status_code == 422 and over.get_json()["error"]["code"] == "insufficient_stock"
    sale = maker.post(f"/api/v1/reservations/{held['id']}/convert", json={"unit_price": "4"})
    assert sale.status_code == 201, sale.get_json()
    assert (sale.get_json()["quantity"], sale.get_json()["order_ref"], sale.get_json()["revenue"]) == (
        "12", "WS-1", "48")
    assert maker.get(f"/api/v1/reservations/{held['id']}").get_json()["status"] == "converted"
    again = maker.post(f"/api/v1/reservations/{held['id']}/release")
    assert again.status_code == 409
    other = maker.post("/api/v1/reservations", json={"item_id": item_id, "quantity": "2", "order_ref": "WS-3"})
    released = maker.post(f"/api/v1/reservations/{other.get_json()['id']}/release")
    assert released.status_code == 200 and released.get_json()["status"] == "released"
    listing = maker.get("/api/v1/reservations?status=released").get_json()
    assert [r["order_ref"] for r in listing["items"]] == ["WS-3"] and listing["total"] == 1
    assert_invariants(org)


def test_reservation_bad_input_is_4xx(maker, other_org, bars):
    theirs = make_item(other_org, name="Their Jar", kind="product", unit="each")
    assert maker.post("/api/v1/reservations", json={"item_id": theirs.id, "quantity": "1",
                                                    "order_ref": "X"}).status_code == 404
    missing = maker.post("/api/v1/reservations", json={"item_id": bars["item"].id, "quantity": "1"})
    assert missing.status_code == 422 and "order_ref" in missing.get_json()["error"]["fields"]
    assert maker.post("/api/v1/reservations/999999/release").status_code == 404


def test_sales_by_sku_and_products_listing(maker, org, owner):
    soap = products.create_product(org, owner, name="Goat Milk Soap")
    sku = products.create_sku(org, owner, soap.id, size_label="5 oz", retail_price="9")
    from app.models import InventoryItem

    make_lot(org, tenancy.get_for_org(InventoryItem, sku.item_id, org), "6", "2.5")
    response = maker.post("/api/v1/sales", json={"sku_id": sku.id, "quantity": "2"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["item_id"], body["sku_id"], body["revenue"], body["cogs"], body["margin"]) == (
        sku.item_id, sku.id, "18", "5", "13")
    listing = maker.get("/api/v1/products").get_json()
    (product,) = listing["items"]
    assert product["skus"][0]["code"] == sku.code and product["skus"][0]["quantity"] == "4"
