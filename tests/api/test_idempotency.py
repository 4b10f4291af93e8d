"""Idempotency-Key on creating API POSTs (API.md, "Requests that may be retried")."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IdempotencyKey, InventoryEvent, Sale
from app.services import idempotency, tenancy

from ..conftest import IS_POSTGRES
from ..factories import ensure_inventory_reference_data, make_item, make_lot, make_user


def _events(org, item) -> int:
    return db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))
                             .where(InventoryEvent.item_id == item.id))


class _KeyedClient:
    """The API test client, with extra headers merged into its Bearer header."""

    def __init__(self, api_client):
        self._api = api_client

    def post(self, url, json=None, headers=None):
        return self._api.client.post(url, json=json, headers={**self._api.headers, **(headers or {})})

    def get(self, url):
        return self._api.get(url)


def _setup(org, api):
    ensure_inventory_reference_data()
    owner = make_user(org, email="idem-owner@juniper.test", role="owner")
    item = make_item(org, name="Shea butter", unit="g")
    make_lot(org, item, quantity="1000", unit_cost="0.02")
    return owner, item, _KeyedClient(api(owner))


def test_a_retried_adjustment_answers_the_first_response_and_changes_stock_once(org, api):
    """Does the same key + body replay the first 201 (same body) with one ledger change only?"""
    _, item, client = _setup(org, api)
    before = _events(org, item)
    body = {"change_type": "use", "quantity": "100", "unit": "g"}
    headers = {"Idempotency-Key": "order-42-use"}
    first = client.post(f"/api/v1/inventory/{item.id}/adjustments", json=body, headers=headers)
    again = client.post(f"/api/v1/inventory/{item.id}/adjustments", json=dict(reversed(body.items())),
                        headers=headers)
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _events(org, item) == before + 1
    db.session.expire_all()
    assert client.get(f"/api/v1/inventory/{item.id}").get_json()["quantity"] == "900"


def test_the_same_key_with_another_body_is_422_and_changes_nothing(org, api):
    """Is a key reused for a different request refused with 422 idempotency_mismatch?"""
    _, item, client = _setup(org, api)
    headers = {"Idempotency-Key": "k-1"}
    assert client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "5"},
                       headers=headers).status_code == 201
    events = _events(org, item)
    other = client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "6"},
                        headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_mismatch"
    assert "Idempotency-Key" in other.get_json()["error"]["fields"]
    assert _events(org, item) == events


def test_a_key_longer_than_200_characters_is_422(org, api):
    """Is an over-long (or empty) key refused before anything happens?"""
    _, item, client = _setup(org, api)
    events = _events(org, item)
    for key in ("x" * 201, ""):
        response = client.post(f"/api/v1/inventory/{item.id}/adjustments",
                               json={"change_type": "use", "quantity": "5"}, headers={"Idempotency-Key": key})
        assert response.status_code == 422, key
        assert response.get_json()["error"]["fields"]["Idempotency-Key"]
    assert _events(org, item) == events
    ok = client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "5"},
                     headers={"Idempotency-Key": "y" * 200})
    assert ok.status_code == 201


def test_another_organization_may_use_the_same_key(org, other_org, api):
    """Are keys per organization: the same key in another organization is a new request?"""
    _, item, client = _setup(org, api)
    theirs_owner = make_user(other_org, email="idem-other@other.test", role="owner")
    theirs = make_item(other_org, name="Beeswax", unit="g")
    make_lot(other_org, theirs, quantity="50", unit_cost="0.1")
    headers = {"Idempotency-Key": "shared-key"}
    mine = client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "5"},
                       headers=headers)
    other = _KeyedClient(api(theirs_owner)).post(f"/api/v1/inventory/{theirs.id}/adjustments",
                                   json={"change_type": "use", "quantity": "5"}, headers=headers)
    assert mine.status_code == 201 and other.status_code == 201
    assert other.get_json()["item"]["id"] == theirs.id
    assert _events(other_org, theirs) == 2


def test_without_a_key_every_post_takes_effect(org, api):
    """Without the header, do two identical posts make two changes, and is no key stored?"""
    _, item, client = _setup(org, api)
    before = _events(org, item)
    for _ in range(2):
        assert client.post(f"/api/v1/inventory/{item.id}/adjustments",
                           json={"change_type": "use", "quantity": "5"}).status_code == 201
    assert _events(org, item) == before + 2
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_a_failed_request_is_not_kept_and_its_retry_runs_again(org, api):
    """After a 422 (too little stock), does a retry with the same key run again instead of replaying?"""
    _, item, client = _setup(org, api)
    headers = {"Idempotency-Key": "big-use"}
    short = client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "5000"},
                        headers=headers)
    assert short.status_code == 422 and short.get_json()["error"]["code"] == "insufficient_stock"
    make_lot(org, item, quantity="5000", unit_cost="0.02")
    retry = client.post(f"/api/v1/inventory/{item.id}/adjustments", json={"change_type": "use", "quantity": "5000"},
                        headers=headers)
    assert retry.status_code == 201


def test_sales_batches_and_returns_replay_too(org, api):
    """Do sales, returns and batch starts accept the key and happen once?"""
    from app.services import recipes

    owner, item, client = _setup(org, api)
    soap = make_item(org, name="Oat bar", unit="each", kind="product")
    make_lot(org, soap, quantity="20", unit_cost="2")
    sale_body = {"item_id": soap.id, "quantity": "2", "unit_price": "9"}
    sales = [client.post("/api/v1/sales", json=sale_body, headers={"Idempotency-Key": "sale-1"}) for _ in range(2)]
    assert [r.status_code for r in sales] == [201, 201] and sales[0].get_json() == sales[1].get_json()
    assert db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id))) == 1
    sale_id = sales[0].get_json()["id"]
    returns = [client.post(f"/api/v1/sales/{sale_id}/returns", json={"quantity": "1"},
                           headers={"Idempotency-Key": "ret-1"}) for _ in range(2)]
    assert [r.status_code for r in returns] == [201, 201] and returns[0].get_json() == returns[1].get_json()
    recipe = recipes.create_recipe(org, owner, name="Body butter", yield_quantity="5", yield_unit="each",
                                   lines=[{"item_id": item.id, "quantity": "100", "unit": "g"}])
    starts = [client.post("/api/v1/batches", json={"recipe_id": recipe.id, "scale": "1"},
                          headers={"Idempotency-Key": "batch-1"}) for _ in range(2)]
    assert [r.status_code for r in starts] == [201, 201] and starts[0].get_json() == starts[1].get_json()
    db.session.expire_all()
    assert client.get(f"/api/v1/inventory/{item.id}").get_json()["quantity"] == "900"


def test_a_key_older_than_24_hours_is_forgotten(org, api):
    """Does a key used more than 24 h ago name a new request (and is the old record pruned)?"""
    _, item, client = _setup(org, api)
    headers = {"Idempotency-Key": "daily"}
    body = {"change_type": "use", "quantity": "5"}
    assert client.post(f"/api/v1/inventory/{item.id}/adjustments", json=body, headers=headers).status_code == 201
    record = tenancy.find_for_org(IdempotencyKey, org, key="daily")
    record.created_at = record.created_at - idempotency.KEY_LIFETIME - timedelta(minutes=1)
    db.session.commit()
    before = _events(org, item)
    again = client.post(f"/api/v1/inventory/{item.id}/adjustments", json=body, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert _events(org, item) == before + 1
    assert db.session.scalar(tenancy.scoped(IdempotencyKey, org, func.count(IdempotencyKey.id))) == 1


def test_the_header_is_documented_on_creating_posts(client):
    """Does the OpenAPI document describe Idempotency-Key on adjustments, batches, sales and returns?"""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/inventory/{item_id}/adjustments", "/api/v1/batches", "/api/v1/sales",
                 "/api/v1/sales/{sale_id}/returns"):
        names = [p.get("name") for p in paths[path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
        header = next(p for p in paths[path]["post"]["parameters"] if p.get("name") == "Idempotency-Key")
        assert header["in"] == "header" and header["schema"]["maxLength"] == 200


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: the test SQLite database is one shared connection")
def test_concurrent_duplicates_take_effect_once(app, org, api_token):
    """Do 6 simultaneous requests with one key make one change, all answering the first's response?"""
    import threading

    ensure_inventory_reference_data()
    owner = make_user(org, email="idem-race@juniper.test", role="owner")
    item = make_item(org, name="Cocoa butter", unit="g")
    make_lot(org, item, quantity="1000", unit_cost="0.03")
    before = _events(org, item)
    headers = {"Authorization": f"Bearer {api_token(owner)}", "Idempotency-Key": "race-1"}
    url = f"/api/v1/inventory/{item.id}/adjustments"
    barrier = threading.Barrier(6)
    answers, errors = [], []

    def post():
        with app.app_context():
            try:
                client = app.test_client()
                barrier.wait(timeout=30)
                response = client.post(url, json={"change_type": "use", "quantity": "10"}, headers=headers)
                answers.append((response.status_code, response.get_json()))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[0] if errors else ""
    assert [status for status, _ in answers] == [201] * 6
    assert all(body == answers[0][1] for _, body in answers)
    db.session.expire_all()
    assert _events(org, item) == before + 1
