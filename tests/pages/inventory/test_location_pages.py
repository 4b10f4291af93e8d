"""Locations and transfers pages: add a location, transfer stock (at once and in transit), receive it, and see
stock per location on the item page."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryItem, Transfer
from app.services import inventory, tenancy

from ...factories import assert_invariants, make_lot
from ...helpers import post_form

pytestmark = pytest.mark.usefixtures("reference_data")


def test_locations_page_lists_default_and_adds_one(client, org, owner, login):
    login(owner)
    page = client.get("/locations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Workshop" in html and "default" in html
    response = post_form(client, "/locations", {"name": "Corner shop", "kind": "store"})
    assert response.status_code == 302
    html = client.get("/locations").get_data(as_text=True)
    assert "Corner shop" in html and "Added Corner shop." in html
    bad = post_form(client, "/locations", {"name": "corner shop", "kind": "store"})
    assert bad.status_code == 422 and "already a location" in bad.get_data(as_text=True)
    assert [loc.name for loc in inventory.list_locations(org, owner)] == ["Workshop", "Corner shop"]


def test_transfer_in_transit_receive_and_item_page_by_location(client, org, owner, login):
    item = inventory.create_item(org, owner, name="Beeswax", kind="ingredient", unit="g")
    make_lot(org, item, "500", "0.02")
    shop = inventory.create_location(org, owner, name="Corner shop", kind="store")
    workshop = inventory.default_location(org)
    login(owner)
    form = client.get(f"/transfers/new?item_id={item.id}")
    assert form.status_code == 200 and "Beeswax (g)" in form.get_data(as_text=True)
    response = post_form(client, "/transfers/new", {"item_id": str(item.id), "quantity": "200", "unit": "",
                                                    "from_location_id": str(workshop.id),
                                                    "to_location_id": str(shop.id), "in_transit": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    transfer = db.session.scalar(tenancy.scoped(Transfer, org))
    assert transfer.status == "in_transit"
    listing = client.get("/transfers").get_data(as_text=True)
    assert "in transit" in listing and f"receive-{transfer.id}" in listing
    detail = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert "Stock by location" in detail and "In transit" in detail
    response = post_form(client, f"/transfers/{transfer.id}/receive", {}, form_url="/transfers")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Transfer, transfer.id).status == "received"
    summary = inventory.item_summary(org, tenancy.get_for_org(InventoryItem, item.id, org))
    assert {row["location_id"]: row["available"] for row in summary.by_location} == {
        workshop.id: Decimal("300"), shop.id: Decimal("200")}
    detail = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert "Corner shop" in detail and "Workshop" in detail
    assert_invariants(org, item.id)


def test_transfer_form_errors_are_422_and_write_nothing(client, org, owner, login):
    item = inventory.create_item(org, owner, name="Shea Butter", kind="ingredient", unit="g")
    make_lot(org, item, "10", "0.02")
    shop = inventory.create_location(org, owner, name="Shop", kind="store")
    workshop = inventory.default_location(org)
    login(owner)
    for data in ({"quantity": "11", "to_location_id": str(shop.id)},
                 {"quantity": "1", "to_location_id": str(workshop.id)},
                 {"quantity": "abc", "to_location_id": str(shop.id)}):
        payload = {"item_id": str(item.id), "unit": "", "from_location_id": str(workshop.id), **data}
        response = post_form(client, "/transfers/new", payload)
        assert response.status_code == 422, data
    assert db.session.scalar(tenancy.scoped(Transfer, org)) is None


def test_receive_of_another_orgs_transfer_is_404(client, org, owner, login, other_org, other_owner):
    item = inventory.create_item(other_org, other_owner, name="Their wax", kind="ingredient", unit="g")
    make_lot(other_org, item, "10", "0.02")
    theirs = inventory.create_location(other_org, other_owner, name="Their shop", kind="store")
    transfer, _ = inventory.transfer_stock(other_org, other_owner, item_id=item.id, quantity="1",
                                           from_location_id=inventory.default_location(other_org).id,
                                           to_location_id=theirs.id, in_transit=True)
    login(owner)
    response = post_form(client, f"/transfers/{transfer.id}/receive", {}, form_url="/transfers")
    assert response.status_code == 404
