"""A finished batch's output enters stock through inventory.receive_produced (change type `produced`)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import InventoryEvent
from app.services import inventory, tenancy
from app.services.errors import InvalidQuantity, PermissionDenied, ValidationFailed
from app.services.timezones import org_today

from ...factories import assert_invariants, make_item, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def test_produced_is_a_ledger_change_type_that_people_cannot_record_by_hand():
    """Is `produced` one of inventory's change types, yet refused by the hand adjustment (adjust)?"""
    assert inventory.CHANGE_TYPES["produced"] == ("produced",)
    assert "produced" not in inventory.ALL_CHANGE_TYPES


def test_receive_produced_makes_one_held_lot_with_the_batch_cost(org, owner):
    """Does the output become one lot at the batch's unit cost, curing until the hold date, expiring by the
    item's shelf life, with a `produced` event naming the batch?"""
    bar = make_item(org, name="Lavender bar", unit="each", shelf_life_days=365)
    cure = org_today(org) + timedelta(days=28)
    event = inventory.receive_produced(org, owner, bar.id, Decimal("12"), Decimal("1.254321"), batch_id=77,
                                       hold_until=cure, notes="Output of batch B-1")
    lot = event.lot
    assert (event.change_type, event.batch_id, event.quantity, event.code[:4]) == ("produced", 77, 12, "PRD-")
    assert (lot.remaining_quantity, lot.original_quantity, lot.unit_cost) == (12, 12, Decimal("1.254321"))
    assert lot.hold_until == cure and lot.expires_on == org_today(org) + timedelta(days=365)
    assert inventory.get_item(org, owner, bar.id).quantity == Decimal("12")
    assert_invariants(org, bar.id)


def test_receive_produced_takes_an_explicit_expiry(org, owner):
    bar = make_item(org, name="Rose bar", unit="each", shelf_life_days=365)
    event = inventory.receive_produced(org, owner, bar.id, "3", "2", batch_id=5, expires_on="2031-01-31")
    assert event.lot.expires_on == date(2031, 1, 31) and event.lot.hold_until is None


@pytest.mark.parametrize("quantity, cost, error", [("0", "1", InvalidQuantity), ("-2", "1", InvalidQuantity),
                                                   ("2", "-1", ValidationFailed), ("2", "abc", ValidationFailed)])
def test_bad_output_writes_nothing(org, owner, quantity, cost, error):
    bar = make_item(org, name="Mint bar", unit="each")
    with pytest.raises(error):
        inventory.receive_produced(org, owner, bar.id, quantity, cost, batch_id=1)
    assert tenancy.find_for_org(InventoryEvent, org, item_id=bar.id) is None


def test_receiving_output_needs_the_batch_finish_permission(org):
    """A viewer cannot put produced stock on the shelf; another organization's item is not found."""
    bar = make_item(org, name="Oat bar", unit="each")
    with pytest.raises(PermissionDenied):
        inventory.receive_produced(org, make_user(org, role="viewer"), bar.id, "1", "1", batch_id=1)
    assert tenancy.find_for_org(InventoryEvent, org, item_id=bar.id) is None


def test_reads_refuse_an_actor_of_another_organization(org, owner, other_owner):
    """Item, lot and ledger reads authorize the actor: no read skips it."""
    from app.services.errors import NotFound

    bar = make_item(org, name="Clay bar", unit="each")
    event = inventory.receive_produced(org, owner, bar.id, "2", "1", batch_id=3)
    for read in (lambda: inventory.get_item(org, other_owner, bar.id),
                 lambda: inventory.get_lot(org, other_owner, event.lot_id),
                 lambda: inventory.list_events(org, other_owner, bar.id),
                 lambda: inventory.list_items(org, other_owner)):
        with pytest.raises((NotFound, PermissionDenied)):
            read()
