"""Cure / hold and expiry dates are calendar dates in the organization's time zone: stored as dates, shown as
entered (labels, pages, API), a lot is on hold before its hold date and usable on it, and expired from the day
after its expiry date — all by the organization's clock, not UTC's."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Batch, InventoryLot
from app.services import batches, inventory, recipes, tenancy
from app.services.inventory import expiration, stock_check

from ...factories import make_item, make_lot
from ...helpers import post_form

HOLD = date(2026, 12, 26)
# 2026-12-26 03:00 UTC is still 2026-12-25 21:00 in Chicago; 07:00 UTC is 01:00 on the 26th there.
EVENING_BEFORE = datetime(2026, 12, 26, 3, 0, tzinfo=timezone.utc)
EARLY_ON_THE_DAY = datetime(2026, 12, 26, 7, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def chicago(db, org, reference_data):
    org.timezone = "America/Chicago"
    db.session.commit()
    return org


@pytest.fixture()
def kitchen(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g", inci_name="Olea Europaea Fruit Oil")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    make_lot(org, oil, "2000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"}])
    return {"oil": oil, "bar": bar, "recipe": recipe}


def test_hold_until_is_a_date_column():
    """Is a lot's hold date stored as a calendar date (not an instant that shifts with the zone)?"""
    assert InventoryLot.__table__.c.hold_until.type.python_type is date


def test_a_hold_lasts_until_the_organizations_date(org, owner):
    """Is a lot cured by 12-26 on hold on the evening of 12-25 in Chicago (already 12-26 in UTC), and usable
    from the first minute of 12-26 there?"""
    item = make_item(org, name="Bar", kind="product", unit="each")
    inventory.restock(org, owner, item.id, quantity="12", unit_cost="1", hold_until="2026-12-26",
                      received_at="2026-11-01")
    lot = db.session.scalars(tenancy.scoped(InventoryLot, org)).one()
    assert lot.hold_until == HOLD
    assert stock_check.available_quantity(org, item, now=EVENING_BEFORE) == Decimal(0)
    assert lot.status(expiration.org_today(org, EVENING_BEFORE), EVENING_BEFORE) == "on_hold"
    assert stock_check.available_quantity(org, item, now=EARLY_ON_THE_DAY) == Decimal(12)
    assert lot.status(expiration.org_today(org, EARLY_ON_THE_DAY), EARLY_ON_THE_DAY) == "active"


def test_expiry_follows_the_organizations_date(org, owner):
    """Is a lot that expires on 12-25 still usable on the evening of 12-25 in Chicago (12-26 in UTC)?"""
    item = make_item(org, name="Shea", unit="g")
    make_lot(org, item, "10", "1", expires_on=date(2026, 12, 25),
             received_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert stock_check.available_quantity(org, item, now=EVENING_BEFORE) == Decimal(10)
    assert stock_check.available_quantity(org, item, now=EARLY_ON_THE_DAY) == Decimal(0)
    assert expiration.list_expired(org, owner, now=EVENING_BEFORE) == []


def test_the_entered_cure_date_is_shown_as_entered_everywhere(client, org, owner, login, kitchen, api):
    """Does a cure date entered as 12-26 in Chicago show as 12-26 on the batch page, the label, the item page
    and in the API (YYYY-MM-DD) — never as 12-25 18:00?"""
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    login(owner)
    response = post_form(client, f"/batches/{batch.id}/finish", {
        "finish-yield_quantity": "10", "finish-waste_quantity": "", "finish-output_item_id": str(kitchen["bar"].id),
        "finish-hold_until": "2026-12-26", "finish-notes": ""}, form_url=f"/batches/{batch.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    lot = db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == kitchen["bar"].id)).one()
    assert lot.hold_until == HOLD
    label = client.get(f"/batches/{batch.id}/label").get_data(as_text=True)
    assert "2026-12-26" in label and "2026-12-25" not in label
    detail = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "2026-12-26" in detail and "2026-12-25 18:00" not in detail
    item_page = client.get(f"/inventory/{kitchen['bar'].id}").get_data(as_text=True)
    assert "until 2026-12-26" in item_page
    body = api(owner).get(f"/api/v1/inventory/{kitchen['bar'].id}").get_json()
    assert body["lots"][0]["hold_until"] == "2026-12-26"
    assert body["lots"][0]["status"] == ("on_hold" if expiration.org_today(org) < HOLD else "active")


def test_batch_api_takes_a_hold_date(org, owner, kitchen, api):
    """Does POST /batches/<id>/finish store hold_until "2026-12-26" as that date?"""
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    response = api(owner).post(f"/api/v1/batches/{batch.id}/finish",
                               json={"yield_quantity": "10", "hold_until": "2026-12-26"})
    assert response.status_code == 200, response.get_json()
    lots = response.get_json().get("outputs") or []
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == "completed"
    lot = db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == kitchen["bar"].id)).one()
    assert lot.hold_until == HOLD
    assert not lots or lots[0].get("hold_until", "2026-12-26") == "2026-12-26"
