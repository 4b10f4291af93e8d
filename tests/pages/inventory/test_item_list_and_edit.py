"""Inventory pages the other page tests leave out: bad input on the item edit form changes nothing, and the
expiring, supplier, item detail and API list pages cost the same number of queries with 5 and with 500 rows."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.inventory import InventoryEvent, InventoryItem, InventoryLot, Supplier
from app.services import tenancy

from ...factories import bulk_items, make_item, restock
from ...helpers import count_queries, post_form

pytestmark = pytest.mark.usefixtures("reference_data")



def _item(org, item_id) -> InventoryItem:
    db.session.expire_all()
    return tenancy.get_for_org(InventoryItem, item_id, org)


def _columns(item: InventoryItem) -> tuple:
    return (item.name, item.kind, item.unit, item.density, item.reorder_point, item.shelf_life_days,
            item.quantity, item.archived_at)


@pytest.mark.parametrize("data", [
    {"name": ""},
    {"name": "x" * 500},
    {"density": "abc"},
    {"density": "-1"},
    {"density": "1e400"},
    {"reorder_point": "-4"},
    {"reorder_point": "lots"},
    {"shelf_life_days": "99999999999"},
    {"shelf_life_days": "-3"},
    {"kind": "spaceship"},
    {"unit": "furlongs"},
    {"supplier_id": "999999"},
])
def test_bad_item_edit_is_4xx_and_changes_nothing(client, org, owner, login, data):
    """Is a bad value on the edit form answered with a 4xx and the item left exactly as it was?"""
    item = make_item(org, owner, "Mango Butter", density="0.9", reorder_point="100", shelf_life_days=365)
    restock(org, owner, item, 50)
    before = _columns(_item(org, item.id))
    login(owner)
    payload = {"name": "Mango Butter", "kind": "ingredient", "unit": "g", "density": "0.9", "reorder_point": "100",
               "shelf_life_days": "365", "supplier_id": "", "capacity_unit": "", **data}
    response = post_form(client, f"/inventory/{item.id}/edit", payload)
    assert 400 <= response.status_code < 500, response.status_code
    assert response.status_code != 404
    assert _columns(_item(org, item.id)) == before


def test_changing_the_unit_of_a_stocked_item_is_refused_and_changes_nothing(client, org, owner, login):
    """Once an item holds stock, is a unit change on the edit form refused (4xx) rather than silently rescaling?"""
    item = make_item(org, owner, "Beeswax")
    restock(org, owner, item, 10)
    before = _columns(_item(org, item.id))
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/edit", {
        "name": "Beeswax", "kind": "ingredient", "unit": "kg", "supplier_id": "", "capacity_unit": ""})
    assert 400 <= response.status_code < 500
    assert _columns(_item(org, item.id)) == before


def _bulk_suppliers(org, count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        db.session.add(Supplier(organization_id=org.id, name=f"Supplier {index:04d}", lead_time_days=index % 9))
    db.session.commit()


def _bulk_lots(org, item: InventoryItem, count: int, start: int = 0) -> None:
    """`count` lots of one item, each with its restock event (the invariants hold)."""
    now = datetime.now(timezone.utc)
    for index in range(start, start + count):
        lot = InventoryLot(organization_id=org.id, item_id=item.id, code=f"LOT-M{index:05d}",
                           received_at=now - timedelta(days=1000 - index), original_quantity=Decimal("2"),
                           remaining_quantity=Decimal("2"), unit_cost=Decimal("0.25"), notes="",
                           expires_on=date.today() + timedelta(days=index % 30 - 3))
        db.session.add(lot)
        db.session.flush()
        db.session.add(InventoryEvent(organization_id=org.id, code=f"RST-M{index:05d}", item_id=item.id,
                                      lot_id=lot.id, change_type="restock", quantity=Decimal("2"),
                                      unit_cost=Decimal("0.25"), notes="", created_at=now))
    item.quantity = item.quantity + Decimal(2 * count)
    db.session.commit()


def _queries(client, url: str, expect: str | None = None) -> int:
    db.session.expire_all()  # every request starts from an empty identity map
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    if expect:
        assert expect in response.get_data(as_text=True), expect
    return counter.count


def test_expiring_page_query_count_does_not_grow_with_lots(client, org, owner, login):
    """Does the expiring/expired page cost the same number of queries with 5 and with 500 items' lots?"""
    bulk_items(org, 5)
    login(owner)
    few = _queries(client, "/inventory/expiring")
    bulk_items(org, 495, start=5)
    many = _queries(client, "/inventory/expiring", "LOT-B00496")
    assert many == few, (few, many)


def test_supplier_list_query_count_does_not_grow_with_suppliers(client, org, owner, login):
    """Does the supplier list cost the same number of queries with 5 and with 500 suppliers?"""
    _bulk_suppliers(org, 5)
    login(owner)
    few = _queries(client, "/suppliers")
    _bulk_suppliers(org, 495, start=5)
    many = _queries(client, "/suppliers")
    assert many == few, (few, many)


def test_item_detail_query_count_does_not_grow_with_lots(client, org, owner, login):
    """Does an item page (lots in consumption order, ledger) cost the same with 5 and with 500 lots?"""
    item = make_item(org, owner, "Candelilla Wax")
    _bulk_lots(org, item, 5)
    login(owner)
    few = _queries(client, f"/inventory/{item.id}", "LOT-M00000")
    _bulk_lots(org, _item(org, item.id), 495, start=5)
    many = _queries(client, f"/inventory/{item.id}", "LOT-M00000")
    assert many == few, (few, many)


def test_api_item_list_query_count_does_not_grow_with_items(client, org, owner, api_token):
    """Does GET /api/v1/inventory cost the same number of queries with 5 and with 500 items?"""
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    bulk_items(org, 5)
    client.get("/api/v1/inventory", headers=headers)  # the role's and tier's permissions are cached from here on
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/api/v1/inventory?per_page=200", headers=headers).status_code == 200
    bulk_items(org, 495, start=5)
    db.session.expire_all()
    with count_queries() as many:
        body = client.get("/api/v1/inventory?per_page=200", headers=headers).get_json()
    assert body["total"] == 500 and len(body["items"]) == 200
    assert many.count == few.count, (few.count, many.count)
