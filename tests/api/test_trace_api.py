"""JSON API contract for traceability and recalls (API.md: Traceability)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import InventoryLot, Recall
from app.services import tenancy

from ..factories import make_item, make_lot
from ..services.trace.test_traceability import build_chain

LOT_KEYS = {"id", "code", "item_id", "remaining", "original", "unit_cost", "received_at", "expires_at", "status",
            "supplier_lot_code"}


pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def chain(org, owner):
    return build_chain(org, owner)


@pytest.fixture()
def maker(api, member):
    return api(member)


def _code(org, lot_id) -> str:
    return tenancy.get_for_org(InventoryLot, lot_id, org).code


def test_trace_follows_intermediates_forward_and_backward(maker, org, chain):
    buds = chain["lots"]["buds"].code
    response = maker.get(f"/api/v1/lots/{buds}/trace")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"lot", "forward", "backward"}
    assert set(body["lot"]) >= LOT_KEYS and body["lot"]["code"] == buds
    assert [b["label"] for b in body["forward"]["batches"]] == [b.label for b in chain["batches"]]
    assert all(set(b) >= {"id", "label", "quantity"} for b in body["forward"]["batches"])
    assert body["forward"]["batches"][0]["quantity"] == "100"
    assert [lot["code"] for lot in body["forward"]["lots"]] == [
        _code(org, chain["infused_lot"]), _code(org, chain["base_lot"]), _code(org, chain["bar_lot"])]
    assert all(set(lot) >= LOT_KEYS for lot in body["forward"]["lots"])
    assert sorted((s["order_ref"], s["quantity"]) for s in body["forward"]["sales"]) == [
        ("ORD-1", "1"), ("ORD-2", "1"), ("ORD-3", "1")]
    assert all(set(s) >= {"id", "order_ref", "quantity"} for s in body["forward"]["sales"])
    assert body["backward"] == {"lots": [], "batches": []}

    back = maker.get(f"/api/v1/lots/{_code(org, chain['bar_lot'])}/trace").get_json()
    assert {lot["code"] for lot in back["backward"]["lots"]} == {
        _code(org, chain["base_lot"]), _code(org, chain["infused_lot"]), buds, chain["lots"]["oil"].code,
        chain["lots"]["lye"].code}
    assert {b["label"] for b in back["backward"]["batches"]} == {b.label for b in chain["batches"]}
    assert all(set(b) >= {"id", "label"} for b in back["backward"]["batches"])


def test_another_organizations_lot_is_404(maker, api, owner, other_org):
    theirs = make_lot(other_org, make_item(other_org, name="Their buds"), "1", "1", code="OTHER-1")
    response = maker.get(f"/api/v1/lots/{theirs.code}/trace")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert api(owner).post(f"/api/v1/lots/{theirs.code}/recall", json={"reason": "x"}).status_code == 404
    assert maker.get("/api/v1/lots/NOPE-404/trace").status_code == 404


def test_recall_holds_downstream_and_release_restores(api, owner, org, chain):
    client = api(owner)
    buds = chain["lots"]["buds"].code
    response = client.post(f"/api/v1/lots/{buds}/recall", json={"reason": "Mould in buds"})
    assert response.status_code == 201, response.get_json()
    recall = response.get_json()
    assert recall["status"] == "active" and recall["lot_code"] == buds
    assert {lot["code"] for lot in recall["lots"]} == {buds, _code(org, chain["infused_lot"]),
                                                      _code(org, chain["base_lot"]), _code(org, chain["bar_lot"])}
    assert sorted(s["order_ref"] for s in recall["sales"]) == ["ORD-1", "ORD-2", "ORD-3"]
    bar_lot = client.get(f"/api/v1/lots/{_code(org, chain['bar_lot'])}/trace").get_json()["lot"]
    assert bar_lot["status"] == "on_hold"
    sale = client.post("/api/v1/sales", json={"item_id": chain["items"]["bar"].id, "quantity": "1",
                                              "unit_price": "8"})
    assert sale.status_code == 422 and sale.get_json()["error"]["code"] == "insufficient_stock"
    started = client.post("/api/v1/batches", json={"recipe_id": chain["batches"][0].recipe_id, "scale": "1"})
    assert started.status_code == 422 and started.get_json()["error"]["code"] == "insufficient_stock"

    released = client.post(f"/api/v1/recalls/{recall['id']}/release")
    assert released.status_code == 200 and released.get_json()["status"] == "released"
    assert client.post(f"/api/v1/recalls/{recall['id']}/release").status_code == 409
    sale = client.post("/api/v1/sales", json={"item_id": chain["items"]["bar"].id, "quantity": "1",
                                              "unit_price": "8"})
    assert sale.status_code == 201
    listing = client.get("/api/v1/recalls").get_json()
    assert listing["total"] == 1 and listing["items"][0]["lots_held"] == 4


def test_recall_needs_a_reason_and_the_permission(api, viewer, owner, org, chain):
    buds = chain["lots"]["buds"].code
    missing = api(owner).post(f"/api/v1/lots/{buds}/recall", json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    forbidden = api(viewer).post(f"/api/v1/lots/{buds}/recall", json={"reason": "x"})
    assert forbidden.status_code == 403
    assert api(viewer).get(f"/api/v1/lots/{buds}/trace").status_code == 200
    db.session.expire_all()
    assert db.session.scalars(tenancy.scoped(Recall, org)).first() is None
