"""Suppliers and purchase orders through /api/v1 (API.md, Control tower): JSON shapes, status codes, receiving
into lots at the line cost, on order in /reorder, cross-organization 404s, viewer 403s, Idempotency-Key."""
from __future__ import annotations

import pytest

from tests.factories import make_item, make_lot, make_supplier

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def stocked(org):
    supplier = make_supplier(org, name="Wax & Wick", lead_time_days=5)
    wax = make_item(org, name="Soy wax", unit="g", supplier_id=supplier.id)
    return supplier, wax


def _create(client, supplier, wax, **extra):
    body = {"supplier_id": supplier.id, "lines": [{"item_id": wax.id, "quantity": "2", "unit": "kg",
                                                    "unit_cost": "9"}]}
    return client.post("/api/v1/purchase-orders", json=body, **extra)


def test_suppliers_create_list_and_get(api, owner, org):
    """Does POST /suppliers answer 201 with exactly the contract's fields, and do the list and GET show it?"""
    client = api(owner)
    response = client.post("/api/v1/suppliers", json={"name": "Bramble Berry", "email": "orders@bb.test",
                                                       "phone": "555-0100", "lead_time_days": 6})
    assert response.status_code == 201, response.json
    body = response.json
    assert body == {"id": body["id"], "name": "Bramble Berry", "email": "orders@bb.test", "phone": "555-0100",
                    "lead_time_days": 6}
    bare = client.post("/api/v1/suppliers", json={"name": "Plain"}).json
    assert (bare["email"], bare["phone"], bare["lead_time_days"]) == (None, None, None)
    listed = client.get("/api/v1/suppliers").json
    assert [s["name"] for s in listed["items"]] == ["Bramble Berry", "Plain"]
    assert (listed["page"], listed["per_page"], listed["total"]) == (1, 50, 2)
    assert client.get(f"/api/v1/suppliers/{body['id']}").json == body


@pytest.mark.parametrize("payload, field", [({}, "name"), ({"name": ""}, "name"),
                                            ({"name": "X", "lead_time_days": -1}, "lead_time_days"),
                                            ({"name": "X", "email": "not an email"}, "email")])
def test_supplier_bad_input_is_422(api, owner, payload, field):
    """Is a supplier without a name, with a negative lead time or a bad email a 422 naming the field?"""
    response = api(owner).post("/api/v1/suppliers", json=payload)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_duplicate_supplier_name_is_422(api, owner):
    client = api(owner)
    client.post("/api/v1/suppliers", json={"name": "Bramble"})
    response = client.post("/api/v1/suppliers", json={"name": "bramble"})
    assert response.status_code == 422 and "name" in response.json["error"]["fields"]


def test_purchase_order_lifecycle_receives_lots_at_the_line_cost(api, owner, org, stocked):
    """create → 201 draft; send → sent; partial receive → partially_received with a lot at the line cost; the
    rest → received; GET shows it."""
    supplier, wax = stocked
    client = api(owner)
    response = _create(client, supplier, wax)
    assert response.status_code == 201, response.json
    po = response.json
    assert po["status"] == "draft" and po["supplier_id"] == supplier.id and po["number"].startswith("PO-")
    (line,) = po["lines"]
    assert {k: line[k] for k in ("item_id", "quantity", "unit", "unit_cost", "received_quantity")} == {
        "item_id": wax.id, "quantity": "2000", "unit": "g", "unit_cost": "0.009", "received_quantity": "0"}
    assert set(line) >= {"id"}

    bad = client.post(f"/api/v1/purchase-orders/{po['id']}/receive", json={"lines": [{"line_id": line["id"],
                                                                                       "quantity": "1"}]})
    assert bad.status_code == 409 and bad.json["error"]["code"] == "invalid_state"

    sent = client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    assert sent.status_code == 200 and sent.json["status"] == "sent"

    over = client.post(f"/api/v1/purchase-orders/{po['id']}/receive",
                       json={"lines": [{"line_id": line["id"], "quantity": "2001"}]})
    assert over.status_code == 422

    part = client.post(f"/api/v1/purchase-orders/{po['id']}/receive", json={"lines": [
        {"line_id": line["id"], "quantity": "500", "expires_at": "2027-01-31", "supplier_lot_code": "L-9"}]})
    assert part.status_code == 200, part.json
    assert part.json["status"] == "partially_received" and part.json["lines"][0]["received_quantity"] == "500"
    item = client.get(f"/api/v1/inventory/{wax.id}").json
    assert item["quantity"] == "500"
    (lot,) = item["lots"]
    assert (lot["remaining"], lot["unit_cost"], lot["expires_at"][:10], lot["supplier_lot_code"]) == (
        "500", "0.009", "2027-01-31", "L-9")

    done = client.post(f"/api/v1/purchase-orders/{po['id']}/receive",
                       json={"lines": [{"line_id": line["id"], "quantity": "1500"}]})
    assert done.json["status"] == "received"
    assert client.get(f"/api/v1/purchase-orders/{po['id']}").json["status"] == "received"
    assert client.get(f"/api/v1/inventory/{wax.id}").json["quantity"] == "2000"
    again = client.post(f"/api/v1/purchase-orders/{po['id']}/receive",
                        json={"lines": [{"line_id": line["id"], "quantity": "1"}]})
    assert again.status_code == 409


def test_cancel_then_receive_is_409(api, owner, stocked):
    supplier, wax = stocked
    client = api(owner)
    po = _create(client, supplier, wax).json
    client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    cancelled = client.post(f"/api/v1/purchase-orders/{po['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    response = client.post(f"/api/v1/purchase-orders/{po['id']}/receive",
                           json={"lines": [{"line_id": po["lines"][0]["id"], "quantity": "1"}]})
    assert response.status_code == 409 and response.json["error"]["code"] == "invalid_state"


def test_open_orders_count_as_on_order_in_reorder(api, owner, org, stocked):
    """Does a sent order's open quantity lower /reorder's suggested quantity (and drafts not)?"""
    from app.services.inventory import deduct

    supplier, wax = stocked
    make_lot(org, wax, "3100", "0.01")
    deduct(org, owner, wax.id, "3000", change_type="use")  # 100 g a day; point 550; suggested 3450
    client = api(owner)

    def suggested():
        (row,) = client.get("/api/v1/reorder").json["items"]
        return row["reorder"]["suggested_quantity"]

    assert suggested() == "3450"
    po = client.post("/api/v1/purchase-orders", json={"supplier_id": supplier.id, "lines": [
        {"item_id": wax.id, "quantity": "300", "unit_cost": "0.01"}]}).json
    assert suggested() == "3450"
    client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    assert suggested() == "3150"


def test_other_organizations_ids_are_404(api, owner, other_owner, stocked, other_org):
    """Are another organization's supplier, order, and the ids in a create body all 404?"""
    supplier, wax = stocked
    mine = api(owner)
    po = _create(mine, supplier, wax).json
    theirs = api(other_owner)
    for response in (theirs.get(f"/api/v1/suppliers/{supplier.id}"), theirs.get(f"/api/v1/purchase-orders/{po['id']}"),
                     theirs.post(f"/api/v1/purchase-orders/{po['id']}/send"),
                     theirs.post(f"/api/v1/purchase-orders/{po['id']}/cancel"),
                     _create(theirs, supplier, wax)):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    own_supplier = make_supplier(other_org)
    response = theirs.post("/api/v1/purchase-orders", json={"supplier_id": own_supplier.id, "lines": [
        {"item_id": wax.id, "quantity": "1", "unit_cost": "1"}]})
    assert response.status_code == 404
    assert mine.get(f"/api/v1/purchase-orders/{po['id']}").json["status"] == "draft"


def test_viewer_cannot_write(api, owner, viewer, stocked):
    """Is every purchasing write a 403 for a viewer (reads allowed)?"""
    supplier, wax = stocked
    po = _create(api(owner), supplier, wax).json
    client = api(viewer)
    assert client.get(f"/api/v1/purchase-orders/{po['id']}").status_code == 200
    for response in (client.post("/api/v1/suppliers", json={"name": "Nope"}), _create(client, supplier, wax),
                     client.post(f"/api/v1/purchase-orders/{po['id']}/send"),
                     client.post(f"/api/v1/purchase-orders/{po['id']}/cancel"),
                     client.post(f"/api/v1/purchase-orders/{po['id']}/receive",
                                 json={"lines": [{"line_id": po["lines"][0]["id"], "quantity": "1"}]})):
        assert response.status_code == 403, response.json


def test_create_is_idempotent(api, owner, stocked):
    """Does the same Idempotency-Key with the same body return the first order without a second one, and with
    another body 422 idempotency_mismatch?"""
    supplier, wax = stocked
    client = api(owner)
    headers = {"Idempotency-Key": "po-1", **client.headers}
    first = _create(client.client, supplier, wax, headers=headers)
    second = _create(client.client, supplier, wax, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and second.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/api/v1/purchase-orders").json["total"] == 1
    other = client.client.post("/api/v1/purchase-orders", headers=headers, json={
        "supplier_id": supplier.id, "lines": [{"item_id": wax.id, "quantity": "3", "unit_cost": "1"}]})
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_mismatch"


@pytest.mark.parametrize("lines", [[], [{"item_id": 1}], [{"item_id": 1, "quantity": "-1", "unit_cost": "1"}],
                                   [{"item_id": 1, "quantity": "1", "unit_cost": "-1"}],
                                   [{"item_id": 1, "quantity": "1", "unit": "parsec", "unit_cost": "1"}]])
def test_bad_lines_are_422_and_write_nothing(api, owner, stocked, lines):
    supplier, wax = stocked
    for line in lines:
        line["item_id"] = wax.id
    client = api(owner)
    response = client.post("/api/v1/purchase-orders", json={"supplier_id": supplier.id, "lines": lines})
    assert response.status_code == 422, response.json
    assert client.get("/api/v1/purchase-orders").json["total"] == 0


def test_draft_lines_can_be_replaced_with_patch(api, owner, stocked):
    supplier, wax = stocked
    client = api(owner)
    po = _create(client, supplier, wax).json
    response = client.patch(f"/api/v1/purchase-orders/{po['id']}", json={"lines": [
        {"id": po["lines"][0]["id"], "item_id": wax.id, "quantity": "500", "unit_cost": "0.01"}]})
    assert response.status_code == 200
    assert (response.json["lines"][0]["quantity"], response.json["lines"][0]["unit_cost"]) == ("500", "0.01")
    client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    assert client.patch(f"/api/v1/purchase-orders/{po['id']}", json={"notes": "x"}).status_code == 409


def test_openapi_documents_the_purchasing_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/suppliers", "/api/v1/suppliers/{supplier_id}", "/api/v1/purchase-orders",
                 "/api/v1/purchase-orders/{po_id}", "/api/v1/purchase-orders/{po_id}/send",
                 "/api/v1/purchase-orders/{po_id}/cancel", "/api/v1/purchase-orders/{po_id}/receive"):
        assert path in spec["paths"], path
    create = spec["paths"]["/api/v1/purchase-orders"]["post"]
    assert "201" in create["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in create.get("parameters", []))
    receive = spec["paths"]["/api/v1/purchase-orders/{po_id}/receive"]["post"]
    assert {"409", "422"} <= set(receive["responses"])


def test_receiving_at_a_location_puts_the_lot_there(api, owner, org, stocked):
    """Does a receipt line's location_id reach the restock (the lot lives there), and is another
    organization's location refused?"""
    supplier, wax = stocked
    client = api(owner)
    market = client.post("/api/v1/locations", json={"name": "Market stall", "kind": "market"})
    assert market.status_code == 201, market.json
    po = _create(client, supplier, wax).json
    client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    line_id = po["lines"][0]["id"]
    response = client.post(f"/api/v1/purchase-orders/{po['id']}/receive", json={"lines": [
        {"line_id": line_id, "quantity": "300", "location_id": market.json["id"]}]})
    assert response.status_code == 200, response.json
    (lot,) = client.get(f"/api/v1/inventory/{wax.id}").json["lots"]
    assert lot["location_id"] == market.json["id"]
