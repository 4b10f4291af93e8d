"""Expiration: expiry from shelf life, expiring-soon and expired lists, disposing an expired lot."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.services import inventory
from app.services.errors import InvalidState, NotFound, ValidationFailed
from app.services.inventory import expiration

from ...factories import assert_invariants, make_lot, make_org, make_user
from ...helpers import count_queries

pytestmark = pytest.mark.usefixtures("reference_data")

TODAY = datetime.now(timezone.utc).date()



def test_expiry_for_receipt(org, owner):
    item = inventory.create_item(org, owner, name="Milk", kind="ingredient", unit="mL", shelf_life_days=10)
    received = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    assert expiration.expiry_for_receipt(item, received) == date(2026, 3, 11)
    assert expiration.expiry_for_receipt(item, received, "2026-04-01") == date(2026, 4, 1)
    assert expiration.expiry_for_receipt(item, received, "2026-04-01T23:00:00-05:00") == date(2026, 4, 2)
    assert expiration.expiry_for_receipt(item, "2026-03-01") == date(2026, 3, 11)
    item.shelf_life_days = None
    assert expiration.expiry_for_receipt(item, received) is None
    with pytest.raises(ValidationFailed):
        expiration.expiry_for_receipt(item, received, "tomorrow")


def test_expiring_and_expired_lists(org, owner, viewer):
    """Are expired lots (from the day after expiry) and soon-expiring lots listed with their items loaded?"""
    org.expiring_soon_days = 30
    item = inventory.create_item(org, owner, name="Aloe", kind="ingredient", unit="g")
    other = inventory.create_item(org, owner, name="Honey", kind="ingredient", unit="g")
    gone = make_lot(org, item, "5", "1", expires_on=TODAY - timedelta(days=1))
    today = make_lot(org, item, "5", "1", expires_on=TODAY)
    soon = make_lot(org, other, "5", "1", expires_on=TODAY + timedelta(days=30))
    make_lot(org, other, "5", "1", expires_on=TODAY + timedelta(days=31))
    make_lot(org, other, "5", "1")
    empty = make_lot(org, item, "5", "1", expires_on=TODAY - timedelta(days=3))
    inventory.dispose_lot(org, owner, empty.id, change_type="trash")
    assert [lot.id for lot in expiration.list_expired(org, viewer)] == [gone.id]
    from app.extensions import db

    db.session.expire_all()
    with count_queries() as q:
        expiring = expiration.list_expiring(org, viewer)
        names = [lot.item.name for lot in expiring]
    assert [lot.id for lot in expiring] == [today.id, soon.id] and names == ["Aloe", "Honey"]
    assert q.count <= 4
    assert [lot.id for lot in expiration.list_expiring(org, viewer, days=0)] == [today.id]
    with pytest.raises(ValidationFailed):
        expiration.list_expiring(org, viewer, days=-1)
    later = datetime.now(timezone.utc) + timedelta(days=1)
    assert {lot.id for lot in expiration.list_expired(org, viewer, now=later)} == {gone.id, today.id}


def test_dispose_expired_lot_only_on_that_lot(org, owner):
    """Does disposing post one `expired` event on exactly the chosen expired lot?"""
    item = inventory.create_item(org, owner, name="Aloe", kind="ingredient", unit="g")
    older = make_lot(org, item, "5", "2", expires_on=TODAY - timedelta(days=10))
    chosen = make_lot(org, item, "7", "3", expires_on=TODAY - timedelta(days=1))
    fresh = make_lot(org, item, "9", "4")
    event = inventory.dispose_expired_lot(org, owner, chosen.id)
    assert (event.lot_id, event.change_type, event.quantity, event.unit_cost) == (
        chosen.id, "expired", Decimal("-7"), Decimal("3"))
    with pytest.raises(InvalidState):
        inventory.dispose_expired_lot(org, owner, fresh.id)
    with pytest.raises(InvalidState):
        inventory.dispose_expired_lot(org, owner, chosen.id)
    stranger_org = make_org("Elsewhere")
    with pytest.raises(NotFound):
        inventory.dispose_expired_lot(stranger_org, make_user(stranger_org, role="owner"), older.id)
    assert inventory.get_item(org, owner, item.id).quantity == Decimal("14")
    assert_invariants(org)
